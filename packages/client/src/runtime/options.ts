import type { ValidationIssue } from "@ocpi-sdk/validators";
import type { Logger, OcpiVersion, PaginationMode, PartyId, PeerProfile, Repair, UrlPolicy } from "@ocpi-sdk/protocol";

/**
 * What to do with responses that break the schema: `strict` throws at the first invalid response, naming the
 * fields; `lenient` repairs what real peers get wrong (see `Repair`), reports each repair, and still refuses what it
 * cannot repair (an invalid object fails the call; an invalid object in a list is left out of the page and reported);
 * `off` checks nothing.
 */
export type ValidationMode = "strict" | "lenient" | "off";

/** What lenient mode did with one response. */
export interface ValidationReport {
  operationId: string;
  url: string;
  requestId: string;
  /**
   * Issues no repair fixed (pointers relative to the envelope's data). In a list, the objects they point into were
   * left out of the page.
   */
  issues: ValidationIssue[];
  /** The repairs made (pointers relative to the envelope's data). */
  repairs: Repair[];
  /** JSON pointers of the repaired fields (the pointers of `repairs`). */
  repaired: string[];
  /** Indexes of list objects left out because they stayed invalid. */
  dropped: number[];
}

/** Stable codes of the ways a peer was found to deviate from the spec. */
export type DeviationCode =
  /** Repairs of response data in lenient mode (see `RepairCode` of @ocpi-sdk/protocol). */
  | Repair["code"]
  /** The envelope's timestamp was not an OCPI DateTime and was repaired. */
  | "envelope-timestamp"
  /** An object of a list stayed invalid after repairs and was left out. */
  | "invalid-object-dropped"
  /** A `Link` to the next page was unusable (another origin, unparsable, or failing): offset/limit was used instead. */
  | "pagination-fallback"
  /** The peer refused the token with another HTTP status than 401/403 (e.g. 500 with OCPI 2000). */
  | "auth-error-status"
  /** An endpoint missing from the peer's version details was added from the profile. */
  | "endpoint-added"
  /** A URL the peer announced was rewritten by the profile. */
  | "url-rewritten";

/** One way the peer deviates from the spec, reported to `onDeviation` the first time it is seen per client. */
export interface Deviation {
  code: DeviationCode;
  operationId?: string;
  url?: string;
  /** Where in the response (relative to the envelope's data, or `/timestamp` of the envelope). */
  pointer?: string;
  message: string;
}

/** Retries with exponential backoff and full jitter, for GET only, on network errors, timeouts and 5xx. */
export interface RetryPolicy {
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Resolves a host name to its addresses (IPv4 and IPv6), for the URL policy's check after DNS. */
export type Lookup = (hostname: string) => Promise<string[]>;

/**
 * A fetch the client calls with one Request and nothing else: `globalThis.fetch`, `(request) => ...`, or a Hono
 * app's `app.fetch` (whose further parameters are optional, and whose answer may be a Response rather than a
 * promise of one).
 */
export type FetchLike = (request: Request) => Response | Promise<Response>;

/** Caps of a paginated walk (`all()`), where passing one ends the walk with an OcpiError of kind `limit`, and its paging mode. */
export interface PaginationLimits {
  /** The most pages fetched (default 10 000). */
  maxPages?: number;
  /** The most objects received (default 1 000 000). */
  maxItems?: number;
  /** The longest a walk may take, from its first request, checked before each next page (default: no cap). */
  maxDurationMs?: number;
  /**
   * How pages are asked for: `link` follows `Link: rel="next"`, `offset` asks for the original query with
   * offset/limit, `auto` (default, or the profile's) follows the Link while it is usable and pages by offset when not.
   */
  mode?: PaginationMode;
}

/** The generated bindings of one version (a `client/<version>/index.gen.ts` module). */
export interface VersionBindings {
  readonly version: string;
  /** The operation table, by operationId. */
  readonly operations: object;
  bindDiscovery(caller: never): object;
  bindModules(caller: never): object;
}

/** Generated bindings by version. */
export type BindingsTable = { readonly [V in OcpiVersion]?: VersionBindings };

/** How a client talks to its peer: where, with which token and versions, and within which limits. */
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
   * Generated bindings to talk in place of the built-in ones, by version: the `bindings` that `ocpi generate` writes
   * in `client/index.gen.ts`. Their types and validators are the project's (a custom field typed and checked, a custom
   * module callable as `client.<module>`).
   */
  bindings?: BindingsTable;
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
  /** Response validation (default `lenient`, or the profile's). Bodies we send are always checked unless `off`. */
  validation?: ValidationMode;
  /** Receives, per response, what lenient mode repaired, left out, or could not repair. */
  onValidationIssue?: (report: ValidationReport) => void;
  /**
   * What this peer gets wrong (plain data, e.g. from config; see PeerProfile of @ocpi-sdk/protocol): validation
   * mode, URL rewrites, pagination mode, query renames, endpoint additions, auth-error rules.
   */
  profile?: PeerProfile;
  /**
   * Called once per kind of deviation per client, the first time it is seen (all are counted in `client.deviations`).
   * Without it, that first one is a warning on `logger`.
   */
  onDeviation?: (deviation: Deviation) => void;
  /**
   * Where the client logs: without `onDeviation`, the first deviation of each kind (with its code, pointer, operation,
   * URL and the peer's versions URL) as a warning. Any Logger (a pino logger as it is), or `false` for nothing.
   * Default: JSON lines on the console (`jsonLogger()` of @ocpi-sdk/protocol).
   */
  logger?: Logger | false;
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
  /**
   * Query parameters added to the call's own (a value of `null` removes one), for peers that read another name or
   * need one the spec does not have. The profile's renames apply after.
   */
  query?: Record<string, string | number | boolean | null>;
  /**
   * Sent as `If-Match` (an ETag a GET gave, e.g. `result.etag`, or `*`): a server that supports it applies the PUT,
   * PATCH or DELETE only while the object still has that ETag, and answers 412 otherwise (an OcpiError of kind
   * `http`, httpStatus 412, never retried). Not part of OCPI: servers that do not support it ignore it.
   */
  ifMatch?: string;
  /** Extra headers. */
  headers?: Record<string, string>;
}
