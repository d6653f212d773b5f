// Several versions at once, over real HTTP on 127.0.0.1: a CPO whose handlers are written against 2.2.1 serves
// 2.1.1, 2.2.1 and 2.3.0; eMSPs that talk only 2.1.1 or only 2.3.0 register with it and use it.
import { afterEach, describe, expect, it } from "vitest";
import { OcpiClient, type ClientVersion } from "@ocpi-sdk/client";
import { base64Encode } from "@ocpi-sdk/protocol";
import type * as V211 from "@ocpi-sdk/types/2.1.1";
import type * as T from "@ocpi-sdk/types/2.2.1";
import { validators as v211 } from "@ocpi-sdk/validators/2.1.1";
import { validators as v221 } from "@ocpi-sdk/validators/2.2.1";
import { validators as v230 } from "@ocpi-sdk/validators/2.3.0";
import { sample } from "../../client/src/testing/fixtures.js";
import { errorOf } from "../../client/src/testing/errors.js";
import type * as V230 from "@ocpi-sdk/types/2.3.0";
import { received, saveObject, storeHandlers } from "./handlers/store-handlers.js";
import { listen } from "./node.js";
import { OcpiHttpError } from "./runtime/errors.js";
import { createOcpiServer } from "./runtime/server.js";
import { MemoryStore } from "./store/memory.js";
import type { HandlersOf } from "./runtime/versions.js";
import type { ServedVersion } from "./runtime/versions.js";
import { CPO_ROLE, EMSP_ROLE, startNode } from "./testing/nodes.js";

const ALL: ServedVersion[] = ["2.1.1", "2.2.1", "2.3.0"];
/** Every party of these tests runs on 127.0.0.1: loopback is opened explicitly (refused by default). */
const LOOPBACK = { allowLoopback: true };
const nodes: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

interface Wire {
  url: string;
  method: string;
  authorization: string | null;
  body?: unknown;
}

/** A node that records the requests it sends. */
async function node(role: T.CredentialsRole, versions: ServedVersion[]) {
  const sent: Wire[] = [];
  const n = await startNode(role, {
    server: {
      versions,
      fetch: async (request) => {
        const body = request.method === "GET" ? undefined : await request.clone().text();
        sent.push({
          url: request.url,
          method: request.method,
          authorization: request.headers.get("Authorization"),
          ...(body ? { body: JSON.parse(body) as unknown } : {}),
        });
        return fetch(request);
      },
    },
  });
  nodes.push(n);
  return Object.assign(n, { sent });
}

/** A CPO's Location with one EVSE. */
const location = (id: string, over: Partial<T.Location> = {}): T.Location => ({
  ...sample<T.Location>("2.2.1", "Location"),
  evses: [{ ...sample<T.EVSE>("2.2.1", "EVSE"), uid: `${id}-E1` }],
  country_code: CPO_ROLE.country_code,
  party_id: CPO_ROLE.party_id,
  id,
  ...over,
});

/** A CPO serving all three versions, and an eMSP talking only `version`, registered with it by the eMSP. */
async function pair<V extends ServedVersion>(version: V) {
  const cpo = await node(CPO_ROLE, ALL);
  const emsp = await node(EMSP_ROLE, [version]);
  const { token } = await cpo.server.credentials.createRegistrationToken();
  const cpoParty = await emsp.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token });
  const emspParty = (await cpo.store.listParties()).find((p) => p.status === "registered")!;
  return {
    cpo,
    emsp,
    cpoParty,
    emspParty,
    emspClient: emsp.server.credentials.clientFor(cpoParty, version),
    cpoClient: cpo.server.credentials.clientFor(emspParty, version),
  };
}

async function get(url: string, token: string) {
  const response = await fetch(url, { headers: { Authorization: `Token ${base64Encode(token)}` } });
  return { status: response.status, body: (await response.json()) as { status_code: number; status_message?: string; data?: unknown } };
}

