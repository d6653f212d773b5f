// The server against careless or hostile peers, over real HTTP on 127.0.0.1: identities come from what the
// application granted, path keys win over bodies, results come only from whom we asked, stale writes are not
// applied, outgoing calls reach only allowed addresses and give nothing away, and every input is bounded.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { base64Encode } from "@ocpi-sdk/protocol";
import type * as T from "@ocpi-sdk/types/2.2.1";
import { sample } from "../../client/src/testing/fixtures.js";
import { received, storeHandlers } from "./handlers/store-handlers.js";
import type { PartyRecord } from "./store/store.js";
import { CPO_ROLE, EMSP_ROLE, startNode, type TestNode } from "./testing/nodes.js";

const nodes: TestNode[] = [];
const sentinels: Server[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
  await Promise.all(sentinels.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function node(role: T.CredentialsRole, options?: Parameters<typeof startNode>[1]) {
  const n = await startNode(role, options);
  nodes.push(n);
  return n;
}

const OTHER_EMSP: T.CredentialsRole = { role: "EMSP", country_code: "DE", party_id: "OTH", business_details: { name: "Other eMSP" } };

/** A CPO and an eMSP registered with each other; the CPO's record of the eMSP, and the eMSP's of the CPO. */
async function pair(cpoOptions?: Parameters<typeof startNode>[1]) {
  const cpo = await node(CPO_ROLE, cpoOptions);
  const emsp = await node(EMSP_ROLE);
  const { token } = await cpo.server.credentials.createRegistrationToken();
  const cpoParty = await emsp.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token });
  const emspParty = (await cpo.store.listParties()).find((p) => p.status === "registered")!;
  return { cpo, emsp, cpoParty, emspParty };
}

/** The registered party a node keeps for its peer. */
const peerOf = async (n: TestNode) => (await n.store.listParties()).find((p) => p.status === "registered")!;

async function raw(url: string, init: Omit<RequestInit, "body"> & { token?: string; json?: unknown; body?: RequestInit["body"] } = {}) {
  const headers = new Headers(init.headers);
  if (init.token !== undefined) headers.set("Authorization", `Token ${base64Encode(init.token)}`);
  if (init.json !== undefined) headers.set("Content-Type", "application/json");
  const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
  const response = await fetch(url, {
    ...init,
    headers,
    ...(body !== undefined ? { body } : {}),
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as { status_code: number; status_message?: string; data?: unknown }) : undefined };
}

/** A loopback server that records every hit and answers nothing useful: what an internal service looks like. */
async function sentinel(): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.end("internal");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  sentinels.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

const location = (id = "LOC1", over: Partial<T.Location> = {}): T.Location => ({
  ...sample<T.Location>("2.2.1", "Location"),
  country_code: CPO_ROLE.country_code,
  party_id: CPO_ROLE.party_id,
  id,
  ...over,
});
const credentialsOf = (n: TestNode, token: string, roles: T.CredentialsRole[]) => ({ token, url: n.server.versionsUrl, roles });

