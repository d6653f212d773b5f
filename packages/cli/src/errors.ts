/** Errors in words for a terminal: what failed, and where (URL, HTTP status, OCPI status) when the client knows. */
import { OcpiError } from "@ocpi-sdk/client";
import { formatIssues } from "@ocpi-sdk/validators";

/** One line describing `error`. */
export function formatError(error: unknown): string {
  if (error instanceof OcpiError) {
    const where = [
      error.method && error.url ? `${error.method} ${error.url}` : error.url,
      error.httpStatus !== undefined ? `HTTP ${error.httpStatus}` : undefined,
      error.statusCode !== undefined ? `OCPI ${error.statusCode}${error.statusMessage ? ` "${error.statusMessage}"` : ""}` : undefined,
    ].filter(Boolean);
    const issues = error.issues?.length ? ` (${formatIssues(error.issues.slice(0, 5))}${error.issues.length > 5 ? "; ..." : ""})` : "";
    return `${error.message}${issues}${where.length ? ` [${where.join(", ")}]` : ""}`;
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const cause = error.cause instanceof Error && error.cause.message !== error.message ? ` (${error.cause.message})` : "";
    return `${error.message}${code && !error.message.includes(code) ? ` (${code})` : ""}${cause}`;
  }
  return String(error);
}