describe("versions and version details", () => {
  it("lists every served version, and each version's own endpoints", async () => {
    const cpo = await node(CPO_ROLE, ALL);
    const { token } = await cpo.server.credentials.createRegistrationToken();
    const base = `${cpo.url}/ocpi`;
    expect((await get(`${base}/versions`, token)).body.data).toEqual(ALL.map((v) => ({ version: v, url: `${base}/${v}` })));

    const details = async (v: string) =>
      (await get(`${base}/${v}`, token)).body.data as { version: string; endpoints: { identifier: string; role?: string; url: string }[] };
    const d211 = await details("2.1.1");
    expect(d211.version).toBe("2.1.1");
    // 2.1.1: one URL per module, no roles; a CPO offers its sender side of locations and its receiver side of tokens.
    expect(d211.endpoints).toEqual(
      expect.arrayContaining([
        { identifier: "credentials", url: `${base}/2.1.1/credentials` },
        { identifier: "locations", url: `${base}/2.1.1/locations/sender` },
        { identifier: "tokens", url: `${base}/2.1.1/tokens/receiver` },
        { identifier: "commands", url: `${base}/2.1.1/commands/receiver` },
      ]),
    );
    expect(new Set(d211.endpoints.map((e) => e.identifier)).size).toBe(d211.endpoints.length);
    expect(d211.endpoints.map((e) => e.identifier)).not.toContain("chargingprofiles");
    expect(v211.VersionDetails.validate(d211, { strict: true }).ok).toBe(true);

    const d230 = await details("2.3.0");
    expect(d230.endpoints).toContainEqual({ identifier: "chargingprofiles", role: "RECEIVER", url: `${base}/2.3.0/chargingprofiles/receiver` });
    expect(d230.endpoints).toContainEqual({ identifier: "locations", role: "SENDER", url: `${base}/2.3.0/locations/sender` });
    expect(v230.VersionDetails.validate(d230, { strict: true }).ok).toBe(true);
  });

  it.each([
    [undefined, "2.3.0"],
    [["2.2.1", "2.1.1"], "2.2.1"],
    [["2.1.1"], "2.1.1"],
  ] as const)("a client allowed %j picks %s", async (versions, expected) => {
    const cpo = await node(CPO_ROLE, ALL);
    const { token } = await cpo.server.credentials.createRegistrationToken();
    const client = await OcpiClient.connect({
      versionsUrl: cpo.server.versionsUrl,
      token,
      urlPolicy: LOOPBACK,
      ...(versions ? { versions: [...versions] as ClientVersion[] } : {}),
    });
    expect(client.version).toBe(expected);
    expect(client.endpoints.length).toBeGreaterThan(0);
  });

  it("serves a version only what converts to it: a 2.3.0-only module is not in 2.2.1", async () => {
    const cpo = await node(CPO_ROLE, ALL);
    const served = cpo.server.servedRoutes().map((r) => r.layoutPath);
    expect(served).toContain("/2.1.1/tariffs/receiver/{country_code}/{party_id}/{tariff_id}");
    expect(served.filter((p) => p === "/versions")).toHaveLength(1);
    expect(served.some((p) => p.startsWith("/2.2.1/payments") || p.startsWith("/2.3.0/payments"))).toBe(false);
  });
});

describe("our credentials in each version", () => {
  it.each([
    ["2.1.1", v211.Credentials, { business_details: { name: "Test CPO" }, party_id: "CPO", country_code: "NL" }],
    ["2.2.1", v221.Credentials, { roles: [CPO_ROLE] }],
    ["2.3.0", v230.Credentials, { roles: [CPO_ROLE] }],
  ] as const)("%s: a valid Credentials object of that version", async (version, validator, expected) => {
    const cpo = await node(CPO_ROLE, ALL);
    const credentials = cpo.server.credentials.ours("tok-1", version);
    expect(validator.validate(credentials, { strict: true }).ok).toBe(true);
    expect(credentials).toEqual({ token: "tok-1", url: cpo.server.versionsUrl, ...expected });
  });

  it.each(["2.1.1", "2.3.0"] as const)("%s: rotates both tokens with PUT and unregisters with DELETE", async (version) => {
    const { cpo, emsp, cpoParty } = await pair(version);
    const rotated = await emsp.server.credentials.rotate(cpoParty);
    expect(rotated).toMatchObject({ status: "registered", version });
    expect(rotated.outgoingToken).not.toBe(cpoParty.outgoingToken);
    const party = (await cpo.store.listParties()).find((p) => p.status === "registered")!;
    expect(party).toMatchObject({ version, incomingToken: rotated.outgoingToken, outgoingToken: rotated.incomingToken });
    const { data } = await emsp.server.credentials.clientFor(rotated).callOperation("credentialsSenderGet", {}, { validation: "strict" });
    expect((data as { token: string }).token).toBe(rotated.outgoingToken);
    await emsp.server.credentials.unregisterFrom(rotated);
    expect((await cpo.store.listParties()).filter((p) => p.status === "registered")).toEqual([]);
    expect(emsp.sent.filter((w) => w.method === "DELETE").map((w) => new URL(w.url).pathname)).toEqual([`/ocpi/${version}/credentials`]);
  });
});

