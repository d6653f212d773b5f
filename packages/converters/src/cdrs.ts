/**
 * CDRs module: CDR between OCPI 2.1.1, 2.2.1 and 2.3.0, and the pieces the Sessions module shares with it
 * (ChargingPeriod, CdrToken, Price).
 *
 * - 2.1.1 → 2.2.1: `country_code`/`party_id` come from the `owner` context; `auth_id` becomes
 *   `cdr_token.contract_id`, the rest of the CdrToken (`country_code`, `party_id`, `uid`, `type`) comes from the
 *   `cdr_token` context; `stop_date_time` is renamed `end_date_time`; the embedded Location becomes a CdrLocation
 *   (its first EVSE and that EVSE's first connector are taken as the ones used, every other Location, EVSE and
 *   Connector field is dropped; a Location id or EVSE uid over 36 characters is cut to 36, as the locations module
 *   cuts them; an empty `postal_code` is left out; a missing `evse_id` is the `evse_id` context or
 *   `#NA`; a Location without EVSE gives `#NA` ids and the `connector` context or {@link DEFAULT_CONNECTOR});
 *   `total_cost` (a number, excluding VAT) becomes `{ excl_vat }`; `FLAT` dimensions are dropped (2.2 removed them).
 * - 2.2.1 → 2.1.1: the Location comes from the `location` context (2.1.1 embeds a whole Location a CdrLocation cannot
 *   fill), trimmed to the EVSE and connector used, with the CdrLocation's values put over it (an absent postal code
 *   becomes `""`; coordinates get six decimals; connector standards and power types 2.1.1 lacks keep the given
 *   Location's value); dropped: `country_code`, `party_id`, `session_id`, the CdrToken but its `contract_id` (now
 *   `auth_id`), `authorization_reference`, `cdr_location.state`, `signed_data`, `total_cost.incl_vat` and the other
 *   `total_*_cost` fields, `invoice_reference_id`, `credit`, `credit_reference_id`, `home_charging_compensation`,
 *   `tariff_id` of charging periods and dimensions 2.1.1 lacks; auth method `COMMAND` becomes `AUTH_REQUEST`;
 *   non-ASCII text is transliterated (a non-ASCII `meter_id` is dropped); a CDR id over 36 characters throws a
 *   RangeError (cutting a credit CDR's id could make it the id of the CDR it credits).
 * - 2.2.1 → 2.3.0: every Price: `excl_vat` → `before_taxes`; `incl_vat` → one tax named `VAT` whose amount is
 *   `incl_vat - excl_vat`.
 * - 2.3.0 → 2.2.1: every Price: `before_taxes` → `excl_vat`, `incl_vat` = `before_taxes` + the sum of all tax amounts
 *   (tax names other than `VAT`, `percentage`, `account_number` are dropped; an empty tax list is dropped); token types
 *   2.2.1 lacks become `OTHER`; connector standard `SAE_J3400` becomes `TESLA_S`, other standards 2.2.1 lacks become
 *   the `connector_standard` context or {@link fallbackConnectorStandard}.
 *
 * Embedded tariffs are converted by the `tariff` function of the context (e.g. `tariffV221ToV211` of the tariffs
 * module); without it they are dropped. Its notes are put under `/tariffs/<i>`.
 * The 2.1.1 ↔ 2.3.0 converters chain the two steps; notes of the second step are mapped to the source's pointers
 * where a Price field changed name (`excl_vat`/`incl_vat` ↔ the number or `before_taxes`/`taxes`).
 */
import type * as V211 from "@ocpi-sdk/types/2.1.1";
import type * as V221 from "@ocpi-sdk/types/2.2.1";
import type * as V230 from "@ocpi-sdk/types/2.3.0";
import { done, Notes, type Conversion, type Owner } from "./conversion.js";
import {
  asciiId,
  chain,
  cloneJson,
  CONNECTOR_TYPES_211,
  CONNECTOR_TYPES_221,
  coordinateDown,
  dropPresent,
  dropShadowed,
  fitAscii,
  memberOf,
  nested,
  refuseLonger,
  shorten,
  SPELLED_ASCII_TERSE,
  TOKEN_TYPES_221,
  type CoordinateFit,
} from "./shared.js";

// ---------------------------------------------------------------------------------------------------------------
// Contexts

/** The Token data a 2.1.1 Session or CDR lacks: 2.1.1 names the Token only by its `auth_id` (2.2's `contract_id`). */
export type CdrTokenContext = Omit<V221.CdrToken, "contract_id">;

/** The connector fields of a CdrLocation, for a 2.1.1 Location that names no EVSE. */
export type ConnectorContext = Pick<V221.CdrLocation, "connector_standard" | "connector_format" | "connector_power_type">;

/** Converts one embedded Tariff (e.g. `tariffV221ToV211` of the tariffs module). */
export type TariffConverter<From, To> = (tariff: From) => Conversion<To>;

