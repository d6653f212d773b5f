// The outbox over real HTTP: a CPO pushes its changes to registered eMSPs through `server.outbox`; every push is kept
// in the store until the eMSP has it, in order per object, retried while the eMSP is down, and a dead letter when it
// is refused. Runs on each store implementation.
import { PGlite } from "@electric-sql/pglite";
import type * as T from "@ocpi-sdk/types/2.2.1";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sample } from "../../../client/src/testing/fixtures.js";
import { received } from "../handlers/store-handlers.js";
import { OcpiHttpError } from "./errors.js";
import { CPO_ROLE, EMSP_ROLE, startNode, type TestNode } from "../testing/nodes.js";
import { MemoryStore } from "../store/memory.js";
import { PostgresStore } from "../store/postgres.js";
import { fromPglite } from "../store/sql.js";
import type { Store } from "../store/store.js";
import { isRetryable, type OutboxEvent } from "./outbox.js";
import { OcpiError } from "@ocpi-sdk/client";

const db = new PGlite();
beforeAll(() => db.waitReady, 60_000);
afterAll(() => db.close());
let schemas = 0;

const STORES: { name: string; open: () => Promise<Store> }[] = [
  { name: "MemoryStore", open: async () => new MemoryStore() },
  { name: "PostgresStore on PGlite", open: () => PostgresStore.open(fromPglite(db), { schema: `outbox_${++schemas}` }) },
];

const nodes: TestNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

async function node(role: T.CredentialsRole, options: Parameters<typeof startNode>[1] = {}) {
  const n = await startNode(role, { ...options, server: { delivery: { baseDelayMs: 5, maxDelayMs: 40, pollMs: 20 }, ...options.server } });
  nodes.push(n);
  return n;
}

const evse = (uid: string, status: T.Status = "AVAILABLE"): T.EVSE => ({
  ...sample<T.EVSE>("2.2.1", "EVSE"),
  uid,
  status,
  last_updated: "2024-01-01T00:00:00Z",
});
const location = (id: string, over: Partial<T.Location> = {}): T.Location => ({
  ...sample<T.Location>("2.2.1", "Location"),
  country_code: CPO_ROLE.country_code,
  party_id: CPO_ROLE.party_id,
  id,
  evses: [evse(`${id}-E1`)],
  last_updated: "2024-01-01T00:00:00Z",
  ...over,
});
const stamp = (second: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, second)).toISOString().replace(".000Z", "Z");

const EMSP2: T.CredentialsRole = { role: "EMSP", country_code: "DE", party_id: "MS2", business_details: { name: "Second eMSP" } };

/** A CPO with the eMSPs registered (each started the handshake with the CPO's Token A). */
async function cpoWith(store: Store, emsps: TestNode[], server: NonNullable<Parameters<typeof startNode>[1]>["server"] = {}) {
  const cpo = await node(CPO_ROLE, { store, server: { delivery: { baseDelayMs: 5, maxDelayMs: 40, pollMs: 20 }, ...server } });
  for (const emsp of emsps) {
    const { token } = await cpo.server.credentials.createRegistrationToken();
    await emsp.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token });
  }
  const parties = (await cpo.store.listParties()).filter((p) => p.status === "registered");
  return { cpo, parties };
}

const receivedLocation = (emsp: TestNode, id: string) =>
  emsp.store.getObject<T.Location>({ module: received("locations"), country_code: CPO_ROLE.country_code, party_id: CPO_ROLE.party_id, id });

