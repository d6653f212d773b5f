import type { ValidationIssue } from "@ocpi-sdk/validators";
import type { PartyId, UrlPolicy } from "@ocpi-sdk/protocol";

/**
 * What to do with responses that break the schema: `strict` throws, `lenient` repairs what real peers get wrong
 * (a DateTime with a space, a +00:00 offset), accepts the data and reports the issues, `off` checks nothing.
 */
export type ValidationMode = "strict" | "lenient" | "off";

/** A schema problem found in a response, reported in lenient mode. */
export interface ValidationReport {
  operationId: string;
  url: string;
  requestId: string;
  /** Issues left after repairs (pointers relative to the envelope's data). */
  issues: ValidationIssue[];
  /** JSON pointers of timestamps that were repaired. */
  repaired: string[];
}

/** Retries with exponential backoff and full jitter, for GET only, on network errors, timeouts and 5xx. */
export interface RetryPolicy {
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Resolves a host name to its addresses (IPv4 and IPv6), for the URL policy's check after DNS. */
export type Lookup = (hostname: string) => Promise<string[]>;

/** A fetch the client calls with a Request: `(request) => ...`, or the standard signature (`globalThis.fetch`). */
export type FetchLike = ((request: Request) => Promise<Response>) | ((input: Request | string | URL, init?: RequestInit) => Promise<Response>);

/** Caps of a paginated walk (`all()`); passing one ends the walk with an OcpiError of kind `limit`. */
export interface PaginationLimits {
  /** The most pages fetched (default 10 000). */
  maxPages?: number;
  /** The most objects received (default 1 000 000). */
  maxItems?: number;
  /** The longest a walk may take, from its first request, checked before each next page (default: no cap). */
  maxDurationMs?: number;
}

export interface OcpiClientOptions<V extends string = string> {
  /** The peer's versions endpoint. */
  versionsUrl: string;
  /** The credentials token to call the peer with: Token A before registration, then Token C. */
  token: string;
  /** Our own identity, sent as the OCPI-from-* routing headers. */
  party?: PartyId;
  /** Versions we may talk, highest preferred; default: every version this client has bindings for. */
  versions?: readonly V[];
  /**
   * A custom fetch (for tests, proxies, other runtimes), always called with a Request. The URL policy, redirects and
   * the size cap are applied around it: it is called with `redirect: "manual"`, once per hop.
   */
  fetch?: FetchLike;
  /** Per-attempt timeout in ms (default 30 000). */
  timeoutMs?: number;
  /**
   * The most a call may take in ms, all attempts, retries, backoff and redirects included (default 60 000); passing
   * it fails the call with kind `timeout`.
   */
  deadlineMs?: number;
  /** Aborts every call of this client, now and later (e.g. when the application shuts down). */
  signal?: AbortSignal;
  /**
   * Where calls may go. By default only http(s) URLs of public addresses: loopback, private, link-local, multicast
   * and reserved addresses (as literals, as `localhost`, or after DNS) are refused with kind `unsafe-url`. Open
   * them with `{ allowLoopback: true }`, `{ allowPrivate: true }`, or single hosts with `allowHosts`.
   */
  urlPolicy?: UrlPolicy;
  /**
   * Resolves host names for the URL policy (default: `node:dns` lookup where the runtime has it). Where no resolver
   * exists (browsers, most edge runtimes) only URLs with IP literals and `localhost` names are checked.
   */
  lookup?: Lookup;
  /** The largest response body in bytes, counted as it streams in (default 4 MiB); larger fails with kind `too-large`. */
  maxResponseBytes?: number;
  /** Redirects followed per request, each checked against the URL policy (default 5); more fail with kind `limit`. */
  maxRedirects?: number;
  /** Caps of paginated walks (default 10 000 pages, 1 000 000 objects, no time cap); per call in CallOptions. */
  pagination?: PaginationLimits;
  /** Retries of GET requests (default 2 retries, 200 ms base, 5 s cap); `false` for none. */
  retry?: Partial<RetryPolicy> | false;
  /** Response validation (default `lenient`). Bodies we send are always checked unless `off`. */
  validation?: ValidationMode;
  /** Receives the schema issues accepted in lenient mode. */
  onValidationIssue?: (report: ValidationReport) => void;
  /**
   * How the token goes in the Authorization header: `auto` (default: base64 from 2.2, raw for 2.1.1; if the peer
   * refuses the base64 token on the versions endpoint, the raw one is tried and kept), or always `base64` / `raw`.
   */
  tokenEncoding?: "auto" | "base64" | "raw";
}

/** Per-call options. */
export interface CallOptions {
  /** Hub routing: the party the request is for (OCPI-to-* headers). */
  to?: PartyId;
  /** Overrides the client's own party for the OCPI-from-* headers. */
  from?: PartyId;
  /** Propagated as X-Correlation-ID (a new one per call otherwise; pages and retries share it). */
  correlationId?: string;
  /** Cancels the call. */
  signal?: AbortSignal;
  /** Per-attempt timeout in ms (overrides the client's). */
  timeoutMs?: number;
  /** The most the call may take in ms, retries included (overrides the client's). */
  deadlineMs?: number;
  /** Caps of a paginated walk (`all()`), over the client's. */
  pagination?: PaginationLimits;
  validation?: ValidationMode;
  /** Extra headers. */
  headers?: Record<string, string>;
}