/** What a CdrLocation says about the connector when the 2.1.1 Location names none and the context gives nothing. */
export const DEFAULT_CONNECTOR: Readonly<ConnectorContext> = {
  connector_standard: "IEC_62196_T2",
  connector_format: "SOCKET",
  connector_power_type: "AC_3_PHASE",
};

/** What a 2.1.1 CDR lacks that 2.2.1 requires (owner, CdrToken), and what fills the gaps its Location leaves. */
export interface CdrV211ToV221Context {
  /** The CPO owning the CDR. */
  owner: Owner;
  /** The Token used, but for `contract_id`, which is the CDR's `auth_id`. */
  cdr_token: CdrTokenContext;
  /** For an EVSE without `evse_id` (optional in 2.1.1, required by CdrLocation); `#NA` if absent. */
  evse_id?: string;
  /** For a Location without EVSE; {@link DEFAULT_CONNECTOR} if absent. */
  connector?: ConnectorContext;
  /** Converts the embedded tariffs; without it they are dropped. */
  tariff?: TariffConverter<V211.Tariff, V221.Tariff>;
}

/** What a 2.2.1 CDR lacks that 2.1.1 requires: the whole Location its CdrLocation stands for. */
export interface CdrV221ToV211Context {
  /**
   * The CDR's Location in 2.1.1 form (e.g. made by `locationV221ToV211`). It is trimmed to the EVSE and connector
   * used; the CdrLocation's values are put over it where 2.1.1 can hold them.
   */
  location: V211.Location;
  /** Converts the embedded tariffs; without it they are dropped. */
  tariff?: TariffConverter<V221.Tariff, V211.Tariff>;
}

/** For a 2.2.1 CDR going to 2.3.0: needed only to carry its embedded tariffs. */
export interface CdrV221ToV230Context {
  /** Converts the embedded tariffs (e.g. `t => tariffV221ToV230(t, { tax_included })`); without it they are dropped. */
  tariff?: TariffConverter<V221.Tariff, V230.Tariff>;
}

/** For a 2.3.0 CDR going to 2.2.1: its embedded tariffs, and a stand-in for connector standards 2.2.1 lacks. */
export interface CdrV230ToV221Context {
  /** Converts the embedded tariffs; without it they are dropped. */
  tariff?: TariffConverter<V230.Tariff, V221.Tariff>;
  /** Put in place of a connector standard 2.2.1 lacks (e.g. `MCS`); {@link fallbackConnectorStandard} if absent. */
  connector_standard?: V221.ConnectorType;
}

/** As {@link CdrV211ToV221Context}, the tariff converter giving 2.3.0 tariffs. */
export interface CdrV211ToV230Context extends Omit<CdrV211ToV221Context, "tariff"> {
  tariff?: TariffConverter<V211.Tariff, V230.Tariff>;
}

/**
 * As {@link CdrV221ToV211Context}, the tariff converter taking 2.3.0 tariffs; a connector standard 2.1.1 lacks keeps
 * the given Location's.
 */
export interface CdrV230ToV211Context {
  location: V211.Location;
  tariff?: TariffConverter<V230.Tariff, V211.Tariff>;
}

// ---------------------------------------------------------------------------------------------------------------
// CDR converters

/**
 * 2.1.1 CDR as 2.2.1: owner and CdrToken from the context; the Location becomes a CdrLocation of its first EVSE and
 * connector; `total_cost` a Price; `FLAT` dimensions dropped. See the module comment for the whole list.
 */
export function cdrV211ToV221(cdr: V211.CDR, context: CdrV211ToV221Context): Conversion<V221.CDR> {
  const notes = new Notes();
  const { tariffs, ...rest } = cloneJson(cdr);
  const value = cdrUp(rest, context, notes);
  return done(withTariffs(value, tariffs, context.tariff, notes), notes);
}

/** @throws RangeError when the CDR id is longer than 2.1.1's 36 characters (a long credit CDR id). */
export function cdrV221ToV211(cdr: V221.CDR, context: CdrV221ToV211Context): Conversion<V211.CDR> {
  const notes = new Notes();
  const { tariffs, ...rest } = cloneJson(cdr);
  const value = cdrDown(rest, context.location, notes, true);
  return done(withTariffs(value, tariffs, context.tariff, notes), notes);
}

/**
 * 2.2.1 CDR as 2.3.0: every Price gets `before_taxes` and, from `incl_vat`, one `VAT` tax; tariffs by the context's
 * function (else dropped).
 */
export function cdrV221ToV230(cdr: V221.CDR, context: CdrV221ToV230Context = {}): Conversion<V230.CDR> {
  const notes = new Notes();
  const { tariffs, ...rest } = cloneJson(cdr);
  const value = cdrTo230(rest, notes);
  return done(withTariffs(value, tariffs, context.tariff, notes), notes);
}

