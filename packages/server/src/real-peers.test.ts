// Contract with an imperfect peer: the quirky OCPI 2.2.1 platform (packages/client/src/testing/quirky-peer.ts), each
// deviation seen in the field behind a switch, against our server and the clients it makes, over real HTTP on
// 127.0.0.1. Lenient mode with the profile's settings gets everything done and reports each kind of deviation once;
// strict mode fails at the first deviation, naming it.
import { afterEach, describe, expect, it } from "vitest";
import { OcpiClient, type Deviation, type OcpiClient as Client } from "@ocpi-sdk/client";
import { canonicalCiString, type PeerProfile } from "@ocpi-sdk/protocol";
import type * as T from "@ocpi-sdk/types/2.2.1";
import { validators } from "@ocpi-sdk/validators/2.2.1";
import { errorOf } from "../../client/src/testing/errors.js";
import { ALL_QUIRKS, startQuirkyPeer, type QuirkyPeer, type Quirks } from "../../client/src/testing/quirky-peer.js";
import { received } from "./handlers/store-handlers.js";
import { EMSP_ROLE, startNode, type TestNode } from "./testing/nodes.js";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function quirky(quirks: Quirks): Promise<QuirkyPeer> {
  const peer = await startQuirkyPeer({ quirks, commandResultDelayMs: 5 });
  closers.push(() => peer.close());
  return peer;
}

async function ours(options: Parameters<typeof startNode>[1] = {}): Promise<TestNode> {
  const node = await startNode(EMSP_ROLE, options);
  closers.push(() => node.close());
  return node;
}

/** What the quirky peer needs from us, as its profile: every setting the deviations of ALL_QUIRKS call for. */
const profileFor = (peer: QuirkyPeer): PeerProfile => ({
  validation: "lenient",
  detailsAsList: peer.quirks.detailsAsList === true,
  pagination: "auto",
  queryRenames: { tokensSenderAuthorize: { type: "token_type" } },
  endpoints: [{ identifier: "commands", role: "RECEIVER", url: `${peer.base}/2.2.1/commands` }],
});

