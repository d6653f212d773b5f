/**
 * A hub node: an OcpiServer whose handlers forward every functional module's request to the registered party the
 * OCPI-to-* headers name, with that party's token and in its version (converted both ways by the client's view),
 * and answer with what it answered. Pushes that name no receiver (or the hub itself) are broadcast: to every other
 * party that receives the module, through the outbox. CDRs and Sessions that name no receiver go to the party of
 * their token. The hub rewrites the response_url of commands and charging-profile requests to one of its own, and
 * sends each result on to the party that asked. HubClientInfo lists the parties, and is pushed when one connects,
 * disconnects or stops answering.
 */
import { OcpiError, type OcpiClient } from "@ocpi-sdk/client";
import type { MiddlewareHandler } from "hono";
import { conversionName, convertObject, type OcpiVersion } from "@ocpi-sdk/converters";
import { canonicalCiString, newRequestId, toOcpiDateTime, type PartyId } from "@ocpi-sdk/protocol";
import type { BusinessDetails, CredentialsRole } from "@ocpi-sdk/types/2.2.1";
import type { NewDelivery, PartyRecord, Store } from "../store/store.js";
import { ConversionError } from "./bridge.js";
import { logServerEvent } from "./logging.js";
import { OcpiHttpError } from "./errors.js";
import { sameParty } from "./identity.js";
import type { Caller, OcpiRequest, Page, PageRequest, RouteInfo } from "./routes.js";
import { createOcpiServer, type OcpiServer, type OcpiServerOptions, type ServerEvent } from "./server.js";
import { ROUTES, routeById, versionOf, type HandlersByVersion, type ServedVersion } from "./versions.js";

/** The hub errors of OCPI (4xxx), each with the HTTP status it is answered with. */
export const HubStatus = {
  /** 4000, HTTP 400 (a request the hub cannot route) or 502 (a receiver that answered what cannot be passed on). */
  GenericError: 4000,
  /** 4001, HTTP 404: no connected party has the identity in OCPI-to-*, or it does not offer the interface. */
  UnknownReceiver: 4001,
  /** 4002, HTTP 504: the receiver did not answer in time. */
  Timeout: 4002,
  /** 4003, HTTP 502: the receiver could not be reached, or refused the hub's token. */
  ConnectionProblem: 4003,
} as const;

/** The modules a push without a receiver is broadcast for: data meant for every party, not one. */
const BROADCAST = new Set(["locations", "tariffs", "tokens"]);
/** Modules that are between a party and the hub itself: never forwarded. */

/** A party's connection status as HubClientInfo gives it. */
export type ConnectionStatus = "CONNECTED" | "OFFLINE" | "PLANNED" | "SUSPENDED";

/** A party as HubClientInfo lists it (the same object in 2.2.1 and 2.3.0). */
export interface ClientInfo {
  party_id: string;
  country_code: string;
  role: string;
  status: ConnectionStatus;
  last_updated: string;
}

/** Options of {@link createOcpiHub}: the server's options, less those the hub sets itself, and the hub's own party. */
export interface OcpiHubOptions
  extends Omit<OcpiServerOptions<"2.2.1">, "roles" | "handlers" | "handlersVersion" | "versionHandlers" | "versions" | "conversionContext"> {
  /** The hub's own party: its credentials role is HUB with this identity. */
  hub: { country_code: string; party_id: string; business_details: BusinessDetails };
  /**
   * The versions served (default 2.2.1 and 2.3.0). Routing headers, and so hubs, exist from 2.2 on: a 2.1.1 party
   * cannot name a receiver, and is not served.
   */
  versions?: Exclude<ServedVersion, "2.1.1">[];
  /** How long a forwarded request may take before the hub answers 4002 (default 20 s). */
  forwardTimeoutMs?: number;
  /**
   * How often every connected party's versions endpoint is read to tell whether it is still there (default 5 min,
   * the spec's advice; 0: never). A party that does not answer is OFFLINE until it does again.
   */
  aliveCheckMs?: number;
  /**
   * How long the hub keeps what it needs to route later messages: the party a Session was PUT to (for its PATCHes,
   * which name no token; refreshed while they come) and where a forwarded request's result goes. Older records are
   * deleted once an hour, and by {@link OcpiHub.prune}. Default 30 days; 0: kept for ever.
   */
  routingRetentionMs?: number;
}

