// MemoryStore in a folder: what is acknowledged is on disk and comes back when opened again, whatever the crash
// (a torn last line, a compaction cut short, kill -9), and what is corrupt is refused with the files left alone.
import { spawn } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import { MemoryStore } from "./node.js";
import type { NewDelivery, PartyRecord, Store, StoredObject } from "./store.js";

const root = mkdtempSync(path.join(tmpdir(), "ocpi-journal-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let folders = 0;
const freshDirectory = () => path.join(root, `store-${++folders}`);

const objectOf = (id: string, n = 0, module = "locations"): StoredObject => ({
  module,
  country_code: "NL",
  party_id: "EXM",
  id,
  last_updated: new Date(Date.UTC(2024, 0, 1, 0, 0, n % 3600)).toISOString(),
  data: { id, n, name: `Straße ${n} 🚗` },
});

const partyOf = (id: string, n = 0): PartyRecord => ({
  id,
  incomingToken: `token-${id}-${n}`,
  incomingTokenKind: "C",
  endpoints: [],
  roles: [],
  status: "registered",
  createdAt: "2024-01-01T00:00:00.000Z",
  updatedAt: new Date(Date.UTC(2024, 0, 1, 0, 0, n % 3600)).toISOString(),
});

const deliveryOf = (orderKey: string, n: number, extra: Partial<NewDelivery> = {}): NewDelivery => ({
  partyId: "peer",
  orderKey,
  operationId: "locationsReceiverPut",
  version: "2.2.1",
  body: { n },
  ...extra,
});

/**
 * Changes of every kind: objects put, updated and deleted in two modules, parties put and deleted, deliveries
 * enqueued (some replacing), claimed, delivered, retried, given up and revived.
 */
async function work(store: Store, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    const id = `L${i % 40}`;
    if (i % 7 === 6) await store.deleteObject(objectOf(id));
    else if (i % 5 === 4) await store.updateObject(objectOf(id), (c) => ({ ...objectOf(id, i), data: { previous: c?.data ?? null, n: i } }));
    else await store.putObject(objectOf(id, i, i % 3 === 0 ? "tariffs" : "locations"), { deliveries: [deliveryOf(id, i, { replaces: i % 2 === 0 })] });
    if (i % 6 === 0) await store.putParty(partyOf(`P${i % 4}`, i));
    if (i % 13 === 12) await store.deleteParty(`P${i % 4}`);
    if (i % 4 === 3) {
      const claimed = await store.claimDeliveries({ worker: "w", limit: 3, leaseMs: 60_000 });
      const outcomes = [
        { state: "delivered" },
        { state: "retry", nextAttemptAt: "2024-01-01T00:00:00Z", failure: { error: `retry ${i}` } },
        { state: "dead", failure: { error: `dead ${i}`, httpStatus: 400 } },
      ] as const;
      for (const [k, d] of claimed.entries()) await store.finishDelivery(d.id, "w", outcomes[(i + k) % 3]!);
    }
    if (i % 17 === 16) await store.retryDeadDeliveries({ partyId: "peer" });
  }
}

/** Everything a store holds that outlives the process (leases do not). */
async function contents(store: Store) {
  const list = async (module: string) => (await store.listObjects({ module, offset: 0, limit: 100_000 })).items;
  return {
    locations: await list("locations"),
    tariffs: await list("tariffs"),
    parties: await store.listParties(),
    deliveries: (await store.listDeliveries({ offset: 0, limit: 100_000 })).items.map(({ leasedBy: _, leaseUntil: __, ...d }) => d),
    counts: (await store.countDeliveries()).map((c) => ({ ...c, state: c.state === "leased" ? "pending" : c.state })),
  };
}

async function reopened(directory: string) {
  const store = await MemoryStore.open({ directory });
  try {
    return await contents(store);
  } finally {
    await store.close();
  }
}

const journalFiles = (directory: string) =>
  readdirSync(directory)
    .filter((f) => /^journal-\d+\.jsonl$/.test(f))
    .sort();
const newestJournal = (directory: string) => path.join(directory, journalFiles(directory).at(-1)!);
const records = (directory: string) =>
  journalFiles(directory).flatMap((f) =>
    readFileSync(path.join(directory, f), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { seq: number; ops: { op: string }[] }),
  );
/** Every file of the folder and its content (the lock aside: it only names the process). */
const filesOf = (directory: string) =>
  Object.fromEntries(
    readdirSync(directory)
      .filter((f) => f !== "lock")
      .sort()
      .map((f) => [f, readFileSync(path.join(directory, f), "utf8")]),
  );

describe("MemoryStore in a folder", () => {
  it("gives back objects, parties and the outbox when reopened", async () => {
    const directory = freshDirectory();
    const store = await MemoryStore.open({ directory });
    await work(store, 0, 120);
    const before = await contents(store);
    await store.close();
    expect(before.locations.length).toBeGreaterThan(0);
    expect(before.tariffs.length).toBeGreaterThan(0);
    expect(before.parties.length).toBeGreaterThan(0);
    expect(new Set(before.deliveries.map((d) => d.state))).toEqual(new Set(["pending", "dead"]));
    expect(await reopened(directory)).toEqual(before);
  });

  it("has each change on disk when its call returns, without closing", async () => {
    const directory = freshDirectory();
    const store = await MemoryStore.open({ directory });
    await work(store, 0, 60);
    // A copy of the folder now is what a crash would leave.
    const copy = freshDirectory();
    cpSync(directory, copy, { recursive: true });
    expect(await reopened(copy)).toEqual(await contents(store));
    await store.close();
  });

  it("writes an object change and its deliveries as one record", async () => {
    const directory = freshDirectory();
    const store = await MemoryStore.open({ directory });
    await store.putObject(objectOf("L1"), { deliveries: [deliveryOf("L1", 1), deliveryOf("L1", 2, { partyId: "other" })] });
    await store.updateObject(objectOf("L1"), (c) => c && { ...c, data: { n: 3 } }, { deliveries: [deliveryOf("L1", 3, { replaces: true })] });
    await store.close();
    expect(records(directory).map((r) => [r.seq, r.ops.map((op) => op.op)])).toEqual([
      [1, ["put", "enqueue", "enqueue"]],
      [2, ["put", "remove", "enqueue"]],
    ]);
  });

  it("writes a burst of concurrent changes to disk together, each still its own record", async () => {
    const directory = freshDirectory();
    const store = await MemoryStore.open({ directory });
    const handle = await open(path.join(root, "probe"), "w");
    const write = vi.spyOn(Object.getPrototypeOf(handle) as { write: () => unknown }, "write");
    await handle.close();
    try {
      await Promise.all(Array.from({ length: 100 }, (_, i) => store.putObject(objectOf(`L${i}`, i))));
      expect(write.mock.calls.length).toBeLessThanOrEqual(2);
    } finally {
      write.mockRestore();
    }
    await store.close();
    expect(records(directory).map((r) => r.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  describe("after a crash in the middle of an append", () => {
    it.each([
      ["half a record", (next: string) => next.slice(0, next.length >> 1)],
      ["a whole record without its newline", (next: string) => next.slice(0, -1)],
      ["zeros where the record should be", (next: string) => "\0".repeat(next.length)],
      ["garbage with a newline", () => "}{ not json\n"],
    ])("ignores a last line that is %s, and appends after what came before", async (_, tornTail) => {
      const directory = freshDirectory();
      const store = await MemoryStore.open({ directory });
      await work(store, 0, 30);
      const before = await contents(store);
      await store.close();
      const file = newestJournal(directory);
      const intact = readFileSync(file, "utf8");
      const next = `${JSON.stringify({ seq: records(directory).at(-1)!.seq + 1, ops: [{ op: "put", object: objectOf("TORN") }] })}\n`;
      appendFileSync(file, tornTail(next));

      const again = await MemoryStore.open({ directory });
      expect(await contents(again)).toEqual(before);
      expect(readFileSync(file, "utf8")).toBe(intact);
      await again.putObject(objectOf("AFTER"));
      const after = await contents(again);
      await again.close();
      expect(await reopened(directory)).toEqual(after);
      expect(after.locations.map((o) => o.id)).toContain("AFTER");
    });
  });

  describe("refuses a corrupt folder, naming the file and line and leaving the files untouched", () => {
    const line = (seq: number, id = `X${seq}`) => `${JSON.stringify({ seq, ops: [{ op: "put", object: objectOf(id) }] })}\n`;
    it.each([
      ["a corrupt line between records", (lines: string[]) => [lines[0]!, "{ not json\n", ...lines.slice(1)], /line 2 is corrupt/],
      ["a torn line that is not the last", (lines: string[]) => [lines[0]!, lines[1]!.slice(0, 10), ...lines.slice(1)], /line 2 is corrupt/],
      ["a missing record", (lines: string[]) => [lines[0]!, ...lines.slice(2)], /line 2 holds record 3 after record 1: records are missing/],
      ["records out of order", (lines: string[]) => [lines[1]!, lines[0]!, ...lines.slice(2)], /line 1 holds record 2 after record 0/],
      [
        "a record that is not one",
        (lines: string[]) => [lines[0]!, `${JSON.stringify({ seq: "2" })}\n`, ...lines.slice(1)],
        /line 2 is corrupt \(not a journal record\)/,
      ],
      [
        "a change no store makes",
        (lines: string[]) => [...lines, `${JSON.stringify({ seq: 5, ops: [{ op: "truncate" }] })}\n`, line(6)],
        /line 5 cannot be applied \(unknown change "truncate"\)/,
      ],
      [
        "a change of a delivery it does not have",
        (lines: string[]) => [
          ...lines,
          `${JSON.stringify({ seq: 5, ops: [{ op: "delivery", id: "9", state: "dead", attempts: 1, nextAttemptAt: "2024-01-01T00:00:00.000Z" }] })}\n`,
        ],
        /line 5 cannot be applied/,
      ],
    ])("%s", async (_, edit, problem) => {
      const directory = freshDirectory();
      mkdirSync(directory);
      const file = path.join(directory, "journal-0000000000000001.jsonl");
      writeFileSync(file, edit([1, 2, 3, 4].map((seq) => line(seq))).join(""));
      const files = filesOf(directory);
      const error = (await MemoryStore.open({ directory }).catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toContain(file);
      expect(error.message).toMatch(problem);
      expect(filesOf(directory)).toEqual(files);
      // Nothing of it stays open: once repaired, the folder opens.
      writeFileSync(file, [1, 2].map((seq) => line(seq)).join(""));
      expect((await reopened(directory)).locations.map((o) => o.id)).toEqual(["X1", "X2"]);
    });

    it.each([
      ["not JSON", () => "{ nope\n", /line 1 is not JSON/],
      [
        "of another format",
        () => `${JSON.stringify({ format: "something else", version: 1, seq: 0 })}\n`,
        /not a version 1 ocpi-sdk\/memory-store-directory snapshot/,
      ],
      ["cut short", (good: string) => `${good.split("\n").slice(0, -2).join("\n")}\n`, /incomplete \(no end line\)/],
      [
        "holding a bad object",
        () =>
          `${[{ format: "ocpi-sdk/memory-store-directory", version: 1, seq: 0 }, { object: { ...objectOf("1"), last_updated: "never" } }, { end: 1 }].map((l) => JSON.stringify(l)).join("\n")}\n`,
        /line 2: not an OCPI DateTime/,
      ],
    ])("a snapshot %s", async (_, make, problem) => {
      const directory = freshDirectory();
      const store = await MemoryStore.open({ directory, compactionBytes: 1 });
      await work(store, 0, 5);
      await store.close();
      const snapshot = path.join(directory, "snapshot.jsonl");
      writeFileSync(snapshot, make(readFileSync(snapshot, "utf8")));
      const files = filesOf(directory);
      const error = (await MemoryStore.open({ directory }).catch((e: unknown) => e)) as Error;
      expect(error.message).toContain(snapshot);
      expect(error.message).toMatch(problem);
      expect(filesOf(directory)).toEqual(files);
    });
  });

  describe("compaction", () => {
    /**
     * Runs the workload on a store that compacts often, copying every file it sees after each acknowledged change
     * (its last content, kept after the store deletes it) and every version of the snapshot.
     */
    async function compacting(changes: number) {
      const directory = freshDirectory();
      const store = await MemoryStore.open({ directory, compactionBytes: 2048 });
      const journals = new Map<string, string>();
      const snapshots: string[] = [];
      const observe = () => {
        for (const name of readdirSync(directory)) {
          let text: string;
          try {
            text = readFileSync(path.join(directory, name), "utf8");
          } catch {
            continue; // deleted meanwhile
          }
          if (name.startsWith("journal-")) journals.set(name, text);
          if (name === "snapshot.jsonl" && snapshots.at(-1) !== text) snapshots.push(text);
        }
      };
      // Observed after every call, so no journal file is created and deleted unseen.
      const observed = new Proxy(store, {
        get: (target, name) => {
          const value = Reflect.get(target, name) as unknown;
          if (typeof value !== "function") return value;
          return async (...args: unknown[]) => {
            const result = (await value.apply(target, args)) as unknown;
            observe();
            return result;
          };
        },
      });
      await work(observed, 0, changes);
      const expected = await contents(store);
      await store.close();
      observe();
      return { directory, journals, snapshots, expected };
    }

    /** A folder holding these files. */
    const folderWith = (files: Record<string, string>) => {
      const directory = freshDirectory();
      mkdirSync(directory);
      for (const [name, text] of Object.entries(files)) writeFileSync(path.join(directory, name), text);
      return directory;
    };

    it("keeps everything while it folds the journal into snapshots", async () => {
      const { directory, journals, snapshots, expected } = await compacting(400);
      expect(snapshots.length).toBeGreaterThan(3);
      expect(journals.size).toBeGreaterThan(3);
      // The journal files a snapshot made unnecessary are gone.
      expect(journalFiles(directory).length).toBeLessThanOrEqual(2);
      expect(await reopened(directory)).toEqual(expected);
    });

    it("loses nothing to a crash at any step of a compaction", async () => {
      const { journals, snapshots, expected } = await compacting(300);
      const everyJournal = Object.fromEntries(journals);
      const last = snapshots.at(-1)!;
      const states: [string, Record<string, string>][] = [
        [
          "new journal started, snapshot not yet renamed",
          { "snapshot.jsonl": snapshots.at(-2)!, "snapshot.jsonl.tmp": last.slice(0, last.length >> 1), ...everyJournal },
        ],
        ["during the first compaction (no snapshot yet)", { "snapshot.jsonl.tmp": snapshots[0]!.slice(0, 100), ...everyJournal }],
        ["snapshot renamed, old journal files not yet deleted", { "snapshot.jsonl": last, ...everyJournal }],
        ["some old journal files deleted", { "snapshot.jsonl": last, ...Object.fromEntries([...journals].slice(Math.floor(journals.size / 2))) }],
      ];
      for (const [state, files] of states) {
        const directory = folderWith(files);
        expect(await reopened(directory), state).toEqual(expected);
        expect(existsSync(path.join(directory, "snapshot.jsonl.tmp")), state).toBe(false);
      }
    });

    it("keeps acknowledging writes made while a snapshot is written", async () => {
      const directory = freshDirectory();
      const store = await MemoryStore.open({ directory, compactionBytes: 1 });
      // A compaction starts whenever the journal outgrows the snapshot, so snapshot writes overlap these.
      await Promise.all(Array.from({ length: 20 }, (_, k) => work(store, k * 30, k * 30 + 30)));
      const expected = await contents(store);
      await store.close();
      expect(await reopened(directory)).toEqual(expected);
    });
  });

  it.each([
    ["one writer, early", 15, 1],
    ["four writers sharing flushes", 200, 4],
    ["four writers, across many compactions", 1500, 4],
  ])("keeps every acknowledged change of a process killed with SIGKILL (%s)", async (_, killAfter, writers) => {
    const directory = freshDirectory();
    const acknowledged = await killedWhileWriting(directory, killAfter, writers);
    expect(acknowledged.length).toBeGreaterThanOrEqual(killAfter);
    const store = await MemoryStore.open({ directory });
    const missing: string[] = [];
    for (const id of acknowledged) {
      const key = { module: "locations", country_code: "NL", party_id: "EXM", id };
      if (!(await store.getObject(key))) missing.push(id);
    }
    // Each object was written with a delivery in the same record: the two are there together.
    const delivered = new Set((await store.listDeliveries({ offset: 0, limit: 1_000_000 })).items.map((d) => d.orderKey));
    const objects = (await store.listObjects({ module: "locations", offset: 0, limit: 1_000_000 })).items.map((o) => o.id);
    await store.close();
    expect(missing).toEqual([]);
    expect(objects.filter((id) => !delivered.has(id))).toEqual([]);
    expect([...delivered].filter((id) => !objects.includes(id))).toEqual([]);
  });

  it.each([
    ["a process that is running", () => process.ppid, /is in use by process/],
    ["this process, through another store", undefined, /already open in this process/],
  ])("refuses a folder opened by %s", async (_, owner, problem) => {
    const directory = freshDirectory();
    const first = await MemoryStore.open({ directory });
    await first.putObject(objectOf("1"));
    if (owner) {
      await first.close();
      writeFileSync(path.join(directory, "lock"), `${owner()}\n`);
    }
    await expect(MemoryStore.open({ directory })).rejects.toThrow(problem);
    await first.close();
    rmSync(path.join(directory, "lock"), { force: true });
    expect((await reopened(directory)).locations).toHaveLength(1);
  });

  it("takes no more changes after a failed write, and has on disk what was acknowledged", async () => {
    const directory = freshDirectory();
    const store = await MemoryStore.open({ directory });
    await store.putObject(objectOf("KEPT"));
    const handle = await open(path.join(root, "probe"), "w");
    const write = vi
      .spyOn(Object.getPrototypeOf(handle) as { write: () => Promise<unknown> }, "write")
      .mockRejectedValueOnce(Object.assign(new Error("EIO: i/o error"), { code: "EIO" }));
    await handle.close();
    try {
      await expect(store.putObject(objectOf("LOST"))).rejects.toThrow(/cannot write the journal .*EIO/);
    } finally {
      write.mockRestore();
    }
    await expect(store.putParty(partyOf("P"))).rejects.toThrow(/takes no more changes/);
    await expect(store.enqueueDeliveries([deliveryOf("L", 1)])).rejects.toThrow(/takes no more changes/);
    await store.close();
    expect((await reopened(directory)).locations.map((o) => o.id)).toEqual(["KEPT"]);
  });

  it("refuses a folder together with a file or storage", () => {
    expect(() => new MemoryStore({ directory: freshDirectory(), file: "x.json" })).toThrow(/not both/);
  });
});

/**
 * Runs a child process that writes in `writers` concurrent loops (each object put with a delivery, compacting
 * often), printing each id once its write resolved, and kills it with SIGKILL after `killAfter` ids.
 */
async function killedWhileWriting(directory: string, killAfter: number, writers: number): Promise<string[]> {
  const memory = path.join(path.dirname(fileURLToPath(import.meta.url)), "node.ts");
  const script = path.join(root, `writer-${folders}.mts`);
  writeFileSync(
    script,
    `import { MemoryStore } from ${JSON.stringify(memory)};
const store = await MemoryStore.open({ directory: ${JSON.stringify(directory)}, compactionBytes: 8192 });
const write = async (writer: number) => {
  for (let i = 0; ; i++) {
    const id = "W" + writer + "-" + i;
    const object = { module: "locations", country_code: "NL", party_id: "EXM", id, last_updated: new Date().toISOString(), data: { id, pad: "x".repeat(200) } };
    await store.putObject(object, { deliveries: [{ partyId: "peer", orderKey: id, operationId: "locationsReceiverPut", version: "2.2.1", body: object.data }] });
    process.stdout.write(id + "\\n");
  }
};
await Promise.all(Array.from({ length: ${writers} }, (_, w) => write(w)));
`,
  );
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../.."),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const acknowledged: string[] = [];
  // "close", not "exit": the lines still in the pipe are read first.
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (id) => {
      acknowledged.push(id);
      if (acknowledged.length === killAfter) {
        child.kill("SIGKILL");
        resolve();
      }
    });
    void exited.then(() => (acknowledged.length < killAfter ? reject(new Error(`writer exited early: ${stderr}`)) : resolve()));
  });
  await exited;
  return acknowledged;
}