/**
 * 2.3.0 CDR as 2.2.1: Prices back to `excl_vat`/`incl_vat` (taxes summed); token types and connector standards 2.2.1
 * lacks replaced; tariffs by the context's function (else dropped).
 */
export function cdrV230ToV221(cdr: V230.CDR, context: CdrV230ToV221Context = {}): Conversion<V221.CDR> {
  const notes = new Notes();
  const { tariffs, ...rest } = cloneJson(cdr);
  const value = cdrFrom230(rest, context.connector_standard, notes);
  return done(withTariffs(value, tariffs, context.tariff, notes), notes);
}

/** 2.1.1 → 2.2.1 → 2.3.0; the tariffs are converted by the context's function in one go. */
export function cdrV211ToV230(cdr: V211.CDR, context: CdrV211ToV230Context): Conversion<V230.CDR> {
  const { tariffs, ...rest } = cdr;
  const { tariff, ...stepContext } = context;
  const chained = chain(cdrV211ToV221(rest, stepContext), (c) => cdrV221ToV230(c), { toSource: pointerFrom221To211 });
  const notes = new Notes("", chained.notes);
  return done(withTariffs(chained.value, cloneJson(tariffs), tariff, notes), notes);
}

/** 2.3.0 → 2.2.1 → 2.1.1; the tariffs are converted by the context's function in one go. */
export function cdrV230ToV211(cdr: V230.CDR, context: CdrV230ToV211Context): Conversion<V211.CDR> {
  const { tariffs, ...rest } = cdr;
  // A standard 2.2.1 lacks gets a stand-in on the first step; the given Location's own value is better than that.
  const standardKept = knownStandardV230(cdr.cdr_location.connector_standard);
  const chained = chain(
    cdrV230ToV221(rest),
    (c) => {
      const notes = new Notes();
      return done(cdrDown(cloneJson(c), context.location, notes, standardKept), notes);
    },
    { toSource: pointerFrom221To230 },
  );
  const notes = new Notes("", chained.notes);
  return done(withTariffs(chained.value, cloneJson(tariffs), context.tariff, notes), notes);
}

// ---------------------------------------------------------------------------------------------------------------
// 2.1.1 ↔ 2.2.1

function cdrUp(cdr: Omit<V211.CDR, "tariffs">, context: CdrV211ToV221Context, notes: Notes): V221.CDR {
  const {
    id,
    start_date_time,
    stop_date_time,
    auth_id,
    auth_method,
    location,
    meter_id,
    currency,
    charging_periods,
    total_cost,
    total_energy,
    total_time,
    total_parking_time,
    remark,
    last_updated,
    ...custom
  } = cdr;
  ownerUp(notes);
  notes.changed("stop_date_time", "renamed end_date_time");
  const periods = chargingPeriodsV211ToV221(charging_periods, notes.at("charging_periods"));
  return dropShadowed(
    custom,
    {
      ...custom,
      country_code: context.owner.country_code,
      party_id: context.owner.party_id,
      id,
      start_date_time,
      end_date_time: stop_date_time,
      cdr_token: cdrTokenUp(auth_id, context.cdr_token, notes),
      auth_method,
      cdr_location: cdrLocationUp(location, context, notes),
      ...(meter_id === undefined ? {} : { meter_id }),
      currency,
      charging_periods: periods.length > 0 ? periods : fallbackPeriods(start_date_time, total_energy, notes),
      total_cost: numberToPrice(total_cost, "total_cost", notes),
      total_energy,
      total_time,
      ...(total_parking_time === undefined ? {} : { total_parking_time }),
      ...(remark === undefined ? {} : { remark }),
      last_updated,
    },
    notes,
  );
}

