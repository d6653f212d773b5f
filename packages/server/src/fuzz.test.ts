// Fuzz over real HTTP on 127.0.0.1 ("Peers are untrusted", shared/DESIGN.md): a CPO and an eMSP, each serving
// 2.1.1, 2.2.1 and 2.3.0, registered with each other. For every served route of every version, a deterministic corpus
// (seeded PRNG) of requests that are each malformed in at least one way: bad JSON, impossible dates, deep nesting,
// huge and chunked bodies, bad auth, bad path and query values, wrong methods, prototype keys, wrong Content-Type.
//
// Every response must be below 500 and an OCPI envelope; no request may write to the store or log an `error` event.
// Failures are collected per describe block (one run shows all of them) and summarised with console.log.
//
// FUZZ_SEED=<n> changes the corpus; FUZZ_REPORT_DIR=<dir> writes every failing cell of each block as JSON there.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { base64Encode } from "@ocpi-sdk/protocol";
import type * as T from "@ocpi-sdk/types/2.2.1";
import { sample } from "../../client/src/testing/fixtures.js";
import { received } from "./handlers/store-handlers.js";
import type { RouteInfo } from "./runtime/routes.js";
import { versionOf, type ServedVersion } from "./runtime/versions.js";
import type { Store } from "./store/store.js";
import { CPO_ROLE, EMSP_ROLE, startNode, type TestNode } from "./testing/nodes.js";
import {
  dateLeaves,
  diffSnapshots,
  IMPOSSIBLE_DATES,
  nestedText,
  renameKey,
  seededRng,
  setAt,
  snapshotStore,
  validFixtures,
  withLeadingMembers,
  twoOnOneConnection,
  type Rng,
} from "./testing/fuzz.js";

const SEED = Number(process.env.FUZZ_SEED ?? 20240229);
const ALL: ServedVersion[] = ["2.1.1", "2.2.1", "2.3.0"];
const BASE = "/ocpi";
/** Where results and registrations would go: a closed port on loopback, so that nothing waits on the network. */
const DEAD_URL = "http://127.0.0.1:1/fuzz";
const MiB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// The nodes under test
// ---------------------------------------------------------------------------------------------------------------

interface Target {
  label: "cpo" | "emsp";
  node: TestNode;
  /** The registered peer's Token C, and a spare Token A (createRegistrationToken) of this node. */
  tokenC: string;
  tokenA: string;
  /** The registered peer (whose objects the path names) and this node's own role. */
  peer: T.CredentialsRole;
  own: T.CredentialsRole;
  routes: RouteInfo[];
  /** The store as it was before any fuzz request. */
  before: Map<string, string>;
  /** The parties as they were before the current probe, to tell a counted failed registration from other changes. */
  parties: Map<string, string>;
}

let targets: Target[] = [];

beforeAll(async () => {
  // Failed registrations with the spare Token A are counted (a write the design asks for) but never retire it here,
  // so that every Token A probe reaches the same checks.
  const server = { versions: ALL, maxRegistrationFailures: 1_000_000 };
  const cpo = await startNode(CPO_ROLE, { server });
  const emsp = await startNode(EMSP_ROLE, { server });
  const { token } = await cpo.server.credentials.createRegistrationToken();
  await emsp.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token });
  const registered = async (n: TestNode) => (await n.store.listParties()).find((p) => p.status === "registered")!;
  const make = async (label: Target["label"], node: TestNode, own: T.CredentialsRole, peer: T.CredentialsRole): Promise<Target> => {
    await seed(node.store, own, peer);
    const tokenA = (await node.server.credentials.createRegistrationToken()).token;
    return {
      label,
      node,
      own,
      peer,
      tokenC: (await registered(node)).incomingToken,
      tokenA,
      routes: node.server.servedRoutes(),
      before: new Map(),
      parties: await partiesOf(node.store),
    };
  };
  targets = [await make("cpo", cpo, CPO_ROLE, EMSP_ROLE), await make("emsp", emsp, EMSP_ROLE, CPO_ROLE)];
  for (const t of targets) t.before = await snapshotStore(t.node.store);
}, 30_000);

afterAll(async () => {
  await Promise.all(targets.map((t) => t.node.close()));
});

/** Valid path values: the seeded objects' keys, so that PATCHes and GETs reach objects that exist. */
const PATH_VALUES: Record<string, string> = {
  location_id: "LOC1",
  evse_uid: "EVSE1",
  connector_id: "1",
  session_id: "SES1",
  cdr_id: "CDR1",
  tariff_id: "TAR1",
  token_uid: "TOK1",
  response_id: "RESP1",
  terminal_id: "TERM1",
  financial_advice_confirmation_id: "FAC1",
};

