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

export interface OcpiErrorDetails {
  httpStatus?: number;
  statusCode?: number;
  statusMessage?: string;
  method?: string;
  url?: string;
  requestId?: string;
  correlationId?: string;
  issues?: ValidationIssue[];
  cause?: unknown;
}

/** Every failure of the client is an OcpiError, with what the peer said and the ids to find the request in logs. */
export class OcpiError extends Error {
  override readonly name = "OcpiError";
  readonly kind: OcpiErrorKind;
  readonly httpStatus?: number;
  readonly statusCode?: number;
  readonly statusMessage?: string;
  readonly method?: string;
  readonly url?: string;
  readonly requestId?: string;
  readonly correlationId?: string;
  readonly issues?: ValidationIssue[];

  constructor(kind: OcpiErrorKind, message: string, details: OcpiErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    const { cause: _, ...rest } = details;
    Object.assign(this, rest);
  }
}
