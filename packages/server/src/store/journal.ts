/**
 * MemoryStore's folder (Node.js): a snapshot plus an append-only journal of changes, so that a write costs one
 * appended line and one flush to disk however much the store holds. Loaded on demand by ./memory.ts, which stays
 * free of node: modules.
 *
 * The folder holds:
 * - `snapshot.jsonl`: a header `{"format","version","seq"}` (seq: the last journal record it contains), one line per
 *   item (object, party, delivery), a trailer `{"end": <number of items>}`. Replaced atomically.
 * - `journal-<first seq>.jsonl`: records `{"seq":N,"ops":[...]}`, one per line, seq rising by one. A new file is
 *   started when a snapshot is taken; the older ones are deleted once the snapshot is on disk.
 * - `lock`: the pid of the process that has the folder open.
 *
 * Opening loads the snapshot and replays the records after its seq, so a crash at any point of a compaction loses
 * nothing: until the new snapshot is renamed into place the old one and every journal file are there; afterwards
 * the records it already holds are skipped.
 */
import { constants } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { syncDirectory } from "./file.js";
import type { JournalHost } from "./memory.js";

const SNAPSHOT = "snapshot.jsonl";
const LOCK = "lock";
const FORMAT = "ocpi-sdk/memory-store-directory";
const JOURNAL_FILE = /^journal-(\d{1,16})\.jsonl$/;
const journalName = (firstSeq: number): string => `journal-${String(firstSeq).padStart(16, "0")}.jsonl`;

/** Journal size below which no compaction is worth it, whatever the snapshot's size. */
const COMPACTION_BYTES = 4 * 2 ** 20;
/** Snapshot lines are written in pieces of about this size, so appends go on in between. */
const SNAPSHOT_CHUNK = 2 ** 20;

// O_DSYNC makes each write durable as it returns: one call per batch instead of a write and an fdatasync. Where it
// is missing (Windows), every write is followed by datasync().
const DSYNC: number = constants.O_DSYNC ?? 0;
const APPEND = constants.O_WRONLY | constants.O_APPEND | DSYNC;

export interface JournalOptions {
  /** The journal is compacted once it is larger than this and than the snapshot. */
  compactionBytes?: number;
}

interface JournalFile {
  name: string;
  /** Bytes in the file. */
  bytes: number;
}

/** Opens (creating if need be) the folder and loads its state into `host`; rejects, files untouched, if corrupt. */
export async function openJournal(directory: string, host: JournalHost, options: JournalOptions = {}): Promise<Journal> {
  const dir = path.resolve(directory);
  const release = await lock(dir);
  try {
    const loaded = await load(dir, host);
    // Only now that everything was read is anything changed: the unacknowledged tail of a crash goes, and so do the
    // files a finished compaction did not get to delete.
    if (loaded.torn) {
      const handle = await open(path.join(dir, loaded.torn.name), "r+");
      try {
        await handle.truncate(loaded.torn.offset);
        await handle.sync();
      } finally {
        await handle.close();
      }
      loaded.torn.file.bytes = loaded.torn.offset;
    }
    await rm(path.join(dir, `${SNAPSHOT}.tmp`), { force: true });
    const files = loaded.files.filter((file, i) => i === loaded.files.length - 1 || !loaded.obsolete.has(file.name));
    for (const file of loaded.files) if (!files.includes(file)) await rm(path.join(dir, file.name), { force: true });
    let handle: FileHandle;
    if (files.length === 0) {
      const file = { name: journalName(loaded.seq + 1), bytes: 0 };
      handle = await open(path.join(dir, file.name), APPEND | constants.O_CREAT | constants.O_EXCL);
      await syncDirectory(dir);
      files.push(file);
    } else {
      handle = await open(path.join(dir, files.at(-1)!.name), APPEND);
    }
    return new Journal(dir, host, handle, files, loaded.seq, loaded.snapshotBytes, options.compactionBytes ?? COMPACTION_BYTES, release);
  } catch (error) {
    await release();
    throw error;
  }
}

/** The appending side of an open folder. */
export class Journal {
  /** The seq of the last record appended (written or waiting to be). */
  private seq: number;
  /** The seq of the last record on disk. */
  private written: number;
  private pending: string[] = [];
  private waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private flushing: Promise<void> | undefined;
  private compaction: Promise<void> | undefined;
  /** Bytes of journal the last snapshot does not cover. */
  private journalBytes: number;
  /** After a failed compaction: wait until the journal is this large before trying again. */
  private holdOff = 0;
  private failed: Error | undefined;
  private closing = false;