/** The 2.2.1 CdrLocation of the Location a 2.1.1 CDR embeds (`notes` at the CDR's root). */
function cdrLocationUp(location: V211.Location, context: Pick<CdrV211ToV221Context, "evse_id" | "connector">, notes: Notes): V221.CdrLocation {
  const source = notes.at("location");
  const result = notes.at("cdr_location");
  notes.changed("location", "carried as cdr_location, which holds only some of its fields");
  const { id, name, address, city, postal_code, country, coordinates, evses, ...others } = location;
  dropPresent(others, source, "a CdrLocation has no such field");
  const cdrLocation: Omit<V221.CdrLocation, "evse_uid" | "evse_id" | keyof ConnectorContext | "connector_id"> = {
    id: cut(id, "id", source),
    ...(name === undefined ? {} : { name }),
    address,
    city,
    ...(postal_code === "" ? {} : { postal_code }),
    country,
    coordinates,
  };
  if (postal_code === "") source.changed("postal_code", "empty, so the location has none: left out");
  const used = firstUsed(evses, source);
  if (used === undefined) {
    for (const field of ["evse_uid", "evse_id", "connector_id"]) {
      result.defaulted(field, "the 2.1.1 Location names no EVSE: #NA");
    }
    const connector = context.connector ?? DEFAULT_CONNECTOR;
    for (const field of Object.keys(DEFAULT_CONNECTOR)) {
      result.defaulted(field, `the 2.1.1 Location names no connector: ${context.connector ? "from the context" : "a stand-in"}`);
    }
    return { ...cdrLocation, evse_uid: NA, evse_id: NA, connector_id: NA, ...connector };
  }
  const { evse, connector, evseNotes, connectorNotes } = used;
  const { uid, evse_id, connectors: _connectors, ...evseOthers } = evse;
  dropPresent(evseOthers, evseNotes, "a CdrLocation has no such EVSE field");
  const { id: connectorId, standard, format, power_type, ...connectorOthers } = connector;
  dropPresent(connectorOthers, connectorNotes, "a CdrLocation has no such connector field");
  if (evse_id === undefined) {
    result.defaulted("evse_id", context.evse_id === undefined ? "the EVSE has no evse_id: #NA" : "from the context");
  }
  return {
    ...cdrLocation,
    evse_uid: cut(uid, "uid", evseNotes),
    evse_id: evse_id ?? context.evse_id ?? NA,
    connector_id: connectorId,
    connector_standard: standard,
    connector_format: format,
    connector_power_type: power_type,
  };
}

/** The first EVSE and its first connector, taken as the ones used; notes drop the others. */
function firstUsed(
  evses: V211.EVSE[] | undefined,
  notes: Notes,
): { evse: V211.EVSE; connector: V211.Connector; evseNotes: Notes; connectorNotes: Notes } | undefined {
  const [evse, ...otherEvses] = evses ?? [];
  otherEvses.forEach((_, i) => {
    notes.at("evses").dropped(String(i + 1), "only the first EVSE is taken as the one used");
  });
  const [connector, ...otherConnectors] = evse?.connectors ?? [];
  if (evse === undefined || connector === undefined) return undefined;
  const evseNotes = notes.at("evses").at(0);
  otherConnectors.forEach((_, i) => {
    evseNotes.at("connectors").dropped(String(i + 1), "only the first connector is taken as the one used");
  });
  return { evse, connector, evseNotes, connectorNotes: evseNotes.at("connectors").at(0) };
}

function cdrDown(cdr: Omit<V221.CDR, "tariffs">, given: V211.Location, notes: Notes, standardKept: boolean): V211.CDR {
  const {
    country_code,
    party_id,
    id,
    start_date_time,
    end_date_time,
    session_id,
    cdr_token,
    auth_method,
    authorization_reference,
    cdr_location,
    meter_id,
    currency,
    charging_periods,
    signed_data,
    total_cost,
    total_fixed_cost,
    total_energy,
    total_energy_cost,
    total_time,
    total_time_cost,
    total_parking_time,
    total_parking_cost,
    total_reservation_cost,
    remark,
    invoice_reference_id,
    credit,
    credit_reference_id,
    home_charging_compensation,
    last_updated,
    ...custom
  } = cdr;
  ownerDown({ country_code, party_id }, notes);
  dropPresent(
    {
      session_id,
      authorization_reference,
      signed_data,
      total_fixed_cost,
      total_energy_cost,
      total_time_cost,
      total_parking_cost,
      total_reservation_cost,
      invoice_reference_id,
      credit,
      credit_reference_id,
      home_charging_compensation,
    },
    notes,
    "2.1.1 CDRs have no such field",
  );
  notes.changed("end_date_time", "renamed stop_date_time");
  const periods = chargingPeriodsV221ToV211(charging_periods, notes.at("charging_periods"));
  return dropShadowed(
    custom,
    {
      ...custom,
      id: refuseLonger(id, 36, "/id", "the target"),
      start_date_time,
      stop_date_time: end_date_time,
      auth_id: cdrTokenDown(cdr_token, notes),
      auth_method: authMethodV221ToV211(auth_method, notes),
      location: locationOfCdrDown(given, cdr_location, notes, standardKept),
      ...asciiId(meter_id, 255, "meter_id", notes),
      currency,
      charging_periods: periods.length > 0 ? periods : fallbackPeriods(start_date_time, total_energy, notes),
      total_cost: priceToNumber(total_cost, "total_cost", notes),
      total_energy,
      total_time,
      ...(total_parking_time === undefined ? {} : { total_parking_time }),
      ...(remark === undefined ? {} : { remark: fitAscii(remark, 255, "remark", notes, SPELLED_ASCII_TERSE) }),
      last_updated,
    },
    notes,
  );
}

