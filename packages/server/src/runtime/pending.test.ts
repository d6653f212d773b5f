// Commands and charging-profile requests sent with sendCommand and friends, over real HTTP on 127.0.0.1: the
// result in time, a TIMEOUT when the CPO never posts one, a late result, a refusal, a restart, and the removal of
// records after their retention.
import { afterEach, describe, expect, it, vi } from "vitest";
import type * as V211 from "@ocpi-sdk/types/2.1.1";
import type * as T from "@ocpi-sdk/types/2.2.1";
import { sample } from "../../../client/src/testing/fixtures.js";
import { errorOf } from "../../../client/src/testing/errors.js";
import { storeHandlers } from "../handlers/store-handlers.js";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { MemoryStore } from "../store/node.js";
import { PostgresStore } from "../store/postgres.js";
import { fromPglite } from "../store/sql.js";
import type { PartyRecord, Store } from "../store/store.js";
import { CPO_ROLE, EMSP_ROLE, startNode, type TestNode } from "../testing/nodes.js";
import type { Handlers } from "../generated/2.2.1/index.gen.js";
import type { OcpiServerOptions, ServerEvent } from "./server.js";
import type { TimedOutRequest } from "./pending.js";
import type { ServedVersion } from "./versions.js";

const nodes: TestNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

type CommandReply = { response: T.CommandResponse; result?: Promise<T.CommandResult> };
type ProfileReply = { response: T.ChargingProfileResponse; result?: Promise<never> };

/** What the CPO answers to each command and charging-profile request, changed by each test. */
interface Script {
  command: (name: string) => CommandReply;
  profile: (name: string) => ProfileReply;
}

const never = (): CommandReply => ({ response: { result: "ACCEPTED", timeout: 1 } });
const later = (result: T.CommandResult, timeout = 30): CommandReply => ({
  response: { result: "ACCEPTED", timeout },
  result: new Promise((r) => setTimeout(() => r(result), 10)),
});

function cpoHandlers(script: Script) {
  return (store: Store): Handlers => ({
    ...storeHandlers(store, { roles: [CPO_ROLE] }),
    commands: {
      receiver: {
        startSession: async () => script.command("START_SESSION"),
        stopSession: async () => script.command("STOP_SESSION"),
        reserveNow: async () => script.command("RESERVE_NOW"),
        cancelReservation: async () => script.command("CANCEL_RESERVATION"),
        unlockConnector: async () => script.command("UNLOCK_CONNECTOR"),
      },
    },
    chargingprofiles: {
      receiver: {
        getActiveProfile: async () => script.profile("getActiveProfile") as never,
        setProfile: async () => script.profile("setProfile") as never,
        clearProfile: async () => script.profile("clearProfile") as never,
      },
    },
  });
}

/** Sees the eMSP's onResultTimeout calls, and lets a test wait for the next one. */
function timeouts() {
  const seen: TimedOutRequest[] = [];
  const waiting: ((request: TimedOutRequest) => void)[] = [];
  return {
    seen,
    onResultTimeout: (request: TimedOutRequest) => {
      seen.push(request);
      for (const w of waiting.splice(0)) w(request);
    },
    next: () => new Promise<TimedOutRequest>((resolve) => waiting.push(resolve)),
  };
}

/** A CPO answering as `script` says and an eMSP, registered with each other (the eMSP started it). */
async function pair(script: Partial<Script> = {}, emspOptions: { server?: Partial<OcpiServerOptions>; store?: Store; versions?: ServedVersion[] } = {}) {
  const full: Script = {
    command: script.command ?? (() => later({ result: "ACCEPTED" })),
    profile: script.profile ?? (() => ({ response: { result: "ACCEPTED", timeout: 30 } })),
  };
  const versions = emspOptions.versions ?? ["2.2.1"];
  const cpo = await startNode(CPO_ROLE, { handlers: cpoHandlers(full), server: { versions: ["2.1.1", "2.2.1", "2.3.0"] } });
  nodes.push(cpo);
  const emsp = await startNode(EMSP_ROLE, { ...(emspOptions.store ? { store: emspOptions.store } : {}), server: { versions, ...emspOptions.server } });
  nodes.push(emsp);
  const { token } = await cpo.server.credentials.createRegistrationToken();
  const cpoParty = await emsp.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token });
  const emspParty = (await cpo.store.listParties()).find((p) => p.status === "registered")!;
  /** The CPO posting a result itself, to a response_url it was given. */
  const postResult = (responseUrl: string, result: unknown) =>
    cpo.server.credentials.clientFor(emspParty).callOperation("commandsSenderPostResult", { body: result }, {}, responseUrl);
  return { cpo, emsp, cpoParty, emspParty, postResult };
}

