// The mock peer: deterministic, valid data; every module of its role; registration, commands and charging profiles.
import { describe, expect, it } from "vitest";
import { OcpiClient } from "@ocpi-sdk/client";
import { createOcpiServer, MemoryStore } from "@ocpi-sdk/server";
import { listen } from "@ocpi-sdk/server/node";
import { validators as v211 } from "@ocpi-sdk/validators/2.1.1";
import { validators as v221 } from "@ocpi-sdk/validators/2.2.1";
import { validators as v230 } from "@ocpi-sdk/validators/2.3.0";
import type { CredentialsRole } from "@ocpi-sdk/types/2.2.1";
import { mockLocations, mockSessions, mockTariffs, mockTokens } from "./data.js";
import { roleHandlers } from "./handlers.js";
import { startMockPeer } from "./peer.js";
import { seededRandom } from "./prng.js";
import { runCli } from "../program.js";
import { captureIo } from "../testing/io.js";

const owner = { country_code: "NL", party_id: "CPO" };
const emsp = { country_code: "DE", party_id: "EMX" };

describe("mock data", () => {
  it("is the same for the same seed, and differs for another", () => {
    const a = mockLocations(seededRandom("s1"), 20, owner);
    expect(mockLocations(seededRandom("s1"), 20, owner)).toEqual(a);
    expect(mockLocations(seededRandom("s2"), 20, owner)).not.toEqual(a);
    // Each object comes from a generator of its own: asking for more does not change the first ones.
    expect(mockLocations(seededRandom("s1"), 25, owner).slice(0, 20)).toEqual(a);
  });

  it("passes the strict 2.2.1 validators: Locations with EVSEs and Connectors, Tariffs, Sessions, CDRs, Tokens", () => {
    const locations = mockLocations(seededRandom("v"), 200, owner);
    const tariffs = mockTariffs(owner);
    const { sessions, cdrs } = mockSessions(seededRandom("v"), 60, owner, emsp, locations, tariffs);
    const tokens = mockTokens(seededRandom("v"), 100, emsp);
    const all = [
      ...locations.map((o) => ["Location", o] as const),
      ...tariffs.map((o) => ["Tariff", o] as const),
      ...sessions.map((o) => ["Session", o] as const),
      ...cdrs.map((o) => ["CDR", o] as const),
      ...tokens.map((o) => ["Token", o] as const),
    ];
    const invalid = all.filter(([schema, o]) => !v221[schema].is(o, { strict: true }));
    expect(invalid).toEqual([]);
    expect(locations.every((l) => l.evses!.length >= 1 && l.evses!.every((e) => e.connectors.length >= 1))).toBe(true);
    expect(sessions.filter((s) => s.status === "ACTIVE")).toHaveLength(20);
    expect(cdrs).toHaveLength(40);
    expect(new Set(tokens.map((t) => t.uid)).size).toBe(100);
    // Sessions and CDRs are the eMSP's: charged with its tokens.
    expect(cdrs.every((c) => c.cdr_token.party_id === "EMX" && c.party_id === "CPO")).toBe(true);
  });
});

/** A registering eMSP: an OCPI server on loopback. */
async function emspOf(role: CredentialsRole) {
  const store = new MemoryStore();
  return listen((publicUrl) =>
    createOcpiServer({ publicUrl, roles: [role], store, logger: false, urlPolicy: { allowLoopback: true }, handlers: roleHandlers("EMSP", store, [role]) }),
  );
}

