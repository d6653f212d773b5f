import type { ValidationIssue } from "@ocpi-sdk/validators";
import type { PartyId } from "@ocpi-sdk/protocol";

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

export interface OcpiClientOptions<V extends string = string> {
  /** The peer's versions endpoint. */
  versionsUrl: string;
  /** The credentials token to call the peer with: Token A before registration, then Token C. */
  token: string;
  /** Our own identity, sent as the OCPI-from-* routing headers. */
  party?: PartyId;
  /** Versions we may talk, highest preferred; default: every version this client has bindings for. */
  versions?: readonly V[];
  /** A custom fetch (for tests, proxies, other runtimes). */
  fetch?: (request: Request) => Promise<Response>;
  /** Per-request timeout in ms (default 30 000). */
  timeoutMs?: number;
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
  timeoutMs?: number;
  validation?: ValidationMode;
  /** Extra headers. */
  headers?: Record<string, string>;
}