/** The given 2.1.1 Location, trimmed to the EVSE and connector used, with the CdrLocation's values over it. */
function locationOfCdrDown(given: V211.Location, cdrLocation: V221.CdrLocation, notes: Notes, standardKept: boolean): V211.Location {
  const n = notes.at("cdr_location");
  notes.changed("cdr_location", "carried as location");
  notes.defaulted("location", "the Location from the context, trimmed to the EVSE and connector used, with the CdrLocation's values over it");
  const {
    id,
    name,
    address,
    city,
    postal_code,
    state,
    country,
    coordinates,
    evse_uid,
    evse_id,
    connector_id,
    connector_standard,
    connector_format,
    connector_power_type,
    ...custom
  } = cdrLocation;
  dropPresent(custom, n, "2.1.1 Locations have no such field");
  const location = cloneJson(given);
  location.id = id;
  if (name === undefined) delete location.name;
  else location.name = fitAscii(name, 255, "name", n, SPELLED_ASCII_TERSE);
  location.address = fitAscii(address, 45, "address", n, SPELLED_ASCII_TERSE);
  location.city = fitAscii(city, 45, "city", n, SPELLED_ASCII_TERSE);
  if (postal_code === undefined) {
    location.postal_code = "";
    notes.at("location").defaulted("postal_code", "the location has no postal code, which 2.1.1 requires: empty");
  } else {
    location.postal_code = fitAscii(postal_code, 10, "postal_code", n, SPELLED_ASCII_TERSE);
  }
  if (state !== undefined) n.dropped("state", "2.1.1 Locations have no state");
  location.country = fitAscii(country, 3, "country", n, SPELLED_ASCII_TERSE);
  location.coordinates = coordinatesDown(coordinates, n.at("coordinates"));
  const used = trimToUsed(location, evse_uid, connector_id);
  if (used === undefined) {
    const why = evse_uid === NA ? "no EVSE was used" : "no such EVSE and connector in the given Location";
    for (const field of ["evse_uid", "evse_id", "connector_id", ...Object.keys(DEFAULT_CONNECTOR)]) {
      n.dropped(field, `${why}: the Location goes without EVSEs`);
    }
    return location;
  }
  const { evse, connector } = used;
  evse.evse_id = evse_id;
  if (connector === undefined) return location; // not so: a CDR always names its connector
  connector.format = connector_format;
  if (standardKept && knownStandardV211(connector_standard)) {
    connector.standard = connector_standard;
  } else {
    n.dropped("connector_standard", `not a 2.1.1 connector type; the given Location's ${connector.standard} kept`);
  }
  if (knownPowerTypeV211(connector_power_type)) {
    connector.power_type = connector_power_type;
  } else {
    n.dropped("connector_power_type", `not a 2.1.1 power type; the given Location's ${connector.power_type} kept`);
  }
  return location;
}

/**
 * Trims a (copied) 2.1.1 Location to the EVSE and connector used: the one EVSE with that uid, holding the one
 * connector with that id (all its connectors when no connector id is given). Without a match the Location goes
 * without EVSEs and nothing is returned.
 * @internal
 */
export function trimToUsed(
  location: V211.Location,
  evseUid: string | undefined,
  connectorId: string | undefined,
): { evse: V211.EVSE; connector: V211.Connector | undefined } | undefined {
  const evse = evseUid === undefined ? undefined : location.evses?.find((e) => e.uid === evseUid);
  const connector = connectorId === undefined ? undefined : evse?.connectors.find((c) => c.id === connectorId);
  if (evse === undefined || (connectorId !== undefined && connector === undefined)) {
    delete location.evses;
    return undefined;
  }
  if (connector !== undefined) evse.connectors = [connector];
  location.evses = [evse];
  return { evse, connector };
}

// ---------------------------------------------------------------------------------------------------------------
// 2.2.1 ↔ 2.3.0

const OPTIONAL_PRICES = ["total_fixed_cost", "total_energy_cost", "total_time_cost", "total_parking_cost", "total_reservation_cost"] as const;

/** The CDR without its optional prices, which are converted one by one (after `total_cost`). */
function withoutOptionalPrices<T extends object>(cdr: T): Omit<T, (typeof OPTIONAL_PRICES)[number]> {
  const rest = { ...cdr };
  for (const field of OPTIONAL_PRICES) delete (rest as Record<string, unknown>)[field];
  return rest;
}

function cdrTo230(cdr: Omit<V221.CDR, "tariffs">, notes: Notes): V230.CDR {
  const { total_cost, ...rest } = withoutOptionalPrices(cdr);
  const result: V230.CDR = { ...rest, total_cost: priceV221ToV230(total_cost, notes.at("total_cost")) };
  for (const field of OPTIONAL_PRICES) {
    const price = cdr[field];
    if (price !== undefined) result[field] = priceV221ToV230(price, notes.at(field));
  }
  return result;
}

