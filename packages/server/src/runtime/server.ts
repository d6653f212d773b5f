/**
 * createOcpiServer: a Hono app serving OCPI 2.2.1 from the generated route table: versions and version details,
 * the credentials handshake, and every module interface that was given handlers, with auth, party scoping,
 * parameter and body validation, pagination and the response envelope.
 */
import { Hono, type Context } from "hono";
import {
  envelope,
  formatNextLink,
  newRequestId,
  OcpiHeaders,
  OcpiStatus,
  readRoutingHeaders,
  toOcpiDateTime,
  tokenCandidates,
} from "@ocpi-sdk/protocol";
import { formatIssues, type ValidationIssue } from "@ocpi-sdk/validators";
import type { CredentialsRole } from "@ocpi-sdk/types/2.2.1";
import { routes, version as VERSION, type Handlers } from "../generated/2.2.1/index.gen.js";
import type { PartyRecord, Store } from "../store/store.js";
import { CredentialsService } from "./credentials.js";
import { OcpiHttpError } from "./errors.js";
import { checkParams } from "./params.js";
import { docsPage, type OpenApiDocument } from "./docs.js";
import { ResultSender, type ResultRetryPolicy } from "./results.js";
import { RawJson, RawJsonList, type AsyncReply, type Caller, type Page, type RouteInfo } from "./routes.js";

export interface OcpiServerOptions {
  /** Where peers reach this server, e.g. `https://ocpi.example.com` (no trailing slash). */
  publicUrl: string;
  /** Path of the OCPI base under publicUrl (default `/ocpi`). */
  basePath?: string;
  /** Our own roles, as our credentials list them. */
  roles: CredentialsRole[];
  /** Handlers per module and interface: only these modules are routed and listed in version details. */
  handlers: Handlers;
  store: Store;
  /** Largest page a list returns (default 100); a larger `limit` is capped. */
  maxLimit?: number;
  /** Largest request body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Reject request bodies with fields the spec does not define (default false: OCPI asks to tolerate them). */
  strictBodies?: boolean;
  /** Check our own response data against the schemas before sending (default true). */
  validateResponses?: boolean;
  /** Serve an OpenAPI document at `<basePath>/openapi.json` and a page describing it at `<basePath>/docs`. */
  docs?: { document: OpenApiDocument };
  /** fetch for outgoing calls (registration, async results). */
  fetch?: (request: Request) => Promise<Response>;
  /** Retries of async results POSTed to a response_url. */
  resultRetry?: Partial<ResultRetryPolicy>;
  /** Sees what the server does: requests that failed, results sent, registrations. */
  log?: (event: ServerEvent) => void;
}

export type ServerEvent =
  | { type: "error"; operationId: string; requestId: string; error: unknown }
  | { type: "result-sent"; operationId: string; url: string; attempts: number }
  | { type: "result-failed"; operationId: string; url: string; attempts: number; error: unknown }
  | { type: "registered"; partyId: string; roles: string[]; direction: "incoming" | "outgoing" };

type AnyHandler = (request: unknown) => Promise<unknown>;

const ALL_ROUTES = routes as readonly RouteInfo[];

/** Hono path of a layout path: `{param}` becomes `:param`. */
const honoPath = (basePath: string, layoutPath: string) => basePath + layoutPath.replace(/\{([a-z_]+)\}/g, ":$1");

export class OcpiServer {
  readonly app: Hono;
  readonly credentials: CredentialsService;
  readonly results: ResultSender;
  private readonly basePath: string;
  private readonly maxLimit: number;
  private readonly maxBodyBytes: number;