describe("a 2.1.1 eMSP", () => {
  it("registers with 2.1.1 credentials and raw tokens, both ways", async () => {
    const { cpo, emsp, cpoParty, emspParty, emspClient } = await pair("2.1.1");
    expect(cpoParty).toMatchObject({
      status: "registered",
      version: "2.1.1",
      roles: [expect.objectContaining({ role: "CPO", country_code: "NL", party_id: "CPO" })],
    });
    // The 2.1.1 eMSP names no role: the CPO takes it for the role opposite to its own.
    expect(emspParty).toMatchObject({
      status: "registered",
      version: "2.1.1",
      roles: [{ role: "EMSP", country_code: "NL", party_id: "MSP", business_details: { name: "Test eMSP" } }],
    });
    expect(emspClient.version).toBe("2.1.1");

    // Every request in 2.1.1 carries the raw token, whichever side sends it.
    const onWire = [...emsp.sent, ...cpo.sent].filter((w) => w.url.includes("/2.1.1"));
    expect(onWire.length).toBeGreaterThan(2);
    for (const w of onWire) expect(w.authorization).toMatch(/^Token [0-9a-f-]+$/);

    // The credentials GET answers a 2.1.1 Credentials object.
    const { data } = await emspClient.callOperation("credentialsSenderGet");
    expect(data).toEqual({
      token: cpoParty.outgoingToken,
      url: cpo.server.versionsUrl,
      business_details: { name: "Test CPO" },
      party_id: "CPO",
      country_code: "NL",
    });
    expect(v211.Credentials.validate(data, { strict: true }).ok).toBe(true);
  });

  it("reads 2.2.1 Locations and Sessions as valid 2.1.1 objects, the Session with its Location", async () => {
    const { cpo, emspClient } = await pair("2.1.1");
    await saveObject(cpo.store, "locations", "LOC1", location("LOC1"));
    await saveObject(cpo.store, "locations", "LOC2", location("LOC2", { last_updated: "2024-02-01T00:00:00Z" }));
    const session = { ...sample<T.Session>("2.2.1", "Session"), country_code: "NL", party_id: "CPO", id: "S1", location_id: "LOC1" };
    session.evse_uid = location("LOC1").evses![0]!.uid;
    session.connector_id = location("LOC1").evses![0]!.connectors[0]!.id;
    // Sessions a CPO sends are kept under the eMSP they are for.
    await cpo.store.putObject({ module: "sessions", country_code: "NL", party_id: "MSP", id: "S1", last_updated: session.last_updated, data: session });

    const client = emspClient;
    const locations = await client.locations.sender.all({}, { validation: "strict" }).toArray();
    expect(locations.map((l) => l.id).sort()).toEqual(["LOC1", "LOC2"]);
    for (const l of locations) expect(l).not.toHaveProperty("country_code");

    const sessions = await client.sessions.sender.all({ date_from: "2000-01-01T00:00:00Z" }, { validation: "strict" }).toArray();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.location.id).toBe("LOC1");
    expect(sessions[0]!.location.evses).toHaveLength(1);
    expect(sessions[0]!.auth_id).toBe(session.cdr_token.contract_id);
    expect(cpo.events).toContainEqual(
      expect.objectContaining({ type: "converted", operationId: "locationsSenderList", from: "2.2.1", to: "2.1.1", object: "Location" }),
    );
  });

  it("converts a stored page once, and again once the store changes", async () => {
    const { cpo, emspClient } = await pair("2.1.1");
    await saveObject(cpo.store, "locations", "LOC1", location("LOC1", { name: "Zuid" }));
    const conversions = () => cpo.events.filter((e) => e.type === "converted" && e.operationId === "locationsSenderList").length;
    const first = await emspClient.locations.sender.list({}, { validation: "strict" });
    const converted = conversions();
    expect(converted).toBeGreaterThan(0);
    const second = await emspClient.locations.sender.list({}, { validation: "strict" });
    expect(second.data).toEqual(first.data);
    expect(conversions()).toBe(converted);

    await saveObject(cpo.store, "locations", "LOC1", location("LOC1", { name: "Noord", last_updated: "2030-01-01T00:00:00Z" }));
    const third = await emspClient.locations.sender.list({}, { validation: "strict" });
    expect(third.data.map((l) => l.name)).toEqual(["Noord"]);
    expect(conversions()).toBeGreaterThan(converted);
  });

  it("gives the same party a stored page in each version it reads it in, not the conversion of another", async () => {
    const { cpo, emspParty } = await pair("2.1.1");
    await saveObject(cpo.store, "locations", "LOC1", location("LOC1"));
    const shapes: Record<string, unknown> = {};
    for (const version of ["2.1.1", "2.3.0", "2.1.1"] as const) {
      const details = await get(`${cpo.url}/ocpi/${version}`, emspParty.incomingToken);
      const endpoint = (details.body.data as { endpoints: { identifier: string; role?: string; url: string }[] }).endpoints.find(
        (e) => e.identifier === "locations" && (e.role ?? "SENDER") === "SENDER",
      )!;
      const list = await get(endpoint.url, emspParty.incomingToken);
      const [first] = list.body.data as Record<string, unknown>[];
      // A 2.1.1 Location has a `type`; a 2.3.0 one has none, and a `publish`.
      shapes[version] = { type: "type" in first!, publish: "publish" in first! };
    }
    expect(shapes).toEqual({ "2.1.1": { type: true, publish: false }, "2.3.0": { type: false, publish: true } });
  });

  it("gets 404 for an EVSE 2.1.1 cannot describe, and 3000 naming what is missing for a Session without its Location", async () => {
    const { cpo, emspClient } = await pair("2.1.1");
    const gbt = location("LOC1");
    gbt.evses![0]!.connectors = gbt.evses![0]!.connectors.map((c) => ({ ...c, standard: "GBT_DC" }));
    await saveObject(cpo.store, "locations", "LOC1", gbt);
    const client = emspClient;
    const evse = await errorOf(client.locations.sender.getEvse({ location_id: "LOC1", evse_uid: "LOC1-E1" }));
    expect(evse).toMatchObject({ httpStatus: 404, statusMessage: "this object cannot be given in OCPI 2.1.1" });
    // The Location itself is still given, without the EVSE 2.1.1 has no connector standard for.
    const { data } = await client.locations.sender.get({ location_id: "LOC1" }, { validation: "strict" });
    expect(data.evses ?? []).toEqual([]);

    const session = { ...sample<T.Session>("2.2.1", "Session"), country_code: "NL", party_id: "CPO", id: "S9", location_id: "GONE" };
    await cpo.store.putObject({ module: "sessions", country_code: "NL", party_id: "MSP", id: "S9", last_updated: session.last_updated, data: session });
    const error = await errorOf(client.sessions.sender.list({ date_from: "2000-01-01T00:00:00Z" }));
    expect(error).toMatchObject({ httpStatus: 500, statusCode: 3000 });
    expect(error.statusMessage).toBe(
      "sessionsSenderList: a Session cannot be given in OCPI 2.1.1: converting a Session from 2.2.1 to 2.1.1 needs context.location",
    );
    expect(cpo.events).toContainEqual(expect.objectContaining({ type: "error", operationId: "sessionsSenderList" }));
  });

  it("pushes Tokens in 2.1.1 that the CPO keeps as 2.2.1 Tokens, owned by the path's party", async () => {
    const { cpo, emspClient } = await pair("2.1.1");
    const client = emspClient;
    const token = { ...sample<V211.Token>("2.1.1", "Token"), uid: "TOKEN1" };
    await client.tokens.receiver.put({ country_code: "NL", party_id: "MSP", token_uid: "TOKEN1", body: token });
    const stored = await cpo.store.getObject<T.Token>({ module: received("tokens"), country_code: "NL", party_id: "MSP", id: "TOKEN1" });
    expect(stored?.data).toMatchObject({ country_code: "NL", party_id: "MSP", uid: "TOKEN1", contract_id: token.auth_id });

    // Read back in 2.1.1: the 2.1.1 object the eMSP sent.
    const { data } = await client.tokens.receiver.get({ country_code: "NL", party_id: "MSP", token_uid: "TOKEN1" }, { validation: "strict" });
    expect(data).toMatchObject({ uid: "TOKEN1", auth_id: token.auth_id, type: token.type, valid: token.valid, whitelist: token.whitelist });
  });

  it("gets a clear 2001 for an invalid 2.1.1 body, and nothing is stored", async () => {
    const { cpo, emspClient } = await pair("2.1.1");
    const client = emspClient;
    const token = { ...sample<V211.Token>("2.1.1", "Token"), uid: "TOKEN1", whitelist: "SOMETIMES" };
    const error = await errorOf(
      client.tokens.receiver.put({ country_code: "NL", party_id: "MSP", token_uid: "TOKEN1", body: token as never }, { validation: "off" }),
    );
    expect(error).toMatchObject({ httpStatus: 400, statusCode: 2001 });
    expect(error.message).toContain("/whitelist: must be one of");
    expect(await cpo.store.getObject({ module: received("tokens"), country_code: "NL", party_id: "MSP", id: "TOKEN1" })).toBeUndefined();
  });

  it("sends a command in 2.1.1; the CPO's 2.2.1 result comes back as a 2.1.1 CommandResponse, kept as a 2.2.1 CommandResult", async () => {
    const { cpo, emsp, emspClient, cpoParty } = await pair("2.1.1");
    const client = emspClient;
    const responseUrl = await emsp.server.responseUrl("commandsSenderPostResult", { party: cpoParty, responseId: "cmd-211", version: "2.1.1" });
    expect(responseUrl).toBe(`${emsp.url}/ocpi/2.1.1/commands/sender/postResult/cmd-211`);
    const token = { ...sample<V211.Token>("2.1.1", "Token"), uid: "TOKEN1" };
    const { data } = await client.commands.receiver.startSession({ body: { response_url: responseUrl, token, location_id: "LOC1" } }, { validation: "strict" });
    expect(data).toEqual({ result: "ACCEPTED" });
    await cpo.server.idle();
    expect(emsp.commandResults).toEqual([{ result: { result: "ACCEPTED" }, responseId: "cmd-211" }]);
    expect(cpo.sent.filter((w) => w.url === responseUrl)).toHaveLength(1);
  });
});

