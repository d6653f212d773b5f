/**
 * A "quirky" OCPI 2.2.1 peer over real HTTP on 127.0.0.1: one platform that is a CPO (NL/QCP) and an eMSP (NL/QSP)
 * and deviates from the spec the way real, widely deployed implementations do, each deviation behind a switch of
 * {@link Quirks}. With no switch on it is spec-compliant. For contract tests: our client and server must cope with
 * it in lenient mode and refuse it in strict mode.
 *
 * `data` always holds the objects in spec form; deviations are applied only when serialising (answers and pushes),
 * by one small pure function per deviation (exported, so tests can show each). Every request is recorded.
 */
import { randomUUID } from "node:crypto";
import { serve, type ServerType } from "@hono/node-server";
import { Hono, type Context } from "hono";
import { base64Decode, base64Encode, envelope, formatNextLink, OcpiStatus, toOcpiDateTime } from "@ocpi-sdk/protocol";
import type { CDR, Connector, CredentialsRole, EVSE, Location, Session, Tariff, Token } from "@ocpi-sdk/types/2.2.1";
import { makeLocations, sample } from "./fixtures.js";
import type { RecordedRequest } from "./peer.js";

export type { RecordedRequest } from "./peer.js";

export interface Quirks {
  /** Every DateTime in answers and pushes in a wrong form, cycling through {@link DATE_TIME_FORMS} (all the same moment as the stored UTC value); the envelope's `timestamp` too (the first form). */
  timestamps?: boolean;
  /** Optional fields an object does not have are sent as `null` ({@link NULL_FIELDS}, per object kind). Never nulls a required field. */
  nulls?: boolean;
  /** Answers that are one object (GET one Location/EVSE/Connector, AuthorizationInfo, CommandResponse, version details) sent as a one-element list. */
  singleAsList?: boolean;
  /** Ids ({@link ID_FIELDS}) written in lower case in bodies (answers and pushes) while paths use the stored (upper-case) ids; lookups by path id are case-insensitive. */
  lowerCaseIds?: boolean;
  /**
   * A broken next-page Link: "hardcoded-host" (http://localhost:8000 instead of the real origin), "enum-path" (the
   * module path segment written as "ModuleID.locations": 404 with a non-envelope body), "date-from-none" (the Link's
   * query has date_from=None: HTTP 422 with a FastAPI-style {"detail":[...]} body). Pages requested with proper
   * offset/limit still work.
   */
  link?: "hardcoded-host" | "enum-path" | "date-from-none";
  /** A missing or unknown token is answered HTTP 500 with an envelope {status_code: 2000, status_message: "Unauthorized: invalid or missing token"} instead of 401. */
  authError500?: boolean;
  /** Real-time authorization reads the token type from `token_type` instead of `type`; without `token_type`: HTTP 422, envelope 2001 "token_type: field required". */
  tokenTypeQuery?: boolean;
  /** When this peer reads another platform's version details (registration started or received), it reads `data[0]`: a spec-compliant object answer makes its registration fail. */
  detailsAsList?: boolean;
  /** Endpoints served but left out of its version details, as "module:ROLE", e.g. ["commands:RECEIVER"]. */
  hiddenEndpoints?: string[];
  /** A request to a path without a trailing slash gets a 308 redirect to the same URL with the slash (query kept); the real routes end with "/". */
  trailingSlashRedirect?: boolean;
  /** The CDR it pushes has no cdr_location.evse_uid (a required field: must stay refused by a lenient receiver). */
  cdrWithoutEvseUid?: boolean;
}

/** Every switch on, except `cdrWithoutEvseUid` (a deviation no receiver may repair: a separate case). */
export const ALL_QUIRKS: Quirks = Object.freeze({
  timestamps: true,
  nulls: true,
  singleAsList: true,
  lowerCaseIds: true,
  link: "hardcoded-host",
  authError500: true,
  tokenTypeQuery: true,
  detailsAsList: true,
  hiddenEndpoints: Object.freeze(["commands:RECEIVER"]) as string[],
  trailingSlashRedirect: true,
  cdrWithoutEvseUid: false,
});

export interface QuirkyPeerOptions {
  quirks?: Quirks;
  /** Token A it accepts for registration (default "quirky-token-a"). */
  tokenA?: string;
  /** How many objects it serves (defaults 25 locations, 7 tariffs, 12 sessions, 9 cdrs, 15 tokens). */
  counts?: { locations?: number; tariffs?: number; sessions?: number; cdrs?: number; tokens?: number };
  /** Page size when a request sets no limit, and the X-Limit cap (default 10). */
  pageSize?: number;
  /** Delay before a CommandResult is POSTed to the response_url (default 20 ms). */
  commandResultDelayMs?: number;
}

export interface PartnerEndpoint {
  identifier: string;
  role: string;
  url: string;
}

