// The quirky peer over real HTTP on 127.0.0.1, read with plain fetch: spec-compliant with no switch on, and each
// switch producing its deviation, and only that one.
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { base64Encode, parseNextLink } from "@ocpi-sdk/protocol";
import { validators } from "@ocpi-sdk/validators/2.2.1";
import {
  ALL_QUIRKS,
  brokenLink,
  DATE_TIME_FORMS,
  ID_FIELDS,
  NULL_FIELDS,
  skewDateTime,
  startQuirkyPeer,
  withLowerCaseIds,
  withNulls,
  withoutEvseUid,
  withQuirks,
  withSkewedTimestamps,
  type ObjectKind,
  type QuirkyPeer,
  type QuirkyPeerData,
  type QuirkyPeerOptions,
  type Quirks,
} from "./quirky-peer.js";

type Json = Record<string, any>;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function quirky(options: QuirkyPeerOptions = {}): Promise<QuirkyPeer> {
  const peer = await startQuirkyPeer(options);
  closers.push(() => peer.close());
  return peer;
}

/** A peer registered by a plain quirky peer (registration with no quirk on), then switched to `quirks`; `token` is what the caller calls it with. */
async function connected(quirks: Quirks = {}, options: QuirkyPeerOptions = {}) {
  const peer = await quirky(options);
  const caller = await quirky();
  await caller.registerWith(peer.versionsUrl, peer.tokenA);
  peer.quirks = structuredClone(quirks);
  return { peer, caller, token: caller.partner!.token };
}

const auth = (token: string) => ({ Authorization: `Token ${base64Encode(token)}` });

async function call(url: string, token: string | undefined, init: RequestInit = {}) {
  const response = await fetch(url, { ...init, headers: { ...(token === undefined ? {} : auth(token)), "Content-Type": "application/json", ...init.headers } });
  const text = await response.text();
  return { response, status: response.status, body: (text ? JSON.parse(text) : undefined) as Json };
}

