/** What the conformance runner knows of each module: the interface each role serves, schemas, keys, paths. */
import type { OcpiVersion } from "../validate/versions.js";

export type PeerRole = "CPO" | "EMSP";

/** A SENDER list the runner walks. */
export interface SenderModule {
  module: "locations" | "tariffs" | "sessions" | "cdrs" | "tokens";
  /** The schema of the list's objects. */
  schema: string;
  /** The role whose SENDER it is. */
  role: PeerRole;
  /** The spec requires date_from on this list (Sessions). */
  dateFromRequired?: boolean;
}

export const SENDER_MODULES: readonly SenderModule[] = [
  { module: "locations", schema: "Location", role: "CPO" },
  { module: "tariffs", schema: "Tariff", role: "CPO" },
  { module: "sessions", schema: "Session", role: "CPO", dateFromRequired: true },
  { module: "cdrs", schema: "CDR", role: "CPO" },
  { module: "tokens", schema: "Token", role: "EMSP" },
];

/** A RECEIVER interface with a GET of one object by the owner's keys: `/{country_code}/{party_id}/{id}`. */
export interface ReceiverModule {
  module: "locations" | "tariffs" | "sessions" | "tokens";
  role: PeerRole;
  /** The OCPI status code the spec names for an unknown object of this module (2.2 on), beside the generic 2000. */
  unknownStatus: number;
}

export const RECEIVER_MODULES: readonly ReceiverModule[] = [
  { module: "locations", role: "EMSP", unknownStatus: 2003 },
  { module: "sessions", role: "EMSP", unknownStatus: 2000 },
  { module: "tariffs", role: "EMSP", unknownStatus: 2000 },
  { module: "tokens", role: "CPO", unknownStatus: 2004 },
];

export interface EndpointEntry {
  identifier: string;
  role?: string;
  url: string;
}

/**
 * The URL of `module`'s interface the peer serves: from 2.2 on the endpoint with that role; in 2.1.1 (one URL per
 * module, no roles) the module's URL when the peer's role is the one serving that interface.
 */
export function endpointOf(
  endpoints: readonly EndpointEntry[],
  version: OcpiVersion,
  module: string,
  iface: "SENDER" | "RECEIVER",
  ifaceRole: PeerRole,
  peerRole: PeerRole,
): string | undefined {
  if (version === "2.1.1") {
    return ifaceRole === peerRole ? endpoints.find((e) => e.identifier === module)?.url : undefined;
  }
  return endpoints.find((e) => e.identifier === module && e.role === iface)?.url;
}

/** A stable key of a list object, for duplicates: owner and id (uid and type for Tokens). */
export function objectKey(module: string, object: unknown): string {
  const o = (object ?? {}) as Record<string, unknown>;
  const parts = [o.country_code, o.party_id, module === "tokens" ? o.uid : o.id, module === "tokens" ? o.type : undefined];
  return parts.map((p) => (typeof p === "string" ? p.toUpperCase() : "")).join("/");
}

/** `url` + `/a/b` with each segment encoded, without a doubled slash. */
export function joinPath(url: string, ...segments: string[]): string {
  const u = new URL(url);
  u.pathname = `${u.pathname.replace(/\/+$/, "")}/${segments.map(encodeURIComponent).join("/")}`;
  return u.href;
}
