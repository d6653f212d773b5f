/**
 * The conformance runner's HTTP: plain requests (no repairs, no retries) whose every exchange is kept as evidence
 * (method, URL, HTTP status, headers, body) for the checks and for the transport checks run over all of them. The
 * token is sent only to the peer's own origins; each URL goes through the URL policy; each answer has a timeout and
 * a size cap.
 */
import { authorizationHeader, base64Encode, checkUrl, newRequestId, type UrlPolicy } from "@ocpi-sdk/protocol";

export interface Exchange {
  method: string;
  url: string;
  /** Whether the token was sent (false for a deliberately missing or bad one: see `badToken`). */
  authorized: boolean;
  /** A request made with a wrong token on purpose (401 checks). */
  badToken: boolean;
  /** A try the run made to learn something (the token's encoding), not held to the envelope rules. */
  probe?: boolean;
  requestId: string;
  correlationId: string;
  /** HTTP status; undefined when no answer came (see `error`). */
  status?: number;
  headers: Headers;
  text: string;
  /** The parsed body, when it was JSON. */
  json?: unknown;
  /** Why there was no answer (network, timeout, refused URL, too large). */
  error?: string;
}

export interface PeerHttpOptions {
  policy: UrlPolicy;
  /** Per request (default 15 s). */
  timeoutMs?: number;
  /** Largest body read (default 8 MiB). */
  maxBytes?: number;
  fetch?: (request: Request) => Promise<Response>;
  signal?: AbortSignal;
}

export type TokenEncoding = "base64" | "raw";

export interface RequestOptions {
  token?: string;
  encoding?: TokenEncoding;
  /** Send a token the peer cannot know (for the 401 checks). */
  badToken?: boolean;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
}

const MAX_REDIRECTS = 3;

export class PeerHttp {
  /** Every exchange so far, in order. */
  readonly exchanges: Exchange[] = [];
  /** Origins the token may go to: the versions URL's and its endpoints'. */
  private readonly origins = new Set<string>();
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly fetch: (request: Request) => Promise<Response>;

  constructor(private readonly options: PeerHttpOptions) {
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
    this.fetch = options.fetch ?? ((request) => globalThis.fetch(request));
  }

  /** Lets the token go to `url`'s origin (the versions URL, the endpoints the peer lists). */
  trust(url: string): void {
    try {
      this.origins.add(new URL(url).origin);
    } catch {
      // not an URL: nothing to trust
    }
  }

  isTrusted(url: string): boolean {
    try {
      return this.origins.has(new URL(url).origin);
    } catch {
      return false;
    }
  }

  get(url: string, options: RequestOptions = {}): Promise<Exchange> {
    return this.request("GET", url, options);
  }

  async request(method: string, url: string, options: RequestOptions = {}): Promise<Exchange> {
    const target = new URL(url);
    for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) target.searchParams.set(name, String(value));
    const requestId = newRequestId();
    const correlationId = newRequestId();
    const exchange: Exchange = {
      method,
      url: target.href,
      authorized: false,
      badToken: options.badToken === true,
      requestId,
      correlationId,
      headers: new Headers(),
      text: "",
    };
    this.exchanges.push(exchange);
    let current = target.href;
    try {
      for (let hop = 0; ; hop++) {
        checkUrl(current, this.options.policy);
        const headers = new Headers({ "X-Request-ID": requestId, "X-Correlation-ID": correlationId, Accept: "application/json" });
        const token = options.badToken ? `ocpi-conformance-wrong-token-${newRequestId()}` : options.token;
        if (token !== undefined && this.isTrusted(current)) {
          headers.set(
            "Authorization",
            options.encoding === "raw"
              ? `Token ${token}`
              : options.encoding === "base64"
                ? `Token ${base64Encode(token)}`
                : authorizationHeader(token, "2.2.1"),
          );
          exchange.authorized = !options.badToken;
        }
        let body: string | undefined;
        if (options.body !== undefined) {
          body = JSON.stringify(options.body);
          headers.set("Content-Type", "application/json");
        }
        const signals = [AbortSignal.timeout(this.timeoutMs), ...(this.options.signal ? [this.options.signal] : [])];
        const response = await this.fetch(
          new Request(current, { method, headers, ...(body !== undefined ? { body } : {}), redirect: "manual", signal: AbortSignal.any(signals) }),
        );
        const location = response.headers.get("Location");
        if (response.status >= 300 && response.status < 400 && location && hop < MAX_REDIRECTS) {
          const next = new URL(location, current).href;
          // Followed with the token only on the same origin; elsewhere the redirect is the answer (and the evidence).
          if (new URL(next).origin === new URL(current).origin) {
            await response.body?.cancel();
            current = next;
            continue;
          }
        }
        exchange.url = current;
        exchange.status = response.status;
        exchange.headers = response.headers;
        exchange.text = await this.readText(response);
        if (exchange.text.trim() !== "") {
          try {
            exchange.json = JSON.parse(exchange.text);
          } catch {
            // not JSON: the checks say so
          }
        }
        return exchange;
      }
    } catch (error) {
      const e = error as Error;
      exchange.error =
        e.name === "TimeoutError" ? `no answer within ${this.timeoutMs} ms` : `${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ""}`;
      return exchange;
    }
  }

  private async readText(response: Response): Promise<string> {
    if (!response.body) return "";
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > this.maxBytes) {
        await reader.cancel();
        throw new Error(`the answer is larger than ${this.maxBytes} bytes`);
      }
      chunks.push(value);
    }
    return Buffer.concat(chunks).toString("utf8");
  }
}

/** `GET https://… → HTTP 404` and the like, for evidence. */
export function describeExchange(exchange: Exchange): string {
  return `${exchange.method} ${exchange.url} → ${exchange.status !== undefined ? `HTTP ${exchange.status}` : `no answer (${exchange.error})`}`;
}
