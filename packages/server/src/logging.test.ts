// What the server logs, over real HTTP on 127.0.0.1: one line per request (method, path, status, duration, request
// and correlation ids, operation, party) and one per error (message and stack), in pino's calling convention; JSON
// lines on the console by default; nothing with `logger: false`.
import { afterEach, describe, expect, it, vi } from "vitest";
import { base64Encode, type Logger } from "@ocpi-sdk/protocol";
import type * as T from "@ocpi-sdk/types/2.2.1";
import { storeHandlers } from "./handlers/store-handlers.js";
import type { Store } from "./store/store.js";
import { CPO_ROLE, EMSP_ROLE, startNode, type TestNode } from "./testing/nodes.js";

const nodes: TestNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

/** A Logger shaped like pino's (extra methods and properties), keeping its calls as they were made. */
function pinoLike() {
  const calls: { level: string; fields: Record<string, unknown>; message: string | undefined }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message?: string) => void calls.push({ level, fields, message });
  const logger = {
    level: "info",
    trace: at("trace"),
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    fatal: at("fatal"),
    child: () => logger,
  };
  return { calls, logger, requests: () => calls.filter((c) => c.message === "request") };
}

const now = () => new Date().toISOString();

/** A CPO whose locations list throws, and a registered eMSP party calling it with token-c. */
async function cpoWith(logger: Logger | false | undefined) {
  const handlers = (store: Store) => {
    const base = storeHandlers(store, { roles: [CPO_ROLE] });
    return {
      ...base,
      locations: {
        sender: {
          ...base.locations!.sender!,
          list: async () => {
            throw new Error("database unreachable");
          },
        },
      },
    };
  };
  const cpo = await startNode(CPO_ROLE, { handlers, server: { logger } });
  nodes.push(cpo);
  await cpo.store.putParty({
    id: "emsp-1",
    incomingToken: "token-c",
    incomingTokenKind: "C",
    endpoints: [],
    roles: [{ ...EMSP_ROLE } as T.CredentialsRole],
    status: "registered",
    createdAt: now(),
    updatedAt: now(),
  });
  return cpo;
}

const call = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, { headers: { Authorization: `Token ${base64Encode("token-c")}`, ...headers } }).then(async (r) => ({
    status: r.status,
    headers: r.headers,
    body: await r.text(),
  }));

