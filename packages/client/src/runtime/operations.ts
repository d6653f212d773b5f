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
  isOcpiDateTime,
  renameQuery,
  repairDateTime,
  repairValue,
  rewriteUrl,
  routingHeaders,
  type OcpiEnvelope,
  type PaginationMode,
  type PeerProfile,
  type Repair,
} from "@ocpi-sdk/protocol";
import { formatIssues, type ValidationIssue, type Validator } from "@ocpi-sdk/validators";
import { OcpiError } from "./errors.js";
import { isAuthError } from "./auth-errors.js";
import type { CallOptions, Deviation, PaginationLimits, ValidationMode, ValidationReport } from "./options.js";

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
type QueryParamsOf<O> =
  ParamsOf<O> extends { query?: infer X }
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
  /** Objects of a list the peer sent that lenient validation left out (still invalid after repairs). */
  dropped?: number;
  /** The answer's ETag header, when the server sent one (a GET of one object; see CallOptions.ifMatch). */
  etag?: string;
}

/** One page of a paginated list. */
export interface OcpiPage<T> extends OcpiResult<T[]> {
  /** X-Total-Count: objects matching the query on the server. */
  totalCount?: number;
  /** X-Limit: the most the server returns in one page. */
  limit?: number;
  /** The `Link: rel="next"` URL, absent on the last page. */
  next?: string;
  /** A `Link: rel="next"` header whose URL could not be read (the pager then pages by offset, in `auto` mode). */
  unreadableLink?: string;
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
    call: { timeoutMs: number; signal?: AbortSignal | (() => AbortSignal); firstTimeout: AbortSignal; onAttempt: (request: Request) => void },
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
  /** What the peer is known to get wrong. */
  profile?: PeerProfile;
  /** Records a deviation of the peer (the client reports each kind once). */
  deviation?: (deviation: Deviation) => void;
}

export type RequestArg = Record<string, unknown> & { body?: unknown };

const encodeSegment = (value: unknown) => encodeURIComponent(String(value));

export const DEFAULT_PAGINATION = { maxPages: 10_000, maxItems: 1_000_000 } as const;

/** The caps of one walk, how it pages, and the operation named in its errors. */
export interface PagerOptions extends PaginationLimits {
  operationId?: string;
  /** The offset of the first page in the list (the caller's own `offset`), to tell when X-Total-Count is reached. */
  startOffset?: number;
  /** Where deviations of the peer's paging go (an unusable Link the walk went around). */
  onDeviation?: (deviation: Deviation) => void;
}

/**
 * The check of a page whose data is not checked yet: the pager asks for the next page first, then checks this one
 * (the check replaces `data` and sets `dropped`, or throws as the validation mode says). Kept beside the page rather
 * than as a property of it that is deleted before the page is handed on: a deleted property turns the object into a
 * slow dictionary for every later access.
 */
const deferredChecks = new WeakMap<object, (page: { data: unknown; dropped?: number }) => void>();

/** What the pager asks for next: the first page, the page a Link names, or the page at an offset of the original query. */
export type PageStep = { link: string } | { offset: number } | undefined;

/** Whether the next-page Link may be followed: it stays on the origin of the endpoint the call belongs to. */
function sameOrigin(endpoint: string, next: string): boolean {
  return new URL(next).origin === new URL(endpoint).origin;
}

/** The refusal of a next-page Link to another origin than the endpoint's: the token belongs to that origin. */
function crossOriginLink(endpoint: string, next: string, operationId = "pagination"): OcpiError {
  return new OcpiError(
    "unsafe-url",
    `${operationId}: refused the next-page Link ${next}: it leaves the endpoint's origin ${new URL(endpoint).origin}, which the token belongs to`,
    {
      url: next,
    },
  );
}

/** Errors of a Link that may pass when the page is asked for by offset instead: the peer's answer, not the network. */
const LINK_FAILURES: ReadonlySet<string> = new Set(["http", "ocpi", "invalid-response", "validation"]);

/**
 * Walks a paginated list one page at a time; fails (kind `limit`) past `maxPages`, `maxItems` or `maxDurationMs`.
 * - `link`: follows `Link: rel="next"`; stops on a missing link, a link seen before or an empty page; a link to
 *   another origin fails with `unsafe-url`, an unreadable one with `invalid-response`.
 * - `offset`: asks for the original query with `offset` = objects received so far, until X-Total-Count is reached,
 *   a page is empty or shorter than X-Limit, or (without either header) a page has no Link.
 * - `auto` (default): follows the Link while it is usable, and pages by offset from there when one is not (another
 *   origin, unreadable, or answered with an error), reported as a `pagination-fallback` deviation.
 * The next page is asked for before the current one is handed on (one page ahead at most).
 */