/** An HTTP sink recording what it receives and answering a success envelope: a response_url or a partner's receivers. */
async function sink() {
  const received: { method: string; path: string; headers: Record<string, string | string[] | undefined>; body: Json }[] = [];
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString()));
    req.on("end", () => {
      received.push({ method: req.method!, path: req.url!, headers: req.headers, body: text ? JSON.parse(text) : undefined });
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ status_code: 1000, timestamp: "2025-01-01T00:00:00Z" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${port}`, received };
}

/** Points the peer's pushes at a sink. */
async function withSinkPartner(peer: QuirkyPeer) {
  const s = await sink();
  peer.partner = {
    token: "sink-token",
    versionsUrl: `${s.url}/versions`,
    endpoints: ["sessions", "cdrs", "locations", "commands"].map((identifier) => ({ identifier, role: "RECEIVER", url: `${s.url}/${identifier}` })),
  };
  return s;
}

const LISTS = [
  { module: "locations", key: "locations", kind: "Location" },
  { module: "tariffs", key: "tariffs", kind: "Tariff" },
  { module: "sessions", key: "sessions", kind: "Session" },
  { module: "cdrs", key: "cdrs", kind: "CDR" },
  { module: "tokens", key: "tokens", kind: "Token" },
] as const;

const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const LOOSE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;
/** The UTC second a (possibly wrong-form) DateTime means; no zone means UTC, as the spec says. */
const canonical = (value: string) => {
  const m = LOOSE.exec(value)!;
  return `${new Date(`${m[1]}T${m[2]}${m[3] ?? "Z"}`).toISOString().slice(0, 19)}Z`;
};
const dateTimes = (value: unknown): string[] =>
  typeof value === "string"
    ? LOOSE.test(value)
      ? [value]
      : []
    : Array.isArray(value)
      ? value.flatMap(dateTimes)
      : value && typeof value === "object"
        ? Object.values(value).flatMap(dateTimes)
        : [];

/** What a lenient reader makes of a deviating body: nulls dropped, DateTimes in UTC, ids in the stored (upper) case. */
function repair(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(repair);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, ID_FIELDS.includes(k) ? (Array.isArray(v) ? v.map((s: string) => s.toUpperCase()) : (v as string).toUpperCase()) : repair(v)]),
    );
  }
  return typeof value === "string" && LOOSE.test(value) ? canonical(value) : value;
}

const validEnvelope = (body: unknown) => validators.OcpiResponse.validate(body, { strict: true }).ok;

describe("with no quirk on, the peer is spec-compliant", () => {
  it.each(LISTS)("every page of $module validates strictly and the pages add up to the stored objects", async ({ module, key, kind }) => {
    const { peer, token } = await connected();
    const seen: unknown[] = [];
    let url: string | undefined = `${peer.base}/2.2.1/${module}`;
    while (url) {
      const { response, body } = await call(url, token);
      expect(response.status).toBe(200);
      expect(validEnvelope(body)).toBe(true);
      expect(body.status_code).toBe(1000);
      expect(response.headers.get("X-Total-Count")).toBe(String(peer.data[key].length));
      expect(response.headers.get("X-Limit")).toBe("10");
      for (const item of body.data as unknown[]) expect(validators[kind].validate(item, { strict: true })).toMatchObject({ ok: true });
      seen.push(...(body.data as unknown[]));
      url = parseNextLink(response.headers.get("Link"));
    }
    expect(seen).toEqual(peer.data[key]);
    expect(new Set(seen.map((o) => (o as Json).id ?? (o as Json).uid)).size).toBe(seen.length);
  });

  it("every one-object answer validates strictly", async () => {
    const { peer, token } = await connected();
    const s = await sink();
    const v = `${peer.base}/2.2.1`;
    const location = peer.data.locations[1]!;
    const evse = location.evses![1]!;
    const cases: [string, RequestInit, keyof typeof validators, boolean][] = [
      [`${peer.base}/versions`, {}, "Version", true],
      [v, {}, "VersionDetails", false],
      [`${v}/credentials`, {}, "Credentials", false],
      [`${v}/locations/${location.id}`, {}, "Location", false],
      [`${v}/locations/${location.id}/${evse.uid}`, {}, "EVSE", false],
      [`${v}/locations/${location.id}/${evse.uid}/2`, {}, "Connector", false],
      [`${v}/tokens/${peer.data.tokens[3]!.uid}/authorize?type=RFID`, { method: "POST" }, "AuthorizationInfo", false],
      [`${v}/commands/START_SESSION`, { method: "POST", body: JSON.stringify({ response_url: `${s.url}/result` }) }, "CommandResponse", false],
    ];
    for (const [url, init, schema, isList] of cases) {
      const { status, body } = await call(url, token, init);
      expect([url, status, validEnvelope(body)]).toEqual([url, 200, true]);
      for (const item of isList ? body.data : [body.data]) expect(validators[schema].validate(item, { strict: true })).toMatchObject({ ok: true });
    }
    await vi.waitFor(() => expect(s.received).toHaveLength(1));
    expect(validators.CommandResult.validate(s.received[0]!.body, { strict: true }).ok).toBe(true);
  });

  it("filters on last_updated: date_from inclusive, date_to exclusive, kept in the Link", async () => {
    const { peer, token } = await connected({}, { pageSize: 2 });
    const [from, to] = [peer.data.locations[3]!.last_updated, peer.data.locations[8]!.last_updated];
    const { response, body } = await call(`${peer.base}/2.2.1/locations?date_from=${from}&date_to=${to}`, token);
    expect(response.headers.get("X-Total-Count")).toBe("5");
    expect(body.data.map((l: Json) => l.id)).toEqual(["LOC000003", "LOC000004"]);
    const next = new URL(parseNextLink(response.headers.get("Link"))!);
    expect(Object.fromEntries(next.searchParams)).toEqual({ date_from: from, date_to: to, offset: "2", limit: "2" });
  });
});

interface World {
  peer: QuirkyPeer;
  token: string;
}
/** Per switch: whether its deviation shows in one probe. */
const SWITCHES: { name: string; quirks: Quirks; shows: (w: World) => Promise<boolean> }[] = [
  {
    name: "timestamps",
    quirks: { timestamps: true },
    shows: async ({ peer, token }) => {
      const { body } = await call(`${peer.base}/2.2.1/sessions`, token);
      return [body.timestamp, ...dateTimes(body.data)].every((t: string) => !CANONICAL.test(t));
    },
  },
  {
    name: "nulls",
    quirks: { nulls: true },
    shows: async ({ peer, token }) => JSON.stringify((await call(`${peer.base}/2.2.1/tokens`, token)).body.data).includes(":null"),
  },
  {
    name: "singleAsList",
    quirks: { singleAsList: true },
    shows: async ({ peer, token }) => Array.isArray((await call(`${peer.base}/2.2.1/locations/LOC000000`, token)).body.data),
  },
  {
    name: "lowerCaseIds",
    quirks: { lowerCaseIds: true },
    shows: async ({ peer, token }) => (await call(`${peer.base}/2.2.1/cdrs`, token)).body.data[0].id === "cdr000000",
  },
  ...(["hardcoded-host", "enum-path", "date-from-none"] as const).map((link) => ({
    name: `link ${link}`,
    quirks: { link },
    shows: async ({ peer, token }: World) =>
      parseNextLink((await call(`${peer.base}/2.2.1/locations`, token)).response.headers.get("Link")) !== `${peer.base}/2.2.1/locations?offset=10&limit=10`,
  })),
  { name: "authError500", quirks: { authError500: true }, shows: async ({ peer }) => (await call(`${peer.base}/2.2.1/locations`, undefined)).status === 500 },
  {
    name: "tokenTypeQuery",
    quirks: { tokenTypeQuery: true },
    shows: async ({ peer, token }) => (await call(`${peer.base}/2.2.1/tokens/TOK000000/authorize?type=RFID`, token, { method: "POST" })).status === 422,
  },
  {
    name: "detailsAsList",
    quirks: { detailsAsList: true },
    shows: async ({ peer }) => {
      const other = await quirky();
      return peer.registerWith(other.versionsUrl, other.tokenA).then(
        () => false,
        () => true,
      );
    },
  },
  {
    name: "hiddenEndpoints",
    quirks: { hiddenEndpoints: ["commands:RECEIVER"] },
    shows: async ({ peer, token }) => !(await call(`${peer.base}/2.2.1`, token)).body.data.endpoints.some((e: Json) => e.identifier === "commands"),
  },
  {
    name: "trailingSlashRedirect",
    quirks: { trailingSlashRedirect: true },
    shows: async ({ peer, token }) => (await call(peer.versionsUrl, token, { redirect: "manual" })).status === 308,
  },
  {
    name: "cdrWithoutEvseUid",
    quirks: { cdrWithoutEvseUid: true },
    shows: async ({ peer }) => {
      const s = await withSinkPartner(peer);
      await peer.pushCdr();
      return !("evse_uid" in s.received[0]!.body.cdr_location);
    },
  },
];

describe("each switch produces its deviation, and only with the switch", () => {
  it.each(SWITCHES)("$name", async ({ quirks, shows }) => {
    const off = await connected({});
    expect(await shows(off)).toBe(false);
    const on = await connected(quirks);
    expect(await shows(on)).toBe(true);
  });

  it("ALL_QUIRKS turns every switch on but cdrWithoutEvseUid", () => {
    expect(ALL_QUIRKS).toEqual({
      timestamps: true,
      nulls: true,
      singleAsList: true,
      lowerCaseIds: true,
      link: "hardcoded-host",
      authError500: true,
      tokenTypeQuery: true,
      detailsAsList: true,
      hiddenEndpoints: ["commands:RECEIVER"],
      trailingSlashRedirect: true,
      cdrWithoutEvseUid: false,
    });
  });

  it("never changes data; with ALL_QUIRKS every page and answer, repaired, is the stored objects", async () => {
    const { peer, token } = await connected(ALL_QUIRKS);
    const before = structuredClone(peer.data);
    for (const { module, key } of LISTS) {
      const seen: unknown[] = [];
      for (let offset = 0; offset < peer.data[key].length; offset += 10) {
        const { body } = await call(`${peer.base}/2.2.1/${module}/?offset=${offset}&limit=10`, token);
        seen.push(...(repair(body.data) as unknown[]));
      }
      expect(seen).toEqual(peer.data[key]);
    }
    const location = peer.data.locations[2]!;
    expect(repair((await call(`${peer.base}/2.2.1/locations/${location.id}/`, token)).body.data)).toEqual([location]);
    const tokenObject = peer.data.tokens[2]!;
    const authorized = await call(`${peer.base}/2.2.1/tokens/${tokenObject.uid}/authorize/?token_type=RFID`, token, { method: "POST" });
    expect(repair(authorized.body.data)).toEqual([{ allowed: "ALLOWED", token: tokenObject }]);
    expect(peer.data).toEqual(before);
  });
});

describe("timestamps", () => {
  it.each(DATE_TIME_FORMS.map((form, i) => [i, form]))("form %i is %s, the same moment", (i, form) => {
    expect(skewDateTime("2025-01-01T00:01:00Z", i)).toBe(form);
    expect(canonical(form)).toBe("2025-01-01T00:01:00Z");
  });

  it("cycles through all forms in a page, envelope timestamp with a space, every DateTime the stored moment", async () => {
    const { peer, token } = await connected({ timestamps: true });
    const { body } = await call(`${peer.base}/2.2.1/cdrs`, token);
    expect(body.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\+00:00$/);
    const found = dateTimes(body.data);
    const shape = (t: string) => DATE_TIME_FORMS.findIndex((f) => f.replace(/\d/g, "0") === t.replace(/\d/g, "0"));
    expect(new Set(found.map(shape))).toEqual(new Set([0, 1, 2, 3]));
    expect(repair(body.data)).toEqual(peer.data.cdrs.slice(0, 10));
    expect(withSkewedTimestamps({ a: "2025-01-01T00:01:00Z", b: ["2025-01-01T00:01:00Z"], c: "not a date" })).toEqual({
      a: DATE_TIME_FORMS[0],
      b: [DATE_TIME_FORMS[1]],
      c: "not a date",
    });
  });

  it("the 2.2.1 DateTime schema refuses the space, offset and 7-digit forms; the zone-less form is spec-valid (it means UTC)", () => {
    expect(DATE_TIME_FORMS.map((f) => validators.DateTime.validate(f).ok)).toEqual([false, true, false, false]);
  });
});

describe("nulls", () => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const schemaDir = path.resolve(here, "../../../../schemas/2.2.1");
  const defs: Record<string, { properties: Record<string, unknown>; required?: string[] }> = Object.assign(
    {},
    ...readdirSync(schemaDir)
      .filter((f) => f.endsWith(".json") && f !== "endpoints.json")
      .map((f) => JSON.parse(readFileSync(path.join(schemaDir, f), "utf8")).$defs ?? {}),
  );
  const cases = Object.entries(NULL_FIELDS).flatMap(([kind, fields]) => fields!.map((field) => [kind, field] as const));

  it.each(cases)("%s.%s is optional in the schema", (kind, field) => {
    expect(Object.keys(defs[kind]!.properties)).toContain(field);
    expect(defs[kind]!.required ?? []).not.toContain(field);
  });

  /** Every stored object of a kind, nested ones included. */
  const objects = (data: QuirkyPeerData): [ObjectKind, Json][] => [
    ...data.locations.map((l) => ["Location", l] as [ObjectKind, Json]),
    ...data.locations.flatMap((l) => l.evses!.map((e) => ["EVSE", e] as [ObjectKind, Json])),
    ...data.locations.flatMap((l) => l.evses!.flatMap((e) => e.connectors.map((c) => ["Connector", c] as [ObjectKind, Json]))),
    ...data.tariffs.map((t) => ["Tariff", t] as [ObjectKind, Json]),
    ...data.sessions.map((s) => ["Session", s] as [ObjectKind, Json]),
    ...data.cdrs.map((c) => ["CDR", c] as [ObjectKind, Json]),
    ...data.cdrs.map((c) => ["CdrLocation", c.cdr_location] as [ObjectKind, Json]),
    ...data.tokens.map((t) => ["Token", t] as [ObjectKind, Json]),
  ];

  it("the fields are absent from every stored object, and sent as null with the switch", async () => {
    const { peer, token } = await connected({ nulls: true });
    for (const [kind, object] of objects(peer.data)) for (const field of NULL_FIELDS[kind]!) expect(object).not.toHaveProperty(field);
    const { body } = await call(`${peer.base}/2.2.1/locations/LOC000001`, token);
    for (const field of NULL_FIELDS.Location!) expect(body.data[field]).toBeNull();
    for (const field of NULL_FIELDS.Connector!) expect(body.data.evses[0].connectors[0][field]).toBeNull();
    expect(repair(body.data)).toEqual(peer.data.locations[1]);
    expect(withNulls("CDR", { cdr_location: { id: "X" } })).toMatchObject({ session_id: null, cdr_location: { id: "X", postal_code: null } });
    expect(withNulls("CommandResponse", { result: "ACCEPTED", timeout: 30, message: [] })).toEqual({ result: "ACCEPTED", timeout: 30, message: [] });
  });
});

describe("singleAsList", () => {
  const SINGLE: [string, string, RequestInit][] = [
    ["Location", "/locations/LOC000004", {}],
    ["EVSE", "/locations/LOC000004/LOC000004-E2", {}],
    ["Connector", "/locations/LOC000004/LOC000004-E2/1", {}],
    ["AuthorizationInfo", "/tokens/TOK000004/authorize", { method: "POST" }],
    ["CommandResponse", "/commands/UNLOCK_CONNECTOR", { method: "POST", body: JSON.stringify({ response_url: "http://127.0.0.1:9/none" }) }],
    ["VersionDetails", "", {}],
  ];
  it.each(SINGLE)("%s is a one-element list with the switch, the object without", async (schema, route, init) => {
    const { peer, token } = await connected({}, { commandResultDelayMs: 60_000 });
    const plain = (await call(`${peer.base}/2.2.1${route}`, token, init)).body.data;
    expect(Array.isArray(plain)).toBe(false);
    peer.quirks.singleAsList = true;
    const listed = (await call(`${peer.base}/2.2.1${route}`, token, init)).body.data;
    expect(listed).toEqual([plain]);
    expect(validators[schema as keyof typeof validators].validate(listed[0], { strict: true }).ok).toBe(true);
  });
});

describe("lowerCaseIds", () => {
  it("writes ids in lower case, finds path ids whatever their case", async () => {
    const { peer, token } = await connected({ lowerCaseIds: true });
    const { body } = await call(`${peer.base}/2.2.1/sessions`, token);
    expect(body.data[0]).toMatchObject({
      id: "ses000000",
      location_id: "loc000000",
      evse_uid: "loc000000-e1",
      cdr_token: { uid: "tok000000" },
      country_code: "NL",
    });
    for (const route of ["LOC000003/LOC000003-E1/2", "loc000003/loc000003-e1/2"]) {
      expect((await call(`${peer.base}/2.2.1/locations/${route}`, token)).body.data).toMatchObject({ id: "2" });
    }
    expect(withLowerCaseIds({ id: "A", tariff_ids: ["T1X"], name: "Keep" })).toEqual({ id: "a", tariff_ids: ["t1x"], name: "Keep" });
  });
});

describe("link", () => {
  const VARIANTS = [
    {
      link: "hardcoded-host",
      expected: (base: string) => `http://localhost:8000${new URL(base).pathname}/2.2.1/locations?offset=10&limit=10`,
      follow: async (peer: QuirkyPeer, url: string, token: string) => {
        const before = peer.requests.length;
        await fetch(url, { headers: auth(token), signal: AbortSignal.timeout(2000) }).catch(() => undefined);
        expect(peer.requests.length).toBe(before); // never reaches the peer
      },
    },
    {
      link: "enum-path",
      expected: (base: string) => `${base}/2.2.1/ModuleID.locations?offset=10&limit=10`,
      follow: async (_: QuirkyPeer, url: string, token: string) => {
        expect(await call(url, token)).toMatchObject({ status: 404, body: { detail: "Not Found" } });
      },
    },
    {
      link: "date-from-none",
      expected: (base: string) => `${base}/2.2.1/locations?offset=10&limit=10&date_from=None`,
      follow: async (_: QuirkyPeer, url: string, token: string) => {
        const { status, body } = await call(url, token);
        expect(status).toBe(422);
        expect(body.status_code).toBeUndefined();
        expect(body.detail[0]).toMatchObject({ loc: ["query", "date_from"], input: "None" });
      },
    },
  ] as const;

  it.each(VARIANTS)("$link: the described Link and the described failure on following it", async ({ link, expected, follow }) => {
    const { peer, token } = await connected({ link });
    const url = parseNextLink((await call(`${peer.base}/2.2.1/locations`, token)).response.headers.get("Link"))!;
    expect(url).toBe(expected(peer.base));
    expect(brokenLink(link, `${peer.base}/2.2.1/locations?offset=10&limit=10`, "locations")).toBe(url);
    await follow(peer, url, token);
  });

  it.each(VARIANTS)("$link: paging by offset/limit still gives every object of every list", async ({ link }) => {
    const { peer, token } = await connected({ link }, { pageSize: 4 });
    for (const { module, key } of LISTS) {
      const ids: string[] = [];
      for (let offset = 0; ; offset += 4) {
        const { response, body } = await call(`${peer.base}/2.2.1/${module}?offset=${offset}&limit=4`, token);
        ids.push(...body.data.map((o: Json) => o.id ?? o.uid));
        if (offset + 4 >= Number(response.headers.get("X-Total-Count"))) break;
      }
      expect(ids).toEqual(peer.data[key].map((o) => ("id" in o ? o.id : o.uid)));
    }
  });
});

