/**
 * Ready-made handlers backed by a Store, so that a CPO or an eMSP runs with no code of its own for the data
 * modules: what we own is kept under `<module>`, what peers push to us under `<module>.received`.
 * Sessions and CDRs we send are kept under the party they are meant for (the token's owner), so that a peer's
 * list holds only its own. Beside the spec's operations they serve the server's extensions: published Locations
 * to anonymous callers (open data), the receivers' bulk GET (`list`) and the tokens receiver's `delete`.
 */
import { canonicalCiString, newRequestId, OcpiStatus, sameCiString } from "@ocpi-sdk/protocol";
import type * as T from "@ocpi-sdk/types/2.2.1";
import type { CredentialsRole } from "@ocpi-sdk/types/2.2.1";
import type {
  CdrsReceiverHandlers,
  CdrsSenderHandlers,
  CommandsSenderHandlers,
  Handlers,
  HubclientinfoReceiverHandlers,
  LocationsReceiverHandlers,
  LocationsSenderHandlers,
  SessionsReceiverHandlers,
  SessionsSenderHandlers,
  TariffsReceiverHandlers,
  TariffsSenderHandlers,
  TokensReceiverHandlers,
  TokensSenderHandlers,
} from "../generated/2.2.1/index.gen.js";
import { validators } from "@ocpi-sdk/validators/2.2.1";
import type { Validator } from "@ocpi-sdk/validators";
import { OcpiHttpError } from "../runtime/errors.js";
import { OcpiReply, RawJsonList, type Caller, type Page, type PageRequest } from "../runtime/routes.js";
import type { ReceiverListHandler, TokenDeleteHandler } from "../runtime/extensions.js";
import { PublishedIndex } from "./published.js";
import { actsFor } from "../runtime/scope.js";
import { instantOf } from "../store/memory.js";
import type { ObjectKey, ObjectQuery, Store, StoredJson, StoredObject } from "../store/store.js";

/** The store collection of what parties pushed to our receiver interface of `module`. */
export const received = (module: string) => `${module}.received`;

type Owned = { country_code: string; party_id: string; last_updated: string };

/** The schema of what each collection of our own holds: what we send must be valid, so it is checked when stored. */
const OWN_SCHEMAS: Record<string, Validator<unknown>> = {
  locations: validators.Location,
  sessions: validators.Session,
  cdrs: validators.CDR,
  tariffs: validators.Tariff,
  tokens: validators.Token,
};

/**
 * Stores an OCPI object of ours under its owner and id, after checking it against its schema (throws a
 * ValidationError naming the bad fields): lists then send it as stored.
 */
export async function saveObject<O extends Owned>(store: Store, module: string, id: string, data: O): Promise<void> {
  OWN_SCHEMAS[module]?.parse(data);
  await store.putObject({ module, country_code: data.country_code, party_id: data.party_id, id, last_updated: data.last_updated, data });
}

/** The party a caller reads as: a hub sees all; another peer its own (first) party. */
function audience(caller: Caller): { country_code?: string; party_id?: string } {
  if (caller.isHub) return {};
  const role = caller.roles[0];
  return role ? { country_code: role.country_code, party_id: role.party_id } : { country_code: "", party_id: "" };
}

/** Pages already written as JSON, for a store that says when anything changed; bounded, oldest dropped first. */
class PageCache {
  private readonly pages = new Map<string, { revision: number; page: Page<never> }>();
  constructor(private readonly size = 256) {}

  get(key: string, revision: number): Page<never> | undefined {
    const hit = this.pages.get(key);
    return hit?.revision === revision ? hit.page : undefined;
  }

  set(key: string, revision: number, page: Page<never>): void {
    this.pages.delete(key);
    this.pages.set(key, { revision, page });
    if (this.pages.size > this.size) this.pages.delete(this.pages.keys().next().value!);
  }
}

async function listPage<D>(
  store: Store,
  cache: PageCache,
  module: string,
  page: { offset: number; limit: number; date_from?: string; date_to?: string },
  scope: { country_code?: string; party_id?: string } = {},
): Promise<Page<D>> {
  const query = { module, ...scope, ...page };
  // Our own objects were validated when saved (saveObject): a store that keeps JSON lets them go out as they are,
  // and a store that tells when anything changed lets the same page be reused until then.
  if (store.listObjectsJson && module in OWN_SCHEMAS) {
    const revision = store.objectsRevision?.();
    const key = JSON.stringify(query);
    const cached = revision === undefined ? undefined : cache.get(key, revision);
    if (cached) return cached;
    const result = await store.listObjectsJson(query);
    const built: Page<never> = { items: new RawJsonList(`[${result.items.map((o) => o.json).join(",")}]`, result.items.length), total: result.total };
    if (revision !== undefined && store.objectsRevision?.() === revision) cache.set(key, revision, built);
    return built;
  }
  const result = await store.listObjects<D>(query);
  return { items: result.items.map((o) => o.data), total: result.total };
}

