// Incremental sync of a partner's SENDER lists, over real HTTP on 127.0.0.1: the partner is a real OCPI server (our
// own, with storeHandlers and a MemoryStore) or the quirky 2.2.1 peer, and the receiver's calls go through a fetch
// wrapper that can change the partner's data, fail, or strip headers between pages.
import { afterEach, describe, expect, it } from "vitest";
import type { OcpiClient } from "@ocpi-sdk/client";
import type * as T from "@ocpi-sdk/types/2.2.1";
import { validators } from "@ocpi-sdk/validators/2.2.1";
import { sample } from "../../../client/src/testing/fixtures.js";
import { startQuirkyPeer } from "../../../client/src/testing/quirky-peer.js";
import { received, saveObject } from "../handlers/store-handlers.js";
import { instantOf } from "../store/memory.js";
import type { PartyRecord, Store } from "../store/store.js";
import { CPO_ROLE, EMSP_ROLE, startNode, type TestNode } from "../testing/nodes.js";
import { startSync, sync, syncCursor, SyncError, SYNC_MODULES, type SyncModule, type SyncOptions, type SyncProgress, type SyncSummary } from "./sync.js";
import type { ServedVersion } from "./versions.js";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** The receiver's outgoing calls: list requests are recorded and may be intercepted. */
class Wire {
  /** Every list request (GET …/sender), in order. */
  readonly lists: URL[] = [];
  /** Sees list request number `n` (1-based, over the wire's life); `forward` sends it to the partner. */
  intercept?: (request: Request, n: number, forward: () => Promise<Response>) => Promise<Response>;

  readonly fetch = (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (request.method !== "GET" || !/\/sender\/?$/.test(url.pathname)) return fetch(request);
    this.lists.push(url);
    const forward = () => fetch(request);
    return this.intercept ? this.intercept(request, this.lists.length, forward) : forward();
  };
}

async function node(role: T.CredentialsRole, version: ServedVersion, wire: Wire): Promise<TestNode> {
  // No retries: a failing partner fails the run at once.
  const n = await startNode(role, { server: { versions: [version], fetch: wire.fetch, outgoing: { retry: false } } });
  closers.push(() => n.close());
  return n;
}

const CPO = { country_code: "NL", party_id: "CPO" };
const MSP = { country_code: "NL", party_id: "MSP" };
const SCHEMA = { locations: validators.Location, tariffs: validators.Tariff, sessions: validators.Session, cdrs: validators.CDR, tokens: validators.Token };

const location = (id: string, last_updated: string): T.Location => ({
  ...sample<T.Location>("2.2.1", "Location"),
  evses: [{ ...sample<T.EVSE>("2.2.1", "EVSE"), uid: `${id}-E1` }],
  ...CPO,
  id,
  last_updated,
});
const LOC1 = location("LOC1", "2024-01-01T00:00:00Z");

/** Puts an object the partner serves in `module`, kept as storeHandlers keep what they send. */
async function serve(store: Store, module: SyncModule, id: string, last_updated: string): Promise<void> {
  const evse = LOC1.evses![0]!;
  switch (module) {
    case "locations":
      return saveObject(store, "locations", id, location(id, last_updated));
    case "tariffs":
      return saveObject(store, "tariffs", id, { ...sample<T.Tariff>("2.2.1", "Tariff"), ...CPO, id, last_updated });
    case "tokens":
      return saveObject(store, "tokens", id, { ...sample<T.Token>("2.2.1", "Token"), ...MSP, uid: id, last_updated });
    case "sessions": {
      // A 2.1.1 Session embeds its Location: the partner finds LOC1 among its own.
      await saveObject(store, "locations", "LOC1", LOC1);
      const session: T.Session = {
        ...sample<T.Session>("2.2.1", "Session"),
        ...CPO,
        id,
        location_id: "LOC1",
        evse_uid: evse.uid,
        connector_id: evse.connectors[0]!.id,
        last_updated,
      };
      // Sessions and CDRs a CPO sends are kept under the eMSP they are for.
      return store.putObject({ module: "sessions", ...MSP, id, last_updated, data: session });
    }
    case "cdrs": {
      await saveObject(store, "locations", "LOC1", LOC1);
      const base = sample<T.CDR>("2.2.1", "CDR");
      const cdr: T.CDR = {
        ...base,
        ...CPO,
        id,
        cdr_location: { ...base.cdr_location, id: "LOC1", evse_uid: evse.uid, connector_id: evse.connectors[0]!.id },
        last_updated,
      };
      return store.putObject({ module: "cdrs", ...MSP, id, last_updated, data: cdr });
    }
  }
}

