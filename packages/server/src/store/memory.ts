/**
 * A Store in process memory, optionally persisted to a JSON snapshot. Runs in any JavaScript runtime: the only
 * Node-specific part (files) lives in ./file.ts and is loaded only when a file is given.
 *
 * This module also exports the input rules both stores share (DateTime instants, key and paging checks, canonical
 * CiString keys, text order), so MemoryStore and PostgresStore accept, reject, find and order exactly the same things.
 */
import { canonicalCiString, sameCiString } from "@ocpi-sdk/protocol";
import type { ObjectKey, ObjectPage, ObjectQuery, PartyRecord, Store, StoredJson, StoredObject } from "./store.js";

// ---------------------------------------------------------------------------------------------------------------
// Shared rules
// ---------------------------------------------------------------------------------------------------------------

// OCPI DateTime, leniently: `T` or a space, any fraction, and `Z`, an offset or no zone at all (meaning UTC).
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|([+-])(\d{2})(?::?(\d{2}))?)?$/;

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
  const valid =
    date.getUTCMonth() === month! - 1 && date.getUTCDate() === day && hour! < 24 && minute! < 60 && second! < 60;
  const offsetMinutes = m[9] ? (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11] ?? 0)) : 0;
  if (!valid || Math.abs(offsetMinutes) >= 24 * 60 || Number(m[11] ?? 0) >= 60) {
    throw new RangeError(`not an OCPI DateTime: ${JSON.stringify(value)}`);
  }
  // Round the fraction to microseconds from its first 7 digits (half up), carrying into the milliseconds.
  const micros = Math.round(Number(((m[7] ?? "") + "0000000").slice(0, 7)) / 10);
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
  (["country_code", "party_id", "id"] as const).every(
    (part) => typeof a[part] === "string" && typeof b[part] === "string" && sameCiString(a[part], b[part]),
  );

export const keyMismatch = (): Error => new Error("updateObject: change must return an object with the same key");

// ---------------------------------------------------------------------------------------------------------------
// Sorted indexes
// ---------------------------------------------------------------------------------------------------------------

interface Entry {
  /** instantOf(object.last_updated): sorts as text. */
  instant: string;
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

/** Entries kept in list order, so a page is a binary search and a slice, never a sort. */
class SortedEntries {
  readonly entries: Entry[] = [];

  /** Index of the first entry for which `before` is false (entries are partitioned by it). */
  private search(before: (entry: Entry) => boolean): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.entries[mid]!)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(entry: Entry): void {
    this.entries.splice(
      this.search((e) => compareEntries(e, entry) < 0),
      0,
      entry,
    );
  }

  remove(entry: Entry): void {
    const i = this.search((e) => compareEntries(e, entry) < 0);
    if (this.entries[i] === entry) this.entries.splice(i, 1);
  }

  /** Index of the first entry at or after the instant. */
  firstFrom(instant: string): number {
    return this.search((e) => e.instant < instant);
  }
}

/** One module's objects: by key, in list order, and in list order per party. */
class ModuleObjects {
  private readonly byKey = new Map<string, Entry>();
  readonly all = new SortedEntries();
  private readonly byParty = new Map<string, SortedEntries>();

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
    if (previous) this.unlink(previous);
    this.byKey.set(id, entry);
    this.all.insert(entry);
    const partyId = JSON.stringify([entry.object.country_code, entry.object.party_id]);
    let party = this.byParty.get(partyId);
    if (!party) this.byParty.set(partyId, (party = new SortedEntries()));
    party.insert(entry);
  }

  delete(key: ObjectKey): boolean {
    const entry = this.byKey.get(objectId(key));
    if (!entry) return false;
    this.byKey.delete(objectId(key));
    this.unlink(entry);
    return true;
  }

  private unlink(entry: Entry): void {
    this.all.remove(entry);
    const partyId = JSON.stringify([entry.object.country_code, entry.object.party_id]);
    const party = this.byParty.get(partyId);
    party?.remove(entry);
    if (party?.entries.length === 0) this.byParty.delete(partyId);
  }
}

// JSON keeps the parts apart whatever characters they contain.
const objectId = (key: ObjectKey): string => JSON.stringify([key.country_code, key.party_id, key.id]);

// ---------------------------------------------------------------------------------------------------------------
// Persistence
// ---------------------------------------------------------------------------------------------------------------

