/**
 * The engine behind every generated client method: builds the request from the operation's description, sends it
 * through openapi-fetch, unwraps the OCPI envelope, validates, and pages.
 */
import type { Client } from "openapi-fetch";
import {
  authorizationHeader,
  isEnvelope,
  isSuccessStatus,
  newRequestId,
  OcpiHeaders,
  parseCountHeader,
  parseNextLink,
  repairTimestamps,
  routingHeaders,
  type OcpiEnvelope,
} from "@ocpi-sdk/protocol";
import { formatIssues, type ValidationIssue, type Validator } from "@ocpi-sdk/validators";
import { OcpiError } from "./errors.js";
import type { CallOptions, PaginationLimits, ValidationMode, ValidationReport } from "./options.js";

export type HttpMethodKey = "get" | "put" | "post" | "delete" | "patch";

/**
 * One operation as a generated table describes it, with its path and query parameters as `Param`: the client's
 * tables name them, the server's route tables carry how to check them.
 */
export interface OperationShape<Param> {
  readonly operationId: string;
  readonly module: string;
  readonly interface?: "SENDER" | "RECEIVER";
  readonly name: string;
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly layoutPath: string;
  readonly url: "endpoint" | "response_url" | "versions" | "version_details";
  readonly path: string;
  readonly pathParams: readonly Param[];
  readonly query: readonly Param[];
  readonly paginated: boolean;
  readonly auth: "tokenA" | "tokenC";
  readonly request?: { readonly validator: Validator<unknown>; readonly required: boolean };
  readonly response?: { readonly validator: Validator<unknown>; readonly list: boolean };
  /** For a request carrying a response_url: the operationId that delivers the result to it. */
  readonly result?: string;
}

/** What the client's generated operation table says about one operation. */
export type OperationInfo = OperationShape<string>;

// ---- Types of the generated methods, derived from openapi-typescript's operation types ----

type OperationOf<Paths, P extends keyof Paths, M extends HttpMethodKey> = M extends keyof Paths[P] ? Paths[P][M] : never;
type Never<T> = [T] extends [never] ? true : false;
type ParamsOf<O> = O extends { parameters: infer P } ? P : {};
type PathParamsOf<O> = ParamsOf<O> extends { path: infer X } ? (Never<X> extends true ? {} : X) : {};
type QueryParamsOf<O> = ParamsOf<O> extends { query?: infer X }
  ? Never<NonNullable<X>> extends true
    ? {}
    : ParamsOf<O> extends { query: infer Y }
      ? Y
      : Partial<NonNullable<X>>
  : {};
type JsonBody<B> = B extends { content: { "application/json": infer J } } ? J : never;
type BodyOf<O> = O extends { requestBody: infer B }
  ? { body: JsonBody<B> }
  : O extends { requestBody?: infer B }
    ? Never<NonNullable<B>> extends true
      ? {}
      : { body?: JsonBody<NonNullable<B>> }
    : {};
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The one object a method takes: path parameters, query parameters and `body`, by their OCPI names. */
export type RequestOf<O> = Simplify<PathParamsOf<O> & QueryParamsOf<O> & BodyOf<O>>;
type SuccessBody<O> = O extends { responses: { 200: { content: { "application/json": infer B } } } } ? B : never;
/** The envelope's data of a successful call. */
export type DataOf<O> = SuccessBody<O> extends { data: infer D } ? D : undefined;
type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];
type Args<R> = [RequiredKeys<R>] extends [never] ? [request?: R, options?: CallOptions] : [request: R, options?: CallOptions];

/** The outcome of a call: the envelope's data (validated) and what came with it. */
export interface OcpiResult<T> {
  data: T;
  /** The URL the request went to. */
  url: string;
  statusCode: number;
  statusMessage?: string;
  timestamp: string;
  httpStatus: number;
  headers: Headers;
  requestId: string;
  correlationId: string;
}

/** One page of a paginated list. */
export interface OcpiPage<T> extends OcpiResult<T[]> {
  /** X-Total-Count: objects matching the query on the server. */
  totalCount?: number;
  /** X-Limit: the most the server returns in one page. */
  limit?: number;
  /** The `Link: rel="next"` URL, absent on the last page. */
  next?: string;
}