interface Partners {
  /** The node whose SENDER list is pulled, and the one pulling it. */
  sender: TestNode;
  receiver: TestNode;
  /** The receiver's record of the sender. */
  party: PartyRecord;
  client: OcpiClient;
  /** The receiver's outgoing calls. */
  wire: Wire;
  /** The owner of what the sender sends. */
  owner: { country_code: string; party_id: string };
  put(id: string, last_updated: string): Promise<void>;
  run(options?: Partial<SyncOptions>): Promise<SyncSummary>;
  /** The receiver's copies, by id. */
  held(): Promise<Map<string, { country_code: string; party_id: string; last_updated: string; data: unknown }>>;
}

/**
 * A CPO and an eMSP talking `version`, registered with each other; the eMSP pulls what a CPO sends, the CPO pulls
 * tokens from the eMSP.
 */
async function partners(module: SyncModule, version: ServedVersion = "2.2.1"): Promise<Partners> {
  const cpoWire = new Wire();
  const emspWire = new Wire();
  const cpo = await node(CPO_ROLE, version, cpoWire);
  const emsp = await node(EMSP_ROLE, version, emspWire);
  const { token } = await cpo.server.credentials.createRegistrationToken();
  const cpoParty = await emsp.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token });
  const emspParty = (await cpo.store.listParties()).find((p) => p.status === "registered")!;
  const tokens = module === "tokens";
  const [sender, receiver, party, wire] = tokens ? [emsp, cpo, emspParty, cpoWire] : [cpo, emsp, cpoParty, emspWire];
  const client = receiver.server.credentials.clientFor(party);
  return {
    sender,
    receiver,
    party,
    client,
    wire,
    owner: tokens ? MSP : CPO,
    put: (id, last_updated) => serve(sender.store, module, id, last_updated),
    run: (options = {}) => sync(client, module, { store: receiver.store, party, limit: 2, ...options }),
    held: async () => {
      const { items } = await receiver.store.listObjects({ module: received(module), offset: 0, limit: 1000 });
      return new Map(items.map((o) => [o.id, o]));
    },
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
/** A moment a few seconds ago: within the overlap of the next run. */
const recently = (offsetMs = 0) => new Date(Date.now() - 5_000 + offsetMs).toISOString();
const ids = (n: number) => Array.from({ length: n }, (_, i) => `X${i + 1}`);
const day = (i: number) => `2024-01-${String(i).padStart(2, "0")}T00:00:00Z`;

async function failure(promise: Promise<unknown>): Promise<SyncError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SyncError) return error;
    throw error;
  }
  throw new Error("expected a SyncError");
}