/** Where a MemoryStore keeps its snapshot between runs (./file.ts has the one for files). */
export interface SnapshotStorage {
  /** The snapshot, or undefined when there is none yet. */
  read(): Promise<string | undefined>;
  /** Replaces the snapshot atomically: after a crash, the old or the new one is there, never a mix. */
  write(text: string): Promise<void>;
  /** Names the storage in error messages (e.g. the file path). */
  readonly description: string;
}

export interface MemoryStoreOptions {
  /** A JSON file to load at open() and rewrite (atomically) after every change. Node.js only. */
  file?: string;
  /** Another place for the snapshot, in any runtime. Takes precedence over `file`. */
  storage?: SnapshotStorage;
}

const SNAPSHOT_FORMAT = "ocpi-sdk/memory-store";

interface Snapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: 1;
  objects: StoredObject[];
  parties: PartyRecord[];
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
  if (snapshot?.format !== SNAPSHOT_FORMAT || snapshot.version !== 1) {
    throw snapshotError(description, `not a version 1 ${SNAPSHOT_FORMAT} snapshot`);
  }
  if (!Array.isArray(snapshot.objects) || !Array.isArray(snapshot.parties)) {
    throw snapshotError(description, "objects and parties must be arrays");
  }
  return snapshot as Snapshot;
}

// ---------------------------------------------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------------------------------------------

export class MemoryStore implements Store {
  private readonly modules = new Map<string, ModuleObjects>();
  private readonly parties = new Map<string, PartyRecord>();
  private readonly partyByToken = new Map<string, string>();
  private readonly options: MemoryStoreOptions;
  private state: "unopened" | "opening" | "open" | "closed";
  private opening: Promise<void> | undefined;
  private writer: SnapshotWriter | undefined;

  /** A store with a file or storage must be opened (open()) before use; one without is ready at once. */
  constructor(options: MemoryStoreOptions = {}) {
    this.options = { ...options };
    this.state = options.file === undefined && options.storage === undefined ? "open" : "unopened";
  }

  /** Creates and opens a store. */
  static async open(options: MemoryStoreOptions = {}): Promise<MemoryStore> {
    const store = new MemoryStore(options);
    await store.open();
    return store;
  }

