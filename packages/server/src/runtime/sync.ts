/**
 * Incremental sync: a receiver's copy of a partner's objects (an eMSP keeping a CPO's locations, tariffs, sessions
 * and CDRs; a CPO keeping an eMSP's tokens), pulled from the partner's SENDER list. Objects are kept where the store
 * handlers keep what peers push (`received(module)`), so a pulled and a pushed copy are one object, and the newer
 * one (by last_updated) always wins.
 *
 * A run crawls the window [cursor - overlap, crawlStart) and moves the cursor to crawlStart only after a complete
 * crawl: a run that fails, is aborted or cannot be shown complete leaves the cursor where it was, and the next run
 * crawls from there again (upserts are idempotent), so there is no gap.
 */
import type { CallOptions, ModulesOf, OcpiClient, OcpiPager } from "@ocpi-sdk/client";
import { canonicalCiString, sameCiString } from "@ocpi-sdk/protocol";
import { received } from "../handlers/store-handlers.js";
import { instantOf } from "../store/memory.js";
import type { PartyRecord, Store, StoredObject } from "../store/store.js";

/** The modules whose SENDER list a receiver can sync. */
export type SyncModule = "locations" | "tariffs" | "sessions" | "cdrs" | "tokens";
/** The modules {@link sync} can pull from a partner. */
export const SYNC_MODULES: readonly SyncModule[] = ["locations", "tariffs", "sessions", "cdrs", "tokens"];

/** The store collection the cursors are kept in, one object per party and module. */
export const SYNC_CURSORS = "sync.cursors";

/** A client, or a way to get the current one (after a token rotation the old client's token is refused). */
export type SyncClient = OcpiClient | (() => OcpiClient | Promise<OcpiClient>);

/** What {@link sync} pulls into: the store and the partner, and how (overlap, passes, concurrency, call options). */
export interface SyncOptions {
  store: Store;
  /**
   * The partner, as stored (or its id, read from the store). Its roles are the owners whose objects it may send us
   * (any owner when it is a HUB), and, for 2.1.1, the owner of the objects it sends.
   */
  party: PartyRecord | string;
  /**
   * The owner of objects a 2.1.1 partner sends (they carry no country_code/party_id). Default: the party's role that
   * sends the module (CPO; EMSP for tokens), else its first role. Objects of this owner are accepted.
   */
  owner?: { country_code: string; party_id: string };
  /** How far before the cursor a run starts (default 60 s): absorbs clock skew between us and the partner. */
  overlapMs?: number;
  /** Page size asked for (default: the partner's). */
  limit?: number;
  /** Crawls of the window at most, when the objects received fall short of X-Total-Count (default 3). */
  maxPasses?: number;
  /** Crawl everything up to now, ignoring the cursor (a periodic full sync; the cursor still moves on success). */
  full?: boolean;
  /** Upserts in flight at once (default 8). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (progress: SyncProgress) => void;
  /** Options of every call to the partner (hub routing headers, pagination caps, validation, timeouts). */
  callOptions?: Omit<CallOptions, "signal">;
}

/** Where a sync run is: pass, pages and objects so far, rate; `done` on the last event. */
export interface SyncProgress {
  partyId: string;
  module: SyncModule;
  /** The crawl of the window this is (1, then 2... when a crawl fell short). */
  pass: number;
  /** Pages and objects received so far in this run (all passes). */
  pages: number;
  objects: number;
  upserted: number;
  /** X-Total-Count of the first page of this pass. */
  totalCount?: number;
  elapsedMs: number;
  /** Objects received per second. */
  rate: number;
  /** The last event of a run (also of one that failed). */
  done: boolean;
}

/** What a sync run did: its window, what was received and written or left out, and whether it was complete. */
export interface SyncSummary {
  partyId: string;
  module: SyncModule;
  /** The window's date_from, absent when crawling from the beginning. */
  from?: string;
  /** The window's date_to: when the run began. */
  to: string;
  startedAt: string;
  durationMs: number;
  /** Pages and objects received, over all passes (an object received in two passes counts twice). */
  pages: number;
  objects: number;
  /** Distinct objects received in the last pass. */
  distinct: number;
  /** Written to the store. */
  upserted: number;
  /** Already stored as received (same last_updated and data, or a CDR: CDRs are final). */
  unchanged: number;
  /** Not written: the stored copy is newer (a push that came after the partner served its page). */
  skippedOlder: number;
  /** Not written: owned by a party the partner does not speak for. */
  foreign: number;
  /** Not written: no readable key or last_updated. */
  invalid: number;
  /** Left out by the client as invalid (lenient validation). */
  dropped: number;
  passes: number;
  /** X-Total-Count of the first page of the last pass. */
  totalCount?: number;
  /** Whether X-Total-Count let the crawl be checked for completeness. */
  countChecked: boolean;
  /** The window was crawled completely (or could not be checked: see countChecked). */
  complete: boolean;
  cursorAdvanced: boolean;
  /** The cursor after the run. */
  cursor?: string;
}

