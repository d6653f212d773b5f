/**
 * A mock OCPI peer (a CPO or an eMSP) for integration tests and for trying a client out: an @ocpi-sdk/server
 * instance on loopback with generated, valid, deterministic data, every module of its role, registration with a
 * printed Token A, commands and charging profiles accepted with their results posted.
 */
import { newRequestId, type UrlPolicy } from "@ocpi-sdk/protocol";
import { createOcpiServer, MemoryStore, saveObject, type Caller, type OcpiServer, type PartyRecord, type ServerEvent, type Store } from "@ocpi-sdk/server";
import { listen } from "@ocpi-sdk/server/node";
import type { CredentialsRole, Location, Tariff, Token } from "@ocpi-sdk/types/2.2.1";
import { mockLocations, mockSessions, mockTariffs, mockTokens, type Party } from "./data.js";
import { roleHandlers, type Role } from "./handlers.js";
import { seededRandom } from "./prng.js";
import type { OcpiVersion } from "../validate/versions.js";

/** Options of {@link startMockPeer}: the role, versions, address and data of the mock. */
export interface MockPeerOptions {
  /** The role the mock plays: `cpo` (Locations, Tariffs, Sessions, CDRs; commands and charging profiles) or `emsp` (Tokens). */
  role: "cpo" | "emsp" | Role;
  /** The OCPI versions served (default 2.2.1); the data is 2.2.1, converted for the others. */
  versions?: OcpiVersion | readonly OcpiVersion[];
  /** Port to listen on (default 0: any free port). */
  port?: number;
  /** Address to listen on (default 127.0.0.1). */
  hostname?: string;
  /** Where peers reach the mock, when not at http://hostname:port (behind a proxy, in a container). */
  publicUrl?: string;
  /** Locations a CPO serves (default 10). */
  locations?: number;
  /** Sessions a CPO makes for each eMSP that lists them (default 6; a third ACTIVE, the others COMPLETED with a CDR each). */
  sessions?: number;
  /** Tokens an eMSP serves (default 10). */
  tokens?: number;
  /** Seed of the generated data (default `ocpi`): the same seed gives the same objects. */
  seed?: string;
  /** The mock's own party (default NL/CPO for a CPO, NL/MSP for an eMSP). */
  party?: Party;
  /**
   * A party of the opposite role registered from the start, whose Token C (`tokenC`) works without a handshake
   * (for `ocpi pull` and `ocpi conformance --token-c`). Default NL/TST; `false` for none. It has no versions URL, so
   * nothing is pushed or posted to it.
   */
  registeredParty?: Party | false;
  /**
   * Which addresses the mock's own calls (to a registering peer's versions, to response_urls) may reach. Default
   * `{ allowLoopback: true }`: the mock is a test tool, and the peers it meets run on this machine. Private
   * networks (containers) need `allowPrivate` too.
   */
  urlPolicy?: UrlPolicy;
  /** Delay before a command's or charging profile request's result is posted (default 20 ms). */
  resultDelayMs?: number;
  /** Where the data lives (default: a MemoryStore in memory only). */
  store?: Store;
  /** The server's events (registrations, results sent, errors, ...). */
  log?: (event: ServerEvent) => void;
  /** Told of each registration with the current Token A, and of the next Token A made for the next peer. */
  onRegistered?: (info: { partyId: string; roles: string[]; version: string; nextTokenA: string }) => void;
}

/** A running mock peer: where to reach it, the tokens to use, and how to stop it. */
export interface MockPeer {
  role: Role;
  versions: OcpiVersion[];
  /** The mock's versions endpoint. */
  versionsUrl: string;
  /** The registration token a peer registers with (a new one is made once it was used: see onRegistered). */
  readonly tokenA: string;
  /** The Token C of the pre-registered party (undefined when `registeredParty` is false). */
  tokenC: string | undefined;
  /** The pre-registered party's identity. */
  registeredParty: (Party & { role: Role }) | undefined;
  /** The mock's own party and role, as its credentials list it. */
  party: CredentialsRole;
  /** `http://host:port`. */
  url: string;
  port: number;
  /** The data served (2.2.1). Sessions and CDRs are made per eMSP when it first lists them. */
  data: { locations: Location[]; tariffs: Tariff[]; tokens: Token[] };
  server: OcpiServer;
  store: Store;
  /** Another registration token, for one more peer. */
  createTokenA(): Promise<string>;
  /** Stops listening and aborts the mock's outgoing calls. */
  close(): Promise<void>;
}

const opposite = (role: Role): Role => (role === "CPO" ? "EMSP" : "CPO");