type Window = PageRequest<{}, {}>["page"];

/**
 * What one party pushed to us (the receivers' bulk GET): the objects of `module` owned by the caller's identities
 * (a hub's: all), sent as they were stored (validated when they were received). Several identities are merged in
 * the store's order, reading up to offset + limit objects of each.
 */
async function listReceived(store: Store, module: string, page: Window, caller: Caller): Promise<Page<never>> {
  const raw = (items: StoredJson[], total: number): Page<never> => ({ items: new RawJsonList(`[${items.map((o) => o.json).join(",")}]`, items.length), total });
  const read = async (query: ObjectQuery): Promise<{ items: (StoredJson & { instant: string })[]; total: number }> => {
    const page = store.listObjectsJson
      ? await store.listObjectsJson(query)
      : await store.listObjects(query).then((p) => ({ total: p.total, items: p.items.map(({ data, ...key }) => ({ ...key, json: JSON.stringify(data) })) }));
    return { total: page.total, items: page.items.map((o) => ({ ...o, instant: instantOf(o.last_updated) })) };
  };
  if (caller.isHub) {
    const all = await read({ module, ...page });
    return raw(all.items, all.total);
  }
  const identities = [...new Map(caller.roles.map((r) => [`${canonicalCiString(r.country_code)}/${canonicalCiString(r.party_id)}`, r])).values()];
  if (identities.length === 0) return raw([], 0);
  if (identities.length === 1) {
    const one = await read({ module, country_code: identities[0]!.country_code, party_id: identities[0]!.party_id, ...page });
    return raw(one.items, one.total);
  }
  const heads = await Promise.all(
    identities.map((r) => read({ module, country_code: r.country_code, party_id: r.party_id, ...page, offset: 0, limit: page.offset + page.limit })),
  );
  const order = (o: { instant: string; country_code: string; party_id: string; id: string }) => [o.instant, o.country_code, o.party_id, o.id];
  const merged = heads
    .flatMap((h) => h.items)
    .sort((a, b) => {
      const [x, y] = [order(a), order(b)];
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
      return 0;
    });
  return raw(
    merged.slice(page.offset, page.offset + page.limit),
    heads.reduce((n, h) => n + h.total, 0),
  );
}

async function mustGet<D>(store: Store, key: ObjectKey, what: string, statusCode: number = OcpiStatus.ClientError): Promise<StoredObject<D>> {
  const found = await store.getObject<D>(key);
  if (!found) throw OcpiHttpError.notFound(`unknown ${what} ${key.country_code}/${key.party_id}/${key.id}`, statusCode);
  return found;
}

/** Finds an object of ours by id under any of our roles. */
async function findOwn<D>(store: Store, module: string, roles: CredentialsRole[], id: string, what: string, statusCode: number): Promise<StoredObject<D>> {
  for (const role of roles) {
    const found = await store.getObject<D>({ module, country_code: role.country_code, party_id: role.party_id, id });
    if (found) return found;
  }
  throw OcpiHttpError.notFound(`unknown ${what} ${id}`, statusCode);
}

/** The later of two DateTimes (one without a zone read as UTC). */
export const later = (a: string, b: string) => (Date.parse(a.endsWith("Z") ? a : `${a}Z`) >= Date.parse(b.endsWith("Z") ? b : `${b}Z`) ? a : b);

/**
 * What to do with a PUT or PATCH whose last_updated is older than the object kept: `ignore` (the default) keeps the
 * newer object and answers success with a status_message saying so; `reject` answers 409 (OCPI 2000); `apply`
 * writes it anyway.
 */
export type StaleWritePolicy = "ignore" | "reject" | "apply";

/** Thrown inside an update to leave the store unchanged and answer by the policy. */
class StaleWrite {
  constructor(
    readonly received: string,
    readonly stored: string,
  ) {}
}

/** Whether `received` is older than `stored` (both DateTimes; unreadable ones never count as stale). */
function isStale(received: string | undefined, stored: string | undefined): boolean {
  if (received === undefined || stored === undefined) return false;
  try {
    return instantOf(received) < instantOf(stored);
  } catch {
    return false;
  }
}

