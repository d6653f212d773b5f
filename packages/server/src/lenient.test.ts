// Working with real peers, over real HTTP on 127.0.0.1: request bodies checked strictly, leniently (repaired and
// logged) or not at all, by server option or per party; peer profiles kept with parties through registration and
// rotation; version details as a list for the one party that reads them so; every client made for a party carries
// its profile.
import { afterEach, describe, expect, it, vi } from "vitest";
import { OcpiClient } from "@ocpi-sdk/client";
import { base64Encode, OcpiHeaders, PeerProfileError, type PeerProfile, type ProfileValidation } from "@ocpi-sdk/protocol";
import type * as T from "@ocpi-sdk/types/2.2.1";
import { validators } from "@ocpi-sdk/validators/2.2.1";
import { sample } from "../../client/src/testing/fixtures.js";
import { received } from "./handlers/store-handlers.js";
import type { ServerEvent } from "./runtime/server.js";
import type { ObjectKey, PartyRecord } from "./store/store.js";
import { CPO_ROLE, EMSP_ROLE, startNode, type TestNode } from "./testing/nodes.js";

const nodes: TestNode[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

async function node(role: T.CredentialsRole, options?: Parameters<typeof startNode>[1]) {
  const n = await startNode(role, options);
  nodes.push(n);
  return n;
}

/** The CPO whose sessions and CDRs are pushed (the path /sessions/NL/QCP/SES000001 is its). */
const QCP: T.CredentialsRole = { role: "CPO", country_code: "NL", party_id: "QCP", business_details: { name: "QCP" } };
const OTHER_CPO: T.CredentialsRole = { role: "CPO", country_code: "DE", party_id: "OTH", business_details: { name: "Other CPO" } };

/** A CPO registered with an eMSP (the CPO started the handshake); the eMSP's record of the CPO. */
async function pushing(cpoRole: T.CredentialsRole, emspOptions?: Parameters<typeof startNode>[1], emsp?: TestNode) {
  const receiver = emsp ?? (await node(EMSP_ROLE, emspOptions));
  const cpo = await node(cpoRole);
  const { token } = await receiver.server.credentials.createRegistrationToken();
  await cpo.server.credentials.registerWith({ versionsUrl: receiver.server.versionsUrl, token });
  const party = (await receiver.store.listParties()).find((p) => p.status === "registered" && p.roles.some((r) => r.party_id === cpoRole.party_id))!;
  return { emsp: receiver, cpo, party };
}

type Envelope = { status_code: number; status_message?: string; data?: unknown };

async function raw(url: string, init: Omit<RequestInit, "body"> & { token?: string; json?: unknown; requestId?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.token !== undefined) headers.set("Authorization", `Token ${base64Encode(init.token)}`);
  if (init.json !== undefined) headers.set("Content-Type", "application/json");
  if (init.requestId !== undefined) headers.set(OcpiHeaders.RequestId, init.requestId);
  const response = await fetch(url, { ...init, headers, ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}) });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Envelope) : undefined };
}

const SPACED = "2025-01-01 00:01:00+00:00";
const REPAIRED = "2025-01-01T00:01:00Z";

/** A Session as sloppy peers send it: nulls for optional fields, timestamps with a space and an offset, a lower-case id. */
const sloppySession = () => ({
  ...sample<T.Session>("2.2.1", "Session"),
  country_code: "NL",
  party_id: "QCP",
  id: "ses000001",
  start_date_time: SPACED,
  last_updated: SPACED,
  end_date_time: null,
  meter_id: null,
  total_cost: null,
});

const cdrWithoutEvseUid = () => {
  const cdr = structuredClone({ ...sample<T.CDR>("2.2.1", "CDR"), country_code: "NL", party_id: "QCP", id: "CDR000001" }) as unknown as Record<
    string,
    unknown
  > & { cdr_location: Record<string, unknown> };
  delete cdr.cdr_location.evse_uid;
  return cdr;
};

const sessionWithNullKwh = () => ({ ...sample<T.Session>("2.2.1", "Session"), country_code: "NL", party_id: "QCP", id: "SES000002", kwh: null });

