/**
 * Sessions module: Session, SessionPatch and ChargingPreferences between OCPI 2.1.1, 2.2.1 and 2.3.0.
 *
 * - 2.1.1 → 2.2.1: `country_code`/`party_id` come from the `owner` context; `auth_id` becomes
 *   `cdr_token.contract_id`, the rest of the CdrToken comes from the `cdr_token` context; `start_datetime` and
 *   `end_datetime` are renamed `start_date_time`/`end_date_time`; the embedded Location becomes `location_id`,
 *   `evse_uid` and `connector_id` (its first EVSE and that EVSE's first connector are taken as the ones used, `#NA`
 *   when it names none; an id or uid over 36 characters is cut to 36, as the locations module cuts them; every other
 *   Location field is dropped); `total_cost` (a number, excluding VAT) becomes
 *   `{ excl_vat }`; `FLAT` dimensions are dropped.
 * - 2.2.1 → 2.1.1: the Location comes from the `location` context, trimmed to the EVSE and connector used (without
 *   EVSEs when the session names none, `#NA`, or the Location lacks them), its id set to `location_id`; dropped:
 *   `country_code`, `party_id`, the CdrToken but its `contract_id` (now `auth_id`), `authorization_reference`,
 *   `total_cost.incl_vat`, `tariff_id` of charging periods and dimensions 2.1.1 lacks (a period left without
 *   dimensions goes too); status `RESERVATION` becomes `PENDING`, auth method `COMMAND` becomes `AUTH_REQUEST`; a
 *   non-ASCII `meter_id` is dropped.
 * - 2.2.1 ↔ 2.3.0: only `total_cost` (a Price) and the token type differ, as for CDRs (see the cdrs module):
 *   `excl_vat` ↔ `before_taxes`, `incl_vat` ↔ one `VAT` tax (going down, the sum of all taxes); 2.3.0 token types
 *   2.2.1 lacks become `OTHER`. ChargingPreferences is the same in both.
 *
 * SessionPatch converters carry the fields present. Going up from 2.1.1, `auth_id` needs the `cdr_token` context
 * (else it is dropped) and a patch without `last_updated` needs the `last_updated` context; going down, location ids
 * need the `location` context (else they are dropped).
 */
import type * as V211 from "@ocpi-sdk/types/2.1.1";
import type * as V221 from "@ocpi-sdk/types/2.2.1";
import type * as V230 from "@ocpi-sdk/types/2.3.0";
import {
  authMethodV221ToV211,
  cdrTokenDown,
  cdrTokenUp,
  cdrTokenV230ToV221,
  chargingPeriodsV211ToV221,
  chargingPeriodsV221ToV211,
  cut,
  NA,
  numberToPrice,
  ownerDown,
  ownerUp,
  pointerFrom221To211,
  pointerFrom221To230,
  priceToNumber,
  priceV221ToV230,
  priceV230ToV221,
  trimToUsed,
  type CdrTokenContext,
} from "./cdrs.js";
import { done, Notes, type Conversion, type Owner } from "./conversion.js";
import { asciiId, chain, cloneJson, dropPresent, dropShadowed, unchanged } from "./shared.js";

// ---------------------------------------------------------------------------------------------------------------
// Contexts

/** What a 2.1.1 Session lacks that 2.2.1 requires: the owner and the CdrToken. */
export interface SessionV211ToV221Context {
  /** The CPO owning the session. */
  owner: Owner;
  /** The Token used, but for `contract_id`, which is the session's `auth_id`. */
  cdr_token: CdrTokenContext;
}

/** What a 2.2.1 Session lacks that 2.1.1 requires: the whole Location it names by id. */
export interface SessionV221ToV211Context {
  /**
   * The session's Location in 2.1.1 form (e.g. made by `locationV221ToV211`), trimmed here to the EVSE and connector
   * used.
   */
  location: V211.Location;
}

/** For a 2.1.1 SessionPatch going up; each field is needed only when the patch calls for it. */
export interface SessionPatchV211ToV221Context {
  /** Needed to carry `auth_id` (else dropped). */
  cdr_token?: CdrTokenContext;
  /** Needed when the 2.1.1 patch has no `last_updated` (2.2 requires it in a PATCH). */
  last_updated?: string;
}

/** For a 2.2.1 SessionPatch going down: the Location, when the patch names location ids. */
export interface SessionPatchV221ToV211Context {
  /** Needed to carry `location_id`, `evse_uid` or `connector_id` (else dropped). */
  location?: V211.Location;
}

// ---------------------------------------------------------------------------------------------------------------
// Session