export type CallMethod<Paths, P extends keyof Paths, M extends HttpMethodKey> = (
  ...args: Args<RequestOf<OperationOf<Paths, P, M>>>
) => Promise<OcpiResult<DataOf<OperationOf<Paths, P, M>>>>;
type ItemOf<D> = D extends readonly (infer I)[] ? I : never;
export type PageMethod<Paths, P extends keyof Paths, M extends HttpMethodKey> = (
  ...args: Args<RequestOf<OperationOf<Paths, P, M>>>
) => Promise<OcpiPage<ItemOf<DataOf<OperationOf<Paths, P, M>>>>>;
export type AllMethod<Paths, P extends keyof Paths, M extends HttpMethodKey> = (
  ...args: Args<RequestOf<OperationOf<Paths, P, M>>>
) => OcpiPager<ItemOf<DataOf<OperationOf<Paths, P, M>>>>;
export type CallAtMethod<Paths, P extends keyof Paths, M extends HttpMethodKey> = (
  responseUrl: string,
  ...args: Args<Omit<RequestOf<OperationOf<Paths, P, M>>, "response_id">>
) => Promise<OcpiResult<DataOf<OperationOf<Paths, P, M>>>>;

/** What the generated bindings call; one per client. */
export interface OperationCaller<Paths> {
  call<P extends keyof Paths, M extends HttpMethodKey>(info: OperationInfo): CallMethod<Paths, P, M>;
  page<P extends keyof Paths, M extends HttpMethodKey>(info: OperationInfo): PageMethod<Paths, P, M>;
  all<P extends keyof Paths, M extends HttpMethodKey>(info: OperationInfo): AllMethod<Paths, P, M>;
  callAt<P extends keyof Paths, M extends HttpMethodKey>(info: OperationInfo): CallAtMethod<Paths, P, M>;
}

// ---- The runtime ----

/** What the runner needs from the client, read at each call (the token and endpoints change over a client's life). */
export interface RunnerContext {
  http: Client<Record<string, never>>;
  /** Sends one request (timeouts, retries); `timeoutMs` overrides the client's for one call; `onAttempt` sees each try. */
  transport(
    request: Request,
    call: { timeoutMs: number; signal?: AbortSignal; firstTimeout: AbortSignal; onAttempt: (request: Request) => void },
  ): Promise<Response>;
  /** The client's timeout per request, in ms. */
  timeoutMs: number;
  /** The client's deadline per call (all attempts), in ms. */
  deadlineMs: number;
  /** Aborts every call of the client. */
  signal?: AbortSignal;
  /** The client's caps of paginated walks. */
  pagination?: PaginationLimits;
  /** OCPI version for token encoding; undefined before discovery. */
  version(): string | undefined;
  token(info: OperationInfo): string;
  tokenEncoding(): "base64" | "raw" | "auto";
  /** The URL an operation's path is appended to. */
  baseUrl(info: OperationInfo): string;
  from?: () => CallOptions["from"];
  validation: ValidationMode;
  onValidationIssue?: (report: ValidationReport) => void;
}

export type RequestArg = Record<string, unknown> & { body?: unknown };

const encodeSegment = (value: unknown) => encodeURIComponent(String(value));

export const DEFAULT_PAGINATION = { maxPages: 10_000, maxItems: 1_000_000 } as const;

/** The caps of one walk, and the operation named in its errors. */
export interface PagerOptions extends PaginationLimits {
  operationId?: string;
}

/**
 * The URL the pager fetches for a page's `Link: rel="next"`: the link itself while it stays on the origin of the
 * endpoint the call belongs to (the token is that origin's); another origin is refused, as the token would go there.
 */
export function nextPageUrl(endpoint: string, next: string, operationId = "pagination"): string {
  const origin = new URL(endpoint).origin;
  if (new URL(next).origin === origin) return next;
  throw new OcpiError("unsafe-url", `${operationId}: refused the next-page Link ${next}: it leaves the endpoint's origin ${origin}, which the token belongs to`, {
    url: next,
  });
}

