/**
 * A Store in process memory, optionally persisted through a storage it is given: a snapshot and an append-only
 * journal (`JournalStorage`: a write costs the same however much the store holds), or one JSON snapshot rewritten
 * after every change (`SnapshotStorage`, for small data). Runs in any JavaScript runtime and imports no node: module:
 * the storages on files (./journal.ts, ./file.ts) and the MemoryStore taking `directory` and `file` (./node.ts) are
 * in `@ocpi-sdk/server/node`, so a bundle of this module for an edge runtime holds none of them.
 *
 * This module also exports the input rules both stores share (DateTime instants, key and paging checks, canonical
 * CiString keys, text order), so MemoryStore and PostgresStore accept, reject, find and order exactly the same things.
 */
import { canonicalCiString, sameCiString } from "@ocpi-sdk/protocol";
import { checkClaim, checkDelivery, checkDeliveryQuery } from "./outbox.js";
import type {
  Delivery,
  DeliveryCount,
  DeliveryFailure,
  DeliveryOutcome,
  DeliveryQuery,
  NewDelivery,
  ObjectKey,
  ObjectPage,
  ObjectQuery,
  PartyRecord,
  Store,
  StoredJson,
  StoredObject,
  WriteOptions,
} from "./store.js";

// ---------------------------------------------------------------------------------------------------------------
// Shared rules
// ---------------------------------------------------------------------------------------------------------------

// OCPI DateTime, leniently: `T` or a space, any fraction, and `Z`, an offset or no zone at all (meaning UTC).
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/**
 * The instant a DateTime means, as `YYYY-MM-DDThh:mm:ss.ffffffZ` in UTC. That form sorts as text in time order,
 * has PostgreSQL's microsecond precision (finer fractions are rounded) and is read the same by PostgreSQL whatever
 * the session's time zone. Throws a RangeError for anything that is not a DateTime between years 1 and 9999.
 */
export function instantOf(value: string): string {
  const m = typeof value === "string" ? DATE_TIME.exec(value) : null;
  if (!m) throw new RangeError(`not an OCPI DateTime: ${JSON.stringify(value)}`);
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  date.setUTCFullYear(year!, month! - 1, day!);
  date.setUTCHours(hour!, minute!, second!, 0);
  const valid = date.getUTCMonth() === month! - 1 && date.getUTCDate() === day && hour! < 24 && minute! < 60 && second! < 60;
  const offsetMinutes = m[9] ? (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11] ?? 0)) : 0;
  if (!valid || Math.abs(offsetMinutes) >= 24 * 60 || Number(m[11] ?? 0) >= 60) {
    throw new RangeError(`not an OCPI DateTime: ${JSON.stringify(value)}`);
  }
  // Round the fraction to microseconds from its first 7 digits (half up), carrying into the milliseconds.
  const micros = Math.round(Number(`${m[7] ?? ""}0000000`.slice(0, 7)) / 10);
  const ms = date.getTime() - offsetMinutes * 60_000 + Math.floor(micros / 1000);
  const utc = new Date(ms);
  const y = utc.getUTCFullYear();
  if (y < 1 || y > 9999) throw new RangeError(`DateTime out of range (years 1-9999): ${JSON.stringify(value)}`);
  return `${utc.toISOString().slice(0, 23)}${String(micros % 1000).padStart(3, "0")}Z`;
}

// UTF-16 puts surrogates (U+D800-DFFF) below U+E000-FFFF; code point order puts them above. Remapping the code
// unit fixes that, so text sorts by code point: the order of UTF-8 bytes, i.e. PostgreSQL's "C" collation.
const rank = (unit: number): number => (unit >= 0xe000 ? unit - 0x800 : unit >= 0xd800 ? unit + 0x2000 : unit);

/** Compares strings by Unicode code point (the order PostgresStore gets from `COLLATE "C"`). */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

/** Throws a TypeError unless every part of the key is a string. */
export function checkKey(key: ObjectKey): void {
  for (const part of ["module", "country_code", "party_id", "id"] as const) {
    if (typeof key?.[part] !== "string") throw new TypeError(`object key: ${part} must be a string`);
  }
}

/**
 * Checks a key and gives it back in canonical form: country_code, party_id and id are CiStrings (case-insensitive),
 * so every store keeps, looks up and returns them as canonicalCiString gives them. `module` is the store's own name
 * for a collection, not an OCPI key, and stays exactly as given.
 */
export function canonicalKey(key: ObjectKey): ObjectKey {
  checkKey(key);
  return {
    module: key.module,
    country_code: canonicalCiString(key.country_code),
    party_id: canonicalCiString(key.party_id),
    id: canonicalCiString(key.id),
  };
}

/** Throws unless the query has a module and offset/limit are non-negative integers; returns its instants. */
export function checkQuery(query: ObjectQuery): { from?: string; to?: string } {
  if (typeof query?.module !== "string") throw new TypeError("object query: module must be a string");
  for (const part of ["country_code", "party_id"] as const) {
    if (query[part] !== undefined && typeof query[part] !== "string") {
      throw new TypeError(`object query: ${part} must be a string`);
    }
  }
  for (const part of ["offset", "limit"] as const) {
    const n = query[part];
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`object query: ${part} must be a non-negative integer`);
  }
  return {
    from: query.date_from === undefined ? undefined : instantOf(query.date_from),
    to: query.date_to === undefined ? undefined : instantOf(query.date_to),
  };
}

/** Whether a query is scoped to one party (only when both parts are given); the party in canonical form. */
export const partyScope = (query: ObjectQuery): { country_code: string; party_id: string } | undefined =>
  query.country_code !== undefined && query.party_id !== undefined
    ? { country_code: canonicalCiString(query.country_code), party_id: canonicalCiString(query.party_id) }
    : undefined;