describe("server logging", () => {
  it("writes one line per request, with the request's ids, operation and party", async () => {
    const { logger, requests, calls } = pinoLike();
    const cpo = await cpoWith(logger);
    await call(`${cpo.url}/ocpi/2.2.1/locations/sender/LOC1`, { "X-Request-ID": "req-1", "X-Correlation-ID": "corr-1" });
    await fetch(`${cpo.url}/ocpi/2.2.1/tariffs/sender`);
    const missing = await fetch(`${cpo.url}/no/such/path`);
    expect(requests()).toEqual([
      {
        level: "info",
        message: "request",
        fields: {
          method: "GET",
          path: "/ocpi/2.2.1/locations/sender/LOC1",
          status: 404,
          durationMs: expect.any(Number),
          requestId: "req-1",
          correlationId: "corr-1",
          operationId: "locationsSenderGet",
          partyId: "emsp-1",
        },
      },
      // Refused before the party is known: no partyId. Ids the caller did not send are the ones answered.
      {
        level: "info",
        message: "request",
        fields: {
          method: "GET",
          path: "/ocpi/2.2.1/tariffs/sender",
          status: 401,
          durationMs: expect.any(Number),
          requestId: expect.any(String),
          correlationId: expect.any(String),
          operationId: "tariffsSenderList",
        },
      },
      {
        level: "info",
        message: "request",
        fields: {
          method: "GET",
          path: "/no/such/path",
          status: 404,
          durationMs: expect.any(Number),
          requestId: missing.headers.get("X-Request-ID"),
          correlationId: missing.headers.get("X-Correlation-ID"),
        },
      },
    ]);
    expect(calls).toHaveLength(3);
    expect(requests()[0]!.fields.durationMs as number).toBeGreaterThanOrEqual(0);
  });

  it("writes one error line per failure, with the error (message and stack) under err, then the request line", async () => {
    const { logger, calls } = pinoLike();
    const cpo = await cpoWith(logger);
    const answer = await call(`${cpo.url}/ocpi/2.2.1/locations/sender`, { "X-Request-ID": "req-2", "X-Correlation-ID": "corr-2" });
    expect(answer.status).toBe(500);
    expect(answer.body).not.toContain("database unreachable");
    expect(calls.map((c) => [c.level, c.message])).toEqual([
      ["error", "database unreachable"],
      ["info", "request"],
    ]);
    const [error, request] = calls;
    expect(error!.fields).toEqual({
      event: "error",
      operationId: "locationsSenderList",
      requestId: "req-2",
      correlationId: "corr-2",
      partyId: "emsp-1",
      err: expect.any(Error),
    });
    // pino's err serializer reads a real Error: its message and stack are there.
    expect((error!.fields.err as Error).message).toBe("database unreachable");
    expect((error!.fields.err as Error).stack).toContain("database unreachable");
    expect(request!.fields).toMatchObject({ status: 500, requestId: "req-2", partyId: "emsp-1" });
    // The `log` events are still given too.
    expect(cpo.events).toContainEqual(expect.objectContaining({ type: "error", operationId: "locationsSenderList", requestId: "req-2" }));
  });

  it("logs registrations at info, and the deviations of a party's answers once per kind at warn", async () => {
    const cpoLog = pinoLike();
    const cpo = await startNode(CPO_ROLE, { server: { logger: cpoLog.logger } });
    const emsp = await startNode(EMSP_ROLE);
    nodes.push(cpo, emsp);
    const { token } = await cpo.server.credentials.createRegistrationToken();
    await emsp.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token });
    const registered = cpoLog.calls.filter((c) => c.fields.event === "registered");
    expect(registered).toEqual([
      { level: "info", message: "registered", fields: expect.objectContaining({ event: "registered", direction: "incoming", version: "2.2.1" }) },
    ]);
    // The handshake's own requests: the eMSP's versions, details and credentials POST at the CPO.
    expect(cpoLog.requests().map((c) => `${c.fields.method} ${c.fields.path} ${c.fields.status}`)).toEqual([
      "GET /ocpi/versions 200",
      "GET /ocpi/2.2.1 200",
      "POST /ocpi/2.2.1/credentials 200",
    ]);
    expect(cpoLog.calls.filter((c) => c.level === "error" || c.level === "warn")).toEqual([]);
  });

  it("by default writes JSON lines on the console: requests on console.info, errors on console.error", async () => {
    const info = vi.spyOn(console, "info").mockImplementation(() => {});
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const cpo = await cpoWith(undefined);
      await call(`${cpo.url}/ocpi/2.2.1/locations/sender`, { "X-Request-ID": "req-3" });
      expect(info).toHaveBeenCalledTimes(1);
      expect(error).toHaveBeenCalledTimes(1);
      const request = JSON.parse(String(info.mock.calls[0]![0])) as Record<string, unknown>;
      const failure = JSON.parse(String(error.mock.calls[0]![0])) as Record<string, unknown>;
      expect(request).toEqual({
        level: 30,
        time: expect.any(Number),
        method: "GET",
        path: "/ocpi/2.2.1/locations/sender",
        status: 500,
        durationMs: expect.any(Number),
        requestId: "req-3",
        correlationId: expect.any(String),
        operationId: "locationsSenderList",
        partyId: "emsp-1",
        msg: "request",
      });
      expect(failure).toMatchObject({
        level: 50,
        event: "error",
        requestId: "req-3",
        err: { type: "Error", message: "database unreachable", stack: expect.stringContaining("database unreachable") },
        msg: "database unreachable",
      });
    } finally {
      info.mockRestore();
      error.mockRestore();
    }
  });

  it("logs nothing with logger: false", async () => {
    const spies = (["debug", "info", "warn", "error", "log"] as const).map((level) => vi.spyOn(console, level).mockImplementation(() => {}));
    try {
      const cpo = await cpoWith(false);
      expect(cpo.server.logger).toBeUndefined();
      await call(`${cpo.url}/ocpi/2.2.1/locations/sender`);
      await call(`${cpo.url}/ocpi/2.2.1/locations/sender/LOC1`);
      await fetch(`${cpo.url}/nothing`);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
      expect(cpo.events).toContainEqual(expect.objectContaining({ type: "error" }));
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});
