/**
 * Requests answered twice: commands and charging-profile requests get an immediate response (ACCEPTED with a
 * `timeout`, or a refusal) and later a result POSTed to the response_url they carried. ResultTracker keeps one
 * record per response_url in the store (module `results.expected`): who may post to it, the request, the deadline
 * the response set, and how the request ended. A result in time settles the sender's promise; none by the
 * deadline gives the application a TIMEOUT result (also for requests sent before a restart, found by a sweep over
 * the records); a late one is still taken and reported; records are removed a retention period after they end.
 */
import type { CallOptions } from "@ocpi-sdk/client";
import type * as T211 from "@ocpi-sdk/types/2.1.1";
import type * as T221 from "@ocpi-sdk/types/2.2.1";
import type * as T230 from "@ocpi-sdk/types/2.3.0";
import type { ObjectKey, Store, StoredObject } from "../store/store.js";
import { OcpiHttpError } from "./errors.js";
import type { ServedVersion } from "./versions.js";

/** Where an expected result is kept: a collection of the server's own, by response_id. */
const EXPECTED_RESULTS = "results.expected";
export const expectedResultKey = (responseId: string): ObjectKey => ({ module: EXPECTED_RESULTS, country_code: "", party_id: "", id: responseId });

/**
 * Where a request answered at a response_url stands:
 * - `sending`: the response_url is given out; the request's response has not been read (or the application sent
 *   the request itself, with only `responseUrl`: then no deadline is known).
 * - `waiting`: the peer ACCEPTED it; the result is due by `deadline`.
 * - `done`: the result came in time (`result`).
 * - `timed-out`: no result by the deadline; the application got a TIMEOUT result.
 * - `not-accepted`: the response was not ACCEPTED: no result will come.
 * - `failed`: the request got no response (network error, error status).
 */
export type ExpectedResultState = "sending" | "waiting" | "done" | "timed-out" | "not-accepted" | "failed";

/**
 * What the server keeps of a response_url it gave out. Stored under expectedResultKey(responseId); the object's
 * `last_updated` is when the sweep next has to look at it (the deadline while waiting, the removal once ended).
 */
export interface ExpectedResult {
  /** The response_id as given out (the store keeps keys in canonical form). Absent in records from before. */
  responseId?: string;
  /** The party the request went to: only it may post the result. */
  partyId: string;
  /** The operation that receives the result, e.g. `commandsSenderPostResult`. */
  operationId: string;
  /** The version the request was sent in, and the result comes in. */
  version: ServedVersion;
  /** ISO timestamp the response_url was given out. */
  createdAt: string;
  /** Absent in records from before this was tracked: as `sending` without a deadline. */
  state?: ExpectedResultState;
  /** The request sent (by sendCommand and the charging-profile methods): its operation, parameters and body. */
  request?: { operationId: string; params?: Record<string, unknown>; body?: unknown };
  /** The immediate response. */
  response?: unknown;
  /** Seconds the result was waited for (the response's `timeout`, or the default where it has none). */
  timeoutSeconds?: number;
  /** ISO timestamp: a result after it is late. */
  deadline?: string;
  /** ISO timestamp the request ended (result, timeout, refusal, failure); removed a retention period later. */
  endedAt?: string;
  /** The result that came in time. */
  result?: unknown;
  /** Results that came after the request had ended (all accepted and passed to the handler). */
  lateResults?: number;
  /** For a timeout: when the application was told (onResultTimeout); absent while it still has to be. */
  notifiedAt?: string;
}

/** What a sender gets when no result came by the deadline (TIMEOUT is a CommandResultType; 2.1.1 posts it as a CommandResponse). */
export interface TimeoutResult {
  result: "TIMEOUT";
  message: T221.DisplayText[];
}

/** A request whose result did not come in time, as onResultTimeout gets it. */
export interface TimedOutRequest extends ExpectedResult {
  responseId: string;
  deadline: string;
  /** The TIMEOUT result the sender's promise resolved with. */
  result: TimeoutResult;
}