export class OcpiPager<T> implements AsyncIterable<T> {
  /** X-Total-Count of the latest page. */
  totalCount?: number;
  /** X-Limit of the latest page. */
  limit?: number;
  /** Why iteration ended early, when it did: the peer's Link looped back or led to an empty page. */
  stoppedBecause?: "looping-link" | "empty-page";
  /** How the walk paged in the end: `offset` once it fell back from an unusable Link. */
  mode: PaginationMode;

  constructor(
    private readonly fetchPage: (step: PageStep) => Promise<OcpiPage<T>>,
    private readonly options: PagerOptions = {},
  ) {
    this.mode = options.mode ?? "auto";
  }

  private limitError(page: OcpiPage<T>, message: string): OcpiError {
    return new OcpiError("limit", `${this.options.operationId ?? "pagination"}: ${message}`, {
      url: page.url,
      requestId: page.requestId,
      correlationId: page.correlationId,
    });
  }

  private fallBack(why: string, url: string | undefined): void {
    this.mode = "offset";
    this.options.onDeviation?.({
      code: "pagination-fallback",
      ...(this.options.operationId ? { operationId: this.options.operationId } : {}),
      ...(url ? { url } : {}),
      message: `${why}; paging by offset/limit on the original query instead`,
    });
  }

  /** The pages, one at a time. */
  async *pages(): AsyncGenerator<OcpiPage<T>> {
    const maxPages = this.options.maxPages ?? DEFAULT_PAGINATION.maxPages;
    const maxItems = this.options.maxItems ?? DEFAULT_PAGINATION.maxItems;
    const { maxDurationMs, operationId } = this.options;
    const started = Date.now();
    const seen = new Set<string>();
    let step: PageStep;
    let endpoint: string | undefined;
    let pages = 0;
    let items = 0;
    // The next page is asked for as soon as it is known, before this one is handed on: the peer prepares it and the
    // network carries it while the objects of this one are used (one page ahead at most).
    let ahead: Promise<OcpiPage<T>> | undefined;
    const request = (next: PageStep) => {
      const promise = this.fetchPage(next);
      // Awaited below; a walk ended early leaves it unawaited, which must not count as an unhandled rejection.
      promise.catch(() => {});
      return promise;
    };
    for (;;) {
      let page: OcpiPage<T>;
      try {
        page = await (ahead ?? request(step));
      } catch (error) {
        if (!(this.mode === "auto" && step && "link" in step && error instanceof OcpiError && LINK_FAILURES.has(error.kind))) throw error;
        this.fallBack(`following the next-page Link ${step.link} failed (${error.message})`, step.link);
        step = { offset: items };
        page = await request(step);
      }
      ahead = undefined;
      endpoint ??= page.url;
      pages++;
      // Offsets count what the peer sent, also objects left out as invalid.
      const sent = page.data.length + (page.dropped ?? 0);
      items += sent;
      if (items > maxItems) throw this.limitError(page, `more than ${maxItems} objects (pagination.maxItems)`);
      this.totalCount = page.totalCount;
      this.limit = page.limit;
      const check = deferredChecks.get(page);
      if (check) deferredChecks.delete(page);
      let next: PageStep | "end";
      try {
        next = this.nextStep(page, step, { endpoint, sent, pages, items, started, seen, maxPages, maxDurationMs, operationId });
      } catch (error) {
        // A cap passed or a Link refused: this page is still handed on, then the walk fails.
        check?.(page);
        yield page;
        throw error;
      }
      if (next !== "end") {
        step = next;
        ahead = request(step);
      }
      // Checked while the next page is on its way.
      check?.(page);
      yield page;
      if (next === "end") return;
    }
  }

