/**
 * createOcpiServer: a Hono app serving OCPI 2.1.1, 2.2.1 and 2.3.0 from the generated route tables: versions and
 * version details, the credentials handshake, and every module interface that was given handlers, with auth, party
 * scoping, parameter and body validation, pagination and the response envelope. Handlers are written against one
 * version; the other versions served reach them through the converters (runtime/bridge.ts).
 */
import { Hono, type Context, type MiddlewareHandler, type Next } from "hono";
import {
  canonicalCiString,
  compareVersions,
  envelope,
  formatNextLink,
  newRequestId,
  OcpiHeaders,
  OcpiStatus,
  readRoutingHeaders,
  routingHeaders,
  toOcpiDateTime,
  tokenCandidates,
  DEFAULT_MAX_JSON_DEPTH,
  hasForbiddenKey,
  jsonDepthExceeded,
  repairValue,
  resolveLogger,
  type Logger,
  type ProfileValidation,
  type Repair,
  type RoutingHeaders,
  type UrlPolicy,
} from "@ocpi-sdk/protocol";
import { bodyLimit } from "hono/body-limit";
import { formatIssues, type ValidationIssue } from "@ocpi-sdk/validators";
import type { ConversionNote } from "@ocpi-sdk/converters";
import type { CredentialsRole } from "@ocpi-sdk/types/2.2.1";
import type { PartyRecord, Store } from "../store/store.js";
import { ConversionError, VersionBridge, type AnyHandler, type BridgeOptions } from "./bridge.js";
import { CredentialsService, type OutgoingOptions } from "./credentials.js";
import { PartyDeviations } from "./deviations.js";
import type { Deviation, FetchLike } from "@ocpi-sdk/client";
import type { AuthorizeRegistration } from "./identity.js";
import { OcpiHttpError } from "./errors.js";
import { checkParams } from "./params.js";
import { checkScope } from "./scope.js";
import { etagOf, KeyedLock, matches, parseIfMatch, preconditionFailed, type IfMatch } from "./etag.js";
import { EXTENSION_ROUTES, isExtensionRoute } from "./extension-routes.js";
import {
  anonymousCaller,
  DEFAULT_RATE_LIMIT,
  enables,
  OPEN_DATA_OPERATIONS,
  RateLimiter,
  tooManyRequests,
  type OpenDataOptions,
  type ServerExtensions,
} from "./extensions.js";
import { mountDocs, type DocsOptions } from "./docs.js";
import { logServerEvent, REQUEST_FACTS, requestLog, type RequestFacts } from "./logging.js";
import {
  ResultTracker,
  type ChargingProfileOf,
  type ChargingProfileResponseOf,
  type ChargingProfileResultOf,
  type ChargingProfilesVersion,
  type ActiveChargingProfileResultOf,
  type ClearProfileResultOf,
  type CommandRequestOf,
  type CommandResponseOf,
  type CommandResultOf,
  type CommandTypeOf,
  type ExpectedResult,
  type ExpectedResultEvent,
  type ExpectedResultsOptions,
  type PendingRequest,
  type SendRequestOptions,
  type TimedOutRequest,
} from "./pending.js";
import { Outbox, originOf, originsOf, type DeliveryPolicy, type OutboxEvent } from "./outbox.js";
import {
  OcpiReply,
  RawJson,
  RawJsonList,
  RouteMap,
  type HandlerNotice,
  type AsyncReply,
  type Caller,
  type OcpiRequest,
  type Page,
  type RouteInfo,
} from "./routes.js";
import { counterpart, ROUTES, routeById, versionOf, type HandlersByVersion, type HandlersOf, type ServedVersion } from "./versions.js";

/**
 * Options of {@link createOcpiServer}: where the server is reached, our roles, the store, the handlers and versions served,
 * and what the server does besides (validation, outbox, logging, middleware, docs).
 */
export interface OcpiServerOptions<H extends ServedVersion = "2.2.1"> {
  /** Where peers reach this server, e.g. `https://ocpi.example.com` (no trailing slash). */
  publicUrl: string;
  /** Path of the OCPI base under publicUrl (default `/ocpi`). */
  basePath?: string;
  /** Our own roles, as our credentials list them. */
  roles: CredentialsRole[];
  /** The version the handlers are written against (default 2.2.1). */
  handlersVersion?: H;
  /**
   * Handlers per module and interface: only these modules are routed and listed in version details. The handlers of
   * enabled `extensions` go beside them, in the same objects (a receiver's `list`, the tokens receiver's `delete`;
   * typed by ExtensionHandlers).
   */
  handlers: HandlersOf<H>;
  /**
   * Route tables to serve in place of the built-in ones, by version: the `routes` that `ocpi generate` writes in
   * `server/index.gen.ts`, so that a custom field is validated and a custom module is served (where `handlers` has
   * handlers for it) as the spec's own.
   */
  routes?: { readonly [V in ServedVersion]?: readonly RouteInfo[] };
  /**
   * The versions served (default: the handlers' version). The others reach the handlers through the converters: a
   * route is served in a version when its objects convert (2.1.1 has no charging profiles, 2.2.1 no payments).
   */
  versions?: ServedVersion[];
  /** Handlers written against one served version, used there instead of converting (e.g. 2.3.0 payments). */
  versionHandlers?: HandlersByVersion;
  /** More context for conversions between versions than the server finds itself (see VersionBridge). */
  conversionContext?: BridgeOptions["context"];
  store: Store;
  /** Largest page a list returns (default 100); a larger `limit` is capped. */
  maxLimit?: number;
  /** Largest request body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Reject request bodies with fields the spec does not define (default false: OCPI asks to tolerate them). */
  strictBodies?: boolean;
  /**
   * How request bodies are checked against the schemas (a party's `profile.validation` overrides it for that party):
   * - `strict` (default): a body that does not validate is refused (2001, naming each field).
   * - `lenient`: what real peers get wrong is repaired first (timestamps in other forms become UTC `…Z`, `null` in
   *   an optional field is dropped, a one-element list where one object is expected is unwrapped; see repairValue
   *   of @ocpi-sdk/protocol) and logged as a `repaired` event; what is still invalid after that (a missing required
   *   field, a `null` in one) is refused as in strict.
   * - `off`: no schema check (the body must still be a JSON object within the size and depth limits, without
   *   forbidden keys, and its keys must match the path); handlers get what was sent and must cope with it.
   *   Credentials bodies, which the server reads itself, are checked leniently instead.
   * `strictBodies` (unknown fields refused) applies in strict and lenient mode.
   */
  validation?: ProfileValidation;
  /** Check our own response data against the schemas before sending (default true). */
  validateResponses?: boolean;
  /**
   * Serve an API reference of this server: for every served version `<basePath>/<version>/openapi.json` (what it
   * routes, `servers` naming publicUrl + basePath), `<basePath>/<version>/openapi/<role>.json` per role we play, and
   * an interactive page at `<basePath>/<version>/docs` whose scripts this server serves too (`docs.script`; on Node
   * `apiReferenceScript()` of `@ocpi-sdk/server/node`). No token is needed to read them.
   */
  docs?: DocsOptions;
  /**
   * fetch for outgoing calls (registration, async results): `globalThis.fetch`'s signature, or `(request) => …`
   * such as another server's `app.fetch`.
   */
  fetch?: FetchLike;
  /**
   * Which addresses outgoing calls may reach. Default: public addresses only (no loopback, private, link-local or
   * metadata addresses, checked after DNS and at every redirect); open them for tests, demos and private networks.
   */
  urlPolicy?: UrlPolicy;
  /**
   * Timeouts, deadline and size cap of outgoing calls, and any other client option (see @ocpi-sdk/client). Default:
   * 10 s per attempt, 30 s per call with its retries, 4 MiB per response.
   */
  outgoing?: OutgoingOptions;
  /**
   * Decides which identities (roles of country_code/party_id) a registering or updating peer may take, instead of
   * the defaults: the token's allowedRoles, or any identity no other party holds except HUB.
   */
  authorizeRegistration?: AuthorizeRegistration;
  /**
   * For a hub (a HUB role among `roles`; see createOcpiHub): the roles of the parties reachable through it, which
   * its 2.3.0 credentials list for `party` besides its own, with `hub_party_id`.
   */
  reachableRoles?: (party: PartyRecord) => Promise<CredentialsRole[]>;
  /** Failed registrations with one Token A before the token is retired (default 5). */
  maxRegistrationFailures?: number;
  /** Deepest JSON nesting a request body may have (default 64). */
  maxJsonDepth?: number;
  /**
   * How the outbox delivers pushes (`server.outbox.put/patch/post`) and asynchronous results: backoff, attempts
   * before a dead letter, lease, batch size, poll interval (see DeliveryPolicy). `worker` names this process in the
   * store's leases; `start: false` runs no worker in this process (another one delivers).
   */
  delivery?: Partial<DeliveryPolicy> & { worker?: string; start?: boolean };
  /** Retries of async results: the outbox's backoff and attempts (`delivery`), under their former names. */
  resultRetry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /**
   * How the results of requests we send (sendCommand, the charging-profile requests) are waited for: the wait when
   * a response names no `timeout` (2.1.1; default 300 s), the longest wait a peer may set (default 1 h), how long a
   * record is kept after its request ended so that late results are still taken (default 24 h), and how often the
   * stored records are swept (default 60 s). See ExpectedResultsOptions.
   */
  expectedResults?: ExpectedResultsOptions;
  /**
   * Told of every request sent with sendCommand or a charging-profile method whose result did not come by the
   * deadline its response set, with the TIMEOUT result the sender's promise resolved with; also of requests sent
   * before a restart (found by the sweep). Called at least once per request: when it throws it is called again by a
   * later sweep, until it succeeds or the record is removed. The record (`responseId`, `request`) names the request.
   */
  onResultTimeout?: (request: TimedOutRequest) => void | Promise<void>;
  /**
   * ETags (default true): every GET of one object answers with a strong `ETag` of its JSON as served in that
   * version, and a PUT, PATCH or DELETE with `If-Match` is applied only while the object still has that ETag (else
   * 412). `false`: no ETag headers, and If-Match is ignored. Not part of OCPI (see "ETags" in the README).
   */
  etags?: boolean;
  /** Behaviour beyond the spec, each off by default (see ServerExtensions and "Extensions" in the README). */
  extensions?: ServerExtensions;
  /** Sees what the server does: requests that failed, results sent, registrations. */
  log?: (event: ServerEvent) => void;
  /**
   * Where the server writes one line per request, one per error (with its message and stack) and its notable
   * events: any Logger, a pino logger as it is, or `false` for nothing. Default: JSON lines on the console
   * (`jsonLogger()`; debug events dropped). Clients the server makes log there too, unless `outgoing.logger` is set.
   */
  logger?: Logger | false;
  /**
   * Hono middleware run for every request before it is routed (OCPI routes, docs and 404s alike), in this order,
   * then those added with `server.use`. Use these rather than `server.app.use`: the OCPI routes are registered when
   * the server is made and answer without calling next, so middleware added to the app later never runs for them.
   */
  middleware?: MiddlewareHandler[];
}