function evseOf(location: T.Location, uid: string): T.EVSE {
  const evse = location.evses?.find((e) => sameCiString(e.uid, uid));
  if (!evse) throw OcpiHttpError.notFound(`unknown EVSE ${location.id}/${uid}`, OcpiStatus.UnknownLocation);
  return evse;
}

function connectorOf(evse: T.EVSE, id: string): T.Connector {
  const connector = evse.connectors.find((c) => sameCiString(c.id, id));
  if (!connector) throw OcpiHttpError.notFound(`unknown Connector ${evse.uid}/${id}`, OcpiStatus.UnknownLocation);
  return connector;
}

/**
 * A store write of a peer's object, where a last_updated the store cannot read (it reaches here only with body
 * validation off) is the peer's error: 2001 naming the field, not a 500.
 */
async function peerWrite<R>(run: () => Promise<R>): Promise<R> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw OcpiHttpError.invalid([{ pointer: "/last_updated", message: `must be an OCPI DateTime (${error.message})`, keyword: "format" }]);
  }
}

/**
 * Writes an object atomically: `change` gets what is kept (or undefined) and returns the new object, or throws
 * StaleWrite to keep it. The answer follows the policy: a stale write is not applied and is reported.
 */
async function write<D>(
  store: Store,
  key: ObjectKey,
  policy: StaleWritePolicy,
  change: (current: StoredObject<D> | undefined, stale: (received: string | undefined, stored: string | undefined) => void) => StoredObject<D> | undefined,
): Promise<OcpiReply<undefined> | undefined> {
  const stale = (received: string | undefined, stored: string | undefined) => {
    if (policy !== "apply" && isStale(received, stored)) throw new StaleWrite(received!, stored!);
  };
  try {
    await peerWrite(() => store.updateObject<D>(key, (current) => change(current, stale)));
    return undefined;
  } catch (error) {
    if (!(error instanceof StaleWrite)) throw error;
    const message = `not applied: the object kept is newer (last_updated ${error.stored}) than this one (${error.received})`;
    if (policy === "reject") throw new OcpiHttpError(409, OcpiStatus.ClientError, message);
    return new OcpiReply(undefined, message, { type: "stale-write", key, received: error.received, stored: error.stored });
  }
}

/**
 * Changes a received Location atomically: `change` edits a copy (calling `stale` with the part's kept and new
 * last_updated); the Location's last_updated follows its newest part. An unknown Location is a 404 (2003).
 */
async function changeLocation(
  store: Store,
  key: ObjectKey,
  policy: StaleWritePolicy,
  change: (location: T.Location, stale: (received: string | undefined, stored: string | undefined) => void) => string,
): Promise<OcpiReply<undefined> | undefined> {
  let missing = false;
  const reply = await write<T.Location>(store, key, policy, (current, stale) => {
    if (!current) {
      missing = true;
      return undefined;
    }
    const location = structuredClone(current.data);
    const stamp = change(location, stale);
    location.last_updated = later(stamp, location.last_updated);
    return { ...current, last_updated: location.last_updated, data: location };
  });
  if (missing) throw OcpiHttpError.notFound(`unknown Location ${key.country_code}/${key.party_id}/${key.id}`, OcpiStatus.UnknownLocation);
  return reply;
}

/** A PUT of a whole object: stale against the object kept. */
const putWhole = <D extends { last_updated: string }>(store: Store, key: ObjectKey, policy: StaleWritePolicy, body: D) =>
  write<D>(store, key, policy, (current, stale) => {
    stale(body.last_updated, current?.last_updated);
    return { ...key, last_updated: body.last_updated, data: body };
  });

/** A PATCH merged into the object kept; `missing` is called when there is none. */
async function patchWhole<D>(
  store: Store,
  key: ObjectKey,
  policy: StaleWritePolicy,
  body: Partial<D> & { last_updated?: string },
  notFound: () => OcpiHttpError,
) {
  let missing = false;
  const reply = await write<D>(store, key, policy, (current, stale) => {
    if (!current) return void (missing = true);
    stale(body.last_updated, current.last_updated);
    const data = { ...current.data, ...body } as D & { last_updated: string };
    return { ...current, last_updated: data.last_updated, data };
  });
  if (missing) throw notFound();
  return reply;
}