export interface QuirkyPartner {
  /** The token this peer calls the partner with. */
  token: string;
  versionsUrl: string;
  endpoints: PartnerEndpoint[];
  /** The partner's roles, from its Credentials (absent when set by hand). */
  roles?: CredentialsRole[];
}

export interface QuirkyPeerData {
  locations: Location[];
  tariffs: Tariff[];
  sessions: Session[];
  cdrs: CDR[];
  tokens: Token[];
}

export interface CommandResultPost {
  url: string;
  body: unknown;
  /** HTTP status of the answer; 0 when the POST failed on the network. */
  httpStatus: number;
  answer: unknown;
}

export interface QuirkyPeer {
  /** e.g. http://127.0.0.1:PORT/ocpi */
  base: string;
  versionsUrl: string;
  tokenA: string;
  /** Mutable: tests may switch quirks between calls. */
  quirks: Quirks;
  /** The objects it serves, in spec form (what a correct reader must end up with). */
  data: QuirkyPeerData;
  /** Every request received. */
  requests: RecordedRequest[];
  /** What it learnt from the platform that registered with it, or that it registered with. */
  partner?: QuirkyPartner;
  /** The token the partner calls it with (issued at registration / rotation). */
  issuedToken?: string;
  /** CommandResults it POSTed to response_urls. */
  commandResults: CommandResultPost[];
  /** Starts a registration with another platform (as the spec's sender of Token A). Throws an Error naming the failed step. */
  registerWith(versionsUrl: string, tokenA: string): Promise<void>;
  /** PUT /sessions/{cc}/{pid}/{id} to the partner's sessions RECEIVER, with the active deviations applied to the body. */
  pushSession(session?: Session): Promise<{ httpStatus: number; body: unknown }>;
  /** POST /cdrs to the partner's cdrs RECEIVER, with the active deviations applied to the body. */
  pushCdr(cdr?: CDR): Promise<{ httpStatus: number; body: unknown }>;
  /** PUT /locations/{cc}/{pid}/{id} to the partner's locations RECEIVER, with the active deviations applied to the body. */
  pushLocation(location?: Location): Promise<{ httpStatus: number; body: unknown }>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// The deviations, one pure function each.

/** The object kinds the peer serialises. */
export type ObjectKind =
  | "Location"
  | "EVSE"
  | "Connector"
  | "Tariff"
  | "Session"
  | "CDR"
  | "CdrLocation"
  | "Token"
  | "AuthorizationInfo"
  | "CommandResponse"
  | "CommandResult"
  | "Version"
  | "VersionDetails"
  | "Credentials";

/** Optional fields sent as `null` under `nulls`, per object kind: each optional in the 2.2.1 schema and absent from the stored objects. */
export const NULL_FIELDS: Readonly<Partial<Record<ObjectKind, readonly string[]>>> = {
  Location: [
    "publish_allowed_to",
    "postal_code",
    "state",
    "related_locations",
    "parking_type",
    "directions",
    "operator",
    "suboperator",
    "owner",
    "facilities",
    "opening_times",
    "charging_when_closed",
    "images",
    "energy_mix",
  ],
  EVSE: ["status_schedule", "floor_level", "coordinates", "physical_reference", "directions", "parking_restrictions", "images"],
  Connector: ["max_electric_power", "tariff_ids", "terms_and_conditions"],
  Tariff: ["type", "tariff_alt_text", "tariff_alt_url", "min_price", "max_price", "start_date_time", "end_date_time", "energy_mix"],
  Session: ["end_date_time", "authorization_reference", "meter_id", "charging_periods", "total_cost"],
  CDR: [
    "session_id",
    "authorization_reference",
    "meter_id",
    "tariffs",
    "signed_data",
    "total_fixed_cost",
    "total_energy_cost",
    "total_time_cost",
    "total_parking_time",
    "total_parking_cost",
    "total_reservation_cost",
    "remark",
    "invoice_reference_id",
    "credit",
    "credit_reference_id",
    "home_charging_compensation",
  ],
  CdrLocation: ["name", "postal_code", "state"],
  Token: ["visual_number", "group_id", "language", "default_profile_type", "energy_contract"],
  AuthorizationInfo: ["location", "authorization_reference", "info"],
  CommandResponse: ["message"],
  CommandResult: ["message"],
};

/** Nested objects, by field, whose own kind's nulls apply too. */
const NESTED: Partial<Record<ObjectKind, Record<string, ObjectKind>>> = {
  Location: { evses: "EVSE" },
  EVSE: { connectors: "Connector" },
  CDR: { cdr_location: "CdrLocation", tariffs: "Tariff" },
  AuthorizationInfo: { token: "Token" },
};

/** Fields holding object ids or references to them (CiStrings), lower-cased under `lowerCaseIds`, wherever they occur. */
export const ID_FIELDS: readonly string[] = ["id", "uid", "location_id", "evse_uid", "evse_uids", "connector_id", "session_id", "tariff_id", "tariff_ids"];

/** The wrong DateTime forms `timestamps` cycles through, for the stored 2025-01-01T00:01:00Z. */
export const DATE_TIME_FORMS = ["2025-01-01 00:01:00+00:00", "2025-01-01T00:01:00", "2025-01-01T02:01:00+02:00", "2025-01-01T00:01:00.1234567Z"] as const;

const CANONICAL_DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})Z$/;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** A stored UTC DateTime (`YYYY-MM-DDTHH:MM:SSZ`) in wrong form `form` (index into {@link DATE_TIME_FORMS}, modulo 4). */
export function skewDateTime(utc: string, form: number): string {
  const m = CANONICAL_DATE_TIME.exec(utc);
  if (!m) return utc;
  const [, date, time] = m;
  switch (((form % 4) + 4) % 4) {
    case 0:
      return `${date} ${time}+00:00`;
    case 1:
      return `${date}T${time}`;
    case 2:
      return `${new Date(Date.parse(utc) + 2 * 3_600_000).toISOString().slice(0, 19)}+02:00`;
    default:
      return `${date}T${time}.1234567Z`;
  }
}