const token = (): T.Token => ({ ...sample<T.Token>("2.2.1", "Token"), country_code: "NL", party_id: "MSP" });
const start = () => ({ token: token(), location_id: "LOC1", evse_uid: "LOC1-E1" });
const eventsOf = (node: TestNode, type: ServerEvent["type"]) => node.events.filter((e) => e.type === type);

describe("sendCommand", () => {
  it("a result in time: the promise resolves with it, the record is done, the handler has it, an event says so", async () => {
    const { emsp, cpo, cpoParty } = await pair({ command: () => later({ result: "ACCEPTED", message: [{ language: "en", text: "started" }] }) });
    const sent = await emsp.server.sendCommand(cpoParty, "START_SESSION", start(), { responseId: "cmd-1" });
    expect(sent.response).toEqual({ result: "ACCEPTED", timeout: 30 });
    expect(sent.responseUrl).toBe(`${emsp.url}/ocpi/2.2.1/commands/sender/postResult/cmd-1`);
    expect(await sent.result).toEqual({ result: "ACCEPTED", message: [{ language: "en", text: "started" }] });
    await cpo.server.idle();

    expect(await emsp.server.expectedResult("cmd-1")).toMatchObject({
      responseId: "cmd-1",
      partyId: cpoParty.id,
      operationId: "commandsSenderPostResult",
      version: "2.2.1",
      state: "done",
      request: { operationId: "commandsReceiverStartSession", body: { location_id: "LOC1", response_url: sent.responseUrl } },
      response: { result: "ACCEPTED", timeout: 30 },
      timeoutSeconds: 30,
      result: { result: "ACCEPTED" },
    });
    expect(emsp.commandResults).toEqual([{ result: { result: "ACCEPTED", message: [{ language: "en", text: "started" }] }, responseId: "cmd-1" }]);
    expect(eventsOf(emsp, "result-received")).toEqual([
      {
        type: "result-received",
        partyId: cpoParty.id,
        operationId: "commandsSenderPostResult",
        responseId: "cmd-1",
        requestOperationId: "commandsReceiverStartSession",
      },
    ]);
    expect(eventsOf(emsp, "result-timeout")).toEqual([]);
  });

  it("no result by the response's timeout: the promise resolves with TIMEOUT and onResultTimeout is told", async () => {
    const seen = timeouts();
    const { emsp, cpoParty } = await pair({ command: never }, { server: { onResultTimeout: seen.onResultTimeout } });
    const told = seen.next();
    const sent = await emsp.server.sendCommand(cpoParty, "STOP_SESSION", { session_id: "S1" });
    expect(sent.response).toEqual({ result: "ACCEPTED", timeout: 1 });
    const result = await sent.result;
    expect(result).toEqual({ result: "TIMEOUT", message: [{ language: "en", text: expect.stringContaining("1 s") }] });

    const request = await told;
    expect(request).toMatchObject({
      responseId: sent.responseId,
      partyId: cpoParty.id,
      operationId: "commandsSenderPostResult",
      state: "timed-out",
      request: { operationId: "commandsReceiverStopSession", body: { session_id: "S1" } },
      result,
    });
    expect(seen.seen).toHaveLength(1);
    expect(eventsOf(emsp, "result-timeout")).toEqual([
      {
        type: "result-timeout",
        partyId: cpoParty.id,
        operationId: "commandsSenderPostResult",
        responseId: sent.responseId,
        requestOperationId: "commandsReceiverStopSession",
        deadline: request.deadline,
      },
    ]);
    await vi.waitFor(async () => expect((await emsp.server.expectedResult(sent.responseId))?.notifiedAt).toBeDefined());
    expect(emsp.commandResults).toEqual([]);
  });

  it("a result after the TIMEOUT is still taken, passed to the handler and reported as late", async () => {
    const seen = timeouts();
    const { emsp, cpoParty, postResult } = await pair({ command: never }, { server: { onResultTimeout: seen.onResultTimeout } });
    const told = seen.next();
    const sent = await emsp.server.sendCommand(cpoParty, "START_SESSION", start());
    expect(await sent.result).toMatchObject({ result: "TIMEOUT" });
    await told;

    const answer = await postResult(sent.responseUrl, { result: "ACCEPTED" });
    expect([answer.httpStatus, answer.statusCode]).toEqual([200, 1000]);
    expect(emsp.commandResults).toEqual([{ result: { result: "ACCEPTED" }, responseId: sent.responseId }]);
    expect(eventsOf(emsp, "late-result")).toEqual([
      {
        type: "late-result",
        partyId: cpoParty.id,
        operationId: "commandsSenderPostResult",
        responseId: sent.responseId,
        requestOperationId: "commandsReceiverStartSession",
        state: "timed-out",
      },
    ]);
    expect(await emsp.server.expectedResult(sent.responseId)).toMatchObject({ state: "timed-out", lateResults: 1 });
    expect(eventsOf(emsp, "result-received")).toEqual([]);
    expect(seen.seen).toHaveLength(1);
  });

  it("a response other than ACCEPTED settles at once: no result is waited for, no timeout reported", async () => {
    const seen = timeouts();
    const { emsp, cpoParty } = await pair(
      { command: () => ({ response: { result: "NOT_SUPPORTED", timeout: 0, message: [{ language: "en", text: "no unlocking here" }] } }) },
      { server: { onResultTimeout: seen.onResultTimeout } },
    );
    const sent = await emsp.server.sendCommand(cpoParty, "UNLOCK_CONNECTOR", { location_id: "LOC1", evse_uid: "E1", connector_id: "1" });
    expect(sent.response).toMatchObject({ result: "NOT_SUPPORTED" });
    expect(await sent.result).toBeUndefined();
    expect(await emsp.server.expectedResult(sent.responseId)).toMatchObject({ state: "not-accepted", response: { result: "NOT_SUPPORTED" } });
    expect(seen.seen).toEqual([]);
    expect(eventsOf(emsp, "result-timeout")).toEqual([]);
  });

  it("a request that fails keeps its record as failed and rejects", async () => {
    const { emsp, cpoParty } = await pair({
      command: () => {
        throw new Error("charge point database down");
      },
    });
    const error = await errorOf(emsp.server.sendCommand(cpoParty, "START_SESSION", start(), { responseId: "cmd-failed" }));
    expect(error).toMatchObject({ httpStatus: 500 });
    expect(await emsp.server.expectedResult("cmd-failed")).toMatchObject({ state: "failed" });
  });

  it("refuses a command the version does not have, and a party talking another version", async () => {
    const { emsp, cpoParty } = await pair();
    await expect(emsp.server.sendCommand(cpoParty, "CANCEL_RESERVATION", { reservation_id: "R1" }, { version: "2.1.1" } as never)).rejects.toThrow(
      /no command CANCEL_RESERVATION/,
    );
    await expect(emsp.server.sendCommand(cpoParty, "STOP_SESSION", { session_id: "S1" }, { version: "2.3.0" })).rejects.toThrow();
  });

  it("2.1.1: a CommandResponse without timeout waits the default, then times out", async () => {
    const seen = timeouts();
    const { emsp, cpoParty } = await pair(
      { command: never },
      { versions: ["2.1.1"], server: { expectedResults: { defaultTimeoutSeconds: 1 }, onResultTimeout: seen.onResultTimeout } },
    );
    expect(cpoParty.version).toBe("2.1.1");
    const body: Omit<V211.StartSession, "response_url"> = { token: { ...sample<V211.Token>("2.1.1", "Token"), uid: "TOKEN1" }, location_id: "LOC1" };
    const told = seen.next();
    const sent = await emsp.server.sendCommand(cpoParty, "START_SESSION", body, { version: "2.1.1" });
    expect(sent.response).toEqual({ result: "ACCEPTED" });
    expect(sent.responseUrl).toContain("/ocpi/2.1.1/commands/sender/postResult/");
    expect(await sent.result).toMatchObject({ result: "TIMEOUT" });
    expect(await told).toMatchObject({ version: "2.1.1", timeoutSeconds: 1, request: { operationId: "commandsReceiverStartSession" } });
  });

  it("2.1.1: the result the CPO posts in time (a CommandResponse) resolves the promise", async () => {
    const { emsp, cpoParty } = await pair({ command: () => later({ result: "ACCEPTED" }) }, { versions: ["2.1.1"] });
    const sent = await emsp.server.sendCommand(cpoParty, "STOP_SESSION", { session_id: "S1" }, { version: "2.1.1" });
    expect(await sent.result).toEqual({ result: "ACCEPTED" });
    expect(await emsp.server.expectedResult(sent.responseId)).toMatchObject({ state: "done", timeoutSeconds: 300 });
  });
});