/** Starts a mock peer and resolves once it listens. */
export async function startMockPeer(options: MockPeerOptions): Promise<MockPeer> {
  const role = options.role.toUpperCase() as Role;
  if (role !== "CPO" && role !== "EMSP") throw new TypeError(`role must be cpo or emsp, not ${String(options.role)}`);
  const versions = [...new Set(typeof options.versions === "string" ? [options.versions] : (options.versions ?? ["2.2.1"]))] as OcpiVersion[];
  const seed = options.seed ?? "ocpi";
  const random = seededRandom(seed);
  const own = options.party ?? { country_code: "NL", party_id: role === "CPO" ? "CPO" : "MSP" };
  const party: CredentialsRole = {
    role,
    country_code: own.country_code,
    party_id: own.party_id,
    business_details: { name: role === "CPO" ? "Mock Charging B.V." : "Mock Mobility B.V.", website: "https://ocpi-sdk.example.com/mock" },
  };
  const store = options.store ?? new MemoryStore();

  const locations = role === "CPO" ? mockLocations(random.fork("locations"), options.locations ?? 10, own) : [];
  const tariffs = role === "CPO" ? mockTariffs(own) : [];
  const tokens = role === "EMSP" ? mockTokens(random.fork("tokens"), options.tokens ?? 10, own) : [];
  for (const location of locations) await saveObject(store, "locations", location.id, location);
  for (const tariff of tariffs) await saveObject(store, "tariffs", tariff.id, tariff);
  for (const token of tokens) await saveObject(store, "tokens", token.uid, token);

  // Sessions and CDRs are meant for one eMSP each (its Tokens charged): they are made for each eMSP when it first
  // lists them, kept under that eMSP as the store handlers expect, from a generator of its own (deterministic too).
  const madeFor = new Map<string, Promise<void>>();
  const sessionsFor = (caller: Caller): Promise<void> => {
    const emsp = caller.roles.find((r) => r.role === "EMSP") ?? caller.roles[0];
    if (!emsp || caller.isHub) return Promise.resolve();
    const key = `${emsp.country_code}/${emsp.party_id}`.toUpperCase();
    let made = madeFor.get(key);
    if (!made) {
      const { sessions, cdrs } = mockSessions(random.fork(`sessions/${key}`), options.sessions ?? 6, own, emsp, locations, tariffs);
      made = (async () => {
        const owner = { country_code: emsp.country_code, party_id: emsp.party_id };
        for (const s of sessions) await store.putObject({ module: "sessions", ...owner, id: s.id, last_updated: s.last_updated, data: s });
        for (const c of cdrs) await store.putObject({ module: "cdrs", ...owner, id: c.id, last_updated: c.last_updated, data: c });
      })();
      madeFor.set(key, made);
    }
    return made;
  };

  let currentTokenA = "";
  let tokenAParty = "";
  const events: ServerEvent[] = [];
  const onRegistered = async (event: Extract<ServerEvent, { type: "registered" }>) => {
    if (event.partyId !== tokenAParty) return;
    const next = await node.server.credentials.createRegistrationToken();
    currentTokenA = next.token;
    tokenAParty = next.partyId;
    options.onRegistered?.({ partyId: event.partyId, roles: event.roles, version: event.version, nextTokenA: next.token });
  };

  const node = await listen(
    (publicUrl) =>
      createOcpiServer({
        publicUrl,
        roles: [party],
        store,
        versions,
        // A test tool: the peers it calls back (registration, results) run on this machine. Refused by default.
        urlPolicy: options.urlPolicy ?? { allowLoopback: true },
        resultRetry: { baseDelayMs: 50, maxDelayMs: 1_000 },
        // What the mock does goes to `log` (the CLI prints it its own way, JSON on stdout with --json): no log lines.
        logger: false,
        handlers: roleHandlers(role, store, [party], { resultDelayMs: options.resultDelayMs ?? 20, beforeSessionsList: sessionsFor }),
        log: (event) => {
          events.push(event);
          if (events.length > 100) events.shift();
          if (event.type === "registered" && event.direction === "incoming") void onRegistered(event).catch(() => undefined);
          options.log?.(event);
        },
      }),
    {
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.hostname !== undefined ? { hostname: options.hostname } : {}),
      ...(options.publicUrl !== undefined ? { publicUrl: options.publicUrl.replace(/\/+$/, "") } : {}),
    },
  );

  try {
    const first = await node.server.credentials.createRegistrationToken();
    currentTokenA = first.token;
    tokenAParty = first.partyId;

    let tokenC: string | undefined;
    let registered: MockPeer["registeredParty"];
    if (options.registeredParty !== false) {
      const identity = options.registeredParty ?? { country_code: "NL", party_id: "TST" };
      registered = { role: opposite(role), country_code: identity.country_code.toUpperCase(), party_id: identity.party_id.toUpperCase() };
      tokenC = newRequestId();
      const now = new Date().toISOString();
      const record: PartyRecord = {
        id: `registered-${registered.country_code}-${registered.party_id}`,
        incomingToken: tokenC,
        incomingTokenKind: "C",
        endpoints: [],
        roles: [
          {
            role: registered.role,
            country_code: registered.country_code,
            party_id: registered.party_id,
            business_details: { name: "Pre-registered test party" },
          },
        ],
        status: "registered",
        createdAt: now,
        updatedAt: now,
      };
      await store.putParty(record);
    }

    return {
      role,
      versions,
      versionsUrl: node.server.versionsUrl,
      get tokenA() {
        return currentTokenA;
      },
      tokenC,
      registeredParty: registered,
      party,
      url: node.url,
      port: node.port,
      data: { locations, tariffs, tokens },
      server: node.server,
      store,
      createTokenA: async () => (await node.server.credentials.createRegistrationToken()).token,
      close: () => node.close(),
    };
  } catch (error) {
    await node.close();
    throw error;
  }
}
