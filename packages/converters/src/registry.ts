/**
 * Converters looked up by object name and versions, for code that converts whatever a route carries (a server
 * serving several versions from one set of handlers, a client talking to peers of any version).
 *
 * Names are those of OCPI 2.2.1 and 2.3.0; `CommandResult` is what 2.1.1 calls a CommandResponse sent to a
 * response_url. One context carries every fact a conversion may need; the converters that cannot do without one
 * (an owner, a Location, a Token, a role) throw a RangeError naming it.
 */
import type { OcpiVersion as ProtocolVersion } from "@ocpi-sdk/protocol";
import type * as V211 from "@ocpi-sdk/types/2.1.1";
import type * as V221 from "@ocpi-sdk/types/2.2.1";
import type * as V230 from "@ocpi-sdk/types/2.3.0";
import * as cdrs from "./cdrs.js";
import * as commands from "./commands.js";
import type { Conversion, Owner } from "./conversion.js";
import * as credentials from "./credentials.js";
import * as locations from "./locations.js";
import * as sessions from "./sessions.js";
import * as tariffs from "./tariffs.js";
import * as tokens from "./tokens.js";
import { cloneJson } from "./shared.js";

/**
 * An OCPI version the converters convert between: `OcpiVersion` of @ocpi-sdk/protocol (its `OCPI_VERSIONS`), the
 * one list of versions every package derives its own from, exported here too for the converters' users.
 */
export type OcpiVersion = ProtocolVersion;

/** Everything a conversion may need that the source object does not say. */
export interface ConversionContext {
  /** The party owning the object (Location, Session, CDR, Tariff: the CPO; Token: the eMSP), from 2.1.1. */
  owner?: Owner;
  /** Time zone of a 2.1.1 Location that has none. */
  time_zone?: string;
  /** The Token of a 2.1.1 Session or CDR (but its contract_id, which is the auth_id). */
  cdr_token?: cdrs.CdrTokenContext;
  /** The 2.1.1 Location a Session or CDR going to 2.1.1 embeds. */
  location?: V211.Location;
  /** The Token a 2.1.1 AuthorizationInfo is for. */
  token?: V221.Token | V230.Token;
  /** The role a 2.1.1 party plays (from 2.1.1), or which role to keep (to 2.1.1). */
  role?: V221.Role;
  /** Whether 2.3.0 tariff prices include taxes. */
  tax_included?: V230.TaxIncluded;
  /** The timeout a 2.1.1 CommandResponse lacks. */
  timeout?: number;
  /** The last_updated a 2.1.1 SessionPatch without one gets (2.2 requires it in a PATCH). */
  last_updated?: string;
  /** The reservation id a ReserveNow going to 2.1.1 needs, when its own is not an integer. */
  reservation_id?: number;
}

type Converter = (value: never, context: ConversionContext) => Conversion<unknown>;

const TABLE = { ...cdrs, ...commands, ...credentials, ...locations, ...sessions, ...tariffs, ...tokens } as unknown as Record<string, Converter | undefined>;

/**
 * The suffix of each version in the converters' names (`locationV221ToV211`). Every version of OCPI_VERSIONS needs
 * one: a version added there fails to compile here until its converters are written.
 */
const CODES = { "2.1.1": "211", "2.2.1": "221", "2.3.0": "230" } as const satisfies Record<OcpiVersion, string>;
const code = (version: OcpiVersion) => CODES[version];
/** `Location` → `location`, `CDR` → `cdr`, `EVSE` → `evse`, `AuthorizationInfo` → `authorizationInfo`. */
const stem = (name: string) => (name === name.toUpperCase() ? name.toLowerCase() : name[0]!.toLowerCase() + name.slice(1));

/** The objects the registry converts. */
export const CONVERTIBLE = [
  "Location",
  "EVSE",
  "Connector",
  "Session",
  "SessionPatch",
  "CDR",
  "Tariff",
  "Token",
  "AuthorizationInfo",
  "LocationReferences",
  "Credentials",
  "StartSession",
  "StopSession",
  "ReserveNow",
  "UnlockConnector",
  "CancelReservation",
  "CommandResponse",
  "CommandResult",
  "ChargingPreferences",
] as const;
/** The name of an object the registry converts between versions (`"Location"`, `"CDR"`, ...: {@link CONVERTIBLE}). */
export type ConvertibleName = (typeof CONVERTIBLE)[number];

/** What a conversion from 2.1.1 cannot do without (the converters' required context fields). */
const REQUIRED: Partial<Record<string, readonly (keyof ConversionContext)[]>> = {
  "Location from 2.1.1": ["owner"],
  "Session from 2.1.1": ["owner", "cdr_token"],
  "CDR from 2.1.1": ["owner", "cdr_token"],
  "Tariff from 2.1.1": ["owner"],
  "Token from 2.1.1": ["owner"],
  "StartSession from 2.1.1": ["owner"],
  "ReserveNow from 2.1.1": ["owner"],
  "AuthorizationInfo from 2.1.1": ["token"],
  "Credentials from 2.1.1": ["role"],
  "Session to 2.1.1": ["location"],
  "CDR to 2.1.1": ["location"],
};