  /** Loads the snapshot, if there is one. Rejects, leaving the file alone, when it is unreadable or corrupt. */
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
    let storage = this.options.storage;
    if (!storage && this.options.file !== undefined) {
      // Loaded on demand, so runtimes without node:fs never see it.
      const { fileStorage } = await import("./file.js");
      storage = fileStorage(this.options.file);
    }
    if (!storage) return;
    const text = await storage.read();
    if (text !== undefined) this.restore(parseSnapshot(text, storage.description), storage.description);
    this.writer = new SnapshotWriter(storage, () => this.snapshot());
  }

  private restore(snapshot: Snapshot, description: string): void {
    try {
      for (const object of snapshot.objects) {
        // Snapshots from before keys were canonical may hold one object under several cases of its key: keep the
        // newest (on a tie the later one, which in a snapshot this store wrote is the one whose key sorts last, as
        // PostgresStore's migration 2 chooses). The snapshot is rewritten with canonical keys at the next change.
        const normalized = normalizeObject(object);
        const current = this.modules.get(normalized.object.module)?.get(normalized.object);
        if (current && current.instant > normalized.instant) continue;
        this.setObject(normalized);
      }
      for (const party of snapshot.parties) this.setParty(normalizeParty(party));
    } catch (error) {
      this.modules.clear();
      this.parties.clear();
      this.partyByToken.clear();
      throw snapshotError(description, (error as Error).message, error);
    }
  }

  private snapshot(): string {
    const objects: StoredObject[] = [];
    for (const module of this.modules.values()) for (const entry of module.all.entries) objects.push(entry.object);
    const snapshot: Snapshot = { format: SNAPSHOT_FORMAT, version: 1, objects, parties: [...this.parties.values()] };
    return JSON.stringify(snapshot);
  }

  private ready(): void {
    if (this.state === "open") return;
    throw new Error(
      this.state === "closed"
        ? "MemoryStore is closed"
        : "MemoryStore has a file: await store.open() (or use MemoryStore.open()) first",
    );
  }

  /** Resolves once the change just made is stored (at once without persistence). */
  private async persist(): Promise<void> {
    await this.writer?.write();
  }

  async getObject<T = unknown>(given: ObjectKey): Promise<StoredObject<T> | undefined> {
    this.ready();
    const key = canonicalKey(given);
    const entry = this.modules.get(key.module)?.get(key);
    return entry && (structuredClone(entry.object) as StoredObject<T>);
  }

  async putObject<T = unknown>(object: StoredObject<T>): Promise<void> {
    this.ready();
    this.setObject(normalizeObject(object));
    await this.persist();
  }

  private revision = 0;

  objectsRevision(): number {
    return this.revision;
  }

  private setObject({ object, instant, json }: { object: StoredObject<unknown>; instant: string; json: string }): void {
    this.revision++;
    let module = this.modules.get(object.module);
    if (!module) this.modules.set(object.module, (module = new ModuleObjects()));
    module.set({ instant, object, json });
  }

  async updateObject<T = unknown>(
    given: ObjectKey,
    change: (current: StoredObject<T> | undefined) => StoredObject<T> | undefined,
  ): Promise<StoredObject<T> | undefined> {
    this.ready();
    const key = canonicalKey(given);
    // Read, change and write happen in one synchronous step, so no other call can interleave.
    const entry = this.modules.get(key.module)?.get(key);
    const copy = () => entry && (structuredClone(entry.object) as StoredObject<T>);
    const next = change(copy());
    if (next === undefined) return copy();
    if (!sameKey(next, key)) throw keyMismatch();
    const normalized = normalizeObject(next);
    this.setObject(normalized);
    await this.persist();
    return structuredClone(normalized.object);
  }

  async deleteObject(given: ObjectKey): Promise<boolean> {
    this.ready();
    const key = canonicalKey(given);
    const module = this.modules.get(key.module);
    if (!module?.delete(key)) return false;
    this.revision++;
    if (module.size === 0) this.modules.delete(key.module);
    await this.persist();
    return true;
  }

  async listObjects<T = unknown>(query: ObjectQuery): Promise<ObjectPage<T>> {
    const { entries, total } = this.page(query);
    return { items: entries.map((entry) => structuredClone(entry.object) as StoredObject<T>), total };
  }

  async listObjectsJson(query: ObjectQuery): Promise<{ items: StoredJson[]; total: number }> {
    const { entries, total } = this.page(query);
    const items = entries.map(({ object: { module, country_code, party_id, id, last_updated }, json }) => ({ module, country_code, party_id, id, last_updated, json }));
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
    const end = to === undefined ? list.entries.length : list.firstFrom(to);
    const total = Math.max(0, end - start);
    const first = start + query.offset;
    return { entries: list.entries.slice(first, Math.min(end, first + query.limit)), total };
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
    this.ready();
    this.setParty(normalizeParty(party));
    await this.persist();
  }

  private partyRevision = 0;

  partiesRevision(): number {
    return this.partyRevision;
  }

  private setParty(party: PartyRecord): void {
    this.partyRevision++;
    const owner = this.partyByToken.get(party.incomingToken);
    // The message names the other party but never the token.
    if (owner !== undefined && owner !== party.id) throw tokenTaken(owner);
    const previous = this.parties.get(party.id);
    if (previous) this.partyByToken.delete(previous.incomingToken);
    this.parties.set(party.id, party);
    this.partyByToken.set(party.incomingToken, party.id);
  }

  async deleteParty(id: string): Promise<boolean> {
    this.ready();
    const party = this.parties.get(id);
    if (!party) return false;
    this.parties.delete(id);
    this.partyByToken.delete(party.incomingToken);
    this.partyRevision++;
    await this.persist();
    return true;
  }

  async listParties(): Promise<PartyRecord[]> {
    this.ready();
    return [...this.parties.values()].sort((a, b) => compareText(a.id, b.id)).map((p) => structuredClone(p));
  }

  /** Waits for pending writes; afterwards every method rejects. */
  async close(): Promise<void> {
    if (this.state === "opening") await this.opening?.catch(() => undefined);
    this.state = "closed";
    await this.writer?.idle();
  }
}

/** The error for a second party with a token already in use. */
export function tokenTaken(owner?: string, cause?: unknown): Error {
  const who = owner === undefined ? "another party" : `party ${JSON.stringify(owner)}`;
  return new Error(`incomingToken is already used by ${who}`, cause === undefined ? undefined : { cause });
}