describe("identity comes from what the application granted", () => {
  it("a registered party cannot take another party's identity with PUT /credentials", async () => {
    const { cpo, emsp } = await pair();
    // A second eMSP registers under its own identity.
    const other = await node(OTHER_EMSP);
    const { token } = await cpo.server.credentials.createRegistrationToken();
    await other.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token });
    const first = (await cpo.store.listParties()).find((p) => p.roles.some((r) => r.party_id === "MSP"))!;
    // The first eMSP now claims the second's identity.
    const res = await raw(`${cpo.url}/ocpi/2.2.1/credentials`, {
      method: "PUT",
      token: first.incomingToken,
      json: credentialsOf(emsp, first.outgoingToken!, [OTHER_EMSP]),
    });
    expect([res.status, res.body?.status_code]).toEqual([403, 2001]);
    expect(res.body?.status_message).toContain("DE/OTH is registered to another platform");
    expect((await cpo.store.getParty(first.id))?.roles).toEqual([EMSP_ROLE]);
    // ...and so it still cannot write the second eMSP's objects.
    const write = await raw(`${cpo.url}/ocpi/2.2.1/tokens/receiver/DE/OTH/T1`, {
      method: "PUT",
      token: first.incomingToken,
      json: { ...sample<T.Token>("2.2.1", "Token"), country_code: "DE", party_id: "OTH", uid: "T1" },
    });
    expect(write.status).toBe(403);
  });

  it("a PUT may not change the parties a peer speaks for without the application's approval", async () => {
    const { cpo, emsp, emspParty } = await pair();
    const res = await raw(`${cpo.url}/ocpi/2.2.1/credentials`, {
      method: "PUT",
      token: emspParty.incomingToken,
      json: credentialsOf(emsp, emspParty.outgoingToken!, [EMSP_ROLE, { ...EMSP_ROLE, party_id: "NEW" }]),
    });
    expect([res.status, res.body?.status_code]).toEqual([403, 2001]);
    expect(res.body?.status_message).toContain("may not change the parties");
    // A PUT that keeps them (new business details, same party) is fine.
    const same = await raw(`${cpo.url}/ocpi/2.2.1/credentials`, {
      method: "PUT",
      token: emspParty.incomingToken,
      json: credentialsOf(emsp, emspParty.outgoingToken!, [{ ...EMSP_ROLE, business_details: { name: "Renamed" } }]),
    });
    expect(same.status).toBe(200);
  });

  it.each([
    ["our own identity", [CPO_ROLE], undefined, "is our own party"],
    ["the HUB role, not granted", [{ ...OTHER_EMSP, role: "HUB" }], undefined, "must be granted by the application"],
    ["a role outside the token's allowedRoles", [OTHER_EMSP], [{ role: "EMSP", country_code: "NL", party_id: "XYZ" }], "are not granted to this token"],
  ] as const)("Token A cannot register with %s", async (_, roles, allowedRoles, message) => {
    const cpo = await node(CPO_ROLE);
    const emsp = await node(EMSP_ROLE);
    const { token } = await cpo.server.credentials.createRegistrationToken(allowedRoles ? { allowedRoles: [...allowedRoles] } : {});
    const res = await raw(`${cpo.url}/ocpi/2.2.1/credentials`, { method: "POST", token, json: credentialsOf(emsp, "t", [...roles] as T.CredentialsRole[]) });
    expect([res.status, res.body?.status_code]).toEqual([403, 2001]);
    expect(res.body?.status_message).toContain(message);
    expect((await cpo.store.listParties()).filter((p) => p.status === "registered")).toEqual([]);
  });

  it("a Token A cannot register as an identity another registered party holds", async () => {
    const { cpo } = await pair();
    const intruder = await node({ ...EMSP_ROLE, business_details: { name: "Intruder" } });
    const { token } = await cpo.server.credentials.createRegistrationToken();
    const error = await intruder.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token }).catch((e: unknown) => e);
    expect(error).toMatchObject({ httpStatus: 403, statusCode: 2001 });
    expect((error as Error).message).toContain("NL/MSP is registered to another platform");
  });

  it("HUB where the application granted it, through allowedRoles or authorizeRegistration", async () => {
    const HUB: T.CredentialsRole = { role: "HUB", country_code: "EU", party_id: "HUB", business_details: { name: "Hub" } };
    const cpo = await node(CPO_ROLE);
    const hub = await node(HUB);
    const { token } = await cpo.server.credentials.createRegistrationToken({ allowedRoles: [{ role: "HUB", country_code: "EU", party_id: "HUB" }] });
    const party = await hub.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token });
    expect(party.status).toBe("registered");

    const asked: string[] = [];
    // A second CPO (its own identity: the hub holds NL/CPO for the first one already).
    const gated = await node(
      { ...CPO_ROLE, party_id: "CP2" },
      {
        server: {
          authorizeRegistration: ({ requested, kind }) => (
            asked.push(`${kind} ${requested.map((r) => r.role).join()}`), requested.every((r) => r.party_id === "HUB") || "only the hub may register here"
          ),
        },
      },
    );
    const tokenA = await gated.server.credentials.createRegistrationToken();
    await hub.server.credentials.registerWith({ versionsUrl: gated.server.versionsUrl, token: tokenA.token });
    const emsp = await node(EMSP_ROLE);
    const tokenB = await gated.server.credentials.createRegistrationToken();
    const refused = await emsp.server.credentials.registerWith({ versionsUrl: gated.server.versionsUrl, token: tokenB.token }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ httpStatus: 403, statusCode: 2001 });
    expect((refused as Error).message).toContain("only the hub may register here");
    expect(asked).toEqual(["register HUB", "register EMSP"]);
  });
});

