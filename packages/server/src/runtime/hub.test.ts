// A hub node over real HTTP on loopback: one hub, two CPOs and two eMSPs in mixed versions (2.2.1 and 2.3.0). The
// hub routes by OCPI-to-*, converts between the parties' versions, broadcasts pushes, passes command results on,
// routes CDRs to the eMSP of their token, and keeps everyone's HubClientInfo.
import { OcpiError, type OcpiClient } from "@ocpi-sdk/client";
import type * as T from "@ocpi-sdk/types/2.2.1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sample } from "../../../client/src/testing/fixtures.js";
import { received } from "../handlers/store-handlers.js";
import { listen, type Listening } from "../node.js";
import { MemoryStore } from "../store/memory.js";
import type { PartyRecord } from "../store/store.js";
import { startNode, type TestNode } from "../testing/nodes.js";
import { ConversionError } from "./bridge.js";
import { OcpiHttpError } from "./errors.js";
import { createOcpiHub, forwardError, HubStatus, type ClientInfo, type OcpiHub } from "./hub.js";
import type { OcpiServer } from "./server.js";
import type { ServedVersion } from "./versions.js";

const role = (r: T.Role, country_code: string, party_id: string): T.CredentialsRole => ({
  role: r,
  country_code,
  party_id,
  business_details: { name: `${r} ${party_id}` },
});
const HUB = { country_code: "NL", party_id: "HUB" };
const CPO1 = role("CPO", "DE", "CP1");
const CPO2 = role("CPO", "FR", "CP2");
const EMSP1 = role("EMSP", "NL", "MS1");
const EMSP2 = role("EMSP", "BE", "MS2");
const idOf = (r: { country_code: string; party_id: string }) => ({ country_code: r.country_code, party_id: r.party_id });
const fast = { delivery: { baseDelayMs: 5, maxDelayMs: 40, pollMs: 20 } };

let hub: Listening<OcpiServer<ServedVersion>> & { node: OcpiHub };
const nodes = new Map<string, { node: TestNode; hubParty: PartyRecord; version: ServedVersion }>();
const hubEvents: unknown[] = [];
const hubStore = new MemoryStore();
const DAY = 24 * 3_600_000;

async function startHub() {
  let made: OcpiHub | undefined;
  const listening = await listen((publicUrl) => {
    made = createOcpiHub({
      publicUrl,
      hub: { ...HUB, business_details: { name: "Test hub" } },
      store: hubStore,
      urlPolicy: { allowLoopback: true },
      aliveCheckMs: 0,
      ...fast,
      log: (e) => hubEvents.push(e),
      logger: false,
    });
    return made.server;
  });
  return { ...listening, node: made! };
}

/** A platform of one role on one version, registered with the hub (which granted it its identity). */
async function connect(r: T.CredentialsRole, version: ServedVersion) {
  const node = await startNode(r, { server: { versions: [version], ...fast } });
  const { token } = await hub.node.server.credentials.createRegistrationToken({ allowedRoles: [{ role: r.role, ...idOf(r) }] });
  const hubParty = await node.server.credentials.registerWith({ versionsUrl: hub.node.server.versionsUrl, token, allowedRoles: [{ role: "HUB", ...HUB }] });
  nodes.set(r.party_id, { node, hubParty, version });
  return node;
}

const at = (r: T.CredentialsRole) => nodes.get(r.party_id)!;
/** A node's client of the hub, in the node's version. */
const viaHub = (r: T.CredentialsRole) => at(r).node.server.credentials.clientFor(at(r).hubParty) as OcpiClient;

const evse = (uid: string): T.EVSE => ({ ...sample<T.EVSE>("2.2.1", "EVSE"), uid, status: "AVAILABLE", last_updated: "2024-01-01T00:00:00Z" });
const location = (owner: T.CredentialsRole, id: string): T.Location => ({
  ...sample<T.Location>("2.2.1", "Location"),
  ...idOf(owner),
  id,
  evses: [evse(`${id}-E1`)],
  last_updated: "2024-01-01T00:00:00Z",
});
const token = (owner: T.CredentialsRole, uid: string): T.Token => ({
  ...sample<T.Token>("2.2.1", "Token"),
  ...idOf(owner),
  uid,
  type: "RFID",
  contract_id: `${owner.country_code}-${owner.party_id}-C${uid}`,
  last_updated: "2024-01-01T00:00:00Z",
});