/** What a hub keeps about a request it forwarded with a response_url of its own. */
interface ForwardedResult {
  /** The response_url of the party that asked. */
  url: string;
  /** That party, and the version and operation it expects the result in. */
  partyId: string;
  version: ServedVersion;
  operationId: string;
  /** The routing of the original request: the result goes from its receiver to its sender. */
  from: PartyId;
  to: PartyId;
}

const RESULTS = "hub.results";
const SESSION_ROUTES = "hub.sessions";
/** Parties whose versions endpoint did not answer the last alive check (id: the party's), since when. */
const OFFLINE = "hub.offline";

const identity = (p: { country_code: string; party_id: string }): PartyId => ({ country_code: p.country_code, party_id: p.party_id });
const label = (p: PartyId) => `${p.country_code}/${p.party_id}`;

/**
 * The "opposite role" of a request sent as `from` (broadcast and GET All): a CPO's goes to the eMSPs, NSPs and
 * others, theirs to the CPOs. Returns the identity of a party that plays it, if it does.
 */
function oppositeRoleOf(caller: Caller, from: PartyId): (party: PartyRecord) => PartyId | undefined {
  const fromCpo = caller.roles.some((r) => r.role === "CPO" && sameParty(r, from));
  return (party) => {
    const role = party.roles.find((r) => r.role !== "HUB" && (r.role === "CPO") !== fromCpo);
    return role && identity(role);
  };
}

/** A hub error, as the server answers it. */
function hubError(statusCode: number, message: string): OcpiHttpError {
  const http = statusCode === HubStatus.UnknownReceiver ? 404 : statusCode === HubStatus.Timeout ? 504 : statusCode === HubStatus.ConnectionProblem ? 502 : 400;
  return new OcpiHttpError(http, statusCode, message);
}

/**
 * What a failed forward is answered with: the receiver's own OCPI error as it gave it (the spec has the hub pass
 * it on), or the hub error for what went wrong on the way.
 */
export function forwardError(error: unknown, receiver: string): OcpiHttpError {
  if (error instanceof OcpiHttpError) return error;
  if (error instanceof ConversionError) return new OcpiHttpError(502, HubStatus.GenericError, `the request cannot be given to ${receiver}: ${error.message}`);
  if (!(error instanceof OcpiError))
    return new OcpiHttpError(502, HubStatus.GenericError, `forwarding to ${receiver} failed: ${error instanceof Error ? error.message : String(error)}`);
  switch (error.kind) {
    case "http":
    case "ocpi":
      if (error.statusCode !== undefined) return new OcpiHttpError(error.httpStatus ?? 200, error.statusCode, error.statusMessage ?? error.message);
      return new OcpiHttpError(502, HubStatus.ConnectionProblem, `${receiver} answered HTTP ${error.httpStatus} without an OCPI envelope`);
    case "timeout":
      return hubError(HubStatus.Timeout, `${receiver} did not answer in time`);
    case "no-endpoint":
      return hubError(HubStatus.UnknownReceiver, `${receiver} does not offer this: ${error.message}`);
    case "validation":
      return new OcpiHttpError(502, HubStatus.GenericError, `the request cannot be given to ${receiver}: ${error.message}`);
    case "invalid-response":
      return new OcpiHttpError(502, HubStatus.GenericError, `${receiver} answered what cannot be passed on: ${error.message}`);
    default:
      // network, auth (the receiver refused the hub's token), url-policy, limit: the party cannot be reached.
      return hubError(HubStatus.ConnectionProblem, `${receiver} cannot be reached (${error.kind})`);
  }
}

/** The request's arguments as the client takes them: path and query parameters, the page, the body. */
function argumentsOf(
  route: RouteInfo,
  request: OcpiRequest<Record<string, unknown>, Record<string, unknown>, unknown> & Partial<Pick<PageRequest<unknown, unknown>, "page">>,
): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries({ ...request.query, ...request.params })) if (value !== undefined) args[key] = value;
  if (route.paginated && request.page) {
    const { offset, limit, date_from, date_to } = request.page;
    Object.assign(args, { offset, limit }, date_from !== undefined ? { date_from } : {}, date_to !== undefined ? { date_to } : {});
  }
  if (request.body !== undefined) args.body = request.body;
  return args;
}