/**
 * Follows `Link: rel="next"` one page at a time; stops on a missing link, a link seen before or an empty page, and
 * fails (kind `limit`) past `maxPages`, `maxItems` or `maxDurationMs`, or (kind `unsafe-url`) on a link to another
 * origin.
 */
export class OcpiPager<T> implements AsyncIterable<T> {
  /** X-Total-Count of the latest page. */
  totalCount?: number;
  /** X-Limit of the latest page. */
  limit?: number;
  /** Why iteration ended early, when it did: the peer's Link looped back or led to an empty page. */
  stoppedBecause?: "looping-link" | "empty-page";

  constructor(
    private readonly fetchPage: (next?: string) => Promise<OcpiPage<T>>,
    private readonly options: PagerOptions = {},
  ) {}

  private limitError(page: OcpiPage<T>, message: string): OcpiError {
    return new OcpiError("limit", `${this.options.operationId ?? "pagination"}: ${message}`, {
      url: page.url,
      requestId: page.requestId,
      correlationId: page.correlationId,
    });
  }

  /** The pages, one at a time. */
  async *pages(): AsyncGenerator<OcpiPage<T>> {
    const maxPages = this.options.maxPages ?? DEFAULT_PAGINATION.maxPages;
    const maxItems = this.options.maxItems ?? DEFAULT_PAGINATION.maxItems;
    const { maxDurationMs, operationId } = this.options;
    const started = Date.now();
    const seen = new Set<string>();
    let next: string | undefined;
    let endpoint: string | undefined;
    let pages = 0;
    let items = 0;
    for (let first = true; first || next !== undefined; first = false) {
      const page = await this.fetchPage(next);
      endpoint ??= page.url;
      pages++;
      items += page.data.length;
      if (items > maxItems) throw this.limitError(page, `more than ${maxItems} objects (pagination.maxItems)`);
      this.totalCount = page.totalCount;
      this.limit = page.limit;
      yield page;
      if (page.next === undefined) return;
      if (seen.has(page.next) || page.next === next) {
        this.stoppedBecause = "looping-link";
        return;
      }
      if (page.data.length === 0) {
        this.stoppedBecause = "empty-page";
        return;
      }
      if (pages >= maxPages) throw this.limitError(page, `the peer links on past ${maxPages} pages (pagination.maxPages)`);
      if (maxDurationMs !== undefined && Date.now() - started > maxDurationMs) {
        throw this.limitError(page, `the walk took longer than ${maxDurationMs} ms (pagination.maxDurationMs)`);
      }
      seen.add(page.next);
      next = nextPageUrl(endpoint, page.next, operationId);
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for await (const page of this.pages()) yield* page.data;
  }

  /** Every object in one array (the whole list in memory: prefer `for await` for large lists). */
  async toArray(): Promise<T[]> {
    const all: T[] = [];
    for await (const item of this) all.push(item);
    return all;
  }
}

/**
 * What the generated bindings call, in terms of two operations a subclass gives: one exchange, and one page of a
 * list (the pager follows the pages, sharing one correlation id).
 */
export abstract class BindingCaller implements OperationCaller<unknown> {
  /** The client's caps of paginated walks (a call's own `pagination` goes over them). */
  paginationLimits(): PaginationLimits {
    return {};
  }

  abstract send(info: OperationInfo, request: RequestArg, options: CallOptions, responseUrl?: string): Promise<OcpiResult<unknown>>;
  abstract sendPage(info: OperationInfo, request: RequestArg, options: CallOptions, next?: string): Promise<OcpiPage<unknown>>;

  call(info: OperationInfo) {
    return ((request?: RequestArg, options?: CallOptions) => this.send(info, request ?? {}, options ?? {})) as never;
  }

  callAt(info: OperationInfo) {
    return ((responseUrl: string, request?: RequestArg, options?: CallOptions) =>
      this.send(info, request ?? {}, options ?? {}, responseUrl)) as never;
  }

  page(info: OperationInfo) {
    return ((request?: RequestArg, options?: CallOptions) => this.sendPage(info, request ?? {}, options ?? {})) as never;
  }

