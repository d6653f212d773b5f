/**
 * The fetch every outgoing request of the client goes through: the URL policy before each hop (the URL, then every
 * address its host resolves to), redirects followed here so that each hop is checked and the token stays on its
 * origin, and a cap on the response size, counted while the body streams in.
 */
import { checkAddress, checkUrl, ipLiteral, isAllowedHost, UnsafeUrlError, type UrlPolicy } from "@ocpi-sdk/protocol";
import type { Lookup } from "./options.js";

export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_REDIRECTS = 5;

/** A response larger than the cap; `size` is the Content-Length when that gave it away. */
export class ResponseTooLargeError extends Error {
  override readonly name = "ResponseTooLargeError";
  constructor(
    readonly limit: number,
    readonly size?: number,
  ) {
    super(size === undefined ? `the response is larger than ${limit} bytes` : `the response is ${size} bytes, more than ${limit}`);
  }
}

/** More redirects than allowed. */
export class TooManyRedirectsError extends Error {
  override readonly name = "TooManyRedirectsError";
  constructor(readonly limit: number) {
    super(`more than ${limit} redirects`);
  }
}

/** Errors of the guard that another attempt would only repeat. */
export const isPolicyError = (error: unknown): boolean => {
  const name = (error as Error | undefined)?.name;
  return name === "UnsafeUrlError" || name === "ResponseTooLargeError" || name === "TooManyRedirectsError";
};

export interface SafeFetchOptions {
  policy: UrlPolicy;
  /** Resolves host names; undefined for the runtime's own (node:dns where there is one). */
  lookup?: Lookup;
  maxRedirects: number;
  maxResponseBytes: number;
}

type NodeProcess = { versions?: { node?: string } };
let runtimeLookup: Promise<Lookup | undefined> | undefined;

/**
 * node:dns, loaded only on runtimes that say they are Node-compatible, and by a computed specifier so that bundlers
 * do not pull it into browser or edge bundles. Undefined where there is none.
 */