describe("sync: the partner's SENDER list into received(module)", () => {
  const VERSIONS: ServedVersion[] = ["2.1.1", "2.2.1", "2.3.0"];
  it.each(VERSIONS.flatMap((version) => SYNC_MODULES.map((module) => [module, version] as const)))(
    "%s in %s: the first run pulls everything, the next one only what changed since (date_from = cursor - overlap)",
    async (module, version) => {
      const s = await partners(module, version);
      for (const [i, id] of ids(5).entries()) await s.put(id, day(i + 1));

      const first = await s.run();
      expect(first).toMatchObject({
        objects: 5,
        upserted: 5,
        passes: 1,
        totalCount: 5,
        countChecked: true,
        complete: true,
        cursorAdvanced: true,
        cursor: first.to,
      });
      expect(first.from).toBeUndefined();
      // The sessions list requires date_from: from the beginning is the epoch.
      expect(s.wire.lists[0]!.searchParams.get("date_from")).toBe(module === "sessions" ? "1970-01-01T00:00:00Z" : null);
      expect(s.wire.lists[0]!.searchParams.get("date_to")).toBe(first.to);
      expect(await syncCursor(s.receiver.store, s.party.id, module)).toBe(first.to);
      const held = await s.held();
      expect([...held.keys()].sort()).toEqual(ids(5));
      for (const copy of held.values()) {
        // Kept as a push is kept: a 2.2.1 object under its owner (for 2.1.1, the party's role).
        expect({ country_code: copy.country_code, party_id: copy.party_id }).toEqual(s.owner);
        expect(SCHEMA[module].validate(copy.data).ok, JSON.stringify(SCHEMA[module].validate(copy.data))).toBe(true);
      }

      const changed = recently();
      await s.put("X2", changed);
      await s.put("X6", recently(1));
      const sent = s.wire.lists.length;
      const second = await s.run();
      expect(second.from).toBe(iso(Date.parse(first.to) - 60_000));
      expect(s.wire.lists[sent]!.searchParams.get("date_from")).toBe(second.from);
      // CDRs are final, as when POSTed: a changed one is not taken.
      const final = module === "cdrs";
      expect(second).toMatchObject({ objects: 2, upserted: final ? 1 : 2, unchanged: final ? 1 : 0, complete: true, cursorAdvanced: true, cursor: second.to });
      const after = await s.held();
      expect(after.size).toBe(6);
      expect(instantOf(after.get("X2")!.last_updated)).toBe(instantOf(final ? day(2) : changed));
    },
  );

  it("reports progress after each page and once when done", async () => {
    const s = await partners("locations");
    for (const [i, id] of ids(5).entries()) await s.put(id, day(i + 1));
    const events: SyncProgress[] = [];
    await s.run({ onProgress: (p) => events.push(p) });
    expect(events.map((e) => [e.pages, e.objects, e.done])).toEqual([
      [1, 2, false],
      [2, 4, false],
      [3, 5, false],
      [3, 5, true],
    ]);
    expect(events.every((e) => e.partyId === s.party.id && e.module === "locations" && e.pass === 1 && e.totalCount === 5 && e.rate >= 0)).toBe(true);
  });

  it("stores only objects of the parties the partner speaks for, any party's for a hub", async () => {
    const s = await partners("locations");
    await s.put("X1", day(1));
    await saveObject(s.sender.store, "locations", "OTHER", { ...location("OTHER", day(2)), country_code: "DE", party_id: "OTH" });

    const asPeer = await s.run();
    expect(asPeer).toMatchObject({ objects: 2, upserted: 1, foreign: 1, complete: true });
    expect([...(await s.held()).keys()]).toEqual(["X1"]);

    const hub = { ...s.party, roles: [...s.party.roles, { role: "HUB", ...CPO, business_details: { name: "Hub" } }] };
    const asHub = await s.run({ party: hub, full: true });
    expect(asHub).toMatchObject({ objects: 2, foreign: 0 });
    expect([...(await s.held()).keys()].sort()).toEqual(["OTHER", "X1"]);
  });
});

describe("sync: newer copies win", () => {
  it.each([
    ["a newer stored copy (pushed after the partner served its page) is kept", "2030-01-01T00:00:00Z", { skippedOlder: 1 }, "2030-01-01T00:00:00Z"],
    ["an older stored copy is replaced", "2023-01-01T00:00:00Z", { upserted: 1 }, "2024-06-01T00:00:00Z"],
    ["the same copy again (as the overlap brings it) is not written again", "2024-06-01T00:00:00Z", { unchanged: 1 }, "2024-06-01T00:00:00Z"],
  ] as const)("%s", async (_, storedAt, counts, keptAt) => {
    const s = await partners("locations");
    await s.put("X1", "2024-06-01T00:00:00Z");
    const served = location("X1", "2024-06-01T00:00:00Z");
    await s.receiver.store.putObject({ module: received("locations"), ...CPO, id: "X1", last_updated: storedAt, data: { ...served, last_updated: storedAt } });
    const summary = await s.run();
    expect(summary).toMatchObject({ upserted: 0, unchanged: 0, skippedOlder: 0, ...counts, complete: true });
    expect((await s.held()).get("X1")!.last_updated).toBe(keptAt);
  });

  it("a CDR once stored is final, as when POSTed", async () => {
    const s = await partners("cdrs");
    await s.put("X1", day(1));
    await s.run();
    await s.put("X1", recently());
    const again = await s.run();
    expect(again).toMatchObject({ objects: 1, upserted: 0, unchanged: 1 });
    expect((await s.held()).get("X1")!.last_updated).toBe(day(1));
  });
});