describe("the CPO pushing to a 2.1.1 eMSP whose handlers are 2.2.1", () => {
  it("PATCHes an EVSE in 2.1.1 without losing what 2.1.1 cannot hold", async () => {
    const { emsp, cpoClient } = await pair("2.1.1");
    // What the eMSP holds already has 2.2.1-only fields (publish false, a parking restriction on the EVSE).
    const held = location("LOC1", { publish: false });
    held.evses![0]!.parking_restrictions = ["EV_ONLY"];
    held.evses![0]!.status = "AVAILABLE";
    await emsp.store.putObject({ module: received("locations"), country_code: "NL", party_id: "CPO", id: "LOC1", last_updated: held.last_updated, data: held });

    const client = cpoClient;
    const uid = held.evses![0]!.uid;
    await client.locations.receiver.patchEvse({
      country_code: "NL",
      party_id: "CPO",
      location_id: "LOC1",
      evse_uid: uid,
      body: { status: "CHARGING", last_updated: "2024-06-01T10:00:00Z" },
    });

    const stored = (await emsp.store.getObject<T.Location>({ module: received("locations"), country_code: "NL", party_id: "CPO", id: "LOC1" }))!.data;
    expect(stored.evses![0]).toMatchObject({ status: "CHARGING", parking_restrictions: ["EV_ONLY"], last_updated: "2024-06-01T10:00:00Z" });
    expect(stored.publish).toBe(false);
    expect(stored.evses![0]!.connectors).toEqual(held.evses![0]!.connectors);
  });

  it("PATCHes a 2.1.1 Location field whose 2.2.1 name differs, and a 2.1.1 Tariff that 2.2.1 can only PUT", async () => {
    const { emsp, cpoClient } = await pair("2.1.1");
    const client = cpoClient;
    const held = location("LOC1", { parking_type: "ON_STREET", publish: false });
    await emsp.store.putObject({ module: received("locations"), country_code: "NL", party_id: "CPO", id: "LOC1", last_updated: held.last_updated, data: held });
    await client.locations.receiver.patch({ country_code: "NL", party_id: "CPO", location_id: "LOC1", body: { type: "PARKING_GARAGE" } });
    const loc = (await emsp.store.getObject<T.Location>({ module: received("locations"), country_code: "NL", party_id: "CPO", id: "LOC1" }))!.data;
    expect(loc).toMatchObject({ parking_type: "PARKING_GARAGE", publish: false, address: held.address, time_zone: held.time_zone });
    expect(loc.last_updated).not.toBe(held.last_updated);

    const tariff = { ...sample<V211.Tariff>("2.1.1", "Tariff"), id: "T1" };
    await client.tariffs.receiver.put({ country_code: "NL", party_id: "CPO", tariff_id: "T1", body: tariff });
    await client.tariffs.receiver.patch({
      country_code: "NL",
      party_id: "CPO",
      tariff_id: "T1",
      body: { currency: "USD", last_updated: "2024-07-01T00:00:00Z" },
    });
    const stored = (await emsp.store.getObject<T.Tariff>({ module: received("tariffs"), country_code: "NL", party_id: "CPO", id: "T1" }))!.data;
    expect(stored).toMatchObject({ id: "T1", currency: "USD", country_code: "NL", party_id: "CPO", last_updated: "2024-07-01T00:00:00Z" });
    expect(stored.elements).toHaveLength(tariff.elements.length);
  });

  it("answers a PATCH of an unknown object with 404, and a PATCH that breaks the object with 2001, storing nothing", async () => {
    const { emsp, cpoClient } = await pair("2.1.1");
    const client = cpoClient;
    const missing = await errorOf(client.locations.receiver.patch({ country_code: "NL", party_id: "CPO", location_id: "NOPE", body: { name: "x" } }));
    expect(missing).toMatchObject({ httpStatus: 404, statusCode: 2003 });

    const held = location("LOC1");
    await emsp.store.putObject({ module: received("locations"), country_code: "NL", party_id: "CPO", id: "LOC1", last_updated: held.last_updated, data: held });
    const bad = await errorOf(
      client.locations.receiver.patch(
        { country_code: "NL", party_id: "CPO", location_id: "LOC1", body: { postal_code: "x".repeat(20) } },
        { validation: "off" },
      ),
    );
    expect(bad).toMatchObject({ httpStatus: 400, statusCode: 2001 });
    expect(bad.message).toContain("/postal_code: must be at most 10 characters long");
    expect((await emsp.store.getObject({ module: received("locations"), country_code: "NL", party_id: "CPO", id: "LOC1" }))!.data).toEqual(held);
  });
});