interface BodyCase {
  name: string;
  method: "PUT" | "POST";
  path: string;
  body: () => Record<string, unknown>;
  /** Where the receiving store keeps it (in any case; returned canonical). */
  key: ObjectKey;
  validator: (typeof validators)["Session"] | (typeof validators)["CDR"];
  /** What strict mode names. */
  strict: string[];
  /** What lenient mode does: the repairs made, or the message of what stays invalid. */
  lenient: { repairs: { code: string; pointer: string; from: string; to: string }[] } | { refused: string };
}

const CASES: BodyCase[] = [
  {
    name: "a Session PUT with null optional fields, spaced timestamps and a lower-case id",
    method: "PUT",
    path: "/ocpi/2.2.1/sessions/receiver/NL/QCP/SES000001",
    body: sloppySession,
    key: { module: received("sessions"), country_code: "nl", party_id: "qcp", id: "ses000001" },
    validator: validators.Session,
    strict: ["/start_date_time: must be", "/last_updated: must be", "/end_date_time: must be", "/meter_id: must be", "/total_cost: must be"],
    lenient: {
      repairs: [
        { code: "timestamp", pointer: "/start_date_time", from: SPACED, to: REPAIRED },
        { code: "timestamp", pointer: "/last_updated", from: SPACED, to: REPAIRED },
        { code: "null-optional", pointer: "/end_date_time", from: "null", to: "(absent)" },
        { code: "null-optional", pointer: "/meter_id", from: "null", to: "(absent)" },
        { code: "null-optional", pointer: "/total_cost", from: "null", to: "(absent)" },
      ],
    },
  },
  {
    name: "a CDR POST without cdr_location.evse_uid",
    method: "POST",
    path: "/ocpi/2.2.1/cdrs/receiver",
    body: cdrWithoutEvseUid,
    key: { module: received("cdrs"), country_code: "NL", party_id: "QCP", id: "CDR000001" },
    validator: validators.CDR,
    strict: ["/cdr_location/evse_uid: is required"],
    lenient: { refused: "/cdr_location/evse_uid: is required" },
  },
  {
    name: "a Session with kwh: null",
    method: "PUT",
    path: "/ocpi/2.2.1/sessions/receiver/NL/QCP/SES000002",
    body: sessionWithNullKwh,
    key: { module: received("sessions"), country_code: "NL", party_id: "QCP", id: "SES000002" },
    validator: validators.Session,
    strict: ["/kwh: must be a number"],
    lenient: { refused: "/kwh: is required (null was sent)" },
  },
];

const repairedEvents = (n: TestNode) => n.events.filter((e): e is Extract<ServerEvent, { type: "repaired" }> => e.type === "repaired");

describe.each([
  ["the server's validation option", "option"],
  ["the party's profile on a strict server", "profile"],
] as const)("request bodies, mode set by %s", (_, source) => {
  async function setUp(mode: ProfileValidation) {
    const setup = await pushing(QCP, source === "option" ? { server: { validation: mode } } : undefined);
    if (source === "profile") await setup.emsp.server.credentials.setProfile(setup.party.id, { validation: mode });
    return setup;
  }

  const rows = CASES.flatMap((c) => (["strict", "lenient", "off"] as const).map((mode) => ({ ...c, mode })));

  it.each(rows)("$mode: $name", async (c) => {
    const { emsp, party } = await setUp(c.mode);
    const sent = c.body();
    const res = await raw(`${emsp.url}${c.path}`, { method: c.method, token: party.incomingToken, json: sent, requestId: "req-1" });
    const stored = await emsp.store.getObject<Record<string, unknown>>(c.key);

    const refused = c.mode === "strict" ? c.strict : c.mode === "lenient" && "refused" in c.lenient ? [c.lenient.refused] : undefined;
    if (refused) {
      expect([res.status, res.body?.status_code]).toEqual([400, 2001]);
      for (const message of refused) expect(res.body?.status_message).toContain(message);
      expect(stored).toBeUndefined();
      expect(repairedEvents(emsp)).toEqual([]);
      return;
    }
    expect([res.status, res.body?.status_code]).toEqual([200, 1000]);
    // Kept under the canonical key, whatever case the path and body used.
    expect(stored).toMatchObject({ country_code: "NL", party_id: "QCP", id: c.key.id.toUpperCase() });
    if (c.mode === "off") {
      expect(stored?.data).toEqual(sent);
      expect(repairedEvents(emsp)).toEqual([]);
      return;
    }
    // Lenient, repaired: the object kept validates, with UTC timestamps and without the nulls.
    if (!("repairs" in c.lenient)) throw new Error("a lenient case that is accepted lists its repairs");
    const { repairs } = c.lenient;
    expect(c.validator.validate(stored?.data).ok).toBe(true);
    expect(stored?.data).toMatchObject({ id: "ses000001", start_date_time: REPAIRED, last_updated: REPAIRED });
    expect(stored?.data).not.toHaveProperty("end_date_time");
    expect(stored?.data).not.toHaveProperty("meter_id");
    expect(stored?.data).not.toHaveProperty("total_cost");
    expect(stored?.last_updated).toBe(REPAIRED);
    expect(repairedEvents(emsp)).toEqual([
      { type: "repaired", operationId: "sessionsReceiverPut", partyId: party.id, requestId: "req-1", repairs: expect.arrayContaining(repairs) },
    ]);
    expect(repairedEvents(emsp)[0]!.repairs).toHaveLength(repairs.length);
  });
});

