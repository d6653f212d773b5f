/** What a conformance run finds: one result per check, named by a stable rule id, with the evidence of a failure. */
import { describeExchange, type Exchange } from "./http.js";

/** A check's outcome. */
export type CheckStatus = "pass" | "fail" | "skip";

/** One fact behind a failure: where (request, URL, HTTP status), and what (pointer, value, message). */
export interface Evidence {
  message: string;
  method?: string;
  url?: string;
  httpStatus?: number;
  /** The envelope's status_code. */
  statusCode?: number;
  /** JSON pointer into the response body (the envelope), when the failure is one field. */
  pointer?: string;
  /** The value found there (absent for a missing field). */
  value?: unknown;
  requestId?: string;
}

/** The outcome of one check, with its rule id and the evidence of a failure. */
export interface CheckResult {
  /** Stable rule id, e.g. `locations.sender.pagination.link`. */
  id: string;
  title: string;
  status: CheckStatus;
  /** Why it was skipped, or a summary of a failure. */
  message?: string;
  evidence: Evidence[];
  durationMs: number;
}

/** A whole conformance run: the peer, what was assumed, every check and a summary (the `--json` output). */
export interface ConformanceReport {
  tool: "ocpi conformance";
  versionsUrl: string;
  /** The OCPI version tested (undefined when the versions could not be read). */
  version?: string;
  /** The peer's role as tested. */
  role?: string;
  registered: boolean;
  /** What the run assumed or could not find out (e.g. the role of a 2.1.1 peer). */
  notes: string[];
  startedAt: string;
  finishedAt: string;
  summary: { passed: number; failed: number; skipped: number; total: number };
  checks: CheckResult[];
}

/** Thrown inside a check to skip it with a reason. */
export class SkipCheck extends Error {
  override readonly name = "SkipCheck";
}

/** Where an exchange happened, for evidence. */
export function at(exchange: Exchange, extra: Omit<Evidence, "method" | "url" | "httpStatus" | "requestId"> & { message: string }): Evidence {
  const statusCode = (exchange.json as { status_code?: unknown } | undefined)?.status_code;
  return {
    method: exchange.method,
    url: exchange.url,
    ...(exchange.status !== undefined ? { httpStatus: exchange.status } : {}),
    ...(typeof statusCode === "number" ? { statusCode } : {}),
    requestId: exchange.requestId,
    ...extra,
  };
}

/** The text of one piece of evidence, for terminals and JUnit. */
export function formatEvidence(e: Evidence): string {
  const where = e.method && e.url ? `${e.method} ${e.url}` : e.url;
  const status = [e.httpStatus !== undefined ? `HTTP ${e.httpStatus}` : undefined, e.statusCode !== undefined ? `OCPI ${e.statusCode}` : undefined]
    .filter(Boolean)
    .join(", ");
  const field = e.pointer !== undefined ? `${e.pointer || "/"}${"value" in e && e.value !== undefined ? ` = ${preview(e.value)}` : ""}: ` : "";
  return `${field}${e.message}${where ? ` [${where}${status ? ` → ${status}` : ""}]` : ""}`;
}

/** A value, short enough for one line. */
export function preview(value: unknown, max = 120): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export { describeExchange };