describe("a 2.3.0 eMSP", () => {
  it("registers in 2.3.0, reads valid 2.3.0 Locations, pushes Tokens and sends commands", async () => {
    const { cpo, emsp, cpoParty, emspParty, emspClient } = await pair("2.3.0");
    expect(cpoParty.version).toBe("2.3.0");
    expect(emspParty).toMatchObject({ version: "2.3.0", roles: [expect.objectContaining({ role: "EMSP", party_id: "MSP" })] });
    expect(emsp.sent.filter((w) => w.url.includes("/2.3.0/")).every((w) => w.authorization !== `Token ${cpoParty.outgoingToken}`)).toBe(true);

    await saveObject(cpo.store, "locations", "LOC1", location("LOC1"));
    const client = emspClient;
    const [loc] = await client.locations.sender.all({}, { validation: "strict" }).toArray();
    expect(loc).toMatchObject({ id: "LOC1", country_code: "NL", party_id: "CPO" });

    const token = { ...sample<T.Token>("2.3.0", "Token"), country_code: "NL", party_id: "MSP", uid: "T230" };
    await client.tokens.receiver.put({ country_code: "NL", party_id: "MSP", token_uid: "T230", body: token as never });
    expect(await cpo.store.getObject({ module: received("tokens"), country_code: "NL", party_id: "MSP", id: "T230" })).toBeDefined();

    const responseUrl = await emsp.server.responseUrl("commandsSenderPostResult", { party: cpoParty, responseId: "cmd-230", version: "2.3.0" });
    const { data } = await client.commands.receiver.stopSession({ body: { response_url: responseUrl, session_id: "S1" } });
    expect(data.result).toBe("ACCEPTED");
    await cpo.server.idle();
    expect(emsp.commandResults).toEqual([{ result: { result: "ACCEPTED" }, responseId: "cmd-230" }]);

    // Charging profiles are the same objects in 2.2.1 and 2.3.0: passed through.
    const profile = await client.chargingprofiles.receiver.clearProfile({
      session_id: "S1",
      response_url: await emsp.server.responseUrl("chargingprofilesSenderPostClearProfileResult", { party: cpoParty, responseId: "p", version: "2.3.0" }),
    });
    expect(profile.data.result).toBe("ACCEPTED");
  });
});

