/** Delivers asynchronous results (CommandResult, charging profile results) to a peer's response_url, with retries. */
import { OcpiClient, OcpiError, type ClientVersion } from "@ocpi-sdk/client";
import type { PartyRecord } from "../store/store.js";
import type { OutgoingOptions } from "./credentials.js";
import type { RouteInfo } from "./routes.js";
import type { ServerEvent } from "./server.js";
import type { PartyDeviations } from "./deviations.js";

export interface ResultRetryPolicy {
  /** Attempts in all (default 5). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

const DEFAULT_POLICY: ResultRetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

/** Retry on what may pass: no answer, a timeout, a 5xx; never on a 4xx (the peer refused the result). */
const retryable = (error: unknown) =>
  error instanceof OcpiError && (error.kind === "network" || error.kind === "timeout" || (error.httpStatus !== undefined && error.httpStatus >= 500));

/** Waits, or less when the signal aborts (the next attempt then sees it and stops). */
const pause = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

const originOf = (url: string): string | undefined => {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
};

/** The origins a party's token belongs to: its versions URL and the endpoints it listed. */
function originsOf(party: PartyRecord): Set<string> {
  const origins = new Set<string>();
  for (const url of [party.versionsUrl, ...party.endpoints.map((e) => e.url)]) {
    const origin = url === undefined ? undefined : originOf(url);
    if (origin !== undefined) origins.add(origin);
  }
  return origins;
}

export class ResultSender {
  private readonly pending = new Set<Promise<void>>();
  private readonly policy: ResultRetryPolicy;

  constructor(
    private readonly options: {
      /** Options of the client results are sent with (fetch, URL policy, timeouts, size cap, abort signal). */
      outgoing?: OutgoingOptions;
      retry?: Partial<ResultRetryPolicy>;
      log?: (event: ServerEvent) => void;
      /** Reports what the party's implementation gets wrong, once per kind (and carries its profile). */
      deviations: PartyDeviations;
    },
  ) {
    this.policy = { ...DEFAULT_POLICY, ...options.retry };
  }

  /** Sends the result once it is ready; never throws (failures are logged). */
  deliver(route: RouteInfo, party: PartyRecord, responseUrl: string, result: Promise<unknown>): void {
    const task = this.send(route, party, responseUrl, result).finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private async send(route: RouteInfo, party: PartyRecord, responseUrl: string, result: Promise<unknown>): Promise<void> {
    let body: unknown;
    try {
      body = await result;
    } catch (error) {
      this.options.log?.({ type: "result-failed", operationId: route.operationId, url: responseUrl, attempts: 0, error });
      return;
    }
    // The peer's token goes only to the peer's own origins: a response_url elsewhere gets nothing.
    const origin = originOf(responseUrl);
    if (origin === undefined || !originsOf(party).has(origin)) {
      const error = new Error(`the response_url ${responseUrl} is not on an origin of the party (${[...originsOf(party)].join(", ") || "none"}): its token is not sent there`);
      this.options.log?.({ type: "result-failed", operationId: route.operationId, url: responseUrl, attempts: 0, error });
      return;
    }
    const client = new OcpiClient({
      versionsUrl: party.versionsUrl ?? responseUrl,
      token: party.outgoingToken ?? "",
      ...this.options.outgoing,
      ...this.options.deviations.optionsFor(party),
      retry: false,
    });
    if (party.version) client.version = party.version as ClientVersion;
    for (let attempt = 1; ; attempt++) {
      try {
        await client.callOperation(route.operationId, { body }, {}, responseUrl);
        this.options.log?.({ type: "result-sent", operationId: route.operationId, url: responseUrl, attempts: attempt });
        return;
      } catch (error) {
        if (attempt >= this.policy.attempts || !retryable(error) || this.options.outgoing?.signal?.aborted) {
          this.options.log?.({ type: "result-failed", operationId: route.operationId, url: responseUrl, attempts: attempt, error });
          return;
        }
        const cap = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (attempt - 1));
        await pause(Math.round(cap / 2 + (Math.random() * cap) / 2), this.options.outgoing?.signal);
      }
    }
  }
}