/** Every DateTime in `value` (a stored UTC string anywhere in the tree) in a wrong form, cycling through the forms in document order. */
export function withSkewedTimestamps<T>(value: T): T {
  let n = 0;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return CANONICAL_DATE_TIME.test(v) ? skewDateTime(v, n++) : v;
    if (Array.isArray(v)) return v.map(walk);
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/** The object (or list of objects) of `kind` with the absent fields of {@link NULL_FIELDS} set to `null`, nested objects too. */
export function withNulls<T>(kind: ObjectKind, value: T): T {
  if (Array.isArray(value)) return value.map((v) => withNulls(kind, v)) as T;
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = { ...value };
  for (const [field, nestedKind] of Object.entries(NESTED[kind] ?? {})) {
    if (out[field] !== undefined && out[field] !== null) out[field] = withNulls(nestedKind, out[field]);
  }
  for (const field of NULL_FIELDS[kind] ?? []) if (out[field] === undefined) out[field] = null;
  return out as T;
}

/** `value` with every {@link ID_FIELDS} value (string or list of strings) in lower case. */
export function withLowerCaseIds<T>(value: T): T {
  const lower = (v: unknown) => (typeof v === "string" ? v.toLowerCase() : Array.isArray(v) ? v.map((s) => (typeof s === "string" ? s.toLowerCase() : s)) : v);
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, ID_FIELDS.includes(k) ? lower(x) : walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/** A CDR (or list) without cdr_location.evse_uid. */
export function withoutEvseUid<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => withoutEvseUid(v)) as T;
  if (!isObject(value) || !isObject(value.cdr_location)) return value;
  const { evse_uid: _dropped, ...cdrLocation } = value.cdr_location;
  return { ...value, cdr_location: cdrLocation } as T;
}

/** A one-object answer as a one-element list. */
export const asList = <T>(value: T): T[] => [value];

/** The next-page Link URL as the `link` quirk breaks it (`module` is the path segment of the list, e.g. "locations"). */
export function brokenLink(kind: NonNullable<Quirks["link"]>, url: string, module: string): string {
  const u = new URL(url);
  switch (kind) {
    case "hardcoded-host":
      return `http://localhost:8000${u.pathname}${u.search}`;
    case "enum-path":
      u.pathname = u.pathname
        .split("/")
        .map((segment) => (segment === module ? `ModuleID.${module}` : segment))
        .join("/");
      return u.href;
    case "date-from-none":
      u.searchParams.set("date_from", "None");
      return u.href;
  }
}

/**
 * The body deviations of `quirks` applied to an object (or list of objects) of `kind`: what the peer sends in answers
 * and pushes (`cdrWithoutEvseUid` is applied to pushed CDRs only, by {@link withoutEvseUid}). Never changes `value`.
 */