describe("a 2.1.1 CPO pushing to an eMSP whose handlers are 2.2.1", () => {
  it("PUTs a Session and POSTs a CDR in 2.1.1; the eMSP keeps them as 2.2.1 objects with their token and owner", async () => {
    const cpo = await node(CPO_ROLE, ["2.1.1"]);
    const emsp = await node(EMSP_ROLE, ALL);
    const { token } = await emsp.server.credentials.createRegistrationToken();
    const emspParty = await cpo.server.credentials.registerWith({ versionsUrl: emsp.server.versionsUrl, token });
    expect(emspParty.version).toBe("2.1.1");
    const client = cpo.server.credentials.clientFor(emspParty, "2.1.1");

    const session = { ...sample<V211.Session>("2.1.1", "Session"), id: "S211" };
    await client.sessions.receiver.put({ country_code: "NL", party_id: "CPO", session_id: "S211", body: session });
    const stored = (await emsp.store.getObject<T.Session>({ module: received("sessions"), country_code: "NL", party_id: "CPO", id: "S211" }))!.data;
    expect(stored).toMatchObject({
      id: "S211",
      country_code: "NL",
      party_id: "CPO",
      cdr_token: { uid: session.auth_id, contract_id: session.auth_id, type: "RFID", country_code: "NL", party_id: "MSP" },
    });
    expect(emsp.events).toContainEqual(
      expect.objectContaining({ type: "converted", operationId: "sessionsReceiverPut", from: "2.1.1", to: "2.2.1", object: "Session" }),
    );

    // A PATCH of a 2.1.1 Session goes through the SessionPatch converter, last_updated filled in.
    await client.sessions.receiver.patch({ country_code: "NL", party_id: "CPO", session_id: "S211", body: { status: "COMPLETED" } });
    const patched = (await emsp.store.getObject<T.Session>({ module: received("sessions"), country_code: "NL", party_id: "CPO", id: "S211" }))!.data;
    expect(patched.status).toBe("COMPLETED");
    expect(patched.kwh).toBe(stored.kwh);

    // Real-time authorization in 2.1.1 from the eMSP's 2.2.1 tokens: LocationReferences in, AuthorizationInfo out.
    await saveObject(emsp.store, "tokens", "RFID1", {
      ...sample<T.Token>("2.2.1", "Token"),
      country_code: "NL",
      party_id: "MSP",
      uid: "RFID1",
      type: "RFID",
      valid: true,
    });
    const refs = sample<V211.LocationReferences>("2.1.1", "LocationReferences");
    const auth = await client.tokens.sender.authorize({ token_uid: "RFID1", body: refs }, { validation: "strict" });
    expect(auth.data).toMatchObject({ allowed: "ALLOWED", location: { location_id: refs.location_id } });
    expect(auth.data).not.toHaveProperty("token");

    const cdr = { ...sample<V211.CDR>("2.1.1", "CDR"), id: "CDR211" };
    const posted = await client.cdrs.receiver.post({ body: cdr });
    expect(posted.headers.get("Location")).toBe(`${emsp.url}/ocpi/2.1.1/cdrs/receiver/CDR211`);
    const kept = (await emsp.store.getObject<T.CDR>({ module: received("cdrs"), country_code: "NL", party_id: "CPO", id: "CDR211" }))!.data;
    expect(kept).toMatchObject({ id: "CDR211", country_code: "NL", party_id: "CPO", cdr_token: { contract_id: cdr.auth_id } });
  });
});

