// The server's extensions over real HTTP on 127.0.0.1: off by default; open data (published Locations without a
// token, paginated, rate limited) in every version; the receivers' bulk GET; DELETE on the tokens receiver.
import { afterEach, describe, expect, it } from "vitest";
import { base64Encode, parseNextLink } from "@ocpi-sdk/protocol";
import type * as T from "@ocpi-sdk/types/2.2.1";
import { validators as v211 } from "@ocpi-sdk/validators/2.1.1";
import { sample } from "../../client/src/testing/fixtures.js";
import { saveObject, storeHandlers } from "./handlers/store-handlers.js";
import { forwardedFor } from "./runtime/extensions.js";
import type { Caller } from "./runtime/routes.js";
import type { ServedVersion } from "./runtime/versions.js";
import type { PeerRole, Store } from "./store/store.js";
import { CPO_ROLE, EMSP_ROLE, startNode, type TestNode } from "./testing/nodes.js";

const nodes: TestNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

async function node(role: T.CredentialsRole, options?: Parameters<typeof startNode>[1]) {
  const n = await startNode(role, options);
  nodes.push(n);
  return n;
}

/** A CPO and an eMSP registered with each other; the tokens each calls the other with. */
async function pair(options: { cpo?: Parameters<typeof startNode>[1]; emsp?: Parameters<typeof startNode>[1] } = {}) {
  const cpo = await node(CPO_ROLE, options.cpo);
  const emsp = await node(EMSP_ROLE, options.emsp);
  const { token } = await cpo.server.credentials.createRegistrationToken();
  const cpoParty = await emsp.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token });
  const emspParty = (await cpo.store.listParties()).find((p) => p.status === "registered")!;
  return { cpo, emsp, toCpo: cpoParty.outgoingToken!, toEmsp: emspParty.outgoingToken!, cpoClient: cpo.server.credentials.clientFor(emspParty, "2.2.1") };
}

type Body = { status_code: number; status_message?: string; data?: unknown };

async function raw(url: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.token !== undefined) headers.set("Authorization", `Token ${base64Encode(init.token)}`);
  const response = await fetch(url, { ...init, headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Body) : undefined };
}

/** Every page of a list, following Link; the X-Total-Count of the first. */
async function walk(url: string, init: RequestInit & { token?: string } = {}) {
  const items: { id: string; publish?: boolean }[] = [];
  let total: number | undefined;
  let pages = 0;
  for (let next: string | undefined = url; next; pages++) {
    const page = await raw(next, init);
    expect([page.status, page.body?.status_code]).toEqual([200, 1000]);
    total ??= Number(page.headers.get("X-Total-Count"));
    items.push(...(page.body!.data as { id: string }[]));
    next = parseNextLink(page.headers.get("Link"));
  }
  return { items, total, pages };
}