/** A request sent with its response_url, and what became of it. */
export interface PendingRequest<Response, Result> {
  responseId: string;
  /** The response_url the request carried. */
  responseUrl: string;
  /** The immediate response (CommandResponse, ChargingProfileResponse). */
  response: Response;
  /**
   * The final result: what the peer posted to the response_url, a TIMEOUT result when nothing came by the
   * response's deadline, or `undefined` at once when the response was not ACCEPTED (no result will come). Rejects
   * only when the server closes first (the record stays: the next server on the store times it out).
   */
  result: Promise<Result | TimeoutResult | undefined>;
}

/** Options of sendCommand and the charging-profile requests. */
export interface SendRequestOptions<V extends ServedVersion = ServedVersion> {
  /** The version the request is written in (default: the handlers' version); it must be the one the party talks. */
  version?: V;
  /** The response_id in the response_url (default: a new UUID). */
  responseId?: string;
  /** Options of the call: hub routing (`to`), correlation id, timeouts, signal. */
  call?: CallOptions;
}

type CommandRequests = {
  "2.1.1": { RESERVE_NOW: T211.ReserveNow; START_SESSION: T211.StartSession; STOP_SESSION: T211.StopSession; UNLOCK_CONNECTOR: T211.UnlockConnector };
  "2.2.1": {
    CANCEL_RESERVATION: T221.CancelReservation;
    RESERVE_NOW: T221.ReserveNow;
    START_SESSION: T221.StartSession;
    STOP_SESSION: T221.StopSession;
    UNLOCK_CONNECTOR: T221.UnlockConnector;
  };
  "2.3.0": {
    CANCEL_RESERVATION: T230.CancelReservation;
    RESERVE_NOW: T230.ReserveNow;
    START_SESSION: T230.StartSession;
    STOP_SESSION: T230.StopSession;
    UNLOCK_CONNECTOR: T230.UnlockConnector;
  };
};
/** The commands of a version (CommandType). */
export type CommandTypeOf<V extends ServedVersion> = keyof CommandRequests[V] & string;
/** The body of a command, without the response_url (the server adds its own). */
export type CommandRequestOf<V extends ServedVersion, C extends CommandTypeOf<V>> = Omit<CommandRequests[V][C], "response_url">;
/** The immediate answer to a command. */
export type CommandResponseOf<V extends ServedVersion> = { "2.1.1": T211.CommandResponse; "2.2.1": T221.CommandResponse; "2.3.0": T230.CommandResponse }[V];
/** The asynchronous result of a command: a CommandResult, or in 2.1.1 a second CommandResponse. */
export type CommandResultOf<V extends ServedVersion> = { "2.1.1": T211.CommandResponse; "2.2.1": T221.CommandResult; "2.3.0": T230.CommandResult }[V];
/** The versions with charging profiles (2.2.1 on). */
export type ChargingProfilesVersion = "2.2.1" | "2.3.0";
/** The CPO's immediate answer to a charging profile request, in a version. */
export type ChargingProfileResponseOf<V extends ChargingProfilesVersion> = { "2.2.1": T221.ChargingProfileResponse; "2.3.0": T230.ChargingProfileResponse }[V];
/** A ChargingProfile, in a version. */
export type ChargingProfileOf<V extends ChargingProfilesVersion> = { "2.2.1": T221.ChargingProfile; "2.3.0": T230.ChargingProfile }[V];
/** The asynchronous result of a GET ActiveChargingProfile request, in a version. */
export type ActiveChargingProfileResultOf<V extends ChargingProfilesVersion> = {
  "2.2.1": T221.ActiveChargingProfileResult;
  "2.3.0": T230.ActiveChargingProfileResult;
}[V];
/** The asynchronous result of setting a charging profile, in a version. */
export type ChargingProfileResultOf<V extends ChargingProfilesVersion> = { "2.2.1": T221.ChargingProfileResult; "2.3.0": T230.ChargingProfileResult }[V];
/** The asynchronous result of clearing a charging profile, in a version. */
export type ClearProfileResultOf<V extends ChargingProfilesVersion> = { "2.2.1": T221.ClearProfileResult; "2.3.0": T230.ClearProfileResult }[V];