/** Objects under the keys the paths name: the peer's (received) and our own, as store-handlers keeps them (2.2.1). */
async function seed(store: Store, own: T.CredentialsRole, peer: T.CredentialsRole): Promise<void> {
  const at = (role: T.CredentialsRole) => ({ country_code: role.country_code, party_id: role.party_id });
  const location = {
    ...sample<T.Location>("2.2.1", "Location"),
    id: "LOC1",
    evses: [{ ...sample<T.EVSE>("2.2.1", "EVSE"), uid: "EVSE1", connectors: [{ ...sample<T.Connector>("2.2.1", "Connector"), id: "1" }] }],
  };
  const objects: [module: string, owner: T.CredentialsRole, id: string, data: Record<string, unknown>][] = [
    [received("locations"), peer, "LOC1", location],
    [received("sessions"), peer, "SES1", { ...sample("2.2.1", "Session"), id: "SES1" }],
    [received("cdrs"), peer, "CDR1", { ...sample("2.2.1", "CDR"), id: "CDR1" }],
    [received("tariffs"), peer, "TAR1", { ...sample("2.2.1", "Tariff"), id: "TAR1" }],
    [received("tokens"), peer, "TOK1", { ...sample("2.2.1", "Token"), uid: "TOK1" }],
    [received("clientinfo"), peer, `${peer.country_code}/${peer.party_id}`, { ...sample("2.2.1", "ClientInfo") }],
    ["locations", own, "LOC1", location],
    ["tariffs", own, "TAR1", { ...sample("2.2.1", "Tariff"), id: "TAR1" }],
    ["tokens", own, "TOK1", { ...sample("2.2.1", "Token"), uid: "TOK1" }],
    // Sessions and CDRs we send are kept under the party they are meant for.
    ["sessions", peer, "SES1", { ...sample("2.2.1", "Session"), id: "SES1" }],
    ["cdrs", peer, "CDR1", { ...sample("2.2.1", "CDR"), id: "CDR1" }],
  ];
  // Old, so that a write that gets through is applied (not ignored as stale) and shows in the store.
  const last_updated = "2001-01-01T00:00:00Z";
  for (const [module, owner, id, data] of objects) {
    await store.putObject({ module, ...at(owner), id, last_updated, data: { ...data, ...at(owner), last_updated } });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Building requests
// ---------------------------------------------------------------------------------------------------------------

/**
 * What a probe must get back beyond "below 500, an envelope, no write, no error event": any 4xx; nothing more (for
 * requests a server may answer, e.g. an id that is a valid CiString after all); or exactly this status.
 */
type Expect = "4xx" | "below 500" | 401 | 405 | 413;

interface Probe {
  /** The case kind, for the summary (e.g. `bad JSON: truncated`). */
  kind: string;
  /** What exactly (a field, a parameter), for the failure list. */
  detail?: string;
  method: string;
  /** Path and query under the node's URL. */
  url: string;
  headers: Record<string, string>;
  /** `chunks` are sent chunked, with no Content-Length (through fetch: as a ReadableStream, duplex "half"). */
  body?: string | Uint8Array | { chunks: Uint8Array[] };
  expect: Expect;
  /**
   * Send over one keep-alive connection (node:http, one socket) and then a small GET on the same connection, which
   * must be answered too. Other probes go through fetch.
   */
  thenOnSameConnection?: boolean;
}

interface Ctx {
  t: Target;
  route: RouteInfo;
  version: ServedVersion | undefined;
  rng: Rng;
}

const tokenHeader = (token: string) => `Token ${base64Encode(token)}`;
const authC = (ctx: Ctx) => tokenHeader(ctx.t.tokenC);
/** The token a body-carrying request of this route is sent with: Token A registers, Token C does everything else. */
const writerAuth = (ctx: Ctx) => (ctx.route.operationId === "credentialsSenderPost" ? tokenHeader(ctx.t.tokenA) : authC(ctx));
const jsonHeaders = (ctx: Ctx, authorization = writerAuth(ctx)) => ({ Authorization: authorization, "Content-Type": "application/json" });

function validParam(ctx: Ctx, name: string): string {
  if (name === "country_code") return ctx.t.peer.country_code;
  if (name === "party_id") return ctx.t.peer.party_id;
  return PATH_VALUES[name] ?? "X1";
}

/** The route's URL path with valid values, except `raw` ones (put in as they are: already percent-encoded or not). */
function pathOf(ctx: Ctx, raw: Record<string, string> = {}): string {
  return BASE + ctx.route.layoutPath.replace(/\{([a-z_]+)\}/g, (_, name: string) => (name in raw ? raw[name]! : encodeURIComponent(validParam(ctx, name))));
}

const VALID_QUERY: Record<string, string> = {
  date_from: "2024-01-01T00:00:00Z",
  date_to: "2030-01-01T00:00:00Z",
  offset: "0",
  limit: "10",
  duration: "60",
  response_url: `${DEAD_URL}/result`,
  type: "RFID",
};

/** The required query parameters with valid values (but not `without`), then `extra` as it is. */
function queryOf(ctx: Ctx, without: string[] = [], extra: string[] = []): string {
  const parts = ctx.route.query
    .filter((q) => q.required && !without.includes(q.name))
    .map((q) => `${q.name}=${encodeURIComponent(VALID_QUERY[q.name] ?? "X")}`);
  const all = [...parts, ...extra];
  return all.length ? `?${all.join("&")}` : "";
}

const urlOf = (ctx: Ctx, raw: Record<string, string> = {}, query = queryOf(ctx)) => pathOf(ctx, raw) + query;

/** The schema the route's body is, and its version's fixtures. */
function bodySchema(ctx: Ctx): { version: string; schema: string } | undefined {
  if (!ctx.route.request) return undefined;
  return { version: ctx.version ?? "2.2.1", schema: ctx.route.request.validator.name };
}

/**
 * A valid-looking body for the route: a fixture of its schema with the path's keys (the registered peer's
 * country_code/party_id, the path's id), and every URL pointing at a closed port.
 */
function validBody(ctx: Ctx, value?: unknown): Record<string, unknown> {
  const s = bodySchema(ctx)!;
  const body = structuredClone(value ?? sample(s.version, s.schema)) as Record<string, unknown>;
  if (body === null || typeof body !== "object") return body;
  if ("country_code" in body) body.country_code = ctx.t.peer.country_code;
  if ("party_id" in body) body.party_id = ctx.t.peer.party_id;
  const idParam = ctx.route.pathParams
    .map((p) => p.name)
    .filter((n) => !["country_code", "party_id", "response_id"].includes(n))
    .at(-1);
  if (idParam) {
    const field = idParam === "terminal_id" ? "terminal_id" : idParam.endsWith("_uid") ? "uid" : "id";
    if (field in body) body[field] = validParam(ctx, idParam);
  }
  if (s.schema === "Credentials") Object.assign(body, { url: `${DEAD_URL}/versions`, token: "fuzz-token" });
  const deadUrls = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(deadUrls);
    else if (v && typeof v === "object")
      for (const [k, x] of Object.entries(v)) k === "response_url" ? ((v as Record<string, unknown>)[k] = `${DEAD_URL}/result`) : deadUrls(x);
  };
  deadUrls(body);
  return body;
}

const validText = (ctx: Ctx) => JSON.stringify(validBody(ctx));
const utf8 = (s: string) => new TextEncoder().encode(s);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), (at += p.length);
  return out;
};