describe("sync: completeness with offset paging", () => {
  it.each([
    ["leaves the window (stamped now, after date_to)", (_dateTo: string) => new Date().toISOString(), "old"],
    ["moves to the end of the window (the partner's clock is behind)", (dateTo: string) => new Date(Date.parse(dateTo) - 1000).toISOString(), "new"],
  ] as const)("an object that %s during the crawl shifts the next one out of its page: a second pass gets it", async (_, stamp, x1) => {
    const s = await partners("locations");
    for (const [i, id] of ids(6).entries()) await s.put(id, day(i + 1));
    let changedTo: string | undefined;
    s.wire.intercept = async (request, n, forward) => {
      const response = await forward();
      // The partner has served page 1 (X1, X2); X1 changes before page 2 is asked for.
      if (n === 1) await s.put("X1", (changedTo = stamp(new URL(request.url).searchParams.get("date_to")!)));
      return response;
    };
    const summary = await s.run();
    expect(summary).toMatchObject({ passes: 2, complete: true, cursorAdvanced: true });
    const held = await s.held();
    expect([...held.keys()].sort()).toEqual(ids(6));
    // Within the window X1's new version is pulled now; past it, the next run pulls it.
    expect(instantOf(held.get("X1")!.last_updated)).toBe(instantOf(x1 === "new" ? changedTo! : day(1)));
    s.wire.intercept = undefined;
    await s.run();
    expect(instantOf((await s.held()).get("X1")!.last_updated)).toBe(instantOf(changedTo!));
  });

  it("a window that keeps changing under every pass is reported incomplete and the cursor stays", async () => {
    const s = await partners("locations");
    for (const [i, id] of ids(6).entries()) await s.put(id, day(i + 1));
    s.wire.intercept = async (request, _n, forward) => {
      const response = await forward();
      // Each pass's first page: its first object changes before the rest of the window is read.
      if (!new URL(request.url).searchParams.has("offset")) {
        const page = (await response.clone().json()) as { data: { id: string }[] };
        await s.put(page.data[0]!.id, new Date().toISOString());
      }
      return response;
    };
    const summary = await s.run({ maxPasses: 2 });
    expect(summary).toMatchObject({ passes: 2, countChecked: true, complete: false, cursorAdvanced: false });
    expect(summary.cursor).toBeUndefined();
    expect(await syncCursor(s.receiver.store, s.party.id, "locations")).toBeUndefined();
  });

  it("an object the client leaves out as invalid was still sent: it counts as received, and one pass is complete", async () => {
    const s = await partners("locations");
    for (const [i, id] of ids(5).entries()) await s.put(id, day(i + 1));
    s.wire.intercept = async (_request, n, forward) => {
      const response = await forward();
      if (n !== 1) return response;
      const body = (await response.json()) as { data: Record<string, unknown>[] };
      delete body.data[0]!.address; // required: lenient validation leaves the object out of the page
      const headers = new Headers(response.headers);
      headers.delete("Content-Length");
      return new Response(JSON.stringify(body), { status: response.status, headers });
    };
    const summary = await s.run();
    expect(summary).toMatchObject({ objects: 4, dropped: 1, upserted: 4, passes: 1, complete: true, cursorAdvanced: true });
    expect([...(await s.held()).keys()].sort()).toEqual(["X2", "X3", "X4", "X5"]);
  });

  it("a partner without X-Total-Count: one pass, unchecked, relying on the overlap; the cursor moves", async () => {
    const s = await partners("locations");
    for (const [i, id] of ids(5).entries()) await s.put(id, day(i + 1));
    s.wire.intercept = async (_request, _n, forward) => {
      const response = await forward();
      const headers = new Headers(response.headers);
      headers.delete("X-Total-Count");
      return new Response(response.body, { status: response.status, headers });
    };
    const summary = await s.run();
    expect(summary).toMatchObject({ objects: 5, passes: 1, countChecked: false, complete: true, cursorAdvanced: true });
    expect(summary.totalCount).toBeUndefined();
  });
});

