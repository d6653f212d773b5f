import { newRequestId, OcpiHeaders, statusClass } from "@ocpi-sdk/protocol";
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
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/** Delay before retry `attempt` (1-based): full jitter over an exponential cap. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random = Math.random): number {
  return Math.round(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)));
}

/** The longest Retry-After of a 429 that is waited for; a peer asking for more is answered with its 429. */
export const MAX_RETRY_AFTER_MS = 30_000;

/** The delay a Retry-After header asks for (seconds or an HTTP date), or undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Whether a 5xx answer carries an OCPI client error (2xxx): the request itself is wrong, and would fail again. */
async function carriesClientError(response: Response): Promise<boolean> {
  try {
    const body = JSON.parse(await response.clone().text()) as { status_code?: unknown };
    return typeof body?.status_code === "number" && statusClass(body.status_code) === "client";
  } catch {
    return false;
  }
}

/**
 * How long to wait before trying an answer again, or undefined when it is final: a 5xx without an OCPI client
 * error, after the backoff; a 429 with a Retry-After of at most MAX_RETRY_AFTER_MS, after that delay.
 */
async function retryDelay(response: Response, policy: RetryPolicy, attempt: number): Promise<number | undefined> {
  if (response.status === 429) {
    const wait = retryAfterMs(response.headers.get("Retry-After"));
    return wait !== undefined && wait <= MAX_RETRY_AFTER_MS ? wait : undefined;
  }
  if (response.status < 500 || response.status > 599) return undefined;
  if (await carriesClientError(response)) return undefined;
  return backoffDelay(policy, attempt);
}

export interface AttemptOptions {
  timeoutMs: number;
  /**
   * The timeout signal the request was already created with (combined with the caller's signal), so the first
   * attempt can go out as it is, without building a second Request.
   */
  firstTimeout?: AbortSignal;
  /**
   * The caller's own cancellation (with the call's deadline and the client's signal), or what builds it when first
   * needed: a first attempt that succeeds never does.
   */
  signal?: AbortSignal | (() => AbortSignal);
  /** Sees each attempt's request (its X-Request-ID). */
  onAttempt?: (request: Request) => void;
}

/**
 * One request, with a timeout per attempt and, for GET, retries of what may pass on a second try: network errors,
 * timeouts, 5xx without an OCPI client error (2xxx) in the body, and 429 with a Retry-After (waited for). Each
 * attempt gets its own X-Request-ID; the X-Correlation-ID stays. The caller's own abort and a refusal of the URL
 * policy or the size cap are never retried.
 */
export async function fetchWithPolicy(
  request: Request,
  fetchImpl: (request: Request) => Promise<Response>,
  policy: RetryPolicy | false,
  { timeoutMs, signal, onAttempt, firstTimeout }: AttemptOptions,
): Promise<Response> {
  const retries = policy && request.method === "GET" ? policy.retries : 0;
  let caller: AbortSignal | undefined;
  const callerSignal = () => (caller ??= typeof signal === "function" ? signal() : signal);
  for (let attempt = 0; ; attempt++) {
    let timeout: AbortSignal;
    let attemptRequest: Request;
    if (attempt === 0 && firstTimeout) {
      timeout = firstTimeout;
      attemptRequest = request;
    } else {
      timeout = AbortSignal.timeout(timeoutMs);
      const stop = callerSignal();
      const attemptSignal = stop ? AbortSignal.any([stop, timeout]) : timeout;
      // Retries happen for GET only, which has no body to replay; each retry gets its own X-Request-ID.
      const headers = new Headers(request.headers);
      if (attempt > 0) headers.set(OcpiHeaders.RequestId, newRequestId());
      attemptRequest = new Request(request, { signal: attemptSignal, headers });
    }
    onAttempt?.(attemptRequest);
    let delay: number;
    try {
      const response = await fetchImpl(attemptRequest);
      if (response.ok || attempt >= retries) return response;
      const wait = await retryDelay(response, policy as RetryPolicy, attempt + 1);
      if (wait === undefined) return response;
      await response.body?.cancel();
      delay = wait;
    } catch (error) {
      if (callerSignal()?.aborted || isPolicyError(error)) throw error;
      const failure = timeout.aborted ? new TimeoutError(`no response within ${timeoutMs} ms`, { cause: error }) : error;
      if (attempt >= retries) throw failure;
      delay = backoffDelay(policy as RetryPolicy, attempt + 1);
    }
    await sleep(delay, callerSignal());
  }
}