/** What the server reports through `onEvent`: failed requests, command and profile results sent or not, outbox work. */
export type ServerEvent =
  /** A request answered 500 because something threw (a handler, a middleware); also the hub's failed forwards. */
  | { type: "error"; operationId: string; requestId: string; correlationId?: string; partyId?: string; error: unknown }
  | { type: "result-sent"; operationId: string; url: string; attempts: number }
  /** A result that was not sent: refused before (a response_url off the party's origins) or a dead letter. */
  | { type: "result-failed"; operationId: string; url: string; attempts: number; error: unknown }
  /** What the outbox does: deliveries sent, to be retried, given up (dead letters), store errors. */
  | OutboxEvent
  | { type: "registered"; partyId: string; roles: string[]; direction: "incoming" | "outgoing"; version: string }
  /** A party that unregistered (incoming: its DELETE of our credentials; outgoing: ours of its). */
  | { type: "unregistered"; partyId: string; direction: "incoming" | "outgoing" }
  /** A registration or credentials update that failed or was refused; a Token A is retired after a few. */
  | { type: "registration-failed"; partyId: string; direction: "incoming" | "outgoing"; error: unknown; failedAttempts?: number; retired?: boolean }
  | { type: "converted"; operationId: string; from: ServedVersion; to: ServedVersion; object: string; notes: ConversionNote[] }
  /** A way a party's implementation deviates from the spec, seen by a call to it; each kind once per party. */
  | { type: "deviation"; partyId: string; deviation: Deviation }
  /** A request body that did not validate, repaired in lenient mode (see `validation`) and handled as repaired. */
  | { type: "repaired"; operationId: string; partyId: string; requestId: string; repairs: Repair[] }
  /** A handler's notice (e.g. a PUT or PATCH older than the object kept, not applied), with the request's party. */
  | (HandlerNotice & { operationId: string; partyId: string })
  /** Results of the requests we sent: received in time, timed out, late; and failures of their tracking. */
  | ExpectedResultEvent;

/** Hono path of a layout path: `{param}` becomes `:param`. */
const honoPath = (basePath: string, layoutPath: string) => basePath + layoutPath.replace(/\{([a-z_]+)\}/g, ":$1");

/**
 * An OCPI server: the versions and credentials modules, the routes of every served version and role (each answered by
 * the handlers, through a version bridge where the handlers' version differs), authentication, validation, pagination,
 * the outbox of pushes and the results of async requests. Serve `app.fetch` (a Hono app) on any runtime.
 */
export class OcpiServer<H extends ServedVersion = "2.2.1"> {
  /** The Hono app that answers every route: serve its `fetch`, or mount it in another app. */
  readonly app: Hono;
  /** The version the handlers are written against. */
  readonly handlersVersion: ServedVersion;
  /** The versions served, lowest first. */
  readonly versions: ServedVersion[];
  /** Registration, tokens and registered parties. */
  readonly credentials: CredentialsService;
  /** Where the server logs (the `logger` option, or the default JSON logger); undefined with `logger: false`. */
  readonly logger: Logger | undefined;
  /**
   * Pushes of our object changes (`put`, `patch`, `post`) and asynchronous results, kept in the store until each
   * party has them; its worker runs from construction until close() (unless `delivery.start` is false).
   */
  readonly outbox: Outbox;
  /** Results whose handler has not given them yet: they enter the outbox when it does. */
  private readonly pendingResults = new Set<Promise<unknown>>();
  private readonly basePath: string;
  private readonly maxLimit: number;
  private readonly maxBodyBytes: number;

  /** The handler of every served route (native, or through the bridge). */
  private readonly handlers = new RouteMap<AnyHandler>();
  /** The extension routes enabled, per version (served where they have a handler). */
  private readonly extensionRoutes = new Map<ServedVersion, RouteInfo[]>();
  /** Whether GETs of one object carry an ETag and writes honour If-Match. */
  private readonly etags: boolean;
  /** One conditional write of an object at a time (its If-Match check and its write are one step). */
  private readonly conditionalWrites = new KeyedLock();
  /** Open data (requests without a token to the Locations SENDER GETs), when enabled; its rate limit, if any. */
  private readonly openData?: { limiter?: RateLimiter; key: (request: Request) => string };
  /** Aborts every outgoing call when the server closes. */
  private readonly closing = new AbortController();
  /** The response_urls we gave out, their deadlines and results (see runtime/pending.ts). */
  private readonly tracker: ResultTracker;