  /** What to ask for after `page`: the next step, or the end of the list; throws past a cap. */
  private nextStep(
    page: OcpiPage<T>,
    step: PageStep,
    walk: {
      endpoint: string;
      /** Objects the peer sent in this page, also those left out as invalid. */
      sent: number;
      pages: number;
      items: number;
      started: number;
      seen: Set<string>;
      maxPages: number;
      maxDurationMs: number | undefined;
      operationId: string | undefined;
    },
  ): PageStep | "end" {
    const { endpoint, sent, pages, items, started, seen, maxPages, maxDurationMs, operationId } = walk;
    const hasLink = page.next !== undefined || page.unreadableLink !== undefined;
    if (this.mode === "offset") {
      if (sent === 0) return "end";
      if (page.totalCount !== undefined && (this.options.startOffset ?? 0) + items >= page.totalCount) return "end";
      if (page.totalCount === undefined && page.limit !== undefined && sent < page.limit) return "end";
      if (page.totalCount === undefined && page.limit === undefined && !hasLink) return "end";
    } else {
      if (!hasLink) return "end";
      if (page.next !== undefined && (seen.has(page.next) || (step && "link" in step && page.next === step.link))) {
        this.stoppedBecause = "looping-link";
        return "end";
      }
      if (sent === 0) {
        this.stoppedBecause = "empty-page";
        return "end";
      }
    }
    if (pages >= maxPages) throw this.limitError(page, `the peer links on past ${maxPages} pages (pagination.maxPages)`);
    if (maxDurationMs !== undefined && Date.now() - started > maxDurationMs) {
      throw this.limitError(page, `the walk took longer than ${maxDurationMs} ms (pagination.maxDurationMs)`);
    }
    if (this.mode === "offset") return { offset: items };
    if (page.next === undefined) {
      const message = `${operationId ?? "pagination"}: the next-page Link ${page.unreadableLink} is not a URL`;
      if (this.mode === "link")
        throw new OcpiError("invalid-response", message, { url: page.url, requestId: page.requestId, correlationId: page.correlationId });
      this.fallBack(`the next-page Link ${page.unreadableLink} is not a URL`, page.url);
      return { offset: items };
    }
    if (!sameOrigin(endpoint, page.next)) {
      if (this.mode === "link") throw crossOriginLink(endpoint, page.next, operationId);
      this.fallBack(`the next-page Link ${page.next} leaves the endpoint's origin ${new URL(endpoint).origin}`, page.next);
      return { offset: items };
    }
    seen.add(page.next);
    return { link: page.next };
  }

  /**
   * The objects, one at a time. A plain iterator over the current page rather than `yield*` in an async generator:
   * an object already at hand costs one resolved promise, not a generator round trip (a crawl hands on millions).
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    const pages = this.pages();
    let items: readonly T[] = [];
    let index = 0;
    // The page being fetched; later calls of next() wait for it, in order.
    let refill: Promise<IteratorResult<T>> | undefined;
    const next = (): Promise<IteratorResult<T>> => {
      if (refill) return refill.then(next, next);
      if (index < items.length) return Promise.resolve({ value: items[index++]!, done: false });
      const current = pages.next().then(
        (result) => {
          refill = undefined;
          if (result.done) return { value: undefined, done: true } as const;
          items = result.value.data;
          index = 0;
          return next();
        },
        (error: unknown) => {
          refill = undefined;
          throw error;
        },
      );
      refill = current;
      return current;
    };
    // Ending early (a `break`, or an error thrown into the loop) ends the walk, as it would a generator's.
    const close = () => {
      items = [];
      return pages.return(undefined);
    };
    const iterator: AsyncIterableIterator<T> = {
      next,
      return: async (value?: unknown) => {
        await close();
        return { value: value as T, done: true };
      },
      throw: async (error?: unknown) => {
        await close();
        throw error;
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
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

  /** Where the pager reports deviations of the peer's paging. */
  pagingDeviation(_deviation: Deviation): void {}

  abstract send(info: OperationInfo, request: RequestArg, options: CallOptions, responseUrl?: string): Promise<OcpiResult<unknown>>;
  /** One page; with `deferCheck`, the page may come unchecked, with its check in `deferredChecks` (for the pager). */
  abstract sendPage(info: OperationInfo, request: RequestArg, options: CallOptions, next?: string, deferCheck?: boolean): Promise<OcpiPage<unknown>>;

  call(info: OperationInfo) {
    return ((request?: RequestArg, options?: CallOptions) => this.send(info, request ?? {}, options ?? {})) as never;
  }

  callAt(info: OperationInfo) {
    return ((responseUrl: string, request?: RequestArg, options?: CallOptions) => this.send(info, request ?? {}, options ?? {}, responseUrl)) as never;
  }