/**
 * A hub on an OCPI server: routes requests by their OCPI-to-* headers, broadcasts pushes without one, passes async
 * results on, and serves HubClientInfo (see {@link createOcpiHub}).
 */
export class OcpiHub {
  /** The OCPI server the hub runs on (its credentials, outbox and store). */
  readonly server: OcpiServer<ServedVersion>;
  /** The hub's own identity (OCPI-to-* naming it means: the hub itself). */
  readonly identity: PartyId;
  private readonly store: Store;
  private readonly forwardTimeoutMs: number;
  private readonly tasks = new Set<Promise<unknown>>();
  private aliveTimer: ReturnType<typeof setInterval> | undefined;
  private pruneTimer: ReturnType<typeof setInterval> | undefined;
  private readonly retentionMs: number;

  constructor(private readonly options: OcpiHubOptions) {
    this.identity = identity(options.hub);
    this.store = options.store;
    this.forwardTimeoutMs = options.forwardTimeoutMs ?? 20_000;
    const versions = options.versions ?? ["2.2.1", "2.3.0"];
    const role: CredentialsRole = { role: "HUB", ...this.identity, business_details: options.hub.business_details };
    const versionHandlers: Record<string, unknown> = {};
    for (const version of versions) versionHandlers[version] = this.handlersOf(version);
    this.retentionMs = options.routingRetentionMs ?? 30 * 24 * 3_600_000;
    const { hub: _hub, forwardTimeoutMs: _timeout, aliveCheckMs: _alive, routingRetentionMs: _retention, log, ...rest } = options;
    this.server = createOcpiServer<ServedVersion>({
      ...rest,
      roles: [role],
      versions,
      handlersVersion: versions.at(-1)!,
      handlers: versionHandlers[versions.at(-1)!] as never,
      versionHandlers: versionHandlers as HandlersByVersion,
      // 2.3.0 credentials name the hub's party and list the parties reachable through it.
      reachableRoles: (party) => this.reachableRoles(party),
      log: (event) => {
        log?.(event);
        this.observe(event);
      },
    } as OcpiServerOptions<ServedVersion>);
    const every = options.aliveCheckMs ?? 5 * 60_000;
    if (every > 0) {
      this.aliveTimer = setInterval(() => void this.track(this.checkConnections()), every);
      this.aliveTimer.unref?.();
    }
    if (this.retentionMs > 0) {
      this.pruneTimer = setInterval(() => void this.track(this.prune(), "hub.prune"), Math.min(this.retentionMs, 3_600_000));
      this.pruneTimer.unref?.();
    }
  }

  /** The server's Hono app: serve its `fetch`. */
  get app() {
    return this.server.app;
  }

  /** Adds Hono middleware run before every request is routed (see OcpiServer.use). */
  use(...middleware: MiddlewareHandler[]): this {
    this.server.use(...middleware);
    return this;
  }

  /** Reports an event of the hub's own to the application's `log` and to the server's logger. */
  private report(event: ServerEvent): void {
    this.options.log?.(event);
    logServerEvent(this.server.logger, event);
  }

  /** Every party the hub knows, one ClientInfo per role, as HubClientInfo lists them (`except`: a party left out). */
  async clientInfo(except?: string): Promise<ClientInfo[]> {
    const infos: ClientInfo[] = [];
    const offline = await this.offlineSince();
    for (const party of await this.store.listParties()) {
      if (party.id === except) continue;
      const since = offline.get(canonicalCiString(party.id));
      const status = this.statusOf(party, since !== undefined);
      const roles = party.roles.length ? party.roles : (party.allowedRoles ?? []);
      for (const role of roles) {
        if (role.role === "HUB") continue;
        infos.push({
          party_id: role.party_id,
          country_code: role.country_code,
          role: role.role,
          status,
          last_updated: since ?? toOcpiDateTime(new Date(party.updatedAt)),
        });
      }
    }
    return infos.sort((a, b) => a.last_updated.localeCompare(b.last_updated) || label(a).localeCompare(label(b)) || a.role.localeCompare(b.role));
  }