  private readonly options: OcpiServerOptions<H>;
  /** What runs before routing: the `middleware` option's, then what use() added. */
  private readonly middleware: MiddlewareHandler[];
  /** How many routes the app had when built: middleware added to it later runs after the OCPI routes. */
  private builtRoutes = 0;
  private lateMiddlewareChecked = false;

  constructor(given: OcpiServerOptions<H>) {
    const logger = (this.logger = resolveLogger(given.logger));
    this.middleware = [...(given.middleware ?? [])];
    // Every event reaches both the application's `log` and the logger: all the code below reports through `log`.
    const log =
      given.log || logger
        ? (event: ServerEvent) => {
            given.log?.(event);
            logServerEvent(logger, event);
          }
        : undefined;
    const options: OcpiServerOptions<H> = (this.options = { ...given, ...(log ? { log } : {}) });
    this.handlersVersion = options.handlersVersion ?? "2.2.1";
    this.versions = [...new Set(options.versions ?? [this.handlersVersion])].sort(compareVersions);
    this.basePath = options.basePath ?? "/ocpi";
    this.maxLimit = options.maxLimit ?? 100;
    this.maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
    const signal = options.outgoing?.signal ? AbortSignal.any([options.outgoing.signal, this.closing.signal]) : this.closing.signal;
    // A peer answering in seconds is slow; one that makes a registration wait a minute is a problem: tighter than
    // the client's defaults.
    const outgoing: OutgoingOptions = {
      timeoutMs: 10_000,
      deadlineMs: 30_000,
      ...options.outgoing,
      ...(options.outgoing?.logger === undefined ? { logger: logger ?? false } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.urlPolicy ? { urlPolicy: options.urlPolicy } : {}),
      signal,
    };
    // One reporter for every client made for a party, so each kind of deviation is logged once per party.
    const deviations = new PartyDeviations(options.log);
    this.credentials = new CredentialsService({
      deviations,
      store: options.store,
      roles: options.roles,
      versionsUrl: this.versionsUrl,
      versions: this.versions,
      outgoing,
      ...(options.authorizeRegistration ? { authorizeRegistration: options.authorizeRegistration } : {}),
      ...(options.maxRegistrationFailures !== undefined ? { maxRegistrationFailures: options.maxRegistrationFailures } : {}),
      ...(options.reachableRoles ? { reachableRoles: options.reachableRoles } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    const { worker, start, ...policy } = options.delivery ?? {};
    const retry = options.resultRetry;
    this.outbox = new Outbox({
      store: options.store,
      version: this.handlersVersion,
      // Each call is one attempt: the outbox retries, with a backoff that survives restarts.
      clientFor: (party) => this.credentials.clientFor(party, undefined, { retry: false }),
      policy: {
        ...(retry?.attempts !== undefined ? { maxAttempts: retry.attempts } : {}),
        ...(retry?.baseDelayMs !== undefined ? { baseDelayMs: retry.baseDelayMs } : {}),
        ...(retry?.maxDelayMs !== undefined ? { maxDelayMs: retry.maxDelayMs } : {}),
        ...policy,
      },
      ...(worker !== undefined ? { worker } : {}),
      signal,
      log: (event) => this.outboxEvent(event),
    });
    if (start !== false) this.outbox.start();
    const bridge = new VersionBridge({
      handlersVersion: this.handlersVersion,
      handlerOf: (route) => this.nativeHandlerOf(route),
      roles: options.roles,
      ...(options.conversionContext ? { context: options.conversionContext } : {}),
      onNotes: (operationId, from, to, object, notes) => options.log?.({ type: "converted", operationId, from, to, object, notes }),
    });
    const extensions = options.extensions;
    for (const version of this.versions) {
      const enabled = EXTENSION_ROUTES[version].filter((e) => enables(extensions, e)).map((e) => e.route);
      this.extensionRoutes.set(version, enabled);
      for (const route of [...(options.routes?.[version] ?? ROUTES[version]), ...enabled]) {
        const handler = this.nativeHandlerOf(route) ?? bridge.adapt(route);
        if (handler) this.handlers.set(route, handler);
      }
    }
    this.etags = options.etags ?? true;
    if (extensions?.openDataLocations) {
      const open: OpenDataOptions = extensions.openDataLocations === true ? {} : extensions.openDataLocations;
      const limit = open.rateLimit === false ? undefined : { ...DEFAULT_RATE_LIMIT, ...open.rateLimit };
      this.openData = { ...(limit ? { limiter: new RateLimiter(limit) } : {}), key: open.key ?? (() => "*") };
    }
    this.tracker = new ResultTracker({ store: options.store, ...options.expectedResults, onTimeout: options.onResultTimeout, log: options.log }).start();
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

  /**
   * A response_url for a request we send to `party`, pointing at our own route for its result (e.g.
   * commandsSenderPostResult) in the version the request is sent in (by default the handlers' version). The
   * expectation is kept in the store: a result is accepted only from that party, at a response_url we gave out, for
   * `expectedResults.retentionMs` (default 24 h). No deadline is known for a request sent this way: to have it
   * timed out, send it with sendCommand or a charging-profile method.
   */
  async responseUrl(operationId: string, options: { party: PartyRecord; responseId?: string; version?: ServedVersion }): Promise<string> {
    const { route, version } = this.resultRoute(operationId, options.version);
    const responseId = options.responseId ?? newRequestId();
    await this.tracker.expect({ responseId, partyId: options.party.id, operationId, version });
    return this.resultUrl(route, responseId);
  }

  /**
   * Sends a command (START_SESSION, STOP_SESSION, RESERVE_NOW, UNLOCK_CONNECTOR, CANCEL_RESERVATION) to `party`
   * with a response_url of ours, and tracks it. `response` is the CommandResponse; `result` resolves with the
   * CommandResult the CPO posts (a second CommandResponse in 2.1.1), with a TIMEOUT result when none came within
   * the response's `timeout` (2.1.1 names none: `expectedResults.defaultTimeoutSeconds`), or with undefined at once
   * when the response is not ACCEPTED. The deadline is kept in the store: after a restart the next server on it
   * reports the timeout (onResultTimeout). `body` is the command without response_url, written in
   * `options.version` (default: the handlers' version), which must be the version the party talks; the result is
   * also given to the commandsSenderPostResult handler of that version, which must be served.
   */
  sendCommand<C extends CommandTypeOf<V>, V extends ServedVersion = H>(
    party: PartyRecord,
    command: C,
    body: CommandRequestOf<V, C>,
    options: SendRequestOptions<V> = {},
  ): Promise<PendingRequest<CommandResponseOf<V>, CommandResultOf<V>>> {
    const version = options.version ?? this.handlersVersion;
    const route = ROUTES[version].find((r) => r.module === "commands" && r.interface === "RECEIVER" && r.path === `/${command}`);
    if (!route) return Promise.reject(new Error(`OCPI ${version} has no command ${command}`));
    return this.sendExpectingResult(party, version, route, options, (responseUrl) => ({ body: { ...body, response_url: responseUrl } })) as never;
  }

  /**
   * Asks the CPO for the charging profile active on a session over the next `duration` seconds (GET
   * ActiveChargingProfile, 2.2.1 on): `response` is the ChargingProfileResponse, `result` the
   * ActiveChargingProfileResult posted later (a TIMEOUT result, or undefined, as for sendCommand).
   */
  requestActiveChargingProfile<V extends ChargingProfilesVersion = DefaultProfilesVersion<H>>(
    party: PartyRecord,
    sessionId: string,
    duration: number,
    options: SendRequestOptions<V> = {},
  ): Promise<PendingRequest<ChargingProfileResponseOf<V>, ActiveChargingProfileResultOf<V>>> {
    return this.sendProfileRequest(party, "getActiveProfile", options, (response_url) => ({ session_id: sessionId, duration, response_url })) as never;
  }

  /**
   * Sets a charging profile on a session (PUT SetChargingProfile, 2.2.1 on): `result` is the ChargingProfileResult
   * posted later (a TIMEOUT result, or undefined, as for sendCommand).
   */
  setChargingProfile<V extends ChargingProfilesVersion = DefaultProfilesVersion<H>>(
    party: PartyRecord,
    sessionId: string,
    chargingProfile: ChargingProfileOf<V>,
    options: SendRequestOptions<V> = {},
  ): Promise<PendingRequest<ChargingProfileResponseOf<V>, ChargingProfileResultOf<V>>> {
    return this.sendProfileRequest(party, "setProfile", options, (response_url) => ({
      session_id: sessionId,
      body: { charging_profile: chargingProfile, response_url },
    })) as never;
  }

  /**
   * Clears the charging profile of a session (DELETE, 2.2.1 on): `result` is the ClearProfileResult posted later
   * (a TIMEOUT result, or undefined, as for sendCommand).
   */
  clearChargingProfile<V extends ChargingProfilesVersion = DefaultProfilesVersion<H>>(
    party: PartyRecord,
    sessionId: string,
    options: SendRequestOptions<V> = {},
  ): Promise<PendingRequest<ChargingProfileResponseOf<V>, ClearProfileResultOf<V>>> {
    return this.sendProfileRequest(party, "clearProfile", options, (response_url) => ({ session_id: sessionId, response_url })) as never;
  }

  /** Where a request sent with a response_url of ours stands (see ExpectedResult), while its record is kept. */
  expectedResult(responseId: string): Promise<ExpectedResult | undefined> {
    return this.tracker.get(responseId);
  }

  private sendProfileRequest(
    party: PartyRecord,
    name: string,
    options: SendRequestOptions<ServedVersion>,
    request: (responseUrl: string) => Record<string, unknown>,
  ): Promise<PendingRequest<unknown, unknown>> {
    const version = options.version ?? (this.handlersVersion === "2.1.1" ? "2.2.1" : this.handlersVersion);
    const route = ROUTES[version].find((r) => r.module === "chargingprofiles" && r.interface === "RECEIVER" && r.name === name);
    if (!route) return Promise.reject(new Error(`OCPI ${version} has no charging profiles`));
    return this.sendExpectingResult(party, version, route, options, request);
  }

  /** Sends a request that carries a response_url of ours (made by `request`), tracked by the ResultTracker. */
  private async sendExpectingResult(
    party: PartyRecord,
    version: ServedVersion,
    route: RouteInfo,
    options: SendRequestOptions<ServedVersion>,
    request: (responseUrl: string) => Record<string, unknown>,
  ): Promise<PendingRequest<unknown, unknown>> {
    const { route: resultRoute } = this.resultRoute(route.result ?? "", version);
    if (!this.handlers.has(resultRoute)) throw new Error(`no handler serves ${resultRoute.operationId} in OCPI ${version}: the result could not be received`);
    const client = this.credentials.clientFor(party, version);
    const responseId = options.responseId ?? newRequestId();
    const responseUrl = this.resultUrl(resultRoute, responseId);
    const arg = request(responseUrl);
    const { body, ...params } = arg;
    return this.tracker.send({
      responseId,
      responseUrl,
      partyId: party.id,
      operationId: resultRoute.operationId,
      version,
      request: { operationId: route.operationId, ...(Object.keys(params).length ? { params } : {}), ...(body !== undefined ? { body } : {}) },
      call: async () => (await client.callOperation(route.operationId, arg, options.call)).data,
    });
  }

  /** The route of a version that receives results at a response_url. */
  private resultRoute(operationId: string, version: ServedVersion = this.handlersVersion): { route: RouteInfo; version: ServedVersion } {
    const route = routeById(version, operationId);
    if (route?.url !== "response_url") throw new Error(`${operationId} is not an operation that receives results in OCPI ${version}`);
    return { route, version };
  }

  private resultUrl(route: RouteInfo, responseId: string): string {
    return `${this.options.publicUrl}${this.basePath}${route.layoutPath.replace("{response_id}", encodeURIComponent(responseId))}`;
  }

  /**
   * Resolves when every asynchronous result started so far is in the outbox, and the outbox has delivered everything
   * pending (or given it up as a dead letter), waiting out retries. After close(): once the calls in flight ended.
   */
  async idle(): Promise<void> {
    while (this.pendingResults.size) await Promise.allSettled([...this.pendingResults]);
    if (this.closing.signal.aborted) return this.outbox.stop();
    for (;;) {
      await this.outbox.drain();
      const next = await this.options.store.nextDeliveryAt();
      if (next === undefined || this.closing.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(1000, Date.parse(next) - Date.now()))));
    }
  }

  /**
   * Stops every outgoing call at once (registrations, results, deliveries): nothing waits for a slow peer. Deliveries
   * cut short stay in the store and are sent again when their lease runs out.
   */
  close(): void {
    this.closing.abort(new Error("the OCPI server is closing"));
    this.tracker.stop();
    void this.outbox.stop();
  }

  /** Outbox events as server events; a result's delivery also as result-sent or result-failed. */
  private outboxEvent(event: OutboxEvent): void {
    const log = this.options.log;
    if (!log) return;
    log(event);
    if (event.type === "outbox-error" || event.delivery.url === undefined) return;
    const { operationId, url, attempts } = event.delivery;
    if (event.type === "delivery-sent") log({ type: "result-sent", operationId, url, attempts });
    else if (event.type === "delivery-dead") log({ type: "result-failed", operationId, url, attempts, error: new Error(event.failure.error) });
  }

  /** Puts a result in the outbox once the handler gives it; a response_url off the party's origins gets nothing. */
  private queueResult(route: RouteInfo, party: PartyRecord, responseUrl: string, result: Promise<unknown>): void {
    const fail = (error: unknown) => this.options.log?.({ type: "result-failed", operationId: route.operationId, url: responseUrl, attempts: 0, error });
    const origin = originOf(responseUrl);
    const origins = originsOf(party);
    if (origin === undefined || !origins.has(origin)) {
      result.catch(() => undefined);
      fail(new Error(`the response_url ${responseUrl} is not on an origin of the party (${[...origins].join(", ") || "none"}): its token is not sent there`));
      return;
    }
    const task = result
      .then((body) => this.outbox.result(party, route.operationId, versionOf(route)!, responseUrl, body))
      .catch(fail)
      .finally(() => this.pendingResults.delete(task));
    this.pendingResults.add(task);
  }

  /**
   * The routes that are served, version by version: the versions endpoint (once), version details, credentials, and
   * every operation that has a handler, then the enabled extension routes that have one.
   */
  servedRoutes(): RouteInfo[] {
    const routes: RouteInfo[] = [];
    for (const version of this.versions) {
      for (const route of this.options.routes?.[version] ?? ROUTES[version]) {
        if (route.operationId === "versions" && version !== this.versions.at(-1)) continue;
        if (route.module === "discovery" || route.module === "credentials" || this.handlers.has(route)) routes.push(route);
      }
      for (const route of this.extensionRoutes.get(version) ?? []) if (this.handlers.has(route)) routes.push(route);
    }
    return routes;
  }

  /** The handler given for a route: in `versionHandlers` for its version, or in `handlers` in the handlers' version. */
  private nativeHandlerOf(route: RouteInfo): AnyHandler | undefined {
    const version = versionOf(route);
    if (!route.interface || !version) return undefined;
    const given = [
      (this.options.versionHandlers as Record<string, unknown> | undefined)?.[version],
      version === this.handlersVersion ? this.options.handlers : undefined,
    ];
    for (const handlers of given) {
      const side = (handlers as Record<string, Record<string, Record<string, unknown>> | undefined> | undefined)?.[route.module]?.[
        route.interface.toLowerCase()
      ];
      const fn = side?.[route.name];
      if (typeof fn === "function") return fn.bind(side) as AnyHandler;
    }
    return undefined;
  }

  /**
   * The endpoints of one version. 2.1.1 lists one URL per module, without a role: the interface served, or with
   * both served the one our first role implements.
   */
  private versionDetails(version: ServedVersion) {
    const seen = new Set<string>();
    const endpoints: { identifier: string; role?: string; url: string }[] = [];
    // Extensions are not the spec's: a peer finds them at the receiver's URL, which the spec's routes list.
    const routes = this.servedRoutes().filter((r) => versionOf(r) === version && r.interface && r.url === "endpoint" && !isExtensionRoute(r));
    for (const route of routes) {
      const key = version === "2.1.1" ? route.module : `${route.module}:${route.interface}`;
      if (seen.has(key)) continue;
      if (version === "2.1.1") {
        const sides = new Set(routes.filter((r) => r.module === route.module).map((r) => r.interface));
        if (sides.size > 1 && route.interface !== this.interfaceOf211(route.module)) continue;
      }
      seen.add(key);
      endpoints.push({ identifier: route.module, ...(version === "2.1.1" ? {} : { role: route.interface }), url: this.endpointUrl(route) });
    }
    return { version, endpoints };
  }

  /** The interface a 2.1.1 module offers for our first role: a CPO sends locations, sessions, CDRs and tariffs. */
  private interfaceOf211(module: string): "SENDER" | "RECEIVER" {
    const cpo = this.options.roles[0]?.role === "CPO";
    const cpoSends = ["locations", "sessions", "cdrs", "tariffs"].includes(module);
    return module === "credentials" || cpo === cpoSends ? "SENDER" : "RECEIVER";
  }

  /**
   * Adds Hono middleware run for every request before it is routed (OCPI routes, docs and 404s alike), after the
   * `middleware` option's and those added before, whether requests were served already or not. `server.app.use`
   * cannot do this once the server is made: it comes after the OCPI routes, which answer without calling next.
   */
  use(...middleware: MiddlewareHandler[]): this {
    this.middleware.push(...middleware);
    return this;
  }

  /**
   * Runs the middleware as Hono runs a chain: a Response one returns without calling next is the answer, and an
   * error one throws becomes the 500 that the middleware before it see. Read at request time, so use() always works.
   */
  private runMiddleware(c: Context, next: Next): Promise<void> {
    if (!this.lateMiddlewareChecked) this.checkLateMiddleware();
    if (this.middleware.length === 0) return next();
    const chain = [...this.middleware];
    const run = async (i: number): Promise<void> => {
      const middleware = chain[i];
      if (!middleware) return next();
      try {
        const answer = await middleware(c, () => run(i + 1));
        if (answer instanceof Response && !c.finalized) c.res = answer;
      } catch (error) {
        if (error instanceof Error) c.error = error;
        c.res = this.unhandled(error, c);
      }
    };
    return run(0);
  }

  /** Warns once, at the first request, of middleware added with `server.app.use` after the server was made. */
  private checkLateMiddleware(): void {
    this.lateMiddlewareChecked = true;
    const late = this.app.routes
      .slice(this.builtRoutes)
      .filter((r) => r.method === "ALL")
      .map((r) => r.path);
    if (late.length) {
      this.logger?.warn(
        { paths: late },
        "middleware added with server.app.use() after the server was made runs only where no OCPI route answers; give it in the `middleware` option or to server.use()",
      );
    }
  }

  /** The 500 envelope for an error nothing else answered (thrown by middleware), reported as an `error` event. */
  private unhandled(error: unknown, c: Context): Response {
    const request = ids(c);
    this.options.log?.({ type: "error", operationId: "unrouted", ...request, error });
    return c.json(envelope(undefined, OcpiStatus.ServerError, "internal error"), 500, idHeaders(request));
  }

  private buildApp(): Hono {
    const app = new Hono();
    // First, so that the line has the final status and the whole time, also of what middleware answered itself.
    if (this.logger) app.use("*", requestLog(this.logger));
    app.use("*", (c, next) => this.runMiddleware(c, next));
    const docs = this.options.docs;
    if (docs) {
      mountDocs(app, {
        docs,
        basePath: this.basePath,
        baseUrl: `${this.options.publicUrl}${this.basePath}`,
        versions: this.versions,
        roles: this.options.roles,
        // The versions endpoint belongs to no version: every version's document lists it.
        operationIds: (version) =>
          this.servedRoutes()
            .filter((r) => (versionOf(r) ?? version) === version)
            .map((r) => r.operationId),
      });
    }
    // Bytes are counted as the body streams in (chunked or not), and reading stops at the limit.
    // The rest of the body is not read: the connection is closed after the answer, so it cannot be reused mid-body.
    const tooLarge = (c: Context) =>
      c.json(envelope(undefined, OcpiStatus.InvalidOrMissingParameters, `the body is larger than ${this.maxBodyBytes} bytes`), 413, {
        ...idHeaders(ids(c)),
        Connection: "close",
      });
    const limit = bodyLimit({ maxSize: this.maxBodyBytes, onError: tooLarge });
    app.use(`${this.basePath}/*`, (c, next) => {
      // A GET (or HEAD, DELETE) that declares no body has none to count: the limit would only build a whole Request
      // to find that out. Methods whose bodies are read are always counted (an HTTP/2 body needs no Content-Length).
      const method = c.req.method;
      if (method === "POST" || method === "PUT" || method === "PATCH") return limit(c, next);
      const headers = c.req.raw.headers;
      return headers.has("content-length") || headers.has("transfer-encoding") ? limit(c, next) : next();
    });
    const served = this.servedRoutes();
    for (const route of served) {
      app.on(route.method, honoPath(this.basePath, route.layoutPath), (c) => this.handle(c, route));
    }
    // Unknown paths and methods still get an envelope: 404, or 405 where the path exists with other methods. A
    // trailing slash is an empty last segment, which no route has: 404, never the route one segment up.
    const patterns = served.map((r) => ({ route: r, regex: new RegExp(`^${honoPath(this.basePath, r.layoutPath).replace(/:[a-z_]+/g, "[^/]+")}$`) }));
    app.notFound((c) => {
      const headers = idHeaders(ids(c));
      const path = new URL(c.req.url).pathname;
      const allowed = [...new Set(patterns.filter((p) => p.regex.test(path)).map((p) => p.route.method))];
      if (allowed.length) {
        return c.json(envelope(undefined, OcpiStatus.ClientError, `method ${c.req.method} is not allowed here; use ${allowed.join(", ")}`), 405, {
          ...headers,
          Allow: allowed.join(", "),
        });
      }
      return c.json(envelope(undefined, OcpiStatus.ClientError, `no OCPI endpoint at ${path}`), 404, headers);
    });
    app.onError((error, c) => this.unhandled(error, c));
    this.builtRoutes = app.routes.length;
    return app;
  }

  private async handle(c: Context, route: RouteInfo): Promise<Response> {
    const { requestId, correlationId } = ids(c);
    const headers: Record<string, string> = idHeaders({ requestId, correlationId });
    // For the request's log line (see requestLog): the party is added once known.
    const facts: RequestFacts | undefined = this.logger ? { operationId: route.operationId } : undefined;
    if (facts) c.set(REQUEST_FACTS, facts);
    let partyId: string | undefined;
    try {
      const caller = await this.authenticate(c, route);
      partyId = caller.party.id;
      if (facts) facts.partyId = partyId;
      Object.assign(headers, responseRouting(route, readRoutingHeaders(c.req.raw.headers), caller, this.options.roles));
      const { data, extraHeaders, statusMessage } = await this.dispatch(c, route, caller, requestId, correlationId);
      const list =
        data instanceof RawJsonList
          ? data
          : Array.isArray(data) && data[0] instanceof RawJson
            ? new RawJsonList(`[${(data as RawJson[]).map((item) => item.json).join(",")}]`, data.length)
            : undefined;
      if (list !== undefined) {
        // Stored JSON goes out as it is: the envelope is written around its bytes.
        return c.body(envelopedList(list) as Uint8Array<ArrayBuffer>, 200, { ...headers, ...extraHeaders, "Content-Type": "application/json" });
      }
      if (data instanceof RawJson) {
        // One object serialized once, for its ETag: sent as that text.
        const message = statusMessage === undefined ? "" : `,"status_message":${JSON.stringify(statusMessage)}`;
        const body = `{"data":${data.json},"status_code":${OcpiStatus.Success}${message},"timestamp":"${toOcpiDateTime()}"}`;
        return c.body(body, 200, { ...headers, ...extraHeaders, "Content-Type": "application/json" });
      }
      return c.json(envelope(data, OcpiStatus.Success, statusMessage), 200, { ...headers, ...extraHeaders });
    } catch (error) {
      if (error instanceof OcpiHttpError)
        return c.json(envelope(undefined, error.statusCode, error.message), error.httpStatus as 400, { ...headers, ...error.headers });
      this.options.log?.({ type: "error", operationId: route.operationId, requestId, correlationId, ...(partyId !== undefined ? { partyId } : {}), error });
      // Our data that the peer's version cannot hold: say so, as a server error.
      const message = error instanceof ConversionError ? error.message : "internal error";
      return c.json(envelope(undefined, OcpiStatus.ServerError, message), 500, headers);
    }
  }

  private readonly linkBases = new Map<string, string>();

  /** The public URL of a list's path, as the next page's Link names it (normalized by URL once per path). */
  private linkBase(pathname: string): string {
    let base = this.linkBases.get(pathname);
    if (base === undefined) {
      base = new URL(`${this.options.publicUrl}${pathname}`).href;
      // List paths are few (a receiver's list names no object); the bound only guards against odd ones.
      if (this.linkBases.size >= 1000) this.linkBases.clear();
      this.linkBases.set(pathname, base);
    }
    return base;
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
    if (revision !== undefined && store.partiesRevision?.() === revision && this.tokenCache.size < 10_000)
      this.tokenCache.set(key, party && Object.freeze(party));
    return party;
  }

  /** Finds the party of the token; Token A only opens versions, version details and credentials. */
  private async authenticate(c: Context, route: RouteInfo): Promise<Caller> {
    const authorization = c.req.header("Authorization");
    // Open data: only the absence of the header; a token that is wrong is a 401 as always.
    if (authorization === undefined && this.openData && OPEN_DATA_OPERATIONS.has(route.operationId)) {
      const retryAfter = this.openData.limiter?.take(this.openData.key(c.req.raw));
      if (retryAfter !== undefined) throw tooManyRequests(retryAfter);
      return anonymousCaller();
    }
    const candidates = tokenCandidates(authorization);
    if (!candidates) throw OcpiHttpError.unauthorized("an Authorization: Token header is required");
    const party = await this.partyOf(candidates);
    if (!party || party.status === "unregistered") throw OcpiHttpError.unauthorized("unknown token");
    if (party.incomingTokenKind === "A" && route.auth !== "tokenA") {
      throw OcpiHttpError.unauthorized("a registration token (Token A) only gives access to versions, version details and credentials");
    }
    return { party, roles: party.roles, isHub: party.roles.some((r) => r.role === "HUB") };
  }

  private async dispatch(
    c: Context,
    route: RouteInfo,
    caller: Caller,
    requestId: string,
    correlationId: string,
  ): Promise<{ data: unknown; extraHeaders?: Record<string, string>; statusMessage?: string }> {
    const version = versionOf(route);
    if (route.operationId === "versions") return { data: this.versions.map((v) => ({ version: v, url: `${this.options.publicUrl}${this.basePath}/${v}` })) };
    if (route.operationId === "versionDetails") {
      // A peer that reads version details as a list (data[0]) gets them that way; everyone else the object.
      const details = this.versionDetails(version!);
      return { data: caller.party.profile?.detailsAsList ? [details] : details };
    }

    const url = new URL(c.req.url);
    const malformed = malformedEscape(url.pathname);
    if (malformed) throw OcpiHttpError.invalid([{ pointer: "/path", message: `has a malformed percent-escape: ${malformed}`, keyword: "pattern" }]);
    const path = checkParams(route.pathParams, c.req.param() as Record<string, string>, "path");
    const query = checkParams(route.query, Object.fromEntries(url.searchParams), "query");
    const issues = [...path.issues, ...query.issues];
    const { body, repairs } = await this.readBody(c, route, issues, caller);
    if (issues.length) throw OcpiHttpError.invalid(issues);
    checkScope(route, caller, path.values, body);
    if (route.url === "response_url") await this.checkExpectedResult(route, caller, String(path.values.response_id), body);
    // Reported once the request is taken: a body repaired but refused for another reason is only refused.
    if (repairs?.length) this.options.log?.({ type: "repaired", operationId: route.operationId, partyId: caller.party.id, requestId, repairs });

    if (route.module === "credentials") {
      return { data: await this.credentials.handle(version!, route.name, caller, body as never) };
    }
    const handler = this.handlers.get(route)!;
    const base = { params: path.values, query: query.values, body, caller, requestId, correlationId, routing: readRoutingHeaders(c.req.raw.headers) };

    if (route.paginated) {
      const limit = Math.min(Number(query.values.limit ?? this.maxLimit), this.maxLimit);
      const offset = Number(query.values.offset ?? 0);
      const page = { offset, limit, ...pick(query.values, ["date_from", "date_to"]) };
      const result = (await handler({ ...base, page })) as Page<unknown>;
      // Items given as RawJson were validated when they were stored; the others are checked now.
      this.checkResponse(route, result.items);
      if (caller.anonymous) this.checkPublished(route, result.items);
      const extraHeaders: Record<string, string> = { [OcpiHeaders.TotalCount]: String(result.total), [OcpiHeaders.Limit]: String(this.maxLimit) };
      const count = result.items.length;
      if (offset + count < result.total && count > 0) {
        const query = new URLSearchParams(url.searchParams);
        query.set("offset", String(offset + count));
        query.set("limit", String(limit));
        extraHeaders[OcpiHeaders.Link] = formatNextLink(`${this.linkBase(url.pathname)}?${query}`);
      }
      return { data: result.items instanceof RawJsonList ? result.items : [...result.items], extraHeaders };
    }

    if (route.result) {
      const reply = (await handler(base)) as AsyncReply<unknown, unknown>;
      this.checkResponse(route, reply.response);
      const responseUrl = (body as { response_url?: string } | undefined)?.response_url ?? (query.values.response_url as string | undefined);
      if (reply.result && responseUrl) {
        const resultRoute = routeById(version!, route.result)!;
        this.queueResult(resultRoute, caller.party, responseUrl, reply.result);
      }
      return { data: reply.response };
    }

    const conditional = this.conditionOf(c, route);
    if (conditional) return this.conditionalWrites.run(lockKey(route, path.values), () => this.writeIf(route, conditional, base, handler, body));
    if (caller.anonymous) await this.checkOpenDataLocation(route, base);
    return this.answer(route, await handler(base), caller, body);
  }

  /** A handler's answer to a request that is not a list or a request with a result, as the envelope carries it. */
  private answer(
    route: RouteInfo,
    answer: unknown,
    caller: Caller,
    body: unknown,
  ): { data: unknown; extraHeaders?: Record<string, string>; statusMessage?: string } {
    const reply = answer instanceof OcpiReply ? answer : undefined;
    const data = reply ? reply.data : answer;
    if (reply?.notice) this.options.log?.({ ...reply.notice, operationId: route.operationId, partyId: caller.party.id });
    this.checkResponse(route, data);
    if (caller.anonymous) this.checkPublished(route, data);
    const located = this.createdLocation(route, body);
    const statusMessage = reply?.statusMessage ? { statusMessage: reply.statusMessage } : {};
    if (this.etags && servesEtag(route) && data !== undefined) {
      // Serialized once: the ETag is of this text, and this text is what is sent.
      const json = JSON.stringify(data);
      return { data: new RawJson(json), extraHeaders: { ...located.extraHeaders, ETag: etagOf(json) }, ...statusMessage };
    }
    return { data: route.response ? data : undefined, ...located, ...statusMessage };
  }

  /**
   * The If-Match of a PUT, PATCH or DELETE, with the GET that reads the object it writes (same module, interface,
   * version and path parameters). None without the header, with ETags off, or where no such GET is served: the
   * header is then ignored.
   */
  private conditionOf(c: Context, route: RouteInfo): { condition: IfMatch; reader: RouteInfo } | undefined {
    if (!this.etags || !WRITE_METHODS.has(route.method) || !route.interface || route.module === "credentials") return undefined;
    const header = c.req.header("If-Match");
    if (header === undefined) return undefined;
    const reader = counterpart(route, versionOf(route)!, route.name.replace(/^(put|patch|delete)/, "get"));
    const sameParams = (r: RouteInfo) => r.pathParams.map((p) => p.name).join("/") === route.pathParams.map((p) => p.name).join("/");
    if (!reader || !servesEtag(reader) || !this.handlers.has(reader) || !sameParams(reader)) return undefined;
    return { condition: parseIfMatch(header)!, reader };
  }

  /**
   * A write applied only when the object's current ETag satisfies If-Match (an object that is not there satisfies
   * nothing, not even `*`): otherwise 412, and the handler is not called. Runs under the object's lock. A PATCH's
   * answer carries the ETag of the object it left (a PUT's may not: RFC 9110 allows that only when the body was
   * stored untransformed, which a stale write or a conversion breaks).
   */
  private async writeIf(
    route: RouteInfo,
    { condition, reader }: { condition: IfMatch; reader: RouteInfo },
    base: OcpiRequest<Record<string, unknown>, Record<string, unknown>, unknown>,
    handler: AnyHandler,
    body: unknown,
  ): Promise<{ data: unknown; extraHeaders?: Record<string, string>; statusMessage?: string }> {
    const current = await this.currentEtag(reader, base);
    if (!matches(condition, current)) throw preconditionFailed(current);
    const result = this.answer(route, await handler(base), base.caller, body);
    if (route.method !== "PATCH") return result;
    // The write is done: failing to read it back must not fail the request.
    const after = await this.currentEtag(reader, base).catch(() => undefined);
    return after === undefined ? result : { ...result, extraHeaders: { ...result.extraHeaders, ETag: after } };
  }

  /** The ETag the GET `reader` would answer with for the request's object; undefined when it answers 404. */
  private async currentEtag(reader: RouteInfo, base: OcpiRequest<Record<string, unknown>, Record<string, unknown>, unknown>): Promise<string | undefined> {
    const query = Object.fromEntries(reader.query.filter((q) => base.query[q.name] !== undefined).map((q) => [q.name, base.query[q.name]]));
    try {
      const answer = await this.handlers.get(reader)!({ ...base, query, body: undefined });
      const data = answer instanceof OcpiReply ? answer.data : answer;
      return data === undefined ? undefined : etagOf(JSON.stringify(data));
    } catch (error) {
      if (error instanceof OcpiHttpError && error.httpStatus === 404) return undefined;
      throw error;
    }
  }

  /**
   * Open data gives only published Locations, whatever the handlers do: an EVSE or Connector only of a Location
   * that the same version's GET gives with `publish` true (else 404, 2003). 2.1.1 has no `publish`: there the
   * handlers decide (the store handlers use the flag of the Location they keep).
   */
  private async checkOpenDataLocation(route: RouteInfo, base: OcpiRequest<Record<string, unknown>, Record<string, unknown>, unknown>): Promise<void> {
    if (route.module !== "locations" || (route.name !== "getEvse" && route.name !== "getConnector") || versionOf(route) === "2.1.1") return;
    const reader = counterpart(route, versionOf(route)!, "get");
    const get = reader && this.handlers.get(reader);
    const unknown = OcpiHttpError.notFound(`unknown Location ${String(base.params.location_id)}`, OcpiStatus.UnknownLocation);
    if (!get) throw unknown;
    const answer = await get({ ...base, params: { location_id: base.params.location_id }, query: {}, body: undefined });
    const location = parsedData(answer instanceof OcpiReply ? answer.data : answer);
    if ((location as { publish?: unknown } | undefined)?.publish !== true) throw unknown;
  }

  /**
   * The Locations a handler gives an anonymous caller must be published: one that is not is the handler's bug, and
   * is not sent (3000, logged), as invalid data is not.
   */
  private checkPublished(route: RouteInfo, data: unknown): void {
    if (route.module !== "locations" || route.response?.validator.name !== "Location" || versionOf(route) === "2.1.1") return;
    const items = data instanceof RawJsonList ? (JSON.parse(data.json) as unknown[]) : Array.isArray(data) ? data.map(parsedData) : [parsedData(data)];
    const unpublished = items.find((item) => (item as { publish?: unknown } | undefined)?.publish !== true) as { id?: unknown } | undefined;
    if (items.length && unpublished !== undefined) {
      throw new ResponseValidationError(
        `${route.operationId}: the handler gave a caller without a token a Location that is not published (${String(unpublished?.id)})`,
      );
    }
  }

  /**
   * A result is taken only at a response_url we gave out (see responseUrl), for that operation, and only from the
   * party the request went to, while its record is kept; anything else is answered as if the response_id did not
   * exist. A result taken is recorded: in time it ends its request and settles the sender's promise; after the
   * request ended (timed out, not accepted) it is reported as late. The handler gets it either way.
   */
  private async checkExpectedResult(route: RouteInfo, caller: Caller, responseId: string, body: unknown): Promise<void> {
    await this.tracker.receive(route.operationId, caller.party.id, responseId, body);
  }

  /**
   * A POST that creates an object (a CDR) answers with a Location header: the URL of the same interface's `get` for
   * it, so the sender can read the object back.
   */
  private createdLocation(route: RouteInfo, body: unknown): { extraHeaders?: Record<string, string> } {
    if (route.method !== "POST" || route.response || !route.interface) return {};
    const get = counterpart(route, versionOf(route)!, "get");
    if (get?.pathParams.length !== 1) return {};
    const id = (body as { id?: unknown } | undefined)?.id;
    if (!get || typeof id !== "string") return {};
    return { extraHeaders: { [OcpiHeaders.Location]: `${this.endpointUrl(get)}/${encodeURIComponent(id)}` } };
  }

  /**
   * Reads, size-checks, parses and validates the body (in the caller's validation mode, repairing in lenient mode);
   * problems are added to `issues`. Returns the body the handler gets, and what was repaired in it.
   */
  private async readBody(c: Context, route: RouteInfo, issues: ValidationIssue[], caller: Caller): Promise<{ body: unknown; repairs?: Repair[] }> {
    if (!route.request) return { body: undefined };
    // The size was counted while the body streamed in (bodyLimit, before routing). Bytes that are not UTF-8, and a
    // byte order mark (which JSON forbids senders to add), make the body invalid rather than silently repaired.
    const bytes = await c.req.arrayBuffer();
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      issues.push({ pointer: "/body", message: "is not valid UTF-8", keyword: "json" });
      return { body: undefined };
    }
    if (text.trim() === "") {
      if (route.request.required) issues.push({ pointer: "/body", message: "is required", keyword: "required" });
      return { body: undefined };
    }
    const type = c.req.header("Content-Type");
    if (!type || !JSON_MEDIA_TYPE.test(type)) {
      throw new OcpiHttpError(
        415,
        OcpiStatus.InvalidOrMissingParameters,
        `a body must be sent as Content-Type: application/json${type ? `, not ${type}` : ""}`,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      issues.push({ pointer: "/body", message: "is not valid JSON", keyword: "json" });
      return { body: undefined };
    }
    // Bounded before anything walks it: no handler, converter or store sees deeper nesting or prototype keys.
    const maxDepth = this.options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
    const deep = jsonDepthExceeded(body, maxDepth);
    if (deep !== undefined) {
      issues.push({ pointer: `/body${deep}`, message: `is nested deeper than ${maxDepth} levels`, keyword: "maxDepth" });
      return { body: undefined };
    }
    const forbidden = hasForbiddenKey(body);
    if (forbidden !== undefined) {
      issues.push({ pointer: `/body${forbidden}`, message: "is a key no OCPI object may have", keyword: "propertyNames" });
      return { body: undefined };
    }
    const mode = caller.party.profile?.validation ?? this.options.validation ?? "strict";
    // The server reads credentials itself (the identities a peer claims, the token, the URL it calls): never unchecked.
    return this.checkBody(route, body, mode === "off" && route.module === "credentials" ? "lenient" : mode, issues);
  }

  /**
   * The schema check of a parsed body: none (`off`), refused where invalid (`strict`), or repaired where a repair
   * fits and refused for what is left (`lenient`). `strictBodies` makes unknown fields an issue in both.
   */
  private checkBody(route: RouteInfo, body: unknown, mode: ProfileValidation, issues: ValidationIssue[]): { body: unknown; repairs?: Repair[] } {
    if (!route.request) return { body };
    if (mode === "off") {
      // Every OCPI request body is an object: anything else is no body a handler could read, whatever the mode.
      if (body === null || typeof body !== "object" || Array.isArray(body))
        issues.push({ pointer: "/body", message: "must be a JSON object", keyword: "type" });
      return { body };
    }
    const validator = route.request.validator;
    const strict = this.options.strictBodies ?? false;
    const validate = (value: unknown): ValidationIssue[] => {
      const result = validator.validate(value, { strict });
      return result.ok ? [] : result.errors;
    };
    const found = validate(body);
    if (found.length === 0) return { body };
    if (mode === "strict") {
      issues.push(...found);
      return { body };
    }
    const repaired = repairValue(body, found, validate);
    issues.push(...repaired.issues);
    return { body: repaired.value, ...(repaired.issues.length === 0 ? { repairs: repaired.repairs } : {}) };
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
        throw new ResponseValidationError(
          `${route.operationId}: the handler returned an invalid ${route.response.validator.name}: ${formatIssues(result.errors.map((e) => ({ ...e, pointer: at + e.pointer })))}`,
        );
      }
    }
  }
}

