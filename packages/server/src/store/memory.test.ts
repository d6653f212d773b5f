// MemoryStore: the Store and outbox contracts in memory, in a folder (journal) and in a snapshot file, plus what only
// a snapshot file has. The folder's own behaviour (replay, torn lines, compaction, crashes) is in journal.test.ts.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { outboxContract, storeContract } from "./contract.js";
import { compareText, instantOf } from "./memory.js";
import { MemoryStore } from "./node.js";
import type { ObjectQuery, PartyRecord, Store, StoredObject } from "./store.js";

const dir = mkdtempSync(path.join(tmpdir(), "ocpi-memory-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = () => path.join(dir, `store-${++files}.json`);

const freshDirectory = () => path.join(dir, `folder-${++files}`);

// Where each persisted store of the contracts lives, so that `reopen` can open it again.
const places = new WeakMap<Store, { file: string } | { directory: string }>();
const openAt = async (place: { file: string } | { directory: string }) => {
  const store = await MemoryStore.open(place);
  places.set(store, place);
  return store;
};
const reopen = async (store: Store) => {
  await store.close();
  return openAt(places.get(store)!);
};

storeContract("MemoryStore in memory", async () => new MemoryStore());
storeContract("MemoryStore persisted to a folder", () => openAt({ directory: freshDirectory() }));
storeContract("MemoryStore persisted to a file", () => openAt({ file: freshFile() }));
outboxContract("MemoryStore's outbox in memory", async () => new MemoryStore());
outboxContract("MemoryStore's outbox persisted to a folder", () => openAt({ directory: freshDirectory() }), { reopen });
outboxContract("MemoryStore's outbox persisted to a file", () => openAt({ file: freshFile() }), { reopen });

const object = (id: string, last_updated: string, data: unknown = { id }, module = "locations"): StoredObject => ({
  module,
  country_code: "NL",
  party_id: "EXM",
  id,
  last_updated,
  data,
});

const party: PartyRecord = {
  id: "peer",
  incomingToken: "token-c",
  incomingTokenKind: "C",
  outgoingToken: "token-b",
  endpoints: [{ identifier: "locations", role: "SENDER", url: "https://peer.example/locations" }],
  roles: [],
  status: "registered",
  createdAt: "2024-01-01T00:00:00.000Z",
  updatedAt: "2024-01-02T00:00:00.000Z",
};

describe("MemoryStore file", () => {
  it("gives everything back when reopened", async () => {
    const file = freshFile();
    const store = await MemoryStore.open({ file });
    await store.putObject(object("1", "2024-01-01T00:00:00.120", { name: "Straße 🚗" }));
    await store.putObject(object("2", "2024-01-02T00:00:00+02:00"));
    await store.putObject(object("3", "2024-01-03T00:00:00Z"));
    await store.putObject(object("t1", "2024-01-01T00:00:00Z", { price: 1 }, "tariffs"));
    await store.updateObject(object("2", ""), (c) => c && { ...c, data: { updated: true } });
    await store.deleteObject(object("3", "2024-01-03T00:00:00Z"));
    await store.putParty(party);
    await store.putParty({ ...party, id: "other", incomingToken: "token-a", incomingTokenKind: "A" });
    await store.deleteParty("other");
    const before = {
      locations: await store.listObjects({ module: "locations", offset: 0, limit: 10 }),
      tariffs: await store.listObjects({ module: "tariffs", offset: 0, limit: 10 }),
      parties: await store.listParties(),
    };
    await store.close();

    const reopened = await MemoryStore.open({ file });
    expect({
      locations: await reopened.listObjects({ module: "locations", offset: 0, limit: 10 }),
      tariffs: await reopened.listObjects({ module: "tariffs", offset: 0, limit: 10 }),
      parties: await reopened.listParties(),
    }).toEqual(before);
    expect(before.locations.items.map((o) => o.last_updated)).toEqual(["2024-01-01T00:00:00.120", "2024-01-02T00:00:00+02:00"]);
    expect((await reopened.getObject(object("2", "")))?.data).toEqual({ updated: true });
    expect(await reopened.findPartyByToken("token-c")).toEqual(party);
    expect(await reopened.findPartyByToken("token-a")).toBeUndefined();
    await reopened.close();
  });

  it("opens a version 1 file (from before the outbox) with an empty outbox, and writes version 2 at the next change", async () => {
    const file = freshFile();
    writeFileSync(file, JSON.stringify({ format: "ocpi-sdk/memory-store", version: 1, objects: [object("1", "2024-01-01T00:00:00Z")], parties: [party] }));
    const store = await MemoryStore.open({ file });
    expect(await store.listDeliveries({ offset: 0, limit: 10 })).toEqual({ items: [], total: 0 });
    const [delivery] = await store.enqueueDeliveries([
      { partyId: "peer", orderKey: "locations/NL/EXM/1", operationId: "locationsReceiverPut", version: "2.2.1" },
    ]);
    await store.close();
    const written = JSON.parse(readFileSync(file, "utf8")) as {
      version: number;
      objects: StoredObject[];
      parties: PartyRecord[];
      deliveries: unknown[];
      deliverySeq: number;
    };
    expect(written).toMatchObject({ version: 2, objects: [object("1", "2024-01-01T00:00:00Z")], parties: [party], deliveries: [delivery], deliverySeq: 1 });
  });

  it("keeps a party's profile across a reopen", async () => {
    const file = freshFile();
    const withProfile: PartyRecord = {
      ...party,
      profile: { validation: "lenient", detailsAsList: true, urlRewrites: [{ from: "http://10.0.0.5/ocpi", to: "https://peer.example/ocpi" }] },
    };
    const store = await MemoryStore.open({ file });
    await store.putParty(withProfile);
    await store.close();
    const reopened = await MemoryStore.open({ file });
    expect(await reopened.findPartyByToken("token-c")).toEqual(withProfile);
    await reopened.close();
  });

  it("has each change on disk when its call returns, without closing", async () => {
    const file = freshFile();
    const store = await MemoryStore.open({ file });
    await store.putObject(object("1", "2024-01-01T00:00:00Z"));
    expect(JSON.parse(readFileSync(file, "utf8")).objects).toEqual([object("1", "2024-01-01T00:00:00Z")]);
    await store.putParty(party);
    expect(JSON.parse(readFileSync(file, "utf8")).parties).toEqual([party]);
    await store.deleteObject(object("1", ""));
    expect(JSON.parse(readFileSync(file, "utf8")).objects).toEqual([]);
    await store.close();
  });

  it("writes bursts of concurrent changes in order and leaves no temporary file", async () => {
    const file = freshFile();
    const store = await MemoryStore.open({ file });
    const key = object("COUNTER", "");
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        i % 2 === 0
          ? store.putObject(object(`O${i}`, "2024-01-01T00:00:00Z"))
          : store.updateObject(key, (c) => object("COUNTER", "2024-01-01T00:00:00Z", { n: ((c?.data as { n: number })?.n ?? 0) + 1 })),
      ),
    );
    const onDisk = JSON.parse(readFileSync(file, "utf8")) as { objects: StoredObject[] };
    expect(onDisk.objects).toHaveLength(51);
    expect(onDisk.objects.find((o) => o.id === "COUNTER")?.data).toEqual({ n: 50 });
    expect(readdirSync(path.dirname(file)).filter((f) => f.startsWith(path.basename(file)))).toEqual([path.basename(file)]);
    await store.close();
  });

  it("starts empty when the file does not exist, creating it (and its directory) at the first change", async () => {
    const file = path.join(dir, "new", "deeper", "store.json");
    const store = await MemoryStore.open({ file });
    expect(await store.listParties()).toEqual([]);
    expect(readdirSync(path.dirname(file))).toEqual([]);
    await store.putParty(party);
    expect(JSON.parse(readFileSync(file, "utf8")).parties).toEqual([party]);
    await store.close();
  });

  it.each([
    ["not JSON", "{ this is not json", /not valid JSON/],
    ["empty", "", /not valid JSON/],
    ["another format", JSON.stringify({ hello: "world" }), /not a version 1 or 2 ocpi-sdk\/memory-store snapshot/],
    ["a newer version", JSON.stringify({ format: "ocpi-sdk/memory-store", version: 3, objects: [], parties: [] }), /version 1 or 2/],
    ["no arrays", JSON.stringify({ format: "ocpi-sdk/memory-store", version: 1, objects: {}, parties: [] }), /must be arrays/],
    ["version 2 without an outbox", JSON.stringify({ format: "ocpi-sdk/memory-store", version: 2, objects: [], parties: [] }), /deliveries must be an array/],
    [
      "a bad delivery",
      JSON.stringify({
        format: "ocpi-sdk/memory-store",
        version: 2,
        objects: [],
        parties: [],
        deliveries: [{ id: "1", seq: 1, partyId: "peer" }],
        deliverySeq: 1,
      }),
      /orderKey must be a non-empty string/,
    ],
    [
      "a bad object",
      JSON.stringify({ format: "ocpi-sdk/memory-store", version: 1, objects: [{ ...object("1", "never") }], parties: [] }),
      /not an OCPI DateTime/,
    ],
    [
      "two parties with one token",
      JSON.stringify({ format: "ocpi-sdk/memory-store", version: 1, objects: [], parties: [party, { ...party, id: "twin" }] }),
      /incomingToken is already used/,
    ],
  ])("refuses a file that is %s, naming it and leaving it untouched", async (_, content, problem) => {
    const file = freshFile();
    writeFileSync(file, content);
    const error = (await MemoryStore.open({ file }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain(file);
    expect(error.message).toMatch(problem);
    expect(readFileSync(file, "utf8")).toBe(content);
  });

  it("opens a snapshot written with keys in any case: canonical keys, the newest of each key kept", async () => {
    const file = freshFile();
    const raw = (country_code: string, party_id: string, id: string, last_updated: string, name: string, module = "locations") => ({
      module,
      country_code,
      party_id,
      id,
      last_updated,
      data: { country_code, party_id, id, name },
    });
    const objects = [
      raw("Nl", "Exm", "Loc-1", "2023-12-31T00:00:00Z", "oldest"),
      raw("NL", "EXM", "LOC-1", "2024-01-02T00:00:00Z", "newest"),
      raw("nl", "exm", "loc-1", "2024-01-01T00:00:00Z", "middle"),
      // A tie: the later one in the snapshot (in list order, the one whose key sorts last) is kept.
      raw("NL", "EXM", "LOC-2", "2024-01-01T00:00:00Z", "tie, first"),
      raw("nl", "exm", "loc-2", "2024-01-01T01:00:00+01:00", "tie, later"),
      raw("de", "abc", "x", "2024-01-01T00:00:00Z", "alone"),
      raw("nl", "exm", "loc-1", "2024-01-01T00:00:00Z", "another module", "tariffs"),
    ];
    const text = JSON.stringify({ format: "ocpi-sdk/memory-store", version: 1, objects, parties: [] });
    writeFileSync(file, text);
    const store = await MemoryStore.open({ file });
    const locations = await store.listObjects({ module: "locations", offset: 0, limit: 10 });
    expect(locations.items.map((o) => [o.country_code, o.party_id, o.id, (o.data as { name: string }).name])).toEqual([
      ["DE", "ABC", "X", "alone"],
      ["NL", "EXM", "LOC-2", "tie, later"],
      ["NL", "EXM", "LOC-1", "newest"],
    ]);
    expect(locations.total).toBe(3);
    // The data is as it was stored; the key is found in any case.
    expect(await store.getObject({ module: "locations", country_code: "nl", party_id: "Exm", id: "loc-2" })).toEqual({
      ...raw("NL", "EXM", "LOC-2", "2024-01-01T01:00:00+01:00", "tie, later"),
      data: objects[4]!.data,
    });
    expect((await store.getObject({ module: "tariffs", country_code: "NL", party_id: "EXM", id: "LOC-1" }))?.data).toEqual(objects[6]!.data);
    expect(readFileSync(file, "utf8")).toBe(text);
    // The next change rewrites the snapshot with canonical keys.
    await store.putObject(object("2", "2024-01-03T00:00:00Z"));
    await store.close();
    const keys = (JSON.parse(readFileSync(file, "utf8")) as { objects: StoredObject[] }).objects.map(
      (o) => `${o.module}/${o.country_code}/${o.party_id}/${o.id}`,
    );
    expect(keys.sort()).toEqual(["locations/DE/ABC/X", "locations/NL/EXM/2", "locations/NL/EXM/LOC-1", "locations/NL/EXM/LOC-2", "tariffs/NL/EXM/LOC-1"]);
  });

  it("refuses use before open() when it has a file, and any use after close()", async () => {
    const file = freshFile();
    const store = new MemoryStore({ file });
    await expect(store.getParty("x")).rejects.toThrow(/open\(\)/);
    await store.open();
    await store.open();
    await store.putParty(party);
    await store.close();
    await expect(store.getParty("peer")).rejects.toThrow(/closed/);
    await expect(store.open()).rejects.toThrow(/closed/);
  });

  it("persists through any SnapshotStorage, not only files", async () => {
    let saved: string | undefined;
    const storage = {
      description: "test storage",
      read: async () => saved,
      write: async (text: string) => {
        saved = text;
      },
    };
    const store = await MemoryStore.open({ storage });
    await store.putObject(object("1", "2024-01-01T00:00:00Z"));
    await store.close();
    const again = await MemoryStore.open({ storage });
    expect(await again.getObject(object("1", ""))).toEqual(object("1", "2024-01-01T00:00:00Z"));
  });

  it("reports a failed write to the caller", async () => {
    const storage = {
      description: "failing storage",
      read: async () => undefined,
      write: async () => {
        throw new Error("disk full");
      },
    };
    const store = await MemoryStore.open({ storage });
    await expect(store.putParty(party)).rejects.toThrow("disk full");
    await store.close();
  });
});

describe("MemoryStore lists", () => {
  it("keeps list order through puts, moves and deletes of thousands of objects (its index is kept in blocks)", async () => {
    const store = new MemoryStore();
    const expected = new Map<string, StoredObject>();
    let seed = 7;
    const next = (n: number) => ((seed = (seed * 16807) % 2147483647), seed % n);
    const stamp = () => new Date(Date.UTC(2024, 0, 1, 0, 0, next(5000))).toISOString();
    for (let i = 0; i < 20_000; i++) {
      const id = `O${next(6000)}`;
      const party = next(3) === 0 ? { country_code: "DE", party_id: "ABC" } : { country_code: "NL", party_id: "EXM" };
      const key = { ...object(id, ""), ...party };
      if (next(4) === 0) {
        await store.deleteObject(key);
        expected.delete(JSON.stringify(key));
      } else {
        const o = { ...key, last_updated: stamp() };
        await store.putObject(o);
        expected.set(JSON.stringify(key), o);
      }
    }
    const check = async (phase: string) => {
      const sorted = [...expected.values()].sort(
        (a, b) =>
          instantOf(a.last_updated).localeCompare(instantOf(b.last_updated)) ||
          compareText(a.country_code, b.country_code) ||
          compareText(a.party_id, b.party_id) ||
          compareText(a.id, b.id),
      );
      const from = "2024-01-01T00:20:00Z";
      const to = "2024-01-01T01:00:00Z";
      const inRange = (o: StoredObject) => instantOf(o.last_updated) >= instantOf(from) && instantOf(o.last_updated) < instantOf(to);
      const cases: [string, Partial<ObjectQuery>, StoredObject[]][] = [
        ["everything", {}, sorted],
        ["one party", { country_code: "DE", party_id: "ABC" }, sorted.filter((o) => o.country_code === "DE")],
        ["a time range", { date_from: from, date_to: to }, sorted.filter(inRange)],
        [
          "a party's time range",
          { country_code: "NL", party_id: "EXM", date_from: from, date_to: to },
          sorted.filter((o) => o.country_code === "NL" && inRange(o)),
        ],
      ];
      for (const [name, query, want] of cases) {
        for (const [offset, limit] of [
          [0, 100_000],
          [0, 7],
          [511, 600],
          [Math.max(0, want.length - 3), 10],
          [want.length + 5, 10],
        ] as const) {
          const page = await store.listObjects({ module: "locations", ...query, offset, limit });
          const ids = want.slice(offset, offset + limit).map((o) => o.id);
          expect({ phase, name, offset, total: page.total, ids: page.items.map((o) => o.id) }).toEqual({ phase, name, offset, total: want.length, ids });
        }
      }
    };
    await check("after random changes");
    // Deleting most objects empties and merges blocks.
    for (const [text, o] of [...expected]) {
      if (Number(o.id.slice(1)) % 10 === 0) continue;
      await store.deleteObject(o);
      expected.delete(text);
    }
    await check("after deleting nine in ten");
  });

  it("copies only the page it returns", async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 10_000; i++) await store.putObject(object(`O${i}`, new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString()));
    const clone = vi.spyOn(globalThis, "structuredClone");
    try {
      const page = await store.listObjects({ module: "locations", date_from: "2024-01-01T01:00:00Z", offset: 100, limit: 10 });
      expect(page.total).toBe(10_000 - 3600);
      expect(page.items.map((o) => o.id)).toEqual(Array.from({ length: 10 }, (_, i) => `O${3700 + i}`));
      expect(clone).toHaveBeenCalledTimes(10);
    } finally {
      clone.mockRestore();
    }
  });
});