/** A probe of the route with a body, sent as JSON with the writer's token. */
const withBody = (ctx: Ctx, kind: string, body: Probe["body"], more: Partial<Probe> = {}): Probe => ({
  kind,
  method: ctx.route.method,
  url: urlOf(ctx),
  headers: jsonHeaders(ctx),
  body,
  expect: "4xx",
  ...more,
});

/** Whatever the route would carry for a valid request: its valid body (if any), so that only one thing is wrong. */
const validPayload = (ctx: Ctx): Pick<Probe, "body"> => (ctx.route.request ? { body: validText(ctx) } : {});

// ---------------------------------------------------------------------------------------------------------------
// The case generators, one per rule
// ---------------------------------------------------------------------------------------------------------------

type Generator = (ctx: Ctx) => Probe[];

/** "A body that is not JSON, or not an object, is a 2001": truncated, bare tokens, BOM, invalid UTF-8, none. */
const badJsonBodies: Generator = (ctx) => {
  if (!ctx.route.request) return [];
  const text = validText(ctx);
  const cut = ctx.rng.int(1, text.length - 1);
  const cases: [string, Probe["body"]][] = [
    ["truncated", text.slice(0, cut)],
    ["`{`", "{"],
    ["`[]`", "[]"],
    ["`null`", "null"],
    ["a number", "42"],
    ["a string", '"a string"'],
    ["`{not json`", "{not json"],
    // RFC 8259 §8.1: a sender MUST NOT add a BOM, a parser MAY ignore it. Ignoring it silently is tolerance, which
    // the design puts in lenient mode (and reports): so it counts as malformed here.
    ["a UTF-8 BOM before the JSON", `\uFEFF${text}`],
    [
      "invalid UTF-8 bytes in a string",
      concat(utf8(`${text.slice(0, -1) + (text.length > 2 ? "," : "")}"x_fuzz":"`), new Uint8Array([0xff, 0xfe, 0xc3, 0x28]), utf8('"}')),
    ],
    ["invalid UTF-8 bytes only", new Uint8Array([0xff, 0xfe, 0xfd, 0xc3, 0x28])],
  ];
  if (ctx.route.request.required) cases.push(["no body", ""]);
  return cases.map(([name, body]) => withBody(ctx, `bad JSON: ${name}`, body, { detail: typeof body === "string" ? body.slice(0, 60) : "(bytes)" }));
};

/** "Prototype keys never reach a handler": `__proto__`, `constructor`, `prototype`, at the top and nested. */
const prototypeKeys: Generator = (ctx) => {
  if (!ctx.route.request) return [];
  const body = validBody(ctx);
  const cases: [string, string][] = [
    ["__proto__", withLeadingMembers(body, '"__proto__":{"polluted":true}')],
    ["constructor.prototype", withLeadingMembers(body, '"constructor":{"prototype":{"polluted":true}}')],
    ["prototype", withLeadingMembers(body, '"prototype":{"polluted":true}')],
  ];
  // Nested: inside the first member that is an object (or an array of objects), where merges of sub-objects happen.
  const nested = structuredClone(body);
  const inner =
    nested && typeof nested === "object"
      ? Object.values(nested)
          .map((v) => (Array.isArray(v) ? v[0] : v))
          .find((v) => v && typeof v === "object" && !Array.isArray(v))
      : undefined;
  if (inner) {
    (inner as Record<string, unknown>).x_fuzz_proto = { polluted: true };
    cases.push(["nested __proto__", renameKey(JSON.stringify(nested), "x_fuzz_proto", "__proto__")]);
  }
  return cases.map(([name, text]) => withBody(ctx, `prototype key: ${name}`, text));
};