describe("sync: a run that fails or is aborted leaves no gap", () => {
  it.each([
    [
      "the partner stops answering after 2 pages",
      (s: Partners): Partial<SyncOptions> => {
        const from = s.wire.lists.length;
        s.wire.intercept = (_request, n, forward) => (n - from > 2 ? Promise.reject(new TypeError("fetch failed: connection reset")) : forward());
        return {};
      },
    ],
    [
      "the run is aborted after 2 pages",
      (): Partial<SyncOptions> => {
        const stop = new AbortController();
        return { signal: stop.signal, onProgress: (p) => p.pages === 2 && stop.abort() };
      },
    ],
  ])("%s: what was pulled stays, the cursor stays, the next run crawls from the old cursor", async (_, interrupt) => {
    const s = await partners("locations");
    for (const [i, id] of ids(6).entries()) await s.put(id, day(i + 1));
    const first = await s.run();
    for (const [i, id] of ids(5).entries()) await s.put(id, recently(i));

    const error = await failure(s.run(interrupt(s)));
    expect(error.summary).toMatchObject({ pages: 2, objects: 4, upserted: 4, complete: false, cursorAdvanced: false, cursor: first.to });
    expect(await syncCursor(s.receiver.store, s.party.id, "locations")).toBe(first.to);
    const newer = (held: Awaited<ReturnType<Partners["held"]>>) => [...held.values()].filter((o) => o.last_updated > day(31)).length;
    expect(newer(await s.held())).toBe(4);

    s.wire.intercept = undefined;
    const next = await s.run();
    expect(next.from).toBe(iso(Date.parse(first.to) - 60_000));
    expect(next).toMatchObject({ objects: 5, complete: true, cursorAdvanced: true });
    expect(newer(await s.held())).toBe(5);
  });
});

describe("sync: 2.1.1 objects carry no owner", () => {
  it.each([
    ["the party's role that sends the module", undefined, CPO],
    ["the `owner` option", { country_code: "NL", party_id: "XYZ" }, { country_code: "NL", party_id: "XYZ" }],
  ] as const)("owned by %s", async (_, owner, expected) => {
    const s = await partners("locations", "2.1.1");
    await s.put("X1", day(1));
    const summary = await s.run(owner ? { owner } : {});
    expect(summary).toMatchObject({ upserted: 1, foreign: 0 });
    const copy = (await s.held()).get("X1")!;
    expect({ country_code: copy.country_code, party_id: copy.party_id }).toEqual(expected);
    expect(copy.data).toMatchObject(expected);
  });

  it("a 2.1.1 party without roles and no `owner` is refused before anything is pulled", async () => {
    const s = await partners("locations", "2.1.1");
    const error = await failure(s.run({ party: { ...s.party, roles: [] } }));
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.message).toMatch(/give the owner of its 2\.1\.1 objects with `owner`/);
    expect(s.wire.lists).toHaveLength(0);
  });
});

describe("sync: a quirky 2.2.1 peer (odd timestamps, lower-case ids, nulls, a Link to the wrong host)", () => {
  it.each(SYNC_MODULES.map((m) => [m]))("%s: everything lands in spec form under canonical keys", async (module) => {
    const peer = await startQuirkyPeer({ quirks: { timestamps: true, nulls: true, lowerCaseIds: true, link: "hardcoded-host", detailsAsList: true } });
    closers.push(() => peer.close());
    const ours = await startNode(EMSP_ROLE, { server: { urlPolicy: { allowLoopback: true } } });
    closers.push(() => ours.close());
    const party = await ours.server.credentials.registerWith({
      versionsUrl: peer.versionsUrl,
      token: peer.tokenA,
      profile: { validation: "lenient", detailsAsList: true },
    });

    const summary = await sync(ours.server.credentials.clientFor(party, "2.2.1"), module, { store: ours.store, party, limit: 4 });
    const want = peer.data[module] as { id?: string; uid?: string; last_updated: string }[];
    expect(summary).toMatchObject({ objects: want.length, upserted: want.length, foreign: 0, invalid: 0, complete: true, countChecked: true });
    const { items } = await ours.store.listObjects({ module: received(module), offset: 0, limit: 1000 });
    expect(items.map((o) => o.id).sort()).toEqual(want.map((o) => o.id ?? o.uid).sort());
    for (const copy of items) {
      expect(SCHEMA[module].validate(copy.data).ok).toBe(true);
      const original = want.find((o) => (o.id ?? o.uid) === copy.id)!;
      expect(instantOf(copy.last_updated)).toBe(instantOf(original.last_updated));
    }
  });
});