  /**
   * Reads every connected party's versions endpoint: one that does not answer becomes OFFLINE, one that answers
   * again CONNECTED; the change is pushed to the other parties as ClientInfo. Kept in the store: a restarted hub,
   * and every process of one, gives the same status.
   */
  async checkConnections(): Promise<void> {
    const offline = await this.offlineSince();
    for (const party of await this.store.listParties()) {
      if (party.status !== "registered") continue;
      let alive = true;
      try {
        await this.server.credentials.clientFor(party, undefined, { retry: false, timeoutMs: 10_000 }).discover();
      } catch {
        alive = false;
      }
      const wasOffline = offline.has(canonicalCiString(party.id));
      if (alive === !wasOffline) continue;
      const key = { module: OFFLINE, ...this.identity, id: party.id };
      if (alive) await this.store.deleteObject(key);
      else {
        const since = toOcpiDateTime();
        await this.store.putObject({ ...key, last_updated: since, data: { since } });
      }
      await this.pushClientInfo(party.id);
    }
  }

  /** Resolves when the ClientInfo pushes started so far are in the outbox, and the server is idle. */
  async idle(): Promise<void> {
    while (this.tasks.size) await Promise.allSettled([...this.tasks]);
    await this.server.idle();
  }

  /**
   * Deletes the routing records older than `routingRetentionMs` at `now` (Sessions' receivers, forwarded requests'
   * results); returns how many. Runs once an hour by itself; safe to run from several processes sharing a store.
   */
  async prune(now: Date = new Date()): Promise<number> {
    if (this.retentionMs <= 0) return 0;
    const before = new Date(now.getTime() - this.retentionMs).toISOString();
    let deleted = 0;
    for (const module of [SESSION_ROUTES, RESULTS]) {
      // Each page is deleted before the next is read, so the first page is always the next one.
      for (;;) {
        const page = await this.store.listObjects({ module, date_to: before, offset: 0, limit: 500 });
        let removed = 0;
        for (const item of page.items) if (await this.store.deleteObject(item)) removed++;
        deleted += removed;
        if (page.items.length === 0 || removed === 0) break;
      }
    }
    return deleted;
  }