class ResponseValidationError extends Error {
  override readonly name = "ResponseValidationError";
}

const WRITE_METHODS: ReadonlySet<string> = new Set(["PUT", "PATCH", "DELETE"]);

/** Whether a route is a GET of one object, answered with an ETag (not a list, not a request with a result). */
function servesEtag(route: RouteInfo): boolean {
  return (
    route.method === "GET" &&
    !route.paginated &&
    !!route.response &&
    !route.response.list &&
    !route.result &&
    !!route.interface &&
    route.module !== "credentials"
  );
}

/**
 * The lock of the object a write names: its module, interface and path keys, in canonical form; the EVSEs and
 * Connectors of a Location are part of it.
 */
function lockKey(route: RouteInfo, params: Record<string, unknown>): string {
  const keys = route.pathParams.filter((p) => p.name !== "evse_uid" && p.name !== "connector_id").map((p) => canonicalCiString(String(params[p.name])));
  return [route.module, route.interface, ...keys].join("\u0000");
}

const parsedData = (value: unknown): unknown => (value instanceof RawJson ? (JSON.parse(value.json) as unknown) : value);

const utf8 = new TextEncoder();
const ENVELOPE_START = utf8.encode('{"data":');

/** The last envelope made around each (cached) page, with its timestamp. */
const envelopes = new WeakMap<RawJsonList, { second: number; body: Uint8Array }>();