describe("startSync: on an interval", () => {
  it("runs at once, then again after each run ends, with the party's current client; stop() ends it", async () => {
    const s = await partners("locations");
    for (const [i, id] of ids(3).entries()) await s.put(id, day(i + 1));
    const results: SyncSummary[] = [];
    const errors: unknown[] = [];
    let clients = 0;
    let stopped: Promise<void> | undefined;
    const runner = startSync(
      () => {
        clients++;
        return s.receiver.server.credentials.clientFor(s.party);
      },
      "locations",
      {
        store: s.receiver.store,
        party: s.party.id,
        limit: 2,
        intervalMs: 5,
        // Stopped from inside the second run: no third one is scheduled.
        onResult: (r) => results.push(r) === 2 && (stopped = runner.stop()),
        onError: (e) => errors.push(e),
      },
    );
    await expect.poll(() => stopped !== undefined).toBe(true);
    await stopped;
    expect(runner.running).toBe(false);
    expect(results).toHaveLength(2);
    expect(errors).toEqual([]);
    expect(results[0]).toMatchObject({ upserted: 3, complete: true });
    expect(results[1]!.from).toBe(iso(Date.parse(results[0]!.cursor!) - 60_000));
    expect(clients).toBe(results.length);

    const sent = s.wire.lists.length;
    expect(await runner.runNow()).toBeUndefined();
    expect(s.wire.lists.length).toBe(sent);
  });

  it("never runs twice at once: asking while a run goes gives that run", async () => {
    const s = await partners("locations");
    for (const [i, id] of ids(3).entries()) await s.put(id, day(i + 1));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held = false;
    s.wire.intercept = async (_request, n, forward) => {
      if (n === 1) {
        held = true;
        await gate;
      }
      return forward();
    };
    const runner = startSync(s.client, "locations", { store: s.receiver.store, party: s.party, limit: 2, intervalMs: 3_600_000, onError: () => {} });
    closers.push(() => runner.stop());
    await expect.poll(() => held).toBe(true);
    const asked = [runner.runNow(), runner.runNow()];
    expect(runner.running).toBe(true);
    release();
    const [a, b] = await Promise.all(asked);
    expect(a).toBe(b);
    expect(a).toMatchObject({ upserted: 3, complete: true });
    // One crawl: one first page.
    expect(s.wire.lists.filter((url) => !url.searchParams.has("offset"))).toHaveLength(1);
  });

  it("reports a failed run to onError, never throws, and the next run goes on from the old cursor", async () => {
    const s = await partners("locations");
    for (const [i, id] of ids(3).entries()) await s.put(id, day(i + 1));
    s.wire.intercept = () => Promise.reject(new TypeError("fetch failed: connection refused"));
    const errors: unknown[] = [];
    const runner = startSync(s.client, "locations", {
      store: s.receiver.store,
      party: s.party,
      limit: 2,
      intervalMs: 3_600_000,
      onError: (e) => errors.push(e),
    });
    closers.push(() => runner.stop());
    await expect.poll(() => errors.length).toBe(1);
    expect(errors[0]).toBeInstanceOf(SyncError);
    expect((errors[0] as SyncError).summary).toMatchObject({ pages: 0, cursorAdvanced: false });

    s.wire.intercept = undefined;
    const summary = await runner.runNow();
    expect(summary).toMatchObject({ upserted: 3, complete: true, cursorAdvanced: true });
    expect(summary!.from).toBeUndefined();
  });
});