  page(info: OperationInfo) {
    return ((request?: RequestArg, options?: CallOptions) => this.sendPage(info, request ?? {}, options ?? {})) as never;
  }

  all(info: OperationInfo) {
    return ((request?: RequestArg, options?: CallOptions) => {
      const correlationId = options?.correlationId ?? newRequestId();
      const base = request ?? {};
      const start = Number(base.offset ?? 0) || 0;
      const limits: PagerOptions = {
        ...this.paginationLimits(),
        ...options?.pagination,
        operationId: info.operationId,
        startOffset: start,
        onDeviation: (deviation) => this.pagingDeviation(deviation),
      };
      const callOptions = { ...options, correlationId };
      return new OcpiPager((step) => {
        if (step && "offset" in step) return this.sendPage(info, { ...base, offset: start + step.offset }, callOptions, undefined, true);
        return this.sendPage(info, base, callOptions, step?.link, true);
      }, limits);
    }) as never;
  }
}

export class OperationRunner extends BindingCaller {
  private lastAuthorization?: { key: string; value: string };

  constructor(private readonly ctx: RunnerContext) {
    super();
  }

  override paginationLimits(): PaginationLimits {
    const mode = this.ctx.profile?.pagination;
    return mode ? { mode, ...this.ctx.pagination } : (this.ctx.pagination ?? {});
  }

