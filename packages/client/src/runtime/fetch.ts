import { newRequestId, OcpiHeaders } from "@ocpi-sdk/protocol";
import type { RetryPolicy } from "./options.js";
import { isPolicyError } from "./safe-fetch.js";

export const DEFAULT_RETRY: RetryPolicy = { retries: 2, baseDelayMs: 200, maxDelayMs: 5000 };
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_DEADLINE_MS = 60_000;

/** Marks an attempt that ran out of time, as opposed to one the caller aborted. */
export class TimeoutError extends Error {
  override readonly name = "TimeoutError";
}

const sleep = (ms: number, signal?: AbortSignal | null) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });

/** Delay before retry `attempt` (1-based): full jitter over an exponential cap. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random = Math.random): number {
  return Math.round(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)));
}

const retryableStatus = (status: number) => status >= 500 && status <= 599;


export interface AttemptOptions {
  timeoutMs: number;
  /**
   * The timeout signal the request was already created with (combined with the caller's signal), so the first
   * attempt can go out as it is, without building a second Request.
   */
  firstTimeout?: AbortSignal;
  /** The caller's own cancellation (with the call's deadline and the client's signal). */
  signal?: AbortSignal;
  /** Sees each attempt's request (its X-Request-ID). */
  onAttempt?: (request: Request) => void;
}

/**
 * One request, with a timeout per attempt and, for GET, retries on network errors, timeouts and 5xx. Each attempt
 * gets its own X-Request-ID; the X-Correlation-ID stays. The caller's own abort and a refusal of the URL policy or
 * the size cap are never retried.
 */
export async function fetchWithPolicy(
  request: Request,
  fetchImpl: (request: Request) => Promise<Response>,
  policy: RetryPolicy | false,
  { timeoutMs, signal: callerSignal, onAttempt, firstTimeout }: AttemptOptions,
): Promise<Response> {
  const retries = policy && request.method === "GET" ? policy.retries : 0;
  for (let attempt = 0; ; attempt++) {
    let timeout: AbortSignal;
    let attemptRequest: Request;
    if (attempt === 0 && firstTimeout) {
      timeout = firstTimeout;
      attemptRequest = request;
    } else {
      timeout = AbortSignal.timeout(timeoutMs);
      const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
      // Retries happen for GET only, which has no body to replay; each retry gets its own X-Request-ID.
      const headers = new Headers(request.headers);
      if (attempt > 0) headers.set(OcpiHeaders.RequestId, newRequestId());
      attemptRequest = new Request(request, { signal, headers });
    }
    onAttempt?.(attemptRequest);
    let failure: unknown;
    try {
      const response = await fetchImpl(attemptRequest);
      if (!retryableStatus(response.status) || attempt >= retries) return response;
      await response.body?.cancel();
    } catch (error) {
      if (callerSignal?.aborted || isPolicyError(error)) throw error;
      failure = timeout.aborted ? new TimeoutError(`no response within ${timeoutMs} ms`, { cause: error }) : error;
      if (attempt >= retries) throw failure;
    }
    await sleep(backoffDelay(policy as RetryPolicy, attempt + 1), callerSignal);
  }
}