async function settle() {
  await hub.node.idle();
  for (const { node } of nodes.values()) await node.server.idle();
  await hub.node.idle();
}

beforeAll(async () => {
  hub = await startHub();
  await connect(CPO1, "2.2.1");
  await connect(CPO2, "2.3.0");
  await connect(EMSP1, "2.3.0");
  await connect(EMSP2, "2.2.1");
  for (const i of [1, 2, 3]) await at(CPO1).node.server.outbox.put("locations", location(CPO1, `LOC${i}`));
  await at(CPO2).node.server.outbox.put("locations", location(CPO2, "LOCA"));
  await settle();
}, 60_000);

afterAll(async () => {
  for (const { node } of nodes.values()) await node.close().catch(() => undefined);
  hub.node.close();
  await hub.close();
});

describe("a hub node", () => {
  it("registers parties of both versions, as HUB; 2.3.0 credentials name the hub's party (hub_party_id, its role OTHER) and the parties it reaches", async () => {
    expect([...nodes.values()].map((n) => [n.hubParty.version, n.hubParty.roles.map((r) => r.role)])).toEqual([
      ["2.2.1", ["HUB"]],
      // A party's credentials list the parties connected before it (credentials are exchanged once).
      ["2.3.0", ["HUB", "CPO"]],
      ["2.3.0", ["HUB", "CPO", "CPO"]],
      ["2.2.1", ["HUB"]],
    ]);
    const credentials = (await (viaHub(CPO2) as OcpiClient<"2.3.0">).credentials.get()).data as {
      hub_party_id?: string;
      roles: { role: string; party_id: string }[];
    };
    expect(credentials.hub_party_id).toBe("NLHUB");
    expect(credentials.roles.map((r) => `${r.role} ${r.party_id}`).sort()).toEqual(["CPO CP1", "EMSP MS1", "EMSP MS2", "OTHER HUB"]);
  });

  it("routes an eMSP's pull of a CPO's locations to that CPO, converted to the eMSP's version, with the routing headers swapped", async () => {
    const client = viaHub(EMSP1) as OcpiClient<"2.3.0">;
    const all: unknown[] = [];
    for await (const item of client.locations.sender.all({ limit: 2 }, { to: idOf(CPO1) })) all.push(item);
    expect(all.map((l) => (l as T.Location).id)).toEqual(["LOC1", "LOC2", "LOC3"]);
    const page = await client.locations.sender.list({ limit: 2 }, { to: idOf(CPO1) });
    expect(page.totalCount).toBe(3);
    expect(page.headers.get("OCPI-from-party-id")).toBe("CP1");
    expect(page.headers.get("OCPI-to-party-id")).toBe("MS1");
    const one = await client.locations.sender.get({ location_id: "LOC2" }, { to: idOf(CPO1) });
    expect(one.data).toMatchObject({ id: "LOC2", country_code: "DE" });
  });

  it("combines the locations of every CPO for a GET All via the hub, paged as one list", async () => {
    const client = viaHub(EMSP1) as OcpiClient<"2.3.0">;
    for (const options of [{ to: HUB }, {}]) {
      const all: T.Location[] = [];
      for await (const item of client.locations.sender.all({ limit: 2 }, options)) all.push(item as T.Location);
      expect(all.map((l) => `${l.party_id}/${l.id}`).sort()).toEqual(["CP1/LOC1", "CP1/LOC2", "CP1/LOC3", "CP2/LOCA"]);
    }
    const page = await client.locations.sender.list({ offset: 1, limit: 2 });
    expect({ total: page.totalCount, count: page.data.length }).toEqual({ total: 4, count: 2 });
    // Two dozen calls through the hub, each converted: room for a loaded machine.
  }, 30_000);

  it("broadcasts a CPO's pushes to every eMSP (not to the other CPO), each in its version", async () => {
    for (const emsp of [EMSP1, EMSP2]) {
      const stored = await at(emsp).node.store.getObject<T.Location>({ module: received("locations"), ...idOf(CPO1), id: "LOC3" });
      expect(stored?.data.evses?.[0]?.uid).toBe("LOC3-E1");
    }
    expect(await at(CPO2).node.store.getObject({ module: received("locations"), ...idOf(CPO1), id: "LOC3" })).toBeUndefined();
    await at(CPO1).node.server.outbox.patch(
      "locations",
      { ...idOf(CPO1), id: "LOC3", evse_uid: "LOC3-E1" },
      { status: "CHARGING", last_updated: "2024-01-02T00:00:00Z" },
    );
    await settle();
    for (const emsp of [EMSP1, EMSP2]) {
      const stored = await at(emsp).node.store.getObject<T.Location>({ module: received("locations"), ...idOf(CPO1), id: "LOC3" });
      expect(stored?.data.evses?.[0]?.status).toBe("CHARGING");
    }
  });

  it("broadcasts an eMSP's tokens to the CPOs only", async () => {
    await at(EMSP1).node.server.outbox.put("tokens", token(EMSP1, "T1"));
    await settle();
    for (const cpo of [CPO1, CPO2]) expect(await at(cpo).node.store.getObject({ module: received("tokens"), ...idOf(EMSP1), id: "T1" })).toBeDefined();
    expect(await at(EMSP2).node.store.getObject({ module: received("tokens"), ...idOf(EMSP1), id: "T1" })).toBeUndefined();
  });

  it("forwards a command from a 2.2.1 eMSP to a 2.3.0 CPO and passes the result back", async () => {
    const sent = await at(EMSP2).node.server.sendCommand(
      at(EMSP2).hubParty,
      "START_SESSION",
      { token: token(EMSP2, "T2"), location_id: "LOC9", evse_uid: "LOC9-E1" },
      { call: { to: idOf(CPO2) } },
    );
    expect(sent.response).toMatchObject({ result: "ACCEPTED", timeout: 30 });
    expect(await sent.result).toEqual({ result: "ACCEPTED" });
    await settle();
    expect(at(EMSP2).node.commandResults.map((r) => r.result)).toEqual([{ result: "ACCEPTED" }]);
  });

  it("sends a CPO's CDR to the eMSP of its token only, through the hub that told the CPO of that eMSP", async () => {
    const info = await at(CPO1).node.store.getObject<ClientInfo>({ module: received("clientinfo"), ...idOf(EMSP2), id: "BE/MS2" });
    expect(info?.data).toMatchObject({ role: "EMSP", status: "CONNECTED" });
    const cdr_token = { ...idOf(EMSP2), uid: "T2", type: "RFID" as const, contract_id: "BE-MS2-CT2" };
    const cdr = { ...sample<T.CDR>("2.2.1", "CDR"), ...idOf(CPO1), id: "CDR1", cdr_token };
    expect(await at(CPO1).node.server.outbox.post("cdrs", cdr)).toEqual([at(CPO1).hubParty.id]);
    await settle();
    expect(await at(EMSP2).node.store.getObject({ module: received("cdrs"), ...idOf(CPO1), id: "CDR1" })).toBeDefined();
    expect(await at(EMSP1).node.store.getObject({ module: received("cdrs"), ...idOf(CPO1), id: "CDR1" })).toBeUndefined();
  });

  it("sends a CPO's Session to the eMSP of its token, and a PATCH naming no receiver where its PUT went", async () => {
    const cdr_token = { ...idOf(EMSP1), uid: "T1", type: "RFID" as const, contract_id: "NL-MS1-CT1" };
    const session = { ...sample<T.Session>("2.2.1", "Session"), ...idOf(CPO1), id: "S1", cdr_token, kwh: 1, last_updated: "2024-01-01T00:00:00Z" };
    await at(CPO1).node.server.outbox.put("sessions", session);
    await settle();
    const key = { module: received("sessions"), ...idOf(CPO1), id: "S1" };
    expect((await at(EMSP1).node.store.getObject<T.Session>(key))?.data.kwh).toBe(1);
    await viaHub(CPO1).callOperation("sessionsReceiverPatch", { ...idOf(CPO1), session_id: "S1", body: { kwh: 2, last_updated: "2024-01-01T00:01:00Z" } });
    expect((await at(EMSP1).node.store.getObject<T.Session>(key))?.data.kwh).toBe(2);
    expect(await at(EMSP2).node.store.getObject(key)).toBeUndefined();
  });

  it("forgets where a Session went and where results go once they are older than routingRetentionMs (30 days)", async () => {
    const kept = async (module: string) => (await hubStore.listObjects({ module, offset: 0, limit: 100 })).items;
    const route = { module: "hub.sessions", ...idOf(CPO1), id: "S1" };
    expect((await hubStore.getObject(route))?.data).toEqual(idOf(EMSP1));
    const results = (await kept("hub.results")).length;
    expect(results).toBeGreaterThan(0);
    expect(await hub.node.prune()).toBe(0);

    // A Session PATCHed for more than half the period keeps its receiver for another one.
    const old = new Date(Date.now() - 20 * DAY).toISOString();
    await hubStore.putObject({ ...(await hubStore.getObject(route))!, last_updated: old });
    const patch = { ...idOf(CPO1), session_id: "S1", body: { kwh: 3, last_updated: "2024-01-01T00:02:00Z" } };
    await viaHub(CPO1).callOperation("sessionsReceiverPatch", patch);
    expect(Date.parse((await hubStore.getObject(route))!.last_updated)).toBeGreaterThan(Date.now() - DAY);
    expect(await hub.node.prune(new Date(Date.now() + 20 * DAY))).toBe(0);

    const routes = (await kept("hub.sessions")).length;
    expect(await hub.node.prune(new Date(Date.now() + 31 * DAY))).toBe(results + routes);
    expect([await kept("hub.sessions"), await kept("hub.results")]).toEqual([[], []]);
    // A PATCH naming no receiver now has nowhere to go: the hub says to name one, and broadcasts nothing.
    const error = await viaHub(CPO1)
      .callOperation("sessionsReceiverPatch", { ...patch, body: { kwh: 4, last_updated: "2024-01-01T00:03:00Z" } })
      .catch((e: unknown) => e);
    expect((error as OcpiError).statusCode).toBe(HubStatus.UnknownReceiver);
    await settle();
    const key = { module: received("sessions"), ...idOf(CPO1), id: "S1" };
    expect((await at(EMSP1).node.store.getObject<T.Session>(key))?.data.kwh).toBe(3);
  });

  it("routes a CDR that names no receiver by its token (open routing)", async () => {
    const cdr_token = { ...idOf(EMSP1), uid: "T1", type: "RFID" as const, contract_id: "NL-MS1-CT1" };
    const cdr = { ...sample<T.CDR>("2.2.1", "CDR"), ...idOf(CPO1), id: "CDR2", cdr_token };
    await viaHub(CPO1).callOperation("cdrsReceiverPost", { body: cdr });
    expect(await at(EMSP1).node.store.getObject({ module: received("cdrs"), ...idOf(CPO1), id: "CDR2" })).toBeDefined();
  });

  it.each([
    ["an unknown receiver", "locationsSenderList", { to: { country_code: "XX", party_id: "NOP" } }, 404, HubStatus.UnknownReceiver],
    ["no receiver for a pull of what is not broadcast", "cdrsSenderList", {}, 404, HubStatus.UnknownReceiver],
    ["a sender the caller is not", "locationsSenderList", { to: idOf(CPO1), from: idOf(EMSP2) }, 403, HubStatus.GenericError],
  ])("answers %s with its hub error", async (_, operationId, options, httpStatus, statusCode) => {
    const error = await viaHub(EMSP1)
      .callOperation(operationId, {}, options)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OcpiError);
    expect({ httpStatus: (error as OcpiError).httpStatus, statusCode: (error as OcpiError).statusCode }).toEqual({ httpStatus, statusCode });
  });

  it("passes on the receiver's own error (an unknown Location)", async () => {
    const error = await (viaHub(EMSP1) as OcpiClient<"2.3.0">).locations.sender.get({ location_id: "NOPE" }, { to: idOf(CPO1) }).catch((e: unknown) => e);
    expect({ httpStatus: (error as OcpiError).httpStatus, statusCode: (error as OcpiError).statusCode }).toEqual({ httpStatus: 404, statusCode: 2003 });
  });

  it("lists the other parties in HubClientInfo, and pushes them to each party", async () => {
    const listed = await (viaHub(EMSP1) as OcpiClient<"2.3.0">).hubclientinfo.sender.list({});
    expect((listed.data as ClientInfo[]).map((c) => `${c.role} ${c.party_id} ${c.status}`).sort()).toEqual([
      "CPO CP1 CONNECTED",
      "CPO CP2 CONNECTED",
      "EMSP MS2 CONNECTED",
    ]);
    const pushed = await at(EMSP1).node.store.listObjects({ module: received("clientinfo"), offset: 0, limit: 10 });
    expect(pushed.items.map((o) => (o.data as ClientInfo).party_id).sort()).toEqual(["CP1", "CP2", "MS2"]);
  });

  it("tells the parties when one leaves (SUSPENDED) or stops answering (OFFLINE); forwarding to it is a connection problem", async () => {
    await at(CPO2).node.server.credentials.unregisterFrom(at(CPO2).hubParty);
    await settle();
    const suspended = await at(EMSP1).node.store.getObject<ClientInfo>({ module: received("clientinfo"), ...idOf(CPO2), id: "FR/CP2" });
    expect(suspended?.data.status).toBe("SUSPENDED");

    await at(EMSP2).node.close();
    await hub.node.checkConnections();
    await hub.node.idle();
    await at(EMSP1).node.server.idle();
    const offline = await at(EMSP1).node.store.getObject<ClientInfo>({ module: received("clientinfo"), ...idOf(EMSP2), id: "BE/MS2" });
    expect(offline?.data.status).toBe("OFFLINE");
    // Kept in the store: a hub restarted on it (or another process of the same hub) lists the party OFFLINE too.
    const again = createOcpiHub({
      publicUrl: "http://127.0.0.1:9",
      hub: { ...HUB, business_details: { name: "Test hub" } },
      store: hubStore,
      aliveCheckMs: 0,
      logger: false,
    });
    const listed = (await again.clientInfo()).find((info) => info.party_id === EMSP2.party_id);
    again.close();
    expect(listed).toMatchObject({ status: "OFFLINE", last_updated: offline!.data.last_updated });
    const error = await viaHub(CPO1)
      .callOperation("tokensSenderList", {}, { to: idOf(EMSP2) })
      .catch((e: unknown) => e);
    expect({ httpStatus: (error as OcpiError).httpStatus, statusCode: (error as OcpiError).statusCode }).toEqual({
      httpStatus: 502,
      statusCode: HubStatus.ConnectionProblem,
    });
  });
});