describe("request bodies, more rules", () => {
  it("a party whose profile says lenient gets lenient treatment on a strict server; another party does not", async () => {
    const { emsp, party: lenient } = await pushing(QCP);
    const { party: strict } = await pushing(OTHER_CPO, undefined, emsp);
    await emsp.server.credentials.setProfile(lenient.id, { validation: "lenient" });

    const ok = await raw(`${emsp.url}/ocpi/2.2.1/sessions/receiver/NL/QCP/SES000001`, { method: "PUT", token: lenient.incomingToken, json: sloppySession() });
    expect([ok.status, ok.body?.status_code]).toEqual([200, 1000]);
    expect(repairedEvents(emsp).map((e) => e.partyId)).toEqual([lenient.id]);

    const other = { ...sloppySession(), country_code: "DE", party_id: "OTH" };
    const refused = await raw(`${emsp.url}/ocpi/2.2.1/sessions/receiver/DE/OTH/SES000001`, { method: "PUT", token: strict.incomingToken, json: other });
    expect([refused.status, refused.body?.status_code]).toEqual([400, 2001]);
    expect(refused.body?.status_message).toContain("/start_date_time");
    expect(await emsp.store.getObject({ module: received("sessions"), country_code: "DE", party_id: "OTH", id: "SES000001" })).toBeUndefined();
    expect(repairedEvents(emsp)).toHaveLength(1);
  });

  it("a party whose profile says strict is held to it on a lenient server; clearing the profile gives the server's mode back", async () => {
    const { emsp, party } = await pushing(QCP, { server: { validation: "lenient" } });
    await emsp.server.credentials.setProfile(party.id, { validation: "strict" });
    const url = `${emsp.url}/ocpi/2.2.1/sessions/receiver/NL/QCP/SES000001`;
    expect((await raw(url, { method: "PUT", token: party.incomingToken, json: sloppySession() })).status).toBe(400);
    const cleared = await emsp.server.credentials.setProfile(party.id, undefined);
    expect(cleared).not.toHaveProperty("profile");
    expect((await raw(url, { method: "PUT", token: party.incomingToken, json: sloppySession() })).status).toBe(200);
  });

  it("lenient unwraps a one-element list where an object is expected; a repaired body refused for its keys logs no repair", async () => {
    const { emsp, party } = await pushing(QCP, { server: { validation: "lenient" } });
    const url = `${emsp.url}/ocpi/2.2.1/sessions/receiver/NL/QCP/SES000003`;
    const session = { ...sample<T.Session>("2.2.1", "Session"), country_code: "NL", party_id: "QCP", id: "SES000003" };
    const moved = await raw(url, { method: "PUT", token: party.incomingToken, json: { ...session, id: "OTHER", last_updated: SPACED } });
    expect([moved.status, moved.body?.status_message]).toEqual([400, "/id: must equal the path's session_id SES000003"]);
    expect(repairedEvents(emsp)).toEqual([]);

    const res = await raw(url, { method: "PUT", token: party.incomingToken, json: { ...session, cdr_token: [session.cdr_token] } });
    expect(res.status).toBe(200);
    const stored = await emsp.store.getObject<T.Session>({ module: received("sessions"), country_code: "NL", party_id: "QCP", id: "SES000003" });
    expect(stored?.data.cdr_token).toEqual(session.cdr_token);
    expect(repairedEvents(emsp).map((e) => e.repairs)).toEqual([[{ code: "one-element-array", pointer: "/cdr_token", from: "[…]", to: "{…}" }]]);
  });

  it("lenient still refuses unknown fields with strictBodies, naming only what is left", async () => {
    const { emsp, party } = await pushing(QCP, { server: { validation: "lenient", strictBodies: true } });
    const res = await raw(`${emsp.url}/ocpi/2.2.1/sessions/receiver/NL/QCP/SES000001`, {
      method: "PUT",
      token: party.incomingToken,
      json: { ...sloppySession(), colour: "red" },
    });
    expect([res.status, res.body?.status_code]).toEqual([400, 2001]);
    expect(res.body?.status_message).toBe("/colour: is not a field of this object");
    expect(repairedEvents(emsp)).toEqual([]);
  });

  it("off still enforces JSON, content type, forbidden keys and the path's keys", async () => {
    const { emsp, party } = await pushing(QCP, { server: { validation: "off" } });
    const url = `${emsp.url}/ocpi/2.2.1/sessions/receiver/NL/QCP/SES000001`;
    const notJson = await fetch(url, {
      method: "PUT",
      headers: { Authorization: `Token ${base64Encode(party.incomingToken)}`, "Content-Type": "application/json" },
      body: "{nope",
    });
    expect(notJson.status).toBe(400);
    const text = await fetch(url, {
      method: "PUT",
      headers: { Authorization: `Token ${base64Encode(party.incomingToken)}`, "Content-Type": "text/plain" },
      body: "{}",
    });
    expect(text.status).toBe(415);
    const proto = await fetch(url, {
      method: "PUT",
      headers: { Authorization: `Token ${base64Encode(party.incomingToken)}`, "Content-Type": "application/json" },
      body: '{"__proto__": {}}',
    });
    expect(proto.status).toBe(400);
    for (const json of [null, [], "session", 42]) {
      const res = await raw(url, { method: "PUT", token: party.incomingToken, json });
      expect([res.status, res.body?.status_code, res.body?.status_message]).toEqual([400, 2001, "/body: must be a JSON object"]);
    }
    const moved = await raw(url, { method: "PUT", token: party.incomingToken, json: { ...sloppySession(), id: "OTHER" } });
    expect([moved.status, moved.body?.status_message]).toEqual([400, "/id: must equal the path's session_id SES000001"]);
    const foreign = await raw(`${emsp.url}/ocpi/2.2.1/sessions/receiver/DE/OTH/SES000001`, {
      method: "PUT",
      token: party.incomingToken,
      json: sloppySession(),
    });
    expect(foreign.status).toBe(403);
    expect(await emsp.store.listObjects({ module: received("sessions"), offset: 0, limit: 10 })).toEqual({ items: [], total: 0 });
  });

  it.each(["2024-02-30T10:00:00Z", "0000-01-01T00:00:00Z", "yesterday"])(
    "off: a last_updated the store cannot read (%s) is a 2001 naming it, not a 500",
    async (stamp) => {
      const { emsp, party } = await pushing(QCP, { server: { validation: "off" } });
      const url = `${emsp.url}/ocpi/2.2.1/sessions/receiver/NL/QCP/SES000001`;
      const res = await raw(url, { method: "PUT", token: party.incomingToken, json: { ...sloppySession(), last_updated: stamp } });
      expect([res.status, res.body?.status_code]).toEqual([400, 2001]);
      expect(res.body?.status_message).toMatch(/^\/last_updated: must be an OCPI DateTime/);
      expect(await emsp.store.listObjects({ module: received("sessions"), offset: 0, limit: 10 })).toEqual({ items: [], total: 0 });
    },
  );
});