describe("path keys win over bodies", () => {
  it.each([
    [
      "PATCH Location with another owner",
      "PATCH",
      "/NL/CPO/LOC1",
      { country_code: "DE", last_updated: "2030-01-01T00:00:00Z" },
      "/country_code: must equal the path's country_code NL",
    ],
    [
      "PATCH Location with another id",
      "PATCH",
      "/NL/CPO/LOC1",
      { id: "LOC2", last_updated: "2030-01-01T00:00:00Z" },
      "/id: must equal the path's location_id LOC1",
    ],
    ["PATCH EVSE with another uid", "PATCH", "/NL/CPO/LOC1/E1", { uid: "E2", last_updated: "2030-01-01T00:00:00Z" }, "/uid: must equal the path's evse_uid E1"],
    ["PUT EVSE with another uid", "PUT", "/NL/CPO/LOC1/E1", { ...sample<T.EVSE>("2.2.1", "EVSE"), uid: "E2" }, "/uid: must equal the path's evse_uid E1"],
    [
      "PUT Connector with another id",
      "PUT",
      "/NL/CPO/LOC1/E1/C1",
      { ...sample<T.Connector>("2.2.1", "Connector"), id: "C2" },
      "/id: must equal the path's connector_id C1",
    ],
  ])("%s: 2001, nothing changes", async (_, method, path, body, message) => {
    const { emsp } = await pair();
    const evse = { ...sample<T.EVSE>("2.2.1", "EVSE"), uid: "E1", connectors: [{ ...sample<T.Connector>("2.2.1", "Connector"), id: "C1" }] };
    const party = await peerOf(emsp);
    const put = await raw(`${emsp.url}/ocpi/2.2.1/locations/receiver/NL/CPO/LOC1`, {
      method: "PUT",
      token: party.incomingToken,
      json: location("LOC1", { evses: [evse] }),
    });
    expect(put.status).toBe(200);
    const before = await emsp.store.getObject({ module: received("locations"), country_code: "NL", party_id: "CPO", id: "LOC1" });
    const res = await raw(`${emsp.url}/ocpi/2.2.1/locations/receiver${path}`, { method, token: party.incomingToken, json: body });
    expect([res.status, res.body?.status_code]).toEqual([400, 2001]);
    expect(res.body?.status_message).toContain(message);
    expect(await emsp.store.getObject({ module: received("locations"), country_code: "NL", party_id: "CPO", id: "LOC1" })).toEqual(before);
    expect(await emsp.store.listObjects({ module: received("locations"), offset: 0, limit: 10 })).toMatchObject({ total: 1 });
  });

  it("keys are CiStrings: the same object in another case is replaced, not copied", async () => {
    const { emsp } = await pair();
    const party = await peerOf(emsp);
    for (const [path, name] of [
      ["/NL/CPO/LOC-X", "first"],
      ["/nl/cpo/loc-x", "second"],
    ] as const) {
      const res = await raw(`${emsp.url}/ocpi/2.2.1/locations/receiver${path}`, {
        method: "PUT",
        token: party.incomingToken,
        json: location(path.split("/")[3]!, { name, country_code: path.split("/")[1]!, party_id: path.split("/")[2]! }),
      });
      expect(res.status).toBe(200);
    }
    const all = await emsp.store.listObjects<T.Location>({ module: received("locations"), offset: 0, limit: 10 });
    expect(all.items.map((o) => [o.country_code, o.party_id, o.id, o.data.name])).toEqual([["NL", "CPO", "LOC-X", "second"]]);
    const got = await raw(`${emsp.url}/ocpi/2.2.1/locations/receiver/Nl/Cpo/Loc-X`, { token: party.incomingToken });
    expect((got.body!.data as T.Location).name).toBe("second");
  });
});