describe("startMockPeer", () => {
  // One mock per version: the server's converted-page cache is kept per party, not per version (see the report).
  it.each(["2.1.1", "2.2.1", "2.3.0"] as const)("serves a CPO's modules in OCPI %s, every object strictly valid there", async (version) => {
    const mock = await startMockPeer({ role: "cpo", versions: ["2.1.1", "2.2.1", "2.3.0"], locations: 7, seed: "versions" });
    try {
      const byVersion = { "2.1.1": v211, "2.2.1": v221, "2.3.0": v230 } as const;
      const client = await OcpiClient.connect({
        versionsUrl: mock.versionsUrl,
        token: mock.tokenC!,
        versions: [version],
        urlPolicy: { allowLoopback: true },
        validation: "strict",
      });
      expect(client.version).toBe(version);
      const v = byVersion[version] as unknown as Record<string, { is(o: unknown, opt: { strict: boolean }): boolean }>;
      const modules = client as unknown as Record<string, { sender: { all(q?: object): { toArray(): Promise<unknown[]> } } }>;
      const lists = {
        Location: await modules.locations!.sender.all().toArray(),
        Tariff: await modules.tariffs!.sender.all().toArray(),
        Session: await modules.sessions!.sender.all({ date_from: "2000-01-01T00:00:00Z" }).toArray(),
        CDR: await modules.cdrs!.sender.all().toArray(),
      };
      expect(lists.Location).toHaveLength(7);
      expect(lists.Tariff).toHaveLength(3);
      expect(lists.Session).toHaveLength(6);
      expect(lists.CDR).toHaveLength(4);
      for (const [schema, objects] of Object.entries(lists)) {
        expect(
          objects.filter((o) => !v[schema]!.is(o, { strict: true })),
          `${version} ${schema}`,
        ).toEqual([]);
      }
    } finally {
      await mock.close();
    }
  });

  it("serves an eMSP's tokens as SENDER and the CPO modules as RECEIVER only", async () => {
    const mock = await startMockPeer({ role: "emsp", tokens: 4 });
    try {
      const client = await OcpiClient.connect({ versionsUrl: mock.versionsUrl, token: mock.tokenC!, urlPolicy: { allowLoopback: true } });
      const interfaces = client.endpoints.map((e) => `${e.identifier} ${e.role}`).sort();
      // Commands SENDER is only a response_url: version details do not list it.
      expect(interfaces).toEqual([
        "cdrs RECEIVER",
        "chargingprofiles SENDER",
        "credentials SENDER",
        "hubclientinfo RECEIVER",
        "locations RECEIVER",
        "sessions RECEIVER",
        "tariffs RECEIVER",
        "tokens SENDER",
      ]);
      const tokens = await (client as OcpiClient<"2.2.1">).tokens.sender.all().toArray();
      expect(tokens.map((t) => t.uid)).toEqual(mock.data.tokens.map((t) => t.uid));
    } finally {
      await mock.close();
    }
  });

  it("registers a peer with its Token A, makes the next Token A, and answers a command with ACCEPTED, then its result", async () => {
    const registered: string[] = [];
    const mock = await startMockPeer({ role: "cpo", onRegistered: (info) => registered.push(info.nextTokenA) });
    const emspNode = await emspOf({ role: "EMSP", country_code: "NL", party_id: "EMS", business_details: { name: "eMSP under test" } });
    try {
      const first = mock.tokenA;
      const party = await emspNode.server.credentials.registerWith({ versionsUrl: mock.versionsUrl, token: first });
      expect(party.roles.map((r) => `${r.role} ${r.country_code}/${r.party_id}`)).toEqual(["CPO NL/CPO"]);
      await expect.poll(() => registered.length).toBe(1);
      expect(mock.tokenA).toBe(registered[0]);
      expect(mock.tokenA).not.toBe(first);

      const sent = await emspNode.server.sendCommand(party, "START_SESSION", {
        token: {
          country_code: "NL",
          party_id: "EMS",
          uid: "04AA",
          type: "RFID",
          contract_id: "NL-EMS-C1",
          issuer: "x",
          valid: true,
          whitelist: "ALLOWED",
          last_updated: "2024-01-01T00:00:00Z",
        },
        location_id: mock.data.locations[0]!.id,
      });
      expect(sent.response.result).toBe("ACCEPTED");
      expect(await sent.result).toEqual({ result: "ACCEPTED" });

      const profile = await emspNode.server.requestActiveChargingProfile(party, "SES-1", 900);
      expect(profile.response.result).toBe("ACCEPTED");
      expect(await profile.result).toMatchObject({ result: "ACCEPTED", profile: { charging_profile: { duration: 900 } } });
    } finally {
      await emspNode.close();
      await mock.close();
    }
  });

  it("makes Sessions and CDRs for each eMSP that lists them, under that eMSP", async () => {
    const mock = await startMockPeer({ role: "cpo", sessions: 3, registeredParty: { country_code: "BE", party_id: "ONE" } });
    try {
      const client = (await OcpiClient.connect({
        versionsUrl: mock.versionsUrl,
        token: mock.tokenC!,
        versions: ["2.2.1"],
        urlPolicy: { allowLoopback: true },
      })) as OcpiClient<"2.2.1">;
      const sessions = await client.sessions.sender.all({ date_from: "2000-01-01T00:00:00Z" }).toArray();
      expect(sessions).toHaveLength(3);
      expect(new Set(sessions.map((s) => `${s.cdr_token.country_code}/${s.cdr_token.party_id}`))).toEqual(new Set(["BE/ONE"]));
      // Twice the same: made once.
      expect(await client.sessions.sender.all({ date_from: "2000-01-01T00:00:00Z" }).toArray()).toEqual(sessions);
    } finally {
      await mock.close();
    }
  });
});

