/**
 * Which OCPI object a JSON value is, when the user did not say: the objects that have one of its distinctive fields
 * are the candidates, each is validated, and the one that validates wins (the first in this table when several
 * do), or else the one with the fewest issues.
 */
import type { ValidationIssue } from "@ocpi-sdk/validators";
import { validatorOf, type OcpiVersion } from "./versions.js";

/** A candidate object and the fields that make it one (any of them suffices to try it). */
interface Candidate {
  name: string;
  keys: readonly string[];
}

/**
 * The objects a file or a message body usually holds, most specific first: the order breaks ties between
 * candidates that validate equally (a `{result, timeout}` is a CommandResponse before a ChargingProfileResponse).
 * Names a version lacks are skipped (2.1.1 has no CdrToken-based CDR, 2.3.0 adds Terminals).
 */
const CANDIDATES: readonly Candidate[] = [
  { name: "CDR", keys: ["cdr_token", "cdr_location", "total_cost", "total_energy", "total_time", "stop_date_time", "auth_id"] },
  { name: "Session", keys: ["kwh", "start_datetime", "cdr_token", "auth_id"] },
  { name: "Location", keys: ["coordinates", "evses", "time_zone", "parking_type", "related_locations", "operator"] },
  { name: "EVSE", keys: ["connectors", "evse_id", "capabilities", "floor_level", "status_schedule"] },
  { name: "Connector", keys: ["standard", "format", "power_type", "max_voltage", "max_amperage", "voltage", "amperage"] },
  { name: "Tariff", keys: ["elements", "tariff_alt_text", "min_price", "max_price", "tax_included"] },
  { name: "Token", keys: ["contract_id", "whitelist", "issuer", "visual_number", "energy_contract", "group_id"] },
  { name: "AuthorizationInfo", keys: ["allowed", "authorization_reference", "authorization_id"] },
  { name: "Credentials", keys: ["token", "roles", "business_details"] },
  { name: "VersionDetails", keys: ["endpoints"] },
  { name: "Version", keys: ["version", "url"] },
  { name: "ClientInfo", keys: ["role", "status"] },
  { name: "Terminal", keys: ["terminal_id", "customer_reference", "invoice_base_url"] },
  { name: "FinancialAdviceConfirmation", keys: ["eft_data", "capture_status_code", "total_costs"] },
  { name: "StartSession", keys: ["response_url", "location_id", "token"] },
  { name: "StopSession", keys: ["response_url", "session_id"] },
  { name: "ReserveNow", keys: ["reservation_id", "expiry_date"] },
  { name: "CancelReservation", keys: ["reservation_id"] },
  { name: "UnlockConnector", keys: ["response_url", "connector_id"] },
  { name: "CommandResponse", keys: ["result", "timeout"] },
  { name: "CommandResult", keys: ["result"] },
  { name: "ChargingProfileResponse", keys: ["result", "timeout"] },
  { name: "ActiveChargingProfileResult", keys: ["result", "profile"] },
  { name: "ChargingProfileResult", keys: ["result"] },
  { name: "SetChargingProfile", keys: ["charging_profile", "response_url"] },
  { name: "ActiveChargingProfile", keys: ["charging_profile", "start_date_time"] },
  { name: "ChargingProfile", keys: ["charging_rate_unit", "charging_profile_period"] },
  { name: "ChargingPreferences", keys: ["profile_type", "departure_time", "energy_need"] },
];

/** Which schema an object was taken for, and why: the candidates tried and those that also validated. */
export interface Detection {
  /** The schema chosen. */
  schema: string;
  /** Its issues (none when it validated). */
  issues: ValidationIssue[];
  /** The other candidates that validated too. */
  alsoValid: string[];
  /** Every candidate tried, with how many issues it had. */
  tried: { schema: string; issues: number }[];
}

/** The candidates a value could be, by its fields. */
export function candidatesOf(version: OcpiVersion, value: Record<string, unknown>): string[] {
  return CANDIDATES.filter((c) => validatorOf(version, c.name) && c.keys.some((k) => Object.hasOwn(value, k))).map((c) => c.name);
}

/**
 * The OCPI object `value` is in `version`, or undefined when it has none of the distinctive fields of any (then the
 * user must name it with --schema).
 */
export function detect(version: OcpiVersion, value: unknown, strict: boolean): Detection | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const names = candidatesOf(version, value as Record<string, unknown>);
  if (!names.length) return undefined;
  const tried = names.map((schema) => {
    const result = validatorOf(version, schema)!.validate(value, { strict });
    return { schema, issues: result.ok ? [] : result.errors };
  });
  const valid = tried.filter((t) => t.issues.length === 0);
  // The first that validates, else the fewest issues (the table's order among equals: sort is stable).
  const best = valid[0] ?? [...tried].sort((a, b) => a.issues.length - b.issues.length)[0]!;
  return {
    schema: best.schema,
    issues: best.issues,
    alsoValid: valid.filter((t) => t !== best).map((t) => t.schema),
    tried: tried.map((t) => ({ schema: t.schema, issues: t.issues.length })),
  };
}