/** A run that failed or was aborted: `summary` says what was done (upserts stay; the cursor did not move). */
export class SyncError extends Error {
  override readonly name = "SyncError";
  constructor(
    message: string,
    readonly summary: SyncSummary,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

interface CursorRecord {
  partyId: string;
  module: SyncModule;
  cursor: string;
}

// Keys are CiStrings (stored in upper case): the exact party id and module are kept in the data and compared, so
// two party ids differing only in case never share a cursor (the second one crawls in full instead).
const cursorKey = (partyId: string, module: SyncModule) => ({ module: SYNC_CURSORS, country_code: "", party_id: "", id: `${module}/${partyId}` });

/** The cursor of a party and module: runs crawl from it (minus the overlap). */
export async function syncCursor(store: Store, partyId: string, module: SyncModule): Promise<string | undefined> {
  const found = await store.getObject<CursorRecord>(cursorKey(partyId, module));
  return found && found.data.partyId === partyId && found.data.module === module ? found.data.cursor : undefined;
}

/** Moves the cursor forward, never back (a slower run that began earlier may finish after a later one). */
async function advanceCursor(store: Store, partyId: string, module: SyncModule, cursor: string): Promise<string> {
  const stored = await store.updateObject<CursorRecord>(cursorKey(partyId, module), (current) => {
    const mine = current && current.data.partyId === partyId && current.data.module === module;
    if (mine && Date.parse(current.data.cursor) >= Date.parse(cursor)) return undefined;
    return { ...cursorKey(partyId, module), last_updated: cursor, data: { partyId, module, cursor } };
  });
  return stored!.data.cursor;
}

// Milliseconds, as OCPI allows fractions: whole seconds would leave an object stamped in the second a run began
// outside its window and the next one's, when it starts in the same second.
const dateTime = (ms: number) => new Date(ms).toISOString();

// The sessions list requires date_from in every version: "from the beginning" is then the epoch.
const EPOCH = "1970-01-01T00:00:00Z";

/** The role that sends a module: whose objects a 2.1.1 partner's are. */
const senderRole = (module: SyncModule) => (module === "tokens" ? "EMSP" : "CPO");

type ListPager = (request: Record<string, unknown>, options: CallOptions) => OcpiPager<Record<string, unknown>>;

/** The module's SENDER list, giving 2.2.1 objects whatever the partner's version (as the store handlers keep them). */
function senderList(client: OcpiClient, module: SyncModule, owner: { country_code: string; party_id: string } | undefined): ListPager {
  if (!client.version) throw new Error("the client has not discovered the partner yet: call discover() first");
  const modules: ModulesOf<"2.2.1"> = client.version === "2.2.1" ? (client as OcpiClient<"2.2.1">).modules : client.as("2.2.1", owner ? { peer: owner } : {});
  const all = modules[module].sender.all as unknown as ListPager;
  return (request, options) => all(request, options);
}

/** Runs `work` on each item, `concurrency` at a time; the first error stops new work and is thrown at the end. */
async function eachLimited<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure) throw failure.error;
}

const partyOf = async (store: Store, party: PartyRecord | string): Promise<PartyRecord> => {
  if (typeof party !== "string") return party;
  const found = await store.getParty(party);
  if (!found) throw new Error(`no party ${party}`);
  return found;
};

/**
 * Pulls the partner's objects of `module` changed since the cursor into the store (see the module comment), and
 * returns what was done. Throws a SyncError (with the summary so far) when the partner or the store fails or the
 * run is aborted; a run that cannot be shown complete returns with `complete: false` and the cursor unmoved.
 */