/** "An impossible date is a 2001, not a 500": every DateTime-ish field of every fixture of the body's schema. */
const impossibleBodyDates: Generator = (ctx) => {
  const s = bodySchema(ctx);
  if (!s) return [];
  const probes: Probe[] = [];
  const seen = new Set<string>();
  for (const fixture of validFixtures(s.version, s.schema)) {
    const base = validBody(ctx, fixture);
    for (const leaf of dateLeaves(base)) {
      // 2.1.1's table types the tariff restriction dates as string(10), not as a date: any such string is valid
      // 2.1.1 (the converter drops what is no date, with a note), so it is no malformed request there.
      if (leaf.dateOnly && s.version === "2.1.1") continue;
      if (seen.has(leaf.field)) continue;
      seen.add(leaf.field);
      for (const date of IMPOSSIBLE_DATES) {
        const body = structuredClone(base);
        const value = leaf.dateOnly ? date.slice(0, 10) : date;
        setAt(body, leaf.at, value);
        probes.push(
          withBody(ctx, `impossible date in the body: ${leaf.dateOnly ? "Date" : "DateTime"} ${value}`, JSON.stringify(body), { detail: leaf.field }),
        );
      }
    }
  }
  return probes;
};

/** "An impossible date_from/date_to is a 2001, not a 500": on every DateTime query parameter (paginated lists). */
const impossibleQueryDates: Generator = (ctx) =>
  ctx.route.query
    .filter((q) => q.validator?.name === "DateTime")
    .flatMap((q) =>
      IMPOSSIBLE_DATES.map((date) => ({
        kind: `impossible ${q.name} ${date}`,
        detail: q.name,
        method: ctx.route.method,
        url: urlOf(ctx, {}, queryOf(ctx, [q.name], [`${q.name}=${encodeURIComponent(date)}`])),
        headers: { Authorization: authC(ctx) },
        ...validPayload(ctx),
        expect: "4xx" as const,
      })),
    );

/** "JSON depth is bounded": an unknown member nested 5 000 and 20 000 levels deep in an otherwise valid body. */
const deepNesting: Generator = (ctx) => {
  if (!ctx.route.request) return [];
  const body = validBody(ctx);
  return [
    [5_000, "object"],
    [20_000, "object"],
    [20_000, "array"],
  ].map(([depth, kind]) =>
    withBody(ctx, `deep nesting: ${depth} levels of ${kind}s`, withLeadingMembers(body, `"x_fuzz_deep":${nestedText(depth as number, kind as "object")}`)),
  );
};

const PADDING = new Uint8Array(3 * MiB).fill("x".charCodeAt(0));
/** The huge probes close their connection (see keepAliveAfter413 for what happens when they do not). */
const CLOSE = { Connection: "close" };

/** An otherwise valid body padded by an unknown string member to about `bytes`, as parts (no 3 MiB string is built). */
function paddedParts(ctx: Ctx, bytes: number): Uint8Array[] {
  const [head, tail] = withLeadingMembers(validBody(ctx), '"x_fuzz_padding":"#"').split("#") as [string, string];
  return [utf8(head), PADDING.subarray(0, bytes), utf8(tail)];
}
const paddedBody = (ctx: Ctx, bytes: number) => concat(...paddedParts(ctx, bytes));