describe("results come only from whom we asked", () => {
  it("a result is accepted only from the party the command went to, at a response_url we gave out", async () => {
    const { emsp, cpoParty } = await pair();
    const other = await node(OTHER_EMSP);
    // The other eMSP registers with our eMSP as if it were a CPO of its own (a second peer of the eMSP).
    const { token } = await emsp.server.credentials.createRegistrationToken();
    await other.server.credentials.registerWith({ versionsUrl: emsp.server.versionsUrl, token });
    const otherParty = (await emsp.store.listParties()).find((p) => p.roles.some((r) => r.party_id === "OTH"))!;
    const cpoAtEmsp = (await emsp.store.listParties()).find((p) => p.roles.some((r) => r.party_id === "CPO"))!;
    const url = await emsp.server.responseUrl("commandsSenderPostResult", { party: cpoParty, responseId: "cmd-1" });
    const post = (t: string, to = url) => raw(to, { method: "POST", token: t, json: { result: "ACCEPTED" } });

    expect((await post(otherParty.incomingToken)).status).toBe(404);
    expect((await post(cpoAtEmsp.incomingToken, url.replace("cmd-1", "cmd-unknown"))).status).toBe(404);
    expect(emsp.commandResults).toEqual([]);
    const ok = await post(cpoAtEmsp.incomingToken);
    expect([ok.status, ok.body?.status_code]).toEqual([200, 1000]);
    expect(emsp.commandResults).toEqual([{ result: { result: "ACCEPTED" }, responseId: "cmd-1" }]);
  });

  it("a result is not POSTed to a response_url on an origin that is not the party's: its token stays home", async () => {
    const spy = await sentinel();
    const { cpo, cpoParty, emsp } = await pair();
    const client = emsp.server.credentials.clientFor(cpoParty, "2.2.1");
    await client.commands.receiver.stopSession({ body: { response_url: `${spy.url}/steal`, session_id: "S1" } });
    await cpo.server.idle();
    expect(spy.hits).toEqual([]);
    expect(cpo.events).toContainEqual(expect.objectContaining({ type: "result-failed", attempts: 0 }));
  });
});

describe("stale writes", () => {
  const older = "2020-01-01T00:00:00Z";
  const newer = "2030-01-01T00:00:00Z";

  it.each([
    ["PUT Location", "PUT", "/NL/CPO/LOC1", () => location("LOC1", { last_updated: older, name: "old" })],
    ["PATCH Location", "PATCH", "/NL/CPO/LOC1", () => ({ name: "old", last_updated: older })],
    ["PUT EVSE", "PUT", "/NL/CPO/LOC1/E1", () => ({ ...sample<T.EVSE>("2.2.1", "EVSE"), uid: "E1", status: "REMOVED", last_updated: older })],
    ["PATCH Connector", "PATCH", "/NL/CPO/LOC1/E1/C1", () => ({ max_voltage: 1, last_updated: older })],
  ])("%s older than the object kept is not applied: 1000 with a message, and an event", async (_, method, path, body) => {
    const { emsp } = await pair();
    const party = await peerOf(emsp);
    const evse = {
      ...sample<T.EVSE>("2.2.1", "EVSE"),
      uid: "E1",
      last_updated: newer,
      connectors: [{ ...sample<T.Connector>("2.2.1", "Connector"), id: "C1", last_updated: newer }],
    };
    await raw(`${emsp.url}/ocpi/2.2.1/locations/receiver/NL/CPO/LOC1`, {
      method: "PUT",
      token: party.incomingToken,
      json: location("LOC1", { evses: [evse], last_updated: newer, name: "new" }),
    });
    const before = await emsp.store.getObject({ module: received("locations"), country_code: "NL", party_id: "CPO", id: "LOC1" });
    const res = await raw(`${emsp.url}/ocpi/2.2.1/locations/receiver${path}`, { method, token: party.incomingToken, json: body() });
    expect([res.status, res.body?.status_code]).toEqual([200, 1000]);
    expect(res.body?.status_message).toContain("not applied: the object kept is newer");
    expect(await emsp.store.getObject({ module: received("locations"), country_code: "NL", party_id: "CPO", id: "LOC1" })).toEqual(before);
    expect(emsp.events).toContainEqual(expect.objectContaining({ type: "stale-write", received: older, stored: newer, partyId: party.id }));
  });

  it.each([
    ["reject", 409, 2000, "old-kept"],
    ["apply", 200, 1000, "stale"],
  ] as const)("per module: %s", async (policy, httpStatus, statusCode, expected) => {
    const emsp = await node(EMSP_ROLE, { handlers: (store) => storeHandlers(store, { roles: [EMSP_ROLE], staleWrites: { sessions: policy } }) });
    const cpo = await node(CPO_ROLE);
    const { token } = await emsp.server.credentials.createRegistrationToken();
    await cpo.server.credentials.registerWith({ versionsUrl: emsp.server.versionsUrl, token });
    const party = await peerOf(emsp);
    const session = (id: string, last_updated: string) => ({
      ...sample<T.Session>("2.2.1", "Session"),
      country_code: "NL",
      party_id: "CPO",
      id: "S1",
      kwh: id === "old-kept" ? 1 : 2,
      last_updated,
    });
    await raw(`${emsp.url}/ocpi/2.2.1/sessions/receiver/NL/CPO/S1`, { method: "PUT", token: party.incomingToken, json: session("old-kept", newer) });
    const res = await raw(`${emsp.url}/ocpi/2.2.1/sessions/receiver/NL/CPO/S1`, { method: "PUT", token: party.incomingToken, json: session("stale", older) });
    expect([res.status, res.body?.status_code]).toEqual([httpStatus, statusCode]);
    const kept = await emsp.store.getObject<T.Session>({ module: received("sessions"), country_code: "NL", party_id: "CPO", id: "S1" });
    expect(kept?.data.kwh).toBe(expected === "old-kept" ? 1 : 2);
  });
});

