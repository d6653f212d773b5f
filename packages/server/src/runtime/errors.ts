import { OcpiStatus } from "@ocpi-sdk/protocol";
import { formatIssues, type ValidationIssue } from "@ocpi-sdk/validators";

/** An error a handler (or the runtime) answers with: its HTTP status, OCPI status code and message. */
export class OcpiHttpError extends Error {
  override readonly name = "OcpiHttpError";
  /** Headers the answer carries besides the envelope (Retry-After of a 429, ETag of a 412). */
  readonly headers?: Record<string, string>;
  constructor(
    readonly httpStatus: number,
    readonly statusCode: number,
    message: string,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.headers) this.headers = options.headers;
  }

  /** 400 / 2001: bad input, each field named by its JSON pointer. */
  static invalid(issues: ValidationIssue[]): OcpiHttpError {
    return new OcpiHttpError(400, OcpiStatus.InvalidOrMissingParameters, formatIssues(issues));
  }

  /** 404 with a 2xxx code (2003 for an unknown Location, 2004 for an unknown Token, 2000 otherwise). */
  static notFound(message: string, statusCode: number = OcpiStatus.ClientError): OcpiHttpError {
    return new OcpiHttpError(404, statusCode, message);
  }

  /** HTTP 401 with OCPI 2000: no token, or one we do not know. */
  static unauthorized(message: string): OcpiHttpError {
    return new OcpiHttpError(401, OcpiStatus.ClientError, message);
  }

  /** HTTP 403 with OCPI 2000: a known token that may not do this. */
  static forbidden(message: string): OcpiHttpError {
    return new OcpiHttpError(403, OcpiStatus.ClientError, message);
  }

  /** HTTP 405 with OCPI 2000: the interface does not take this method. */
  static methodNotAllowed(message: string): OcpiHttpError {
    return new OcpiHttpError(405, OcpiStatus.ClientError, message);
  }
}