export function withQuirks<T>(kind: ObjectKind, value: T, quirks: Quirks): T {
  let out = structuredClone(value);
  if (quirks.nulls) out = withNulls(kind, out);
  if (quirks.lowerCaseIds) out = withLowerCaseIds(out);
  if (quirks.timestamps) out = withSkewedTimestamps(out);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The data it serves.

const CPO = { country_code: "NL", party_id: "QCP" } as const;
const EMSP = { country_code: "NL", party_id: "QSP" } as const;
const START = Date.UTC(2025, 0, 1);
/** The i-th moment of the data: one minute apart from 2025-01-01T00:01:00Z. */
const stamp = (i: number, minutes = 0) => toOcpiDateTime(new Date(START + (i + 1) * 60_000 + minutes * 60_000));
const pad = (i: number) => String(i).padStart(6, "0");
const byLastUpdated = <T extends { last_updated: string }>(items: T[]) => items.sort((a, b) => a.last_updated.localeCompare(b.last_updated));

function makeLocation(base: Record<string, unknown>, i: number): Location {
  const id = base.id as string;
  const last_updated = stamp(i);
  const connector = (k: number): Connector => ({ ...sample<Connector>("2.2.1", "Connector"), id: String(k), last_updated });
  const evse = (k: number): EVSE => ({
    ...sample<EVSE>("2.2.1", "EVSE"),
    uid: `${id}-E${k}`,
    evse_id: `NL*QCP*E${pad(i)}*${k}`,
    status: "AVAILABLE",
    capabilities: ["RFID_READER"],
    connectors: [connector(1), connector(2)],
    last_updated,
  });
  return {
    ...(base as unknown as Location),
    ...CPO,
    id,
    publish: true,
    name: `Quirky station ${i}`,
    address: `Keizersgracht ${i + 1}`,
    city: "Amsterdam",
    country: "NLD",
    coordinates: { latitude: "52.370216", longitude: "4.895168" },
    time_zone: "Europe/Amsterdam",
    evses: [evse(1), evse(2)],
    last_updated,
  };
}

function makeToken(i: number): Token {
  return {
    ...sample<Token>("2.2.1", "Token"),
    ...EMSP,
    uid: `TOK${pad(i)}`,
    type: "RFID",
    contract_id: `NL-QSP-C${pad(i)}-X`,
    issuer: "Quirky eMSP",
    valid: true,
    whitelist: "ALLOWED",
    last_updated: stamp(i),
  };
}

/** Valid 2.2.1 data with distinct upper-case ids, last_updated one minute apart, sorted by last_updated. */
export function makeQuirkyData(counts: QuirkyPeerOptions["counts"] = {}): QuirkyPeerData {
  const n = { locations: 25, tariffs: 7, sessions: 12, cdrs: 9, tokens: 15, ...counts };
  const locations = makeLocations(n.locations, START).map(makeLocation);
  const tokens = Array.from({ length: n.tokens }, (_, i) => makeToken(i));
  // Sessions and CDRs name a location and token; when there are none to name, they name ones built the same way.
  const locationFor = (i: number) => locations[i % Math.max(locations.length, 1)] ?? makeLocation({ id: `LOC${pad(0)}` }, 0);
  const tokenFor = (i: number) => tokens[i % Math.max(tokens.length, 1)] ?? makeToken(0);
  const cdrToken = (t: Token) => ({ country_code: t.country_code, party_id: t.party_id, uid: t.uid, type: t.type, contract_id: t.contract_id });
  const tariffs = Array.from(
    { length: n.tariffs },
    (_, i): Tariff => ({ ...sample<Tariff>("2.2.1", "Tariff"), ...CPO, id: `TAR${pad(i)}`, currency: "EUR", last_updated: stamp(i) }),
  );
  const sessions = Array.from({ length: n.sessions }, (_, i): Session => {
    const location = locationFor(i);
    return {
      ...CPO,
      id: `SES${pad(i)}`,
      start_date_time: stamp(i, -30),
      kwh: 1.5 * (i + 1),
      cdr_token: cdrToken(tokenFor(i)),
      auth_method: "WHITELIST",
      location_id: location.id,
      evse_uid: location.evses![0]!.uid,
      connector_id: "1",
      currency: "EUR",
      status: "ACTIVE",
      last_updated: stamp(i),
    };
  });
  const cdrs = Array.from({ length: n.cdrs }, (_, i): CDR => {
    const location = locationFor(i);
    const evse = location.evses![0]!;
    const connector = evse.connectors[0]!;
    const energy = 10 + i;
    return {
      ...sample<CDR>("2.2.1", "CDR"),
      ...CPO,
      id: `CDR${pad(i)}`,
      start_date_time: stamp(i, -90),
      end_date_time: stamp(i, -30),
      cdr_token: cdrToken(tokenFor(i)),
      auth_method: "WHITELIST",
      cdr_location: {
        id: location.id,
        address: location.address,
        city: location.city,
        country: location.country,
        coordinates: location.coordinates,
        evse_uid: evse.uid,
        evse_id: evse.evse_id!,
        connector_id: connector.id,
        connector_standard: connector.standard,
        connector_format: connector.format,
        connector_power_type: connector.power_type,
      },
      currency: "EUR",
      charging_periods: [{ start_date_time: stamp(i, -90), dimensions: [{ type: "ENERGY", volume: energy }] }],
      total_cost: { excl_vat: Math.round(energy * 39) / 100 },
      total_energy: energy,
      total_time: 1,
      last_updated: stamp(i),
    };
  });
  return {
    locations: byLastUpdated(locations),
    tariffs: byLastUpdated(tariffs),
    sessions: byLastUpdated(sessions),
    cdrs: byLastUpdated(cdrs),
    tokens: byLastUpdated(tokens),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The server.

const COMMANDS = ["START_SESSION", "STOP_SESSION", "RESERVE_NOW", "CANCEL_RESERVATION", "UNLOCK_CONNECTOR"];
const AUTH_MESSAGE = "Unauthorized: invalid or missing token";
/** What FastAPI answers for a path it has no route for. */
const NOT_FOUND = { detail: "Not Found" };
const DATE_TIME = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?Z?$/;
const parseDateTime = (value: string) => (DATE_TIME.test(value) ? Date.parse(value.endsWith("Z") ? value : `${value}Z`) : NaN);
const sameId = (a: string, b: string) => a.toUpperCase() === b.toUpperCase();

const ROLES: CredentialsRole[] = [
  { role: "CPO", ...CPO, business_details: { name: "Quirky CPO" } },
  { role: "EMSP", ...EMSP, business_details: { name: "Quirky eMSP" } },
];

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });

const parseText = (text: string): unknown => {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

type Env = { Variables: { request: RecordedRequest } };

export async function startQuirkyPeer(options: QuirkyPeerOptions = {}): Promise<QuirkyPeer> {
  const pageSize = options.pageSize ?? 10;
  const delay = options.commandResultDelayMs ?? 20;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const app = new Hono<Env>({ strict: false });
  let server: ServerType | undefined;

  const peer: QuirkyPeer = {
    base: "",
    versionsUrl: "",
    tokenA: options.tokenA ?? "quirky-token-a",
    quirks: { ...options.quirks, ...(options.quirks?.hiddenEndpoints ? { hiddenEndpoints: [...options.quirks.hiddenEndpoints] } : {}) },
    data: makeQuirkyData(options.counts),
    requests: [],
    commandResults: [],
    registerWith,
    pushSession: (session) => {
      const s = session ?? peer.data.sessions[0];
      if (!s) throw new Error("push sessions: no session to push");
      return push("Session", "sessions", "PUT", [s.country_code, s.party_id, s.id], s);
    },
    pushCdr: (cdr) => {
      const c = cdr ?? peer.data.cdrs[0];
      if (!c) throw new Error("push cdrs: no CDR to push");
      return push("CDR", "cdrs", "POST", undefined, c);
    },
    pushLocation: (location) => {
      const l = location ?? peer.data.locations[0];
      if (!l) throw new Error("push locations: no location to push");
      return push("Location", "locations", "PUT", [l.country_code, l.party_id, l.id], l);
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await new Promise<void>((resolve, reject) => (server ? server.close((e) => (e ? reject(e) : resolve())) : resolve()));
    },
  };
  const q = () => peer.quirks;

  // -- answers ---------------------------------------------------------------------------------------------------

  const reply = (
    data: unknown,
    {
      http = 200,
      code = OcpiStatus.Success as number,
      message,
      headers,
    }: { http?: number; code?: number; message?: string; headers?: Record<string, string> } = {},
  ) => {
    const body = envelope(data, code, message);
    if (q().timestamps) body.timestamp = skewDateTime(body.timestamp, 0);
    return json(body, http, headers);
  };
  const single = (kind: ObjectKind, value: unknown) => {
    const out = withQuirks(kind, value, q());
    return reply(q().singleAsList ? asList(out) : out);
  };
  const invalid = (message: string) => reply(undefined, { http: 400, code: OcpiStatus.InvalidOrMissingParameters, message });

  /** The endpoints of its version details, before `hiddenEndpoints`. */
  const endpoints = (): PartnerEndpoint[] => {
    const v = `${peer.base}/2.2.1`;
    return [
      { identifier: "credentials", role: "SENDER", url: `${v}/credentials` },
      { identifier: "credentials", role: "RECEIVER", url: `${v}/credentials` },
      { identifier: "locations", role: "SENDER", url: `${v}/locations` },
      { identifier: "tariffs", role: "SENDER", url: `${v}/tariffs` },
      { identifier: "sessions", role: "SENDER", url: `${v}/sessions` },
      { identifier: "cdrs", role: "SENDER", url: `${v}/cdrs` },
      { identifier: "tokens", role: "SENDER", url: `${v}/tokens` },
      { identifier: "commands", role: "RECEIVER", url: `${v}/commands` },
    ];
  };
  const ownCredentials = (token: string) => ({ token, url: peer.versionsUrl, roles: structuredClone(ROLES) });

  /** The caller's token, or an auth error answer. `tokenA` is accepted only where registration needs it. */
  const tokenOf = (c: Context<Env>): string | undefined => {
    const raw = /^Token\s+(\S+)\s*$/i.exec(c.req.header("Authorization") ?? "")?.[1];
    return raw === undefined ? undefined : base64Decode(raw);
  };
  const guard = (c: Context<Env>, operationId: string, allowTokenA: boolean): Response | undefined => {
    c.get("request").operationId = operationId;
    const token = tokenOf(c);
    if (token !== undefined && ((peer.issuedToken !== undefined && token === peer.issuedToken) || (allowTokenA && token === peer.tokenA))) return undefined;
    return reply(undefined, { http: q().authError500 ? 500 : 401, code: OcpiStatus.ClientError, message: AUTH_MESSAGE });
  };

  const list = (c: Context<Env>, operationId: string, module: string, kind: ObjectKind, items: { last_updated: string }[]) => {
    const denied = guard(c, operationId, false);
    if (denied) return denied;
    const url = new URL(c.req.url);
    const params = url.searchParams;
    const bounds: Record<string, number | undefined> = {};
    for (const name of ["date_from", "date_to"]) {
      const value = params.get(name);
      if (value === null) continue;
      const ms = parseDateTime(value);
      if (Number.isNaN(ms)) {
        if (q().link === "date-from-none") {
          return json(
            {
              detail: [
                { type: "datetime_from_date_parsing", loc: ["query", name], msg: "Input should be a valid datetime or date, input is too short", input: value },
              ],
            },
            422,
          );
        }
        return invalid(`${name}: not a DateTime`);
      }
      bounds[name] = ms;
    }
    const count = (name: string, fallback: number) => {
      const value = params.get(name);
      return value === null ? fallback : /^\d+$/.test(value) ? Number(value) : NaN;
    };
    const offset = count("offset", 0);
    const limit = Math.min(count("limit", pageSize), pageSize);
    if (Number.isNaN(offset) || Number.isNaN(limit)) return invalid("offset and limit must be non-negative integers");
    const selected = items.filter((item) => {
      const t = Date.parse(item.last_updated);
      return (bounds.date_from === undefined || t >= bounds.date_from) && (bounds.date_to === undefined || t < bounds.date_to);
    });
    const headers: Record<string, string> = { "X-Total-Count": String(selected.length), "X-Limit": String(pageSize) };
    if (limit > 0 && offset + limit < selected.length) {
      const next = new URL(url);
      next.searchParams.set("offset", String(offset + limit));
      next.searchParams.set("limit", String(limit));
      const link = q().link;
      headers.Link = formatNextLink(link ? brokenLink(link, next.href, module) : next.href);
    }
    return reply(withQuirks(kind, selected.slice(offset, offset + limit), q()), { headers });
  };

  // -- calls to other platforms ------------------------------------------------------------------------------------

  const headersFor = (token: string) => ({
    Authorization: `Token ${base64Encode(token)}`,
    "Content-Type": "application/json",
    "X-Request-ID": randomUUID(),
    "X-Correlation-ID": randomUUID(),
  });

  /** The `data` of an OCPI call, or an Error naming the step. */
  async function call(step: string, url: string, token: string, init: { method?: string; body?: unknown } = {}): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: init.method ?? "GET",
        headers: headersFor(token),
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new Error(`${step}: ${url} could not be reached (${(error as Error).message})`, { cause: error });
    }
    const body = parseText(await response.text());
    if (!isObject(body) || typeof body.status_code !== "number") throw new Error(`${step}: HTTP ${response.status}, not an OCPI envelope`);
    const code = body.status_code;
    if (!response.ok || code < 1000 || code >= 2000) {
      throw new Error(`${step}: HTTP ${response.status}, status_code ${code}${typeof body.status_message === "string" ? `: ${body.status_message}` : ""}`);
    }
    return body.data;
  }

  /** Versions and 2.2.1 details of another platform: its endpoints. Reads `data[0]` of the details under `detailsAsList`. */
  async function readPlatform(versionsUrl: string, token: string): Promise<PartnerEndpoint[]> {
    const versions = await call("versions", versionsUrl, token);
    if (!Array.isArray(versions)) throw new Error("versions: data is not a list");
    const v221 = versions.find((v): v is { version: string; url: string } => isObject(v) && v.version === "2.2.1" && typeof v.url === "string");
    if (!v221) throw new Error("versions: 2.2.1 is not offered");
    const data = await call("version details", v221.url, token);
    let details: unknown;
    if (q().detailsAsList) {
      details = (data as Record<number, unknown> | undefined)?.[0];
      if (details === undefined) throw new Error("version details: data[0] is undefined");
    } else {
      if (Array.isArray(data)) throw new Error("version details: data is a list, not an object");
      details = data;
    }
    if (!isObject(details) || !Array.isArray(details.endpoints)) throw new Error("version details: no endpoints");
    return details.endpoints
      .filter((e): e is PartnerEndpoint => isObject(e) && typeof e.identifier === "string" && typeof e.url === "string")
      .map((e) => ({ identifier: e.identifier, role: typeof e.role === "string" ? e.role : "", url: e.url }));
  }

  async function registerWith(versionsUrl: string, tokenA: string): Promise<void> {
    const found = await readPlatform(versionsUrl, tokenA);
    const credentialsUrl = found.find((e) => e.identifier === "credentials")?.url;
    if (!credentialsUrl) throw new Error("version details: no credentials endpoint");
    const tokenB = `quirky-${randomUUID()}`;
    const previous = peer.issuedToken;
    peer.issuedToken = tokenB; // the other platform calls back with token B while it answers the POST
    let answer: unknown;
    try {
      answer = await call("credentials", credentialsUrl, tokenA, { method: "POST", body: withQuirks("Credentials", ownCredentials(tokenB), q()) });
    } catch (error) {
      peer.issuedToken = previous;
      throw error;
    }
    if (!isObject(answer) || typeof answer.token !== "string" || typeof answer.url !== "string") {
      peer.issuedToken = previous;
      throw new Error("credentials: the answer is not a Credentials object");
    }
    peer.partner = {
      token: answer.token,
      versionsUrl: answer.url,
      endpoints: found,
      ...(Array.isArray(answer.roles) ? { roles: answer.roles as CredentialsRole[] } : {}),
    };
  }

  async function push(kind: ObjectKind, module: string, method: string, keys: string[] | undefined, value: unknown) {
    const partner = peer.partner;
    if (!partner) throw new Error(`push ${module}: no partner (register first)`);
    const endpoint = partner.endpoints.find((e) => e.identifier === module && e.role === "RECEIVER");
    if (!endpoint) throw new Error(`push ${module}: the partner has no ${module} RECEIVER endpoint`);
    const url = keys ? `${endpoint.url.replace(/\/+$/, "")}/${keys.map(encodeURIComponent).join("/")}` : endpoint.url;
    const emsp = partner.roles?.find((r) => r.role === "EMSP");
    const response = await fetch(url, {
      method,
      headers: {
        ...headersFor(partner.token),
        "OCPI-from-country-code": CPO.country_code,
        "OCPI-from-party-id": CPO.party_id,
        ...(emsp ? { "OCPI-to-country-code": emsp.country_code, "OCPI-to-party-id": emsp.party_id } : {}),
      },
      body: JSON.stringify(withQuirks(kind, kind === "CDR" && q().cdrWithoutEvseUid ? withoutEvseUid(value) : value, q())),
      signal: AbortSignal.timeout(10_000),
    });
    return { httpStatus: response.status, body: parseText(await response.text()) };
  }

  async function postCommandResult(url: string): Promise<void> {
    const body = withQuirks("CommandResult", { result: "ACCEPTED" }, q());
    const record: CommandResultPost = { url, body, httpStatus: 0, answer: undefined };
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: headersFor(peer.partner?.token ?? ""),
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      record.httpStatus = response.status;
      record.answer = parseText(await response.text());
    } catch (error) {
      record.answer = (error as Error).message;
    }
    peer.commandResults.push(record);
  }

  // -- routes ------------------------------------------------------------------------------------------------------

  app.use("*", async (c, next) => {
    const url = new URL(c.req.url);
    const request: RecordedRequest = {
      operationId: "",
      method: c.req.method,
      url: c.req.url,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(c.req.raw.headers),
      body: parseText(await c.req.text()),
    };
    peer.requests.push(request);
    c.set("request", request);
    if (q().trailingSlashRedirect && !url.pathname.endsWith("/")) {
      request.operationId = "redirect";
      url.pathname += "/";
      return c.redirect(url.href, 308);
    }
    await next();
  });
  app.notFound((c) => {
    const request = c.get("request");
    if (request) request.operationId = "notFound";
    return json(NOT_FOUND, 404);
  });

  app.get("/ocpi/versions", (c) => guard(c, "versions", true) ?? reply([{ version: "2.2.1", url: `${peer.base}/2.2.1` }]));
  app.get("/ocpi/2.2.1", (c) => {
    const denied = guard(c, "versionDetails", true);
    if (denied) return denied;
    const hidden = q().hiddenEndpoints ?? [];
    return single("VersionDetails", { version: "2.2.1", endpoints: endpoints().filter((e) => !hidden.includes(`${e.identifier}:${e.role}`)) });
  });

  // Credentials: registration received (POST), rotation (PUT), unregistration (DELETE).
  const learn = async (c: Context<Env>): Promise<Response | undefined> => {
    const body = c.get("request").body;
    if (!isObject(body) || typeof body.token !== "string" || typeof body.url !== "string" || !Array.isArray(body.roles))
      return invalid("a Credentials object is required");
    let found: PartnerEndpoint[];
    try {
      found = await readPlatform(body.url, body.token);
    } catch (error) {
      return reply(undefined, { http: 400, code: OcpiStatus.UnableToUseClientApi, message: (error as Error).message });
    }
    peer.partner = { token: body.token, versionsUrl: body.url, endpoints: found, roles: body.roles as CredentialsRole[] };
    peer.issuedToken = `quirky-${randomUUID()}`;
    return undefined;
  };
  const notAllowed = (message: string) => reply(undefined, { http: 405, code: OcpiStatus.ClientError, message });
  app.get(
    "/ocpi/2.2.1/credentials",
    (c) => guard(c, "credentialsSenderGet", false) ?? reply(withQuirks("Credentials", ownCredentials(peer.issuedToken!), q())),
  );
  app.post("/ocpi/2.2.1/credentials", async (c) => {
    const denied = guard(c, "credentialsSenderPost", true);
    if (denied) return denied;
    // Token A may register again (and replaces the partner); the issued token means: already registered.
    if (peer.partner && tokenOf(c) !== peer.tokenA) return notAllowed("already registered: use PUT");
    return (await learn(c)) ?? reply(withQuirks("Credentials", ownCredentials(peer.issuedToken!), q()));
  });
  app.put("/ocpi/2.2.1/credentials", async (c) => {
    const denied = guard(c, "credentialsSenderPut", false);
    if (denied) return denied;
    if (!peer.partner) return notAllowed("not registered: use POST");
    return (await learn(c)) ?? reply(withQuirks("Credentials", ownCredentials(peer.issuedToken!), q()));
  });
  app.delete("/ocpi/2.2.1/credentials", (c) => {
    const denied = guard(c, "credentialsSenderDelete", false);
    if (denied) return denied;
    if (!peer.partner) return notAllowed("not registered");
    peer.partner = undefined;
    peer.issuedToken = undefined;
    return reply(undefined);
  });

  // Senders.
  app.get("/ocpi/2.2.1/locations", (c) => list(c, "locationsSenderList", "locations", "Location", peer.data.locations));
  app.get("/ocpi/2.2.1/tariffs", (c) => list(c, "tariffsSenderList", "tariffs", "Tariff", peer.data.tariffs));
  app.get("/ocpi/2.2.1/sessions", (c) => list(c, "sessionsSenderList", "sessions", "Session", peer.data.sessions));
  app.get("/ocpi/2.2.1/cdrs", (c) => list(c, "cdrsSenderList", "cdrs", "CDR", peer.data.cdrs));
  app.get("/ocpi/2.2.1/tokens", (c) => list(c, "tokensSenderList", "tokens", "Token", peer.data.tokens));

  const unknownLocation = (what: string) => reply(undefined, { http: 404, code: OcpiStatus.UnknownLocation, message: `Unknown ${what}` });
  const findLocation = (id: string) => peer.data.locations.find((l) => sameId(l.id, id));
  const findEvse = (location: Location | undefined, uid: string) => location?.evses?.find((e) => sameId(e.uid, uid));
  app.get("/ocpi/2.2.1/locations/:location_id", (c) => {
    const denied = guard(c, "locationsSenderGet", false);
    if (denied) return denied;
    const location = findLocation(c.req.param("location_id"));
    return location ? single("Location", location) : unknownLocation("location");
  });
  app.get("/ocpi/2.2.1/locations/:location_id/:evse_uid", (c) => {
    const denied = guard(c, "locationsSenderGetEvse", false);
    if (denied) return denied;
    const evse = findEvse(findLocation(c.req.param("location_id")), c.req.param("evse_uid"));
    return evse ? single("EVSE", evse) : unknownLocation("EVSE");
  });
  app.get("/ocpi/2.2.1/locations/:location_id/:evse_uid/:connector_id", (c) => {
    const denied = guard(c, "locationsSenderGetConnector", false);
    if (denied) return denied;
    const evse = findEvse(findLocation(c.req.param("location_id")), c.req.param("evse_uid"));
    const connector = evse?.connectors.find((x) => sameId(x.id, c.req.param("connector_id")));
    return connector ? single("Connector", connector) : unknownLocation("connector");
  });

  app.post("/ocpi/2.2.1/tokens/:token_uid/authorize", (c) => {
    const denied = guard(c, "tokensSenderAuthorize", false);
    if (denied) return denied;
    let type = c.req.query("type") ?? "RFID";
    if (q().tokenTypeQuery) {
      const value = c.req.query("token_type");
      if (value === undefined) return reply(undefined, { http: 422, code: OcpiStatus.InvalidOrMissingParameters, message: "token_type: field required" });
      type = value;
    }
    const uid = c.req.param("token_uid");
    const token = peer.data.tokens.find((t) => sameId(t.uid, uid) && t.type === type);
    if (!token) return reply(undefined, { http: 404, code: OcpiStatus.UnknownToken, message: "Unknown Token" });
    return single("AuthorizationInfo", { allowed: "ALLOWED", token });
  });

  app.post("/ocpi/2.2.1/commands/:command", (c) => {
    const command = c.req.param("command");
    const operationId = `commandsReceiver${command.toLowerCase().replace(/(^|_)([a-z])/g, (_, __, ch: string) => ch.toUpperCase())}`;
    const denied = guard(c, operationId, false);
    if (denied) return denied;
    if (!COMMANDS.includes(command)) return json(NOT_FOUND, 404);
    const body = c.get("request").body;
    if (!isObject(body) || typeof body.response_url !== "string") return invalid("response_url: field required");
    const responseUrl = body.response_url;
    const timer = setTimeout(() => {
      timers.delete(timer);
      void postCommandResult(responseUrl);
    }, delay);
    timers.add(timer);
    return single("CommandResponse", { result: "ACCEPTED", timeout: 30 });
  });

  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the quirky peer has no TCP address");
  peer.base = `http://127.0.0.1:${address.port}/ocpi`;
  peer.versionsUrl = `${peer.base}/versions`;
  return peer;
}
