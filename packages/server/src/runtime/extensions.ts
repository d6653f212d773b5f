/**
 * Behaviour beyond the OCPI spec, each switched on by OcpiServerOptions.extensions and off by default: open data
 * (published Locations to callers without a token), a receiver's bulk GET of what the calling party pushed, and
 * DELETE on receivers that the spec gives none.
 */
import { OcpiStatus } from "@ocpi-sdk/protocol";
import type { PartyRecord } from "../store/store.js";
import { OcpiHttpError } from "./errors.js";
import type { ExtensionRoute, ReceiverBulkModule, ReceiverDeleteModule } from "./extension-routes.js";
import type { Caller, OcpiReply, OcpiRequest, Page, PageRequest } from "./routes.js";

export type { ReceiverBulkModule, ReceiverDeleteModule } from "./extension-routes.js";

/** A request budget: `requests` per `windowMs`. */
export interface RateLimit {
  /** Requests a key may make per window (default 60). */
  requests: number;
  /** The window in ms (default 60 000). */
  windowMs: number;
}

/** How Locations are served to requests without a token: the rate limit, and whose budget a request spends. */
export interface OpenDataOptions {
  /** How many requests without a token are served (default 60 a minute per key); `false`: no limit. */
  rateLimit?: RateLimit | false;
  /**
   * Whose budget a request spends. Default: one budget shared by every caller without a token, since no header a
   * client sends can be trusted to tell callers apart. Behind a proxy that sets X-Forwarded-For, use `forwardedFor`.
   */
  key?: (request: Request) => string;
}

/** Behaviour beyond the spec, each off unless set (`extensions` option). */
export interface ServerExtensions {
  /**
   * Serves the Locations SENDER interface (list, Location, EVSE, Connector) of every served version to requests
   * without an Authorization header, instead of a 401: only Locations whose `publish` is true, paginated as usual,
   * rate limited (429 with Retry-After). Handlers see such a request as `caller.anonymous`. A request with a token
   * (also a bad one) is authenticated as always.
   */
  openDataLocations?: true | OpenDataOptions;
  /**
   * `GET <receiver endpoint>` (e.g. `/ocpi/2.2.1/locations/receiver`): a paginated list of the objects the calling
   * party pushed to us (a hub's: everyone's), served by a handler `list` on the receiver interface. `true`: for
   * locations, sessions, tariffs and tokens; or the modules listed.
   */
  receiverBulkGet?: boolean | ReceiverBulkModule[];
  /**
   * `DELETE` of one object on a receiver where a version has none: tokens
   * (`.../tokens/receiver/{country_code}/{party_id}/{token_uid}?type=`); tariffs have one in every version already.
   * Served by a handler `delete` on the receiver interface.
   */
  receiverDelete?: ReceiverDeleteModule[];
}

/** The handlers of the extension routes, beside a version's handler interfaces (all optional). */
export interface ExtensionHandlers {
  locations?: { receiver?: { list?: ReceiverListHandler } };
  sessions?: { receiver?: { list?: ReceiverListHandler } };
  tariffs?: { receiver?: { list?: ReceiverListHandler } };
  tokens?: { receiver?: { list?: ReceiverListHandler; delete?: TokenDeleteHandler } };
}

/** A receiver's bulk GET: a page of what the calling party pushed, within the window. */
export type ReceiverListHandler = (request: PageRequest<{}, { date_from?: string; date_to?: string }>) => Promise<Page<unknown>>;

/** DELETE of one Token a party pushed (the type defaults to RFID, as for its GET). */
export type TokenDeleteHandler = (
  request: OcpiRequest<{ country_code: string; party_id: string; token_uid: string }, { type?: string }, undefined>,
) => Promise<void | OcpiReply<void>>;

/** Whether `extensions` enables an extension route. */
export function enables(extensions: ServerExtensions | undefined, route: ExtensionRoute): boolean {
  if (route.extension === "receiverBulkGet") {
    const bulk = extensions?.receiverBulkGet;
    return bulk === true || (Array.isArray(bulk) && bulk.includes(route.module as ReceiverBulkModule));
  }
  return extensions?.receiverDelete?.includes(route.module as ReceiverDeleteModule) ?? false;
}

/** The operations open data serves without a token: the Locations SENDER GETs. */
export const OPEN_DATA_OPERATIONS: ReadonlySet<string> = new Set([
  "locationsSenderList",
  "locationsSenderGet",
  "locationsSenderGetEvse",
  "locationsSenderGetConnector",
]);

/** The party an anonymous caller is given: no token, no roles, nothing it may write. */
export const OPEN_DATA_PARTY: Readonly<PartyRecord> = Object.freeze({
  id: "open-data",
  incomingToken: "",
  incomingTokenKind: "C",
  endpoints: [],
  roles: [],
  status: "registered",
  createdAt: "1970-01-01T00:00:00Z",
  updatedAt: "1970-01-01T00:00:00Z",
} satisfies PartyRecord);

/** The caller of an open-data request: `anonymous`, with the placeholder party and no roles. */
export function anonymousCaller(): Caller {
  return { party: OPEN_DATA_PARTY as PartyRecord, roles: [], isHub: false, anonymous: true };
}

/** The first address of X-Forwarded-For, or one shared key without it. Trust it only behind a proxy that sets it. */
export function forwardedFor(request: Request): string {
  return request.headers.get("X-Forwarded-For")?.split(",")[0]?.trim() || "*";
}

export const DEFAULT_RATE_LIMIT: RateLimit = { requests: 60, windowMs: 60_000 };

/**
 * A token bucket per key: `requests` at once, refilled evenly over `windowMs`. At most `maxKeys` keys are kept (the
 * least recently used go first), so keys made up by clients cannot grow it without bound.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly maxKeys = 10_000,
  ) {
    if (!(limit.requests >= 1) || !(limit.windowMs > 0)) throw new RangeError("a rate limit needs requests >= 1 and windowMs > 0");
    this.perMs = limit.requests / limit.windowMs;
  }

  /** Spends one request of `key`: undefined when allowed, or the seconds to wait (Retry-After) when not. */
  take(key: string, now = Date.now()): number | undefined {
    const kept = this.buckets.get(key);
    const bucket = kept ?? { tokens: this.limit.requests, at: now };
    bucket.tokens = Math.min(this.limit.requests, bucket.tokens + Math.max(0, now - bucket.at) * this.perMs);
    bucket.at = now;
    // Moved to the end: the first key is the least recently used.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000));
  }

  /** Keys kept. */
  get size(): number {
    return this.buckets.size;
  }
}

/** The 429 of an open-data request over the limit. */
export function tooManyRequests(retryAfterSeconds: number): OcpiHttpError {
  return new OcpiHttpError(429, OcpiStatus.ClientError, `too many requests without a token; try again in ${retryAfterSeconds} s`, {
    headers: { "Retry-After": String(retryAfterSeconds) },
  });
}
