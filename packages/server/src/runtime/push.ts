/**
 * What pushing a change of one of our objects means: the change to our own copy in the store, and one delivery per
 * party that receives it (the module's RECEIVER), both written in one store transaction. The outbox worker
 * (./outbox.ts) sends the deliveries.
 */
import { sameCiString } from "@ocpi-sdk/protocol";
import { formatIssues, type Validator } from "@ocpi-sdk/validators";
import { validators as v211 } from "@ocpi-sdk/validators/2.1.1";
import { validators as v221 } from "@ocpi-sdk/validators/2.2.1";
import { validators as v230 } from "@ocpi-sdk/validators/2.3.0";
import type { NewDelivery, ObjectKey, PartyRecord, StoredObject } from "../store/store.js";
import { later } from "../handlers/store-handlers.js";
import { routeById, type ServedVersion } from "./versions.js";

/** The modules whose objects we push to the parties that receive them. */
export type PushModule = "locations" | "sessions" | "cdrs" | "tariffs" | "tokens";

/** Which part of a Location a push is about (none: the whole Location). */
export interface LocationPart {
  evse_uid?: string;
  connector_id?: string;
}

/** The fields of an object of ours a push reads. */
export interface Owned {
  type?: string;
  country_code: string;
  party_id: string;
  last_updated: string;
  id?: string;
  uid?: string;
  cdr_token?: { country_code: string; party_id: string };
  evses?: { uid: string; last_updated: string; connectors: { id: string; last_updated: string }[] }[];
}

/** An object that breaks its schema, or a push that names no object: refused before anything is stored. */
export class PushError extends Error {
  override readonly name = "PushError";
}

const PATH_ID: Record<PushModule, string> = {
  locations: "location_id",
  sessions: "session_id",
  cdrs: "cdr_id",
  tariffs: "tariff_id",
  tokens: "token_uid",
};

/** The counter-role of a 2.1.1 party, which lists one URL per module without saying which interface it is. */
const RECEIVING_ROLE: Record<PushModule, string> = { locations: "EMSP", sessions: "EMSP", cdrs: "EMSP", tariffs: "EMSP", tokens: "CPO" };

/** The object's own id: Token.uid, or id. */
export function idOf(module: PushModule, object: Owned): string {
  const id = module === "tokens" ? object.uid : object.id;
  if (typeof id !== "string") throw new PushError(`${module}: the object has no ${module === "tokens" ? "uid" : "id"}`);
  return id;
}

/**
 * Where our own copy is kept (as storeHandlers serves it): under its owner, except Sessions and CDRs, which are kept
 * under the party they are meant for (the token's owner), so each eMSP lists only its own.
 */
export function ownKey(module: PushModule, object: Owned): ObjectKey {
  const owner = module === "sessions" || module === "cdrs" ? object.cdr_token : object;
  if (typeof owner?.country_code !== "string" || typeof owner.party_id !== "string") {
    throw new PushError(`${module}: the object has no ${module === "sessions" || module === "cdrs" ? "cdr_token " : ""}country_code and party_id`);
  }
  return { module, country_code: owner.country_code, party_id: owner.party_id, id: idOf(module, object) };
}

const VALIDATORS = { "2.1.1": v211, "2.2.1": v221, "2.3.0": v230 } as unknown as Record<ServedVersion, Record<string, Validator<unknown> | undefined>>;
const SCHEMA: Record<PushModule, string> = { locations: "Location", sessions: "Session", cdrs: "CDR", tariffs: "Tariff", tokens: "Token" };

/**
 * Checks a whole object of ours (after a PATCH: the object patched) against its schema in the handlers' version:
 * what we send must be valid, and a peer would refuse it otherwise.
 */
export function checkOwn(module: PushModule, version: ServedVersion, object: unknown): void {
  const validator = VALIDATORS[version][SCHEMA[module]];
  if (!validator) throw new PushError(`OCPI ${version} has no ${SCHEMA[module]}`);
  const result = validator.validate(object);
  if (!result.ok) throw new PushError(`${module}: the ${validator.name} to push is invalid: ${formatIssues(result.errors)}`);
}

