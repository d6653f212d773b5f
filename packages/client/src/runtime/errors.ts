import type { ValidationIssue } from "@ocpi-sdk/validators";

/** What went wrong in an OCPI call. */
export type OcpiErrorKind =
  /** The peer answered with an HTTP error status. */
  | "http"
  /**
   * The peer did not accept our token: HTTP 401 or 403, or another status with an OCPI client error that says so
   * (see `authErrors` of the peer profile). Never retried.
   */
  | "auth"
  /** HTTP 2xx, but the envelope's status_code is not 1xxx. */
  | "ocpi"
  /** No answer: connection refused, reset, DNS, ... */
  | "network"
  /** No answer within the timeout. */
  | "timeout"
  /** An answer that is not an OCPI envelope (not JSON, no status_code, ...). */
  | "invalid-response"
  /** Data that breaks the schema: a response in strict mode, or a body we were about to send. */
  | "validation"
  /** The peer offers no endpoint for this module and interface. */
  | "no-endpoint"
  /** The peer and we share no OCPI version. */
  | "no-mutual-version"
  /** The URL policy refused where the call would go (a loopback, private or link-local address, a non-http URL, ...). */
  | "unsafe-url"
  /** The response was larger than `maxResponseBytes`. */
  | "too-large"
  /** A cap of the client was reached: `pagination.maxPages`, `maxItems`, `maxDurationMs`, or `maxRedirects`. */
  | "limit";

/** What an {@link OcpiError} is made with: what is known of the call and the peer's answer. */
export interface OcpiErrorDetails {
  /** The HTTP status of the peer's answer. */
  httpStatus?: number;
  /** The OCPI status_code of the peer's envelope. */
  statusCode?: number;
  /** The OCPI status_message of the peer's envelope. */
  statusMessage?: string;
  /** The HTTP method of the call. */
  method?: string;
  /** The URL called. */
  url?: string;
  /** The call's X-Request-ID. */
  requestId?: string;
  /** The call's X-Correlation-ID. */
  correlationId?: string;
  /** What broke the schema (kind `validation` or `invalid-response`), with JSON pointers. */
  issues?: ValidationIssue[];
  /** The error that caused this one. */
  cause?: unknown;
}

/** Every failure of the client is an OcpiError, with what the peer said and the ids to find the request in logs. */
export class OcpiError extends Error {
  override readonly name = "OcpiError";
  /** What went wrong (see {@link OcpiErrorKind}). */
  readonly kind: OcpiErrorKind;
  /** The HTTP status of the peer's answer, where there was one. */
  readonly httpStatus?: number;
  /** The OCPI status_code of the peer's envelope, where there was one. */
  readonly statusCode?: number;
  /** The OCPI status_message of the peer's envelope, where there was one. */
  readonly statusMessage?: string;
  /** The HTTP method of the call. */
  readonly method?: string;
  /** The URL called. */
  readonly url?: string;
  /** The call's X-Request-ID, to find it in the peer's logs. */
  readonly requestId?: string;
  /** The call's X-Correlation-ID (shared by its pages and retries). */
  readonly correlationId?: string;
  /** What broke the schema (kind `validation` or `invalid-response`), with JSON pointers. */
  readonly issues?: ValidationIssue[];

  constructor(kind: OcpiErrorKind, message: string, details: OcpiErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    const { cause: _, ...rest } = details;
    Object.assign(this, rest);
  }
}
