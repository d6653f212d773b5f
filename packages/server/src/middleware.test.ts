// Middleware over real HTTP on 127.0.0.1: given in the `middleware` option and added with server.use() (before and
// after requests were served), run in order for OCPI routes, 404s and 405s; hono/logger; middleware that answers
// itself or throws; the warning about server.app.use() after construction.
import type { MiddlewareHandler } from "hono";
import { logger as honoLogger } from "hono/logger";
import { afterEach, describe, expect, it } from "vitest";
import { base64Encode } from "@ocpi-sdk/protocol";
import type { Logger } from "@ocpi-sdk/protocol";
import { CPO_ROLE, startNode, type TestNode } from "./testing/nodes.js";

const nodes: TestNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

async function node(options?: Parameters<typeof startNode>[1]) {
  const n = await startNode(CPO_ROLE, options);
  nodes.push(n);
  return n;
}

/** A middleware that writes `>name` before the rest of the chain and `<name status` after it. */
const tracing =
  (trace: string[], name: string): MiddlewareHandler =>
  async (c, next) => {
    trace.push(`>${name}`);
    await next();
    trace.push(`<${name} ${c.res.status}`);
    c.header(`X-Seen-By-${name}`, "yes");
  };

async function get(url: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.token !== undefined) headers.set("Authorization", `Token ${base64Encode(init.token)}`);
  const response = await fetch(url, { ...init, headers });
  const body = (await response.json()) as { status_code?: number };
  return { status: response.status, headers: response.headers, body };
}

const capturing = () => {
  const entries: { level: string; fields: Record<string, unknown>; message?: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message?: string) =>
    void entries.push({ level, fields, ...(message !== undefined ? { message } : {}) });
  const logger: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  return { entries, logger };
};

describe("middleware", () => {
  it("given in the option and with use(), runs in that order for OCPI routes, 404s and 405s", async () => {
    const trace: string[] = [];
    const cpo = await node({ server: { middleware: [tracing(trace, "A"), tracing(trace, "B")] } });
    cpo.server.use(tracing(trace, "C"));
    const { token } = await cpo.server.credentials.createRegistrationToken();

    const details = await get(`${cpo.url}/ocpi/2.2.1`, { token });
    expect(details.status).toBe(200);
    expect(trace.splice(0)).toEqual([">A", ">B", ">C", "<C 200", "<B 200", "<A 200"]);
    expect([details.headers.get("X-Seen-By-A"), details.headers.get("X-Seen-By-C")]).toEqual(["yes", "yes"]);

    // Added after requests were served: runs from the next request on, after the others.
    cpo.server.use(tracing(trace, "D"));
    const refused = await get(`${cpo.url}/ocpi/2.2.1/locations/sender`);
    expect(refused.status).toBe(401);
    expect(trace.splice(0)).toEqual([">A", ">B", ">C", ">D", "<D 401", "<C 401", "<B 401", "<A 401"]);

    const unknown = await get(`${cpo.url}/nothing/here`);
    expect(unknown).toMatchObject({ status: 404, body: { status_code: 2000 } });
    expect(unknown.headers.get("X-Seen-By-D")).toBe("yes");
    expect(trace.splice(0)).toEqual([">A", ">B", ">C", ">D", "<D 404", "<C 404", "<B 404", "<A 404"]);

    const wrongMethod = await get(`${cpo.url}/ocpi/versions`, { method: "DELETE", token });
    expect(wrongMethod.status).toBe(405);
    expect(trace.splice(0)).toEqual([">A", ">B", ">C", ">D", "<D 405", "<C 405", "<B 405", "<A 405"]);
  });

  it("logs with hono/logger, for OCPI routes and 404s", async () => {
    const lines: string[] = [];
    const cpo = await node({ server: { middleware: [honoLogger((line) => lines.push(line))] } });
    const { token } = await cpo.server.credentials.createRegistrationToken();
    await get(`${cpo.url}/ocpi/versions`, { token });
    await get(`${cpo.url}/ocpi/2.9.9`, { token });
    // eslint-disable-next-line no-control-regex
    const plain = lines.map((line) => line.replace(/\x1b\[\d+m/g, ""));
    expect(plain).toEqual([
      "<-- GET /ocpi/versions",
      expect.stringMatching(/^--> GET \/ocpi\/versions 200 \d+m?s$/),
      "<-- GET /ocpi/2.9.9",
      expect.stringMatching(/^--> GET \/ocpi\/2\.9\.9 404 \d+m?s$/),
    ]);
  });

  it("a middleware may answer itself: the routes are not reached, the middleware before it see its answer", async () => {
    const trace: string[] = [];
    const maintenance: MiddlewareHandler = async (c) => c.json({ status_code: 3000, status_message: "down for maintenance" }, 503);
    const { entries, logger } = capturing();
    const cpo = await node({ server: { middleware: [tracing(trace, "A"), maintenance, tracing(trace, "never")], logger } });
    const { token } = await cpo.server.credentials.createRegistrationToken();
    const answer = await get(`${cpo.url}/ocpi/versions`, { token });
    expect(answer).toMatchObject({ status: 503, body: { status_code: 3000 } });
    expect(answer.headers.get("X-Seen-By-A")).toBe("yes");
    expect(trace).toEqual([">A", "<A 503"]);
    expect(entries.filter((e) => e.message === "request").map((e) => e.fields.status)).toEqual([503]);
  });

  it("a middleware that throws gives a 500 envelope, seen by the middleware before it, and an error line", async () => {
    const trace: string[] = [];
    const failing: MiddlewareHandler = async () => {
      throw new Error("tracing backend down");
    };
    const { entries, logger } = capturing();
    const cpo = await node({ server: { middleware: [tracing(trace, "A"), failing], logger } });
    const answer = await get(`${cpo.url}/ocpi/versions`, { headers: { "X-Request-ID": "req-1" } });
    expect(answer).toMatchObject({ status: 500, body: { status_code: 3000 } });
    expect(answer.headers.get("X-Request-ID")).toBe("req-1");
    expect(trace).toEqual([">A", "<A 500"]);
    expect(cpo.events).toContainEqual(expect.objectContaining({ type: "error", operationId: "unrouted", requestId: "req-1" }));
    expect(entries.map((e) => [e.level, e.message])).toEqual([
      ["error", "tracing backend down"],
      ["info", "request"],
    ]);
  });

  it("middleware added with server.app.use() after construction: runs only where no route answers, and is warned of", async () => {
    const trace: string[] = [];
    const { entries, logger } = capturing();
    const cpo = await node({ server: { logger } });
    cpo.server.app.use(tracing(trace, "late"));
    const { token } = await cpo.server.credentials.createRegistrationToken();
    await get(`${cpo.url}/ocpi/versions`, { token });
    await get(`${cpo.url}/ocpi/versions`, { token });
    expect(trace).toEqual([]);
    const warnings = entries.filter((e) => e.level === "warn");
    expect(warnings).toEqual([{ level: "warn", fields: { paths: ["/*"] }, message: expect.stringContaining("server.use()") }]);
  });
});