export async function sync(source: SyncClient, module: SyncModule, options: SyncOptions): Promise<SyncSummary> {
  const { store, signal, onProgress } = options;
  const overlapMs = options.overlapMs ?? 60_000;
  const maxPasses = Math.max(1, options.maxPasses ?? 3);
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const began = Date.now();
  // Taken once, before the first request: the window's end, and the cursor a complete crawl moves to.
  const crawlStart = dateTime(began);
  const party = await partyOf(store, options.party);
  const cursor = options.full ? undefined : await syncCursor(store, party.id, module);
  const from = cursor === undefined ? undefined : dateTime(Date.parse(cursor) - overlapMs);
  const summary: SyncSummary = {
    partyId: party.id,
    module,
    ...(from !== undefined ? { from } : {}),
    to: crawlStart,
    startedAt: new Date(began).toISOString(),
    durationMs: 0,
    pages: 0,
    objects: 0,
    distinct: 0,
    upserted: 0,
    unchanged: 0,
    skippedOlder: 0,
    foreign: 0,
    invalid: 0,
    dropped: 0,
    passes: 0,
    countChecked: false,
    complete: false,
    cursorAdvanced: false,
    ...(cursor !== undefined ? { cursor } : {}),
  };
  const progress = (done: boolean) => {
    const elapsedMs = Date.now() - began;
    onProgress?.({
      partyId: party.id,
      module,
      pass: summary.passes,
      pages: summary.pages,
      objects: summary.objects,
      upserted: summary.upserted,
      ...(summary.totalCount !== undefined ? { totalCount: summary.totalCount } : {}),
      elapsedMs,
      rate: summary.objects / (Math.max(elapsedMs, 1) / 1000),
      done,
    });
  };

  try {
    signal?.throwIfAborted();
    const client = typeof source === "function" ? await source() : source;
    const owner = options.owner ?? party.roles.find((r) => r.role === senderRole(module)) ?? party.roles[0];
    if (client.version === "2.1.1" && !owner) throw new Error(`party ${party.id} has no role: give the owner of its 2.1.1 objects with \`owner\``);
    // What a partner may send is scoped as what it may push: objects of its own parties, any party's for a hub.
    const hub = party.roles.some((r) => r.role === "HUB");
    const owners = [...party.roles, ...(options.owner ? [options.owner] : [])];
    const mayOwn = (countryCode: string, partyId: string) =>
      hub || owners.some((o) => sameCiString(o.country_code, countryCode) && sameCiString(o.party_id, partyId));
    const list = senderList(client, module, owner);
    const query = {
      ...(from !== undefined ? { date_from: from } : module === "sessions" ? { date_from: EPOCH } : {}),
      date_to: crawlStart,
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
    };
    const callOptions: CallOptions = { ...options.callOptions, ...(signal ? { signal } : {}) };

    /** What one crawl of the window received: the keys, and objects without one. */
    interface Pass {
      seen: Set<string>;
      unkeyed: number;
    }

    /** Stores one object unless the stored copy is newer. */
    const upsert = async (object: Record<string, unknown>, pass: Pass) => {
      const id = module === "tokens" ? object.uid : object.id;
      const { country_code: cc, party_id: pid, last_updated: updated } = object;
      if (typeof cc !== "string" || typeof pid !== "string" || typeof id !== "string" || typeof updated !== "string") {
        summary.invalid++;
        pass.unkeyed++;
        return;
      }
      pass.seen.add(`${canonicalCiString(cc)}\u0000${canonicalCiString(pid)}\u0000${canonicalCiString(id)}`);
      let instant: string;
      try {
        instant = instantOf(updated);
      } catch {
        summary.invalid++;
        return;
      }
      if (!mayOwn(cc, pid)) {
        summary.foreign++;
        return;
      }
      const key = { module: received(module), country_code: cc, party_id: pid, id };
      let outcome: "upserted" | "unchanged" | "skippedOlder" = "upserted";
      await store.updateObject(key, (current): StoredObject | undefined => {
        outcome = "upserted";
        if (current) {
          let held: string | undefined;
          try {
            held = instantOf(current.last_updated);
          } catch {
            held = undefined; // an unreadable stored stamp loses to a readable one
          }
          if (held !== undefined && held > instant) {
            outcome = "skippedOlder";
            return undefined;
          }
          // CDRs are final, as when POSTed (see storeHandlers); a copy with the same stamp and data needs no write.
          if (module === "cdrs" || (held === instant && JSON.stringify(current.data) === JSON.stringify(object))) {
            outcome = "unchanged";
            return undefined;
          }
        }
        return { ...key, last_updated: updated, data: object };
      });
      summary[outcome]++;
    };

    /** One crawl of the window: how many objects it received, and the count the partner gave at its start. */
    const crawl = async (): Promise<{ received: number; totalCount: number | undefined }> => {
      const pass: Pass = { seen: new Set(), unkeyed: 0 };
      let dropped = 0;
      let totalCount: number | undefined;
      let first = true;
      for await (const page of list(query, callOptions).pages()) {
        signal?.throwIfAborted();
        if (first) {
          // The count when the crawl began: objects leaving the window later lower the count of later pages.
          totalCount = page.totalCount;
          if (totalCount !== undefined) summary.totalCount = totalCount;
          else delete summary.totalCount;
          first = false;
        }
        summary.pages++;
        summary.objects += page.data.length;
        summary.dropped += page.dropped ?? 0;
        dropped += page.dropped ?? 0;
        await eachLimited(page.data, concurrency, (object) => upsert(object, pass));
        summary.distinct = pass.seen.size;
        progress(false);
      }
      // Objects without a key, and those the client left out, were sent all the same: they count as received.
      return { received: pass.seen.size + pass.unkeyed + dropped, totalCount };
    };

    for (let pass = 1; pass <= maxPasses; pass++) {
      summary.passes = pass;
      const { received: got, totalCount } = await crawl();
      if (totalCount === undefined) {
        // Without X-Total-Count a skip cannot be seen. The overlap still catches objects whose stamps the partner's
        // clock put before our cursor; an object skipped by offset paging because another one left the window
        // during the crawl is caught only when it changes again, or by a run with `full: true`.
        summary.countChecked = false;
        summary.complete = true;
        break;
      }
      summary.countChecked = true;
      // With date_to fixed, an object updated during the crawl leaves the window (or moves to its end) and shifts
      // the later ones one place back: offset paging skips one. Fewer distinct objects than the count shows it;
      // crawling the window again gets the skipped one (upserts are idempotent). Objects that left the window are
      // at or after crawlStart: the next run's window holds them.
      if (got >= totalCount) {
        summary.complete = true;
        break;
      }
    }
    if (summary.complete) {
      summary.cursor = await advanceCursor(store, party.id, module, crawlStart);
      summary.cursorAdvanced = true;
    }
    summary.durationMs = Date.now() - began;
    progress(true);
    return summary;
  } catch (error) {
    summary.durationMs = Date.now() - began;
    progress(true);
    const why = signal?.aborted ? "aborted" : error instanceof Error ? error.message : String(error);
    throw new SyncError(`sync of ${module} from party ${party.id} failed after ${summary.pages} pages: ${why}`, summary, { cause: error });
  }
}

