// The server over real HTTP on 127.0.0.1: every route, the auth matrix, validation, pagination, the handshake
// between two of our own nodes, and the command round trip.
import { afterEach, describe, expect, it } from "vitest";
import { base64Encode } from "@ocpi-sdk/protocol";
import type * as T from "@ocpi-sdk/types/2.2.1";
import { sample } from "../../client/src/testing/fixtures.js";
import { errorOf } from "../../client/src/testing/errors.js";
import { routes } from "./generated/2.2.1/index.gen.js";
import { saveObject } from "./handlers/store-handlers.js";
import type { RouteInfo } from "./runtime/routes.js";
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

/** A CPO and an eMSP, registered with each other (the eMSP started the handshake). */
async function pair() {
  const cpo = await node(CPO_ROLE);
  const emsp = await node(EMSP_ROLE);
  const { token } = await cpo.server.credentials.createRegistrationToken();
  const cpoParty = await emsp.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token });
  const [emspParty] = (await cpo.store.listParties()).filter((p) => p.status === "registered");
  return {
    cpo,
    emsp,
    cpoParty,
    emspParty: emspParty!,
    emspClient: emsp.server.credentials.clientFor(cpoParty, "2.2.1"),
    cpoClient: cpo.server.credentials.clientFor(emspParty!, "2.2.1"),
  };
}

const location = (id = "LOC1", over: Partial<T.Location> = {}): T.Location => ({
  ...sample<T.Location>("2.2.1", "Location"),
  country_code: CPO_ROLE.country_code,
  party_id: CPO_ROLE.party_id,
  id,
  ...over,
});

async function raw(url: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.token !== undefined) headers.set("Authorization", `Token ${base64Encode(init.token)}`);
  const response = await fetch(url, { ...init, headers });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as { status_code: number; status_message?: string; data?: unknown }) : undefined,
  };
}