describe("handlers of another version, and native handlers of one version", () => {
  /** A 2.3.0 PTP-and-CPO's locations and terminals, kept in arrays. */
  function handlers230(): HandlersOf<"2.3.0"> {
    const location = { ...sample<V230.Location>("2.3.0", "Location"), country_code: "NL", party_id: "CPO", id: "LOC230" };
    const terminals = [{ ...sample<V230.Terminal>("2.3.0", "Terminal"), terminal_id: "TERM1" }];
    const one = <T>(found: T | undefined) => {
      if (found === undefined) throw OcpiHttpError.notFound("unknown");
      return found;
    };
    return {
      locations: {
        sender: {
          list: async ({ page }) => ({ items: [location].slice(page.offset, page.offset + page.limit), total: 1 }),
          get: async ({ params }) => one(params.location_id === location.id ? location : undefined),
          getEvse: async ({ params }) => one(location.evses?.find((e) => e.uid === params.evse_uid)),
          getConnector: async ({ params }) => one(location.evses?.find((e) => e.uid === params.evse_uid)?.connectors.find((c) => c.id === params.connector_id)),
        },
      },
      payments: {
        sender: {
          listTerminals: async ({ page }) => ({ items: terminals.slice(page.offset, page.offset + page.limit), total: terminals.length }),
          getTerminal: async ({ params }) => one(terminals.find((t) => t.terminal_id === params.terminal_id)),
          activateTerminal: async ({ body }) => void terminals.push(body),
          deactivateTerminal: async () => {},
          putTerminal: async ({ body }) => void terminals.push(body),
          patchTerminal: async () => {},
          listFinancialAdviceConfirmations: async () => ({ items: [], total: 0 }),
          getFinancialAdviceConfirmation: async () => one(undefined),
        },
      },
    };
  }

  async function serve<H extends ServedVersion>(options: {
    handlersVersion?: H;
    handlers: HandlersOf<H>;
    versionHandlers?: Parameters<typeof createOcpiServer>[0]["versionHandlers"];
  }) {
    const store = await MemoryStore.open();
    const now = new Date().toISOString();
    await store.putParty({
      id: "emsp",
      incomingToken: "token-c",
      incomingTokenKind: "C",
      endpoints: [],
      roles: [{ ...EMSP_ROLE }],
      status: "registered",
      createdAt: now,
      updatedAt: now,
    });
    const node = await listen((publicUrl) => createOcpiServer<H>({ publicUrl, roles: [CPO_ROLE], store, versions: ALL, logger: false, ...options }));
    nodes.push(node);
    return node;
  }

  it("serves 2.3.0 handlers as 2.1.1 and 2.2.1 too, and 2.3.0-only modules in 2.3.0 only", async () => {
    const { server } = await serve({ handlersVersion: "2.3.0", handlers: handlers230() });
    for (const version of ["2.1.1", "2.2.1", "2.3.0"] as const) {
      const client = await OcpiClient.connect({ versionsUrl: server.versionsUrl, urlPolicy: LOOPBACK, token: "token-c", versions: [version] });
      const [location] = await client.callOperation("locationsSenderList", {}, { validation: "strict" }).then((r) => r.data as { id: string }[]);
      expect(location?.id, version).toBe("LOC230");
      expect(
        client.endpoints.some((e) => e.identifier === "payments"),
        version,
      ).toBe(version === "2.3.0");
    }
    const client = await OcpiClient.connect({ versionsUrl: server.versionsUrl, urlPolicy: LOOPBACK, token: "token-c", versions: ["2.3.0"] });
    const terminals = await client.payments.sender.listTerminals({}, { validation: "strict" });
    expect(terminals.data.map((t) => t.terminal_id)).toEqual(["TERM1"]);
  });

  it("adds native handlers of one version beside converted ones: 2.3.0 payments next to 2.2.1 store handlers", async () => {
    const store = await MemoryStore.open();
    const { server } = await serve({
      handlers: storeHandlers(store, { roles: [CPO_ROLE] }),
      versionHandlers: { "2.3.0": { payments: handlers230().payments! } },
    });
    const routes = server.servedRoutes().map((r) => `${r.operationId}@${r.layoutPath.split("/")[1]}`);
    expect(routes).toContain("paymentsSenderListTerminals@2.3.0");
    expect(routes).toContain("locationsSenderList@2.1.1");
    const client = await OcpiClient.connect({ versionsUrl: server.versionsUrl, urlPolicy: LOOPBACK, token: "token-c" });
    expect(client.version).toBe("2.3.0");
    if (client.version !== "2.3.0") return;
    expect((await client.payments.sender.getTerminal({ terminal_id: "TERM1" })).data.terminal_id).toBe("TERM1");
  });
});