  all(info: OperationInfo) {
    return ((request?: RequestArg, options?: CallOptions) => {
      const correlationId = options?.correlationId ?? newRequestId();
      const limits = { ...this.paginationLimits(), ...options?.pagination, operationId: info.operationId };
      return new OcpiPager((next) => this.sendPage(info, request ?? {}, { ...options, correlationId }, next), limits);
    }) as never;
  }
}

export class OperationRunner extends BindingCaller {
  private lastAuthorization?: { key: string; value: string };

  constructor(private readonly ctx: RunnerContext) {
    super();
  }

  override paginationLimits(): PaginationLimits {
    return this.ctx.pagination ?? {};
  }

  /** The Authorization header, remembered while token, encoding and version stay the same. */
  private authorization(token: string, encoding: "auto" | "base64" | "raw", version: string | undefined): string {
    const key = `${encoding}\u0000${version ?? ""}\u0000${token}`;
    if (this.lastAuthorization?.key === key) return this.lastAuthorization.value;
    const value = encoding === "raw" ? `Token ${token}` : authorizationHeader(token, encoding === "base64" ? "2.2.1" : (version ?? "2.2.1"));
    this.lastAuthorization = { key, value };
    return value;
  }

  /** One page of a paginated operation; `next` for following a page link. */
  async sendPage(info: OperationInfo, request: RequestArg, options: CallOptions, next?: string): Promise<OcpiPage<unknown>> {
    const result = await this.send(info, request, options, undefined, next);
    const data = result.data;
    if (!Array.isArray(data)) {
      throw new OcpiError("invalid-response", `${info.operationId}: a paginated response's data must be a list`, {
        httpStatus: result.httpStatus,
        requestId: result.requestId,
        correlationId: result.correlationId,
      });
    }
    const page: OcpiPage<unknown> = { ...result, data };
    const total = parseCountHeader(result.headers.get(OcpiHeaders.TotalCount));
    const limit = parseCountHeader(result.headers.get(OcpiHeaders.Limit));
    const nextLink = parseNextLink(result.headers.get(OcpiHeaders.Link));
    if (total !== undefined) page.totalCount = total;
    if (limit !== undefined) page.limit = limit;
    if (nextLink !== undefined) {
      if (!URL.canParse(nextLink, result.url)) {
        throw new OcpiError("invalid-response", `${info.operationId}: the next-page Link ${nextLink} is not a URL`, {
          url: result.url,
          requestId: result.requestId,
          correlationId: result.correlationId,
        });
      }
      page.next = new URL(nextLink, result.url).href;
    }
    return page;
  }