  override pagingDeviation(deviation: Deviation): void {
    this.ctx.deviation?.(deviation);
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
  async sendPage(info: OperationInfo, request: RequestArg, options: CallOptions, next?: string, deferCheck = false): Promise<OcpiPage<unknown>> {
    const result = await this.send(info, request, options, undefined, next, deferCheck);
    const data = result.data;
    if (!Array.isArray(data)) {
      throw new OcpiError("invalid-response", `${info.operationId}: a paginated response's data must be a list`, {
        httpStatus: result.httpStatus,
        requestId: result.requestId,
        correlationId: result.correlationId,
      });
    }
    // The result is this call's own: it becomes the page, which keeps its deferred check (no copy).
    const page: OcpiPage<unknown> = result as OcpiPage<unknown>;
    const total = parseCountHeader(result.headers.get(OcpiHeaders.TotalCount));
    const limit = parseCountHeader(result.headers.get(OcpiHeaders.Limit));
    const nextLink = parseNextLink(result.headers.get(OcpiHeaders.Link));
    if (total !== undefined) page.totalCount = total;
    if (limit !== undefined) page.limit = limit;
    if (nextLink !== undefined) {
      // The pager decides what an unreadable Link means: an error, or paging by offset.
      if (!URL.canParse(nextLink, result.url)) page.unreadableLink = nextLink;
      else page.next = this.rewrite(new URL(nextLink, result.url).href, info.operationId);
    }
    return page;
  }

  /** A URL the peer announced (version, endpoint, Link), rewritten by the profile (and reported when it was). */
  rewrite(url: string, operationId: string): string {
    const rewritten = rewriteUrl(url, this.ctx.profile?.urlRewrites);
    if (rewritten !== url) this.ctx.deviation?.({ code: "url-rewritten", operationId, url, message: `${url} rewritten to ${rewritten} (profile urlRewrites)` });
    return rewritten;
  }

  /** One HTTP exchange of an operation. `responseUrl` for results, `nextUrl` for following a page link. */
  async send(
    info: OperationInfo,
    request: RequestArg,
    options: CallOptions,
    responseUrl?: string,
    nextUrl?: string,
    deferCheck = false,
  ): Promise<OcpiResult<unknown>> {
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
    if (options.query) {
      for (const [key, value] of Object.entries(options.query)) {
        if (value === null) delete query[key];
        else query[key] = value;
      }
    }
    for (const name of info.pathParams) {
      if (path[name] === undefined) throw new OcpiError("validation", `${info.operationId}: path parameter ${name} is missing`);
    }
    // openapi-fetch joins its base URL and the layout path, then hands the URL to the path serializer; the real URL
    // is the peer's endpoint (or a response_url, or a next-page link) plus the operation's own path.
    let target: string;
    let finalQuery: Record<string, unknown> = renameQuery(query, info.operationId, ctx.profile?.queryRenames);
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
      ...(options.ifMatch !== undefined ? { "If-Match": options.ifMatch } : {}),
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
    const stops = new CallStops(timeoutMs, deadlineMs, options.signal, ctx.signal);
    const send = (req: Request) => {
      requestUrl = req.url;
      return ctx.transport(req, {
        timeoutMs,
        firstTimeout: stops.first.signal,
        signal: stops.callSignal,
        onAttempt: (attempt) => {
          requestId = attempt.headers.get(OcpiHeaders.RequestId) ?? requestId;
        },
      });
    };
    try {
      const result = await ctx.http.request(
        method.toLowerCase() as "get",
        info.layoutPath as never,
        {
          baseUrl: "http://layout.invalid",
          pathSerializer: () => target,
          params: { path, query: finalQuery },
          ...(body !== undefined ? { body } : {}),
          headers,
          parseAs: "text",
          fetch: send,
          signal: stops.first.signal,
          // The client follows redirects itself (each hop checked); asking for it here spares a copy of the Request.
          redirect: "manual",
        } as never,
      );
      response = result.response;
      const raw: unknown = result.data ?? result.error;
      parsed = typeof raw === "string" ? parseJson(raw) : raw;
    } catch (error) {
      const where = { method, requestId, correlationId, url: requestUrl };
      if (options.signal?.aborted || ctx.signal?.aborted) throw new OcpiError("network", `${info.operationId}: aborted`, { ...where, cause: error });
      if (stops.deadlinePassed) {
        throw new OcpiError("timeout", `${info.operationId}: no complete answer within the deadline of ${deadlineMs} ms (deadlineMs)`, {
          ...where,
          cause: error,
        });
      }
      throw toTransportError(error, info, where);
    } finally {
      stops.dispose();
    }
    const url = requestUrl;
    // The details of an error, built only for one.
    const details = () => ({ method, requestId, correlationId, url, httpStatus: response.status });
    if (!isEnvelope(parsed)) {
      if (isAuthError(response.status, undefined))
        throw new OcpiError("auth", `${method} ${url}: the token was not accepted: HTTP ${response.status}`, details());
      if (!response.ok) throw new OcpiError("http", `${method} ${url}: HTTP ${response.status}`, details());
      throw new OcpiError("invalid-response", `${method} ${url}: the response is not an OCPI envelope`, details());
    }
    const env = parsed as OcpiEnvelope;
    const ocpiDetails = () => ({
      ...details(),
      statusCode: env.status_code,
      ...(env.status_message !== undefined ? { statusMessage: env.status_message } : {}),
    });
    if (!isSuccessStatus(env.status_code) && isAuthError(response.status, env, ctx.profile?.authErrors)) {
      if (response.status !== 401 && response.status !== 403) {
        ctx.deviation?.({
          code: "auth-error-status",
          operationId: info.operationId,
          url,
          message: `the token was refused with HTTP ${response.status} and OCPI ${env.status_code} instead of HTTP 401`,
        });
      }
      throw new OcpiError(
        "auth",
        `${method} ${url}: the token was not accepted: HTTP ${response.status}, OCPI ${env.status_code}${env.status_message ? ` ${env.status_message}` : ""}`,
        ocpiDetails(),
      );
    }
    if (!response.ok) {
      throw new OcpiError(
        "http",
        `${method} ${url}: HTTP ${response.status}, OCPI ${env.status_code}${env.status_message ? ` ${env.status_message}` : ""}`,
        ocpiDetails(),
      );
    }
    if (!isSuccessStatus(env.status_code)) {
      throw new OcpiError("ocpi", `${method} ${url}: OCPI ${env.status_code}${env.status_message ? ` ${env.status_message}` : ""}`, ocpiDetails());
    }
    const received = Array.isArray(env.data) ? env.data.length : 0;
    const checked = (target: { data: unknown; dropped?: number }) => {
      const data = this.checkData(info, env.data, validation, { url, requestId });
      const dropped = Array.isArray(data) ? received - data.length : 0;
      target.data = data;
      if (dropped > 0) target.dropped = dropped;
    };
    const etag = response.headers.get("ETag");
    const result: OcpiResult<unknown> = {
      ...(etag !== null ? { etag } : {}),
      data: env.data,
      url,
      statusCode: env.status_code,
      ...(env.status_message !== undefined ? { statusMessage: env.status_message } : {}),
      timestamp: this.checkTimestamp(info, env.timestamp, validation, { url, requestId }),
      httpStatus: response.status,
      headers: response.headers,
      requestId,
      correlationId,
    };
    // A list the pager walks is checked by the pager, once the next page is asked for; everything else now.
    if (deferCheck && Array.isArray(env.data)) {
      deferredChecks.set(result, checked);
    } else {
      checked(result);
    }
    return result;
  }

  /** The envelope's timestamp: checked in strict mode, repaired in lenient mode. */
  private checkTimestamp(info: OperationInfo, timestamp: string, validation: ValidationMode, where: { url: string; requestId: string }): string {
    if (validation === "off" || isOcpiDateTime(timestamp)) return timestamp;
    const repaired = repairDateTime(timestamp);
    if (validation === "lenient" && repaired !== timestamp) {
      this.ctx.deviation?.({
        code: "envelope-timestamp",
        operationId: info.operationId,
        url: where.url,
        pointer: "/timestamp",
        message: `envelope timestamp ${timestamp} repaired to ${repaired}`,
      });
      return repaired;
    }
    throw new OcpiError("validation", `${info.operationId}: the envelope's /timestamp ${JSON.stringify(timestamp)} is not an OCPI DateTime`, {
      issues: [{ pointer: "/timestamp", message: "must be an RFC 3339 date-time in UTC, e.g. 2019-06-24T12:39:09Z", keyword: "pattern" }],
      ...where,
    });
  }

  /**
   * The data of a response, checked: valid data as it came (validated once, not copied); in strict mode invalid data
   * fails; in lenient mode invalid fields are repaired in place where a repair fits, and what stays invalid fails the
   * call (one object) or is left out of the page (an object of a list), all reported.
   */
  private checkData(info: OperationInfo, data: unknown, validation: ValidationMode, where: { url: string; requestId: string }): unknown {
    const spec = info.response;
    if (!spec || validation === "off" || data === undefined) return data;
    const validator = spec.validator;
    const check = (value: unknown) => {
      const result = validator.validate(value);
      return result.ok ? [] : result.errors;
    };
    const name = `${validator.name}${spec.list ? " list" : ""}`;
    if (!spec.list) {
      const issues = check(data);
      if (issues.length === 0) return data;
      if (validation === "strict") throw this.invalid(info, name, issues, where);
      const outcome = repairValue(data, issues, check);
      this.report(info, where, outcome.repairs, outcome.issues, []);
      if (outcome.issues.length > 0) throw this.invalid(info, name, outcome.issues, where, outcome.repairs);
      return outcome.value;
    }
    if (!Array.isArray(data)) {
      throw this.invalid(info, name, [{ pointer: "", message: "must be an array", keyword: "type" }], where);
    }
    let repairs: Repair[] | undefined;
    let remaining: ValidationIssue[] | undefined;
    let dropped: number[] | undefined;
    for (let i = 0; i < data.length; i++) {
      // The boolean check first: a valid object (nearly all of a crawl) costs no result object.
      if (validator.is(data[i])) continue;
      const issues = check(data[i]);
      if (validation === "strict")
        throw this.invalid(
          info,
          name,
          issues.map((e) => ({ ...e, pointer: `/${i}${e.pointer}` })),
          where,
        );
      const outcome = repairValue(data[i], issues, check);
      data[i] = outcome.value;
      (repairs ??= []).push(...outcome.repairs.map((r) => ({ ...r, pointer: `/${i}${r.pointer}` })));
      if (outcome.issues.length > 0) {
        (remaining ??= []).push(...outcome.issues.map((e) => ({ ...e, pointer: `/${i}${e.pointer}` })));
        (dropped ??= []).push(i);
      }
    }
    if (!repairs && !remaining) return data;
    this.report(info, where, repairs ?? [], remaining ?? [], dropped ?? []);
    if (!dropped) return data;
    const left = new Set(dropped);
    return data.filter((_, i) => !left.has(i));
  }

  private invalid(info: OperationInfo, name: string, issues: ValidationIssue[], where: { url: string; requestId: string }, repairs: Repair[] = []): OcpiError {
    const after = repairs.length ? ` (after ${repairs.length} repair${repairs.length === 1 ? "" : "s"})` : "";
    return new OcpiError("validation", `${info.operationId}: the ${name} received is invalid${after}: ${formatIssues(issues)}`, { issues, ...where });
  }

  /** Tells the application what lenient mode did with one response, and records each kind of deviation. */
  private report(info: OperationInfo, where: { url: string; requestId: string }, repairs: Repair[], issues: ValidationIssue[], dropped: number[]): void {
    const { operationId } = info;
    this.ctx.onValidationIssue?.({
      operationId,
      url: where.url,
      requestId: where.requestId,
      issues,
      repairs,
      repaired: repairs.map((r) => r.pointer),
      dropped,
    });
    const deviation = this.ctx.deviation;
    if (!deviation) return;
    for (const r of repairs)
      deviation({ code: r.code, operationId, url: where.url, pointer: r.pointer, message: `${r.pointer || "/"}: ${r.from} repaired to ${r.to}` });
    for (const i of dropped) {
      const why = issues.filter((e) => e.pointer.startsWith(`/${i}/`) || e.pointer === `/${i}`);
      deviation({
        code: "invalid-object-dropped",
        operationId,
        url: where.url,
        pointer: `/${i}`,
        message: `object /${i} left out of the page: ${formatIssues(why)}`,
      });
    }
  }
}

/**
 * The stops of one call: the first attempt's signal (its timeout, the call's deadline, the caller's and the client's
 * signals) and the call's own signal (the deadline and those signals), which retries and the backoff between them
 * use. Nearly every call ends with its first attempt: that costs one controller and one timer, and the call's signal
 * is built only when a retry asks for it (a second controller, timer and listener on every call made each page of a
 * crawl measurably slower).
 */
class CallStops {
  readonly first = new AbortController();
  /** Whether the call's deadline passed. */
  deadlinePassed = false;
  private readonly external: AbortSignal[] = [];
  private deadline?: AbortController;
  private call?: AbortSignal;
  private timer: ReturnType<typeof setTimeout>;
  private readonly stopFirst = (event: Event) => this.first.abort((event.target as AbortSignal).reason);