describe("charging profiles", () => {
  it("setChargingProfile: the ChargingProfileResult posted in time", async () => {
    const { emsp, cpoParty } = await pair({
      profile: () => ({ response: { result: "ACCEPTED", timeout: 30 }, result: new Promise((r) => setTimeout(() => r({ result: "ACCEPTED" } as never), 10)) }),
    });
    const sent = await emsp.server.setChargingProfile(cpoParty, "S1", { charging_rate_unit: "W" });
    expect(sent.response).toEqual({ result: "ACCEPTED", timeout: 30 });
    expect(sent.responseUrl).toContain("/ocpi/2.2.1/chargingprofiles/sender/postSetProfileResult/");
    expect(await sent.result).toEqual({ result: "ACCEPTED" });
    expect(await emsp.server.expectedResult(sent.responseId)).toMatchObject({
      state: "done",
      operationId: "chargingprofilesSenderPostSetProfileResult",
      request: { operationId: "chargingprofilesReceiverSetProfile", params: { session_id: "S1" } },
    });
  });

  it("requestActiveChargingProfile and clearChargingProfile time out like commands", async () => {
    const seen = timeouts();
    const { emsp, cpoParty } = await pair(
      { profile: () => ({ response: { result: "ACCEPTED", timeout: 1 } }) },
      { server: { onResultTimeout: seen.onResultTimeout } },
    );
    const active = await emsp.server.requestActiveChargingProfile(cpoParty, "S1", 900);
    const cleared = await emsp.server.clearChargingProfile(cpoParty, "S1");
    expect(await active.result).toMatchObject({ result: "TIMEOUT" });
    expect(await cleared.result).toMatchObject({ result: "TIMEOUT" });
    await vi.waitFor(() =>
      expect(seen.seen.map((r) => r.operationId).sort()).toEqual([
        "chargingprofilesSenderPostActiveProfileResult",
        "chargingprofilesSenderPostClearProfileResult",
      ]),
    );
    expect(seen.seen.find((r) => r.responseId === active.responseId)?.request).toMatchObject({ params: { session_id: "S1", duration: 900 } });
  });

  it("a refusal (TOO_OFTEN) settles at once", async () => {
    const { emsp, cpoParty } = await pair({ profile: () => ({ response: { result: "TOO_OFTEN", timeout: 0 } }) });
    const sent = await emsp.server.clearChargingProfile(cpoParty, "S1");
    expect(sent.response).toEqual({ result: "TOO_OFTEN", timeout: 0 });
    expect(await sent.result).toBeUndefined();
  });
});

