// ETags and If-Match over real HTTP on 127.0.0.1: the ETag of every GET of one object, conditional PUT, PATCH and
// DELETE (412 in the envelope, nothing stored), one conditional write of an object at a time, other versions, the
// option that turns them off, and the client's side (OcpiResult.etag, CallOptions.ifMatch).
import { afterEach, describe, expect, it } from "vitest";
import { base64Encode } from "@ocpi-sdk/protocol";
import type * as T from "@ocpi-sdk/types/2.2.1";
import { sample } from "../../client/src/testing/fixtures.js";
import { errorOf } from "../../client/src/testing/errors.js";
import { saveObject, storeHandlers } from "./handlers/store-handlers.js";
import { etagOf } from "./runtime/etag.js";
import { isRetryable } from "./runtime/outbox.js";
import type { Store } from "./store/store.js";
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

/** A CPO and an eMSP registered with each other; tokens for raw requests each way. */
async function pair(options: { cpo?: Parameters<typeof startNode>[1]; emsp?: Parameters<typeof startNode>[1] } = {}) {
  const cpo = await node(CPO_ROLE, options.cpo);
  const emsp = await node(EMSP_ROLE, options.emsp);
  const { token } = await cpo.server.credentials.createRegistrationToken();
  const cpoParty = await emsp.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token });
  const emspParty = (await cpo.store.listParties()).find((p) => p.status === "registered")!;
  return {
    cpo,
    emsp,
    /** What the eMSP calls the CPO with, and the CPO the eMSP with. */
    toCpo: cpoParty.outgoingToken!,
    toEmsp: emspParty.outgoingToken!,
    cpoClient: cpo.server.credentials.clientFor(emspParty, "2.2.1"),
  };
}

async function raw(url: string, init: RequestInit & { token?: string; json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  if (init.token !== undefined) headers.set("Authorization", `Token ${base64Encode(init.token)}`);
  if (init.json !== undefined) headers.set("Content-Type", "application/json");
  const response = await fetch(url, { ...init, headers, ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}) });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as { status_code: number; status_message?: string; data?: unknown }) : undefined,
  };
}

const evse = (): T.EVSE => ({ ...sample<T.EVSE>("2.2.1", "EVSE"), uid: "E1", connectors: [{ ...sample<T.Connector>("2.2.1", "Connector"), id: "C1" }] });
const location = (over: Partial<T.Location> = {}): T.Location => ({
  ...sample<T.Location>("2.2.1", "Location"),
  country_code: "NL",
  party_id: "CPO",
  id: "LOC1",
  evses: [evse()],
  last_updated: "2024-01-01T00:00:00Z",
  ...over,
});

/** The eMSP's copy of an object the CPO pushed (module `<module>.received`, owned by NL/CPO). */
const putReceived = (store: Store, module: string, id: string, data: Record<string, unknown>) =>
  store.putObject({
    module: `${module}.received`,
    country_code: "NL",
    party_id: "CPO",
    id,
    last_updated: String(data.last_updated ?? "2024-01-01T00:00:00Z"),
    data,
  });

const received = {
  location: (over: Partial<T.Location> = {}) => location(over) as unknown as Record<string, unknown>,
  session: (over: Record<string, unknown> = {}) => ({
    ...sample<Record<string, unknown>>("2.2.1", "Session"),
    country_code: "NL",
    party_id: "CPO",
    id: "S1",
    last_updated: "2024-01-01T00:00:00Z",
    ...over,
  }),
  tariff: (over: Record<string, unknown> = {}) => ({
    ...sample<Record<string, unknown>>("2.2.1", "Tariff"),
    country_code: "NL",
    party_id: "CPO",
    id: "T1",
    last_updated: "2024-01-01T00:00:00Z",
    ...over,
  }),
  token: (over: Record<string, unknown> = {}) => ({
    ...sample<Record<string, unknown>>("2.2.1", "Token"),
    country_code: "NL",
    party_id: "CPO",
    uid: "TOK1",
    type: "RFID",
    last_updated: "2024-01-01T00:00:00Z",
    ...over,
  }),
  cdr: (over: Record<string, unknown> = {}) => ({
    ...sample<Record<string, unknown>>("2.2.1", "CDR"),
    country_code: "NL",
    party_id: "CPO",
    id: "CDR1",
    last_updated: "2024-01-01T00:00:00Z",
    ...over,
  }),
  clientInfo: (over: Record<string, unknown> = {}) => ({
    ...sample<Record<string, unknown>>("2.2.1", "ClientInfo"),
    country_code: "NL",
    party_id: "CPO",
    last_updated: "2024-01-01T00:00:00Z",
    ...over,
  }),
};