/** The parts cut in chunks of 16 to 128 KiB (sizes from the PRNG). */
function chunksOf(ctx: Ctx, parts: Uint8Array[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (const bytes of parts) {
    for (let at = 0; at < bytes.length; ) {
      const size = Math.min(ctx.rng.int(16 * 1024, 128 * 1024), bytes.length - at);
      chunks.push(bytes.subarray(at, at + size));
      at += size;
    }
  }
  return chunks;
}

/** "Body bytes are bounded": 2 MiB with a Content-Length, in an otherwise valid body: 413. */
const hugeBody: Generator = (ctx) => {
  if (!ctx.route.request) return [];
  return [withBody(ctx, "huge body: 2 MiB with Content-Length", paddedBody(ctx, 2 * MiB), { expect: 413, headers: { ...jsonHeaders(ctx), ...CLOSE } })];
};

/** "Body bytes are counted while streaming": 3 MiB chunked (a ReadableStream), without Content-Length: 413. */
const chunkedBody: Generator = (ctx) => {
  if (!ctx.route.request) return [];
  const chunks = chunksOf(ctx, paddedParts(ctx, 3 * MiB));
  return [
    withBody(
      ctx,
      "chunked body: 3 MiB without Content-Length",
      { chunks },
      { expect: 413, detail: `${chunks.length} chunks`, headers: { ...jsonHeaders(ctx), ...CLOSE } },
    ),
  ];
};

/**
 * "A 413 leaves the connection usable": a peer's client sends the whole body on a keep-alive connection and then its
 * next request on the same connection. One route with a body per version and node (picked by the PRNG), both ways.
 */
const keepAliveAfter413: Generator = (ctx) => {
  if (!ctx.route.request || !ctx.version) return [];
  const candidates = ctx.t.routes.filter((r) => r.request && versionOf(r) === ctx.version);
  const seed = seededRng(SEED ^ hash(`${ctx.t.label}${ctx.version}`));
  if (seed.pick(candidates) !== ctx.route) return [];
  return [
    withBody(ctx, "413 on a keep-alive connection, then the next request: 2 MiB with Content-Length", paddedBody(ctx, 2 * MiB), {
      expect: 413,
      thenOnSameConnection: true,
    }),
    withBody(
      ctx,
      "413 on a keep-alive connection, then the next request: 3 MiB chunked",
      { chunks: chunksOf(ctx, paddedParts(ctx, 3 * MiB)) },
      { expect: 413, thenOnSameConnection: true },
    ),
  ];
};

/** "No valid token, no access": missing, malformed, unknown, wrong scheme, Token A off credentials: 401. */
const badAuth: Generator = (ctx) => {
  const c = ctx.t.tokenC;
  const headers: [string, string | undefined][] = [
    ["no Authorization header", undefined],
    ["`Token`", "Token"],
    ["`Token !!!`", "Token !!!"],
    ["`Bearer x`", "Bearer x"],
    ["Bearer with Token C", `Bearer ${base64Encode(c)}`],
    ["Basic credentials", `Basic ${base64Encode("user:password")}`],
    ["an unknown token (base64)", tokenHeader(`unknown-${ctx.rng.string(12, "abcdef0123456789")}`)],
    ["an unknown token (raw)", `Token unknown-${ctx.rng.string(12, "abcdef0123456789")}`],
    ["Token C base64-encoded twice", tokenHeader(base64Encode(c))],
    ["Token C with trailing garbage", `${tokenHeader(c)} extra`],
    ["Token C truncated (raw)", `Token ${c.slice(0, -1)}`],
    ["an 8 000-character token", `Token ${"A".repeat(8000)}`],
  ];
  if (ctx.route.auth !== "tokenA") {
    headers.push(
      ["Token A on a non-credentials route (base64)", tokenHeader(ctx.t.tokenA)],
      ["Token A on a non-credentials route (raw)", `Token ${ctx.t.tokenA}`],
    );
  }
  return headers.map(([name, authorization]) => ({
    kind: `bad auth: ${name}`,
    method: ctx.route.method,
    url: urlOf(ctx),
    headers: { ...(authorization === undefined ? {} : { Authorization: authorization }), ...(ctx.route.request ? { "Content-Type": "application/json" } : {}) },
    ...validPayload(ctx),
    expect: 401 as const,
  }));
};

/** "Path values are bounded and checked": long, control characters, traversal, unicode, empty, broken escapes. */
const badPathValues: Generator = (ctx) => {
  const unicode = encodeURIComponent(ctx.rng.pick(["ünïcødé", "ЛОК1", "位置1", "LOC\u{1F50C}", "LOC\u202Eevil"]));
  // `..%2f..%2fversions` decodes to `../../versions`, printable ASCII: a valid CiString, which a handler may accept.
  const values: [string, string, Expect][] = [
    ["a 4 000-character value", "x".repeat(4000), "4xx"],
    ["`%00`", "%00", "4xx"],
    ["`%0d%0a`", "%0d%0a", "4xx"],
    ["`..%2f..%2fversions`", "..%2f..%2fversions", "below 500"],
    ["unicode", unicode, "4xx"],
    ["an empty segment", "", "4xx"],
    ["a broken escape `%ZZ`", "%ZZ", "4xx"],
    ["an invalid UTF-8 escape `%C3%28`", "%C3%28", "4xx"],
  ];
  return ctx.route.pathParams.flatMap((param) =>
    values.map(([name, raw, expectation]) => ({
      kind: `bad path value: ${name}`,
      detail: param.name,
      method: ctx.route.method,
      url: urlOf(ctx, { [param.name]: raw }),
      headers: ctx.route.request ? jsonHeaders(ctx) : { Authorization: authC(ctx) },
      ...validPayload(ctx),
      expect: expectation,
    })),
  );
};

/** "Query values are checked": negative, not a number, overflowing, `None`, long; repeated parameters. */
const badQueryValues: Generator = (ctx) => {
  const probes: Probe[] = [];
  const probe = (kind: string, name: string, extra: string[], expectation: Expect = "4xx"): Probe => ({
    kind,
    detail: extra.join("&").slice(0, 80),
    method: ctx.route.method,
    url: urlOf(ctx, {}, queryOf(ctx, [name], extra)),
    headers: ctx.route.request ? jsonHeaders(ctx) : { Authorization: authC(ctx) },
    ...validPayload(ctx),
    expect: expectation,
  });
  for (const q of ctx.route.query) {
    const bad =
      q.type === "integer"
        ? ["-1", "abc", "1e309", "99999999999999999999", "1.5", "0x10"]
        : q.validator?.name === "DateTime"
          ? ["None", "yesterday", "x".repeat(4000)]
          : ["None", "%00", "x".repeat(4000)];
    // A value the parameter's own validator accepts (2.3.0's TokenType is open: `None` is a TokenType) is no bad value.
    const decodedOk = (value: string) =>
      !/%00/.test(value) && q.validator !== undefined && q.validator.validate(decodeURIComponent(value)).ok && [...value].length <= (q.maxLength ?? 255);
    for (const value of bad.filter((v) => !decodedOk(v)))
      probes.push(
        probe(
          `bad query value: ${q.type === "integer" ? "integer" : (q.validator?.name ?? "string")} ${value.length > 20 ? `${value.length} characters` : value}`,
          q.name,
          [`${q.name}=${value}`],
        ),
      );
    // A repeated parameter, valid then invalid: a server may take either; it must not fail.
    const worst = bad.find((v) => !decodedOk(v))!;
    probes.push(
      probe("bad query value: repeated parameter", q.name, [`${q.name}=${encodeURIComponent(VALID_QUERY[q.name] ?? "X")}`, `${q.name}=${worst}`], "below 500"),
    );
  }
  return probes;
};

const METHODS = ["GET", "PUT", "POST", "PATCH", "DELETE", "OPTIONS", "HEAD"];

/** "A method the path does not serve is a 405 envelope": each of the others, once per path of the node. */
const wrongMethods: Generator = (ctx) => {
  const first = ctx.t.routes.find((r) => r.layoutPath === ctx.route.layoutPath);
  if (first !== ctx.route) return [];
  const url = urlOf(ctx, {}, "");
  // Every route whose pattern matches this URL serves it (as the server's 405 handler decides).
  const served = new Set(
    ctx.t.routes.filter((r) => new RegExp(`^${BASE}${r.layoutPath.replace(/\{[a-z_]+\}/g, "[^/]+")}/?$`).test(url)).map((r) => r.method as string),
  );
  return METHODS.filter((m) => !served.has(m) && !(m === "HEAD" && served.has("GET"))).map((method) => ({
    kind: `wrong method: ${method}`,
    detail: `served: ${[...served].join(",")}`,
    method,
    url,
    headers: { Authorization: authC(ctx), ...(["PUT", "POST", "PATCH"].includes(method) ? { "Content-Type": "application/json" } : {}) },
    ...(["PUT", "POST", "PATCH"].includes(method) ? { body: "{}" } : {}),
    expect: 405 as const,
  }));
};

/** "A body is application/json": a valid body sent as text/plain, a form, XML, or with no Content-Type. */
const wrongContentType: Generator = (ctx) => {
  if (!ctx.route.request) return [];
  const text = validText(ctx);
  return [
    ["text/plain", text],
    ["application/x-www-form-urlencoded", text],
    ["application/xml", text],
  ]
    .map(([type, body]) => withBody(ctx, `wrong Content-Type: ${type}`, body, { headers: { Authorization: writerAuth(ctx), "Content-Type": type! } }))
    .concat(withBody(ctx, "wrong Content-Type: none", utf8(text), { headers: { Authorization: writerAuth(ctx) } }));
};

/** The rule groups, one describe block each, in the order they run (the ones most likely to write come last). */
const GROUPS: { name: string; rules: Record<string, Generator> }[] = [
  { name: "auth: identity comes from the token", rules: { badAuth } },
  { name: "bodies: what is not a valid OCPI object is refused", rules: { badJsonBodies, prototypeKeys } },
  { name: "dates: an impossible date is a 2001, not a 500", rules: { impossibleBodyDates, impossibleQueryDates } },
  { name: "bounds: every input is bounded", rules: { deepNesting, hugeBody, chunkedBody, keepAliveAfter413 } },
  { name: "parameters: path and query values are checked", rules: { badPathValues, badQueryValues } },
  { name: "methods: a wrong method is a 405 envelope", rules: { wrongMethods } },
  { name: "content type: a body is application/json", rules: { wrongContentType } },
];

// ---------------------------------------------------------------------------------------------------------------
// Running probes and judging responses
// ---------------------------------------------------------------------------------------------------------------

interface Failure {
  target: string;
  route: string;
  rule: string;
  kind: string;
  detail?: string;
  request: string;
  status: number | "none";
  body: string;
  reasons: string[];
}

const stats = {
  requests: 0,
  countedRegistrationFailures: 0,
  started: Date.now(),
  /** Per case kind: how many got each status, and the first status_message of each (FUZZ_VERBOSE=1 prints it). */
  byKind: new Map<string, Map<string, { n: number; message: string }>>(),
};

function record(kind: string, status: number | undefined, text: string): void {
  const statuses = stats.byKind.get(kind) ?? new Map<string, { n: number; message: string }>();
  stats.byKind.set(kind, statuses);
  const key = String(status ?? "none");
  const seen = statuses.get(key);
  if (seen) seen.n++;
  else {
    let message = "";
    try {
      message = String((JSON.parse(text) as { status_message?: string }).status_message ?? "").slice(0, 90);
    } catch {}
    statuses.set(key, { n: 1, message });
  }
}

function isEnvelope(text: string): boolean {
  try {
    const body = JSON.parse(text) as { status_code?: unknown; timestamp?: unknown } | null;
    return !!body && typeof body === "object" && typeof body.status_code === "number" && typeof body.timestamp === "string";
  } catch {
    return false;
  }
}

const revisions = (store: Store) => `${store.objectsRevision?.() ?? "?"}/${store.partiesRevision?.() ?? "?"}`;

async function partiesOf(store: Store): Promise<Map<string, string>> {
  return new Map((await store.listParties()).map((p) => [p.id, JSON.stringify(p)]));
}

/** Party fields a failed registration with Token A changes: counting it is what the design asks for. */
const COUNTED_FAILURE_FIELDS = new Set(["failedAttempts", "updatedAt"]);

/** How the parties changed: only counted failed registrations (undefined), or a description of the change. */
function partyChanges(before: Map<string, string>, after: Map<string, string>): string | undefined {
  const changes: string[] = [];
  for (const [id, json] of after) {
    const old = before.get(id);
    if (old === json) continue;
    if (old === undefined) {
      changes.push(`added party ${id}`);
      continue;
    }
    const a = JSON.parse(old) as Record<string, unknown>;
    const b = JSON.parse(json) as Record<string, unknown>;
    const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
    if (fields.some((f) => !COUNTED_FAILURE_FIELDS.has(f))) changes.push(`changed party ${id} (${fields.join(", ")})`);
  }
  for (const id of before.keys()) if (!after.has(id)) changes.push(`removed party ${id}`);
  return changes.length ? changes.join("; ") : undefined;
}

const stream = (chunks: Uint8Array[]) => {
  let i = 0;
  return new ReadableStream<Uint8Array>({ pull: (controller) => (i < chunks.length ? controller.enqueue(chunks[i++]!) : controller.close()) });
};

/** Sends the probe: `status` undefined when no response came, with `error` saying why. */
async function send(t: Target, p: Probe): Promise<{ status?: number; text: string; error?: string; allow?: string | null }> {
  if (p.thenOnSameConnection) {
    const body = p.body === undefined ? undefined : typeof p.body === "string" ? utf8(p.body) : p.body instanceof Uint8Array ? p.body : p.body.chunks;
    const headers = { ...p.headers, ...(body instanceof Uint8Array ? { "Content-Length": String(body.length) } : {}) };
    const [first, next] = await twoOnOneConnection(
      { url: t.node.url + p.url, method: p.method, headers, ...(body ? { body } : {}) },
      { url: `${t.node.url}${BASE}/versions`, method: "GET", headers: { Authorization: tokenHeader(t.tokenC) } },
    );
    const nextFailed =
      next.status === undefined
        ? `the next request on the same connection got no response (${next.error} after ${next.ms} ms)`
        : next.status !== 200
          ? `the next request on the same connection got ${next.status}`
          : undefined;
    return { ...first, ...(nextFailed ? { error: first.error ? `${first.error}; ${nextFailed}` : nextFailed } : {}) };
  }
  const init: RequestInit & { duplex?: "half" } = { method: p.method, headers: p.headers, signal: AbortSignal.timeout(15_000) };
  if (p.body !== undefined) {
    if (typeof p.body === "object" && "chunks" in p.body) {
      init.body = stream(p.body.chunks);
      init.duplex = "half";
    } else init.body = p.body as string | Uint8Array<ArrayBuffer>;
  }
  try {
    const response = await fetch(t.node.url + p.url, init);
    return { status: response.status, text: await response.text(), allow: response.headers.get("Allow") };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { text: "", error: `no response (${cause?.code ?? cause?.message ?? (error as Error).message})` };
  }
}

async function runProbe(t: Target, route: RouteInfo, rule: string, p: Probe): Promise<Failure | undefined> {
  const before = revisions(t.node.store);
  const events = t.node.events.length;
  stats.requests += p.thenOnSameConnection ? 2 : 1;
  const { status, text, error, allow } = await send(t, p);
  record(p.kind, status, text);
  const reasons: string[] = error ? [error] : [];
  if (status !== undefined) {
    if (status >= 500) reasons.push("5xx");
    if (p.method !== "HEAD" && !isEnvelope(text)) reasons.push("not an OCPI envelope");
    if (typeof p.expect === "number" && status !== p.expect && status < 500) reasons.push(`not ${p.expect}`);
    // A 405 says which methods the path serves: never the one just refused.
    if (status === 405 && allow?.split(/,\s*/).includes(p.method)) reasons.push(`405 whose Allow (${allow}) has the request's own method`);
    if (p.expect === "4xx" && status < 400) reasons.push(`accepted (${status})`);
  }
  const after = revisions(t.node.store);
  if (after.split("/")[0] !== before.split("/")[0]) reasons.push("wrote an object to the store");
  if (after.split("/")[1] !== before.split("/")[1]) {
    const parties = await partiesOf(t.node.store);
    const changed = partyChanges(t.parties, parties);
    if (changed) reasons.push(changed);
    else stats.countedRegistrationFailures++;
    t.parties = parties;
  }
  const errors = t.node.events.slice(events).filter((e) => e.type === "error");
  if (errors.length) reasons.push(`logged an error event (${String((errors[0] as { error: unknown }).error).slice(0, 80)})`);
  if (!reasons.length) return undefined;
  return {
    target: t.label,
    route: `${route.method} ${route.layoutPath}`,
    rule,
    kind: p.kind,
    ...(p.detail ? { detail: p.detail } : {}),
    request: `${p.method} ${p.url.length > 140 ? `${p.url.slice(0, 140)}…(${p.url.length})` : p.url}`,
    status: status ?? "none",
    body: text.slice(0, 200),
    reasons,
  };
}

/**
 * Runs every rule of a group over every served route of both nodes: the nodes side by side, each one request at a
 * time (so that a write or an error event belongs to the request that caused it).
 */
async function runGroup(group: (typeof GROUPS)[number]): Promise<{ failures: Failure[]; requests: number; ms: number }> {
  const startRequests = stats.requests;
  const start = Date.now();
  const perTarget = await Promise.all(
    targets.map(async (t) => {
      const failures: Failure[] = [];
      for (const [rule, generate] of Object.entries(group.rules)) {
        const rng = seededRng(SEED ^ hash(`${rule}:${t.label}`));
        for (const route of t.routes) {
          for (const probe of generate({ t, route, version: versionOf(route), rng })) {
            const failure = await runProbe(t, route, rule, probe);
            if (failure) failures.push(failure);
          }
        }
      }
      return failures;
    }),
  );
  return { failures: perTarget.flat(), requests: stats.requests - startRequests, ms: Date.now() - start };
}

function hash(s: string): number {
  let h = 2166136261;
  for (const ch of s) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** Counts per case kind (with one example each), per status and per reason. */
function summary(name: string, failures: Failure[], requests: number, ms: number): string {
  const count = (key: (f: Failure) => string) => {
    const m = new Map<string, { n: number; example: Failure }>();
    for (const f of failures) {
      const k = key(f);
      const e = m.get(k);
      if (e) e.n++;
      else m.set(k, { n: 1, example: f });
    }
    return [...m].sort((a, b) => b[1].n - a[1].n);
  };
  const lines = [`── ${name}: ${failures.length} failing of ${requests} requests (${ms} ms, seed ${SEED})`];
  lines.push("  by kind:");
  // Reasons without their particulars (timings, messages), so that one kind of failure is one line.
  const general = (f: Failure) => f.reasons.map((r) => r.replace(/ \(.*\)$/, "")).join("; ");
  for (const [k, { n, example: e }] of count((f) => `${f.kind} → ${f.status} ${general(f)}`)) {
    lines.push(`    ${String(n).padStart(5)}  ${k}`);
    lines.push(`           e.g. [${e.target}] ${e.request}${e.detail ? ` (${e.detail})` : ""}  ⇒  ${e.body.slice(0, 120)}`);
  }
  lines.push(
    `  by status: ${count((f) => String(f.status))
      .map(([k, v]) => `${k}×${v.n}`)
      .join("  ")}`,
  );
  lines.push(
    `  by reason: ${count(general)
      .map(([k, v]) => `${k} ×${v.n}`)
      .join(" | ")}`,
  );
  return lines.join("\n");
}

function report(name: string, result: { failures: Failure[]; requests: number; ms: number }): void {
  if (!result.failures.length) return;
  console.log(summary(name, result.failures, result.requests, result.ms));
  const dir = process.env.FUZZ_REPORT_DIR;
  if (dir) writeFileSync(path.join(dir, `fuzz-${name.split(":")[0]!.replace(/\W+/g, "-")}.json`), JSON.stringify(result.failures, null, 2));
}

// ---------------------------------------------------------------------------------------------------------------
// The describe blocks
// ---------------------------------------------------------------------------------------------------------------

describe("the corpus", () => {
  it("builds its malformed bodies on valid ones, so that each probe is wrong in one way", () => {
    const invalid: string[] = [];
    for (const t of targets) {
      for (const route of t.routes.filter((r) => r.request)) {
        const ctx = { t, route, version: versionOf(route), rng: seededRng(SEED) };
        const s = bodySchema(ctx)!;
        for (const fixture of [undefined, ...validFixtures(s.version, s.schema)]) {
          const result = route.request!.validator.validate(validBody(ctx, fixture));
          if (!result.ok) invalid.push(`[${t.label}] ${route.method} ${route.layoutPath}: ${result.errors[0]?.pointer} ${result.errors[0]?.message}`);
        }
      }
    }
    expect(invalid).toEqual([]);
  });
});

for (const group of GROUPS) {
  describe(group.name, () => {
    it("answers every malformed request of every served route with a 4xx envelope, without writing or failing", async () => {
      const result = await runGroup(group);
      report(group.name, result);
      expect(result.requests).toBeGreaterThan(0);
      const lines = result.failures.map((f) => `[${f.target}] ${f.kind}: ${f.request} → ${f.status} ${f.reasons.join("; ")}`);
      expect(result.failures.length, `failing cells (first 20 of ${lines.length}):\n${lines.slice(0, 20).join("\n")}`).toBe(0);
    }, 120_000);
  });
}

describe("afterwards", () => {
  it("served every version's routes", () => {
    for (const t of targets) expect(new Set(t.routes.map((r) => versionOf(r) ?? "discovery"))).toEqual(new Set([...ALL, "discovery"]));
  });

  it("left the store as it was", async () => {
    const diffs: string[] = [];
    for (const t of targets) {
      const objects = (m: Map<string, string>) => new Map([...m].filter(([k]) => k.startsWith("object ")));
      for (const line of diffSnapshots(objects(t.before), objects(await snapshotStore(t.node.store)))) diffs.push(`[${t.label}] ${line}`);
      // Parties: counted failed registrations with the spare Token A are what the design asks for.
      const parties = (m: Map<string, string>) => new Map([...m].filter(([k]) => k.startsWith("party ")).map(([k, v]) => [k.slice(6), v]));
      const changed = partyChanges(parties(t.before), parties(await snapshotStore(t.node.store)));
      if (changed) diffs.push(`[${t.label}] ${changed}`);
    }
    if (diffs.length) console.log(`── store changes (${diffs.length}):\n  ${diffs.slice(0, 40).join("\n  ")}`);
    expect(diffs).toEqual([]);
  });

  it("logged no error events", () => {
    const errors = targets.flatMap((t) =>
      t.node.events
        .filter((e) => e.type === "error")
        .map((e) => `[${t.label}] ${(e as { operationId: string }).operationId}: ${String((e as { error: unknown }).error).slice(0, 120)}`),
    );
    if (errors.length) console.log(`── error events (${errors.length}):\n  ${[...new Set(errors)].slice(0, 40).join("\n  ")}`);
    expect(errors).toEqual([]);
  });

  it("polluted no prototype", () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
    expect(Object.getOwnPropertyNames(Object.prototype).filter((k) => k.startsWith("x_fuzz") || k === "polluted")).toEqual([]);
  });

  it("sent a corpus of every kind", () => {
    console.log(
      `── fuzz: ${stats.requests} requests in ${Date.now() - stats.started} ms (seed ${SEED}); ${stats.countedRegistrationFailures} counted failed registrations with Token A`,
    );
    if (process.env.FUZZ_VERBOSE) {
      for (const [kind, statuses] of [...stats.byKind].sort()) {
        console.log(`  ${kind}: ${[...statuses].map(([s, { n, message }]) => `${s}×${n}${message ? ` "${message}"` : ""}`).join("  ")}`);
      }
    }
    expect(stats.requests).toBeGreaterThan(1000);
  });
});