describe("instantOf", () => {
  it.each([
    ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00.000000Z"],
    ["2024-01-01T00:00:00", "2024-01-01T00:00:00.000000Z"],
    ["2024-01-01 00:00:00.5z", "2024-01-01T00:00:00.500000Z"],
    ["2024-01-01T00:00:00.1234565Z", "2024-01-01T00:00:00.123457Z"],
    ["2024-01-01T23:59:59.9999999Z", "2024-01-02T00:00:00.000000Z"],
    ["2024-01-01T01:30:00+01:30", "2024-01-01T00:00:00.000000Z"],
    ["2024-01-01T00:00:00-0500", "2024-01-01T05:00:00.000000Z"],
    ["2024-02-29T12:00:00+00", "2024-02-29T12:00:00.000000Z"],
    ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000Z"],
    ["0099-06-01T00:00:00Z", "0099-06-01T00:00:00.000000Z"],
  ])("reads %s as %s", (given, instant) => {
    expect(instantOf(given)).toBe(instant);
  });

  it.each([
    "2023-02-29T00:00:00Z",
    "2024-01-01T24:00:00Z",
    "2024-01-01T00:60:00Z",
    "2024-01-01T00:00:60Z",
    "2024-01-01T00:00:00+24:00",
    "2024-01-01T00:00:00.Z",
    "0001-01-01T00:00:00+01:00",
    "2024-01-01",
    "1704067200",
    " 2024-01-01T00:00:00Z",
  ])("rejects %s", (given) => {
    expect(() => instantOf(given)).toThrow(RangeError);
  });
});

describe("compareText", () => {
  it("orders by code point, as UTF-8 bytes do", () => {
    const words = ["b", "a", "\uFFFD", "🚗", "\uE000", "é", "", "ab", "A"];
    const utf8 = [...words].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...words].sort(compareText)).toEqual(utf8);
  });
});