/** The converter of `name` from one version to another; undefined where the registry has none. */
export function converterFor(
  name: string,
  from: OcpiVersion,
  to: OcpiVersion,
): ((value: unknown, context?: ConversionContext) => Conversion<unknown>) | undefined {
  if (from === to) return (value) => ({ value: cloneJson(value), notes: [] });
  if (!(CONVERTIBLE as readonly string[]).includes(name)) return undefined;
  const fn = TABLE[`${stem(name)}V${code(from)}ToV${code(to)}`];
  if (!fn) return undefined;
  const required = [...(from === "2.1.1" ? (REQUIRED[`${name} from 2.1.1`] ?? []) : []), ...(to === "2.1.1" ? (REQUIRED[`${name} to 2.1.1`] ?? []) : [])];
  return (value, context = {}) => {
    const missing = required.filter((field) => context[field] === undefined);
    if (missing.length) throw new RangeError(`converting a ${name} from ${from} to ${to} needs ${missing.map((m) => `context.${m}`).join(" and ")}`);
    // A CDR's embedded tariffs go through the Tariff converter of the same versions and context.
    const tariff = name === "CDR" ? converterFor("Tariff", from, to) : undefined;
    return fn(value as never, tariff ? ({ ...context, tariff: (t: unknown) => tariff(t, context) } as ConversionContext) : context);
  };
}

/** Converts `value`, an OCPI `name` object of version `from`, to version `to`. Throws a RangeError where there is no converter. */
export function convertObject(name: string, from: OcpiVersion, to: OcpiVersion, value: unknown, context: ConversionContext = {}): Conversion<unknown> {
  const convert = converterFor(name, from, to);
  if (!convert) throw new RangeError(`no converter for ${name} from ${from} to ${to}`);
  return convert(value, context);
}

/**
 * A PATCH of version `from` as a PATCH of version `to`. With a converter for the patch itself (SessionPatch) it is
 * converted alone. Otherwise it is converted against the object as the receiver holds it (`current`, in `to`): the
 * object is patched in `from` and converted back, and the patch keeps only what changed: fields the patch named, and
 * new names of patched fields (fields `from` lacks that the conversion did not merely default), so nothing the older
 * version cannot hold is ever overwritten. `last_updated` is the patch's, else `context.last_updated`, else now.
 * `checkMerged` sees the patched object in `from` before it is converted (to refuse a patch that breaks it).
 * {@link needsCurrent} says whether `current` is needed.
 */
export function convertPatch(
  name: string,
  from: OcpiVersion,
  to: OcpiVersion,
  patch: Record<string, unknown>,
  current: Record<string, unknown> | undefined,
  context: ConversionContext = {},
  checkMerged?: (merged: Record<string, unknown>) => void,
): Conversion<Record<string, unknown>> {
  const now = context.last_updated ?? new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  const direct = converterFor(`${name}Patch`, from, to);
  if (direct) return direct(patch, { ...context, last_updated: now }) as Conversion<Record<string, unknown>>;
  if (current === undefined) throw new TypeError(`converting a ${name}Patch from ${from} to ${to} needs the ${name} held`);
  const down = converterFor(name, to, from);
  const up = converterFor(name, from, to);
  if (!down || !up) throw new RangeError(`no converter for ${name} between ${from} and ${to}`);
  const held = down(current, context).value as Record<string, unknown> | undefined;
  if (held === undefined) throw new RangeError(`the ${name} held cannot be given in ${from}`);
  const merged = { ...held, ...patch };
  checkMerged?.(merged);
  const { value, notes } = up(merged, context) as Conversion<Record<string, unknown>>;
  const defaulted = new Set(notes.filter((n) => n.kind === "defaulted").map((n) => n.pointer.split("/")[1]));
  const changes: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (JSON.stringify(current[key]) === JSON.stringify(field)) continue;
    if (key in patch || (!(key in merged) && !defaulted.has(key))) changes[key] = field;
  }
  changes.last_updated = typeof patch.last_updated === "string" ? value.last_updated : now;
  return { value: changes, notes };
}

/** Whether {@link convertPatch} needs the object held to convert a patch of `name` (no patch converter of its own). */
export function needsCurrent(name: string, from: OcpiVersion, to: OcpiVersion): boolean {
  return converterFor(`${name}Patch`, from, to) === undefined;
}

/**
 * The context a conversion gets from who is talking: the owner of the objects (the path's party, else the peer's)
 * and, for a 2.1.1 Session or CDR (which names its token by auth_id only), a CdrToken owned by the token's eMSP
 * with uid = auth_id and type RFID.
 */
export function partyContext(
  name: string,
  from: OcpiVersion,
  value: unknown,
  parties: { owner?: Owner | undefined; tokenOwner?: Owner | undefined },
): ConversionContext {
  const context: ConversionContext = {};
  if (parties.owner) context.owner = { country_code: parties.owner.country_code, party_id: parties.owner.party_id };
  const authId = value !== null && typeof value === "object" ? (value as { auth_id?: unknown }).auth_id : undefined;
  if (from === "2.1.1" && (name === "Session" || name === "CDR") && parties.tokenOwner && typeof authId === "string") {
    context.cdr_token = { uid: authId, type: "RFID", country_code: parties.tokenOwner.country_code, party_id: parties.tokenOwner.party_id };
  }
  return context;
}

/** The name a conversion between two routes' objects is looked up by: the non-2.1.1 side's (2.1.1 sends a CommandResponse where 2.2 sends a CommandResult). */
export function conversionName(a: { name: string; version: OcpiVersion }, b: { name: string; version: OcpiVersion }): string {
  return a.version === "2.1.1" ? b.name : a.name;
}