/**
 * The envelope around a page of stored JSON, as bytes. The timestamp has whole seconds, so every answer with the
 * same page within one second is the same bytes: made once, not copied for each request.
 */
function envelopedList(list: RawJsonList): Uint8Array {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  const kept = envelopes.get(list);
  if (kept?.second === second) return kept.body;
  const timestamp = toOcpiDateTime(new Date(now));
  const body = concatBytes(ENVELOPE_START, list.bytes, utf8.encode(`,"status_code":${OcpiStatus.Success},"timestamp":"${timestamp}"}`));
  envelopes.set(list, { second, body });
  return body;
}

function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** application/json, with parameters (charset) or as a +json type. */
const JSON_MEDIA_TYPE = /^\s*application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;

/** The first path segment whose percent-escapes do not decode to UTF-8 text, if any. */
function malformedEscape(pathname: string): string | undefined {
  for (const segment of pathname.split("/")) {
    if (!segment.includes("%")) continue;
    try {
      decodeURIComponent(segment);
    } catch {
      return segment.slice(0, 40);
    }
  }
  return undefined;
}

/** The version of the charging-profile requests by default: the handlers' version, or 2.2.1 for 2.1.1 handlers. */
type DefaultProfilesVersion<H extends ServedVersion> = H extends ChargingProfilesVersion ? H : "2.2.1";