type Pair = Awaited<ReturnType<typeof pair>>;

describe("ETag of a GET of one object", () => {
  // Each: the operation, who serves it, its path, how its object is stored, and how it is changed.
  const cases: [string, "cpo" | "emsp", string, (p: Pair, changed: boolean) => Promise<unknown>][] = [
    [
      "locationsSenderGet",
      "cpo",
      "/ocpi/2.2.1/locations/sender/LOC1",
      (p, changed) => saveObject(p.cpo.store, "locations", "LOC1", location(changed ? { name: "Changed" } : {})),
    ],
    [
      "locationsSenderGetEvse",
      "cpo",
      "/ocpi/2.2.1/locations/sender/LOC1/E1",
      (p, changed) => saveObject(p.cpo.store, "locations", "LOC1", location({ evses: [{ ...evse(), status: changed ? "CHARGING" : "AVAILABLE" }] })),
    ],
    [
      "locationsSenderGetConnector",
      "cpo",
      "/ocpi/2.2.1/locations/sender/LOC1/E1/C1",
      (p, changed) =>
        saveObject(
          p.cpo.store,
          "locations",
          "LOC1",
          location({ evses: [{ ...evse(), connectors: [{ ...evse().connectors[0]!, max_voltage: changed ? 400 : 230 }] }] }),
        ),
    ],
    [
      "locationsReceiverGet",
      "emsp",
      "/ocpi/2.2.1/locations/receiver/NL/CPO/LOC1",
      (p, changed) => putReceived(p.emsp.store, "locations", "LOC1", received.location(changed ? { name: "Changed" } : {})),
    ],
    [
      "locationsReceiverGetEvse",
      "emsp",
      "/ocpi/2.2.1/locations/receiver/NL/CPO/LOC1/E1",
      (p, changed) => putReceived(p.emsp.store, "locations", "LOC1", received.location({ evses: [{ ...evse(), status: changed ? "CHARGING" : "AVAILABLE" }] })),
    ],
    [
      "sessionsReceiverGet",
      "emsp",
      "/ocpi/2.2.1/sessions/receiver/NL/CPO/S1",
      (p, changed) => putReceived(p.emsp.store, "sessions", "S1", received.session({ kwh: changed ? 12 : 1 })),
    ],
    [
      "tariffsReceiverGet",
      "emsp",
      "/ocpi/2.2.1/tariffs/receiver/NL/CPO/T1",
      (p, changed) => putReceived(p.emsp.store, "tariffs", "T1", received.tariff({ currency: changed ? "USD" : "EUR" })),
    ],
    [
      "tokensReceiverGet",
      "cpo",
      "/ocpi/2.2.1/tokens/receiver/NL/MSP/TOK1?type=RFID",
      (p, changed) =>
        p.cpo.store.putObject({
          module: "tokens.received",
          country_code: "NL",
          party_id: "MSP",
          id: "TOK1",
          last_updated: "2024-01-01T00:00:00Z",
          data: received.token({ party_id: "MSP", valid: !changed }),
        }),
    ],
    [
      "cdrsReceiverGet",
      "emsp",
      "/ocpi/2.2.1/cdrs/receiver/CDR1",
      (p, changed) => putReceived(p.emsp.store, "cdrs", "CDR1", received.cdr({ total_energy: changed ? 99 : 1 })),
    ],
    [
      "hubclientinfoReceiverGet",
      "emsp",
      "/ocpi/2.2.1/hubclientinfo/receiver/NL/CPO",
      (p, changed) =>
        p.emsp.store.putObject({
          module: "clientinfo.received",
          country_code: "NL",
          party_id: "CPO",
          id: "NL/CPO",
          last_updated: "2024-01-01T00:00:00Z",
          data: received.clientInfo({ status: changed ? "OFFLINE" : "CONNECTED" }),
        }),
    ],
  ];

  it.each(cases)("%s: the same for two GETs, of the JSON served, another once the object changed", async (_, side, path, store) => {
    const p = await pair();
    const [target, token] = side === "cpo" ? [p.cpo, p.toCpo] : [p.emsp, p.toEmsp];
    await store(p, false);
    const first = await raw(`${target.url}${path}`, { token });
    const second = await raw(`${target.url}${path}`, { token });
    expect([first.status, first.body?.status_code]).toEqual([200, 1000]);
    const etag = first.headers.get("ETag");
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    expect(second.headers.get("ETag")).toBe(etag);
    // Of the data as served: its JSON text (a parse keeps the order of keys).
    expect(etag).toBe(etagOf(JSON.stringify(first.body?.data)));
    await store(p, true);
    const changed = await raw(`${target.url}${path}`, { token });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("ETag")).not.toBe(etag);
  });

  it("is not sent with lists, unknown objects, or when ETags are off", async () => {
    const p = await pair({ emsp: { server: { etags: false } } });
    await saveObject(p.cpo.store, "locations", "LOC1", location());
    const list = await raw(`${p.cpo.url}/ocpi/2.2.1/locations/sender`, { token: p.toCpo });
    const unknown = await raw(`${p.cpo.url}/ocpi/2.2.1/locations/sender/NOPE`, { token: p.toCpo });
    expect([list.status, list.headers.get("ETag")]).toEqual([200, null]);
    expect([unknown.status, unknown.body?.status_code, unknown.headers.get("ETag")]).toEqual([404, 2003, null]);
    await putReceived(p.emsp.store, "locations", "LOC1", received.location());
    const off = await raw(`${p.emsp.url}/ocpi/2.2.1/locations/receiver/NL/CPO/LOC1`, { token: p.toEmsp });
    expect([off.status, off.headers.get("ETag")]).toEqual([200, null]);
  });
});