  constructor(private readonly options: OcpiServerOptions) {
    this.basePath = options.basePath ?? "/ocpi";
    this.maxLimit = options.maxLimit ?? 100;
    this.maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
    this.credentials = new CredentialsService({
      store: options.store,
      roles: options.roles,
      versionsUrl: this.versionsUrl,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    this.results = new ResultSender({
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.resultRetry ? { retry: options.resultRetry } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    this.app = this.buildApp();
  }

  /** Our versions endpoint. */
  get versionsUrl(): string {
    return `${this.options.publicUrl}${this.basePath}/versions`;
  }

  /** The URL of one of our interfaces, as version details list it. */
  endpointUrl(route: RouteInfo): string {
    return `${this.options.publicUrl}${this.basePath}${route.layoutPath.slice(0, route.layoutPath.length - route.path.length)}`;
  }

  /** A response_url for a request we send, pointing at our own route for its result (e.g. commandsSenderPostResult). */
  responseUrl(operationId: string, responseId: string = newRequestId()): string {
    const route = ALL_ROUTES.find((r) => r.operationId === operationId && r.url === "response_url");
    if (!route) throw new Error(`${operationId} is not an operation that receives results`);
    return `${this.options.publicUrl}${this.basePath}${route.layoutPath.replace("{response_id}", encodeURIComponent(responseId))}`;
  }

  /** Resolves when every asynchronous result started so far has been delivered (or given up on). */
  idle(): Promise<void> {
    return this.results.idle();
  }

  /** The routes that are served: discovery, credentials, and every operation of an interface given handlers. */
  servedRoutes(): RouteInfo[] {
    return ALL_ROUTES.filter((r) => r.module === "discovery" || r.module === "credentials" || this.handlerOf(r) !== undefined);
  }

  private handlerOf(route: RouteInfo): AnyHandler | undefined {
    if (!route.interface) return undefined;
    const side = (this.options.handlers as Record<string, Record<string, Record<string, unknown>> | undefined>)[route.module]?.[route.interface.toLowerCase()];
    const fn = side?.[route.name];
    return typeof fn === "function" ? (fn.bind(side) as AnyHandler) : undefined;
  }

  private versionDetails() {
    const seen = new Set<string>();
    const endpoints = [];
    for (const route of this.servedRoutes()) {
      if (!route.interface || route.url !== "endpoint") continue;
      const key = `${route.module}:${route.interface}`;
      if (seen.has(key)) continue;
      seen.add(key);
      endpoints.push({ identifier: route.module, role: route.interface, url: this.endpointUrl(route) });
    }
    return { version: VERSION, endpoints };
  }

  private buildApp(): Hono {
    const app = new Hono();
    const docs = this.options.docs;
    if (docs) {
      app.get(`${this.basePath}/openapi.json`, (c) => c.json(docs.document));
      app.get(`${this.basePath}/docs`, (c) => c.html(docsPage(docs.document, this.servedRoutes().map((r) => r.operationId))));
    }
    const served = this.servedRoutes();
    for (const route of served) {
      app.on(route.method, honoPath(this.basePath, route.layoutPath), (c) => this.handle(c, route));
    }
    // Unknown paths and methods still get an envelope: 404, or 405 where the path exists with other methods.
    const patterns = served.map((r) => ({ route: r, regex: new RegExp(`^${honoPath(this.basePath, r.layoutPath).replace(/:[a-z_]+/g, "[^/]+")}/?$`) }));
    app.notFound((c) => {
      const { requestId, correlationId } = ids(c);
      const path = new URL(c.req.url).pathname;
      const allowed = [...new Set(patterns.filter((p) => p.regex.test(path)).map((p) => p.route.method))];
      const headers = { [OcpiHeaders.RequestId]: requestId, [OcpiHeaders.CorrelationId]: correlationId };
      if (allowed.length) {
        return c.json(envelope(undefined, OcpiStatus.ClientError, `method ${c.req.method} is not allowed here; use ${allowed.join(", ")}`), 405, { ...headers, Allow: allowed.join(", ") });
      }
      return c.json(envelope(undefined, OcpiStatus.ClientError, `no OCPI endpoint at ${path}`), 404, headers);
    });
    app.onError((error, c) => {
      const { requestId, correlationId } = ids(c);
      this.options.log?.({ type: "error", operationId: "unrouted", requestId, error });
      return c.json(envelope(undefined, OcpiStatus.ServerError, "internal error"), 500, { [OcpiHeaders.RequestId]: requestId, [OcpiHeaders.CorrelationId]: correlationId });
    });
    return app;
  }

  private async handle(c: Context, route: RouteInfo): Promise<Response> {
    const { requestId, correlationId } = ids(c);
    const headers: Record<string, string> = { [OcpiHeaders.RequestId]: requestId, [OcpiHeaders.CorrelationId]: correlationId };
    try {
      const caller = await this.authenticate(c, route);
      const { data, extraHeaders } = await this.dispatch(c, route, caller, requestId, correlationId);
      const list = data instanceof RawJsonList ? data : Array.isArray(data) && data[0] instanceof RawJson ? new RawJsonList(`[${(data as RawJson[]).map((item) => item.json).join(",")}]`, data.length) : undefined;
      if (list !== undefined) {
        // Stored JSON goes out as it is: the envelope is written around its bytes.
        const body = concatBytes(ENVELOPE_START, list.bytes, utf8.encode(`,"status_code":${OcpiStatus.Success},"timestamp":"${toOcpiDateTime()}"}`));
        return c.body(body as Uint8Array<ArrayBuffer>, 200, { ...headers, ...extraHeaders, "Content-Type": "application/json" });
      }
      return c.json(envelope(data), 200, { ...headers, ...extraHeaders });
    } catch (error) {
      if (error instanceof OcpiHttpError) return c.json(envelope(undefined, error.statusCode, error.message), error.httpStatus as 400, headers);
      this.options.log?.({ type: "error", operationId: route.operationId, requestId, error });
      return c.json(envelope(undefined, OcpiStatus.ServerError, "internal error"), 500, headers);
    }
  }

  private readonly tokenCache = new Map<string, PartyRecord | undefined>();
  private tokenCacheRevision?: number;

  /**
   * The party of the first candidate token that has one. Remembered per token while the store reports that no party
   * changed (a store without partiesRevision is asked every time).
   */
  private async partyOf(candidates: string[]): Promise<PartyRecord | undefined> {
    const store = this.options.store;
    const revision = store.partiesRevision?.();
    const key = candidates.join("\u0000");
    if (revision !== undefined) {
      if (revision !== this.tokenCacheRevision) {
        this.tokenCache.clear();
        this.tokenCacheRevision = revision;
      } else if (this.tokenCache.has(key)) {
        return this.tokenCache.get(key);
      }
    }
    let party: PartyRecord | undefined;
    for (const token of candidates) {
      party = await store.findPartyByToken(token);
      if (party) break;
    }
    // Only remember when nothing changed meanwhile, and never let the cache grow without bound.
    if (revision !== undefined && store.partiesRevision?.() === revision && this.tokenCache.size < 10_000) this.tokenCache.set(key, party && Object.freeze(party));
    return party;
  }

  /** Finds the party of the token; Token A only opens versions, version details and credentials. */
  private async authenticate(c: Context, route: RouteInfo): Promise<Caller> {
    const candidates = tokenCandidates(c.req.header("Authorization"));
    if (!candidates) throw OcpiHttpError.unauthorized("an Authorization: Token header is required");
    const party = await this.partyOf(candidates);
    if (!party || party.status === "unregistered") throw OcpiHttpError.unauthorized("unknown token");
    if (party.incomingTokenKind === "A" && route.auth !== "tokenA") {
      throw OcpiHttpError.unauthorized("a registration token (Token A) only gives access to versions, version details and credentials");
    }
    return { party, roles: party.roles, isHub: party.roles.some((r) => r.role === "HUB") };
  }

  private async dispatch(c: Context, route: RouteInfo, caller: Caller, requestId: string, correlationId: string): Promise<{ data: unknown; extraHeaders?: Record<string, string> }> {
    if (route.operationId === "versions") return { data: [{ version: VERSION, url: `${this.options.publicUrl}${this.basePath}/${VERSION}` }] };
    if (route.operationId === "versionDetails") return { data: this.versionDetails() };

    const path = checkParams(route.pathParams, c.req.param() as Record<string, string>, "path");
    const url = new URL(c.req.url);
    const query = checkParams(route.query, Object.fromEntries(url.searchParams), "query");
    const issues = [...path.issues, ...query.issues];
    const body = await this.readBody(c, route, issues);
    if (issues.length) throw OcpiHttpError.invalid(issues);
    this.checkScope(route, caller, path.values, body);

    if (route.module === "credentials") {
      return { data: await this.credentials.handle(route.name, caller, body as never) };
    }
    const handler = this.handlerOf(route)!;
    const base = { params: path.values, query: query.values, body, caller, requestId, correlationId, routing: readRoutingHeaders(c.req.raw.headers) };

    if (route.paginated) {
      const limit = Math.min(Number(query.values.limit ?? this.maxLimit), this.maxLimit);
      const offset = Number(query.values.offset ?? 0);
      const page = { offset, limit, ...pick(query.values, ["date_from", "date_to"]) };
      const result = (await handler({ ...base, page })) as Page<unknown>;
      // Items given as RawJson were validated when they were stored; the others are checked now.
      this.checkResponse(route, result.items);
      const extraHeaders: Record<string, string> = { [OcpiHeaders.TotalCount]: String(result.total), [OcpiHeaders.Limit]: String(this.maxLimit) };
      const count = result.items.length;
      if (offset + count < result.total && count > 0) {
        const next = new URL(`${this.options.publicUrl}${url.pathname}${url.search}`);
        next.searchParams.set("offset", String(offset + count));
        next.searchParams.set("limit", String(limit));
        extraHeaders[OcpiHeaders.Link] = formatNextLink(next.href);
      }
      return { data: result.items instanceof RawJsonList ? result.items : [...result.items], extraHeaders };
    }

    if (route.result) {
      const reply = (await handler(base)) as AsyncReply<unknown, unknown>;
      this.checkResponse(route, reply.response);
      const responseUrl = (body as { response_url?: string } | undefined)?.response_url ?? (query.values.response_url as string | undefined);
      if (reply.result && responseUrl) {
        const resultRoute = ALL_ROUTES.find((r) => r.operationId === route.result)!;
        this.results.deliver(resultRoute, caller.party, responseUrl, reply.result);
      }
      return { data: reply.response };
    }

    const data = await handler(base);
    this.checkResponse(route, data);
    return { data: route.response ? data : undefined, ...this.createdLocation(route, body) };
  }

  /**
   * A POST that creates an object (a CDR) answers with a Location header: the URL of the same interface's `get` for
   * it, so the sender can read the object back.
   */
  private createdLocation(route: RouteInfo, body: unknown): { extraHeaders?: Record<string, string> } {
    if (route.method !== "POST" || route.response || !route.interface) return {};
    const get = ALL_ROUTES.find((r) => r.module === route.module && r.interface === route.interface && r.name === "get" && r.pathParams.length === 1);
    const id = (body as { id?: unknown } | undefined)?.id;
    if (!get || typeof id !== "string") return {};
    return { extraHeaders: { [OcpiHeaders.Location]: `${this.endpointUrl(get)}/${encodeURIComponent(id)}` } };
  }

  /** Reads, size-checks, parses and validates the body; problems are added to `issues`. */
  private async readBody(c: Context, route: RouteInfo, issues: ValidationIssue[]): Promise<unknown> {
    if (!route.request) return undefined;
    const declared = Number(c.req.header("Content-Length") ?? 0);
    if (declared > this.maxBodyBytes) throw new OcpiHttpError(413, OcpiStatus.InvalidOrMissingParameters, `the body is larger than ${this.maxBodyBytes} bytes`);
    const text = await c.req.text();
    if (text.length > this.maxBodyBytes) throw new OcpiHttpError(413, OcpiStatus.InvalidOrMissingParameters, `the body is larger than ${this.maxBodyBytes} bytes`);
    if (text.trim() === "") {
      if (route.request.required) issues.push({ pointer: "/body", message: "is required", keyword: "required" });
      return undefined;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      issues.push({ pointer: "/body", message: "is not valid JSON", keyword: "json" });
      return undefined;
    }
    const result = route.request.validator.validate(body, { strict: this.options.strictBodies ?? false });
    if (!result.ok) issues.push(...result.errors);
    return body;
  }

  /**
   * A peer writes only objects of its own parties (a hub of any party): the path's country_code/party_id must be one
   * of its roles, and an object in the body must carry the same owner and id as the path.
   */
  private checkScope(route: RouteInfo, caller: Caller, params: Record<string, unknown>, body: unknown): void {
    const cc = params.country_code as string | undefined;
    const pid = params.party_id as string | undefined;
    if (cc === undefined || pid === undefined) return;
    const own = caller.roles.some((r) => r.country_code.toUpperCase() === cc.toUpperCase() && r.party_id.toUpperCase() === pid.toUpperCase());
    if (!own && !caller.isHub) throw OcpiHttpError.forbidden(`objects of ${cc}/${pid} belong to another party`);
    if (route.method !== "PUT" || body === null || typeof body !== "object") return;
    const mismatches: ValidationIssue[] = [];
    const b = body as Record<string, unknown>;
    if ("country_code" in b && String(b.country_code).toUpperCase() !== cc.toUpperCase()) mismatches.push({ pointer: "/country_code", message: `must equal the path's ${cc}`, keyword: "const" });
    if ("party_id" in b && String(b.party_id).toUpperCase() !== pid.toUpperCase()) mismatches.push({ pointer: "/party_id", message: `must equal the path's ${pid}`, keyword: "const" });
    const idParam = route.pathParams.at(-1)?.name;
    const idField = { location_id: "id", session_id: "id", tariff_id: "id", token_uid: "uid" }[idParam ?? ""];
    if (idField && idParam && route.pathParams.length === 3 && idField in b && b[idField] !== params[idParam]) {
      mismatches.push({ pointer: `/${idField}`, message: `must equal the path's ${String(params[idParam])}`, keyword: "const" });
    }
    if (mismatches.length) throw OcpiHttpError.invalid(mismatches);
  }

  /** Our own data must be valid before it leaves: a handler bug is a 3000, not a broken payload at the peer. */
  private checkResponse(route: RouteInfo, data: unknown): void {
    if (this.options.validateResponses === false || !route.response || data === undefined) return;
    if (data instanceof RawJsonList) return;
    const items = route.response.list && Array.isArray(data) ? data.filter((item) => !(item instanceof RawJson)) : [data];
    for (const [i, item] of items.entries()) {
      const result = route.response.validator.validate(item);
      if (!result.ok) {
        const at = route.response.list ? `/${i}` : "";
        throw new ResponseValidationError(`${route.operationId}: the handler returned an invalid ${route.response.validator.name}: ${formatIssues(result.errors.map((e) => ({ ...e, pointer: at + e.pointer })))}`);
      }
    }
  }
}

class ResponseValidationError extends Error {
  override readonly name = "ResponseValidationError";
}

const utf8 = new TextEncoder();
const ENVELOPE_START = utf8.encode('{"data":');

function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function ids(c: Context): { requestId: string; correlationId: string } {
  return {
    requestId: c.req.header(OcpiHeaders.RequestId) ?? newRequestId(),
    correlationId: c.req.header(OcpiHeaders.CorrelationId) ?? newRequestId(),
  };
}

function pick(values: Record<string, unknown>, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) if (typeof values[key] === "string") out[key] = values[key] as string;
  return out;
}

export function createOcpiServer(options: OcpiServerOptions): OcpiServer {
  return new OcpiServer(options);
}