describe("ocpi mock", () => {
  it("prints its versions URL and Token A as JSON, serves until stopped, then exits 0", async () => {
    const stop = new AbortController();
    const io = captureIo({ signal: stop.signal });
    const running = runCli(["mock", "--role", "cpo", "--locations", "3", "--seed", "cli", "--json"], io);
    await expect.poll(() => io.out()).toContain('"event":"listening"');
    const listening = JSON.parse(io.out().split("\n")[0]!) as { versionsUrl: string; tokenA: string; tokenC: string; data: { locations: number } };
    expect(listening.data.locations).toBe(3);
    const client = (await OcpiClient.connect({
      versionsUrl: listening.versionsUrl,
      token: listening.tokenC,
      urlPolicy: { allowLoopback: true },
    })) as OcpiClient<"2.2.1">;
    expect((await client.locations.sender.all().toArray()).map((l) => l.id)).toEqual(["LOC0001", "LOC0002", "LOC0003"]);
    stop.abort();
    expect(await running).toBe(0);
    expect(io.out().trim().split("\n").at(-1)).toBe('{"event":"stopped"}');
  });

  it("prints plain lines without --json", async () => {
    const stop = new AbortController();
    const io = captureIo({ signal: stop.signal });
    const running = runCli(["mock", "--role", "emsp", "--no-registered-party"], io);
    await expect.poll(() => io.out()).toContain("Token A: ");
    expect(io.out()).toMatch(/^versions URL: http:\/\/127\.0\.0\.1:\d+\/ocpi\/versions\nToken A: \S+\n$/);
    expect(io.err()).toContain("data: 10 tokens");
    stop.abort();
    expect(await running).toBe(0);
  });

  it.each([
    { argv: ["mock"], message: "required option '--role <role>' not specified" },
    { argv: ["mock", "--role", "hub"], message: "argument 'hub' is invalid" },
    { argv: ["mock", "--role", "cpo", "--port", "70000"], message: "must be a whole number from 0 to 65535" },
    { argv: ["mock", "--role", "cpo", "--version", "2.2"], message: "must be one or more of 2.1.1, 2.2.1, 2.3.0" },
    { argv: ["mock", "--role", "cpo", "--locations", "many"], message: "must be a whole number" },
  ])("exits 2 for $argv", async ({ argv, message }) => {
    const io = captureIo();
    expect(await runCli(argv, io)).toBe(2);
    expect(io.err()).toContain(message);
  });
});