/** Modules whose requests and responses carry no routing headers: platform-to-platform or platform-to-hub. */
const UNROUTED_MODULES = new Set(["discovery", "versions", "credentials", "hubclientinfo"]);

/**
 * The routing headers of an answer to a functional module's request: to the party it came from, from the party it
 * was for (a hub forwarding it names them in the request). Without them, the caller's one identity and our own.
 */
function responseRouting(route: RouteInfo, request: RoutingHeaders, caller: Caller, ours: CredentialsRole[]): Record<string, string> {
  if (UNROUTED_MODULES.has(route.module) || versionOf(route) === "2.1.1") return {};
  const single = (roles: { country_code: string; party_id: string }[]) => {
    const identities = new Set(roles.map((r) => `${r.country_code}/${r.party_id}`.toUpperCase()));
    return identities.size === 1 ? { country_code: roles[0]!.country_code, party_id: roles[0]!.party_id } : undefined;
  };
  const to = request.from ?? single(caller.roles);
  const from = request.to ?? single(ours);
  return routingHeaders({ ...(to ? { to } : {}), ...(from ? { from } : {}) });
}

/** The request ids every answer echoes. */
function idHeaders({ requestId, correlationId }: { requestId: string; correlationId: string }): Record<string, string> {
  return { [OcpiHeaders.RequestId]: requestId, [OcpiHeaders.CorrelationId]: correlationId };
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

/** Builds an {@link OcpiServer}; `H` is the version the handlers are written against (default 2.2.1). */
export function createOcpiServer<H extends ServedVersion = "2.2.1">(options: OcpiServerOptions<H>): OcpiServer<H> {
  return new OcpiServer(options);
}