describe("credentials bodies", () => {
  it("are checked leniently even where the mode is off: the server reads them itself", async () => {
    const cpo = await node(CPO_ROLE, { server: { validation: "off" } });
    const emsp = await node(EMSP_ROLE);
    const { token } = await cpo.server.credentials.createRegistrationToken();
    const garbage = await raw(`${cpo.url}/ocpi/2.2.1/credentials`, {
      method: "POST",
      token,
      json: { token: "t", url: emsp.server.versionsUrl, roles: "EMSP" },
    });
    expect([garbage.status, garbage.body?.status_code]).toEqual([400, 2001]);
    expect(garbage.body?.status_message).toContain("/roles: must be");
    // A null for an optional field is repaired, and the registration goes through.
    const { token: emspToken } = await emsp.server.credentials.createRegistrationToken();
    const roles = [{ ...EMSP_ROLE, business_details: { ...EMSP_ROLE.business_details, website: null } }];
    const ok = await raw(`${cpo.url}/ocpi/2.2.1/credentials`, { method: "POST", token, json: { token: emspToken, url: emsp.server.versionsUrl, roles } });
    expect(ok.status).toBe(200);
    expect(repairedEvents(cpo)).toEqual([
      expect.objectContaining({
        operationId: "credentialsSenderPost",
        repairs: [expect.objectContaining({ code: "null-optional", pointer: "/roles/0/business_details/website" })],
      }),
    ]);
    expect((await cpo.store.listParties()).find((p) => p.status === "registered")?.roles).toEqual([EMSP_ROLE]);
  });
});