/** Options of {@link startSync}: those of {@link sync}, the interval between runs, and where results and errors go. */
export interface SyncRunnerOptions extends SyncOptions {
  /** Time between the end of one run and the start of the next. */
  intervalMs: number;
  /** Every summary, also of runs that could not be shown complete (`complete: false`). */
  onResult?: (summary: SyncSummary) => void;
  /** Every failed run (a SyncError with the summary so far); the runner goes on. */
  onError: (error: unknown) => void;
}

/** A periodic sync started by {@link startSync}. */
export interface SyncRunner {
  /** Runs now, or, while a run is going, gives that run: never two at once. Undefined when the run failed or after stop. */
  runNow(): Promise<SyncSummary | undefined>;
  /** Stops: aborts the run in progress (its cursor stays, so nothing is lost) and waits for it to end. */
  stop(): Promise<void>;
  readonly running: boolean;
}

/**
 * Syncs `module` now and then every `intervalMs` after each run ends (never two runs at once); errors go to
 * `onError`, never thrown. Give `client` as a function to use the party's current client at each run.
 */
export function startSync(client: SyncClient, module: SyncModule, options: SyncRunnerOptions): SyncRunner {
  const { intervalMs, onResult, onError, ...syncOptions } = options;
  const stopping = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stopping.signal]) : stopping.signal;
  let current: Promise<SyncSummary | undefined> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const report = (error: unknown) => {
    try {
      onError(error);
    } catch {
      // an error handler that throws has nowhere left to report to
    }
  };

  const runNow = (): Promise<SyncSummary | undefined> => {
    if (current) return current;
    if (signal.aborted) return Promise.resolve(undefined);
    clearTimeout(timer);
    const run = (async () => {
      try {
        const summary = await sync(client, module, { ...syncOptions, signal });
        onResult?.(summary);
        return summary;
      } catch (error) {
        // A run aborted by stop() or the caller's signal is the stop, not an error.
        if (!signal.aborted) report(error);
        return undefined;
      } finally {
        current = undefined;
        if (!signal.aborted) timer = setTimeout(() => void runNow(), intervalMs);
      }
    })();
    current = run;
    return run;
  };

  void runNow();
  return {
    runNow,
    async stop() {
      stopping.abort(new DOMException("sync stopped", "AbortError"));
      clearTimeout(timer);
      await current;
    },
    get running() {
      return current !== undefined;
    },
  };
}