function cdrFrom230(cdr: Omit<V230.CDR, "tariffs">, standard: V221.ConnectorType | undefined, notes: Notes): V221.CDR {
  const { cdr_token, cdr_location, total_cost, ...rest } = withoutOptionalPrices(cdr);
  const result: V221.CDR = {
    ...rest,
    cdr_token: cdrTokenV230ToV221(cdr_token, notes.at("cdr_token")),
    cdr_location: cdrLocationV230ToV221(cdr_location, standard, notes.at("cdr_location")),
    total_cost: priceV230ToV221(total_cost, notes.at("total_cost")),
  };
  for (const field of OPTIONAL_PRICES) {
    const price = cdr[field];
    if (price !== undefined) result[field] = priceV230ToV221(price, notes.at(field));
  }
  return result;
}

function cdrLocationV230ToV221(location: V230.CdrLocation, standard: V221.ConnectorType | undefined, notes: Notes): V221.CdrLocation {
  const { connector_standard, ...rest } = location;
  if (knownStandardV221(connector_standard)) return { ...rest, connector_standard };
  if (connector_standard === "SAE_J3400") {
    notes.changed("connector_standard", "SAE_J3400 is not a 2.2.1 type: TESLA_S, the plug it is compatible with");
    return { ...rest, connector_standard: "TESLA_S" };
  }
  const replacement = standard ?? fallbackConnectorStandard(location.connector_power_type);
  notes.changed(
    "connector_standard",
    `${connector_standard} is not a 2.2.1 type: ${replacement}${standard === undefined ? ", a stand-in" : ", from the context"}`,
  );
  return { ...rest, connector_standard: replacement };
}

/** The stand-in for a 2.3.0 connector standard 2.2.1 lacks (e.g. `MCS`): CCS type 2 for DC, type 2 for AC. */
export function fallbackConnectorStandard(powerType: V221.PowerType): V221.ConnectorType {
  return powerType === "DC" ? "IEC_62196_T2_COMBO" : "IEC_62196_T2";
}

// ---------------------------------------------------------------------------------------------------------------
// Pieces shared with the Sessions module (`notes` at the object holding them unless said otherwise)

/** `#NA`, the value OCPI uses where an id is not (yet) known. */
export const NA = "#NA";

/** @internal */
export function ownerUp(notes: Notes): void {
  notes.defaulted("country_code", "2.1.1 carries no owner: from the owner context");
  notes.defaulted("party_id", "2.1.1 carries no owner: from the owner context");
}

/** @internal */
export function ownerDown(owner: Partial<Owner>, notes: Notes): void {
  dropPresent(owner, notes, "2.1.1 carries no owner");
}

/** `auth_id` becomes the CdrToken's `contract_id`; the rest of the token comes from the context. @internal */
export function cdrTokenUp(authId: string, token: CdrTokenContext, notes: Notes): V221.CdrToken {
  notes.changed("auth_id", "carried as cdr_token.contract_id");
  const { contract_id: _ignored, ...given } = cloneJson(token) as CdrTokenContext & { contract_id?: string };
  const result = notes.at("cdr_token");
  for (const field of Object.keys(given)) {
    result.defaulted(field, "2.1.1 names the Token only by auth_id: from the cdr_token context");
  }
  return { ...given, contract_id: authId };
}

/** The CdrToken's `contract_id`, 2.1.1's `auth_id`; its other fields are dropped. @internal */
export function cdrTokenDown(token: V221.CdrToken, notes: Notes): string {
  const { contract_id, ...others } = token;
  const n = notes.at("cdr_token");
  n.changed("contract_id", "carried as auth_id");
  dropPresent(others, n, "2.1.1 names the Token only by auth_id");
  return contract_id;
}

/** 2.3.0 token types 2.2.1 lacks (`EMAID`, custom values) become `OTHER`. `notes` at the token. @internal */
export function cdrTokenV230ToV221(token: V230.CdrToken, notes: Notes): V221.CdrToken {
  const { type, ...rest } = token;
  if (knownTokenTypeV221(type)) return { ...rest, type };
  notes.changed("type", `${type} is not a 2.2.1 token type: OTHER`);
  return { ...rest, type: "OTHER" };
}

/** @internal */
export function authMethodV221ToV211(method: V221.AuthMethod, notes: Notes): V211.AuthMethod {
  if (method !== "COMMAND") return method;
  notes.changed("auth_method", "COMMAND is not a 2.1.1 method: AUTH_REQUEST (the eMSP authorized it)");
  return "AUTH_REQUEST";
}

/** A 2.1.1 cost (a number excluding VAT) as a 2.2.1 Price. @internal */
export function numberToPrice(value: number, field: string, notes: Notes): V221.Price {
  notes.changed(field, "a number excluding VAT, now the Price's excl_vat");
  return { excl_vat: value };
}