describe.each(STORES)("the outbox on $name", ({ open }) => {
  it("stores a Location and PUTs it to every eMSP, each in its own delivery", async () => {
    const [a, b] = [await node(EMSP_ROLE), await node(EMSP2)];
    const { cpo, parties } = await cpoWith(await open(), [a, b]);
    const to = await cpo.server.outbox.put("locations", location("LOC1"));
    expect(to.sort()).toEqual(parties.map((p) => p.id).sort());
    expect(await cpo.store.getObject({ module: "locations", ...CPO_ROLE, id: "LOC1" })).toMatchObject({ data: { id: "LOC1" } });
    await cpo.server.idle();
    for (const emsp of [a, b]) expect((await receivedLocation(emsp, "LOC1"))?.data).toEqual(location("LOC1"));
    expect(await cpo.server.outbox.counts()).toEqual([]);
    expect(cpo.events.filter((e) => e.type === "delivery-sent")).toHaveLength(2);
  });

  it("delivers the PATCHes of one EVSE in the order they were made, and patches the CPO's own copy", async () => {
    const emsp = await node(EMSP_ROLE);
    const { cpo } = await cpoWith(await open(), [emsp]);
    await cpo.server.outbox.put("locations", location("LOC1"));
    const statuses: T.Status[] = ["CHARGING", "AVAILABLE", "BLOCKED", "CHARGING", "OUTOFORDER", "AVAILABLE", "CHARGING"];
    for (const [i, status] of statuses.entries()) {
      await cpo.server.outbox.patch("locations", { ...CPO_ROLE, id: "LOC1", evse_uid: "LOC1-E1" }, { status, last_updated: stamp(i + 1) });
    }
    const own = await cpo.store.getObject<T.Location>({ module: "locations", ...CPO_ROLE, id: "LOC1" });
    expect(own?.data.evses?.[0]).toMatchObject({ status: "CHARGING", last_updated: stamp(7) });
    expect(own?.last_updated).toBe(stamp(7));
    await cpo.server.idle();
    const sent = cpo.events.flatMap((e) => (e.type === "delivery-sent" ? [e.delivery] : []));
    expect(sent.map((d) => d.operationId)).toEqual(["locationsReceiverPut", ...statuses.map(() => "locationsReceiverPatchEvse")]);
    expect(sent.slice(1).map((d) => (d.body as { status: string }).status)).toEqual(statuses);
    expect((await receivedLocation(emsp, "LOC1"))?.data.evses?.[0]).toMatchObject({ status: "CHARGING", last_updated: stamp(7) });
  });

  it("replaces an undelivered PUT of an object by a newer one", async () => {
    const emsp = await node(EMSP_ROLE);
    const { cpo } = await cpoWith(await open(), [emsp]);
    // No worker runs in this test's CPO: the deliveries wait in the store.
    await cpo.server.outbox.stop();
    await cpo.server.outbox.put("locations", location("LOC1", { name: "first" }));
    await cpo.server.outbox.put("locations", location("LOC1", { name: "second", last_updated: stamp(5) }));
    const pending = await cpo.store.listDeliveries({ offset: 0, limit: 10 });
    expect(pending.items.map((d) => (d.body as T.Location).name)).toEqual(["second"]);
    await cpo.server.outbox.drain();
    expect((await receivedLocation(emsp, "LOC1"))?.data.name).toBe("second");
  });

  it("sends a Session and its CDR only to the eMSP of its token", async () => {
    const [mine, other] = [await node(EMSP_ROLE), await node(EMSP2)];
    const { cpo, parties } = await cpoWith(await open(), [mine, other]);
    const cdr_token = {
      country_code: EMSP_ROLE.country_code,
      party_id: EMSP_ROLE.party_id,
      uid: "TOKEN1",
      type: "RFID" as const,
      contract_id: "NL-MSP-C00001-1",
    };
    const session = {
      ...sample<T.Session>("2.2.1", "Session"),
      country_code: CPO_ROLE.country_code,
      party_id: CPO_ROLE.party_id,
      id: "S1",
      cdr_token,
      last_updated: stamp(0),
    };
    const cdr = { ...sample<T.CDR>("2.2.1", "CDR"), country_code: CPO_ROLE.country_code, party_id: CPO_ROLE.party_id, id: "CDR1", cdr_token };
    const mineId = parties.find((p) => p.roles.some((r) => r.party_id === EMSP_ROLE.party_id))!.id;
    expect(await cpo.server.outbox.put("sessions", session)).toEqual([mineId]);
    expect(await cpo.server.outbox.patch("sessions", { ...CPO_ROLE, id: "S1" }, { kwh: 12.5, last_updated: stamp(9) })).toEqual([mineId]);
    expect(await cpo.server.outbox.post("cdrs", cdr)).toEqual([mineId]);
    await expect(cpo.server.outbox.post("cdrs", cdr)).rejects.toThrow("CDRs are never replaced");
    await cpo.server.idle();
    const keyOf = (module: string, id: string) => ({ module: received(module), country_code: CPO_ROLE.country_code, party_id: CPO_ROLE.party_id, id });
    expect((await mine.store.getObject<T.Session>(keyOf("sessions", "S1")))?.data).toMatchObject({ kwh: 12.5, last_updated: stamp(9) });
    expect(await mine.store.getObject(keyOf("cdrs", "CDR1"))).toBeDefined();
    expect(await other.store.getObject(keyOf("sessions", "S1"))).toBeUndefined();
    expect(await other.store.getObject(keyOf("cdrs", "CDR1"))).toBeUndefined();
  });

  it("refuses an object that breaks its schema, and stores and enqueues nothing", async () => {
    const emsp = await node(EMSP_ROLE);
    const { cpo } = await cpoWith(await open(), [emsp]);
    await expect(cpo.server.outbox.put("locations", { ...location("LOC1"), coordinates: undefined })).rejects.toThrow(
      /Location to push is invalid: .*coordinates/,
    );
    await cpo.server.outbox.put("locations", location("LOC2"));
    await expect(
      cpo.server.outbox.patch("locations", { ...CPO_ROLE, id: "LOC2", evse_uid: "LOC2-E1" }, { status: "NOT-A-STATUS", last_updated: stamp(1) }),
    ).rejects.toThrow(/status/);
    await expect(cpo.server.outbox.patch("locations", { ...CPO_ROLE, id: "NOPE" }, { name: "x", last_updated: stamp(1) })).rejects.toThrow("no object");
    expect(await cpo.store.getObject({ module: "locations", ...CPO_ROLE, id: "LOC1" })).toBeUndefined();
    expect((await cpo.store.listDeliveries({ offset: 0, limit: 10 })).items.map((d) => d.operationId)).toEqual(["locationsReceiverPut"]);
  });

  it("retries while the eMSP is down and delivers everything, in order, once it is back", async () => {
    const emspStore = new MemoryStore();
    let emsp = await node(EMSP_ROLE, { store: emspStore });
    const port = emsp.port;
    const { cpo } = await cpoWith(await open(), [emsp]);
    await cpo.server.outbox.put("locations", location("LOC1"));
    await cpo.server.idle();
    // The eMSP goes away: its port refuses connections.
    nodes.splice(nodes.indexOf(emsp), 1);
    await emsp.close();
    const statuses: T.Status[] = ["CHARGING", "AVAILABLE", "CHARGING", "AVAILABLE", "OUTOFORDER"];
    for (const [i, status] of statuses.entries())
      await cpo.server.outbox.patch("locations", { ...CPO_ROLE, id: "LOC1", evse_uid: "LOC1-E1" }, { status, last_updated: stamp(i + 1) });
    await cpo.server.outbox.put("locations", location("LOC2"));
    await waitFor(() => cpo.events.filter((e) => e.type === "delivery-retry").length >= 3);
    const retry = cpo.events.find((e): e is Extract<OutboxEvent, { type: "delivery-retry" }> => e.type === "delivery-retry")!;
    expect(retry.failure.error).toMatch(/^network/);
    expect(await cpo.server.outbox.counts()).toContainEqual(expect.objectContaining({ state: "pending" }));
    // Back on the same port, with the same data.
    emsp = await node(EMSP_ROLE, { store: emspStore, port });
    await cpo.server.idle();
    const sent = cpo.events.flatMap((e) => (e.type === "delivery-sent" ? [e.delivery] : [])).filter((d) => d.operationId === "locationsReceiverPatchEvse");
    expect(sent.map((d) => (d.body as { status: string }).status)).toEqual(statuses);
    expect((await receivedLocation(emsp, "LOC1"))?.data.evses?.[0]?.status).toBe("OUTOFORDER");
    expect(await receivedLocation(emsp, "LOC2")).toBeDefined();
    expect(await cpo.server.outbox.counts()).toEqual([]);
  });

  it("keeps what the eMSP refuses as a dead letter with its answer, and sends it again on request", async () => {
    let refuse = true;
    const emsp = await node(EMSP_ROLE, {
      handlers: (store) => ({
        locations: {
          receiver: {
            get: async () => location("LOC1"),
            getEvse: async () => evse("E1"),
            getConnector: async () => sample<T.Connector>("2.2.1", "Connector"),
            put: async ({ body }) => {
              if (refuse) throw OcpiHttpError.invalid([{ pointer: "/name", message: "is not welcome here", keyword: "custom" }]);
              await store.putObject({
                module: received("locations"),
                country_code: body.country_code,
                party_id: body.party_id,
                id: body.id,
                last_updated: body.last_updated,
                data: body,
              });
            },
            putEvse: async () => {},
            putConnector: async () => {},
            patch: async () => {},
            patchEvse: async () => {},
            patchConnector: async () => {},
          },
        },
      }),
    });
    const { cpo, parties } = await cpoWith(await open(), [emsp]);
    await cpo.server.outbox.put("locations", location("LOC1"));
    await cpo.server.idle();
    const dead = await cpo.server.outbox.deadLetters();
    expect(dead.items).toHaveLength(1);
    expect(dead.items[0]).toMatchObject({ state: "dead", attempts: 1, partyId: parties[0]!.id, lastFailure: { httpStatus: 400, statusCode: 2001 } });
    expect(dead.items[0]!.lastFailure?.statusMessage).toContain("/name: is not welcome here");
    expect(await cpo.server.outbox.counts()).toEqual([{ partyId: parties[0]!.id, state: "dead", count: 1 }]);
    refuse = false;
    expect(await cpo.server.outbox.retryDeadLetters({ partyId: parties[0]!.id })).toBe(1);
    await cpo.server.idle();
    expect(await emsp.store.getObject({ module: received("locations"), ...CPO_ROLE, id: "LOC1" })).toBeDefined();
    expect(await cpo.server.outbox.counts()).toEqual([]);
  });

  it("delivers after a restart what an earlier process enqueued", async () => {
    const emsp = await node(EMSP_ROLE);
    const store = await open();
    const { cpo } = await cpoWith(store, [emsp]);
    await cpo.server.outbox.stop();
    await cpo.server.outbox.put("locations", location("LOC1"));
    nodes.splice(nodes.indexOf(cpo), 1);
    await cpo.close();
    expect((await store.listDeliveries({ offset: 0, limit: 10 })).total).toBe(1);
    const again = await node(CPO_ROLE, { store });
    await again.server.idle();
    expect(await receivedLocation(emsp, "LOC1")).toBeDefined();
  });
});