describe("peer profiles with parties", () => {
  const profile: PeerProfile = {
    validation: "lenient",
    detailsAsList: false,
    urlRewrites: [{ from: "http://10.0.0.5/ocpi", to: "https://peer.example/ocpi" }],
  };

  it("a profile given with a registration token stays through registration, a failed attempt before it, and credentials updates", async () => {
    const cpo = await node(CPO_ROLE);
    const emsp = await node(EMSP_ROLE);
    const { partyId, token } = await cpo.server.credentials.createRegistrationToken({ profile });
    expect((await cpo.store.getParty(partyId))?.profile).toEqual(profile);
    // A first attempt that fails (the peer's API cannot be used) keeps the pending party, and its profile.
    const failed = await raw(`${cpo.url}/ocpi/2.2.1/credentials`, {
      method: "POST",
      token,
      json: { token: "t", url: "http://127.0.0.1:1/ocpi/versions", roles: [EMSP_ROLE] },
    });
    expect(failed.status).toBe(400);
    expect((await cpo.store.getParty(partyId))?.profile).toEqual(profile);

    const cpoParty = await emsp.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token });
    expect(await cpo.store.getParty(partyId)).toMatchObject({ status: "registered", profile });
    // The eMSP rotates: a PUT /credentials at the CPO, which keeps the profile.
    await emsp.server.credentials.rotate(cpoParty);
    expect(await cpo.store.getParty(partyId)).toMatchObject({ status: "registered", profile });
    // The CPO rotates: the record it keeps afterwards still has it.
    const rotated = await cpo.server.credentials.rotate((await cpo.store.getParty(partyId))!);
    expect(rotated.profile).toEqual(profile);
    expect((await cpo.store.getParty(partyId))?.profile).toEqual(profile);
  });

  it("registerWith keeps its profile; rotate keeps the stored one even from a record read before setProfile", async () => {
    const cpo = await node(CPO_ROLE);
    const emsp = await node(EMSP_ROLE);
    const { token } = await cpo.server.credentials.createRegistrationToken();
    const party = await emsp.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token, profile });
    expect(party.profile).toEqual(profile);
    expect((await emsp.store.getParty(party.id))?.profile).toEqual(profile);
    const changed: PeerProfile = { validation: "off" };
    await emsp.server.credentials.setProfile(party.id, changed);
    const rotated = await emsp.server.credentials.rotate(party);
    expect(rotated.profile).toEqual(changed);
    expect((await emsp.store.getParty(party.id))?.profile).toEqual(changed);
  });

  it("a bad profile throws a PeerProfileError naming the field before anything is stored", async () => {
    const cpo = await node(CPO_ROLE);
    const emsp = await node(EMSP_ROLE);
    const connect = vi.spyOn(OcpiClient, "connect");
    await expect(cpo.server.credentials.createRegistrationToken({ profile: { validaton: "lenient" } as never })).rejects.toThrow(/\/validaton/);
    await expect(cpo.server.credentials.createRegistrationToken({ profile: { validation: "loose" } as never })).rejects.toBeInstanceOf(PeerProfileError);
    expect(await cpo.store.listParties()).toEqual([]);

    const { token } = await cpo.server.credentials.createRegistrationToken();
    await expect(
      emsp.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token, profile: { detailsAsList: "yes" } as never }),
    ).rejects.toThrow(/\/detailsAsList/);
    expect(await emsp.store.listParties()).toEqual([]);
    expect(connect).not.toHaveBeenCalled();

    const { partyId } = await cpo.server.credentials.createRegistrationToken({ profile });
    const before = await cpo.store.getParty(partyId);
    await expect(cpo.server.credentials.setProfile(partyId, { urlRewrites: [{ from: "not a url", to: "https://x.example" }] })).rejects.toThrow(
      /\/urlRewrites\/0\/from/,
    );
    expect(await cpo.store.getParty(partyId)).toEqual(before);
    await expect(cpo.server.credentials.setProfile("nobody", {})).rejects.toThrow(/no party nobody/);
  });

  it("the profile is copied: changing the object given afterwards changes nothing", async () => {
    const cpo = await node(CPO_ROLE);
    const given: PeerProfile = { validation: "lenient" };
    const { partyId } = await cpo.server.credentials.createRegistrationToken({ profile: given });
    given.validation = "off";
    expect((await cpo.store.getParty(partyId))?.profile).toEqual({ validation: "lenient" });
  });
});