describe("If-Match on writes", () => {
  const later = "2024-06-01T00:00:00Z";
  // Each: the write, its method and path, its body, how its object is stored first, and how it is read from the store.
  const cases: [string, "PUT" | "PATCH" | "DELETE", string, unknown, (s: Store) => Promise<unknown>, string, string][] = [
    [
      "locationsReceiverPut",
      "PUT",
      "/locations/receiver/NL/CPO/LOC1",
      location({ name: "New", last_updated: later }),
      (s) => putReceived(s, "locations", "LOC1", received.location()),
      "locations",
      "LOC1",
    ],
    [
      "locationsReceiverPatch",
      "PATCH",
      "/locations/receiver/NL/CPO/LOC1",
      { name: "New", last_updated: later },
      (s) => putReceived(s, "locations", "LOC1", received.location()),
      "locations",
      "LOC1",
    ],
    [
      "locationsReceiverPatchEvse",
      "PATCH",
      "/locations/receiver/NL/CPO/LOC1/E1",
      { status: "CHARGING", last_updated: later },
      (s) => putReceived(s, "locations", "LOC1", received.location()),
      "locations",
      "LOC1",
    ],
    [
      "locationsReceiverPutConnector",
      "PUT",
      "/locations/receiver/NL/CPO/LOC1/E1/C1",
      { ...evse().connectors[0]!, max_voltage: 400, last_updated: later },
      (s) => putReceived(s, "locations", "LOC1", received.location()),
      "locations",
      "LOC1",
    ],
    [
      "sessionsReceiverPatch",
      "PATCH",
      "/sessions/receiver/NL/CPO/S1",
      { kwh: 20, last_updated: later },
      (s) => putReceived(s, "sessions", "S1", received.session()),
      "sessions",
      "S1",
    ],
    [
      "tariffsReceiverPut",
      "PUT",
      "/tariffs/receiver/NL/CPO/T1",
      received.tariff({ currency: "USD", last_updated: later }),
      (s) => putReceived(s, "tariffs", "T1", received.tariff()),
      "tariffs",
      "T1",
    ],
    ["tariffsReceiverDelete", "DELETE", "/tariffs/receiver/NL/CPO/T1", undefined, (s) => putReceived(s, "tariffs", "T1", received.tariff()), "tariffs", "T1"],
  ];

  it.each(cases)("%s: a stale ETag is a 412 and changes nothing; the current one writes", async (_, method, path, body, seed, module, id) => {
    const p = await pair();
    await seed(p.emsp.store);
    const url = `${p.emsp.url}/ocpi/2.2.1${path}`;
    const key = { module: `${module}.received`, country_code: "NL", party_id: "CPO", id };
    const before = await p.emsp.store.getObject(key);
    const current = (await raw(url, { token: p.toEmsp })).headers.get("ETag")!;
    expect(current).toBeTruthy();
    const write = (ifMatch: string) => raw(url, { method, token: p.toEmsp, headers: { "If-Match": ifMatch }, ...(body !== undefined ? { json: body } : {}) });

    const stale = await write('"AAAAAAAAAAAAAAAAAAAAAA"');
    expect([stale.status, stale.body?.status_code]).toEqual([412, 2000]);
    expect(stale.body?.status_message).toContain(current);
    expect(stale.headers.get("ETag")).toBe(current);
    expect(await p.emsp.store.getObject(key)).toEqual(before);

    const done = await write(`"x", ${current}`);
    expect([done.status, done.body?.status_code, done.body?.status_message]).toEqual([200, 1000, undefined]);
    const after = await p.emsp.store.getObject(key);
    expect(after).not.toEqual(before);
    if (method === "DELETE") expect(after).toBeUndefined();
    // A PATCH answers with the ETag of what it left, which the next GET gives too.
    if (method === "PATCH") expect(done.headers.get("ETag")).toBe((await raw(url, { token: p.toEmsp })).headers.get("ETag"));
  });

  it.each([
    ["a missing object", false, "*", 412],
    ["an object that is there", true, "*", 200],
    ["a missing object, with a tag", false, '"AAAAAAAAAAAAAAAAAAAAAA"', 412],
  ])("If-Match %3$s on %1$s: %4$i", async (_, exists, ifMatch, status) => {
    const p = await pair();
    if (exists) await putReceived(p.emsp.store, "tariffs", "T1", received.tariff());
    const res = await raw(`${p.emsp.url}/ocpi/2.2.1/tariffs/receiver/NL/CPO/T1`, {
      method: "PUT",
      token: p.toEmsp,
      headers: { "If-Match": ifMatch },
      json: received.tariff({ currency: "USD", last_updated: later }),
    });
    expect([res.status, res.body?.status_code]).toEqual([status, status === 200 ? 1000 : 2000]);
    const stored = await p.emsp.store.getObject<{ currency: string }>({ module: "tariffs.received", country_code: "NL", party_id: "CPO", id: "T1" });
    expect(stored?.data.currency).toBe(exists ? "USD" : undefined);
    if (status === 412) expect(res.body?.status_message).toContain("no current object");
  });

  it("of two concurrent PATCHes with the same ETag, exactly one is applied", async () => {
    // The first PATCH to reach its handler holds it until the other request read the object too, or a moment
    // passed: without the lock both would read the same ETag and both be applied.
    let reads = 0;
    let secondRead: () => void = () => {};
    const bothRead = new Promise<void>((resolve) => (secondRead = resolve));
    const p = await pair({
      emsp: {
        handlers: (store) => {
          const base = storeHandlers(store, { roles: [EMSP_ROLE] });
          const receiver = base.locations.receiver;
          return {
            ...base,
            locations: {
              receiver: {
                ...receiver,
                get: (request) => (++reads === 3 && secondRead(), receiver.get(request)),
                patch: async (request) => {
                  await Promise.race([bothRead, new Promise((resolve) => setTimeout(resolve, 50))]);
                  return receiver.patch(request);
                },
              },
            },
          };
        },
      },
    });
    await putReceived(p.emsp.store, "locations", "LOC1", received.location());
    const url = `${p.emsp.url}/ocpi/2.2.1/locations/receiver/NL/CPO/LOC1`;
    const etag = (await raw(url, { token: p.toEmsp })).headers.get("ETag")!;
    const patch = (name: string, last_updated: string) =>
      raw(url, { method: "PATCH", token: p.toEmsp, headers: { "If-Match": etag }, json: { name, last_updated } });
    const answers = await Promise.all([patch("First", "2024-06-01T00:00:00Z"), patch("Second", "2024-06-02T00:00:00Z")]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 412]);
    const winner = answers[0]!.status === 200 ? "First" : "Second";
    const stored = await p.emsp.store.getObject<T.Location>({ module: "locations.received", country_code: "NL", party_id: "CPO", id: "LOC1" });
    expect(stored?.data.name).toBe(winner);
  });

  it("conditional writes of an EVSE and of its Location share one lock", async () => {
    const p = await pair();
    await putReceived(p.emsp.store, "locations", "LOC1", received.location());
    const url = `${p.emsp.url}/ocpi/2.2.1/locations/receiver/NL/CPO/LOC1`;
    const [whole, part] = await Promise.all([raw(url, { token: p.toEmsp }), raw(`${url}/E1`, { token: p.toEmsp })]);
    const answers = await Promise.all([
      raw(url, {
        method: "PATCH",
        token: p.toEmsp,
        headers: { "If-Match": whole.headers.get("ETag")! },
        json: { name: "New", last_updated: "2024-06-01T00:00:00Z" },
      }),
      raw(`${url}/E1`, {
        method: "PATCH",
        token: p.toEmsp,
        headers: { "If-Match": part.headers.get("ETag")! },
        json: { status: "CHARGING", last_updated: "2024-06-01T00:00:00Z" },
      }),
    ]);
    // The EVSE's ETag is of the EVSE: a change of the Location's name leaves it, so both apply, one after the other.
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    const stored = await p.emsp.store.getObject<T.Location>({ module: "locations.received", country_code: "NL", party_id: "CPO", id: "LOC1" });
    expect([stored?.data.name, stored?.data.evses?.[0]?.status]).toEqual(["New", "CHARGING"]);
  });

  it.each([["abc"], ['"a" "b"'], ["W/abc"]])("refuses a malformed If-Match %j with 400 / 2001 before anything is written", async (ifMatch) => {
    const p = await pair();
    await putReceived(p.emsp.store, "tariffs", "T1", received.tariff());
    const res = await raw(`${p.emsp.url}/ocpi/2.2.1/tariffs/receiver/NL/CPO/T1`, { method: "DELETE", token: p.toEmsp, headers: { "If-Match": ifMatch } });
    expect([res.status, res.body?.status_code]).toEqual([400, 2001]);
    expect(res.body?.status_message).toContain("If-Match");
    expect(await p.emsp.store.getObject({ module: "tariffs.received", country_code: "NL", party_id: "CPO", id: "T1" })).toBeDefined();
  });

  it("is ignored where no GET reads the object (charging preferences), and when ETags are off", async () => {
    const p = await pair({ emsp: { server: { etags: false } } });
    await p.cpo.store.putObject({
      module: "sessions",
      country_code: "NL",
      party_id: "MSP",
      id: "S1",
      last_updated: "2024-01-01T00:00:00Z",
      data: sample("2.2.1", "Session"),
    });
    const preferences = await raw(`${p.cpo.url}/ocpi/2.2.1/sessions/sender/S1/charging_preferences`, {
      method: "PUT",
      token: p.toCpo,
      headers: { "If-Match": '"AAAAAAAAAAAAAAAAAAAAAA"' },
      json: sample("2.2.1", "ChargingPreferences"),
    });
    expect([preferences.status, preferences.body?.data]).toEqual([200, "ACCEPTED"]);
    await putReceived(p.emsp.store, "tariffs", "T1", received.tariff());
    const off = await raw(`${p.emsp.url}/ocpi/2.2.1/tariffs/receiver/NL/CPO/T1`, {
      method: "DELETE",
      token: p.toEmsp,
      headers: { "If-Match": '"AAAAAAAAAAAAAAAAAAAAAA"' },
    });
    expect([off.status, off.body?.status_code]).toEqual([200, 1000]);
  });

  it("works in each version on that version's JSON (2.1.1 through the converters)", async () => {
    const p = await pair({ emsp: { server: { versions: ["2.1.1", "2.2.1"] } } });
    await putReceived(p.emsp.store, "locations", "LOC1", received.location());
    const at = (v: string) => `${p.emsp.url}/ocpi/${v}/locations/receiver/NL/CPO/LOC1`;
    const old = await raw(at("2.1.1"), { token: p.toEmsp });
    const current = await raw(at("2.2.1"), { token: p.toEmsp });
    expect(old.status).toBe(200);
    expect(old.headers.get("ETag")).toBe(etagOf(JSON.stringify(old.body?.data)));
    expect(old.headers.get("ETag")).not.toBe(current.headers.get("ETag"));
    // The 2.2.1 ETag is not the 2.1.1 object's.
    const wrong = await raw(at("2.1.1"), {
      method: "PATCH",
      token: p.toEmsp,
      headers: { "If-Match": current.headers.get("ETag")! },
      json: { name: "New", last_updated: "2024-06-01T00:00:00Z" },
    });
    expect([wrong.status, wrong.body?.status_code]).toEqual([412, 2000]);
    const right = await raw(at("2.1.1"), {
      method: "PATCH",
      token: p.toEmsp,
      headers: { "If-Match": old.headers.get("ETag")! },
      json: { name: "New", last_updated: "2024-06-01T00:00:00Z" },
    });
    expect([right.status, right.body?.status_code]).toEqual([200, 1000]);
    const stored = await p.emsp.store.getObject<T.Location>({ module: "locations.received", country_code: "NL", party_id: "CPO", id: "LOC1" });
    expect(stored?.data.name).toBe("New");
  });
});