describe("the outbox with an eMSP on another version", () => {
  it("converts each push to the eMSP's version", async () => {
    const emsp = await node({ ...EMSP_ROLE }, { server: { handlersVersion: "2.2.1", versions: ["2.1.1"] } });
    const { cpo, parties } = await cpoWith(new MemoryStore(), [emsp], { versions: ["2.1.1", "2.2.1"] });
    expect(parties[0]!.version).toBe("2.1.1");
    await cpo.server.outbox.put("locations", location("LOC1"));
    await cpo.server.outbox.patch("locations", { ...CPO_ROLE, id: "LOC1", evse_uid: "LOC1-E1" }, { status: "CHARGING", last_updated: stamp(3) });
    await cpo.server.idle();
    expect(cpo.events.filter((e) => e.type === "delivery-dead")).toEqual([]);
    expect((await receivedLocation(emsp, "LOC1"))?.data.evses?.[0]?.status).toBe("CHARGING");
  });
});

describe("what the outbox retries", () => {
  it.each([
    ["no answer", new OcpiError("network", "ECONNREFUSED"), true],
    ["a timeout", new OcpiError("timeout", "10 s"), true],
    ["HTTP 503", new OcpiError("http", "503", { httpStatus: 503 }), true],
    ["HTTP 500 with OCPI 3000", new OcpiError("http", "500", { httpStatus: 500, statusCode: 3000 }), true],
    ["HTTP 429", new OcpiError("http", "429", { httpStatus: 429 }), true],
    ["HTTP 500 with OCPI 2001", new OcpiError("http", "500", { httpStatus: 500, statusCode: 2001 }), false],
    ["HTTP 400", new OcpiError("http", "400", { httpStatus: 400, statusCode: 2001 }), false],
    ["HTTP 404", new OcpiError("http", "404", { httpStatus: 404 }), false],
    ["an auth error", new OcpiError("auth", "401", { httpStatus: 401 }), false],
    ["OCPI 2003 in HTTP 200", new OcpiError("ocpi", "2003", { httpStatus: 200, statusCode: 2003 }), false],
    ["a body we may not send", new OcpiError("validation", "invalid"), false],
    ["another error", new Error("bug"), false],
  ])("%s: %s", (_name, error, retried) => {
    expect(isRetryable(error)).toBe(retried);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