describe("across restarts and over time", () => {
  it("a server started on the same store times out a command sent before the restart", async () => {
    const directory = await mkdtemp(path.join(tmpdir(), "ocpi-pending-"));
    const store = await MemoryStore.open({ directory });
    const { emsp, cpoParty } = await pair({ command: never }, { store, server: { expectedResults: { sweepIntervalMs: 100 } } });
    const sent = await emsp.server.sendCommand(cpoParty, "START_SESSION", start(), { responseId: "before-restart" });
    expect(sent.response).toEqual({ result: "ACCEPTED", timeout: 1 });
    nodes.splice(nodes.indexOf(emsp), 1);
    await emsp.close();
    await store.close();
    await expect(sent.result).rejects.toThrow(/closed before the result came/);

    // The next process, on the store reopened from disk: onResultTimeout throws the first time, and is called again
    // by a later sweep.
    const reopened = await MemoryStore.open({ directory });
    const seen = timeouts();
    let failures = 1;
    const told = seen.next();
    const restarted = await startNode(EMSP_ROLE, {
      store: reopened,
      server: {
        expectedResults: { sweepIntervalMs: 100 },
        onResultTimeout: (request) => {
          if (failures-- > 0) throw new Error("the application's database is away");
          seen.onResultTimeout(request);
        },
      },
    });
    nodes.push(restarted);
    expect(await told).toMatchObject({
      responseId: "before-restart",
      partyId: cpoParty.id,
      state: "timed-out",
      result: { result: "TIMEOUT" },
      request: { operationId: "commandsReceiverStartSession" },
    });
    expect(eventsOf(restarted, "result-timeout")).toEqual([expect.objectContaining({ responseId: "before-restart" })]);
    expect(eventsOf(restarted, "expected-result-error")).toEqual([
      expect.objectContaining({ responseId: "before-restart", error: expect.objectContaining({ message: "the application's database is away" }) }),
    ]);
    await vi.waitFor(async () => expect((await restarted.server.expectedResult("before-restart"))?.notifiedAt).toBeDefined());
    expect(seen.seen).toHaveLength(1);
    nodes.splice(nodes.indexOf(restarted), 1);
    await restarted.close();
    await reopened.close();
  });

  it("on PostgreSQL (PGlite), of two servers sharing the database only one reports a timeout", async () => {
    const { PGlite } = await import("@electric-sql/pglite");
    const db = new PGlite();
    try {
      const sql = fromPglite(db);
      const store = await PostgresStore.open(sql, { schema: "pending_two_servers" });
      const seen = timeouts();
      const options = { expectedResults: { sweepIntervalMs: 50 }, onResultTimeout: seen.onResultTimeout };
      const { emsp, cpoParty } = await pair({ command: never }, { store, server: options });
      const other = await startNode(EMSP_ROLE, { store, server: options });
      nodes.push(other);
      const told = seen.next();
      const sent = await emsp.server.sendCommand(cpoParty, "START_SESSION", start());
      expect(await sent.result).toMatchObject({ result: "TIMEOUT" });
      expect(await told).toMatchObject({ responseId: sent.responseId, state: "timed-out" });
      await vi.waitFor(async () => expect((await other.server.expectedResult(sent.responseId))?.notifiedAt).toBeDefined());
      // Both swept the record after its deadline; the one that timed it out reported it.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(seen.seen).toHaveLength(1);
      expect([...eventsOf(emsp, "result-timeout"), ...eventsOf(other, "result-timeout")]).toHaveLength(1);
      await Promise.all(nodes.splice(0).map((n) => n.close()));
      await store.close();
    } finally {
      await db.close();
    }
    // A PGlite takes seconds to start.
  }, 60_000);

  it("records are removed a retention period after their request ended; a result then is an unknown response_id", async () => {
    const { emsp, cpoParty, postResult } = await pair(
      { command: () => later({ result: "ACCEPTED" }) },
      { server: { expectedResults: { retentionMs: 200, sweepIntervalMs: 50 } } },
    );
    const sent = await emsp.server.sendCommand(cpoParty, "START_SESSION", start());
    expect(await sent.result).toEqual({ result: "ACCEPTED" });
    // One given out with responseUrl alone (no deadline known) is removed as well.
    const bare = await emsp.server.responseUrl("commandsSenderPostResult", { party: cpoParty, responseId: "bare" });
    await vi.waitFor(async () => {
      expect(await emsp.server.expectedResult(sent.responseId)).toBeUndefined();
      expect(await emsp.server.expectedResult("bare")).toBeUndefined();
    });
    for (const url of [sent.responseUrl, bare]) {
      const error = await errorOf(postResult(url, { result: "ACCEPTED" }));
      expect(error).toMatchObject({ httpStatus: 404 });
      expect(error.message).toContain("unknown response_id");
    }
  });

  it("a result for a response_url given out with responseUrl alone is taken once and reported", async () => {
    const { emsp, cpoParty, postResult } = await pair();
    const url = await emsp.server.responseUrl("commandsSenderPostResult", { party: cpoParty, responseId: "manual" });
    await postResult(url, { result: "FAILED" });
    expect(emsp.commandResults).toEqual([{ result: { result: "FAILED" }, responseId: "manual" }]);
    expect(eventsOf(emsp, "result-received")).toEqual([
      { type: "result-received", partyId: cpoParty.id, operationId: "commandsSenderPostResult", responseId: "manual" },
    ]);
    // A repeat is taken too, as a late result of a request answered already.
    await postResult(url, { result: "FAILED" });
    expect(eventsOf(emsp, "late-result")).toEqual([expect.objectContaining({ responseId: "manual", state: "done" })]);
    expect(emsp.commandResults).toHaveLength(2);
  });
});

// Typed per version: a wrong command or body is a compile error.
export function typeChecks(emsp: TestNode, party: PartyRecord) {
  // @ts-expect-error 2.1.1 has no CANCEL_RESERVATION
  void emsp.server.sendCommand(party, "CANCEL_RESERVATION", { reservation_id: "R" }, { version: "2.1.1" });
  // @ts-expect-error the server adds the response_url
  void emsp.server.sendCommand(party, "STOP_SESSION", { session_id: "S", response_url: "x" }).then((s) => s.result);
  // @ts-expect-error STOP_SESSION needs a session_id
  void emsp.server.sendCommand(party, "STOP_SESSION", {});
}