describe("auth", () => {
  const CASES: [string, (w: { token: string; peer: QuirkyPeer }) => string | undefined, string][] = [
    ["no token", () => undefined, "/locations"],
    ["an unknown token", () => "who-knows", "/locations"],
    ["token A on a list", ({ peer }) => peer.tokenA, "/locations"],
    ["token A on credentials GET", ({ peer }) => peer.tokenA, "/credentials"],
  ];
  it.each(CASES)("%s: 401/2000, or 500/2000 with authError500", async (_, tokenOf, route) => {
    const w = await connected();
    for (const [authError500, status] of [
      [false, 401],
      [true, 500],
    ] as const) {
      w.peer.quirks.authError500 = authError500;
      const answer = await call(`${w.peer.base}/2.2.1${route}`, tokenOf(w));
      expect(answer).toMatchObject({ status, body: { status_code: 2000, status_message: "Unauthorized: invalid or missing token" } });
    }
  });

  it("the issued token in raw form (not base64) is refused; token A works on versions and details", async () => {
    const { peer, token } = await connected();
    expect((await call(`${peer.base}/2.2.1/locations`, undefined, { headers: { Authorization: `Token ${token}` } })).status).toBe(401);
    expect((await call(peer.versionsUrl, peer.tokenA)).status).toBe(200);
    expect((await call(`${peer.base}/2.2.1`, peer.tokenA)).status).toBe(200);
  });
});