  constructor(
    private readonly dir: string,
    private readonly host: JournalHost,
    private handle: FileHandle,
    private files: JournalFile[],
    seq: number,
    private snapshotBytes: number,
    private readonly compactionBytes: number,
    private readonly release: () => Promise<void>,
  ) {
    this.seq = seq;
    this.written = seq;
    this.journalBytes = files.reduce((sum, file) => sum + file.bytes, 0);
  }

  /** Set once a write failed: nothing more is appended, as what is on disk after a failed write is unknown. */
  get failure(): Error | undefined {
    return this.failed;
  }

  /**
   * Appends one record holding `ops` and resolves once it is on disk. Records appended while a write is running
   * go to disk together in the next one (group commit).
   */
  append(ops: unknown[]): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.closing) return Promise.reject(new Error("MemoryStore is closed"));
    // Serialized now, so the record holds the changes as they are at this moment.
    const line = `${JSON.stringify({ seq: this.seq + 1, ops })}\n`;
    this.seq++;
    return new Promise<void>((resolve, reject) => {
      this.pending.push(line);
      this.waiters.push({ resolve, reject });
      // Started from a microtask, so that the changes made in the same synchronous run share the first write.
      this.flushing ??= Promise.resolve().then(() => this.flush());
    });
  }

  private async flush(): Promise<void> {
    try {
      while (this.pending.length > 0 && !this.failed) {
        const text = this.pending.join("");
        const waiters = this.waiters;
        const last = this.seq;
        this.pending = [];
        this.waiters = [];
        try {
          const bytes = await writeDurably(this.handle, text);
          this.files.at(-1)!.bytes += bytes;
          this.journalBytes += bytes;
        } catch (error) {
          this.fail(error, waiters);
          return;
        }
        this.written = last;
        for (const waiter of waiters) waiter.resolve();
        const limit = Math.max(this.snapshotBytes, this.compactionBytes, this.holdOff);
        if (!this.compaction && !this.closing && this.journalBytes > limit) {
          // A compaction that cannot start loses nothing: the journal just stays long for a while.
          await this.rotate().catch(() => {
            this.holdOff = this.journalBytes * 2;
          });
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private fail(error: unknown, waiters: { reject: (error: Error) => void }[]): void {
    this.failed = new Error(
      `MemoryStore: cannot write the journal in ${this.dir} (${(error as Error)?.message ?? String(error)}); it takes no more changes: reopen the store`,
      { cause: error },
    );
    for (const waiter of [...waiters, ...this.waiters]) waiter.reject(this.failed);
    this.pending = [];
    this.waiters = [];
  }

  /**
   * Starts a compaction: takes the state now (every record up to `seq`), moves appends to a new journal file, and
   * writes the snapshot in the background. Runs between two writes of the flush loop, so no append is in flight.
   */
  private async rotate(): Promise<void> {
    const seq = this.seq;
    const items = this.host.capture();
    // Records appended since the last write (seq written+1 on) go to the new file; the snapshot holds them too, and
    // they are skipped when replayed after it.
    const file: JournalFile = { name: journalName(this.written + 1), bytes: 0 };
    const handle = await open(path.join(this.dir, file.name), APPEND | constants.O_CREAT | constants.O_EXCL);
    // The new file must be found after a crash before any record in it is acknowledged.
    await syncDirectory(this.dir);
    const old = this.handle;
    const obsolete = this.files;
    const coveredBytes = this.journalBytes;
    this.handle = handle;
    this.files = [file];
    await old.close().catch(() => undefined);
    this.compaction = this.writeSnapshot(seq, items, obsolete).then(
      (bytes) => {
        this.snapshotBytes = bytes;
        this.journalBytes -= coveredBytes;
        this.holdOff = 0;
      },
      () => {
        // The old snapshot and every journal file are still there: nothing is lost, the journal just stays long.
        this.files = [...obsolete, ...this.files];
        this.holdOff = this.journalBytes * 2;
      },
    );
    void this.compaction.finally(() => {
      this.compaction = undefined;
    });
  }

  /** Writes a snapshot holding every record up to `seq`, then deletes the journal files it makes unnecessary. */
  private async writeSnapshot(seq: number, items: Iterable<string>, obsolete: JournalFile[]): Promise<number> {
    const temporary = path.join(this.dir, `${SNAPSHOT}.tmp`);
    let bytes = 0;
    try {
      const handle = await open(temporary, "w");
      try {
        let chunk = `${JSON.stringify({ format: FORMAT, version: 1, seq })}\n`;
        let count = 0;
        for (const item of items) {
          chunk += `${item}\n`;
          count++;
          if (chunk.length >= SNAPSHOT_CHUNK) {
            bytes += await writeAll(handle, chunk);
            chunk = "";
          }
        }
        bytes += await writeAll(handle, `${chunk}${JSON.stringify({ end: count })}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, path.join(this.dir, SNAPSHOT));
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => undefined);
      throw error;
    }
    await syncDirectory(this.dir);
    for (const file of obsolete) await rm(path.join(this.dir, file.name), { force: true }).catch(() => undefined);
    return bytes;
  }

  /** Waits for the records appended so far and a running compaction, then closes the files. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    while (this.flushing || this.compaction) await (this.flushing ?? this.compaction)!.catch(() => undefined);
    await this.handle.close().catch(() => undefined);
    await this.release();
  }
}

/** Writes all of `text` at the end of the file, durably. Returns its size in bytes. */
async function writeDurably(handle: FileHandle, text: string): Promise<number> {
  const bytes = await writeAll(handle, text);
  if (!DSYNC) await handle.datasync();
  return bytes;
}

async function writeAll(handle: FileHandle, text: string): Promise<number> {
  const buffer = Buffer.from(text, "utf8");
  let offset = 0;
  while (offset < buffer.length) offset += (await handle.write(buffer, offset, buffer.length - offset)).bytesWritten;
  return buffer.length;
}

// ---------------------------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------------------------

interface Loaded {
  /** The seq of the last record loaded. */
  seq: number;
  snapshotBytes: number;
  /** The journal files, oldest first. */
  files: JournalFile[];
  /** Files holding only records the snapshot has. */
  obsolete: Set<string>;
  /** Where the unfinished last line of the newest file starts. */
  torn?: { name: string; offset: number; file: JournalFile };
}

function corrupt(file: string, problem: string, cause?: unknown): Error {
  return new Error(
    `MemoryStore: cannot load ${file}: ${problem}. Repair or remove it (the files were left untouched).`,
    cause === undefined ? undefined : { cause },
  );
}

async function load(dir: string, host: JournalHost): Promise<Loaded> {
  const names = await readdir(dir);
  let snapshotSeq = 0;
  let snapshotBytes = 0;
  if (names.includes(SNAPSHOT)) ({ seq: snapshotSeq, bytes: snapshotBytes } = await loadSnapshot(path.join(dir, SNAPSHOT), host));

  const journals = names
    .map((name) => JOURNAL_FILE.exec(name))
    .filter((match) => match !== null)
    .map((match) => ({ name: match[0], first: Number(match[1]) }))
    .sort((a, b) => a.first - b.first);
  const loaded: Loaded = { seq: snapshotSeq, snapshotBytes, files: [], obsolete: new Set() };
  for (const [i, { name }] of journals.entries()) {
    const file = path.join(dir, name);
    const newest = i === journals.length - 1;
    const entry: JournalFile = { name, bytes: (await stat(file)).size };
    loaded.files.push(entry);
    let lastInFile = 0;
    // A line that cannot be read is fatal unless nothing follows it: then it is the record a crash cut short, never
    // acknowledged (a record is acknowledged only once all of it, final newline included, is on disk).
    let bad: { line: number; offset: number; problem: string } | undefined;
    for await (const line of readLines(file)) {
      if (bad) throw corrupt(file, `line ${bad.line} is corrupt (${bad.problem})`);
      const record = line.terminated ? parseRecord(line.text) : "the line is unfinished";
      if (typeof record === "string") {
        bad = { line: line.number, offset: line.offset, problem: record };
        continue;
      }
      lastInFile = record.seq;
      if (record.seq <= snapshotSeq) continue;
      if (record.seq !== loaded.seq + 1) {
        throw corrupt(file, `line ${line.number} holds record ${record.seq} after record ${loaded.seq}: records are missing or out of order`);
      }
      try {
        host.replay(record.ops);
      } catch (error) {
        throw corrupt(file, `line ${line.number} cannot be applied (${(error as Error).message})`, error);
      }
      loaded.seq = record.seq;
    }
    if (bad) {
      // Only the newest file is ever appended to: an older one ends with a whole record.
      if (!newest) throw corrupt(file, `line ${bad.line} is corrupt (${bad.problem})`);
      loaded.torn = { name, offset: bad.offset, file: entry };
    }
    if (lastInFile <= snapshotSeq) loaded.obsolete.add(name);
  }
  return loaded;
}

function parseRecord(text: string): { seq: number; ops: unknown[] } | string {
  let record: { seq?: unknown; ops?: unknown };
  try {
    record = JSON.parse(text) as typeof record;
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
  if (!Number.isSafeInteger(record?.seq) || (record.seq as number) < 1 || !Array.isArray(record.ops)) return "not a journal record";
  return record as { seq: number; ops: unknown[] };
}

async function loadSnapshot(file: string, host: JournalHost): Promise<{ seq: number; bytes: number }> {
  let seq: number | undefined;
  let count = 0;
  let ended = false;
  for await (const line of readLines(file)) {
    let value: { format?: unknown; version?: unknown; seq?: unknown; end?: unknown };
    try {
      value = JSON.parse(line.text) as typeof value;
    } catch (error) {
      throw corrupt(file, `line ${line.number} is not JSON (${(error as Error).message})`, error);
    }
    if (ended) throw corrupt(file, `line ${line.number} follows the end`);
    if (seq === undefined) {
      if (value?.format !== FORMAT || value.version !== 1 || !Number.isSafeInteger(value.seq)) {
        throw corrupt(file, `not a version 1 ${FORMAT} snapshot`);
      }
      seq = value.seq as number;
    } else if (value !== null && typeof value === "object" && "end" in value) {
      if (value.end !== count) throw corrupt(file, `it ends after ${count} items, not ${String(value.end)}`);
      ended = true;
    } else {
      try {
        host.restore(value);
      } catch (error) {
        throw corrupt(file, `line ${line.number}: ${(error as Error).message}`, error);
      }
      count++;
    }
  }
  if (!ended) throw corrupt(file, "it is incomplete (no end line)");
  return { seq: seq!, bytes: (await stat(file)).size };
}

interface Line {
  /** 1-based. */
  number: number;
  /** Byte offset of its start in the file. */
  offset: number;
  text: string;
  /** Whether a newline ends it. */
  terminated: boolean;
}

/** The file's lines, read in pieces (a snapshot may be larger than a string can be). */
async function* readLines(file: string): AsyncGenerator<Line> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.allocUnsafe(SNAPSHOT_CHUNK);
    let carry: Buffer[] = [];
    let offset = 0;
    let number = 0;
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const data = buffer.subarray(0, bytesRead);
      let from = 0;
      for (let newline = data.indexOf(10, from); newline >= 0; newline = data.indexOf(10, from)) {
        const piece = carry.length > 0 ? Buffer.concat([...carry, data.subarray(from, newline)]) : data.subarray(from, newline);
        carry = [];
        yield { number: ++number, offset, text: piece.toString("utf8"), terminated: true };
        offset += piece.length + 1;
        from = newline + 1;
      }
      // The buffer is reused: keep a copy of the unfinished line.
      if (from < data.length) carry.push(Buffer.from(data.subarray(from)));
    }
    if (carry.length > 0) yield { number: ++number, offset, text: Buffer.concat(carry).toString("utf8"), terminated: false };
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// One process at a time
// ---------------------------------------------------------------------------------------------------------------

const openHere = new Set<string>();

/**
 * Claims the folder for this store: two writers would interleave their journals. The lock file names the process;
 * one left behind by a process that is gone (a crash) is taken over.
 */
async function lock(dir: string): Promise<() => Promise<void>> {
  if (openHere.has(dir)) throw new Error(`MemoryStore: ${dir} is already open in this process`);
  openHere.add(dir);
  const file = path.join(dir, LOCK);
  try {
    await mkdir(dir, { recursive: true });
    let owner: number | undefined;
    try {
      owner = Number((await readFile(file, "utf8")).trim());
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    if (owner !== undefined && owner !== process.pid && running(owner)) {
      throw new Error(`MemoryStore: ${dir} is in use by process ${owner} (if it is not, remove ${file})`);
    }
    await writeFile(file, `${process.pid}\n`);
  } catch (error) {
    openHere.delete(dir);
    throw error;
  }
  return async () => {
    openHere.delete(dir);
    await rm(file, { force: true }).catch(() => undefined);
  };
}

function running(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