describe('logic written against 2.2.1 talking to 2.1.1 peers through client.as("2.2.1")', () => {
  it("pulls a 2.1.1 CPO's Locations and Sessions as 2.2.1 objects and pushes 2.2.1 Tokens to it", async () => {
    const cpo = await node(CPO_ROLE, ["2.1.1"]);
    const emsp = await node(EMSP_ROLE, ["2.1.1", "2.2.1"]);
    const { token } = await cpo.server.credentials.createRegistrationToken();
    const cpoParty = await emsp.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token });
    expect(cpoParty.version).toBe("2.1.1");
    await saveObject(cpo.store, "locations", "LOC1", location("LOC1"));
    const session = { ...sample<T.Session>("2.2.1", "Session"), country_code: "NL", party_id: "CPO", id: "S1", location_id: "LOC1", evse_uid: "LOC1-E1" };
    session.connector_id = location("LOC1").evses![0]!.connectors[0]!.id;
    session.cdr_token = { ...session.cdr_token, country_code: "NL", party_id: "MSP", uid: session.cdr_token.contract_id };
    await cpo.store.putObject({ module: "sessions", country_code: "NL", party_id: "MSP", id: "S1", last_updated: session.last_updated, data: session });

    const notes: string[] = [];
    const api = emsp.server.credentials
      .clientFor(cpoParty)
      .as("2.2.1", { peer: cpoParty.roles[0], onNotes: (op, from, to) => notes.push(`${op} ${from}>${to}`) });
    const [loc] = await api.locations.sender.all().toArray();
    expect(loc).toMatchObject({ id: "LOC1", country_code: "NL", party_id: "CPO" });
    expect(v221.Location.validate(loc, { strict: true }).ok).toBe(true);
    const [s1] = await api.sessions.sender.all({ date_from: "2000-01-01T00:00:00Z" }).toArray();
    expect(s1).toMatchObject({
      id: "S1",
      country_code: "NL",
      party_id: "CPO",
      location_id: "LOC1",
      cdr_token: { contract_id: session.cdr_token.contract_id, country_code: "NL", party_id: "MSP" },
    });
    expect(v221.Session.validate(s1, { strict: true }).ok).toBe(true);
    expect(notes).toContain("locationsSenderList 2.1.1>2.2.1");

    const tok = { ...sample<T.Token>("2.2.1", "Token"), country_code: "NL", party_id: "MSP", uid: "T1" };
    await api.tokens.receiver.put({ country_code: "NL", party_id: "MSP", token_uid: "T1", body: tok });
    // On the wire it was a 2.1.1 Token: the CPO (2.2.1 handlers, serving 2.1.1) converted it up again.
    expect(cpo.events).toContainEqual(expect.objectContaining({ type: "converted", operationId: "tokensReceiverPut", from: "2.1.1", to: "2.2.1" }));
    expect((await cpo.store.getObject<T.Token>({ module: received("tokens"), country_code: "NL", party_id: "MSP", id: "T1" }))!.data).toMatchObject({
      uid: "T1",
      contract_id: tok.contract_id,
    });

    const missing = await errorOf(api.chargingprofiles.receiver.clearProfile({ session_id: "S1", response_url: "https://emsp.example/r" }));
    expect(missing).toMatchObject({ kind: "no-endpoint" });
    expect(missing.message).toContain("OCPI 2.1.1 has no chargingprofiles");
  });

  it("PATCHes a 2.1.1 eMSP's EVSE with a 2.2.1 patch: read first, only the change sent", async () => {
    const cpo = await node(CPO_ROLE, ["2.1.1", "2.2.1"]);
    const emsp = await node(EMSP_ROLE, ["2.1.1"]);
    const { token } = await emsp.server.credentials.createRegistrationToken();
    const emspParty = await cpo.server.credentials.registerWith({ versionsUrl: emsp.server.versionsUrl, token });
    const api = cpo.server.credentials.clientFor(emspParty).as("2.2.1");
    const held = location("LOC1");
    held.evses![0]!.status = "AVAILABLE";
    await api.locations.receiver.put({ country_code: "NL", party_id: "CPO", location_id: "LOC1", body: held });
    await api.locations.receiver.patchEvse({
      country_code: "NL",
      party_id: "CPO",
      location_id: "LOC1",
      evse_uid: "LOC1-E1",
      body: { status: "CHARGING", last_updated: "2030-01-01T00:00:00Z" },
    });
    const stored = (await emsp.store.getObject<T.Location>({ module: received("locations"), country_code: "NL", party_id: "CPO", id: "LOC1" }))!.data;
    expect(stored.evses![0]).toMatchObject({ status: "CHARGING", last_updated: "2030-01-01T00:00:00Z" });
    expect(cpo.sent.filter((w) => w.method === "PATCH").map((w) => w.body)).toEqual([{ status: "CHARGING", last_updated: "2030-01-01T00:00:00Z" }]);
    const { data } = await api.locations.receiver.getEvse({ country_code: "NL", party_id: "CPO", location_id: "LOC1", evse_uid: "LOC1-E1" });
    expect(data.status).toBe("CHARGING");
  });
});
