import { newRequestId, OcpiHeaders } from "@ocpi-sdk/protocol";
import type { RetryPolicy } from "./options.js";

export const DEFAULT_RETRY: RetryPolicy = { retries: 2, baseDelayMs: 200, maxDelayMs: 5000 };
export const DEFAULT_TIMEOUT_MS = 30_000;

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

/**
 * One request, with a timeout per attempt and, for GET, retries on network errors, timeouts and 5xx. Each attempt
 * gets its own X-Request-ID; the X-Correlation-ID stays. The caller's own abort is never retried.
 */
export async function fetchWithPolicy(
  request: Request,
  fetchImpl: (request: Request) => Promise<Response>,
  policy: RetryPolicy | false,
  timeoutMs: number,
  onAttempt?: (request: Request) => void,
): Promise<Response> {
  const callerSignal = request.signal;
  const retries = policy && request.method === "GET" ? policy.retries : 0;
  for (let attempt = 0; ; attempt++) {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([callerSignal, timeout]);
    const headers = new Headers(request.headers);
    if (attempt > 0) headers.set(OcpiHeaders.RequestId, newRequestId());
    const attemptRequest = new Request(request.clone(), { signal, headers });
    onAttempt?.(attemptRequest);
    let failure: unknown;
    try {
      const response = await fetchImpl(attemptRequest);
      if (!retryableStatus(response.status) || attempt >= retries) return response;
      await response.body?.cancel();
    } catch (error) {
      if (callerSignal.aborted) throw error;
      failure = timeout.aborted ? new TimeoutError(`no response within ${timeoutMs} ms`, { cause: error }) : error;
      if (attempt >= retries) throw failure;
    }
    await sleep(backoffDelay(policy as RetryPolicy, attempt + 1), callerSignal);
  }
}
