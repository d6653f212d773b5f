/**
 * Which objects a peer may write, and which fields of a body its path fixes. A peer writes only objects of its own
 * parties (a hub those of any party); the path's keys win over the body's: a PUT or PATCH may not move an object to
 * another owner or id. Keys are CiStrings, compared case-insensitively.
 */
import { sameCiString } from "@ocpi-sdk/protocol";
import type { ValidationIssue } from "@ocpi-sdk/validators";
import { OcpiHttpError } from "./errors.js";
import type { Caller, RouteInfo } from "./routes.js";

/**
 * For each object a body may hold (by its schema name, Patch variants included), the body fields the path fixes
 * and the path parameter each must equal.
 */
const KEY_FIELDS: Record<string, readonly (readonly [field: string, param: string])[]> = {
  Location: [
    ["country_code", "country_code"],
    ["party_id", "party_id"],
    ["id", "location_id"],
  ],
  EVSE: [["uid", "evse_uid"]],
  Connector: [["id", "connector_id"]],
  Session: [
    ["country_code", "country_code"],
    ["party_id", "party_id"],
    ["id", "session_id"],
  ],
  Tariff: [
    ["country_code", "country_code"],
    ["party_id", "party_id"],
    ["id", "tariff_id"],
  ],
  Token: [
    ["country_code", "country_code"],
    ["party_id", "party_id"],
    ["uid", "token_uid"],
  ],
  ClientInfo: [
    ["country_code", "country_code"],
    ["party_id", "party_id"],
  ],
  Terminal: [["terminal_id", "terminal_id"]],
};

/** The key pairs for the object a route's body holds, whatever its version or Patch variant. */
export function keyFieldsOf(route: RouteInfo): readonly (readonly [string, string])[] {
  const name = route.request?.validator.name.replace(/Patch$/, "");
  return (name && KEY_FIELDS[name]) || [];
}

/** Whether the caller may act for the party that owns `country_code`/`party_id`. */
export function actsFor(caller: Caller, countryCode: string, partyId: string): boolean {
  return caller.isHub || caller.roles.some((r) => sameCiString(r.country_code, countryCode) && sameCiString(r.party_id, partyId));
}

/**
 * Throws 403 when the path names another party's objects, and 2001 for each body key field that differs from the
 * path (PUT and PATCH, whatever the number of path parameters).
 */
export function checkScope(route: RouteInfo, caller: Caller, params: Record<string, unknown>, body: unknown): void {
  const cc = params.country_code;
  const pid = params.party_id;
  if (typeof cc === "string" && typeof pid === "string" && !actsFor(caller, cc, pid)) {
    throw OcpiHttpError.forbidden(`objects of ${cc}/${pid} belong to another party`);
  }
  if ((route.method !== "PUT" && route.method !== "PATCH") || body === null || typeof body !== "object" || Array.isArray(body)) return;
  const b = body as Record<string, unknown>;
  const mismatches: ValidationIssue[] = [];
  for (const [field, param] of keyFieldsOf(route)) {
    const expected = params[param];
    if (typeof expected !== "string" || !(field in b)) continue;
    const given = b[field];
    if (typeof given !== "string" || !sameCiString(given, expected)) {
      mismatches.push({ pointer: `/${field}`, message: `must equal the path's ${param} ${expected}`, keyword: "const" });
    }
  }
  if (mismatches.length) throw OcpiHttpError.invalid(mismatches);
}