const evse = (): T.EVSE => ({ ...sample<T.EVSE>("2.2.1", "EVSE"), uid: "E1", connectors: [{ ...sample<T.Connector>("2.2.1", "Connector"), id: "C1" }] });
const at = (i: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString().replace(".000", "");
const location = (id: string, over: Partial<T.Location> = {}): T.Location => ({
  ...sample<T.Location>("2.2.1", "Location"),
  country_code: "NL",
  party_id: "CPO",
  id,
  evses: [evse()],
  last_updated: at(0),
  ...over,
});

/** Our Locations L000..L{n-1}, one a second; every third (L000, L003, ...) published. */
async function seedLocations(store: Store, n: number) {
  for (let i = 0; i < n; i++) {
    const id = `L${String(i).padStart(3, "0")}`;
    await saveObject(store, "locations", id, location(id, { publish: i % 3 === 0, last_updated: at(i) }));
  }
  return Array.from({ length: n }, (_, i) => `L${String(i).padStart(3, "0")}`).filter((_, i) => i % 3 === 0);
}

const ALL_VERSIONS: ServedVersion[] = ["2.1.1", "2.2.1", "2.3.0"];

describe("extensions are off by default", () => {
  it("no token: 401; a receiver's list: 404; a DELETE of a Token: 405; none in version details", async () => {
    const { cpo, emsp, toCpo, toEmsp } = await pair();
    await seedLocations(cpo.store, 3);
    const anonymous = await raw(`${cpo.url}/ocpi/2.2.1/locations/sender`);
    expect([anonymous.status, anonymous.body?.status_code]).toEqual([401, 2000]);
    const bulk = await raw(`${emsp.url}/ocpi/2.2.1/locations/receiver`, { token: toEmsp });
    expect([bulk.status, bulk.body?.status_code]).toEqual([404, 2000]);
    const del = await raw(`${cpo.url}/ocpi/2.2.1/tokens/receiver/NL/MSP/TOK1`, { method: "DELETE", token: toCpo });
    expect([del.status, del.body?.status_code, del.headers.get("Allow")]).toEqual([405, 2000, "GET, PUT, PATCH"]);
  });

  it("enabled, they are still not listed in version details", async () => {
    const plain = await pair();
    const extended = await pair({ emsp: { server: { extensions: { receiverBulkGet: true, receiverDelete: ["tokens"], openDataLocations: true } } } });
    const details = async (p: typeof plain) =>
      (await raw(`${p.emsp.url}/ocpi/2.2.1`, { token: p.toEmsp })).body?.data as { endpoints: { identifier: string; role: string; url: string }[] };
    const strip = (d: Awaited<ReturnType<typeof details>>) => d.endpoints.map((e) => `${e.identifier}:${e.role}:${new URL(e.url).pathname}`);
    expect(strip(await details(extended))).toEqual(strip(await details(plain)));
  });
});

describe("open data: published Locations without a token", () => {
  it.each(ALL_VERSIONS.map((v) => [v]))("%s: pages over the published Locations only, X-Total-Count and Link included", async (version) => {
    const cpo = await node(CPO_ROLE, { server: { versions: ALL_VERSIONS, maxLimit: 10, extensions: { openDataLocations: { rateLimit: false } } } });
    const published = await seedLocations(cpo.store, 100);
    const { items, total, pages } = await walk(`${cpo.url}/ocpi/${version}/locations/sender`);
    expect(total).toBe(published.length);
    expect(pages).toBe(Math.ceil(published.length / 10));
    expect(items.map((l) => l.id)).toEqual(published);
    if (version !== "2.1.1") expect(items.every((l) => l.publish === true)).toBe(true);
    else expect(items.every((l) => v211.Location.validate(l).ok)).toBe(true);
    // date_from inclusive, date_to exclusive, counted over the published ones.
    const window = await walk(`${cpo.url}/ocpi/${version}/locations/sender?date_from=${at(30)}&date_to=${at(60)}`);
    expect(window.items.map((l) => l.id)).toEqual(published.filter((id) => Number(id.slice(1)) >= 30 && Number(id.slice(1)) < 60));
    expect(window.total).toBe(10);
    const deep = await raw(`${cpo.url}/ocpi/${version}/locations/sender?offset=30&limit=10`);
    expect([(deep.body!.data as { id: string }[]).map((l) => l.id), deep.headers.get("X-Total-Count"), deep.headers.get("Link")]).toEqual([
      published.slice(30),
      "34",
      null,
    ]);
  });

  it.each(
    ALL_VERSIONS.flatMap(
      (v) =>
        [
          [v, "/LOC-P", 200, 1000],
          [v, "/LOC-P/E1", 200, 1000],
          [v, "/LOC-P/E1/C1", 200, 1000],
          [v, "/LOC-U", 404, 2003],
          [v, "/LOC-U/E1", 404, 2003],
          [v, "/LOC-U/E1/C1", 404, 2003],
          [v, "/NOPE", 404, 2003],
        ] as const,
    ),
  )("%s GET %s: HTTP %i, OCPI %i", async (version, path, httpStatus, statusCode) => {
    const cpo = await node(CPO_ROLE, { server: { versions: ALL_VERSIONS, extensions: { openDataLocations: true } } });
    await saveObject(cpo.store, "locations", "LOC-P", location("LOC-P", { publish: true }));
    await saveObject(cpo.store, "locations", "LOC-U", location("LOC-U", { publish: false }));
    const res = await raw(`${cpo.url}/ocpi/${version}/locations/sender${path}`);
    expect([res.status, res.body?.status_code]).toEqual([httpStatus, statusCode]);
  });

  it("a request with a token is authenticated as always: a bad one is a 401, a good one sees every Location", async () => {
    const { cpo, toCpo } = await pair({ cpo: { server: { extensions: { openDataLocations: true } } } });
    const published = await seedLocations(cpo.store, 9);
    expect((await raw(`${cpo.url}/ocpi/2.2.1/locations/sender`)).headers.get("X-Total-Count")).toBe(String(published.length));
    for (const authorization of ["Token bm9wZQ==", "", "Bearer x"]) {
      const bad = await raw(`${cpo.url}/ocpi/2.2.1/locations/sender`, { headers: { Authorization: authorization } });
      expect([authorization, bad.status, bad.body?.status_code]).toEqual([authorization, 401, 2000]);
    }
    const full = await raw(`${cpo.url}/ocpi/2.2.1/locations/sender`, { token: toCpo });
    expect([full.status, full.headers.get("X-Total-Count")]).toEqual([200, "9"]);
    const unpublished = await raw(`${cpo.url}/ocpi/2.2.1/locations/sender/L001`, { token: toCpo });
    expect(unpublished.status).toBe(200);
    // Nothing else opens without a token.
    for (const path of ["/ocpi/2.2.1/tariffs/sender", "/ocpi/2.2.1/locations/receiver/NL/CPO/L000", "/ocpi/2.2.1/credentials", "/ocpi/versions"]) {
      expect([path, (await raw(`${cpo.url}${path}`)).status]).toEqual([path, 401]);
    }
  });

  it("limits requests without a token (429, OCPI 2000, Retry-After), per key, and never those with one", async () => {
    const { cpo, toCpo } = await pair({
      cpo: { server: { extensions: { openDataLocations: { rateLimit: { requests: 2, windowMs: 60_000 }, key: forwardedFor } } } },
    });
    await seedLocations(cpo.store, 3);
    const get = (from?: string) => raw(`${cpo.url}/ocpi/2.2.1/locations/sender`, from ? { headers: { "X-Forwarded-For": from } } : {});
    expect([(await get("198.51.100.1")).status, (await get("198.51.100.1")).status]).toEqual([200, 200]);
    const limited = await get("198.51.100.1");
    expect([limited.status, limited.body?.status_code]).toEqual([429, 2000]);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get("X-Request-ID")).toBeTruthy();
    expect((await get("198.51.100.2")).status).toBe(200);
    expect((await raw(`${cpo.url}/ocpi/2.2.1/locations/sender`, { token: toCpo })).status).toBe(200);
  });

  it("has one budget for every caller by default (60 a minute)", async () => {
    const cpo = await node(CPO_ROLE, { server: { extensions: { openDataLocations: true } } });
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++)
      statuses.push((await raw(`${cpo.url}/ocpi/2.2.1/locations/sender`, { headers: { "X-Forwarded-For": `198.51.100.${i}` } })).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(60);
    expect(statuses.at(-1)).toBe(429);
  });

  it("handlers see the caller as anonymous; an unpublished Location one gives it is not sent", async () => {
    const seen: Caller[] = [];
    const cpo = await node(CPO_ROLE, {
      server: { extensions: { openDataLocations: { rateLimit: false } } },
      // Handlers that know nothing of open data: the server still sends nothing unpublished.
      handlers: () => ({
        locations: {
          sender: {
            list: async ({ caller }) => (seen.push(caller), { items: [location("LOC-U", { publish: false })], total: 1 }),
            get: async ({ caller }) => (seen.push(caller), location("LOC-U", { publish: false })),
            getEvse: async () => evse(),
            getConnector: async () => evse().connectors[0]!,
          },
        },
      }),
    });
    const list = await raw(`${cpo.url}/ocpi/2.2.1/locations/sender`);
    const one = await raw(`${cpo.url}/ocpi/2.2.1/locations/sender/LOC-U`);
    const part = await raw(`${cpo.url}/ocpi/2.2.1/locations/sender/LOC-U/E1`);
    expect([list.status, list.body?.status_code, one.status, one.body?.status_code, part.status, part.body?.status_code]).toEqual([
      500, 3000, 500, 3000, 404, 2003,
    ]);
    expect(seen[0]).toMatchObject({ anonymous: true, isHub: false, roles: [], party: { id: "open-data" } });
    expect(cpo.events.filter((e) => e.type === "error").map((e) => String((e as { error: Error }).error.message))).toEqual([
      expect.stringContaining("not published (LOC-U)"),
      expect.stringContaining("not published (LOC-U)"),
    ]);
  });

  it("follows the store: a Location published or unpublished is in or out of the next page", async () => {
    const cpo = await node(CPO_ROLE, { server: { extensions: { openDataLocations: { rateLimit: false } } } });
    const published = await seedLocations(cpo.store, 6);
    const ids = async () => ((await raw(`${cpo.url}/ocpi/2.2.1/locations/sender`)).body!.data as { id: string }[]).map((l) => l.id);
    expect(await ids()).toEqual(published);
    await saveObject(cpo.store, "locations", "L001", location("L001", { publish: true, last_updated: at(1) }));
    await saveObject(cpo.store, "locations", "L000", location("L000", { publish: false, last_updated: at(0) }));
    expect(await ids()).toEqual(["L001", "L003"]);
  });
});