/** The same moment, whatever the form (a DateTime without zone is UTC). */
const moment = (value: string) => Date.parse(/Z$|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
const ids = (objects: { id?: string; uid?: string }[]) => objects.map((o) => canonicalCiString(o.id ?? o.uid ?? "")).sort();

/** Our eMSP registered with the quirky peer (we start the handshake with its Token A), and a client of it. */
async function registered(quirks: Quirks, profile?: (peer: QuirkyPeer) => PeerProfile) {
  const peer = await quirky(quirks);
  const node = await ours({ server: { validation: "lenient" } });
  const party = await node.server.credentials.registerWith({ versionsUrl: peer.versionsUrl, token: peer.tokenA, profile: (profile ?? profileFor)(peer) });
  return { peer, node, party, client: node.server.credentials.clientFor(party, "2.2.1") };
}

describe("lenient, with the peer's profile: everything works against every deviation at once", () => {
  it("registers (it reads data[0] of our details), pulls every module with equal counts, rotates, commands, authorizes, and reports each kind once", async () => {
    const { peer, node, party, client } = await registered(ALL_QUIRKS);
    expect(party.status).toBe("registered");
    expect(peer.partner?.token).toBe(party.incomingToken);

    const modules = [
      ["locations", () => client.locations.sender.all().toArray()],
      ["tariffs", () => client.tariffs.sender.all().toArray()],
      ["sessions", () => client.sessions.sender.all({ date_from: "2020-01-01T00:00:00Z" }).toArray()],
      ["cdrs", () => client.cdrs.sender.all({ date_from: "2020-01-01T00:00:00Z" }).toArray()],
      ["tokens", () => client.tokens.sender.all().toArray()],
    ] as const;
    for (const [module, pull] of modules) {
      const got = (await pull()) as { id?: string; uid?: string; last_updated: string }[];
      const want = peer.data[module] as { id?: string; uid?: string; last_updated: string }[];
      expect(got, module).toHaveLength(want.length);
      expect(ids(got), module).toEqual(ids(want));
      expect(got.map((o) => moment(o.last_updated)).sort(), module).toEqual(want.map((o) => moment(o.last_updated)).sort());
      // What is handed on validates: the spec's form, whatever the peer wrote.
      for (const object of got)
        expect(
          validators[
            module === "locations" ? "Location" : module === "tariffs" ? "Tariff" : module === "sessions" ? "Session" : module === "cdrs" ? "CDR" : "Token"
          ].validate(object).ok,
        ).toBe(true);
    }

    const location = peer.data.locations[1]!;
    const one = await client.locations.sender.get({ location_id: location.id });
    expect(canonicalCiString(one.data.id)).toBe(location.id);

    const rotated = await node.server.credentials.rotate(party);
    expect(rotated.incomingToken).not.toBe(party.incomingToken);
    expect(peer.partner?.token).toBe(rotated.incomingToken);
    const after = node.server.credentials.clientFor(rotated, "2.2.1");

    const responseUrl = await node.server.responseUrl("commandsSenderPostResult", { party: rotated, responseId: "cmd-1" });
    const command = await after.commands.receiver.startSession({
      body: { response_url: responseUrl, token: peer.data.tokens[0]!, location_id: location.id },
    });
    expect(command.data).toMatchObject({ result: "ACCEPTED", timeout: 30 });
    await expect.poll(() => node.commandResults).toEqual([expect.objectContaining({ result: { result: "ACCEPTED" }, responseId: "cmd-1" })]);

    const token = peer.data.tokens[0]!;
    const authorized = await after.tokens.sender.authorize({ token_uid: token.uid, type: token.type });
    expect(authorized.data.allowed).toBe("ALLOWED");

    // Each kind once for the party, however many clients the server made for it (registration, pulls, rotation).
    const reported = node.events.filter((e) => e.type === "deviation") as { partyId: string; deviation: Deviation }[];
    expect(new Set(reported.map((e) => e.partyId))).toEqual(new Set([party.id]));
    const kinds = reported.map((e) => e.deviation.code);
    expect(new Set(kinds).size).toBe(kinds.length);
    expect([...kinds].sort()).toEqual(
      expect.arrayContaining(["endpoint-added", "envelope-timestamp", "null-optional", "one-element-array", "pagination-fallback", "timestamp"]),
    );
  });

  it("a token the peer does not know is an auth error (it answers HTTP 500 / 2000), reported once, and not retried", async () => {
    const deviations: Deviation[] = [];
    const { peer } = await registered(ALL_QUIRKS);
    const before = peer.requests.length;
    const error = await errorOf(
      OcpiClient.connect({
        versionsUrl: peer.versionsUrl,
        token: "not-a-token",
        versions: ["2.2.1"],
        urlPolicy: { allowLoopback: true },
        onDeviation: (d) => deviations.push(d),
      }),
    );
    expect(error).toMatchObject({ kind: "auth", httpStatus: 500, statusCode: 2000 });
    // One request with the base64 token and one with the raw token (the encoding fallback after an auth error), each
    // after the peer's redirect to its trailing slash; no retries.
    expect(peer.requests.slice(before).map((r) => r.operationId)).toEqual(["redirect", "versions", "redirect", "versions"]);
    expect(deviations.map((d) => d.code)).toEqual(["auth-error-status"]);
  });

  it("the peer registers with us and pushes sessions, CDRs and locations with every deviation: stored repaired", async () => {
    const peer = await quirky(ALL_QUIRKS);
    const node = await ours({ server: { validation: "lenient" } });
    const { token } = await node.server.credentials.createRegistrationToken({ profile: { detailsAsList: true } });
    await peer.registerWith(node.server.versionsUrl, token);
    for (const push of [() => peer.pushSession(), () => peer.pushCdr(), () => peer.pushLocation()]) {
      const answer = await push();
      expect(answer).toMatchObject({ httpStatus: 200, body: { status_code: 1000 } });
    }
    const session = await node.store.getObject<T.Session>({ module: received("sessions"), country_code: "NL", party_id: "QCP", id: peer.data.sessions[0]!.id });
    const cdr = await node.store.getObject<T.CDR>({ module: received("cdrs"), country_code: "NL", party_id: "QCP", id: peer.data.cdrs[0]!.id });
    const location = await node.store.getObject<T.Location>({
      module: received("locations"),
      country_code: "NL",
      party_id: "QCP",
      id: peer.data.locations[0]!.id,
    });
    for (const [name, stored] of [
      ["Session", session],
      ["CDR", cdr],
      ["Location", location],
    ] as const) {
      expect(stored, name).toBeDefined();
      expect(validators[name].validate(stored!.data).ok, name).toBe(true);
      expect(JSON.stringify(stored!.data), name).not.toContain("null");
    }
    expect(session!.data.start_date_time).toMatch(/Z$/);
    expect(node.events.filter((e) => e.type === "repaired").map((e) => (e as { operationId: string }).operationId)).toEqual([
      "sessionsReceiverPut",
      "cdrsReceiverPost",
      "locationsReceiverPut",
    ]);
  });

  it("a pushed CDR without cdr_location.evse_uid (required) stays refused, in lenient mode too", async () => {
    const peer = await quirky({ ...ALL_QUIRKS, cdrWithoutEvseUid: true });
    const node = await ours({ server: { validation: "lenient" } });
    const { token } = await node.server.credentials.createRegistrationToken({ profile: { detailsAsList: true } });
    await peer.registerWith(node.server.versionsUrl, token);
    const answer = await peer.pushCdr();
    expect(answer).toMatchObject({
      httpStatus: 400,
      body: { status_code: 2001, status_message: expect.stringContaining("/cdr_location/evse_uid: is required") },
    });
  });
});

describe("strict: the first deviation fails, naming it", () => {
  /** A strict client of a quirky peer with one deviation, made without registration (it knows the peer's token). */
  async function strictClient(quirks: Quirks, profile: PeerProfile = {}): Promise<{ peer: QuirkyPeer; client: Client<"2.2.1"> }> {
    const { peer, party, node } = await registered(quirks, (p) => ({ detailsAsList: p.quirks.detailsAsList === true }));
    const client = OcpiClient.restore<"2.2.1">(
      {
        versionsUrl: peer.versionsUrl,
        token: party.outgoingToken!,
        urlPolicy: { allowLoopback: true },
        validation: "strict",
        profile: { ...profile, validation: "strict" },
      },
      { version: "2.2.1", endpoints: (await node.store.getParty(party.id))!.endpoints as never },
    ) as Client<"2.2.1">;
    return { peer, client };
  }

  it.each<[string, Quirks, (c: Client<"2.2.1">, p: QuirkyPeer) => Promise<unknown>, RegExp]>([
    ["timestamps", { timestamps: true }, (c) => c.locations.sender.list(), /\/timestamp|last_updated: must be an RFC 3339 date-time/],
    ["nulls", { nulls: true }, (c) => c.locations.sender.list(), /\/0\/[a-z_]+: must be /],
    ["a one-element list", { singleAsList: true }, (c, p) => c.locations.sender.get({ location_id: p.data.locations[0]!.id }), /\/: must be an object/],
    [
      "a Link to a hard-coded host (link mode)",
      { link: "hardcoded-host" },
      (c) => c.locations.sender.all(undefined, { pagination: { mode: "link" } }).toArray(),
      /refused the next-page Link http:\/\/localhost:8000/,
    ],
    [
      "another query name",
      { tokenTypeQuery: true },
      (c, p) => c.tokens.sender.authorize({ token_uid: p.data.tokens[0]!.uid, type: "RFID" }),
      /token_type: field required/,
    ],
    [
      "a hidden endpoint",
      { hiddenEndpoints: ["commands:RECEIVER"] },
      (c) => c.commands.receiver.stopSession({ body: { response_url: "https://example.com/r", session_id: "S1" } }),
      /offers no commands RECEIVER endpoint/,
    ],
  ])("%s", async (_, quirks, call, message) => {
    const { peer, client } = await strictClient(quirks);
    const error = await errorOf(call(client, peer));
    expect(error.message).toMatch(message);
  });

  it("our strict server refuses the pushes, naming the field, and stores nothing", async () => {
    const peer = await quirky(ALL_QUIRKS);
    const node = await ours({ server: { validation: "strict" } });
    const { token } = await node.server.credentials.createRegistrationToken({ profile: { detailsAsList: true } });
    await peer.registerWith(node.server.versionsUrl, token);
    const answer = await peer.pushSession();
    expect(answer).toMatchObject({ httpStatus: 400, body: { status_code: 2001, status_message: expect.stringMatching(/\/[a-z_]+: must be /) } });
    expect(await node.store.listObjects({ module: received("sessions"), offset: 0, limit: 10 })).toEqual({ items: [], total: 0 });
  });

  it("without detailsAsList for its token, the peer cannot register with us: our details are an object", async () => {
    const peer = await quirky({ detailsAsList: true });
    const node = await ours();
    const { token } = await node.server.credentials.createRegistrationToken();
    await expect(peer.registerWith(node.server.versionsUrl, token)).rejects.toThrow(/data\[0\]/);
  });
});