/** How requests answered at a response_url are waited for (OcpiServerOptions.expectedResults). */
export interface ExpectedResultsOptions {
  /** Seconds to wait for a result when the response gives no `timeout` (a 2.1.1 CommandResponse has none). Default 300. */
  defaultTimeoutSeconds?: number;
  /** The longest wait a peer's `timeout` may set; a longer one is cut to this. Default 3600 (1 h). */
  maxTimeoutSeconds?: number;
  /**
   * How long a record is kept after its request ended (result, timeout, refusal, failure), so that a late or
   * repeated result is still taken; afterwards its response_url is unknown (404). A response_url given out with
   * `responseUrl` alone, whose deadline the server does not know, is kept this long after it was given out.
   * Default 24 h.
   */
  retentionMs?: number;
  /**
   * How often the stored records are swept: deadlines passed (also of requests sent before a restart, or by
   * another process on the store), onResultTimeout calls to retry, records to remove. Requests this process sent
   * time out at their deadline without waiting for a sweep. Default 60 s; 0 runs no sweep in this process (another
   * process on the store sweeps, or a runtime without timers outside requests).
   */
  sweepIntervalMs?: number;
}

/** What ResultTracker reports (part of ServerEvent). */
export type ExpectedResultEvent =
  /** A result came in time (or for a response_url given out with `responseUrl` alone). */
  | { type: "result-received"; partyId: string; operationId: string; responseId: string; requestOperationId?: string }
  /** No result came by the deadline: the sender's promise resolved with a TIMEOUT result, onResultTimeout is called. */
  | { type: "result-timeout"; partyId: string; operationId: string; responseId: string; requestOperationId?: string; deadline: string }
  /**
   * A result for a request that had ended already (`state`: timed out, not accepted, failed, or answered before):
   * accepted all the same and passed to the handler, so that it is recorded.
   */
  | { type: "late-result"; partyId: string; operationId: string; responseId: string; requestOperationId?: string; state: ExpectedResultState }
  /** Tracking failed: a store error in a sweep, or onResultTimeout threw (it is called again by a later sweep). */
  | { type: "expected-result-error"; responseId?: string; error: unknown };

export interface ResultTrackerDeps extends ExpectedResultsOptions {
  store: Store;
  /** Told of every request that timed out, at least once, also after a restart. */
  onTimeout?: (request: TimedOutRequest) => void | Promise<void>;
  log?: (event: ExpectedResultEvent) => void;
}

interface Waiter {
  resolve(result: unknown): void;
  reject(error: unknown): void;
  timer?: ReturnType<typeof setTimeout>;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** Node's timers hold at most 2^31-1 ms; a longer wait is re-armed (or left to the sweep). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Due records handled per sweep; the rest wait for the next one. */
const SWEEP_BATCH = 1000;

export class ResultTracker {
  private readonly store: Store;
  private readonly defaultTimeoutSeconds: number;
  private readonly maxTimeoutSeconds: number;
  private readonly retentionMs: number;
  private readonly sweepIntervalMs: number;
  /** How long a timeout being reported is left to the process reporting it before a sweep reports it again. */
  private readonly leaseMs: number;
  /** Senders in this process waiting for a result, by response_id as given out. */
  private readonly waiters = new Map<string, Waiter>();
  /** Timeouts being reported by this process (not reported twice at once). */
  private readonly notifying = new Set<string>();
  private interval?: ReturnType<typeof setInterval>;
  private sweeping?: Promise<void>;
  private stopped = false;