/**
 * 2.1.1 Session as 2.2.1: owner and CdrToken from the context; dates renamed; the Location reduced to `location_id`,
 * `evse_uid`, `connector_id` (its first EVSE and connector, else `#NA`); `total_cost` a Price; `FLAT` dimensions
 * dropped.
 */
export function sessionV211ToV221(session: V211.Session, context: SessionV211ToV221Context): Conversion<V221.Session> {
  const notes = new Notes();
  ownerUp(notes);
  const fields = fieldsUp(cloneJson(session), context.cdr_token, notes);
  const owner = { country_code: context.owner.country_code, party_id: context.owner.party_id };
  dropShadowed(pick(fields, Object.keys(owner)), owner, notes);
  return done({ ...fields, ...owner } as V221.Session, notes);
}

/**
 * 2.2.1 Session as 2.1.1: the Location from the context, trimmed to the EVSE and connector used; owner,
 * `authorization_reference` and the CdrToken but `contract_id` (now `auth_id`) dropped; `RESERVATION` becomes
 * `PENDING`. See the module comment for the whole list.
 */
export function sessionV221ToV211(session: V221.Session, context: SessionV221ToV211Context): Conversion<V211.Session> {
  const notes = new Notes();
  return done(fieldsDown(cloneJson(session), context.location, notes) as V211.Session, notes);
}

/** 2.2.1 Session as 2.3.0: `total_cost` gets `before_taxes` and, from `incl_vat`, one `VAT` tax. */
export function sessionV221ToV230(session: V221.Session): Conversion<V230.Session> {
  const notes = new Notes();
  return done(fieldsTo230(cloneJson(session), notes) as V230.Session, notes);
}

/**
 * 2.3.0 Session as 2.2.1: `total_cost` back to `excl_vat`/`incl_vat` (taxes summed); token types 2.2.1 lacks become
 * `OTHER`.
 */
export function sessionV230ToV221(session: V230.Session): Conversion<V221.Session> {
  const notes = new Notes();
  return done(fieldsFrom230(cloneJson(session), notes) as V221.Session, notes);
}

/** 2.1.1 Session as 2.3.0, through 2.2.1 (owner and CdrToken from the context). */
export function sessionV211ToV230(session: V211.Session, context: SessionV211ToV221Context): Conversion<V230.Session> {
  return chain(sessionV211ToV221(session, context), sessionV221ToV230, { toSource: pointerFrom221To211 });
}

/** 2.3.0 Session as 2.1.1, through 2.2.1 (the Location from the context). */
export function sessionV230ToV211(session: V230.Session, context: SessionV221ToV211Context): Conversion<V211.Session> {
  return chain(sessionV230ToV221(session), (s) => sessionV221ToV211(s, context), { toSource: pointerFrom221To230 });
}

// ---------------------------------------------------------------------------------------------------------------
// SessionPatch

/** @throws RangeError when neither the patch nor the context has `last_updated`. */
export function sessionPatchV211ToV221(patch: V211.SessionPatch, context: SessionPatchV211ToV221Context = {}): Conversion<V221.SessionPatch> {
  const notes = new Notes();
  const fields = fieldsUp(cloneJson(patch), context.cdr_token, notes);
  if (fields.last_updated === undefined) {
    if (context.last_updated === undefined) {
      throw new RangeError("/last_updated: a 2.2.1 SessionPatch requires it; give it in the context");
    }
    notes.defaulted("last_updated", "2.2 requires it in a PATCH: from the context");
    fields.last_updated = context.last_updated;
  }
  return done(fields as V221.SessionPatch, notes);
}

/**
 * 2.2.1 SessionPatch as 2.1.1, the fields present as by `sessionV221ToV211`; location ids need the `location` context
 * (else they are dropped).
 */
export function sessionPatchV221ToV211(patch: V221.SessionPatch, context: SessionPatchV221ToV211Context = {}): Conversion<V211.SessionPatch> {
  const notes = new Notes();
  return done(fieldsDown(cloneJson(patch), context.location, notes), notes);
}

/** 2.2.1 SessionPatch as 2.3.0, the fields present as by `sessionV221ToV230`. */
export function sessionPatchV221ToV230(patch: V221.SessionPatch): Conversion<V230.SessionPatch> {
  const notes = new Notes();
  return done(fieldsTo230(cloneJson(patch), notes) as V230.SessionPatch, notes);
}

/** 2.3.0 SessionPatch as 2.2.1, the fields present as by `sessionV230ToV221`. */
export function sessionPatchV230ToV221(patch: V230.SessionPatch): Conversion<V221.SessionPatch> {
  const notes = new Notes();
  return done(fieldsFrom230(cloneJson(patch), notes) as V221.SessionPatch, notes);
}