  constructor(
    private readonly timeoutMs: number,
    private readonly deadlineMs: number,
    ...signals: (AbortSignal | undefined)[]
  ) {
    // One timer: the attempt's timeout, or the deadline when it comes first (after a timeout, the rest of the deadline).
    this.timer = setTimeout(this.expire, Math.min(timeoutMs, deadlineMs));
    for (const signal of signals) {
      if (!signal) continue;
      this.external.push(signal);
      if (signal.aborted) this.first.abort(signal.reason);
      else signal.addEventListener("abort", this.stopFirst, { once: true });
    }
  }

  private readonly expire = () => {
    if (this.deadlineMs <= this.timeoutMs) return this.passDeadline();
    this.first.abort(new DOMException(`no response within ${this.timeoutMs} ms`, "TimeoutError"));
    this.timer = setTimeout(this.passDeadline, this.deadlineMs - this.timeoutMs);
  };

  private readonly passDeadline = () => {
    this.deadlinePassed = true;
    const reason = this.deadlineReason();
    this.deadline?.abort(reason);
    this.first.abort(reason);
  };

  private deadlineReason(): DOMException {
    return new DOMException(`deadline of ${this.deadlineMs} ms passed`, "TimeoutError");
  }

  /** The call's signal, built on first use. */
  readonly callSignal = (): AbortSignal => {
    if (!this.call) {
      this.deadline = new AbortController();
      if (this.deadlinePassed) this.deadline.abort(this.deadlineReason());
      // AbortSignal.any only where there is more than one signal: it costs.
      this.call = this.external.length === 0 ? this.deadline.signal : AbortSignal.any([this.deadline.signal, ...this.external]);
    }
    return this.call;
  };

  dispose(): void {
    clearTimeout(this.timer);
    for (const signal of this.external) signal.removeEventListener("abort", this.stopFirst);
  }
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
  if (redirects)
    return new OcpiError("limit", `${info.operationId}: more than ${String(redirects.limit)} redirects (maxRedirects)`, { ...details, cause: error });
  const name = (error as Error | undefined)?.name;
  if (name === "TimeoutError") return new OcpiError("timeout", `${info.operationId}: ${(error as Error).message}`, { ...details, cause: error });
  if (name === "AbortError") return new OcpiError("network", `${info.operationId}: aborted`, { ...details, cause: error });
  return new OcpiError("network", `${info.operationId}: ${(error as Error)?.message ?? String(error)}`, { ...details, cause: error });
}