describe("forwardError", () => {
  it.each([
    ["the receiver's OCPI error, as given", new OcpiError("http", "x", { httpStatus: 404, statusCode: 2003, statusMessage: "unknown location" }), 404, 2003],
    ["a timeout", new OcpiError("timeout", "x"), 504, HubStatus.Timeout],
    ["no answer", new OcpiError("network", "x"), 502, HubStatus.ConnectionProblem],
    ["the hub's token refused", new OcpiError("auth", "x", { httpStatus: 401, statusCode: 2000 }), 502, HubStatus.ConnectionProblem],
    ["an interface the receiver lacks", new OcpiError("no-endpoint", "x"), 404, HubStatus.UnknownReceiver],
    ["an answer that cannot be passed on", new OcpiError("invalid-response", "x"), 502, HubStatus.GenericError],
    ["a request its version cannot hold", new ConversionError("x"), 502, HubStatus.GenericError],
    ["an HTTP error without an envelope", new OcpiError("http", "x", { httpStatus: 500 }), 502, HubStatus.ConnectionProblem],
  ])("maps %s", (_, error, httpStatus, statusCode) => {
    const mapped = forwardError(error, "DE/CP1");
    expect(mapped).toBeInstanceOf(OcpiHttpError);
    expect({ httpStatus: mapped.httpStatus, statusCode: mapped.statusCode }).toEqual({ httpStatus, statusCode });
  });
});