/**
 * 2.1.1 SessionPatch as 2.3.0, through 2.2.1.
 * @throws RangeError when neither the patch nor the context has `last_updated`.
 */
export function sessionPatchV211ToV230(patch: V211.SessionPatch, context: SessionPatchV211ToV221Context = {}): Conversion<V230.SessionPatch> {
  return chain(sessionPatchV211ToV221(patch, context), sessionPatchV221ToV230, { toSource: pointerFrom221To211 });
}

/** 2.3.0 SessionPatch as 2.1.1, through 2.2.1; location ids need the `location` context (else they are dropped). */
export function sessionPatchV230ToV211(patch: V230.SessionPatch, context: SessionPatchV221ToV211Context = {}): Conversion<V211.SessionPatch> {
  return chain(sessionPatchV230ToV221(patch), (p) => sessionPatchV221ToV211(p, context), { toSource: pointerFrom221To230 });
}

// ---------------------------------------------------------------------------------------------------------------
// ChargingPreferences (2.2.1 and 2.3.0 only, the same object)

/** 2.2.1 ChargingPreferences as 2.3.0: a copy (the same object). */
export function chargingPreferencesV221ToV230(preferences: V221.ChargingPreferences): Conversion<V230.ChargingPreferences> {
  return unchanged(preferences);
}

/** 2.3.0 ChargingPreferences as 2.2.1: a copy (the same object). */
export function chargingPreferencesV230ToV221(preferences: V230.ChargingPreferences): Conversion<V221.ChargingPreferences> {
  return unchanged(preferences);
}

// ---------------------------------------------------------------------------------------------------------------
// Field by field, for a Session or a patch of one (the fields present only)

function fieldsUp(session: Partial<V211.Session>, cdrToken: CdrTokenContext | undefined, notes: Notes): Partial<V221.Session> {
  const { start_datetime, end_datetime, auth_id, location, charging_periods, total_cost, ...rest } = session;
  const result: Partial<V221.Session> = { ...rest };
  if (start_datetime !== undefined) {
    notes.changed("start_datetime", "renamed start_date_time");
    result.start_date_time = start_datetime;
  }
  if (end_datetime !== undefined) {
    notes.changed("end_datetime", "renamed end_date_time");
    result.end_date_time = end_datetime;
  }
  if (auth_id !== undefined) {
    if (cdrToken === undefined) notes.dropped("auth_id", "no cdr_token context to make a CdrToken of it");
    else result.cdr_token = cdrTokenUp(auth_id, cdrToken, notes);
  }
  if (location !== undefined) Object.assign(result, locationIdsUp(location, notes));
  if (charging_periods !== undefined) {
    result.charging_periods = chargingPeriodsV211ToV221(charging_periods, notes.at("charging_periods"));
  }
  if (total_cost !== undefined) result.total_cost = numberToPrice(total_cost, "total_cost", notes);
  return dropShadowed(rest, result, notes);
}

/** The ids of the Location a 2.1.1 Session embeds: its first EVSE and connector are the ones used. */
function locationIdsUp(location: V211.Location, notes: Notes): Pick<V221.Session, "location_id" | "evse_uid" | "connector_id"> {
  const n = notes.at("location");
  const { id, evses, ...others } = location;
  n.changed("id", "carried as location_id");
  dropPresent(others, n, "a 2.2 Session names its Location by id only");
  const [evse, ...otherEvses] = evses ?? [];
  otherEvses.forEach((_, i) => {
    n.at("evses").dropped(String(i + 1), "only the first EVSE is taken as the one used");
  });
  const [connector, ...otherConnectors] = evse?.connectors ?? [];
  if (evse === undefined || connector === undefined) {
    notes.defaulted("evse_uid", "the 2.1.1 Location names no EVSE: #NA");
    notes.defaulted("connector_id", "the 2.1.1 Location names no connector: #NA");
    return { location_id: cut(id, "id", n), evse_uid: NA, connector_id: NA };
  }
  const e = n.at("evses").at(0);
  const { uid, connectors: _connectors, ...evseOthers } = evse;
  e.changed("uid", "carried as evse_uid");
  dropPresent(evseOthers, e, "a 2.2 Session names its EVSE by uid only");
  otherConnectors.forEach((_, i) => {
    e.at("connectors").dropped(String(i + 1), "only the first connector is taken as the one used");
  });
  const c = e.at("connectors").at(0);
  const { id: connectorId, ...connectorOthers } = connector;
  c.changed("id", "carried as connector_id");
  dropPresent(connectorOthers, c, "a 2.2 Session names its connector by id only");
  return {
    location_id: cut(id, "id", n),
    evse_uid: cut(uid, "uid", e),
    connector_id: connectorId,
  };
}