describe("version details as a list", () => {
  const details = (res: Awaited<ReturnType<typeof raw>>) => res.body?.data;

  it("goes to the one party whose profile asks for it, by its Token A and after registration", async () => {
    const cpo = await node(CPO_ROLE);
    const emsp = await node(EMSP_ROLE);
    const listed = await cpo.server.credentials.createRegistrationToken({ profile: { detailsAsList: true } });
    const plain = await cpo.server.credentials.createRegistrationToken();
    const detailsUrl = `${cpo.url}/ocpi/2.2.1`;

    const asList = await raw(detailsUrl, { token: listed.token });
    expect(asList.status).toBe(200);
    expect(details(asList)).toEqual([expect.objectContaining({ version: "2.2.1", endpoints: expect.any(Array) })]);
    const asObject = await raw(detailsUrl, { token: plain.token });
    expect(details(asObject)).toEqual(expect.objectContaining({ version: "2.2.1", endpoints: expect.any(Array) }));
    expect((details(asList) as unknown[])[0]).toEqual(details(asObject));
    // The versions endpoint is the same list for everyone.
    expect(details(await raw(`${cpo.url}/ocpi/versions`, { token: listed.token }))).toEqual(
      details(await raw(`${cpo.url}/ocpi/versions`, { token: plain.token })),
    );

    // The peer registers by hand (our own client would read the list first): the CPO reads the eMSP's API with a
    // token the eMSP handed out, and answers with the token the peer calls it with from now on.
    const { token: emspToken } = await emsp.server.credentials.createRegistrationToken();
    const registered = await raw(`${cpo.url}/ocpi/2.2.1/credentials`, {
      method: "POST",
      token: listed.token,
      json: { token: emspToken, url: emsp.server.versionsUrl, roles: [EMSP_ROLE] },
    });
    expect(registered.status).toBe(200);
    const tokenC = (registered.body!.data as T.Credentials).token;
    expect(details(await raw(detailsUrl, { token: tokenC }))).toEqual([expect.objectContaining({ version: "2.2.1" })]);
    expect(details(await raw(detailsUrl, { token: plain.token }))).toEqual(expect.objectContaining({ version: "2.2.1" }));

    // Cleared: the object again.
    await cpo.server.credentials.setProfile(listed.partyId, undefined);
    expect(details(await raw(detailsUrl, { token: tokenC }))).toEqual(expect.objectContaining({ version: "2.2.1" }));
  });
});