describe("credentials handshake", () => {
  it("registers both ways, rotates tokens and unregisters", async () => {
    const { cpo, emsp, cpoParty, emspParty, emspClient } = await pair();
    expect(cpoParty).toMatchObject({ status: "registered", version: "2.2.1", roles: [expect.objectContaining({ role: "CPO", party_id: "CPO" })] });
    expect(emspParty).toMatchObject({ status: "registered", version: "2.2.1", outgoingToken: cpoParty.incomingToken, incomingToken: cpoParty.outgoingToken });
    expect(cpoParty.endpoints.map((e) => `${e.identifier}:${e.role}`)).toEqual(
      expect.arrayContaining(["locations:SENDER", "commands:RECEIVER", "tokens:RECEIVER"]),
    );
    expect(cpo.events).toContainEqual(expect.objectContaining({ type: "registered", direction: "incoming" }));

    // Token A is spent: it no longer opens anything.
    const { data } = await emspClient.credentials.get();
    expect(data).toEqual({ token: cpoParty.outgoingToken, url: cpo.server.versionsUrl, roles: [CPO_ROLE] });

    const rotated = await emsp.server.credentials.rotate(cpoParty);
    expect(rotated.outgoingToken).not.toBe(cpoParty.outgoingToken);
    expect(rotated.incomingToken).not.toBe(cpoParty.incomingToken);
    const old = await raw(`${cpo.url}/ocpi/2.2.1/locations/sender`, { token: cpoParty.outgoingToken! });
    expect(old.status).toBe(401);
    await emsp.server.credentials.clientFor(rotated, "2.2.1").locations.sender.list();

    await emsp.server.credentials.unregisterFrom(rotated);
    const after = await raw(`${cpo.url}/ocpi/2.2.1/locations/sender`, { token: rotated.outgoingToken! });
    expect(after.status).toBe(401);
  });

  it("refuses a second POST and a PUT before registration with 405", async () => {
    const { cpo, emspClient } = await pair();
    const again = await errorOf(emspClient.credentials.post({ body: { token: "x", url: "http://127.0.0.1:1/v", roles: [EMSP_ROLE] } }));
    expect(again).toMatchObject({ httpStatus: 405 });
    const { token } = await cpo.server.credentials.createRegistrationToken();
    const res = await raw(`${cpo.url}/ocpi/2.2.1/credentials`, {
      method: "PUT",
      token,
      body: JSON.stringify({ token: "t", url: "http://127.0.0.1:1/v", roles: [EMSP_ROLE] }),
      headers: { "Content-Type": "application/json" },
    });
    expect(res.status).toBe(405);
  });

  it("answers 3001 when it cannot use the registering party's API", async () => {
    const cpo = await node(CPO_ROLE);
    const { token } = await cpo.server.credentials.createRegistrationToken();
    const res = await raw(`${cpo.url}/ocpi/2.2.1/credentials`, {
      method: "POST",
      token,
      body: JSON.stringify({ token: "t", url: "http://127.0.0.1:1/ocpi/versions", roles: [EMSP_ROLE] }),
      headers: { "Content-Type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(res.body?.status_code).toBe(3001);
  });
});

describe("the auth matrix", () => {
  it.each([
    ["no Authorization header", undefined, "/ocpi/2.2.1/locations/sender", "GET", 401, 2000],
    ["an unknown token", "nope", "/ocpi/2.2.1/locations/sender", "GET", 401, 2000],
    ["Token A on a module", "A", "/ocpi/2.2.1/locations/sender", "GET", 401, 2000],
    ["Token A on versions", "A", "/ocpi/versions", "GET", 200, 1000],
    ["Token A on version details", "A", "/ocpi/2.2.1", "GET", 200, 1000],
    ["Token A on credentials", "A", "/ocpi/2.2.1/credentials", "GET", 200, 1000],
    ["Token C on a module", "C", "/ocpi/2.2.1/locations/sender", "GET", 200, 1000],
    ["Token C raw instead of base64", "C-raw", "/ocpi/2.2.1/locations/sender", "GET", 200, 1000],
    ["writing another party's object", "C", "/ocpi/2.2.1/locations/receiver/DE/XYZ/LOC1", "PUT", 403, 2000],
    ["writing one's own object", "C", "/ocpi/2.2.1/locations/receiver/NL/CPO/LOC1", "PUT", 200, 1000],
  ])("%s: HTTP %i, OCPI %i", async (_, token, path, method, httpStatus, statusCode) => {
    const { cpo, emsp, emspParty } = await pair();
    const { token: tokenA } = await cpo.server.credentials.createRegistrationToken();
    const target = path.includes("/receiver/") ? emsp : cpo;
    const party = path.includes("/receiver/") ? (await emsp.store.listParties()).find((p) => p.status === "registered")! : emspParty;
    const headers = new Headers({ "Content-Type": "application/json" });
    if (token === "A") headers.set("Authorization", `Token ${base64Encode(tokenA)}`);
    else if (token === "C") headers.set("Authorization", `Token ${base64Encode(party.incomingToken)}`);
    else if (token === "C-raw") headers.set("Authorization", `Token ${party.incomingToken}`);
    else if (token) headers.set("Authorization", `Token ${base64Encode(token)}`);
    const body = method === "PUT" ? JSON.stringify(location("LOC1", path.includes("/DE/") ? { country_code: "DE", party_id: "XYZ" } : {})) : undefined;
    const res = await raw(`${target.url}${path}`, { method, headers, ...(body ? { body } : {}) });
    expect([res.status, res.body?.status_code]).toEqual([httpStatus, statusCode]);
  });
});

describe("validation", () => {
  const put = async (n: TestNode, token: string, path: string, body: string) =>
    raw(`${n.url}${path}`, { method: "PUT", token, body, headers: { "Content-Type": "application/json" } });

  it.each([
    [
      "a missing field deep inside",
      (l: any) => {
        delete l.evses[0].uid;
        return JSON.stringify(l);
      },
      "/evses/0/uid: is required",
    ],
    ["an unknown enum value", (l: any) => JSON.stringify({ ...l, parking_type: "ON_ROOF" }), "/parking_type: must be one of"],
    ["a string one over its length", (l: any) => JSON.stringify({ ...l, postal_code: "12345678901" }), "/postal_code: must be at most 10 characters long"],
    ["a wrong type", (l: any) => JSON.stringify({ ...l, publish: "yes" }), "/publish: must be true or false"],
    ["a body that is not JSON", () => "{not json", "/body: is not valid JSON"],
    ["no body", () => "", "/body: is required"],
    ["an id that differs from the path", (l: any) => JSON.stringify({ ...l, id: "OTHER" }), "/id: must equal the path's location_id LOC1"],
  ])("rejects %s with 2001 and the field's pointer", async (_, mutate, message) => {
    const { emsp } = await pair();
    const party = (await emsp.store.listParties()).find((p) => p.status === "registered")!;
    const full = { ...location(), evses: [sample<T.EVSE>("2.2.1", "EVSE")] };
    const res = await put(emsp, party.incomingToken, "/ocpi/2.2.1/locations/receiver/NL/CPO/LOC1", mutate(structuredClone(full)));
    expect(res.status).toBe(400);
    expect(res.body?.status_code).toBe(2001);
    expect(res.body?.status_message).toContain(message);
    expect(await emsp.store.getObject({ module: "locations.received", country_code: "NL", party_id: "CPO", id: "LOC1" })).toBeUndefined();
  });

  it("rejects a PATCH without last_updated and leaves the object unchanged", async () => {
    const { emsp, cpoClient } = await pair();
    await cpoClient.locations.receiver.put({ country_code: "NL", party_id: "CPO", location_id: "LOC1", body: location() });
    const party = (await emsp.store.listParties()).find((p) => p.status === "registered")!;
    const res = await raw(`${emsp.url}/ocpi/2.2.1/locations/receiver/NL/CPO/LOC1`, {
      method: "PATCH",
      token: party.incomingToken,
      body: JSON.stringify({ publish: false }),
      headers: { "Content-Type": "application/json" },
    });
    expect([res.status, res.body?.status_code, res.body?.status_message]).toEqual([400, 2001, "/last_updated: is required"]);
    expect((await cpoClient.locations.receiver.get({ country_code: "NL", party_id: "CPO", location_id: "LOC1" })).data.publish).toBe(location().publish);
  });

  it.each([
    [`/ocpi/2.2.1/locations/sender/${"x".repeat(37)}`, "/path/location_id: must be at most 36 characters long"],
    ["/ocpi/2.2.1/locations/sender?limit=ten", "/query/limit: must be a whole number of at least 0"],
    ["/ocpi/2.2.1/locations/sender?date_from=yesterday", "/query/date_from: must be an RFC 3339 date-time in UTC"],
    ["/ocpi/2.2.1/sessions/sender", "/query/date_from: is required"],
  ])("rejects bad parameters: %s", async (path, message) => {
    const { cpo, emspParty } = await pair();
    const res = await raw(`${cpo.url}${path}`, { token: emspParty.incomingToken });
    expect([res.status, res.body?.status_code]).toEqual([400, 2001]);
    expect(res.body?.status_message).toContain(message);
  });

  it("refuses a body over the size limit with 413", async () => {
    const { emsp } = await pair();
    const party = (await emsp.store.listParties()).find((p) => p.status === "registered")!;
    const res = await raw(`${emsp.url}/ocpi/2.2.1/locations/receiver/NL/CPO/LOC1`, {
      method: "PUT",
      token: party.incomingToken,
      body: JSON.stringify({ ...location(), name: "x".repeat(2 * 1024 * 1024) }),
      headers: { "Content-Type": "application/json" },
    });
    expect([res.status, res.body?.status_code]).toEqual([413, 2001]);
  });
});

describe("envelope on every response", () => {
  it("404 for an unknown path, 405 for a wrong method, ids echoed", async () => {
    const { cpo, emspParty } = await pair();
    const notFound = await raw(`${cpo.url}/ocpi/2.2.1/nothing`, {
      token: emspParty.incomingToken,
      headers: { "X-Request-ID": "r1", "X-Correlation-ID": "c1" },
    });
    expect([notFound.status, notFound.body?.status_code]).toEqual([404, 2000]);
    expect([notFound.headers.get("X-Request-ID"), notFound.headers.get("X-Correlation-ID")]).toEqual(["r1", "c1"]);
    const wrong = await raw(`${cpo.url}/ocpi/2.2.1/locations/sender`, { method: "DELETE", token: emspParty.incomingToken });
    expect([wrong.status, wrong.body?.status_code, wrong.headers.get("Allow")]).toEqual([405, 2000, "GET"]);
    const unknown = await raw(`${cpo.url}/ocpi/2.2.1/locations/sender/NOPE`, { token: emspParty.incomingToken });
    expect([unknown.status, unknown.body?.status_code]).toEqual([404, 2003]);
    expect(typeof unknown.body?.status_message).toBe("string");
  });

  it("answers 500 with 3000 when a handler fails, and when it returns invalid data", async () => {
    const cpo = await node(CPO_ROLE, {
      handlers: () => ({
        locations: {
          sender: {
            list: async () => {
              throw new Error("database down");
            },
            get: async () => ({ id: "broken" }) as never,
            getEvse: async () => {
              throw new Error("x");
            },
            getConnector: async () => {
              throw new Error("x");
            },
          },
        },
      }),
    });
    const emsp = await node(EMSP_ROLE);
    const { token } = await cpo.server.credentials.createRegistrationToken();
    const party = await emsp.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token });
    const client = emsp.server.credentials.clientFor(party, "2.2.1");
    // Only the modules given handlers are listed (and routed), besides credentials.
    expect(party.endpoints.map((e) => `${e.identifier}:${e.role}`)).toEqual(["credentials:SENDER", "locations:SENDER"]);
    const tariffs = await fetch(`${cpo.url}/ocpi/2.2.1/tariffs/sender`, { headers: { Authorization: `Token ${base64Encode(party.outgoingToken!)}` } });
    expect(tariffs.status).toBe(404);
    expect(await errorOf(client.locations.sender.list())).toMatchObject({ httpStatus: 500, statusCode: 3000, statusMessage: "internal error" });
    expect(await errorOf(client.locations.sender.get({ location_id: "x" }))).toMatchObject({ httpStatus: 500, statusCode: 3000 });
    // The client retries a GET twice on 5xx: three logged failures per call.
    expect(cpo.events.filter((e) => e.type === "error")).toHaveLength(6);
  });
});

describe("pagination", () => {
  it("pages with Link, X-Total-Count and X-Limit, date_from inclusive and date_to exclusive", async () => {
    const { cpo, emspClient } = await pair();
    for (let i = 0; i < 250; i++)
      await saveObject(
        cpo.store,
        "locations",
        `L${String(i).padStart(3, "0")}`,
        location(`L${String(i).padStart(3, "0")}`, { last_updated: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString().replace(".000", "") }),
      );
    const page = await emspClient.locations.sender.list({ limit: 500 });
    expect(page).toMatchObject({ totalCount: 250, limit: 100 });
    expect(page.data).toHaveLength(100);
    expect(page.next).toBe(`${cpo.url}/ocpi/2.2.1/locations/sender?limit=100&offset=100`);
    const all = await emspClient.locations.sender.all().toArray();
    expect(all.map((l) => l.id)).toEqual(Array.from({ length: 250 }, (_, i) => `L${String(i).padStart(3, "0")}`));
    const window = await emspClient.locations.sender.all({ date_from: "2024-01-01T00:00:10Z", date_to: "2024-01-01T00:00:20Z" }).toArray();
    expect(window.map((l) => l.id)).toEqual(Array.from({ length: 10 }, (_, i) => `L${String(i + 10).padStart(3, "0")}`));
    const last = await emspClient.locations.sender.list({ offset: 200, limit: 50 });
    expect(last.data).toHaveLength(50);
    expect(last.next).toBeUndefined();
  });
});

describe("every route answers", () => {
  // Hub client info's list is served by hubs only; the test nodes are a CPO and an eMSP.
  const moduleRoutes = (routes as readonly RouteInfo[]).filter(
    (r) => r.interface && r.module !== "credentials" && r.url === "endpoint" && r.operationId !== "hubclientinfoSenderList",
  );

  it.each(moduleRoutes.map((r) => [r.operationId, r] as const))("%s", async (_, route) => {
    const { cpo, emsp, emspClient, cpoClient, cpoParty } = await pair();
    // Who serves it: the CPO serves what a CPO implements, the eMSP the rest.
    const cpoServes = cpo.server.servedRoutes().some((r) => r.operationId === route.operationId);
    const client = cpoServes ? emspClient : cpoClient;
    const owner = cpoServes ? EMSP_ROLE : CPO_ROLE;
    const server = cpoServes ? cpo : emsp;
    expect(cpoServes || emsp.server.servedRoutes().some((r) => r.operationId === route.operationId)).toBe(true);
    const ids = {
      location_id: "LOC1",
      evse_uid: sample<T.EVSE>("2.2.1", "EVSE").uid,
      connector_id: sample<T.Connector>("2.2.1", "Connector").id,
      session_id: "S1",
      tariff_id: "T1",
      token_uid: "TOK1",
      cdr_id: "CDR1",
    };
    // Seed what a lookup needs.
    const evse = sample<T.EVSE>("2.2.1", "EVSE");
    const loc = location("LOC1", { evses: [{ ...evse, connectors: [sample<T.Connector>("2.2.1", "Connector")] }] });
    await saveObject(cpo.store, "locations", "LOC1", loc);
    await server.store.putObject({
      module: "locations.received",
      country_code: owner.country_code,
      party_id: owner.party_id,
      id: "LOC1",
      last_updated: loc.last_updated,
      data: { ...loc, country_code: owner.country_code, party_id: owner.party_id },
    });
    for (const [module, id, value] of [
      ["sessions", "S1", sample<Record<string, unknown>>("2.2.1", "Session")],
      ["tariffs", "T1", sample<Record<string, unknown>>("2.2.1", "Tariff")],
      ["tokens", "TOK1", sample<Record<string, unknown>>("2.2.1", "Token")],
      ["cdrs", "CDR1", sample<Record<string, unknown>>("2.2.1", "CDR")],
    ] as const) {
      await server.store.putObject({
        module: `${module}.received`,
        country_code: owner.country_code,
        party_id: owner.party_id,
        id,
        last_updated: "2024-01-01T00:00:00Z",
        data: { ...value, country_code: owner.country_code, party_id: owner.party_id, id, ...(module === "tokens" ? { uid: id, type: "RFID" } : {}) },
      });
    }
    await saveObject(server.store, "tokens", "TOK1", {
      ...sample<T.Token>("2.2.1", "Token"),
      country_code: "NL",
      party_id: server === cpo ? "CPO" : "MSP",
      uid: "TOK1",
      type: "RFID",
    });
    await server.store.putObject({
      module: "sessions",
      country_code: "NL",
      party_id: "MSP",
      id: "S1",
      last_updated: "2024-01-01T00:00:00Z",
      data: sample("2.2.1", "Session"),
    });
    await server.store.putObject({
      module: "clientinfo.received",
      country_code: owner.country_code,
      party_id: owner.party_id,
      id: `${owner.country_code}/${owner.party_id}`,
      last_updated: "2024-01-01T00:00:00Z",
      data: sample("2.2.1", "ClientInfo"),
    });

    const params: Record<string, unknown> = {};
    for (const p of route.pathParams)
      params[p.name] = p.name === "country_code" ? owner.country_code : p.name === "party_id" ? owner.party_id : ids[p.name as keyof typeof ids];
    for (const q of route.query)
      if (q.required)
        params[q.name] =
          q.name === "date_from"
            ? "2020-01-01T00:00:00Z"
            : q.name === "duration"
              ? 600
              : q.name === "response_url"
                ? await emsp.server.responseUrl("chargingprofilesSenderPostActiveProfileResult", { party: cpoParty })
                : undefined;
    let body: unknown = route.request ? sample("2.2.1", route.request.validator.name) : undefined;
    if (body && typeof body === "object" && "country_code" in (body as object))
      body = { ...(body as object), country_code: owner.country_code, party_id: owner.party_id };
    if (route.method === "PUT" && body && typeof body === "object" && route.pathParams.length === 3) {
      const idParam = route.pathParams[2]!.name;
      body = { ...(body as object), [idParam === "token_uid" ? "uid" : "id"]: params[idParam] };
    }
    if (route.request?.validator.name === "ClientInfo") body = { ...(body as object), country_code: owner.country_code, party_id: owner.party_id };
    if (route.operationId === "cdrsReceiverPost") body = { ...(body as object), id: "CDR2" };
    const result = await client.callOperation(route.operationId, { ...params, ...(body !== undefined ? { body } : {}) });
    expect(result.statusCode).toBe(1000);
    expect(result.httpStatus).toBe(200);
    if (route.response)
      expect(
        route.response.validator.validate(route.response.list ? ((result.data as unknown[])[0] ?? sample("2.2.1", route.response.validator.name)) : result.data)
          .ok,
      ).toBe(true);
    await server.server.idle();
  });
});

describe("charging profiles", () => {
  it("answers at once and delivers each result to its response_url", async () => {
    const received: string[] = [];
    const emsp = await node(EMSP_ROLE, {
      handlers: () => ({
        chargingprofiles: {
          sender: {
            postActiveProfileResult: async ({ params, body }) => void received.push(`active ${params.response_id} ${body.result}`),
            postSetProfileResult: async ({ params, body }) => void received.push(`set ${params.response_id} ${body.result}`),
            postClearProfileResult: async ({ params, body }) => void received.push(`clear ${params.response_id} ${body.result}`),
            putActiveProfile: async () => {},
          },
        },
      }),
    });
    const cpo = await node(CPO_ROLE);
    const { token } = await cpo.server.credentials.createRegistrationToken();
    const party = await emsp.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token });
    const client = emsp.server.credentials.clientFor(party, "2.2.1");
    const get = await client.chargingprofiles.receiver.getActiveProfile({
      session_id: "S1",
      duration: 900,
      response_url: await emsp.server.responseUrl("chargingprofilesSenderPostActiveProfileResult", { party, responseId: "p1" }),
    });
    const set = await client.chargingprofiles.receiver.setProfile({
      session_id: "S1",
      body: {
        charging_profile: { charging_rate_unit: "A" },
        response_url: await emsp.server.responseUrl("chargingprofilesSenderPostSetProfileResult", { party, responseId: "p2" }),
      },
    });
    const clear = await client.chargingprofiles.receiver.clearProfile({
      session_id: "S1",
      response_url: await emsp.server.responseUrl("chargingprofilesSenderPostClearProfileResult", { party, responseId: "p3" }),
    });
    expect([get.data, set.data, clear.data]).toEqual([
      { result: "ACCEPTED", timeout: 30 },
      { result: "ACCEPTED", timeout: 30 },
      { result: "ACCEPTED", timeout: 30 },
    ]);
    await cpo.server.idle();
    expect(received.sort()).toEqual(["active p1 ACCEPTED", "clear p3 ACCEPTED", "set p2 ACCEPTED"]);
  });
});