describe("the client's side", () => {
  it("reads the ETag, sends it back with ifMatch, and gets a 412 as an OcpiError that is not retried", async () => {
    const methods: string[] = [];
    const p = await pair({ cpo: { server: { fetch: (request: Request) => (methods.push(request.method), fetch(request)) } } });
    await p.cpoClient.locations.receiver.put({ country_code: "NL", party_id: "CPO", location_id: "LOC1", body: location() });
    const keys = { country_code: "NL", party_id: "CPO", location_id: "LOC1" };
    const read = await p.cpoClient.locations.receiver.get(keys);
    expect(read.etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);

    const patched = await p.cpoClient.locations.receiver.patch(
      { ...keys, body: { name: "New", last_updated: "2024-06-01T00:00:00Z" } },
      { ifMatch: read.etag! },
    );
    expect(patched.statusCode).toBe(1000);
    expect(patched.etag).toBe((await p.cpoClient.locations.receiver.get(keys)).etag);
    expect(patched.etag).not.toBe(read.etag);

    methods.length = 0;
    const refused = await errorOf(
      p.cpoClient.locations.receiver.patch({ ...keys, body: { name: "Newer", last_updated: "2024-06-02T00:00:00Z" } }, { ifMatch: read.etag! }),
    );
    expect(refused).toMatchObject({ kind: "http", httpStatus: 412, statusCode: 2000 });
    expect(refused.statusMessage).toContain(patched.etag!);
    expect(methods).toEqual(["PATCH"]);
    // Nor would the outbox retry it: a 4xx is final.
    expect(isRetryable(refused)).toBe(false);
    expect((await p.cpoClient.locations.receiver.get(keys)).data.name).toBe("New");
  });
});