  constructor(private readonly deps: ResultTrackerDeps) {
    this.store = deps.store;
    this.defaultTimeoutSeconds = deps.defaultTimeoutSeconds ?? 300;
    this.maxTimeoutSeconds = deps.maxTimeoutSeconds ?? 3600;
    this.retentionMs = deps.retentionMs ?? 24 * 60 * 60 * 1000;
    this.sweepIntervalMs = deps.sweepIntervalMs ?? 60_000;
    this.leaseMs = this.sweepIntervalMs > 0 ? this.sweepIntervalMs : 60_000;
  }

  /** Starts the periodic sweep (its timer does not keep the process alive). */
  start(): this {
    if (this.interval || this.stopped || !(this.sweepIntervalMs > 0)) return this;
    this.interval = setInterval(() => void this.sweep(), this.sweepIntervalMs);
    this.interval.unref?.();
    return this;
  }

  /** Stops the sweep and every deadline timer; senders still waiting get a rejection (their records stay). */
  stop(): void {
    this.stopped = true;
    if (this.interval) clearInterval(this.interval);
    this.interval = undefined;
    const error = new Error("the OCPI server closed before the result came; its record stays in the store for the next server to time out");
    for (const [id, waiter] of this.waiters) {
      this.waiters.delete(id);
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }

  /** The record of a response_url given out. */
  async get(responseId: string): Promise<ExpectedResult | undefined> {
    return (await this.store.getObject<ExpectedResult>(expectedResultKey(responseId)))?.data;
  }

  /** Keeps a response_url given out for a request the application sends itself (no deadline is known). */
  async expect(record: { responseId: string; partyId: string; operationId: string; version: ServedVersion }): Promise<void> {
    const now = Date.now();
    const data: ExpectedResult = { ...record, createdAt: iso(now), state: "sending" };
    await this.store.putObject({ ...expectedResultKey(record.responseId), last_updated: iso(now + this.retentionMs), data });
  }

  /**
   * Keeps the record, sends the request (`call` returns the immediate response), and tracks the result: due by
   * now + the response's `timeout` when it is ACCEPTED, none to come otherwise. Throws what the call throws (the
   * record is kept as `failed`, so that a result that comes all the same is still taken).
   */
  async send<Response, Result>(args: {
    responseId: string;
    responseUrl: string;
    partyId: string;
    operationId: string;
    version: ServedVersion;
    request: NonNullable<ExpectedResult["request"]>;
    call: () => Promise<Response>;
  }): Promise<PendingRequest<Response, Result>> {
    const { responseId } = args;
    const key = expectedResultKey(responseId);
    const createdAt = Date.now();
    // Until the response is read the deadline is provisional: a process that dies meanwhile leaves a record that a
    // later sweep times out.
    const record: ExpectedResult = {
      responseId,
      partyId: args.partyId,
      operationId: args.operationId,
      version: args.version,
      createdAt: iso(createdAt),
      state: "sending",
      request: args.request,
      timeoutSeconds: this.defaultTimeoutSeconds,
      deadline: iso(createdAt + this.defaultTimeoutSeconds * 1000),
    };
    if (this.waiters.has(responseId)) throw new Error(`a request with response_id ${responseId} is waiting already`);
    await this.store.putObject({ ...key, last_updated: record.deadline!, data: record });
    // Waiting from before the call: a result that comes before the response is read settles it as well.
    const waiter = this.wait<Result>(responseId);

    let response: Response;
    try {
      response = await args.call();
    } catch (error) {
      this.forget(responseId);
      const ended = Date.now();
      await this.store
        .updateObject<ExpectedResult>(key, (current) =>
          current && isOpen(current.data)
            ? { ...current, last_updated: iso(ended + this.retentionMs), data: { ...current.data, state: "failed", endedAt: iso(ended) } }
            : undefined,
        )
        .catch(() => undefined);
      throw error;
    }

    const answered = Date.now();
    const accepted = (response as { result?: unknown } | undefined)?.result === "ACCEPTED";
    const given = (response as { timeout?: unknown } | undefined)?.timeout;
    const timeoutSeconds = Math.min(
      Math.max(typeof given === "number" && Number.isFinite(given) ? given : this.defaultTimeoutSeconds, 0),
      this.maxTimeoutSeconds,
    );
    let stored: StoredObject<ExpectedResult> | undefined;
    try {
      stored = await this.store.updateObject<ExpectedResult>(key, (current) => {
        if (!current || !isOpen(current.data)) return undefined;
        const data = { ...current.data, response };
        if (!accepted) return { ...current, last_updated: iso(answered + this.retentionMs), data: { ...data, state: "not-accepted", endedAt: iso(answered) } };
        const deadline = iso(answered + timeoutSeconds * 1000);
        return { ...current, last_updated: deadline, data: { ...data, state: "waiting", timeoutSeconds, deadline } };
      });
    } catch (error) {
      this.forget(responseId);
      throw error;
    }
    if (!stored) {
      // The record was removed meanwhile (by the application): nothing is tracked any more.
      this.waiters.get(responseId)?.resolve(undefined);
      this.forget(responseId);
    }
    this.settleFrom(responseId, stored?.data);
    if (stored && stored.data.state === "waiting") this.arm(responseId, Date.parse(stored.data.deadline!));
    return { responseId, responseUrl: args.responseUrl, response, result: waiter };
  }

  /**
   * A result posted to a response_url: taken only from the party the request went to, for that operation, while
   * the record is kept (404 otherwise). In time it ends the request (`done`) and settles the sender's promise;
   * after the request ended it is a late result, reported. Either way the handler gets it.
   */
  async receive(operationId: string, partyId: string, responseId: string, body: unknown): Promise<void> {
    const key = expectedResultKey(responseId);
    const found = await this.store.getObject<ExpectedResult>(key);
    if (!found || found.data.partyId !== partyId || found.data.operationId !== operationId) {
      throw OcpiHttpError.notFound(`unknown response_id ${responseId}`);
    }
    let late = undefined as ExpectedResultState | undefined;
    const now = Date.now();
    const stored = await this.store.updateObject<ExpectedResult>(key, (current) => {
      late = undefined;
      if (!current) return undefined;
      if (isOpen(current.data)) {
        return { ...current, last_updated: iso(now + this.retentionMs), data: { ...current.data, state: "done", result: body, endedAt: iso(now) } };
      }
      late = current.data.state;
      return { ...current, data: { ...current.data, lateResults: (current.data.lateResults ?? 0) + 1 } };
    });
    const record = stored?.data ?? found.data;
    const id = record.responseId ?? responseId;
    const about = { partyId, operationId, responseId: id, ...(record.request ? { requestOperationId: record.request.operationId } : {}) };
    if (late) {
      this.deps.log?.({ type: "late-result", ...about, state: late });
    } else {
      this.deps.log?.({ type: "result-received", ...about });
      this.settleFrom(id, record);
    }
  }

  /**
   * One pass over the records that are due: deadlines passed become timeouts, timeouts not yet reported are
   * reported again, ended records past their retention are removed. Passes never overlap.
   */
  sweep(): Promise<void> {
    if (!this.sweeping) {
      this.sweeping = this.sweepOnce()
        .catch((error: unknown) => this.deps.log?.({ type: "expected-result-error", error }))
        .finally(() => (this.sweeping = undefined));
    }
    return this.sweeping;
  }

  private async sweepOnce(): Promise<void> {
    const now = Date.now();
    // Read first, then handle: what is handled leaves the due window, which would shift the pages being read.
    const due: StoredObject<ExpectedResult>[] = [];
    for (let offset = 0; due.length < SWEEP_BATCH; ) {
      const page = await this.store.listObjects<ExpectedResult>({ module: EXPECTED_RESULTS, date_to: iso(now), offset, limit: 100 });
      due.push(...page.items);
      offset += page.items.length;
      if (page.items.length === 0 || offset >= page.total) break;
    }
    for (const item of due) {
      if (this.stopped) return;
      try {
        await this.visit(item, now);
      } catch (error) {
        this.deps.log?.({ type: "expected-result-error", responseId: item.data.responseId ?? item.id, error });
      }
    }
  }

  private async visit(item: StoredObject<ExpectedResult>, now: number): Promise<void> {
    const data = item.data;
    const id = data.responseId ?? item.id;
    const key = expectedResultKey(id);
    if (isOpen(data)) {
      if (data.deadline) {
        if (Date.parse(data.deadline) <= now) await this.expire(id, now);
        return;
      }
      // A response_url given out alone, or kept from before deadlines were tracked: kept for the retention period.
      const removeAt = Date.parse(data.createdAt) + this.retentionMs;
      if (!(removeAt > now)) await this.removeIfEnded(key, now, true);
      else
        await this.store.updateObject<ExpectedResult>(key, (current) =>
          current && isOpen(current.data) && !current.data.deadline ? { ...current, last_updated: iso(removeAt) } : undefined,
        );
      return;
    }
    const removeAt = Date.parse(data.endedAt ?? data.createdAt) + this.retentionMs;
    if (!(removeAt > now)) {
      if (data.state === "timed-out" && !data.notifiedAt && this.deps.onTimeout) {
        this.deps.log?.({
          type: "expected-result-error",
          responseId: id,
          error: new Error(`onResultTimeout for ${id} never succeeded within the retention period; the record is removed`),
        });
      }
      await this.removeIfEnded(key, now, false);
      return;
    }
    if (data.state === "timed-out" && !data.notifiedAt) {
      // A timeout whose report failed, or whose process died before reporting it: reported again, under a lease
      // (by a process that has someone to tell).
      if (!this.deps.onTimeout) return;
      let taken = false as boolean;
      const leased = await this.store.updateObject<ExpectedResult>(key, (current) => {
        taken = !!current && current.data.state === "timed-out" && !current.data.notifiedAt && !(Date.parse(current.last_updated) > now);
        return taken ? { ...current!, last_updated: iso(now + this.leaseMs) } : undefined;
      });
      if (taken && leased) await this.notify(leased.data, id);
      return;
    }
    // Ended and reported, due early (e.g. written by an older version): due again at its removal.
    await this.store.updateObject<ExpectedResult>(key, (current) =>
      current && !isOpen(current.data) ? { ...current, last_updated: iso(removeAt) } : undefined,
    );
  }

  /** Removes a record whose time is up, unless it changed meanwhile (a result came, a request started). */
  private async removeIfEnded(key: ObjectKey, now: number, open: boolean): Promise<void> {
    const current = await this.store.getObject<ExpectedResult>(key);
    if (!current || Date.parse(current.last_updated) > now || isOpen(current.data) !== open) return;
    await this.store.deleteObject(key);
  }

  /** A waiting request whose deadline passed becomes a timeout (once, whichever process gets there first). */
  private async expire(responseId: string, now = Date.now()): Promise<void> {
    const key = expectedResultKey(responseId);
    let expired = false as boolean;
    const stored = await this.store.updateObject<ExpectedResult>(key, (current) => {
      expired = false;
      if (!current || !isOpen(current.data) || !current.data.deadline || Date.parse(current.data.deadline) > now) return undefined;
      expired = true;
      // With someone to tell, the record stays due (a lease) until the report succeeded.
      const reported = !this.deps.onTimeout;
      return {
        ...current,
        last_updated: iso(reported ? now + this.retentionMs : now + this.leaseMs),
        data: { ...current.data, state: "timed-out", endedAt: iso(now), ...(reported ? { notifiedAt: iso(now) } : {}) },
      };
    });
    if (stored && isOpen(stored.data) && stored.data.deadline) {
      // Woken early (clocks differ a little): wait for the rest.
      this.arm(responseId, Date.parse(stored.data.deadline));
      return;
    }
    if (!stored) {
      // The record was removed meanwhile (by the application): nothing will settle the sender any more.
      this.waiters.get(responseId)?.resolve(this.timeoutResult({} as ExpectedResult));
      this.forget(responseId);
      return;
    }
    this.settleFrom(responseId, stored.data);
    if (!expired) return;
    const data = stored.data;
    this.deps.log?.({
      type: "result-timeout",
      partyId: data.partyId,
      operationId: data.operationId,
      responseId: data.responseId ?? responseId,
      ...(data.request ? { requestOperationId: data.request.operationId } : {}),
      deadline: data.deadline!,
    });
    if (this.deps.onTimeout) await this.notify(data, responseId);
  }

  /** Tells the application of a timeout; recorded once it succeeded (otherwise a later sweep tries again). */
  private async notify(data: ExpectedResult, responseId: string): Promise<void> {
    const onTimeout = this.deps.onTimeout;
    if (!onTimeout || this.notifying.has(responseId)) return;
    this.notifying.add(responseId);
    try {
      await onTimeout({
        ...data,
        responseId: data.responseId ?? responseId,
        deadline: data.deadline ?? data.endedAt ?? data.createdAt,
        result: this.timeoutResult(data),
      });
      const done = Date.now();
      await this.store.updateObject<ExpectedResult>(expectedResultKey(responseId), (current) =>
        current && current.data.state === "timed-out" && !current.data.notifiedAt
          ? {
              ...current,
              last_updated: iso(Date.parse(current.data.endedAt ?? current.data.createdAt) + this.retentionMs),
              data: { ...current.data, notifiedAt: iso(done) },
            }
          : undefined,
      );
    } catch (error) {
      this.deps.log?.({ type: "expected-result-error", responseId, error });
    } finally {
      this.notifying.delete(responseId);
    }
  }

  private timeoutResult(data: ExpectedResult): TimeoutResult {
    const seconds = data.timeoutSeconds;
    return {
      result: "TIMEOUT",
      message: [{ language: "en", text: `No result came${seconds === undefined ? "" : ` within the ${seconds} s timeout of the response`}` }],
    };
  }

  /** A promise settled by settleFrom; handled, so that a sender who never looks at it causes no unhandled rejection. */
  private wait<Result>(responseId: string): Promise<Result | TimeoutResult | undefined> {
    let waiter!: Waiter;
    const promise = new Promise<Result | TimeoutResult | undefined>((resolve, reject) => {
      waiter = { resolve: resolve as (value: unknown) => void, reject };
    });
    promise.catch(() => undefined);
    this.waiters.set(responseId, waiter);
    return promise;
  }

  /** Settles this process's sender from the record, once the request ended. */
  private settleFrom(responseId: string, data: ExpectedResult | undefined): void {
    const waiter = this.waiters.get(responseId);
    if (!waiter || !data || isOpen(data)) return;
    this.forget(responseId);
    if (data.state === "done") waiter.resolve(data.result);
    else if (data.state === "timed-out") waiter.resolve(this.timeoutResult(data));
    else waiter.resolve(undefined);
  }

  private forget(responseId: string): void {
    const waiter = this.waiters.get(responseId);
    if (waiter?.timer) clearTimeout(waiter.timer);
    this.waiters.delete(responseId);
  }

  /** Times the request out at its deadline in this process (the sweep does it for the others). */
  private arm(responseId: string, deadline: number): void {
    const waiter = this.waiters.get(responseId);
    if (!waiter || this.stopped) return;
    if (waiter.timer) clearTimeout(waiter.timer);
    const delay = Math.min(Math.max(deadline - Date.now(), 0) + 5, MAX_TIMER_MS);
    waiter.timer = setTimeout(() => {
      waiter.timer = undefined;
      this.expire(responseId).catch((error: unknown) => this.deps.log?.({ type: "expected-result-error", responseId, error }));
    }, delay);
    waiter.timer.unref?.();
  }
}

/** Whether the request has not ended: its result is still to come (or its response to be read). */
function isOpen(data: ExpectedResult): boolean {
  const state = data.state ?? "sending";
  return state === "sending" || state === "waiting";
}