  /** One HTTP exchange of an operation. `responseUrl` for results, `nextUrl` for following a page link. */
  async send(info: OperationInfo, request: RequestArg, options: CallOptions, responseUrl?: string, nextUrl?: string): Promise<OcpiResult<unknown>> {
    const { ctx } = this;
    const validation = options.validation ?? ctx.validation;
    const { body, ...params } = request;
    if (info.request && validation !== "off") {
      if (body === undefined) {
        if (info.request.required) throw new OcpiError("validation", `${info.operationId}: a request body is required`);
      } else {
        const checked = info.request.validator.validate(body);
        if (!checked.ok) {
          throw new OcpiError("validation", `${info.operationId}: the ${info.request.validator.name} to send is invalid: ${formatIssues(checked.errors)}`, {
            issues: checked.errors,
          });
        }
      }
    }
    const path: Record<string, unknown> = {};
    const query: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(params)) {
      if (value === undefined) continue;
      if (info.pathParams.includes(key)) path[key] = value;
      else if (info.query.includes(key)) query[key] = value;
    }
    for (const name of info.pathParams) {
      if (path[name] === undefined) throw new OcpiError("validation", `${info.operationId}: path parameter ${name} is missing`);
    }
    // openapi-fetch joins its base URL and the layout path, then hands the URL to the path serializer; the real URL
    // is the peer's endpoint (or a response_url, or a next-page link) plus the operation's own path.
    let target: string;
    let finalQuery: Record<string, unknown> = query;
    if (nextUrl !== undefined) {
      const url = new URL(nextUrl);
      finalQuery = Object.fromEntries(url.searchParams);
      url.search = "";
      target = url.href;
    } else if (responseUrl !== undefined) {
      target = responseUrl;
    } else {
      const ownPath = info.path.replace(/\{([a-z_]+)\}/g, (_, name: string) => encodeSegment(path[name]));
      target = ctx.baseUrl(info).replace(/\/+$/, "") + ownPath;
    }
    const baseUrl = target;
    let requestId = newRequestId();
    const correlationId = options.correlationId ?? newRequestId();
    const version = ctx.version();
    const headers: Record<string, string> = {
      Authorization: this.authorization(ctx.token(info), ctx.tokenEncoding(), version),
      [OcpiHeaders.RequestId]: requestId,
      [OcpiHeaders.CorrelationId]: correlationId,
      ...routingHeaders({ ...((options.from ?? ctx.from?.()) ? { from: (options.from ?? ctx.from?.())! } : {}), ...(options.to ? { to: options.to } : {}) }),
      ...options.headers,
    };
    const method = info.method;
    let response: Response;
    let parsed: unknown;
    let requestUrl = baseUrl;
    // The first attempt's signal goes into the Request openapi-fetch builds; retries build their own. The caller's
    // signal, the client's and the call's deadline end every attempt and the backoff between them.
    const timeoutMs = options.timeoutMs ?? ctx.timeoutMs;
    const deadlineMs = options.deadlineMs ?? ctx.deadlineMs;
    const deadline = new AbortController();
    const deadlineTimer = setTimeout(() => deadline.abort(new DOMException(`deadline of ${deadlineMs} ms passed`, "TimeoutError")), deadlineMs);
    const stops = [deadline.signal, ...(options.signal ? [options.signal] : []), ...(ctx.signal ? [ctx.signal] : [])];
    // AbortSignal.any only where there is more than one signal: it costs on every call.
    const callSignal = stops.length === 1 ? deadline.signal : AbortSignal.any(stops);
    // The first attempt's own signal: its timeout, or any stop. One controller and one timer rather than
    // AbortSignal.timeout plus AbortSignal.any, which made every page of a crawl measurably slower.
    const first = new AbortController();
    const firstTimer = setTimeout(() => first.abort(new DOMException(`no response within ${timeoutMs} ms`, "TimeoutError")), timeoutMs);
    const stopFirst = () => first.abort(callSignal.reason);
    if (callSignal.aborted) stopFirst();
    else callSignal.addEventListener("abort", stopFirst, { once: true });
    const firstTimeout = first.signal;
    const signal = first.signal;
    const send = (req: Request) => {
      requestUrl = req.url;
      return ctx.transport(req, {
        timeoutMs,
        firstTimeout,
        signal: callSignal,
        onAttempt: (attempt) => {
          requestId = attempt.headers.get(OcpiHeaders.RequestId) ?? requestId;
        },
      });
    };
    try {
      const result = await ctx.http.request(method.toLowerCase() as "get", info.layoutPath as never, {
        baseUrl: "http://layout.invalid",
        pathSerializer: () => target,
        params: { path, query: finalQuery },
        ...(body !== undefined ? { body } : {}),
        headers,
        parseAs: "text",
        fetch: send,
        signal,
      } as never);
      response = result.response;
      const raw: unknown = result.data ?? result.error;
      parsed = typeof raw === "string" ? parseJson(raw) : raw;
    } catch (error) {
      const where = { method, requestId, correlationId, url: requestUrl };
      if (options.signal?.aborted || ctx.signal?.aborted) throw new OcpiError("network", `${info.operationId}: aborted`, { ...where, cause: error });
      if (deadline.signal.aborted) {
        throw new OcpiError("timeout", `${info.operationId}: no complete answer within the deadline of ${deadlineMs} ms (deadlineMs)`, { ...where, cause: error });
      }
      throw toTransportError(error, info, where);
    } finally {
      clearTimeout(deadlineTimer);
      clearTimeout(firstTimer);
      callSignal.removeEventListener("abort", stopFirst);
    }
    const url = requestUrl;
    const details = { method, requestId, correlationId, url, httpStatus: response.status };
    if (!isEnvelope(parsed)) {
      if (!response.ok) throw new OcpiError("http", `${method} ${url}: HTTP ${response.status}`, details);
      throw new OcpiError("invalid-response", `${method} ${url}: the response is not an OCPI envelope`, details);
    }
    const env = parsed as OcpiEnvelope;
    const ocpiDetails = { ...details, statusCode: env.status_code, ...(env.status_message !== undefined ? { statusMessage: env.status_message } : {}) };
    if (!response.ok) {
      throw new OcpiError("http", `${method} ${url}: HTTP ${response.status}, OCPI ${env.status_code}${env.status_message ? ` ${env.status_message}` : ""}`, ocpiDetails);
    }
    if (!isSuccessStatus(env.status_code)) {
      throw new OcpiError("ocpi", `${method} ${url}: OCPI ${env.status_code}${env.status_message ? ` ${env.status_message}` : ""}`, ocpiDetails);
    }
    const data = this.checkData(info, env.data, validation, { url, requestId });
    return {
      data,
      url,
      statusCode: env.status_code,
      ...(env.status_message !== undefined ? { statusMessage: env.status_message } : {}),
      timestamp: env.timestamp,
      httpStatus: response.status,
      headers: response.headers,
      requestId,
      correlationId,
    };
  }