describe("tokenTypeQuery", () => {
  const CASES: [boolean, string, number, number, string?][] = [
    [false, "TOK000001/authorize?type=RFID", 200, 1000],
    [false, "TOK000001/authorize", 200, 1000],
    [false, "UNKNOWN/authorize?type=RFID", 404, 2004],
    [true, "TOK000001/authorize?type=RFID", 422, 2001, "token_type: field required"],
    [true, "TOK000001/authorize?token_type=RFID", 200, 1000],
  ];
  it.each(CASES)("switch %s, %s: HTTP %i, status %i", async (on, route, status, code, message) => {
    const { peer, token } = await connected({ tokenTypeQuery: on });
    const answer = await call(`${peer.base}/2.2.1/tokens/${route}`, token, { method: "POST" });
    expect(answer).toMatchObject({ status, body: { status_code: code, ...(message ? { status_message: message } : {}) } });
  });
});

describe("hiddenEndpoints and trailingSlashRedirect", () => {
  it("a hidden endpoint is left out of the version details and still served", async () => {
    const { peer, token } = await connected({ hiddenEndpoints: ["commands:RECEIVER", "tokens:SENDER"] });
    const { body } = await call(`${peer.base}/2.2.1`, token);
    expect(body.data.endpoints.map((e: Json) => `${e.identifier}:${e.role}`)).toEqual([
      "credentials:SENDER",
      "credentials:RECEIVER",
      "locations:SENDER",
      "tariffs:SENDER",
      "sessions:SENDER",
      "cdrs:SENDER",
    ]);
    const command = await call(`${peer.base}/2.2.1/commands/STOP_SESSION`, token, {
      method: "POST",
      body: JSON.stringify({ response_url: "http://127.0.0.1:9/x", session_id: "S" }),
    });
    expect(command.body.data).toEqual({ result: "ACCEPTED", timeout: 30 });
  });

  it("a path without a trailing slash gets a 308 to the same URL with it, query kept", async () => {
    const { peer, token } = await connected({ trailingSlashRedirect: true });
    const url = `${peer.base}/2.2.1/locations?offset=10&limit=5`;
    const redirected = await fetch(url, { headers: auth(token), redirect: "manual" });
    expect(redirected.status).toBe(308);
    expect(redirected.headers.get("Location")).toBe(`${peer.base}/2.2.1/locations/?offset=10&limit=5`);
    const followed = await call(url, token);
    expect(followed.body.data.map((l: Json) => l.id)).toEqual(peer.data.locations.slice(10, 15).map((l) => l.id));
    expect((await fetch(`${peer.base}/2.2.1/locations/`, { headers: auth(token), redirect: "manual" })).status).toBe(200);
  });
});