  /** Stops the alive checks, the pruning and the server's outgoing calls (see OcpiServer.close). */
  close(): void {
    if (this.aliveTimer) clearInterval(this.aliveTimer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.server.close();
  }

  private statusOf(party: PartyRecord, offline: boolean): ConnectionStatus {
    if (party.status === "unregistered") return "SUSPENDED";
    if (party.status === "pending") return "PLANNED";
    return offline ? "OFFLINE" : "CONNECTED";
  }

  /** The parties found OFFLINE (by their id in canonical form), since when. */
  private async offlineSince(): Promise<Map<string, string>> {
    const since = new Map<string, string>();
    for (let offset = 0; ; ) {
      const page = await this.store.listObjects<{ since: string }>({ module: OFFLINE, ...this.identity, offset, limit: 1000 });
      for (const item of page.items) since.set(item.id, item.data.since);
      offset += page.items.length;
      if (page.items.length === 0 || offset >= page.total) return since;
    }
  }

  /** The roles of every other registered party: what a 2.3.0 hub lists in its credentials besides its own. */
  private async reachableRoles(party: PartyRecord): Promise<CredentialsRole[]> {
    const roles: CredentialsRole[] = [];
    for (const other of await this.store.listParties()) {
      if (other.id === party.id || other.status !== "registered") continue;
      for (const role of other.roles) if (role.role !== "HUB" && !party.roles.some((r) => sameParty(r, role))) roles.push(role as CredentialsRole);
    }
    return roles;
  }

  private track<T>(task: Promise<T>, operationId = "hubclientinfo"): Promise<T | undefined> {
    const tracked = task.catch((error: unknown) => {
      this.report({ type: "error", operationId, requestId: "", error });
      return undefined;
    });
    this.tasks.add(tracked);
    void tracked.finally(() => this.tasks.delete(tracked));
    return tracked;
  }

  /** A party connecting or leaving: the others are told, and a new party gets everyone's ClientInfo. */
  private observe(event: ServerEvent): void {
    if (event.type !== "registered" && event.type !== "unregistered") return;
    this.track(
      (async () => {
        // A party that (re)registers has just answered: whatever an earlier alive check found no longer holds.
        if (event.type === "registered") await this.store.deleteObject({ module: OFFLINE, ...this.identity, id: event.partyId });
        await this.pushClientInfo(event.partyId);
        if (event.type === "registered") await this.pushAllClientInfoTo(event.partyId);
      })(),
    );
  }

  /** Whether a party takes ClientInfo pushes: registered, with a hubclientinfo RECEIVER. */
  private takesClientInfo(party: PartyRecord): boolean {
    return party.status === "registered" && party.version !== "2.1.1" && party.endpoints.some((e) => e.identifier === "hubclientinfo" && e.role === "RECEIVER");
  }

  private clientInfoDelivery(receiver: PartyRecord, info: ClientInfo): NewDelivery {
    return {
      partyId: receiver.id,
      orderKey: `hubclientinfo/${canonicalCiString(info.country_code)}/${canonicalCiString(info.party_id)}/${info.role}`,
      replaces: true,
      operationId: "hubclientinfoReceiverPut",
      version: receiver.version!,
      params: { country_code: info.country_code, party_id: info.party_id },
      body: info,
      ...(receiver.roles[0] ? { to: identity(receiver.roles[0]) } : {}),
    };
  }

  /** Pushes the ClientInfo of one party's roles to every other party that takes them. */
  private async pushClientInfo(partyId: string): Promise<void> {
    const parties = await this.store.listParties();
    const party = parties.find((p) => p.id === partyId);
    if (!party) return;
    const infos = (await this.clientInfo()).filter((info) => party.roles.some((r) => sameParty(r, info) && r.role === info.role));
    const deliveries = parties
      .filter((p) => p.id !== partyId && this.takesClientInfo(p))
      .flatMap((receiver) => infos.map((info) => this.clientInfoDelivery(receiver, info)));
    if (deliveries.length) {
      await this.store.enqueueDeliveries(deliveries);
      this.server.outbox.wake();
    }
  }

  private async pushAllClientInfoTo(partyId: string): Promise<void> {
    const party = await this.store.getParty(partyId);
    if (!party || !this.takesClientInfo(party)) return;
    const deliveries = (await this.clientInfo(partyId)).map((info) => this.clientInfoDelivery(party, info));
    if (deliveries.length) {
      await this.store.enqueueDeliveries(deliveries);
      this.server.outbox.wake();
    }
  }

  // -- Routing --------------------------------------------------------------------------------------------------

  /** The handlers of one version: every functional module's routes forward; HubClientInfo is the hub's own list. */
  private handlersOf(version: ServedVersion): Record<string, Record<string, Record<string, unknown>>> {
    const handlers: Record<string, Record<string, Record<string, unknown>>> = {};
    for (const route of ROUTES[version]) {
      if (!route.interface || route.module === "credentials") continue;
      if (route.module === "hubclientinfo" && route.interface === "RECEIVER") continue;
      const side = ((handlers[route.module] ??= {})[route.interface.toLowerCase()] ??= {});
      if (route.module === "hubclientinfo") side[route.name] = (request: PageRequest<unknown, unknown>) => this.listClientInfo(request);
      else if (route.url === "response_url")
        side[route.name] = (request: OcpiRequest<Record<string, unknown>, Record<string, unknown>, unknown>) => this.passResult(route, request);
      else side[route.name] = (request: OcpiRequest<Record<string, unknown>, Record<string, unknown>, unknown>) => this.route(route, request);
    }
    return handlers;
  }

  private async listClientInfo(request: PageRequest<unknown, unknown>): Promise<Page<ClientInfo>> {
    const { offset, limit, date_from, date_to } = request.page;
    const all = (await this.clientInfo(request.caller.party.id)).filter(
      (info) =>
        (date_from === undefined || Date.parse(info.last_updated) >= Date.parse(date_from)) &&
        (date_to === undefined || Date.parse(info.last_updated) < Date.parse(date_to)),
    );
    return { items: all.slice(offset, offset + limit), total: all.length };
  }

  /** The identity a request is from: its OCPI-from-*, which must be one of the caller's, or the caller's first. */
  private senderOf(caller: Caller, from: PartyId | undefined): PartyId {
    if (from) {
      if (!caller.isHub && !caller.roles.some((r) => sameParty(r, from))) {
        throw new OcpiHttpError(403, HubStatus.GenericError, `OCPI-from-* names ${label(from)}, which is not a party of this platform`);
      }
      return identity(from);
    }
    const first = caller.roles[0];
    if (!first) throw hubError(HubStatus.GenericError, "the caller has no party to send from");
    return identity(first);
  }

  /** The registered party holding an identity (not the caller, not a hub listing it). */
  private async holderOf(to: PartyId, caller: Caller): Promise<PartyRecord> {
    const parties = await this.store.listParties();
    const holder = parties.find((p) => p.status === "registered" && p.id !== caller.party.id && p.roles.some((r) => r.role !== "HUB" && sameParty(r, to)));
    if (!holder) throw hubError(HubStatus.UnknownReceiver, `no connected party is ${label(to)}`);
    return holder;
  }

  private async route(route: RouteInfo, request: OcpiRequest<Record<string, unknown>, Record<string, unknown>, unknown>): Promise<unknown> {
    const version = versionOf(route)!;
    const from = this.senderOf(request.caller, request.routing.from);
    const named = request.routing.to && !sameParty(request.routing.to, this.identity) ? identity(request.routing.to) : undefined;
    const to = named ?? (await this.receiverByContent(route, request));
    if (to) return this.forward(route, version, request, await this.holderOf(to, request.caller), { from, to });
    const push = route.interface === "RECEIVER" && route.method !== "GET";
    if (push && BROADCAST.has(route.module)) return this.broadcast(route, version, request, from);
    if (route.paginated && BROADCAST.has(route.module))
      return this.listAll(
        route,
        version,
        request as PageRequest<unknown, unknown> & OcpiRequest<Record<string, unknown>, Record<string, unknown>, unknown>,
        from,
      );
    throw hubError(
      HubStatus.UnknownReceiver,
      push
        ? `${route.module} are not broadcast: name the receiver in OCPI-to-country-code and OCPI-to-party-id`
        : `a ${route.method} through the hub needs OCPI-to-country-code and OCPI-to-party-id naming the receiver`,
    );
  }

  /**
   * GET All via the hub (no receiver named, or the hub): the objects of every other party of the opposite role that
   * sends the module, one party after another (in the order of their ids), paged over as one list. Each page asks
   * every such party once (for its X-Total-Count); a party that does not answer is left out of that page.
   */
  private async listAll(
    route: RouteInfo,
    version: ServedVersion,
    request: PageRequest<unknown, unknown> & OcpiRequest<Record<string, unknown>, Record<string, unknown>, unknown>,
    from: PartyId,
  ): Promise<Page<unknown>> {
    const caller = request.caller;
    const opposite = oppositeRoleOf(caller, from);
    const senders = (await this.store.listParties())
      .filter((p) => p.id !== caller.party.id && p.status === "registered" && opposite(p) !== undefined)
      .filter((p) => p.endpoints.some((e) => e.identifier === route.module && e.role === "SENDER"))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    let skip = request.page.offset;
    const items: unknown[] = [];
    let total = 0;
    for (const sender of senders) {
      const to = opposite(sender)!;
      const want = request.page.limit - items.length;
      // A party whose part is past (or before) this page is still asked, for its count: one object is enough.
      const page = { ...request.page, offset: want > 0 ? skip : 0, limit: want > 0 ? want : 1 };
      let answer: Page<unknown>;
      try {
        // The hub asks for itself: the objects are combined for the caller, who names no party.
        answer = (await this.forward(route, version, { ...request, page }, sender, { from: this.identity, to })) as Page<unknown>;
      } catch (error) {
        this.report({ type: "error", operationId: route.operationId, requestId: request.requestId, correlationId: request.correlationId, error });
        continue;
      }
      total += answer.total;
      if (want > 0) {
        items.push(...(answer.items as unknown[]).slice(0, want));
        skip = Math.max(0, skip - answer.total);
      }
    }
    return { items, total };
  }

  /**
   * The receiver of a request that names none, where its content says: a CDR or Session goes to the eMSP of its
   * token; a PATCH of a Session to the party its PUT went to.
   */
  private async receiverByContent(
    route: RouteInfo,
    request: OcpiRequest<Record<string, unknown>, Record<string, unknown>, unknown>,
  ): Promise<PartyId | undefined> {
    if (route.interface !== "RECEIVER" || (route.module !== "cdrs" && route.module !== "sessions")) return undefined;
    const token = (request.body as { cdr_token?: { country_code?: unknown; party_id?: unknown } } | undefined)?.cdr_token;
    if (typeof token?.country_code === "string" && typeof token.party_id === "string") return { country_code: token.country_code, party_id: token.party_id };
    if (route.module === "sessions" && typeof request.params.session_id === "string") {
      const known = await this.store.getObject<PartyId>(this.sessionKey(request.params));
      // A long session PATCHed for a while: keep its receiver for another retention period.
      if (known && this.retentionMs > 0 && Date.now() - Date.parse(known.last_updated) > this.retentionMs / 2) {
        await this.store.putObject({ ...known, last_updated: new Date().toISOString() });
      }
      return known?.data;
    }
    return undefined;
  }

  private sessionKey(params: Record<string, unknown>) {
    return { module: SESSION_ROUTES, country_code: String(params.country_code), party_id: String(params.party_id), id: String(params.session_id) };
  }

  /** Sends the request to the party holding `to`, in its version, and gives back its answer in the request's. */
  private async forward(
    route: RouteInfo,
    version: ServedVersion,
    request: OcpiRequest<Record<string, unknown>, Record<string, unknown>, unknown> & Partial<Pick<PageRequest<unknown, unknown>, "page">>,
    receiver: PartyRecord,
    routing: { from: PartyId; to: PartyId },
  ): Promise<unknown> {
    const name = label(routing.to);
    let client: OcpiClient;
    try {
      client = this.server.credentials.clientFor(receiver, undefined, { retry: false, timeoutMs: this.forwardTimeoutMs, deadlineMs: this.forwardTimeoutMs });
    } catch (error) {
      throw hubError(HubStatus.ConnectionProblem, `${name} is not connected: ${error instanceof Error ? error.message : String(error)}`);
    }
    const args = argumentsOf(route, request);
    if (route.result) await this.rewriteResponseUrl(route, version, args, request.caller, receiver, routing);
    // A new X-Request-ID per hop, the same X-Correlation-ID (the client makes the one, the spec asks for the other).
    const options = { from: routing.from, to: routing.to, correlationId: request.correlationId };
    let answer: { data: unknown; totalCount?: number; headers?: Headers };
    try {
      if (client.version === version) {
        answer = await client.callOperation(route.operationId, args, options);
      } else {
        const view = client.as(version) as unknown as Record<
          string,
          Record<string, Record<string, (args: unknown, options: unknown) => Promise<{ data: unknown; totalCount?: number; headers?: Headers }>>>
        >;
        const call = view[route.module]?.[route.interface!.toLowerCase()]?.[route.name];
        if (!call) throw hubError(HubStatus.UnknownReceiver, `${name} (OCPI ${client.version}) has no ${route.operationId}`);
        answer = await call(args, options);
      }
    } catch (error) {
      throw forwardError(error, name);
    }
    if (route.module === "sessions" && route.method === "PUT") {
      await this.store.putObject({ ...this.sessionKey(request.params), last_updated: new Date().toISOString(), data: routing.to });
    }
    if (route.paginated) {
      const items = (answer.data as unknown[] | undefined) ?? [];
      const header = answer.headers?.get("X-Total-Count");
      const total = answer.totalCount ?? (header !== null && header !== undefined && /^\d+$/.test(header) ? Number(header) : items.length);
      // The receiver's count as it gave it: GET All adds these up, and skips a party's part of the list by it.
      return { items, total } satisfies Page<unknown>;
    }
    if (route.result) return { response: answer.data };
    return answer.data;
  }

  /**
   * The response_url of a request is the asking party's: the receiver's token may not go there, and its result may
   * be in another version. The receiver gets one of the hub's, and the hub keeps where the result goes.
   */
  private async rewriteResponseUrl(
    route: RouteInfo,
    version: ServedVersion,
    args: Record<string, unknown>,
    caller: Caller,
    receiver: PartyRecord,
    routing: { from: PartyId; to: PartyId },
  ): Promise<void> {
    const body = args.body as Record<string, unknown> | undefined;
    const original = typeof body?.response_url === "string" ? body.response_url : typeof args.response_url === "string" ? args.response_url : undefined;
    if (original === undefined) return;
    const resultRoute = routeById(version, route.result!)!;
    const receiverVersion = receiver.version as ServedVersion;
    const theirs = ROUTES[receiverVersion].find((r) => r.module === resultRoute.module && r.name === resultRoute.name && r.url === "response_url");
    if (!theirs) throw hubError(HubStatus.UnknownReceiver, `${label(routing.to)} talks OCPI ${receiverVersion}, which has no ${resultRoute.operationId}`);
    const responseId = newRequestId();
    const url = await this.server.responseUrl(theirs.operationId, { party: receiver, responseId, version: receiverVersion });
    const record: ForwardedResult = {
      url: original,
      partyId: caller.party.id,
      version,
      operationId: resultRoute.operationId,
      from: routing.to,
      to: routing.from,
    };
    await this.store.putObject({ module: RESULTS, ...this.identity, id: responseId, last_updated: new Date().toISOString(), data: record });
    if (typeof body?.response_url === "string") args.body = { ...body, response_url: url };
    else args.response_url = url;
  }

  /** A result posted to a response_url of the hub's: converted and sent on to the party that asked, through the outbox. */
  private async passResult(route: RouteInfo, request: OcpiRequest<Record<string, unknown>, Record<string, unknown>, unknown>): Promise<void> {
    const responseId = String(request.params.response_id);
    const stored = await this.store.getObject<ForwardedResult>({ module: RESULTS, ...this.identity, id: responseId });
    if (!stored) throw OcpiHttpError.notFound(`no request forwarded with response_id ${responseId}`);
    const record = stored.data;
    const party = await this.store.getParty(record.partyId);
    if (party?.status !== "registered") throw hubError(HubStatus.ConnectionProblem, `the party that asked (${label(record.to)}) is not connected`);
    const from = versionOf(route)!;
    let body = request.body;
    if (from !== record.version && route.request) {
      const target = routeById(record.version, record.operationId);
      const name = conversionName(
        { name: route.request.validator.name, version: from as OcpiVersion },
        { name: target?.request?.validator.name ?? route.request.validator.name, version: record.version as OcpiVersion },
      );
      try {
        body = convertObject(name, from as OcpiVersion, record.version as OcpiVersion, body).value;
      } catch (error) {
        throw new OcpiHttpError(
          400,
          HubStatus.GenericError,
          `the result cannot be given in OCPI ${record.version}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    await this.server.outbox.result(party, record.operationId, record.version, record.url, body, record.to);
  }

  /**
   * A push meant for everyone: answered at once, and delivered to every other registered party that receives the
   * module, each in its own version, through the outbox (in order per object, retried, dead letters kept).
   */
  private async broadcast(
    route: RouteInfo,
    version: ServedVersion,
    request: OcpiRequest<Record<string, unknown>, Record<string, unknown>, unknown>,
    from: PartyId,
  ): Promise<unknown> {
    const caller = request.caller;
    const parties = await this.store.listParties();
    const opposite = oppositeRoleOf(caller, from);
    const receivers = parties.filter(
      (p) =>
        p.id !== caller.party.id &&
        p.status === "registered" &&
        p.outgoingToken &&
        opposite(p) !== undefined &&
        p.endpoints.some((e) => e.identifier === route.module && e.role === "RECEIVER"),
    );
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...request.query, ...request.params })) if (value !== undefined) params[key] = String(value);
    const id = [
      route.module,
      params.country_code ?? from.country_code,
      params.party_id ?? from.party_id,
      params.location_id ?? params.tariff_id ?? params.token_uid ?? "",
    ]
      .map((p) => canonicalCiString(p))
      .join("/");
    const deliveries: NewDelivery[] = receivers.map((receiver) => ({
      partyId: receiver.id,
      orderKey: id,
      ...(route.method === "PUT" && route.pathParams.length === 3 ? { replaces: true } : {}),
      operationId: route.operationId,
      version,
      params,
      ...(request.body !== undefined ? { body: request.body } : {}),
      to: opposite(receiver)!,
    }));
    if (deliveries.length) {
      await this.store.enqueueDeliveries(deliveries);
      this.server.outbox.wake();
    }
    return undefined;
  }
}

/**
 * A hub node (see OcpiHub): routes by OCPI-to-*, broadcasts pushes, passes results on, lists its parties in
 * HubClientInfo. Parties register with it as with any OCPI server (a Token A from `hub.server.credentials`).
 */
export function createOcpiHub(options: OcpiHubOptions): OcpiHub {
  return new OcpiHub(options);
}