export function defaultLookup(): Promise<Lookup | undefined> {
  runtimeLookup ??= (async () => {
    if (!(globalThis as { process?: NodeProcess }).process?.versions?.node) return undefined;
    const specifier = ["node", "dns"].join(":");
    try {
      const dns = (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as typeof import("node:dns");
      return async (hostname: string) => (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      return undefined;
    }
  })();
  return runtimeLookup;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * Checks one hop: the URL, then (for a host name not in allowHosts) every address it resolves to. A hop that needs no
 * lookup (an IP literal, an allowed host, a runtime without resolver) is judged at once, without a promise: the
 * request then goes out in the same turn, before the caller moves on (the pager checks a page while the next one is
 * on its way).
 */
function checkHop(parsed: URL, options: SafeFetchOptions, signal: AbortSignal): URL | Promise<URL> {
  if (isAllowedHost(parsed, options.policy) || ipLiteral(parsed) !== undefined) return parsed;
  if (!options.lookup && resolved && !resolved.lookup) return parsed;
  return resolveHop(parsed, options, signal);
}

/** The runtime's resolver once known, so that a runtime without one does not wait a turn for every hop. */
let resolved: { lookup: Lookup | undefined } | undefined;

async function resolveHop(parsed: URL, options: SafeFetchOptions, signal: AbortSignal): Promise<URL> {
  let lookup = options.lookup;
  if (!lookup) {
    lookup = await defaultLookup();
    resolved = { lookup };
  }
  // No resolver on this runtime (browsers, most edge runtimes): only the literal check above applies. The runtime's
  // fetch resolves the name again; a DNS server answering differently then (rebinding) is only caught by a fetch
  // that checks at connect time (give one as the `fetch` option).
  if (!lookup) return parsed;
  const addresses = await abortable(lookup(parsed.hostname), signal);
  if (addresses.length === 0) throw new Error(`${parsed.hostname} resolves to no address`);
  for (const address of addresses) checkAddress(address, options.policy, parsed);
  return parsed;
}

/**
 * The refusal of the connect-time check (./connect-check.ts), which fetch wraps as the cause of its own error, as the
 * check before the hop would have given it.
 */
function refusedAtConnect(error: unknown, target: URL): UnsafeUrlError | undefined {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  if (!(cause instanceof UnsafeUrlError)) return undefined;
  return new UnsafeUrlError(target.href, cause.reason, `${cause.message} (when connecting: it resolved to another address when checked)`);
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** The body passed through a counter that errors the stream once more than `limit` bytes came. */
function capped(body: ReadableStream<Uint8Array>, limit: number): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let seen = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      seen += value.byteLength;
      if (seen > limit) {
        const error = new ResponseTooLargeError(limit);
        controller.error(error);
        // Stops reading from the peer: the rest is never downloaded.
        await reader.cancel(error).catch(() => {});
        return;
      }
      controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

function capResponse(response: Response, limit: number): Response {
  const length = response.headers.get("Content-Length");
  if (length !== null && Number(length) > limit) {
    void response.body?.cancel().catch(() => {});
    throw new ResponseTooLargeError(limit, Number(length));
  }
  if (response.body === null || NULL_BODY.has(response.status)) return response;
  // A declared length within the cap is enforced by the HTTP layer itself (a body longer than Content-Length is an
  // error there): only bodies of unknown length are counted, which keeps the common case free of a second stream.
  if (length !== null && /^\d+$/.test(length.trim())) return response;
  return new Response(capped(response.body, limit), { status: response.status, statusText: response.statusText, headers: response.headers });
}

/**
 * Wraps `fetchImpl` (called with one Request per hop, `redirect: "manual"`). Redirects: up to `maxRedirects` hops,
 * each checked like the first; Authorization only while the hops stay on the request's origin; 303 (and 301/302 of
 * a POST, as browsers do) become a GET without body; 307/308 keep method and body. The body is buffered once (the
 * client's bodies are JSON it already holds), so it can be replayed.
 */
export function safeFetch(fetchImpl: (request: Request) => Promise<Response>, options: SafeFetchOptions): (request: Request) => Promise<Response> {
  return async (request) => {
    const signal = request.signal;
    const first = checkUrl(request.url, options.policy);
    const origin = first.origin;
    let url = request.url;
    let method = request.method;
    // A request without a body that asks for manual redirects already is sent as it is on the first hop: no copy of
    // its headers and no second Request on every call (a crawl makes thousands).
    const asIs = request.body === null && request.redirect === "manual";
    let body: ArrayBuffer | null = request.body === null ? null : await request.arrayBuffer();
    let copied: Headers | undefined;
    const headers = () => (copied ??= new Headers(request.headers));
    for (let hop = 0; ; hop++) {
      let target: URL;
      try {
        const checked = checkHop(hop === 0 ? first : checkUrl(url, options.policy), options, signal);
        target = checked instanceof URL ? checked : await checked;
      } catch (error) {
        if (hop > 0 && error instanceof UnsafeUrlError) throw new UnsafeUrlError(error.url, error.reason, `${error.message} (a redirect from ${request.url})`);
        throw error;
      }
      let response: Response;
      try {
        response = await fetchImpl(hop === 0 && asIs ? request : new Request(target, { method, headers: headers(), body, signal, redirect: "manual" }));
      } catch (error) {
        throw refusedAtConnect(error, target) ?? error;
      }
      if (response.type === "opaqueredirect") {
        throw new UnsafeUrlError(
          target.href,
          "opaque-redirect",
          `refused: ${target.href} redirects, and this runtime hides where to, so the target cannot be checked`,
        );
      }
      const location = REDIRECTS.has(response.status) ? response.headers.get("Location") : null;
      if (location === null) return capResponse(response, options.maxResponseBytes);
      await response.body?.cancel().catch(() => {});
      if (hop >= options.maxRedirects) throw new TooManyRedirectsError(options.maxRedirects);
      let next: URL;
      try {
        next = new URL(location, target);
      } catch {
        throw new UnsafeUrlError(location, "invalid-url", `refused: the redirect from ${target.href} to ${location} is not a valid URL`);
      }
      if (response.status === 303 ? method !== "GET" && method !== "HEAD" : (response.status === 301 || response.status === 302) && method === "POST") {
        method = "GET";
        body = null;
        for (const name of ["Content-Type", "Content-Length", "Content-Encoding", "Content-Language", "Content-Location"]) headers().delete(name);
      }
      // Once a hop leaves the origin the token belongs to, it is not sent again, even if a later hop comes back.
      if (next.origin !== origin) headers().delete("Authorization");
      url = next.href;
    }
  };
}
