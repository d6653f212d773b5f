/**
 * Ready-made handlers backed by a Store, so that a CPO or an eMSP runs with no code of its own for the data
 * modules: what we own is kept under `<module>`, what peers push to us under `<module>.received`.
 * Sessions and CDRs we send are kept under the party they are meant for (the token's owner), so that a peer's
 * list holds only its own.
 */
import { newRequestId, OcpiStatus } from "@ocpi-sdk/protocol";
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
import { RawJsonList, type Caller, type Page } from "../runtime/routes.js";
import type { ObjectKey, Store, StoredObject } from "../store/store.js";

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

async function listPage<D>(store: Store, cache: PageCache, module: string, page: { offset: number; limit: number; date_from?: string; date_to?: string }, scope: { country_code?: string; party_id?: string } = {}): Promise<Page<D>> {
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

const later = (a: string, b: string) => (Date.parse(a.endsWith("Z") ? a : `${a}Z`) >= Date.parse(b.endsWith("Z") ? b : `${b}Z`) ? a : b);

function evseOf(location: T.Location, uid: string): T.EVSE {
  const evse = location.evses?.find((e) => e.uid === uid);
  if (!evse) throw OcpiHttpError.notFound(`unknown EVSE ${location.id}/${uid}`, OcpiStatus.UnknownLocation);
  return evse;
}

function connectorOf(evse: T.EVSE, id: string): T.Connector {
  const connector = evse.connectors.find((c) => c.id === id);
  if (!connector) throw OcpiHttpError.notFound(`unknown Connector ${evse.uid}/${id}`, OcpiStatus.UnknownLocation);
  return connector;
}

/**
 * Changes a received Location atomically: `change` edits a copy; the Location's last_updated follows its newest part.
 * An unknown Location is a 404 (2003).
 */
async function changeLocation(store: Store, key: ObjectKey, change: (location: T.Location) => string): Promise<void> {
  let missing = false;
  await store.updateObject<T.Location>(key, (current) => {
    if (!current) {
      missing = true;
      return undefined;
    }
    const location = structuredClone(current.data);
    const stamp = change(location);
    location.last_updated = later(stamp, location.last_updated);
    return { ...current, last_updated: location.last_updated, data: location };
  });
  if (missing) throw OcpiHttpError.notFound(`unknown Location ${key.country_code}/${key.party_id}/${key.id}`, OcpiStatus.UnknownLocation);
}

export interface StoreHandlersOptions {
  /** Our own roles: where our objects are kept. */
  roles: CredentialsRole[];
  /** Called with each CommandResult that arrives at one of our response_urls. */
  onCommandResult?: (result: T.CommandResult, responseId: string, caller: Caller) => void;
}

export function storeHandlers(store: Store, options: StoreHandlersOptions) {
  const { roles } = options;
  const cache = new PageCache();
  const locationsSender: LocationsSenderHandlers = {
    list: ({ page }) => listPage(store, cache, "locations", page),
    get: async ({ params }) => (await findOwn<T.Location>(store, "locations", roles, params.location_id, "Location", OcpiStatus.UnknownLocation)).data,
    getEvse: async ({ params }) => evseOf((await findOwn<T.Location>(store, "locations", roles, params.location_id, "Location", OcpiStatus.UnknownLocation)).data, params.evse_uid),
    getConnector: async ({ params }) =>
      connectorOf(evseOf((await findOwn<T.Location>(store, "locations", roles, params.location_id, "Location", OcpiStatus.UnknownLocation)).data, params.evse_uid), params.connector_id),
  };
  const locationKey = (p: { country_code: string; party_id: string; location_id: string }): ObjectKey => ({ module: received("locations"), country_code: p.country_code, party_id: p.party_id, id: p.location_id });
  const locationsReceiver: LocationsReceiverHandlers = {
    get: async ({ params }) => (await mustGet<T.Location>(store, locationKey(params), "Location", OcpiStatus.UnknownLocation)).data,
    getEvse: async ({ params }) => evseOf((await mustGet<T.Location>(store, locationKey(params), "Location", OcpiStatus.UnknownLocation)).data, params.evse_uid),
    getConnector: async ({ params }) => connectorOf(evseOf((await mustGet<T.Location>(store, locationKey(params), "Location", OcpiStatus.UnknownLocation)).data, params.evse_uid), params.connector_id),
    put: async ({ params, body }) => {
      await store.putObject({ ...locationKey(params), last_updated: body.last_updated, data: body });
    },
    putEvse: ({ params, body }) =>
      changeLocation(store, locationKey(params), (location) => {
        const evses = (location.evses ??= []);
        const at = evses.findIndex((e) => e.uid === params.evse_uid);
        if (at >= 0) evses[at] = body;
        else evses.push(body);
        return body.last_updated;
      }),
    putConnector: ({ params, body }) =>
      changeLocation(store, locationKey(params), (location) => {
        const evse = evseOf(location, params.evse_uid);
        const at = evse.connectors.findIndex((c) => c.id === params.connector_id);
        if (at >= 0) evse.connectors[at] = body;
        else evse.connectors.push(body);
        evse.last_updated = later(body.last_updated, evse.last_updated);
        return body.last_updated;
      }),
    patch: ({ params, body }) => changeLocation(store, locationKey(params), (location) => (Object.assign(location, body), body.last_updated)),
    patchEvse: ({ params, body }) => changeLocation(store, locationKey(params), (location) => (Object.assign(evseOf(location, params.evse_uid), body), body.last_updated)),
    patchConnector: ({ params, body }) =>
      changeLocation(store, locationKey(params), (location) => {
        const evse = evseOf(location, params.evse_uid);
        Object.assign(connectorOf(evse, params.connector_id), body);
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
  const sessionKey = (p: { country_code: string; party_id: string; session_id: string }): ObjectKey => ({ module: received("sessions"), country_code: p.country_code, party_id: p.party_id, id: p.session_id });
  const sessionsReceiver: SessionsReceiverHandlers = {
    get: async ({ params }) => (await mustGet<T.Session>(store, sessionKey(params), "Session")).data,
    put: async ({ params, body }) => {
      await store.putObject({ ...sessionKey(params), last_updated: body.last_updated, data: body });
    },
    patch: async ({ params, body }) => {
      let missing = false;
      await store.updateObject<T.Session>(sessionKey(params), (current) => {
        if (!current) return void (missing = true);
        const session = { ...current.data, ...body } as T.Session;
        return { ...current, last_updated: session.last_updated, data: session };
      });
      if (missing) throw OcpiHttpError.notFound(`unknown Session ${params.country_code}/${params.party_id}/${params.session_id}`);
    },
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
      const own = caller.isHub || caller.roles.some((r) => r.country_code === body.country_code && r.party_id === body.party_id);
      if (!own) throw OcpiHttpError.forbidden(`CDRs of ${body.country_code}/${body.party_id} belong to another party`);
      const key = { module: received("cdrs"), country_code: body.country_code, party_id: body.party_id, id: body.id };
      // CDRs are final: a second POST of the same id must not replace the first.
      if (await store.getObject(key)) throw new OcpiHttpError(409, OcpiStatus.ClientError, `CDR ${body.id} exists already`);
      await store.putObject({ ...key, last_updated: body.last_updated, data: body });
    },
  };

  const tariffsSender: TariffsSenderHandlers = { list: ({ page }) => listPage(store, cache, "tariffs", page) };
  const tariffKey = (p: { country_code: string; party_id: string; tariff_id: string }): ObjectKey => ({ module: received("tariffs"), country_code: p.country_code, party_id: p.party_id, id: p.tariff_id });
  const tariffsReceiver: TariffsReceiverHandlers = {
    get: async ({ params }) => (await mustGet<T.Tariff>(store, tariffKey(params), "Tariff")).data,
    put: async ({ params, body }) => {
      await store.putObject({ ...tariffKey(params), last_updated: body.last_updated, data: body });
    },
    delete: async ({ params }) => {
      if (!(await store.deleteObject(tariffKey(params)))) throw OcpiHttpError.notFound(`unknown Tariff ${params.tariff_id}`);
    },
  };

  const tokensSender: TokensSenderHandlers = {
    list: ({ page }) => listPage(store, cache, "tokens", page),
    authorize: async ({ params, query, body }) => {
      const found = await findOwn<T.Token>(store, "tokens", roles, params.token_uid, "Token", OcpiStatus.UnknownToken);
      if (found.data.type !== (query.type ?? "RFID")) throw OcpiHttpError.notFound(`unknown Token ${params.token_uid} of type ${query.type ?? "RFID"}`, OcpiStatus.UnknownToken);
      return {
        allowed: found.data.valid ? "ALLOWED" : "BLOCKED",
        token: found.data,
        authorization_reference: newRequestId(),
        ...(body ? { location: body } : {}),
      };
    },
  };
  const tokenKey = (p: { country_code: string; party_id: string; token_uid: string }): ObjectKey => ({ module: received("tokens"), country_code: p.country_code, party_id: p.party_id, id: p.token_uid });
  const tokensReceiver: TokensReceiverHandlers = {
    get: async ({ params, query }) => {
      const token = (await mustGet<T.Token>(store, tokenKey(params), "Token", OcpiStatus.UnknownToken)).data;
      if (token.type !== (query.type ?? "RFID")) throw OcpiHttpError.notFound(`unknown Token ${params.token_uid} of type ${query.type ?? "RFID"}`, OcpiStatus.UnknownToken);
      return token;
    },
    put: async ({ params, body }) => {
      await store.putObject({ ...tokenKey(params), last_updated: body.last_updated, data: body });
    },
    patch: async ({ params, body }) => {
      let missing = false;
      await store.updateObject<T.Token>(tokenKey(params), (current) => {
        if (!current) return void (missing = true);
        const token = { ...current.data, ...body } as T.Token;
        return { ...current, last_updated: token.last_updated, data: token };
      });
      if (missing) throw OcpiHttpError.notFound(`unknown Token ${params.token_uid}`, OcpiStatus.UnknownToken);
    },
  };

  const commandsSender: CommandsSenderHandlers = {
    postResult: async ({ params, body, caller }) => {
      const role = caller.roles[0];
      await store.putObject({ module: "commandresults", country_code: role?.country_code ?? "", party_id: role?.party_id ?? "", id: params.response_id, last_updated: new Date().toISOString(), data: body });
      options.onCommandResult?.(body, params.response_id, caller);
    },
  };

  const clientInfoReceiver: HubclientinfoReceiverHandlers = {
    get: async ({ params }) => (await mustGet<T.ClientInfo>(store, { module: received("clientinfo"), country_code: params.country_code, party_id: params.party_id, id: `${params.country_code}/${params.party_id}` }, "ClientInfo")).data,
    put: async ({ params, body }) => {
      await store.putObject({ module: received("clientinfo"), country_code: params.country_code, party_id: params.party_id, id: `${params.country_code}/${params.party_id}`, last_updated: body.last_updated, data: body });
    },
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