/** A 2.2.1 Price as a 2.1.1 cost: `excl_vat`; `incl_vat` is dropped. @internal */
export function priceToNumber(price: V221.Price, field: string, notes: Notes): number {
  const { excl_vat, ...others } = price;
  notes.changed(field, "a Price, now the number excl_vat (2.1.1 costs exclude VAT)");
  dropPresent(others, notes.at(field), "a 2.1.1 cost is a number excluding VAT");
  return excl_vat;
}

/** The tax name 2.3.0 Prices made from 2.2.1 ones carry: 2.2.1 only knows VAT. */
export const VAT = "VAT";

/** `excl_vat` → `before_taxes`; `incl_vat` → one `VAT` tax of `incl_vat - excl_vat`. `notes` at the Price. */
export function priceV221ToV230(price: V221.Price, notes: Notes): V230.Price {
  const { excl_vat, incl_vat, ...rest } = price;
  notes.changed("excl_vat", "renamed before_taxes");
  if (incl_vat === undefined) return { ...rest, before_taxes: excl_vat };
  notes.changed("incl_vat", "carried as one tax whose amount is incl_vat - excl_vat");
  notes.at("taxes").at(0).defaulted("name", `2.2.1 names no tax: ${VAT}`);
  return { ...rest, before_taxes: excl_vat, taxes: [{ name: VAT, amount: decimal(incl_vat - excl_vat, incl_vat, excl_vat) }] };
}

/**
 * `before_taxes` → `excl_vat`; `incl_vat` is `before_taxes` plus every tax amount (names other than `VAT`, rates and
 * account numbers are dropped). An empty tax list says nothing 2.2.1 can hold and is dropped. `notes` at the Price.
 */
export function priceV230ToV221(price: V230.Price, notes: Notes): V221.Price {
  const { before_taxes, taxes, ...rest } = price;
  notes.changed("before_taxes", "renamed excl_vat");
  if (taxes === undefined) return { ...rest, excl_vat: before_taxes };
  if (taxes.length === 0) {
    notes.dropped("taxes", "an empty tax list: incl_vat left out");
    return { ...rest, excl_vat: before_taxes };
  }
  notes.changed("taxes", "summed into incl_vat (the price including taxes)");
  let inclVat = before_taxes;
  taxes.forEach((tax, i) => {
    const { name, amount, ...others } = tax;
    const n = notes.at("taxes").at(i);
    if (name !== VAT) n.dropped("name", "2.2.1 names no tax (incl_vat holds all of them)");
    dropPresent(others, n, "2.2.1 keeps only the amount of a tax");
    inclVat = decimal(inclVat + amount, inclVat, amount);
  });
  return { ...rest, excl_vat: before_taxes, incl_vat: inclVat };
}

/** 2.1.1 periods as 2.2.1 ones: `FLAT` dimensions are dropped. `notes` at the array. @internal */
export function chargingPeriodsV211ToV221(periods: V211.ChargingPeriod[], notes: Notes): V221.ChargingPeriod[] {
  const result: V221.ChargingPeriod[] = [];
  periods.forEach((period, i) => {
    const { dimensions, ...rest } = period;
    const kept = keepDimensions(dimensions, knownDimensionV221, "2.2.1", i, notes);
    if (kept !== undefined) result.push({ ...rest, dimensions: kept });
  });
  return result;
}

/** 2.2.1 periods as 2.1.1 ones: `tariff_id` and dimensions 2.1.1 lacks are dropped. `notes` at the array. @internal */
export function chargingPeriodsV221ToV211(periods: V221.ChargingPeriod[], notes: Notes): V211.ChargingPeriod[] {
  const result: V211.ChargingPeriod[] = [];
  periods.forEach((period, i) => {
    const { dimensions, tariff_id, ...rest } = period;
    const kept = keepDimensions(dimensions, knownDimensionV211, "2.1.1", i, notes);
    if (kept === undefined) return;
    if (tariff_id !== undefined) notes.at(i).dropped("tariff_id", "2.1.1 periods name no tariff");
    result.push({ ...rest, dimensions: kept });
  });
  return result;
}

/** The dimensions of period `i` the target knows, the others noted; none known drops the period. */
function keepDimensions<D extends { type: string }, T extends string>(
  dimensions: D[],
  known: (type: string) => type is T,
  version: string,
  i: number,
  notes: Notes,
): (D & { type: T })[] | undefined {
  const kept = dimensions.filter((d): d is D & { type: T } => known(d.type));
  if (kept.length === 0) {
    notes.dropped(String(i), `none of its dimensions exists in ${version}`);
    return undefined;
  }
  dimensions.forEach((d, j) => {
    if (!known(d.type)) notes.at(i).at("dimensions").dropped(String(j), `${d.type} is not a ${version} dimension`);
  });
  return kept;
}