/** Options of {@link storeHandlers}: our roles, stale-write policy, command results, open data. */
export interface StoreHandlersOptions {
  /** Our own roles: where our objects are kept. */
  roles: CredentialsRole[];
  /** Called with each CommandResult that arrives at one of our response_urls. */
  onCommandResult?: (result: T.CommandResult, responseId: string, caller: Caller) => void;
  /** PUTs and PATCHes older than the object kept: one policy, or one per module (default `ignore`). */
  staleWrites?: StaleWritePolicy | Partial<Record<"locations" | "sessions" | "tariffs" | "tokens" | "hubclientinfo", StaleWritePolicy>>;
  /**
   * Open data (the server's `openDataLocations`): the published Locations are kept in an index in this process,
   * rebuilt when the store changed; a store that cannot tell (PostgresStore) is scanned again after `maxAgeMs`
   * (default 10 s).
   */
  openData?: { maxAgeMs?: number };
}

/**
 * Handlers of every module served from a {@link Store}: our own objects for the SENDER interfaces, what parties push
 * kept per party for the RECEIVER interfaces (ownership checked, stale writes by policy), command results passed to
 * `onCommandResult`.
 */
export function storeHandlers(store: Store, options: StoreHandlersOptions) {
  const { roles } = options;
  const cache = new PageCache();
  const policy = (module: string): StaleWritePolicy =>
    typeof options.staleWrites === "string"
      ? options.staleWrites
      : ((options.staleWrites as Record<string, StaleWritePolicy> | undefined)?.[module] ?? "ignore");
  const published = new PublishedIndex(store, "locations", options.openData);
  // A caller without a token (open data) sees a Location only when it is published: otherwise it does not exist.
  const ownLocation = async (id: string, caller: Caller) => {
    const location = (await findOwn<T.Location>(store, "locations", roles, id, "Location", OcpiStatus.UnknownLocation)).data;
    if (caller.anonymous && location.publish !== true) throw OcpiHttpError.notFound(`unknown Location ${id}`, OcpiStatus.UnknownLocation);
    return location;
  };
  const locationsSender: LocationsSenderHandlers = {
    list: ({ page, caller }) => (caller.anonymous ? published.page(page) : listPage(store, cache, "locations", page)),
    get: ({ params, caller }) => ownLocation(params.location_id, caller),
    getEvse: async ({ params, caller }) => evseOf(await ownLocation(params.location_id, caller), params.evse_uid),
    getConnector: async ({ params, caller }) => connectorOf(evseOf(await ownLocation(params.location_id, caller), params.evse_uid), params.connector_id),
  };
  const receiverList =
    (module: string): ReceiverListHandler =>
    ({ page, caller }) =>
      listReceived(store, received(module), page, caller);
  const locationKey = (p: { country_code: string; party_id: string; location_id: string }): ObjectKey => ({
    module: received("locations"),
    country_code: p.country_code,
    party_id: p.party_id,
    id: p.location_id,
  });
  const locationsReceiver: LocationsReceiverHandlers & { list: ReceiverListHandler } = {
    list: receiverList("locations"),
    get: async ({ params }) => (await mustGet<T.Location>(store, locationKey(params), "Location", OcpiStatus.UnknownLocation)).data,
    getEvse: async ({ params }) =>
      evseOf((await mustGet<T.Location>(store, locationKey(params), "Location", OcpiStatus.UnknownLocation)).data, params.evse_uid),
    getConnector: async ({ params }) =>
      connectorOf(
        evseOf((await mustGet<T.Location>(store, locationKey(params), "Location", OcpiStatus.UnknownLocation)).data, params.evse_uid),
        params.connector_id,
      ),
    put: ({ params, body }) => putWhole(store, locationKey(params), policy("locations"), body),
    putEvse: ({ params, body }) =>
      changeLocation(store, locationKey(params), policy("locations"), (location, stale) => {
        const evses = (location.evses ??= []);
        const at = evses.findIndex((e) => sameCiString(e.uid, params.evse_uid));
        stale(body.last_updated, evses[at]?.last_updated);
        if (at >= 0) evses[at] = body;
        else evses.push(body);
        return body.last_updated;
      }),
    putConnector: ({ params, body }) =>
      changeLocation(store, locationKey(params), policy("locations"), (location, stale) => {
        const evse = evseOf(location, params.evse_uid);
        const at = evse.connectors.findIndex((c) => sameCiString(c.id, params.connector_id));
        stale(body.last_updated, evse.connectors[at]?.last_updated);
        if (at >= 0) evse.connectors[at] = body;
        else evse.connectors.push(body);
        evse.last_updated = later(body.last_updated, evse.last_updated);
        return body.last_updated;
      }),
    // Spreading, not Object.assign: a body's own keys are copied as data, never through a setter.
    patch: ({ params, body }) =>
      changeLocation(store, locationKey(params), policy("locations"), (location, stale) => {
        stale(body.last_updated, location.last_updated);
        Object.defineProperties(location, Object.getOwnPropertyDescriptors({ ...body }));
        return body.last_updated;
      }),
    patchEvse: ({ params, body }) =>
      changeLocation(store, locationKey(params), policy("locations"), (location, stale) => {
        const evse = evseOf(location, params.evse_uid);
        stale(body.last_updated, evse.last_updated);
        Object.defineProperties(evse, Object.getOwnPropertyDescriptors({ ...body }));
        return body.last_updated;
      }),
    patchConnector: ({ params, body }) =>
      changeLocation(store, locationKey(params), policy("locations"), (location, stale) => {
        const evse = evseOf(location, params.evse_uid);
        const connector = connectorOf(evse, params.connector_id);
        stale(body.last_updated, connector.last_updated);
        Object.defineProperties(connector, Object.getOwnPropertyDescriptors({ ...body }));
        evse.last_updated = later(body.last_updated, evse.last_updated);
        return body.last_updated;
      }),
  };

  const sessionsSender: SessionsSenderHandlers = {
    list: ({ page, caller }) => listPage(store, cache, "sessions", page, audience(caller)),
    putChargingPreferences: async ({ params, caller }) => {
      // Sessions we send are kept under the party they are meant for: look among the caller's parties.
      for (const role of caller.roles) {
        if (await store.getObject({ module: "sessions", country_code: role.country_code, party_id: role.party_id, id: params.session_id })) return "ACCEPTED";
      }
      throw OcpiHttpError.notFound(`unknown Session ${params.session_id}`);
    },
  };
  const sessionKey = (p: { country_code: string; party_id: string; session_id: string }): ObjectKey => ({
    module: received("sessions"),
    country_code: p.country_code,
    party_id: p.party_id,
    id: p.session_id,
  });
  const sessionsReceiver: SessionsReceiverHandlers & { list: ReceiverListHandler } = {
    list: receiverList("sessions"),
    get: async ({ params }) => (await mustGet<T.Session>(store, sessionKey(params), "Session")).data,
    put: ({ params, body }) => putWhole(store, sessionKey(params), policy("sessions"), body),
    patch: ({ params, body }) =>
      patchWhole<T.Session>(store, sessionKey(params), policy("sessions"), body, () =>
        OcpiHttpError.notFound(`unknown Session ${params.country_code}/${params.party_id}/${params.session_id}`),
      ),
  };

  const cdrsSender: CdrsSenderHandlers = { list: ({ page, caller }) => listPage(store, cache, "cdrs", page, audience(caller)) };
  const cdrsReceiver: CdrsReceiverHandlers = {
    get: async ({ params, caller }) => {
      for (const role of caller.roles) {
        const found = await store.getObject<T.CDR>({ module: received("cdrs"), country_code: role.country_code, party_id: role.party_id, id: params.cdr_id });
        if (found) return found.data;
      }
      throw OcpiHttpError.notFound(`unknown CDR ${params.cdr_id}`);
    },
    post: async ({ body, caller }) => {
      const own = actsFor(caller, body.country_code, body.party_id);
      if (!own) throw OcpiHttpError.forbidden(`CDRs of ${body.country_code}/${body.party_id} belong to another party`);
      const key = { module: received("cdrs"), country_code: body.country_code, party_id: body.party_id, id: body.id };
      // CDRs are final: a second POST of the same id must not replace the first.
      if (await store.getObject(key)) throw new OcpiHttpError(409, OcpiStatus.ClientError, `CDR ${body.id} exists already`);
      await peerWrite(() => store.putObject({ ...key, last_updated: body.last_updated, data: body }));
    },
  };

  const tariffsSender: TariffsSenderHandlers = { list: ({ page }) => listPage(store, cache, "tariffs", page) };
  const tariffKey = (p: { country_code: string; party_id: string; tariff_id: string }): ObjectKey => ({
    module: received("tariffs"),
    country_code: p.country_code,
    party_id: p.party_id,
    id: p.tariff_id,
  });
  const tariffsReceiver: TariffsReceiverHandlers & { list: ReceiverListHandler } = {
    list: receiverList("tariffs"),
    get: async ({ params }) => (await mustGet<T.Tariff>(store, tariffKey(params), "Tariff")).data,
    put: ({ params, body }) => putWhole(store, tariffKey(params), policy("tariffs"), body),
    delete: async ({ params }) => {
      if (!(await store.deleteObject(tariffKey(params)))) throw OcpiHttpError.notFound(`unknown Tariff ${params.tariff_id}`);
    },
  };

  const tokensSender: TokensSenderHandlers = {
    list: ({ page }) => listPage(store, cache, "tokens", page),
    authorize: async ({ params, query, body }) => {
      const found = await findOwn<T.Token>(store, "tokens", roles, params.token_uid, "Token", OcpiStatus.UnknownToken);
      if (found.data.type !== (query.type ?? "RFID"))
        throw OcpiHttpError.notFound(`unknown Token ${params.token_uid} of type ${query.type ?? "RFID"}`, OcpiStatus.UnknownToken);
      return {
        allowed: found.data.valid ? "ALLOWED" : "BLOCKED",
        token: found.data,
        authorization_reference: newRequestId(),
        ...(body ? { location: body } : {}),
      };
    },
  };
  const tokenKey = (p: { country_code: string; party_id: string; token_uid: string }): ObjectKey => ({
    module: received("tokens"),
    country_code: p.country_code,
    party_id: p.party_id,
    id: p.token_uid,
  });
  const receivedToken = async (params: { country_code: string; party_id: string; token_uid: string }, type: string | undefined) => {
    const token = (await mustGet<T.Token>(store, tokenKey(params), "Token", OcpiStatus.UnknownToken)).data;
    if (token.type !== (type ?? "RFID")) throw OcpiHttpError.notFound(`unknown Token ${params.token_uid} of type ${type ?? "RFID"}`, OcpiStatus.UnknownToken);
    return token;
  };
  const tokensReceiver: TokensReceiverHandlers & { list: ReceiverListHandler; delete: TokenDeleteHandler } = {
    list: receiverList("tokens"),
    get: ({ params, query }) => receivedToken(params, query.type),
    // An extension (receiverDelete): answered like the GET of the same Token, 404 (2004) when there is none.
    delete: async ({ params, query }) => {
      await receivedToken(params, query.type);
      if (!(await store.deleteObject(tokenKey(params)))) throw OcpiHttpError.notFound(`unknown Token ${params.token_uid}`, OcpiStatus.UnknownToken);
    },
    put: ({ params, body }) => putWhole(store, tokenKey(params), policy("tokens"), body),
    patch: ({ params, body }) =>
      patchWhole<T.Token>(store, tokenKey(params), policy("tokens"), body, () =>
        OcpiHttpError.notFound(`unknown Token ${params.token_uid}`, OcpiStatus.UnknownToken),
      ),
  };

  const commandsSender: CommandsSenderHandlers = {
    postResult: async ({ params, body, caller }) => {
      const role = caller.roles[0];
      await store.putObject({
        module: "commandresults",
        country_code: role?.country_code ?? "",
        party_id: role?.party_id ?? "",
        id: params.response_id,
        last_updated: new Date().toISOString(),
        data: body,
      });
      options.onCommandResult?.(body, params.response_id, caller);
    },
  };

  const clientInfoReceiver: HubclientinfoReceiverHandlers = {
    get: async ({ params }) =>
      (
        await mustGet<T.ClientInfo>(
          store,
          { module: received("clientinfo"), country_code: params.country_code, party_id: params.party_id, id: `${params.country_code}/${params.party_id}` },
          "ClientInfo",
        )
      ).data,
    put: ({ params, body }) =>
      putWhole(
        store,
        { module: received("clientinfo"), country_code: params.country_code, party_id: params.party_id, id: `${params.country_code}/${params.party_id}` },
        policy("hubclientinfo"),
        body,
      ),
  };

  const handlers = {
    locations: { sender: locationsSender, receiver: locationsReceiver },
    sessions: { sender: sessionsSender, receiver: sessionsReceiver },
    cdrs: { sender: cdrsSender, receiver: cdrsReceiver },
    tariffs: { sender: tariffsSender, receiver: tariffsReceiver },
    tokens: { sender: tokensSender, receiver: tokensReceiver },
    commands: { sender: commandsSender },
    hubclientinfo: { receiver: clientInfoReceiver },
  } satisfies Handlers;
  return handlers;
}