describe("registration", () => {
  const PAIRS: [string, Quirks, Quirks][] = [
    ["no quirks", {}, {}],
    ["detailsAsList with singleAsList", { detailsAsList: true }, { singleAsList: true }],
    ["both detailsAsList and singleAsList", { detailsAsList: true, singleAsList: true }, { detailsAsList: true, singleAsList: true }],
    ["ALL_QUIRKS on both", ALL_QUIRKS, ALL_QUIRKS],
  ];
  it.each(PAIRS)("works in both directions: %s", async (_, a, b) => {
    for (const [starter, answerer] of [
      [a, b],
      [b, a],
    ]) {
      const x = await quirky({ quirks: starter });
      const y = await quirky({ quirks: answerer, tokenA: "token-a-of-y" });
      await x.registerWith(y.versionsUrl, y.tokenA);
      expect(x.partner).toMatchObject({ token: y.issuedToken, versionsUrl: y.versionsUrl });
      expect(y.partner).toMatchObject({ token: x.issuedToken, versionsUrl: x.versionsUrl });
      expect(x.partner!.endpoints).toContainEqual({ identifier: "locations", role: "SENDER", url: `${y.base}/2.2.1/locations` });
      expect(y.partner!.roles!.map((r) => `${r.role} ${r.country_code}/${r.party_id}`)).toEqual(["CPO NL/QCP", "EMSP NL/QSP"]);
      expect((await call(`${y.base}/2.2.1/tokens/`, x.partner!.token)).status).toBe(200);
    }
  });

  it("fails with a clear message when detailsAsList meets an object answer, in both directions", async () => {
    const listReader = await quirky({ quirks: { detailsAsList: true } });
    const plain = await quirky();
    await expect(listReader.registerWith(plain.versionsUrl, plain.tokenA)).rejects.toThrow("version details: data[0] is undefined");
    await expect(plain.registerWith(listReader.versionsUrl, listReader.tokenA)).rejects.toThrow(
      "credentials: HTTP 400, status_code 3001: version details: data[0] is undefined",
    );
    expect([listReader.partner, plain.partner, plain.issuedToken]).toEqual([undefined, undefined, undefined]);
  });

  it("rotates with PUT and forgets the partner with DELETE", async () => {
    const { peer, caller, token } = await connected();
    caller.issuedToken = "rotated-token-b";
    const body = JSON.stringify({ token: "rotated-token-b", url: caller.versionsUrl, roles: [] });
    const put = await call(`${peer.base}/2.2.1/credentials`, token, { method: "PUT", body });
    expect(put).toMatchObject({ status: 200, body: { data: { token: peer.issuedToken, url: peer.versionsUrl } } });
    expect(peer.issuedToken).not.toBe(token);
    expect(peer.partner!.token).toBe("rotated-token-b");
    expect((await call(`${peer.base}/2.2.1/credentials`, token)).status).toBe(401);
    expect((await call(`${peer.base}/2.2.1/credentials`, put.body.data.token, { method: "POST", body })).status).toBe(405);
    expect((await call(`${peer.base}/2.2.1/credentials`, put.body.data.token, { method: "DELETE" })).status).toBe(200);
    expect([peer.partner, peer.issuedToken]).toEqual([undefined, undefined]);
    expect((await call(`${peer.base}/2.2.1/credentials`, put.body.data.token)).status).toBe(401);
  });
});