/** A CDR needs a period: when none could be carried, one with the CDR's total energy. */
function fallbackPeriods(start: string, energy: number, notes: Notes): { start_date_time: string; dimensions: [{ type: "ENERGY"; volume: number }] }[] {
  notes.defaulted("charging_periods", "no period could be carried: one period with the total energy");
  return [{ start_date_time: start, dimensions: [{ type: "ENERGY", volume: energy }] }];
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

/**
 * A 2.1.1 Location id or EVSE uid (39 characters) as a 2.2 reference (36): cut to 36, as the locations module cuts
 * the Location's own ids, so that the reference still matches. @internal
 */
export function cut(id: string, field: string, notes: Notes): string {
  return shorten(id, 36, field, notes, "as the Location's own id is");
}

/** 2.2's 5 to 7 decimals as 2.1.1's 6 (padded, or rounded half away from zero). `notes` at the GeoLocation. */
function coordinatesDown(coordinates: V221.GeoLocation, notes: Notes): V211.GeoLocation {
  const { latitude, longitude, ...rest } = coordinates;
  return {
    ...rest,
    latitude: coordinateDown(latitude, "latitude", notes, SIX_DECIMALS),
    longitude: coordinateDown(longitude, "longitude", notes, SIX_DECIMALS),
  };
}

const SIX_DECIMALS: CoordinateFit = { keepMinusOnZero: true, detail: () => "2.1.1 coordinates have exactly six decimals" };

/** A sum or difference of decimal amounts without binary noise: as many decimals as its operands have. */
function decimal(value: number, ...operands: number[]): number {
  const places = Math.max(...operands.map(decimalPlaces));
  const rounded = Number(value.toFixed(Math.min(places, 20)));
  return rounded === 0 ? 0 : rounded;
}

function decimalPlaces(n: number): number {
  const text = String(n);
  if (/e/i.test(text)) return 20;
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** Converts embedded tariffs with the context's function (its notes under `/tariffs/<i>`), or drops them. */
function withTariffs<T extends object, From, To>(
  value: T,
  tariffs: From[] | undefined,
  convert: TariffConverter<From, To> | undefined,
  notes: Notes,
): T & { tariffs?: To[] } {
  if (tariffs === undefined) return value;
  if (convert === undefined && tariffs.length > 0) {
    notes.dropped("tariffs", "no tariff converter in the context");
    return value;
  }
  const converted = tariffs.map((tariff, i) => nested(notes, `/tariffs/${i}`, (convert as TariffConverter<From, To>)(tariff)));
  return { ...value, tariffs: converted };
}

/** A pointer into a 2.2.1 intermediate made from 2.1.1, as a pointer into the 2.1.1 source. @internal */
export function pointerFrom221To211(pointer: string): string {
  return pointer.replace(/\/excl_vat$/, "");
}

/** A pointer into a 2.2.1 intermediate made from 2.3.0, as a pointer into the 2.3.0 source. @internal */
export function pointerFrom221To230(pointer: string): string {
  return pointer.replace(/\/excl_vat$/, "/before_taxes").replace(/\/incl_vat$/, "/taxes");
}

// ---------------------------------------------------------------------------------------------------------------
// Enum tables (`satisfies` keeps them equal to the generated types)

const V211_POWER_TYPES = { AC_1_PHASE: true, AC_3_PHASE: true, DC: true } satisfies Record<V211.PowerType, true>;
const V211_DIMENSIONS = {
  ENERGY: true,
  FLAT: true,
  MAX_CURRENT: true,
  MIN_CURRENT: true,
  PARKING_TIME: true,
  TIME: true,
} satisfies Record<V211.CdrDimensionType, true>;
const V221_DIMENSIONS = {
  CURRENT: true,
  ENERGY: true,
  ENERGY_EXPORT: true,
  ENERGY_IMPORT: true,
  MAX_CURRENT: true,
  MIN_CURRENT: true,
  MAX_POWER: true,
  MIN_POWER: true,
  PARKING_TIME: true,
  POWER: true,
  RESERVATION_TIME: true,
  STATE_OF_CHARGE: true,
  TIME: true,
} satisfies Record<V221.CdrDimensionType, true>;

const knownStandardV211 = memberOf(CONNECTOR_TYPES_211);
const knownStandardV221 = memberOf(CONNECTOR_TYPES_221);
const knownPowerTypeV211 = memberOf<V211.PowerType>(V211_POWER_TYPES);
const knownTokenTypeV221 = memberOf(TOKEN_TYPES_221);
const knownDimensionV211 = memberOf<V211.CdrDimensionType>(V211_DIMENSIONS);
const knownDimensionV221 = memberOf<V221.CdrDimensionType>(V221_DIMENSIONS);

/** Whether a 2.3.0 connector standard reaches 2.2.1 as itself or a documented equivalent. */
function knownStandardV230(standard: string): boolean {
  return knownStandardV221(standard) || standard === "SAE_J3400";
}