describe("receivers' bulk GET", () => {
  const owned = (module: string, party: { country_code: string; party_id: string }, id: string, i: number): Record<string, unknown> => {
    const base = { country_code: party.country_code, party_id: party.party_id, last_updated: at(i) };
    if (module === "locations") return { ...location(id), ...base };
    if (module === "sessions") return { ...sample<Record<string, unknown>>("2.2.1", "Session"), ...base, id };
    if (module === "tariffs") return { ...sample<Record<string, unknown>>("2.2.1", "Tariff"), ...base, id };
    return { ...sample<Record<string, unknown>>("2.2.1", "Token"), ...base, uid: id, type: "RFID" };
  };
  const putReceived = (store: Store, module: string, party: { country_code: string; party_id: string }, id: string, i: number) =>
    store.putObject({
      module: `${module}.received`,
      country_code: party.country_code,
      party_id: party.party_id,
      id,
      last_updated: at(i),
      data: owned(module, party, id, i),
    });
  const idOf = (o: { id?: string; uid?: string }) => o.id ?? o.uid;
  const query = (module: string) => (module === "sessions" ? `?date_from=${at(0)}` : "");

  it.each([["locations"], ["sessions"], ["tariffs"], ["tokens"]])("%s: what the caller pushed, paged, and no one else's", async (module) => {
    const { emsp, toEmsp } = await pair({ emsp: { server: { maxLimit: 2, extensions: { receiverBulkGet: true } } } });
    for (let i = 0; i < 5; i++) await putReceived(emsp.store, module, CPO_ROLE, `X${i}`, i);
    await putReceived(emsp.store, module, { country_code: "DE", party_id: "XYZ" }, "OTHER", 2);
    const { items, total, pages } = await walk(`${emsp.url}/ocpi/2.2.1/${module}/receiver${query(module)}`, { token: toEmsp });
    expect([items.map(idOf), total, pages]).toEqual([["X0", "X1", "X2", "X3", "X4"], 5, 3]);
    const window = await walk(`${emsp.url}/ocpi/2.2.1/${module}/receiver?date_from=${at(1)}&date_to=${at(3)}`, { token: toEmsp });
    expect([window.items.map(idOf), window.total]).toEqual([["X1", "X2"], 2]);
  });

  it("sessions need date_from, as the sender's list does; a bad window is a 2001", async () => {
    const { emsp, toEmsp } = await pair({ emsp: { server: { extensions: { receiverBulkGet: ["sessions"] } } } });
    for (const path of ["/sessions/receiver", "/sessions/receiver?date_from=yesterday"]) {
      const res = await raw(`${emsp.url}/ocpi/2.2.1${path}`, { token: toEmsp });
      expect([res.status, res.body?.status_code]).toEqual([400, 2001]);
    }
    // Only the modules listed.
    expect((await raw(`${emsp.url}/ocpi/2.2.1/locations/receiver`, { token: toEmsp })).status).toBe(404);
  });

  it("a hub sees every party's; a party with two identities both of its own, merged in order", async () => {
    const emsp = await node(EMSP_ROLE, { server: { extensions: { receiverBulkGet: true } } });
    const now = new Date().toISOString();
    const role = (r: string, country_code: string, party_id: string): PeerRole => ({ role: r, country_code, party_id, business_details: { name: party_id } });
    await emsp.store.putParty({
      id: "hub",
      incomingToken: "hub-token",
      incomingTokenKind: "C",
      endpoints: [],
      roles: [role("HUB", "NL", "HUB")],
      status: "registered",
      createdAt: now,
      updatedAt: now,
    });
    await emsp.store.putParty({
      id: "two",
      incomingToken: "two-token",
      incomingTokenKind: "C",
      endpoints: [],
      roles: [role("CPO", "NL", "CPO"), role("CPO", "BE", "CP2")],
      status: "registered",
      createdAt: now,
      updatedAt: now,
    });
    await putReceived(emsp.store, "tariffs", { country_code: "NL", party_id: "CPO" }, "A", 4);
    await putReceived(emsp.store, "tariffs", { country_code: "BE", party_id: "CP2" }, "B", 1);
    await putReceived(emsp.store, "tariffs", { country_code: "NL", party_id: "CPO" }, "C", 3);
    await putReceived(emsp.store, "tariffs", { country_code: "BE", party_id: "CP2" }, "D", 5);
    await putReceived(emsp.store, "tariffs", { country_code: "DE", party_id: "XYZ" }, "E", 2);
    const hub = await walk(`${emsp.url}/ocpi/2.2.1/tariffs/receiver`, { token: "hub-token" });
    expect([hub.items.map(idOf), hub.total]).toEqual([["B", "E", "C", "A", "D"], 5]);
    const two = await walk(`${emsp.url}/ocpi/2.2.1/tariffs/receiver?limit=1`, { token: "two-token" });
    expect([two.items.map(idOf), two.total, two.pages]).toEqual([["B", "C", "A", "D"], 4, 4]);
  });

  it("serves other versions through the converters (2.1.1)", async () => {
    const { emsp, toEmsp } = await pair({ emsp: { server: { versions: ["2.1.1", "2.2.1"], extensions: { receiverBulkGet: ["locations"] } } } });
    await putReceived(emsp.store, "locations", CPO_ROLE, "X0", 0);
    const res = await raw(`${emsp.url}/ocpi/2.1.1/locations/receiver`, { token: toEmsp });
    expect([res.status, res.headers.get("X-Total-Count")]).toEqual([200, "1"]);
    const [only] = res.body!.data as Record<string, unknown>[];
    expect(v211.Location.validate(only).ok).toBe(true);
    expect(only).not.toHaveProperty("publish");
  });

  it("lists what the receiver handlers stored from pushes", async () => {
    const { emsp, toEmsp, cpoClient } = await pair({ emsp: { server: { extensions: { receiverBulkGet: ["locations"] } } } });
    await cpoClient.locations.receiver.put({ country_code: "NL", party_id: "CPO", location_id: "PUSHED", body: location("PUSHED") });
    await cpoClient.locations.receiver.patchEvse({
      country_code: "NL",
      party_id: "CPO",
      location_id: "PUSHED",
      evse_uid: "E1",
      body: { status: "CHARGING", last_updated: "2024-06-01T00:00:00Z" },
    });
    const { items } = await walk(`${emsp.url}/ocpi/2.2.1/locations/receiver`, { token: toEmsp });
    expect(items).toEqual([
      expect.objectContaining({ id: "PUSHED", last_updated: "2024-06-01T00:00:00Z", evses: [expect.objectContaining({ status: "CHARGING" })] }),
    ]);
  });
});