describe("commands and pushes", () => {
  it("answers a command, then POSTs the CommandResult to response_url with the partner's token", async () => {
    const { peer, token } = await connected({}, { commandResultDelayMs: 5 });
    const s = await sink();
    const answer = await call(`${peer.base}/2.2.1/commands/RESERVE_NOW`, token, {
      method: "POST",
      body: JSON.stringify({ response_url: `${s.url}/commands/RESERVE_NOW/1` }),
    });
    expect(answer.body.data).toEqual({ result: "ACCEPTED", timeout: 30 });
    await vi.waitFor(() => expect(peer.commandResults).toHaveLength(1));
    expect(peer.commandResults[0]).toMatchObject({
      url: `${s.url}/commands/RESERVE_NOW/1`,
      body: { result: "ACCEPTED" },
      httpStatus: 200,
      answer: { status_code: 1000 },
    });
    expect(s.received[0]).toMatchObject({
      method: "POST",
      path: "/commands/RESERVE_NOW/1",
      headers: { authorization: `Token ${base64Encode(peer.partner!.token)}` },
    });
  });

  it.each([
    ["pushSession", "PUT", "/sessions/NL/QCP/SES000000", "Session", "sessions"],
    ["pushCdr", "POST", "/cdrs", "CDR", "cdrs"],
    ["pushLocation", "PUT", "/locations/NL/QCP/LOC000000", "Location", "locations"],
  ] as const)("%s: %s %s, body as stored, or with the deviations and upper-case path ids", async (method, verb, route, kind, key) => {
    const peer = await quirky();
    const s = await withSinkPartner(peer);
    expect(await peer[method]()).toEqual({ httpStatus: 200, body: { status_code: 1000, timestamp: "2025-01-01T00:00:00Z" } });
    peer.quirks = { ...ALL_QUIRKS };
    await peer[method]();
    const [plain, quirked] = s.received;
    expect(plain).toMatchObject({ method: verb, path: route, body: peer.data[key][0], headers: { authorization: `Token ${base64Encode("sink-token")}` } });
    expect(quirked).toMatchObject({ method: verb, path: route });
    expect(quirked!.body).toEqual(withQuirks(kind, peer.data[key][0], ALL_QUIRKS));
    expect(quirked!.body).not.toEqual(plain!.body);
    expect(repair(quirked!.body)).toEqual(peer.data[key][0]);
  });

  it("cdrWithoutEvseUid drops only cdr_location.evse_uid, and only from pushed CDRs", async () => {
    const { peer, token } = await connected({ cdrWithoutEvseUid: true });
    const served = (await call(`${peer.base}/2.2.1/cdrs`, token)).body.data;
    const s = await withSinkPartner(peer);
    await peer.pushCdr();
    const { evse_uid, ...rest } = peer.data.cdrs[0]!.cdr_location;
    expect(evse_uid).toBeDefined();
    expect(s.received[0]!.body).toEqual({ ...peer.data.cdrs[0], cdr_location: rest });
    expect(served).toEqual(peer.data.cdrs);
    expect(withoutEvseUid([peer.data.cdrs[1]])[0]!.cdr_location).not.toHaveProperty("evse_uid");
  });
});