describe("outgoing calls reach only allowed addresses and say nothing of the network", () => {
  it("registration with a loopback versions URL under the default policy: 0 hits, one neutral message", async () => {
    const spy = await sentinel();
    // Our node under defaults: no urlPolicy opening loopback.
    const cpo = await node(CPO_ROLE, { server: { urlPolicy: {} } });
    const messages = new Set<string>();
    for (const url of [
      `${spy.url}/versions`,
      `http://localhost:${new URL(spy.url).port}/versions`,
      `http://[::1]:${new URL(spy.url).port}/versions`,
      `http://2130706433:${new URL(spy.url).port}/versions`,
      "http://127.0.0.1:1/versions",
      "file:///etc/passwd",
    ]) {
      const { token } = await cpo.server.credentials.createRegistrationToken();
      const res = await raw(`${cpo.url}/ocpi/2.2.1/credentials`, { method: "POST", token, json: { token: "t", url, roles: [EMSP_ROLE] } });
      expect([res.status, res.body?.status_code]).toEqual([400, 3001]);
      messages.add(res.body!.status_message!);
    }
    expect(spy.hits).toEqual([]);
    expect([...messages]).toHaveLength(1);
    expect(cpo.events.filter((e) => e.type === "registration-failed")).toHaveLength(6);
  });

  it("the same message whether the peer is not OCPI, unreachable or refused by the policy", async () => {
    const spy = await sentinel();
    const cpo = await node(CPO_ROLE);
    const answers = [];
    for (const url of [`${spy.url}/versions`, "http://127.0.0.1:1/versions"]) {
      const { token } = await cpo.server.credentials.createRegistrationToken();
      answers.push((await raw(`${cpo.url}/ocpi/2.2.1/credentials`, { method: "POST", token, json: { token: "t", url, roles: [EMSP_ROLE] } })).body);
    }
    expect(answers[0]?.status_message).toBe(answers[1]?.status_message);
  });

  it("a Token A is retired after maxRegistrationFailures failed attempts", async () => {
    const cpo = await node(CPO_ROLE, { server: { maxRegistrationFailures: 3 } });
    const { token } = await cpo.server.credentials.createRegistrationToken();
    const attempt = () =>
      raw(`${cpo.url}/ocpi/2.2.1/credentials`, { method: "POST", token, json: { token: "t", url: "http://127.0.0.1:1/versions", roles: [EMSP_ROLE] } });
    expect((await attempt()).status).toBe(400);
    expect((await attempt()).status).toBe(400);
    expect((await attempt()).status).toBe(400);
    expect((await attempt()).status).toBe(401);
    expect(cpo.events).toContainEqual(expect.objectContaining({ type: "registration-failed", failedAttempts: 3, retired: true }));
  });

  it("a silent peer: registration ends within the outgoing deadline, and close() does not wait for it", async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    sentinels.push(silent);
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/versions`;
    const cpo = await node(CPO_ROLE, { server: { outgoing: { timeoutMs: 200, deadlineMs: 400 } } });
    const { token } = await cpo.server.credentials.createRegistrationToken();
    const started = Date.now();
    const res = await raw(`${cpo.url}/ocpi/2.2.1/credentials`, { method: "POST", token, json: { token: "t", url, roles: [EMSP_ROLE] } });
    expect([res.status, res.body?.status_code]).toEqual([400, 3001]);
    expect(Date.now() - started).toBeLessThan(10_000);

    // A result to a silent peer is in flight; closing aborts it instead of waiting.
    const { token: second } = await cpo.server.credentials.createRegistrationToken();
    const slow = raw(`${cpo.url}/ocpi/2.2.1/credentials`, { method: "POST", token: second, json: { token: "t", url, roles: [EMSP_ROLE] } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = nodes.splice(nodes.indexOf(cpo), 1)[0]!.close();
    await expect(closed).resolves.toBeUndefined();
    expect((await slow).status).toBe(400);
  });
});

describe("every input is bounded", () => {
  it.each([
    ["an impossible date_from", "/ocpi/2.2.1/locations/sender?date_from=2024-02-30T00:00:00Z", "/query/date_from"],
    ["year 0000 in date_to", "/ocpi/2.2.1/locations/sender?date_to=0000-01-01T00:00:00Z", "/query/date_to"],
  ])("%s is a 2001, not a 500", async (_, path, pointer) => {
    const { cpo, emspParty } = await pair();
    const res = await raw(`${cpo.url}${path}`, { token: emspParty.incomingToken });
    expect([res.status, res.body?.status_code]).toEqual([400, 2001]);
    expect(res.body?.status_message).toContain(pointer);
  });

  it("an impossible last_updated in a body is a 2001, and nothing is stored", async () => {
    const { emsp } = await pair();
    const party = await peerOf(emsp);
    const res = await raw(`${emsp.url}/ocpi/2.2.1/locations/receiver/NL/CPO/LOC1`, {
      method: "PUT",
      token: party.incomingToken,
      json: location("LOC1", { last_updated: "2023-02-29T10:00:00Z" }),
    });
    expect([res.status, res.body?.status_code]).toEqual([400, 2001]);
    expect(res.body?.status_message).toContain("/last_updated");
    expect(await emsp.store.listObjects({ module: received("locations"), offset: 0, limit: 1 })).toMatchObject({ total: 0 });
  });

  it.each([100, 3_000, 10_000])("a body nested %i levels deep is a 2001, and nothing is stored", async (depth) => {
    const { emsp } = await pair();
    const party = await peerOf(emsp);
    const body = JSON.stringify(location()).replace(/}$/, `,"x_deep":${'{"a":'.repeat(depth)}1${"}".repeat(depth)}}`);
    const res = await raw(`${emsp.url}/ocpi/2.2.1/locations/receiver/NL/CPO/LOC1`, {
      method: "PUT",
      token: party.incomingToken,
      body,
      headers: { "Content-Type": "application/json" },
    });
    expect([res.status, res.body?.status_code]).toEqual([400, 2001]);
    expect(res.body?.status_message).toContain("is nested deeper than 64 levels");
    expect(await emsp.store.listObjects({ module: received("locations"), offset: 0, limit: 1 })).toMatchObject({ total: 0 });
  });

  it("prototype keys in a body are a 2001", async () => {
    const { emsp } = await pair();
    const party = await peerOf(emsp);
    const body = JSON.stringify(location()).replace(/}$/, ',"__proto__":{"polluted":true}}');
    const res = await raw(`${emsp.url}/ocpi/2.2.1/locations/receiver/NL/CPO/LOC1`, {
      method: "PUT",
      token: party.incomingToken,
      body,
      headers: { "Content-Type": "application/json" },
    });
    expect([res.status, res.body?.status_code, res.body?.status_message]).toEqual([400, 2001, "/body/__proto__: is a key no OCPI object may have"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("a chunked body over the limit is refused with 413 while it streams in", async () => {
    const { emsp } = await pair();
    const party = await peerOf(emsp);
    let sent = 0;
    const chunk = new TextEncoder().encode(" ".repeat(64 * 1024));
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        // 8 MiB at most; the server must stop reading long before.
        if (sent >= 8 * 1024 * 1024) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await raw(`${emsp.url}/ocpi/2.2.1/locations/receiver/NL/CPO/LOC1`, {
      method: "PUT",
      token: party.incomingToken,
      body: stream,
      headers: { "Content-Type": "application/json" },
    });
    expect([res.status, res.body?.status_code]).toEqual([413, 2001]);
  });

  it.each([
    ["a NUL in response_id", "cmd%00x", "must not contain control characters"],
    ["CR/LF in response_id", "cmd%0D%0Ax", "must not contain control characters"],
    ["a response_id of 65 characters", "x".repeat(65), "must be at most 64 characters long"],
    ["white space in response_id", "cmd%20x", "must be visible ASCII characters only"],
  ])("%s is a 2001", async (_, id, message) => {
    const { emsp } = await pair();
    const party: PartyRecord = await peerOf(emsp);
    const res = await raw(`${emsp.url}/ocpi/2.2.1/commands/sender/postResult/${id}`, {
      method: "POST",
      token: party.incomingToken,
      json: { result: "ACCEPTED" },
    });
    expect([res.status, res.body?.status_code]).toEqual([400, 2001]);
    expect(res.body?.status_message).toContain(message);
  });
});