describe("receivers' DELETE", () => {
  const token = (over: Record<string, unknown> = {}) => ({
    ...sample<Record<string, unknown>>("2.2.1", "Token"),
    country_code: "NL",
    party_id: "MSP",
    uid: "TOK1",
    type: "RFID",
    last_updated: at(0),
    ...over,
  });
  const seed = (store: Store) =>
    store.putObject({ module: "tokens.received", country_code: "NL", party_id: "MSP", id: "TOK1", last_updated: at(0), data: token() });
  const stored = (store: Store) => store.getObject({ module: "tokens.received", country_code: "NL", party_id: "MSP", id: "TOK1" });

  it.each([
    ["2.2.1", "/NL/MSP/TOK1?type=APP_USER", 404, 2004, true],
    ["2.2.1", "/NL/MSP/NOPE", 404, 2004, true],
    ["2.2.1", "/DE/XYZ/TOK1", 403, 2000, true],
    ["2.2.1", "/NL/MSP/TOK1", 200, 1000, false],
    ["2.2.1", "/nl/msp/tok1?type=RFID", 200, 1000, false],
    ["2.3.0", "/NL/MSP/TOK1", 200, 1000, false],
    ["2.1.1", "/NL/MSP/TOK1", 200, 1000, false],
  ] as const)("%s DELETE tokens/receiver%s: HTTP %i, OCPI %i", async (version, path, httpStatus, statusCode, kept) => {
    const { cpo, toCpo } = await pair({ cpo: { server: { versions: ALL_VERSIONS, extensions: { receiverDelete: ["tokens"] } } } });
    await seed(cpo.store);
    const res = await raw(`${cpo.url}/ocpi/${version}/tokens/receiver${path}`, { method: "DELETE", token: toCpo });
    expect([res.status, res.body?.status_code]).toEqual([httpStatus, statusCode]);
    expect((await stored(cpo.store)) !== undefined).toBe(kept);
  });

  it("honours If-Match, as the spec's routes do", async () => {
    const { cpo, toCpo } = await pair({ cpo: { server: { extensions: { receiverDelete: ["tokens"] } } } });
    await seed(cpo.store);
    const url = `${cpo.url}/ocpi/2.2.1/tokens/receiver/NL/MSP/TOK1`;
    const etag = (await raw(url, { token: toCpo })).headers.get("ETag")!;
    await cpo.store.putObject({
      module: "tokens.received",
      country_code: "NL",
      party_id: "MSP",
      id: "TOK1",
      last_updated: at(1),
      data: token({ valid: false, last_updated: at(1) }),
    });
    const stale = await raw(url, { method: "DELETE", token: toCpo, headers: { "If-Match": etag } });
    expect([stale.status, stale.body?.status_code]).toEqual([412, 2000]);
    expect(await stored(cpo.store)).toBeDefined();
    const current = (await raw(url, { token: toCpo })).headers.get("ETag")!;
    expect((await raw(url, { method: "DELETE", token: toCpo, headers: { "If-Match": current } })).status).toBe(200);
    expect(await stored(cpo.store)).toBeUndefined();
  });

  it("tariffs keep the spec's DELETE, which answers an unknown Tariff with 404 / 2000", async () => {
    const { emsp, toEmsp } = await pair({ emsp: { server: { extensions: { receiverDelete: ["tariffs"] } } } });
    const res = await raw(`${emsp.url}/ocpi/2.2.1/tariffs/receiver/NL/CPO/NOPE`, { method: "DELETE", token: toEmsp });
    expect([res.status, res.body?.status_code]).toEqual([404, 2000]);
  });

  it("is served by a handler `delete` of one's own beside the generated interface", async () => {
    const deleted: string[] = [];
    const cpo = await node(CPO_ROLE, {
      server: { extensions: { receiverDelete: ["tokens"] } },
      handlers: (store) => {
        const base = storeHandlers(store, { roles: [CPO_ROLE] });
        return {
          ...base,
          tokens: {
            receiver: { ...base.tokens.receiver, delete: async ({ params }: { params: { token_uid: string } }) => void deleted.push(params.token_uid) },
          },
        };
      },
    });
    const emsp = await node(EMSP_ROLE);
    const { token: tokenA } = await cpo.server.credentials.createRegistrationToken();
    const party = await emsp.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token: tokenA });
    const res = await raw(`${cpo.url}/ocpi/2.2.1/tokens/receiver/NL/MSP/ANY`, { method: "DELETE", token: party.outgoingToken! });
    expect([res.status, deleted]).toEqual([200, ["ANY"]]);
  });
});