/** The value as JSON text; throws a TypeError for what JSON cannot hold (undefined, functions, BigInt, cycles). */
export function jsonText(value: unknown, what: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new TypeError(`${what} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (text === undefined) throw new TypeError(`${what} is not JSON`);
  return text;
}

/**
 * Checks an object to store and gives back exactly the fields a store keeps, its key in canonical form (the data
 * unchanged: it keeps the case its sender used). Returns the object's instant too.
 */
export function normalizeObject<T>(object: StoredObject<T>): { object: StoredObject<T>; instant: string; json: string } {
  const key = canonicalKey(object);
  if (typeof object.last_updated !== "string") throw new TypeError("object: last_updated must be a string");
  const instant = instantOf(object.last_updated);
  const json = jsonText(object.data, "object data");
  return { object: { ...key, last_updated: object.last_updated, data: JSON.parse(json) as T }, instant, json };
}

/** Checks a party to store; returns a deep copy that holds only JSON. */
export function normalizeParty(party: PartyRecord): PartyRecord {
  if (typeof party?.id !== "string") throw new TypeError("party: id must be a string");
  if (typeof party.incomingToken !== "string") throw new TypeError("party: incomingToken must be a string");
  return JSON.parse(jsonText(party, "party")) as PartyRecord;
}

/** Whether an object changed by updateObject still has the key it was asked for (CiString parts in any case). */
export const sameKey = (a: ObjectKey, b: ObjectKey): boolean =>
  a.module === b.module &&
  (["country_code", "party_id", "id"] as const).every((part) => typeof a[part] === "string" && typeof b[part] === "string" && sameCiString(a[part], b[part]));

export const keyMismatch = (): Error => new Error("updateObject: change must return an object with the same key");

// ---------------------------------------------------------------------------------------------------------------
// Sorted indexes
// ---------------------------------------------------------------------------------------------------------------

interface Entry {
  /** instantOf(object.last_updated): sorts as text. */
  instant: string;
  /** Never changed once stored (a change makes a new entry), so a snapshot can hold on to it. */
  object: StoredObject;
  /** JSON text of object.data, kept for listObjectsJson. */
  json: string;
}

function compareEntries(a: Entry, b: Entry): number {
  if (a.instant !== b.instant) return a.instant < b.instant ? -1 : 1;
  const x = a.object;
  const y = b.object;
  return compareText(x.country_code, y.country_code) || compareText(x.party_id, y.party_id) || compareText(x.id, y.id);
}

/** Entries per block of a SortedEntries; a block is split at twice this. */
const BLOCK = 512;

/**
 * Entries kept in list order, so a page is a binary search and a slice, never a sort. They are held in blocks of up
 * to 2 * BLOCK: an insert or a removal moves the entries of one block, not of the whole list, so a write costs about
 * the same at 1,000 objects as at 100,000.
 */
class SortedEntries {
  private blocks: Entry[][] = [];
  private count = 0;

  get length(): number {
    return this.count;
  }

  /** Index of the first block whose last entry is not `before` (blocks.length if there is none). */
  private block(before: (entry: Entry) => boolean): number {
    let lo = 0;
    let hi = this.blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.blocks[mid]!.at(-1)!)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index in `entries` of the first entry that is not `before`. */
  private static search(entries: Entry[], before: (entry: Entry) => boolean): number {
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(entries[mid]!)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(entry: Entry): void {
    if (this.blocks.length === 0) return this.push(entry);
    const before = (e: Entry) => compareEntries(e, entry) < 0;
    const b = Math.min(this.block(before), this.blocks.length - 1);
    const block = this.blocks[b]!;
    block.splice(SortedEntries.search(block, before), 0, entry);
    this.count++;
    if (block.length > 2 * BLOCK) this.blocks.splice(b, 1, block.slice(0, BLOCK), block.slice(BLOCK));
  }

  remove(entry: Entry): void {
    const before = (e: Entry) => compareEntries(e, entry) < 0;
    const b = this.block(before);
    const block = this.blocks[b];
    if (!block) return;
    const i = SortedEntries.search(block, before);
    if (block[i] !== entry) return;
    block.splice(i, 1);
    this.count--;
    // Merge a block that shrank into the next, so that removals do not leave a trail of tiny blocks.
    const next = this.blocks[b + 1];
    if (block.length === 0) this.blocks.splice(b, 1);
    else if (next && block.length < BLOCK / 4 && block.length + next.length <= 2 * BLOCK) this.blocks.splice(b, 2, block.concat(next));
  }

  /** Appends an entry that sorts after every other (building a list in order). */
  push(entry: Entry): void {
    const last = this.blocks.at(-1);
    if (last && last.length < BLOCK) last.push(entry);
    else this.blocks.push([entry]);
    this.count++;
  }

  /** Index of the first entry at or after the instant. */
  firstFrom(instant: string): number {
    const before = (e: Entry) => e.instant < instant;
    const b = this.block(before);
    let index = 0;
    for (let i = 0; i < b; i++) index += this.blocks[i]!.length;
    return b === this.blocks.length ? index : index + SortedEntries.search(this.blocks[b]!, before);
  }

  /** The entries from index `start` up to `end` (exclusive). */
  slice(start: number, end: number): Entry[] {
    const out: Entry[] = [];
    let offset = 0;
    for (const block of this.blocks) {
      if (offset >= end) break;
      const next = offset + block.length;
      if (next > start) out.push(...block.slice(Math.max(0, start - offset), end - offset));
      offset = next;
    }
    return out;
  }

  /** Every entry, in order. */
  toArray(): Entry[] {
    return this.blocks.flat();
  }
}

/** One module's objects: by key, in list order, and in list order per party. */
class ModuleObjects {
  private readonly byKey = new Map<string, Entry>();
  readonly all = new SortedEntries();
  private readonly byParty = new Map<string, SortedEntries>();

  /**
   * Unindexed while a store loads: only `byKey` is kept, and index() sorts once at the end. Inserting a journal's
   * changes one by one into sorted arrays would cost O(n) each.
   */
  constructor(private indexed = true) {}

  get size(): number {
    return this.byKey.size;
  }

  get(key: ObjectKey): Entry | undefined {
    return this.byKey.get(objectId(key));
  }

  party(country_code: string, party_id: string): SortedEntries | undefined {
    return this.byParty.get(JSON.stringify([country_code, party_id]));
  }

  set(entry: Entry): void {
    const id = objectId(entry.object);
    const previous = this.byKey.get(id);
    this.byKey.set(id, entry);
    if (!this.indexed) return;
    if (previous) this.unlink(previous);
    this.all.insert(entry);
    this.partyList(entry).insert(entry);
  }

  delete(key: ObjectKey): boolean {
    const entry = this.byKey.get(objectId(key));
    if (!entry) return false;
    this.byKey.delete(objectId(key));
    if (this.indexed) this.unlink(entry);
    return true;
  }

  /** Builds the sorted lists with one sort, after a load. */
  index(): void {
    if (this.indexed) return;
    const entries = [...this.byKey.values()].sort(compareEntries);
    for (const entry of entries) {
      this.all.push(entry);
      this.partyList(entry).push(entry);
    }
    this.indexed = true;
  }

  private partyList(entry: Entry): SortedEntries {
    const partyId = JSON.stringify([entry.object.country_code, entry.object.party_id]);
    let party = this.byParty.get(partyId);
    if (!party) this.byParty.set(partyId, (party = new SortedEntries()));
    return party;
  }

  private unlink(entry: Entry): void {
    this.all.remove(entry);
    const partyId = JSON.stringify([entry.object.country_code, entry.object.party_id]);
    const party = this.byParty.get(partyId);
    party?.remove(entry);
    if (party?.length === 0) this.byParty.delete(partyId);
  }
}

// JSON keeps the parts apart whatever characters they contain.
const objectId = (key: ObjectKey): string => JSON.stringify([key.country_code, key.party_id, key.id]);

// ---------------------------------------------------------------------------------------------------------------
// The outbox's records
// ---------------------------------------------------------------------------------------------------------------

/**
 * What a MemoryStore keeps of a delivery across a restart: everything but the lease. A lease lives only as long as
 * the process whose workers hold it, so after a restart every pending delivery can be claimed at once.
 */
type StoredDelivery = Omit<Delivery, "leasedBy" | "leaseUntil">;

/** The fields of a delivery that change after it is enqueued (besides the lease). */
type DeliveryState = Pick<Delivery, "state" | "attempts" | "nextAttemptAt" | "lastFailure">;

const queueId = (d: { partyId: string; orderKey: string }): string => JSON.stringify([d.partyId, d.orderKey]);
const isoAt = (ms: number): string => new Date(ms).toISOString();
const leaseRuns = (d: Delivery, now: number): boolean => d.leaseUntil !== undefined && Date.parse(d.leaseUntil) > now;

/** Checks a delivery to enqueue and gives back a JSON copy holding only the fields a delivery has. */
function prepareDelivery(delivery: NewDelivery): NewDelivery {
  const { partyId, orderKey, operationId, version, params, body, url, replaces, to } = checkDelivery(delivery);
  const message = {
    partyId,
    orderKey,
    operationId,
    version,
    ...(params ? { params } : {}),
    ...(body !== undefined ? { body } : {}),
    ...(url !== undefined ? { url } : {}),
    ...(replaces ? { replaces: true } : {}),
    ...(to !== undefined ? { to: { country_code: to.country_code, party_id: to.party_id } } : {}),
  };
  return JSON.parse(jsonText(message, "delivery")) as NewDelivery;
}

/** Checks a delivery read from a snapshot or journal; returns what is kept of it. */
function storedDelivery(value: unknown): StoredDelivery {
  const d = value as StoredDelivery;
  const message = prepareDelivery(d);
  if (!Number.isSafeInteger(d.seq) || d.seq < 1 || d.id !== String(d.seq)) throw new TypeError("delivery: id and seq do not match");
  if (d.state !== "pending" && d.state !== "dead") throw new TypeError("delivery: state must be pending or dead");
  if (!Number.isSafeInteger(d.attempts) || d.attempts < 0) throw new TypeError("delivery: attempts must be a count");
  for (const field of ["nextAttemptAt", "createdAt"] as const) {
    if (typeof d[field] !== "string" || Number.isNaN(Date.parse(d[field]))) throw new TypeError(`delivery: ${field} must be a timestamp`);
  }
  return {
    ...message,
    id: d.id,
    seq: d.seq,
    state: d.state,
    attempts: d.attempts,
    nextAttemptAt: d.nextAttemptAt,
    createdAt: d.createdAt,
    ...(d.lastFailure !== undefined ? { lastFailure: JSON.parse(jsonText(d.lastFailure, "delivery failure")) as DeliveryFailure } : {}),
  };
}

const withoutLease = ({ leasedBy: _, leaseUntil: __, ...delivery }: Delivery): StoredDelivery => delivery;

// ---------------------------------------------------------------------------------------------------------------
// Persistence
// ---------------------------------------------------------------------------------------------------------------

/**
 * One change, as a journal record holds it. Applied in order to the state before them, they give the state after:
 * a live call makes its changes through the same steps as a replay does.
 */
type Change =
  | { op: "put"; object: StoredObject }
  | { op: "delete"; key: ObjectKey }
  | { op: "party"; party: PartyRecord }
  | { op: "delete-party"; id: string }
  | { op: "enqueue"; delivery: StoredDelivery }
  | { op: "remove"; id: string }
  | ({ op: "delivery"; id: string } & DeliveryState);

/** What ./journal.ts needs of a MemoryStore. */
export interface JournalHost {
  /** Loads one item of a snapshot (parsed from a line that capture() gave). */
  restore(item: unknown): void;
  /** Applies the changes of one journal record. */
  replay(changes: unknown[]): void;
  /** The whole state now, one JSON text per item: taken at once, serialized only as it is iterated. */
  capture(): Iterable<string>;
}

/**
 * Where a MemoryStore keeps its state between runs as one snapshot, rewritten after every change (`fileStorage` of
 * `@ocpi-sdk/server/node` keeps it in a file).
 */
export interface SnapshotStorage {
  /** The snapshot, or undefined when there is none yet. */
  read(): Promise<string | undefined>;
  /** Replaces the snapshot atomically: after a crash, the old or the new one is there, never a mix. */
  write(text: string): Promise<void>;
  /** Names the storage in error messages (e.g. the file path). */
  readonly description: string;
}

/**
 * Where a MemoryStore keeps its state between runs as a snapshot plus a journal of the changes since, so that a write
 * costs the same however much the store holds (`directoryStorage` of `@ocpi-sdk/server/node` keeps them in a folder).
 */
export interface JournalStorage {
  /** Loads the snapshot and replays the journal into `host`; rejects, leaving what is stored alone, when corrupt. */
  openJournal(host: JournalHost): Promise<StoreJournal>;
  /** Names the storage in error messages (e.g. the folder). */
  readonly description: string;
}

/** An open journal of a {@link JournalStorage}. */
export interface StoreJournal {
  /** Stores the changes of one call as one record: resolves once they are durable. */
  append(changes: unknown[]): Promise<void>;
  /** Set after a failed write: the journal takes nothing more. */
  readonly failure: Error | undefined;
  /** Waits for pending writes and releases the storage. */
  close(): Promise<void>;
}

/** Options of a {@link MemoryStore}: where it is kept between runs, if anywhere. */
export interface MemoryStoreOptions {
  /**
   * Where the store is kept between runs: a {@link JournalStorage} (`directoryStorage(folder)` of
   * `@ocpi-sdk/server/node`: the default for one process) or a {@link SnapshotStorage} (`fileStorage(file)`, for
   * small data, or a place of your own in any runtime). Without it, nothing is persisted. The `MemoryStore` of
   * `@ocpi-sdk/server/node` also takes `{ directory }` and `{ file }` for those two.
   */
  storage?: SnapshotStorage | JournalStorage;
}

const isJournalStorage = (storage: SnapshotStorage | JournalStorage): storage is JournalStorage =>
  typeof (storage as JournalStorage).openJournal === "function";

const SNAPSHOT_FORMAT = "ocpi-sdk/memory-store";

/** The snapshot of a SnapshotStorage. Version 1 had no outbox; it is read as one with no deliveries. */
interface Snapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: 1 | 2;
  objects: StoredObject[];
  parties: PartyRecord[];
  /** Version 2: the outbox, in enqueue order, and the seq of the last delivery enqueued. */
  deliveries?: StoredDelivery[];
  deliverySeq?: number;
}

/**
 * Serializes snapshot writes. A change waits for a write that starts after it; changes made while a write is
 * queued but not started share that write (it snapshots the state when it starts), so a burst of changes costs
 * one or two writes, yet no caller returns before its change is stored.
 */
class SnapshotWriter {
  private queued: Promise<void> | undefined;
  private latest: Promise<void> = Promise.resolve();

  constructor(
    private readonly storage: SnapshotStorage,
    private readonly snapshot: () => string,
  ) {}

  write(): Promise<void> {
    if (this.queued) return this.queued;
    const write = this.latest
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.storage.write(this.snapshot());
      });
    this.queued = write;
    this.latest = write;
    return write;
  }

  /** Resolves once no write is running or queued. */
  async idle(): Promise<void> {
    let latest: Promise<void>;
    do {
      latest = this.latest;
      await latest.catch(() => undefined);
    } while (latest !== this.latest);
  }
}

function snapshotError(description: string, problem: string, cause?: unknown): Error {
  return new Error(
    `MemoryStore: cannot load ${description}: ${problem}. Repair or remove the file (it was left untouched).`,
    cause === undefined ? undefined : { cause },
  );
}

function parseSnapshot(text: string, description: string): Snapshot {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw snapshotError(description, `not valid JSON (${(error as Error).message})`, error);
  }
  const snapshot = value as Partial<Snapshot> | null;
  if (snapshot?.format !== SNAPSHOT_FORMAT || (snapshot.version !== 1 && snapshot.version !== 2)) {
    throw snapshotError(description, `not a version 1 or 2 ${SNAPSHOT_FORMAT} snapshot`);
  }
  if (!Array.isArray(snapshot.objects) || !Array.isArray(snapshot.parties)) {
    throw snapshotError(description, "objects and parties must be arrays");
  }
  if (snapshot.version === 2 && (!Array.isArray(snapshot.deliveries) || !Number.isSafeInteger(snapshot.deliverySeq))) {
    throw snapshotError(description, "deliveries must be an array and deliverySeq a number");
  }
  return snapshot as Snapshot;
}

// An object as a snapshot line, from the JSON text of its data kept with it: no second serialization of the data.
const objectItem = ({ object: { module, country_code, party_id, id, last_updated }, json }: Entry): string =>
  `{"object":${JSON.stringify({ module, country_code, party_id, id, last_updated }).slice(0, -1)},"data":${json}}}`;

// ---------------------------------------------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------------------------------------------

/**
 * A Store in process memory, in any runtime: objects, parties and the outbox, indexed for paging by `last_updated`.
 * Persisted through `options.storage`, if given (then `open()` it first): a folder or a file on Node.js with the
 * storages, or the `MemoryStore`, of `@ocpi-sdk/server/node`, or a storage of your own.
 */
export class MemoryStore implements Store {
  private modules = new Map<string, ModuleObjects>();
  private parties = new Map<string, PartyRecord>();
  private partyByToken = new Map<string, string>();
  /** Every delivery (pending and dead) by id, in enqueue order. Records are replaced, never changed. */
  private deliveries = new Map<string, Delivery>();
  /** The pending deliveries of each partyId and orderKey, by seq: only the first can be claimed. */
  private queues = new Map<string, string[]>();
  private deliverySeq = 0;
  private readonly options: MemoryStoreOptions;
  private state: "unopened" | "opening" | "open" | "closed";
  private opening: Promise<void> | undefined;
  private loading = false;
  private writer: SnapshotWriter | undefined;
  private journal: StoreJournal | undefined;

  /** A store with storage must be opened (open()) before use; one without is ready at once. */
  constructor(options: MemoryStoreOptions = {}) {
    const files = options as { directory?: unknown; file?: unknown };
    if (files.directory !== undefined || files.file !== undefined) {
      throw new TypeError(
        "MemoryStore: this one keeps no files (it runs in any runtime): use the MemoryStore of @ocpi-sdk/server/node for { directory } or { file }, " +
          "or give { storage: directoryStorage(folder) } (or fileStorage(file)) of @ocpi-sdk/server/node",
      );
    }
    this.options = { ...options };
    this.state = options.storage === undefined ? "open" : "unopened";
  }

  /** Creates and opens a store. */
  static async open(options: MemoryStoreOptions = {}): Promise<MemoryStore> {
    const store = new this(options);
    await store.open();
    return store;
  }

  /** Loads what was stored, if anything. Rejects, leaving the files alone, when they are unreadable or corrupt. */
  open(): Promise<void> {
    if (this.state === "closed") return Promise.reject(new Error("MemoryStore is closed"));
    if (this.state === "open") return Promise.resolve();
    this.opening ??= this.load().then(
      () => {
        this.state = "open";
      },
      (error: unknown) => {
        this.opening = undefined;
        this.state = "unopened";
        throw error;
      },
    );
    this.state = "opening";
    return this.opening;
  }

  private async load(): Promise<void> {
    this.loading = true;
    try {
      const storage = this.options.storage;
      if (!storage) return;
      if (isJournalStorage(storage)) {
        const host: JournalHost = {
          restore: (item) => this.restoreItem(item),
          replay: (changes) => {
            for (const change of changes) this.replay(change as Change);
          },
          capture: () => this.capture(),
        };
        this.journal = await storage.openJournal(host);
        return;
      }
      const text = await storage.read();
      if (text !== undefined) this.restoreSnapshot(parseSnapshot(text, storage.description), storage.description);
      this.writer = new SnapshotWriter(storage, () => this.snapshot());
    } catch (error) {
      this.clear();
      throw error;
    } finally {
      this.loading = false;
      for (const module of this.modules.values()) module.index();
    }
  }

  private clear(): void {
    this.modules = new Map();
    this.parties = new Map();
    this.partyByToken = new Map();
    this.deliveries = new Map();
    this.queues = new Map();
    this.deliverySeq = 0;
  }

  private restoreSnapshot(snapshot: Snapshot, description: string): void {
    try {
      for (const object of snapshot.objects) this.restoreObject(object);
      for (const party of snapshot.parties) this.setParty(normalizeParty(party));
      for (const delivery of snapshot.deliveries ?? []) this.addDelivery(storedDelivery(delivery));
      this.deliverySeq = Math.max(this.deliverySeq, snapshot.deliverySeq ?? 0);
    } catch (error) {
      this.clear();
      throw snapshotError(description, (error as Error).message, error);
    }
  }

  private restoreObject(object: StoredObject): void {
    // Snapshots from before keys were canonical may hold one object under several cases of its key: keep the newest
    // (on a tie the later one, which in a snapshot this store wrote is the one whose key sorts last, as
    // PostgresStore's migration 2 chooses). The snapshot is rewritten with canonical keys at the next change.
    const normalized = normalizeParsed(object);
    const current = this.modules.get(normalized.object.module)?.get(normalized.object);
    if (current && current.instant > normalized.instant) return;
    this.setObject(normalized);
  }

  /** One item of a journal's snapshot (see capture()). */
  private restoreItem(value: unknown): void {
    const item = (value ?? {}) as { object?: StoredObject; party?: PartyRecord; delivery?: unknown; outbox?: { seq?: unknown } };
    if (item.object !== undefined) this.restoreObject(item.object);
    else if (item.party !== undefined) this.setParty(normalizeParty(item.party));
    else if (item.delivery !== undefined) this.addDelivery(storedDelivery(item.delivery));
    else if (Number.isSafeInteger(item.outbox?.seq)) this.deliverySeq = Math.max(this.deliverySeq, item.outbox!.seq as number);
    else throw new TypeError("not an object, party, delivery or outbox item");
  }

  /** Applies a change read from the journal, checking it as a live call checks its input. */
  private replay(change: Change): void {
    switch (change?.op) {
      case "put":
        return this.setObject(normalizeParsed(change.object));
      case "delete":
        this.removeObject(canonicalKey(change.key));
        return;
      case "party":
        return this.setParty(normalizeParty(change.party));
      case "delete-party":
        this.removeParty(change.id);
        return;
      case "enqueue":
        return this.addDelivery(storedDelivery(change.delivery));
      case "remove":
        this.removeDelivery(change.id);
        return;
      case "delivery": {
        if (!this.deliveries.has(change.id)) throw new Error(`change of an unknown delivery ${JSON.stringify(change.id)}`);
        const { op: _, id, ...state } = change;
        return this.setDeliveryState(id, state);
      }
      default:
        throw new TypeError(`unknown change ${JSON.stringify((change as { op?: unknown })?.op)}`);
    }
  }

  /** The snapshot of `file`/`storage`: everything, as one JSON document. */
  private snapshot(): string {
    const objects: StoredObject[] = [];
    for (const module of this.modules.values()) for (const entry of module.all.toArray()) objects.push(entry.object);
    const snapshot: Snapshot = {
      format: SNAPSHOT_FORMAT,
      version: 2,
      objects,
      parties: [...this.parties.values()],
      deliveries: [...this.deliveries.values()].map(withoutLease),
      deliverySeq: this.deliverySeq,
    };
    return JSON.stringify(snapshot);
  }

  /**
   * The journal's snapshot: every item as a line. What is stored is never changed in place (a change replaces an
   * entry, a party or a delivery), so holding the references taken now keeps this moment's state while the lines
   * are written and the store goes on changing.
   */
  private capture(): Iterable<string> {
    const lists = [...this.modules.values()].map((module) => module.all.toArray());
    const parties = [...this.parties.values()];
    const deliveries = [...this.deliveries.values()];
    const seq = this.deliverySeq;
    return (function* () {
      yield JSON.stringify({ outbox: { seq } });
      for (const party of parties) yield JSON.stringify({ party });
      for (const delivery of deliveries) yield JSON.stringify({ delivery: withoutLease(delivery) });
      for (const entries of lists) for (const entry of entries) yield objectItem(entry);
    })();
  }

  private ready(): void {
    if (this.state === "open") return;
    throw new Error(this.state === "closed" ? "MemoryStore is closed" : "MemoryStore has storage: await store.open() (or use MemoryStore.open()) first");
  }

  /** Before a change: open, and the journal still works (after a failed write it takes nothing more). */
  private writable(): void {
    this.ready();
    const failure = this.journal?.failure;
    if (failure) throw failure;
  }

  /**
   * Resolves once the changes just made are stored: one journal record (so a call's changes survive a crash all
   * together or not at all), a snapshot rewrite, or nothing without persistence.
   */
  private async commit(changes: Change[]): Promise<void> {
    if (this.journal) await this.journal.append(changes);
    else await this.writer?.write();
  }

  async getObject<T = unknown>(given: ObjectKey): Promise<StoredObject<T> | undefined> {
    this.ready();
    const key = canonicalKey(given);
    const entry = this.modules.get(key.module)?.get(key);
    return entry && (structuredClone(entry.object) as StoredObject<T>);
  }

  async putObject<T = unknown>(object: StoredObject<T>, options: WriteOptions = {}): Promise<void> {
    this.writable();
    // Everything is checked before anything changes: the object and its deliveries are stored together or not at all.
    const normalized = normalizeObject(object);
    const deliveries = (options.deliveries ?? []).map(prepareDelivery);
    const changes: Change[] = [];
    this.setObject(normalized, changes);
    this.enqueue(deliveries, changes);
    await this.commit(changes);
  }

  private revision = 0;

  objectsRevision(): number {
    return this.revision;
  }

  private setObject({ object, instant, json }: { object: StoredObject<unknown>; instant: string; json: string }, changes?: Change[]): void {
    this.revision++;
    let module = this.modules.get(object.module);
    if (!module) this.modules.set(object.module, (module = new ModuleObjects(!this.loading)));
    module.set({ instant, object, json });
    changes?.push({ op: "put", object });
  }

  private removeObject(key: ObjectKey, changes?: Change[]): boolean {
    const module = this.modules.get(key.module);
    if (!module?.delete(key)) return false;
    this.revision++;
    if (module.size === 0) this.modules.delete(key.module);
    changes?.push({ op: "delete", key });
    return true;
  }

  async updateObject<T = unknown>(
    given: ObjectKey,
    change: (current: StoredObject<T> | undefined) => StoredObject<T> | undefined,
    options: WriteOptions = {},
  ): Promise<StoredObject<T> | undefined> {
    this.writable();
    const key = canonicalKey(given);
    const deliveries = (options.deliveries ?? []).map(prepareDelivery);
    // Read, change and write happen in one synchronous step, so no other call can interleave.
    const entry = this.modules.get(key.module)?.get(key);
    const copy = () => entry && (structuredClone(entry.object) as StoredObject<T>);
    const next = change(copy());
    if (next === undefined) return copy();
    if (!sameKey(next, key)) throw keyMismatch();
    const normalized = normalizeObject(next);
    const changes: Change[] = [];
    this.setObject(normalized, changes);
    this.enqueue(deliveries, changes);
    await this.commit(changes);
    return structuredClone(normalized.object);
  }

  async deleteObject(given: ObjectKey): Promise<boolean> {
    this.writable();
    const key = canonicalKey(given);
    const changes: Change[] = [];
    if (!this.removeObject(key, changes)) return false;
    await this.commit(changes);
    return true;
  }

  async listObjects<T = unknown>(query: ObjectQuery): Promise<ObjectPage<T>> {
    const { entries, total } = this.page(query);
    return { items: entries.map((entry) => structuredClone(entry.object) as StoredObject<T>), total };
  }

  async listObjectsJson(query: ObjectQuery): Promise<{ items: StoredJson[]; total: number }> {
    const { entries, total } = this.page(query);
    const items = entries.map(({ object: { module, country_code, party_id, id, last_updated }, json }) => ({
      module,
      country_code,
      party_id,
      id,
      last_updated,
      json,
    }));
    return { items, total };
  }

  /** The entries of one page, found by binary search and sliced: no sort, no copy of the rest. */
  private page(query: ObjectQuery): { entries: Entry[]; total: number } {
    this.ready();
    const { from, to } = checkQuery(query);
    const module = this.modules.get(query.module);
    const scope = partyScope(query);
    const list = scope ? module?.party(scope.country_code, scope.party_id) : module?.all;
    if (!list) return { entries: [], total: 0 };
    const start = from === undefined ? 0 : list.firstFrom(from);
    const end = to === undefined ? list.length : list.firstFrom(to);
    const total = Math.max(0, end - start);
    const first = start + query.offset;
    return { entries: list.slice(first, Math.min(end, first + query.limit)), total };
  }

  async getParty(id: string): Promise<PartyRecord | undefined> {
    this.ready();
    const party = this.parties.get(id);
    return party && structuredClone(party);
  }

  async findPartyByToken(token: string): Promise<PartyRecord | undefined> {
    this.ready();
    const id = this.partyByToken.get(token);
    return id === undefined ? undefined : this.getParty(id);
  }

  async putParty(party: PartyRecord): Promise<void> {
    this.writable();
    const changes: Change[] = [];
    this.setParty(normalizeParty(party), changes);
    await this.commit(changes);
  }

  private partyRevision = 0;

  partiesRevision(): number {
    return this.partyRevision;
  }

  private setParty(party: PartyRecord, changes?: Change[]): void {
    const owner = this.partyByToken.get(party.incomingToken);
    // The message names the other party but never the token.
    if (owner !== undefined && owner !== party.id) throw tokenTaken(owner);
    this.partyRevision++;
    const previous = this.parties.get(party.id);
    if (previous) this.partyByToken.delete(previous.incomingToken);
    this.parties.set(party.id, party);
    this.partyByToken.set(party.incomingToken, party.id);
    changes?.push({ op: "party", party });
  }

  async deleteParty(id: string): Promise<boolean> {
    this.writable();
    const changes: Change[] = [];
    if (!this.removeParty(id, changes)) return false;
    await this.commit(changes);
    return true;
  }

  private removeParty(id: string, changes?: Change[]): boolean {
    const party = this.parties.get(id);
    if (!party) return false;
    this.parties.delete(id);
    this.partyByToken.delete(party.incomingToken);
    this.partyRevision++;
    changes?.push({ op: "delete-party", id });
    return true;
  }

  async listParties(): Promise<PartyRecord[]> {
    this.ready();
    return [...this.parties.values()].sort((a, b) => compareText(a.id, b.id)).map((p) => structuredClone(p));
  }

  // -- The outbox ------------------------------------------------------------------------------------------------

  async enqueueDeliveries(deliveries: NewDelivery[]): Promise<Delivery[]> {
    this.writable();
    if (!Array.isArray(deliveries)) throw new TypeError("enqueueDeliveries: deliveries must be an array");
    const prepared = deliveries.map(prepareDelivery);
    if (prepared.length === 0) return [];
    const changes: Change[] = [];
    const enqueued = this.enqueue(prepared, changes);
    await this.commit(changes);
    return enqueued.map((d) => structuredClone(d));
  }

  /** Adds checked deliveries in order; one that replaces drops the earlier pending ones of its key no worker holds. */
  private enqueue(deliveries: NewDelivery[], changes: Change[]): Delivery[] {
    const now = Date.now();
    const createdAt = isoAt(now);
    return deliveries.map((message) => {
      if (message.replaces) {
        for (const id of [...(this.queues.get(queueId(message)) ?? [])]) {
          if (!leaseRuns(this.deliveries.get(id)!, now)) this.removeDelivery(id, changes);
        }
      }
      const seq = this.deliverySeq + 1;
      const delivery: StoredDelivery = { ...message, id: String(seq), seq, state: "pending", attempts: 0, nextAttemptAt: createdAt, createdAt };
      this.addDelivery(delivery, changes);
      return delivery;
    });
  }

  private addDelivery(delivery: StoredDelivery, changes?: Change[]): void {
    this.deliverySeq = Math.max(this.deliverySeq, delivery.seq);
    this.deliveries.set(delivery.id, delivery);
    if (delivery.state === "pending") this.queueInsert(delivery);
    changes?.push({ op: "enqueue", delivery });
  }

  private removeDelivery(id: string, changes?: Change[]): void {
    const delivery = this.deliveries.get(id);
    if (!delivery) return;
    this.deliveries.delete(id);
    if (delivery.state === "pending") this.queueRemove(delivery);
    changes?.push({ op: "remove", id });
  }

  /** Sets what changes after enqueueing, ending any lease; moves the delivery into or out of its key's queue. */
  private setDeliveryState(id: string, { state, attempts, nextAttemptAt, lastFailure }: DeliveryState, changes?: Change[]): void {
    const current = withoutLease(this.deliveries.get(id)!);
    const { lastFailure: _, ...rest } = current;
    const next: StoredDelivery = { ...rest, state, attempts, nextAttemptAt, ...(lastFailure !== undefined ? { lastFailure } : {}) };
    this.deliveries.set(id, next);
    if (current.state !== state) {
      if (state === "pending") this.queueInsert(next);
      else this.queueRemove(current);
    }
    changes?.push({ op: "delivery", id, state, attempts, nextAttemptAt, ...(lastFailure !== undefined ? { lastFailure } : {}) });
  }

  private queueInsert(delivery: StoredDelivery): void {
    const key = queueId(delivery);
    let queue = this.queues.get(key);
    if (!queue) this.queues.set(key, (queue = []));
    // Nearly always the newest (an enqueue); a dead letter made pending again goes back to its place.
    let i = queue.length;
    while (i > 0 && this.deliveries.get(queue[i - 1]!)!.seq > delivery.seq) i--;
    queue.splice(i, 0, delivery.id);
  }

  private queueRemove(delivery: StoredDelivery): void {
    const key = queueId(delivery);
    const queue = this.queues.get(key);
    const i = queue?.indexOf(delivery.id) ?? -1;
    if (i < 0) return;
    queue!.splice(i, 1);
    if (queue!.length === 0) this.queues.delete(key);
  }

  async claimDeliveries(request: { worker: string; limit: number; leaseMs: number; partyId?: string }): Promise<Delivery[]> {
    this.writable();
    checkClaim(request);
    const now = Date.now();
    // Only the first pending delivery of a key can be claimed; the ones behind it wait for it. A dead letter sent
    // again is first of its key, yet waits while a later one of the key is being delivered: one at a time per key.
    const heads: Delivery[] = [];
    for (const queue of this.queues.values()) {
      const head = this.deliveries.get(queue[0]!)!;
      if (request.partyId !== undefined && head.partyId !== request.partyId) continue;
      if (Date.parse(head.nextAttemptAt) > now || queue.some((id) => leaseRuns(this.deliveries.get(id)!, now))) continue;
      heads.push(head);
    }
    heads.sort((a, b) => a.seq - b.seq);
    const leaseUntil = isoAt(now + request.leaseMs);
    const changes: Change[] = [];
    const claimed = heads.slice(0, request.limit).map((head) => {
      this.setDeliveryState(head.id, { ...head, attempts: head.attempts + 1 }, changes);
      const leased: Delivery = { ...this.deliveries.get(head.id)!, leasedBy: request.worker, leaseUntil };
      this.deliveries.set(head.id, leased);
      return leased;
    });
    // The attempts are stored before the deliveries are handed out: a crash during delivery still counts them.
    if (changes.length > 0) await this.commit(changes);
    return claimed.map((d) => structuredClone(d));
  }

  async finishDelivery(id: string, worker: string, outcome: DeliveryOutcome): Promise<boolean> {
    this.writable();
    const state = finishedState(outcome);
    const delivery = typeof id === "string" ? this.deliveries.get(id) : undefined;
    // Held: claimed by this worker and not taken over since (an expired lease nobody took still counts).
    if (delivery?.state !== "pending" || delivery.leasedBy !== worker) return false;
    const changes: Change[] = [];
    if (state === undefined) this.removeDelivery(id, changes);
    else this.setDeliveryState(id, { attempts: delivery.attempts, nextAttemptAt: delivery.nextAttemptAt, ...state }, changes);
    await this.commit(changes);
    return true;
  }

  async listDeliveries(query: DeliveryQuery): Promise<{ items: Delivery[]; total: number }> {
    this.ready();
    checkDeliveryQuery(query);
    const matching: Delivery[] = [];
    for (const delivery of this.deliveries.values()) {
      if (query.partyId !== undefined && delivery.partyId !== query.partyId) continue;
      if (query.state !== undefined && delivery.state !== query.state) continue;
      matching.push(delivery);
    }
    const items = matching.slice(query.offset, query.offset + query.limit).map((d) => structuredClone(d));
    return { items, total: matching.length };
  }

  async countDeliveries(): Promise<DeliveryCount[]> {
    this.ready();
    const now = Date.now();
    const counts = new Map<string, DeliveryCount>();
    for (const delivery of this.deliveries.values()) {
      const state = delivery.state === "dead" ? "dead" : leaseRuns(delivery, now) ? "leased" : "pending";
      const key = JSON.stringify([delivery.partyId, state]);
      const count = counts.get(key);
      if (count) count.count++;
      else counts.set(key, { partyId: delivery.partyId, state, count: 1 });
    }
    // By party, then state, as PostgresStore orders them.
    return [...counts.values()].sort((a, b) => compareText(a.partyId, b.partyId) || compareText(a.state, b.state));
  }

  async retryDeadDeliveries(filter: { partyId?: string; ids?: string[] } = {}): Promise<number> {
    this.writable();
    const ids = filter.ids === undefined ? undefined : new Set(filter.ids);
    const nextAttemptAt = isoAt(Date.now());
    const changes: Change[] = [];
    for (const delivery of [...this.deliveries.values()]) {
      if (delivery.state !== "dead") continue;
      if (filter.partyId !== undefined && delivery.partyId !== filter.partyId) continue;
      if (ids && !ids.has(delivery.id)) continue;
      // lastFailure stays: why it was given up, until an attempt fails again.
      this.setDeliveryState(delivery.id, { state: "pending", attempts: 0, nextAttemptAt, lastFailure: delivery.lastFailure }, changes);
    }
    if (changes.length > 0) await this.commit(changes);
    return changes.length;
  }

  async nextDeliveryAt(): Promise<string | undefined> {
    this.ready();
    // Only the first of each key: the ones behind it wait for it, not for the clock.
    let next = Infinity;
    for (const queue of this.queues.values()) {
      const head = this.deliveries.get(queue[0]!)!;
      // The head waits for its time and for any lease of its key.
      const leaseEnds = queue
        .map((id) => this.deliveries.get(id)!.leaseUntil)
        .filter((at) => at !== undefined)
        .map((at) => Date.parse(at));
      next = Math.min(next, Math.max(Date.parse(head.nextAttemptAt), ...leaseEnds));
    }
    return next === Infinity ? undefined : isoAt(next);
  }

  /** Waits for pending writes; afterwards every method rejects. */
  async close(): Promise<void> {
    if (this.state === "opening") await this.opening?.catch(() => undefined);
    this.state = "closed";
    await this.writer?.idle();
    await this.journal?.close();
  }
}

/** What a finished delivery becomes: undefined when delivered (removed), else its new state. Throws for bad input. */
function finishedState(outcome: DeliveryOutcome): (Pick<DeliveryState, "state" | "lastFailure"> & { nextAttemptAt?: string }) | undefined {
  switch (outcome?.state) {
    case "delivered":
      return undefined;
    case "retry": {
      if (typeof outcome.nextAttemptAt !== "string") throw new TypeError("finishDelivery: nextAttemptAt must be a DateTime");
      const nextAttemptAt = isoAt(Date.parse(instantOf(outcome.nextAttemptAt)));
      return { state: "pending", nextAttemptAt, lastFailure: JSON.parse(jsonText(outcome.failure, "failure")) as DeliveryFailure };
    }
    case "dead":
      return { state: "dead", lastFailure: JSON.parse(jsonText(outcome.failure, "failure")) as DeliveryFailure };
    default:
      throw new TypeError(`finishDelivery: unknown outcome ${JSON.stringify((outcome as { state?: unknown } | undefined)?.state)}`);
  }
}

/**
 * normalizeObject for an object just parsed from a file: its data is JSON already and nobody else holds it, so it
 * is kept rather than copied (a third of the time of opening a large store).
 */
function normalizeParsed(object: StoredObject): { object: StoredObject; instant: string; json: string } {
  const key = canonicalKey(object);
  if (typeof object.last_updated !== "string") throw new TypeError("object: last_updated must be a string");
  const instant = instantOf(object.last_updated);
  const json = jsonText(object.data, "object data");
  return { object: { ...key, last_updated: object.last_updated, data: object.data }, instant, json };
}

/** The error for a second party with a token already in use. */
export function tokenTaken(owner?: string, cause?: unknown): Error {
  const who = owner === undefined ? "another party" : `party ${JSON.stringify(owner)}`;
  return new Error(`incomingToken is already used by ${who}`, cause === undefined ? undefined : { cause });
}