  private checkData(info: OperationInfo, data: unknown, validation: ValidationMode, where: { url: string; requestId: string }): unknown {
    const spec = info.response;
    if (!spec || validation === "off" || data === undefined) return data;
    const issues = validateData(spec, data);
    if (issues.length === 0) return data;
    if (validation === "strict") {
      throw new OcpiError("validation", `${info.operationId}: the ${spec.validator.name}${spec.list ? " list" : ""} received is invalid: ${formatIssues(issues)}`, {
        issues,
        url: where.url,
        requestId: where.requestId,
      });
    }
    // Lenient: repair what peers commonly get wrong, accept the rest, and say what was wrong.
    const repaired = repairTimestamps(data);
    const remaining = repaired.repaired.length ? validateData(spec, repaired.value) : issues;
    this.ctx.onValidationIssue?.({ operationId: info.operationId, url: where.url, requestId: where.requestId, issues: remaining, repaired: repaired.repaired });
    return repaired.value;
  }
}

function validateData(spec: NonNullable<OperationInfo["response"]>, data: unknown): ValidationIssue[] {
  if (!spec.list) {
    const result = spec.validator.validate(data);
    return result.ok ? [] : result.errors;
  }
  if (!Array.isArray(data)) return [{ pointer: "", message: "must be an array", keyword: "type" }];
  return data.flatMap((item, i) => {
    const result = spec.validator.validate(item);
    return result.ok ? [] : result.errors.map((e) => ({ ...e, pointer: `/${i}${e.pointer}` }));
  });
}

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The error itself or the first of its causes named `name` (runtimes wrap stream errors in their own). */
function findError(error: unknown, name: string): (Error & Record<string, unknown>) | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.name === name) return e as Error & Record<string, unknown>;
  }
  return undefined;
}

function toTransportError(error: unknown, info: OperationInfo, details: { method: string; requestId: string; correlationId: string; url: string }): OcpiError {
  if (error instanceof OcpiError) return error;
  const unsafe = findError(error, "UnsafeUrlError");
  if (unsafe) return new OcpiError("unsafe-url", `${info.operationId}: ${unsafe.message}`, { ...details, url: String(unsafe.url), cause: error });
  const large = findError(error, "ResponseTooLargeError");
  if (large) {
    return new OcpiError("too-large", `${info.operationId}: the response is larger than maxResponseBytes (${String(large.limit)} bytes); not read further`, {
      ...details,
      cause: error,
    });
  }
  const redirects = findError(error, "TooManyRedirectsError");
  if (redirects) return new OcpiError("limit", `${info.operationId}: more than ${String(redirects.limit)} redirects (maxRedirects)`, { ...details, cause: error });
  const name = (error as Error | undefined)?.name;
  if (name === "TimeoutError") return new OcpiError("timeout", `${info.operationId}: ${(error as Error).message}`, { ...details, cause: error });
  if (name === "AbortError") return new OcpiError("network", `${info.operationId}: aborted`, { ...details, cause: error });
  return new OcpiError("network", `${info.operationId}: ${(error as Error)?.message ?? String(error)}`, { ...details, cause: error });
}