describe("commands", () => {
  it("answers START_SESSION at once and delivers the CommandResult to the response_url", async () => {
    const { emsp, emspClient, cpoParty } = await pair();
    const responseUrl = await emsp.server.responseUrl("commandsSenderPostResult", { party: cpoParty, responseId: "cmd-1" });
    const token = { ...sample<T.Token>("2.2.1", "Token"), country_code: "NL", party_id: "MSP" };
    const { data } = await emspClient.commands.receiver.startSession({ body: { response_url: responseUrl, token, location_id: "LOC1" } });
    expect(data).toEqual({ result: "ACCEPTED", timeout: 30 });
    await nodes[0]!.server.idle();
    expect(emsp.commandResults).toEqual([{ result: { result: "ACCEPTED" }, responseId: "cmd-1" }]);
    expect(nodes[0]!.events).toContainEqual(
      expect.objectContaining({ type: "result-sent", operationId: "commandsSenderPostResult", url: responseUrl, attempts: 1 }),
    );
  });

  it("retries a result the eMSP cannot take yet", async () => {
    let refusals = 2;
    const emspBase = await node(EMSP_ROLE, {
      handlers: (store) => ({
        commands: {
          sender: {
            postResult: async () => {
              if (refusals-- > 0) throw new (await import("./runtime/errors.js")).OcpiHttpError(503, 3000, "busy");
              await store.putObject({ module: "commandresults", country_code: "NL", party_id: "CPO", id: "r", last_updated: "2024-01-01T00:00:00Z", data: {} });
            },
          },
        },
      }),
    });
    const cpo = await node(CPO_ROLE);
    const { token } = await cpo.server.credentials.createRegistrationToken();
    const party = await emspBase.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token });
    const client = emspBase.server.credentials.clientFor(party, "2.2.1");
    await client.commands.receiver.stopSession({
      body: { response_url: await emspBase.server.responseUrl("commandsSenderPostResult", { party, responseId: "r" }), session_id: "S1" },
    });
    await cpo.server.idle();
    expect(cpo.events).toContainEqual(expect.objectContaining({ type: "result-sent", attempts: 3 }));
    expect(await emspBase.store.getObject({ module: "commandresults", country_code: "NL", party_id: "CPO", id: "r" })).toBeDefined();
  });
});