describe("outgoing calls carry the party's profile", () => {
  const profile: PeerProfile = { pagination: "offset", queryRenames: { "*": { date_from: "dateFrom" } } };
  const profileOf = (options: unknown) => (options as { profile?: PeerProfile }).profile;

  it("clientFor, rotation and unregistration build their clients with it", async () => {
    const cpo = await node(CPO_ROLE);
    const emsp = await node(EMSP_ROLE);
    const { token } = await cpo.server.credentials.createRegistrationToken();
    const plain = await emsp.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token });
    const restore = vi.spyOn(OcpiClient, "restore");
    emsp.server.credentials.clientFor(plain);
    expect(profileOf(restore.mock.calls.at(-1)![0])).toBeUndefined();

    const party = await emsp.server.credentials.setProfile(plain.id, profile);
    emsp.server.credentials.clientFor(party);
    expect(profileOf(restore.mock.calls.at(-1)![0])).toEqual(profile);
    // The other options stay.
    expect(restore.mock.calls.at(-1)![0]).toMatchObject({
      versionsUrl: cpo.server.versionsUrl,
      token: party.outgoingToken,
      urlPolicy: { allowLoopback: true },
    });

    restore.mockClear();
    const rotated = await emsp.server.credentials.rotate(party);
    expect(restore.mock.calls.map((call) => profileOf(call[0]))).toEqual([profile]);
    restore.mockClear();
    await emsp.server.credentials.unregisterFrom(rotated);
    expect(restore.mock.calls.map((call) => profileOf(call[0]))).toEqual([profile]);
  });

  it("registerWith uses the profile given for the calls of the registration itself", async () => {
    const cpo = await node(CPO_ROLE);
    const emsp = await node(EMSP_ROLE);
    const { token } = await cpo.server.credentials.createRegistrationToken();
    const connect = vi.spyOn(OcpiClient, "connect");
    await emsp.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token, profile });
    // The eMSP's own connect carries it; the CPO's connect back to the eMSP (no profile there) does not.
    const profiles = connect.mock.calls.map((call) => [call[0].versionsUrl, profileOf(call[0])]);
    expect(profiles).toEqual(
      expect.arrayContaining([
        [cpo.server.versionsUrl, profile],
        [emsp.server.versionsUrl, undefined],
      ]),
    );
  });

  it("a registration we receive reads the peer's API with the profile of its Token A", async () => {
    const cpo = await node(CPO_ROLE);
    const emsp = await node(EMSP_ROLE);
    const { token } = await cpo.server.credentials.createRegistrationToken({ profile });
    const connect = vi.spyOn(OcpiClient, "connect");
    await emsp.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token });
    const back = connect.mock.calls.find((call) => call[0].versionsUrl === emsp.server.versionsUrl);
    expect(profileOf(back?.[0])).toEqual(profile);
  });

  it("async results go out with the profile of the party that asked", async () => {
    const cpo = await node(CPO_ROLE);
    const emsp = await node(EMSP_ROLE);
    const { token } = await cpo.server.credentials.createRegistrationToken({ profile });
    const cpoParty = await emsp.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token });
    const emspParty = (await cpo.store.listParties()).find((p): p is PartyRecord => p.status === "registered")!;
    const options: unknown[] = [];
    const callOperation = OcpiClient.prototype.callOperation;
    vi.spyOn(OcpiClient.prototype, "callOperation").mockImplementation(function (this: { options: unknown }, ...args: Parameters<typeof callOperation>) {
      options.push(this.options);
      return callOperation.apply(this, args);
    });
    const responseUrl = await emsp.server.responseUrl("commandsSenderPostResult", { party: cpoParty });
    await emsp.server.credentials.clientFor(cpoParty, "2.2.1").commands.receiver.startSession({
      body: { response_url: responseUrl, token: sample<T.Token>("2.2.1", "Token"), location_id: "LOC1" },
    });
    await cpo.server.idle();
    expect(cpo.events).toContainEqual(expect.objectContaining({ type: "result-sent" }));
    expect(options.map(profileOf)).toContainEqual(profile);
    expect(emspParty.profile).toEqual(profile);
  });
});