/**
 * Whether a party receives the module's pushes: registered, with the module's RECEIVER endpoint (2.1.1: the module's
 * endpoint and the receiving role), and for Sessions and CDRs only the party the object is meant for.
 */
export function receives(party: PartyRecord, module: PushModule, meantFor?: { country_code: string; party_id: string }): boolean {
  if (party.status !== "registered" || !party.outgoingToken) return false;
  const listed = party.endpoints.some(
    (e) =>
      e.identifier === module &&
      (e.role === undefined ? party.version === "2.1.1" && party.roles.some((r) => r.role === RECEIVING_ROLE[module]) : e.role === "RECEIVER"),
  );
  if (!listed) return false;
  return meantFor === undefined || party.roles.some((r) => sameCiString(r.country_code, meantFor.country_code) && sameCiString(r.party_id, meantFor.party_id));
}

/** One push: the operation, its path parameters and body, in the handlers' version. */
export interface PushMessage {
  operationId: string;
  params: Record<string, string>;
  body: unknown;
  /** A PUT of a whole object: it makes the deliveries of the object before it unnecessary. */
  replaces: boolean;
}

/** The deliveries of one push, one per party. All pushes about one object share an order key. */
export function deliveriesOf(
  module: PushModule,
  version: ServedVersion,
  owner: { country_code: string; party_id: string },
  id: string,
  message: PushMessage,
  parties: PartyRecord[],
): NewDelivery[] {
  if (!routeById(version, message.operationId)) throw new PushError(`OCPI ${version} has no ${message.operationId}`);
  const orderKey = [module, owner.country_code, owner.party_id, id].map((part) => part.toUpperCase()).join("/");
  return parties.map((party) => ({
    partyId: party.id,
    orderKey,
    ...(message.replaces ? { replaces: true } : {}),
    operationId: message.operationId,
    version,
    params: message.params,
    body: message.body,
  }));
}

/** The path parameters of a push about an object (and, for a Location, one of its parts). */
export function paramsOf(module: PushModule, owner: { country_code: string; party_id: string }, id: string, part: LocationPart = {}): Record<string, string> {
  return {
    country_code: owner.country_code,
    party_id: owner.party_id,
    [PATH_ID[module]]: id,
    ...(part.evse_uid !== undefined ? { evse_uid: part.evse_uid } : {}),
    ...(part.connector_id !== undefined ? { connector_id: part.connector_id } : {}),
  };
}

/** The operation of a PUT or PATCH of a module's object or a Location's part: `locationsReceiverPatchEvse`. */
export function operationOf(module: PushModule, method: "put" | "patch", part: LocationPart = {}): string {
  const suffix = part.connector_id !== undefined ? "Connector" : part.evse_uid !== undefined ? "Evse" : "";
  return `${module}Receiver${method === "put" ? "Put" : "Patch"}${suffix}`;
}

/**
 * Applies a PATCH to our copy (a Location's EVSE or Connector, or the object itself). The patch must carry
 * last_updated (OCPI 2.2 requires it); a Location's last_updated follows its newest part.
 */
export function applyPatch(module: PushModule, current: StoredObject<Owned>, patch: Record<string, unknown>, part: LocationPart = {}): StoredObject<Owned> {
  if (typeof patch.last_updated !== "string") throw new PushError(`${module}: a PATCH must carry last_updated`);
  const data = structuredClone(current.data);
  if (part.evse_uid === undefined) {
    Object.assign(data, patch);
  } else {
    const evse = data.evses?.find((e) => sameCiString(e.uid, part.evse_uid!));
    if (!evse) throw new PushError(`locations: Location ${current.id} has no EVSE ${part.evse_uid}`);
    if (part.connector_id === undefined) {
      Object.assign(evse, patch);
    } else {
      const connector = evse.connectors.find((c) => sameCiString(c.id, part.connector_id!));
      if (!connector) throw new PushError(`locations: EVSE ${part.evse_uid} has no Connector ${part.connector_id}`);
      Object.assign(connector, patch);
      evse.last_updated = later(patch.last_updated, evse.last_updated);
    }
    data.last_updated = later(patch.last_updated, data.last_updated);
  }
  return { ...current, last_updated: data.last_updated, data };
}