function fieldsDown(session: Partial<V221.Session>, given: V211.Location | undefined, notes: Notes): V211.SessionPatch {
  const {
    country_code,
    party_id,
    start_date_time,
    end_date_time,
    cdr_token,
    auth_method,
    authorization_reference,
    location_id,
    evse_uid,
    connector_id,
    meter_id,
    charging_periods,
    total_cost,
    status,
    ...rest
  } = session;
  ownerDown({ country_code, party_id }, notes);
  dropPresent({ authorization_reference }, notes, "2.1.1 Sessions have no such field");
  const result: V211.SessionPatch = { ...rest };
  if (start_date_time !== undefined) {
    notes.changed("start_date_time", "renamed start_datetime");
    result.start_datetime = start_date_time;
  }
  if (end_date_time !== undefined) {
    notes.changed("end_date_time", "renamed end_datetime");
    result.end_datetime = end_date_time;
  }
  if (cdr_token !== undefined) result.auth_id = cdrTokenDown(cdr_token, notes);
  if (auth_method !== undefined) result.auth_method = authMethodV221ToV211(auth_method, notes);
  const ids = { location_id, evse_uid, connector_id };
  if (given === undefined) dropPresent(ids, notes, "no Location in the context to carry it");
  else if (Object.values(ids).some((v) => v !== undefined)) result.location = locationDown(given, ids, notes);
  Object.assign(result, asciiId(meter_id, 255, "meter_id", notes));
  if (charging_periods !== undefined) {
    result.charging_periods = chargingPeriodsV221ToV211(charging_periods, notes.at("charging_periods"));
  }
  if (total_cost !== undefined) result.total_cost = priceToNumber(total_cost, "total_cost", notes);
  if (status !== undefined) result.status = statusDown(status, notes);
  return dropShadowed(rest, result, notes);
}

function pick(value: object, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => keys.includes(key)));
}

/** The given 2.1.1 Location with the session's ids: trimmed to the EVSE and connector used. */
function locationDown(given: V211.Location, ids: Partial<Pick<V221.Session, "location_id" | "evse_uid" | "connector_id">>, notes: Notes): V211.Location {
  const { location_id, evse_uid, connector_id } = ids;
  notes.defaulted("location", "the Location from the context, trimmed to the EVSE and connector used");
  const location = cloneJson(given);
  if (location_id !== undefined) {
    notes.changed("location_id", "carried as location.id");
    location.id = location_id;
  }
  if (evse_uid === undefined) {
    // A patch naming a connector but no EVSE: the Location goes as given.
    dropPresent({ connector_id }, notes, "no evse_uid beside it to find the connector in the Location");
    return location;
  }
  const used = trimToUsed(location, evse_uid, connector_id);
  if (used === undefined) {
    const why = evse_uid === NA ? "no EVSE used yet" : "no such EVSE and connector in the given Location";
    dropPresent({ evse_uid, connector_id }, notes, `${why}: the Location goes without EVSEs`);
    return location;
  }
  notes.changed("evse_uid", "carried as location.evses[0].uid");
  if (connector_id !== undefined) notes.changed("connector_id", "carried as location.evses[0].connectors[0].id");
  return location;
}

function statusDown(status: V221.SessionStatus, notes: Notes): V211.SessionStatus {
  if (status !== "RESERVATION") return status;
  notes.changed("status", "RESERVATION is not a 2.1.1 status: PENDING (not started, may never start)");
  return "PENDING";
}

function fieldsTo230(session: Partial<V221.Session>, notes: Notes): Partial<V230.Session> {
  const { total_cost, ...rest } = session;
  const result: Partial<V230.Session> = { ...rest };
  if (total_cost !== undefined) result.total_cost = priceV221ToV230(total_cost, notes.at("total_cost"));
  return result;
}

function fieldsFrom230(session: Partial<V230.Session>, notes: Notes): Partial<V221.Session> {
  const { total_cost, cdr_token, ...rest } = session;
  const result: Partial<V221.Session> = { ...rest };
  if (cdr_token !== undefined) result.cdr_token = cdrTokenV230ToV221(cdr_token, notes.at("cdr_token"));
  if (total_cost !== undefined) result.total_cost = priceV230ToV221(total_cost, notes.at("total_cost"));
  return result;
}
