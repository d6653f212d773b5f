// Location, EVSE and Connector between OCPI 2.1.1, 2.2.1 and 2.3.0, with every nested class (GeoLocation,
// AdditionalGeoLocation, DisplayText, Hours, RegularHours, EnergyMix, EnvironmentalImpact, Image, BusinessDetails,
// PublishTokenType, ...). Each step goes between neighbouring versions; 2.1.1 <-> 2.3.0 chains the two steps.
//
// What each step does (notes: D dropped, F defaulted, C changed):
//
// 2.2.1 -> 2.1.1
//   Location: D country_code, party_id, publish, publish_allowed_to, state; C parking_type -> type (ALONG_MOTORWAY and
//     ON_DRIVEWAY -> OTHER); F type UNKNOWN when there is no parking_type; F postal_code "" when there is none;
//     D facilities BIKE_SHARING, TRAM_STOP, METRO_STATION, PARKING_LOT; D EVSEs none of whose connectors fit 2.1.1.
//   EVSE: D capabilities 2.1.1 lacks; D connectors whose standard 2.1.1 lacks (no EVSE at all when none is left).
//   Connector: C max_voltage -> voltage, max_amperage -> amperage; C tariff_ids -> tariff_id (the first), D the others;
//     D max_electric_power; C power_type AC_2_PHASE / AC_2_PHASE_SPLIT -> AC_1_PHASE; no connector at all when 2.1.1
//     lacks its standard.
//   Nested: C latitude/longitude to exactly six decimals (rounded half up, or padded); C every free text that is not
//     printable ASCII is transliterated (2.1.1 strings are ASCII), shortened if the transliteration grows too long;
//     C EnvironmentalImpact.category -> source.
// 2.1.1 -> 2.2.1
//   Location: F country_code, party_id from the owner given; F publish true; F time_zone from the context (else
//     Etc/UTC) when missing; C type -> parking_type, D type OTHER / UNKNOWN; C postal_code "" left out; C id longer
//     than 36 characters shortened.
//   EVSE: C uid longer than 36 characters shortened.
//   Connector: C voltage -> max_voltage, amperage -> max_amperage, tariff_id -> tariff_ids [tariff_id].
//   Nested: F Hours.twentyfourseven (false with regular hours, else true); C RegularHours times from 24:00 on -> 23:59;
//     C EnvironmentalImpact.source -> category.
// 2.2.1 -> 2.3.0: nothing lost, nothing noted (2.3.0 only adds fields and enum values).
// 2.3.0 -> 2.2.1
//   Location: D parking_places, help_phone; D parking_type and facilities 2.2.1 lacks; D EVSEs none of whose
//     connectors fit 2.2.1.
//   EVSE: D parking, accepted_service_providers; D capabilities and parking_restrictions 2.2.1 lacks; D connectors
//     whose standard 2.2.1 lacks (no EVSE at all when none is left).
//   Connector: D capabilities; C standard SAE_J3400 -> TESLA_S; no connector at all for other standards 2.2.1 lacks.
//   Nested: C Image.category 2.2.1 lacks -> OTHER; C PublishTokenType.type 2.2.1 lacks -> OTHER; D EnvironmentalImpact
//     items whose category 2.2.1 lacks.
//
// Unknown (custom) fields are carried over unchanged; one that has the name of a field the converter fills in the
// target is dropped (and noted). Inputs are never mutated: every result is a fresh copy.

import type * as V211 from "@ocpi-sdk/types/2.1.1";
import type * as V221 from "@ocpi-sdk/types/2.2.1";
import type * as V230 from "@ocpi-sdk/types/2.3.0";
import { done, Notes, type Conversion, type Owner } from "./conversion.js";

/** What a 2.1.1 Location lacks that 2.2.1 and 2.3.0 require. */
export interface LocationV211Context {
  /** The CPO that owns the location: fills `country_code` and `party_id`. */
  owner: Owner;
  /** IANA time zone for a location that has none (2.2.1 requires one); when absent too, {@link DEFAULT_TIME_ZONE}. */
  time_zone?: string;
}

/** The time zone a 2.1.1 location without one gets when the context names none either. */
export const DEFAULT_TIME_ZONE = "Etc/UTC";

// ---------------------------------------------------------------------------------------------------------------------
// Helpers

type Json = Record<string, unknown>;

function isIn<T extends string>(members: Record<T, true>, value: string): value is T {
  return Object.hasOwn(members, value);
}

function opt<A, B>(value: A | undefined, convert: (value: A) => B): B | undefined {
  return value === undefined ? undefined : convert(value);
}

/** Removes the keys whose value is undefined, so that optional fields the source lacks stay absent. */
function compact<T extends object>(object: T): T {
  for (const key of Object.keys(object)) if ((object as Json)[key] === undefined) delete (object as Json)[key];
  return object;
}

/** Adds the source's unknown fields to a converted object; a converted field of the same name wins. */
function withExtras<T extends object>(out: T, rest: object, n: Notes): T {
  for (const [key, value] of Object.entries(rest)) {
    if (Object.hasOwn(out, key)) n.dropped(key, "unknown field with the name of a field of the target version; not carried over");
    else (out as Json)[key] = value;
  }
  return out;
}

/** A note on the converted object as a whole (pointer ""), for objects the target version cannot hold at all. */
function droppedWhole(n: Notes, detail: string): void {
  n.list.push({ kind: "dropped", pointer: "", detail });
}

/** Items of a list whose values the target enum knows; every other item is dropped and noted. */
function keepKnown<T extends string>(n: Notes, field: string, values: readonly string[], members: Record<T, true>, version: string): T[] {
  const kept: T[] = [];
  values.forEach((value, i) => {
    if (isIn(members, value)) kept.push(value);
    else n.at(field).dropped(String(i), `${value} does not exist in ${version}`);
  });
  return kept;
}

/** Letters that Unicode decomposition does not reduce to ASCII, or that read better spelled out. */
const TRANSLITERATION: Record<string, string> = {
  ß: "ss", ẞ: "SS", ä: "ae", ö: "oe", ü: "ue", Ä: "Ae", Ö: "Oe", Ü: "Ue", æ: "ae", Æ: "AE", ø: "o", Ø: "O",
  œ: "oe", Œ: "OE", þ: "th", Þ: "Th", ð: "d", Ð: "D", đ: "d", Đ: "D", ħ: "h", Ħ: "H", ł: "l", Ł: "L", ı: "i",
  "\u00A0": " ", "\u2018": "'", "\u2019": "'", "\u201A": "'", "\u201C": '"', "\u201D": '"', "\u201E": '"',
  "\u2013": "-", "\u2014": "-", "\u2026": "...", "€": "EUR",
};

/** Printable ASCII for any text: special letters spelled out, accents stripped, anything else becomes "?". */
export function toPrintableAscii(text: string): string {
  let spelled = "";
  for (const char of text.normalize("NFC")) spelled += TRANSLITERATION[char] ?? char;
  return spelled
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^ -~]/gu, "?");
}

/** A 2.2.1 free text (UTF-8) as a 2.1.1 string (printable ASCII) of at most `max` characters. */
function ascii(n: Notes, field: string, value: string, max: number): string {
  const folded = toPrintableAscii(value);
  const fitted = folded.slice(0, max);
  if (fitted === value) return value;
  const detail = folded === value ? "" : "transliterated to printable ASCII, as 2.1.1 strings are";
  const shortened = fitted.length < folded.length ? `shortened to ${max} characters` : "";
  n.changed(field, [detail, shortened].filter(Boolean).join(", then "));
  return fitted;
}

/** An id the target allows fewer characters for. */
function fitLength(n: Notes, field: string, value: string, max: number): string {
  if (value.length <= max) return value;
  n.changed(field, `shortened from ${value.length} to ${max} characters, the most the target version allows`);
  return value.slice(0, max);
}

/** A decimal degree string with exactly six decimals (2.1.1), rounding half away from zero. */
export function sixDecimals(value: string): string {
  const match = /^(-?)([0-9]+)\.([0-9]+)$/.exec(value);
  if (!match) return value;
  const [, sign = "", whole = "", fraction = ""] = match;
  if (fraction.length <= 6) return `${sign}${whole}.${fraction.padEnd(6, "0")}`;
  let scaled = BigInt(whole + fraction.slice(0, 6));
  if (fraction.charCodeAt(6) >= 0x35 /* "5" */) scaled += 1n;
  const digits = scaled.toString().padStart(7, "0");
  const rounded = `${digits.slice(0, -6)}.${digits.slice(-6)}`;
  return scaled === 0n ? rounded : sign + rounded;
}

function coordinateDown(n: Notes, field: string, value: string): string {
  const six = sixDecimals(value);
  if (six !== value) {
    n.changed(field, six.length > value.length ? "padded to the six decimals 2.1.1 requires" : "rounded to the six decimals 2.1.1 requires");
  }
  return six;
}

// ---------------------------------------------------------------------------------------------------------------------
// Enum values per version (Record<Enum, true>: the compiler checks each list is complete and exact)

const CAPABILITY_211: Record<V211.Capability, true> = {
  CHARGING_PROFILE_CAPABLE: true, CREDIT_CARD_PAYABLE: true, REMOTE_START_STOP_CAPABLE: true, RESERVABLE: true,
  RFID_READER: true, UNLOCK_CAPABLE: true,
};

const CONNECTOR_TYPE_211: Record<V211.ConnectorType, true> = {
  CHADEMO: true, DOMESTIC_A: true, DOMESTIC_B: true, DOMESTIC_C: true, DOMESTIC_D: true, DOMESTIC_E: true,
  DOMESTIC_F: true, DOMESTIC_G: true, DOMESTIC_H: true, DOMESTIC_I: true, DOMESTIC_J: true, DOMESTIC_K: true,
  DOMESTIC_L: true, IEC_60309_2_single_16: true, IEC_60309_2_three_16: true, IEC_60309_2_three_32: true,
  IEC_60309_2_three_64: true, IEC_62196_T1: true, IEC_62196_T1_COMBO: true, IEC_62196_T2: true,
  IEC_62196_T2_COMBO: true, IEC_62196_T3A: true, IEC_62196_T3C: true, TESLA_R: true, TESLA_S: true,
};

const FACILITY_211: Record<V211.Facility, true> = {
  HOTEL: true, RESTAURANT: true, CAFE: true, MALL: true, SUPERMARKET: true, SPORT: true, RECREATION_AREA: true,
  NATURE: true, MUSEUM: true, BUS_STOP: true, TAXI_STAND: true, TRAIN_STATION: true, AIRPORT: true,
  CARPOOL_PARKING: true, FUEL_STATION: true, WIFI: true,
};

const PARKING_RESTRICTION_211: Record<V211.ParkingRestriction, true> = {
  EV_ONLY: true, PLUGGED: true, DISABLED: true, CUSTOMERS: true, MOTORCYCLES: true,
};

/** 2.2.1 parking types as 2.1.1 location types; the ones 2.1.1 lacks become OTHER. */
const LOCATION_TYPE_OF: Record<V221.ParkingType, V211.LocationType> = {
  ALONG_MOTORWAY: "OTHER", PARKING_GARAGE: "PARKING_GARAGE", PARKING_LOT: "PARKING_LOT", ON_DRIVEWAY: "OTHER",
  ON_STREET: "ON_STREET", UNDERGROUND_GARAGE: "UNDERGROUND_GARAGE",
};

/** 2.1.1 location types as 2.2.1 parking types; OTHER and UNKNOWN have none (the field is optional in 2.2.1). */
const PARKING_TYPE_OF: Record<V211.LocationType, V221.ParkingType | undefined> = {
  ON_STREET: "ON_STREET", PARKING_GARAGE: "PARKING_GARAGE", UNDERGROUND_GARAGE: "UNDERGROUND_GARAGE",
  PARKING_LOT: "PARKING_LOT", OTHER: undefined, UNKNOWN: undefined,
};

const CAPABILITY_221: Record<V221.Capability, true> = {
  CHARGING_PROFILE_CAPABLE: true, CHARGING_PREFERENCES_CAPABLE: true, CHIP_CARD_SUPPORT: true,
  CONTACTLESS_CARD_SUPPORT: true, CREDIT_CARD_PAYABLE: true, DEBIT_CARD_PAYABLE: true, PED_TERMINAL: true,
  REMOTE_START_STOP_CAPABLE: true, RESERVABLE: true, RFID_READER: true, START_SESSION_CONNECTOR_REQUIRED: true,
  TOKEN_GROUP_CAPABLE: true, UNLOCK_CAPABLE: true,
};

const CONNECTOR_TYPE_221: Record<V221.ConnectorType, true> = {
  ...CONNECTOR_TYPE_211, CHAOJI: true, DOMESTIC_M: true, DOMESTIC_N: true, DOMESTIC_O: true, GBT_AC: true,
  GBT_DC: true, NEMA_5_20: true, NEMA_6_30: true, NEMA_6_50: true, NEMA_10_30: true, NEMA_10_50: true,
  NEMA_14_30: true, NEMA_14_50: true, PANTOGRAPH_BOTTOM_UP: true, PANTOGRAPH_TOP_DOWN: true,
};

/** 2.3.0 connector standards that 2.2.1 lacks but has a close equivalent for (mechanically compatible). */
const CONNECTOR_TYPE_221_FOR: Record<string, V221.ConnectorType> = { SAE_J3400: "TESLA_S" };

const FACILITY_221: Record<V221.Facility, true> = {
  ...FACILITY_211, BIKE_SHARING: true, TRAM_STOP: true, METRO_STATION: true, PARKING_LOT: true,
};

const PARKING_RESTRICTION_221: Record<V221.ParkingRestriction, true> = { ...PARKING_RESTRICTION_211 };

const PARKING_TYPE_221: Record<V221.ParkingType, true> = {
  ALONG_MOTORWAY: true, PARKING_GARAGE: true, PARKING_LOT: true, ON_DRIVEWAY: true, ON_STREET: true,
  UNDERGROUND_GARAGE: true,
};

const IMAGE_CATEGORY_221: Record<V221.ImageCategory, true> = {
  CHARGER: true, ENTRANCE: true, LOCATION: true, NETWORK: true, OPERATOR: true, OTHER: true, OWNER: true,
};

const ENVIRONMENTAL_IMPACT_CATEGORY_221: Record<V221.EnvironmentalImpactCategory, true> = {
  NUCLEAR_WASTE: true, CARBON_DIOXIDE: true,
};

const TOKEN_TYPE_221: Record<V221.TokenType, true> = { AD_HOC_USER: true, APP_USER: true, OTHER: true, RFID: true };

// ---------------------------------------------------------------------------------------------------------------------
// 2.2.1 -> 2.1.1

function displayTextDown(text: V221.DisplayText, n: Notes): V211.DisplayText {
  const { language, text: words, ...rest } = text;
  return withExtras({ language: ascii(n, "language", language, 2), text: ascii(n, "text", words, 512) }, rest, n);
}

function displayTextsDown(texts: V221.DisplayText[], n: Notes): V211.DisplayText[] {
  return texts.map((text, i) => displayTextDown(text, n.at(i)));
}

function geoLocationDown(geo: V221.GeoLocation, n: Notes): V211.GeoLocation {
  const { latitude, longitude, ...rest } = geo;
  return withExtras(
    { latitude: coordinateDown(n, "latitude", latitude), longitude: coordinateDown(n, "longitude", longitude) },
    rest,
    n,
  );
}

function additionalGeoLocationDown(geo: V221.AdditionalGeoLocation, n: Notes): V211.AdditionalGeoLocation {
  const { latitude, longitude, name, ...rest } = geo;
  const out = compact<V211.AdditionalGeoLocation>({
    latitude: coordinateDown(n, "latitude", latitude),
    longitude: coordinateDown(n, "longitude", longitude),
    name: opt(name, (text) => displayTextDown(text, n.at("name"))),
  });
  return withExtras(out, rest, n);
}

function businessDetailsDown(details: V221.BusinessDetails, n: Notes): V211.BusinessDetails {
  const { name, website, logo, ...rest } = details;
  return withExtras(compact<V211.BusinessDetails>({ name: ascii(n, "name", name, 100), website, logo }), rest, n);
}

function energyMixDown(mix: V221.EnergyMix, n: Notes): V211.EnergyMix {
  const { is_green_energy, energy_sources, environ_impact, supplier_name, energy_product_name, ...rest } = mix;
  const out = compact<V211.EnergyMix>({
    is_green_energy,
    energy_sources,
    environ_impact: opt(environ_impact, (impacts) =>
      impacts.map((impact, i): V211.EnvironmentalImpact => {
        const { category, amount, ...extra } = impact;
        const m = n.at("environ_impact").at(i);
        m.changed("category", "renamed to source, its 2.1.1 name");
        return withExtras({ source: category, amount }, extra, m);
      }),
    ),
    supplier_name: opt(supplier_name, (name) => ascii(n, "supplier_name", name, 64)),
    energy_product_name: opt(energy_product_name, (name) => ascii(n, "energy_product_name", name, 64)),
  });
  return withExtras(out, rest, n);
}

function tariffIdDown(n: Notes, tariffIds: string[] | undefined): string | undefined {
  if (tariffIds === undefined) return undefined;
  const [first, ...others] = tariffIds;
  if (first === undefined) {
    n.dropped("tariff_ids", "empty list; 2.1.1 leaves tariff_id out instead");
    return undefined;
  }
  n.changed("tariff_ids", "its first tariff id becomes tariff_id (2.1.1 holds one)");
  others.forEach((_, k) => n.at("tariff_ids").dropped(String(k + 1), "2.1.1 holds a single tariff_id"));
  return first;
}

function connectorObstacleV211(connector: V221.Connector): string | undefined {
  return isIn(CONNECTOR_TYPE_211, connector.standard) ? undefined : `connector standard ${connector.standard} does not exist in 2.1.1`;
}

function connectorDown(connector: V221.Connector, n: Notes): V211.Connector {
  const {
    id, standard, format, power_type, max_voltage, max_amperage, max_electric_power, tariff_ids, terms_and_conditions,
    last_updated, ...rest
  } = connector;
  let powerType: V211.PowerType;
  if (power_type === "AC_2_PHASE" || power_type === "AC_2_PHASE_SPLIT") {
    n.changed("power_type", `${power_type} does not exist in 2.1.1; sent as AC_1_PHASE (power from voltage times amperage may read low)`);
    powerType = "AC_1_PHASE";
  } else {
    powerType = power_type;
  }
  n.changed("max_voltage", "renamed to voltage, its 2.1.1 name");
  n.changed("max_amperage", "renamed to amperage, its 2.1.1 name");
  if (max_electric_power !== undefined) n.dropped("max_electric_power", "2.1.1 has no maximum power field");
  const out = compact<V211.Connector>({
    id,
    standard: standard as V211.ConnectorType,
    format,
    power_type: powerType,
    voltage: max_voltage,
    amperage: max_amperage,
    tariff_id: tariffIdDown(n, tariff_ids),
    terms_and_conditions,
    last_updated,
  });
  return withExtras(out, rest, n);
}

function evseObstacleV211(evse: V221.EVSE): string | undefined {
  return evse.connectors.some((connector) => connectorObstacleV211(connector) === undefined)
    ? undefined
    : "none of its connector standards exists in 2.1.1";
}

function evseDown(evse: V221.EVSE, n: Notes): V211.EVSE {
  const {
    uid, evse_id, status, status_schedule, capabilities, connectors, floor_level, coordinates, physical_reference,
    directions, parking_restrictions, images, last_updated, ...rest
  } = evse;
  const out = compact<V211.EVSE>({
    uid,
    evse_id,
    status,
    status_schedule,
    capabilities: opt(capabilities, (values) => keepKnown(n, "capabilities", values, CAPABILITY_211, "2.1.1")),
    connectors: connectors.flatMap((connector, i) => {
      const obstacle = connectorObstacleV211(connector);
      if (obstacle === undefined) return [connectorDown(connector, n.at("connectors").at(i))];
      n.at("connectors").dropped(String(i), obstacle);
      return [];
    }),
    floor_level: opt(floor_level, (value) => ascii(n, "floor_level", value, 4)),
    coordinates: opt(coordinates, (geo) => geoLocationDown(geo, n.at("coordinates"))),
    physical_reference: opt(physical_reference, (value) => ascii(n, "physical_reference", value, 16)),
    directions: opt(directions, (texts) => displayTextsDown(texts, n.at("directions"))),
    parking_restrictions: opt(parking_restrictions, (values) =>
      keepKnown(n, "parking_restrictions", values, PARKING_RESTRICTION_211, "2.1.1"),
    ),
    images,
    last_updated,
  });
  return withExtras(out, rest, n);
}

function locationDown(location: V221.Location, n: Notes): V211.Location {
  const {
    country_code, party_id, id, publish, publish_allowed_to, name, address, city, postal_code, state, country,
    coordinates, related_locations, parking_type, evses, directions, operator, suboperator, owner, facilities,
    time_zone, opening_times, charging_when_closed, images, energy_mix, last_updated, ...rest
  } = location;
  n.dropped("country_code", "2.1.1 locations do not name their owner");
  n.dropped("party_id", "2.1.1 locations do not name their owner");
  n.dropped("publish", publish ? "2.1.1 has no publish flag (its locations are all public)" : "2.1.1 has no publish flag; the location will be seen as public");
  if (publish_allowed_to !== undefined) n.dropped("publish_allowed_to", "2.1.1 cannot limit who sees a location");
  if (state !== undefined) n.dropped("state", "2.1.1 addresses have no state");

  let type: V211.LocationType;
  if (parking_type === undefined) {
    type = "UNKNOWN";
    n.defaulted("type", "2.1.1 requires a location type; UNKNOWN, as the 2.2.1 location has no parking_type");
  } else {
    type = LOCATION_TYPE_OF[parking_type];
    n.changed("parking_type", type === parking_type ? "renamed to type, its 2.1.1 name" : `${parking_type} does not exist in 2.1.1; sent as type OTHER`);
  }
  let postalCode: string;
  if (postal_code === undefined) {
    postalCode = "";
    n.defaulted("postal_code", "2.1.1 requires a postal code; empty, as the location has none");
  } else {
    postalCode = ascii(n, "postal_code", postal_code, 10);
  }

  const out = compact<V211.Location>({
    id,
    type,
    name: opt(name, (value) => ascii(n, "name", value, 255)),
    address: ascii(n, "address", address, 45),
    city: ascii(n, "city", city, 45),
    postal_code: postalCode,
    country: ascii(n, "country", country, 3),
    coordinates: geoLocationDown(coordinates, n.at("coordinates")),
    related_locations: opt(related_locations, (geos) =>
      geos.map((geo, i) => additionalGeoLocationDown(geo, n.at("related_locations").at(i))),
    ),
    evses: opt(evses, (list) =>
      list.flatMap((evse, i) => {
        const obstacle = evseObstacleV211(evse);
        if (obstacle === undefined) return [evseDown(evse, n.at("evses").at(i))];
        n.at("evses").dropped(String(i), obstacle);
        return [];
      }),
    ),
    directions: opt(directions, (texts) => displayTextsDown(texts, n.at("directions"))),
    operator: opt(operator, (details) => businessDetailsDown(details, n.at("operator"))),
    suboperator: opt(suboperator, (details) => businessDetailsDown(details, n.at("suboperator"))),
    owner: opt(owner, (details) => businessDetailsDown(details, n.at("owner"))),
    facilities: opt(facilities, (values) => keepKnown(n, "facilities", values, FACILITY_211, "2.1.1")),
    time_zone: ascii(n, "time_zone", time_zone, 255),
    opening_times,
    charging_when_closed,
    images,
    energy_mix: opt(energy_mix, (mix) => energyMixDown(mix, n.at("energy_mix"))),
    last_updated,
  });
  return withExtras(out, rest, n);
}

// ---------------------------------------------------------------------------------------------------------------------
// 2.1.1 -> 2.2.1 (GeoLocation, AdditionalGeoLocation, DisplayText, Image, BusinessDetails, StatusSchedule and
// ExceptionalPeriod carry over as they are: 2.2.1 accepts every 2.1.1 value of them)

function regularHoursUp(hours: V211.RegularHours, n: Notes): V221.RegularHours {
  const { weekday, period_begin, period_end, ...rest } = hours;
  const time = (field: string, value: string): string => {
    if (!/^2[4-9]:/.test(value)) return value;
    n.changed(field, `${value} is no time of day in 2.2.1; sent as 23:59`);
    return "23:59";
  };
  return withExtras({ weekday, period_begin: time("period_begin", period_begin), period_end: time("period_end", period_end) }, rest, n);
}

function hoursUp(hours: V211.Hours, n: Notes): V221.Hours {
  const { regular_hours, twentyfourseven, exceptional_openings, exceptional_closings, ...rest } = hours;
  let always = twentyfourseven;
  if (always === undefined) {
    always = regular_hours === undefined || regular_hours.length === 0;
    n.defaulted(
      "twentyfourseven",
      always ? "2.2.1 requires it; true, as there are no regular hours" : "2.2.1 requires it; false, as there are regular hours",
    );
  }
  const out = compact<V221.Hours>({
    twentyfourseven: always,
    regular_hours: opt(regular_hours, (list) => list.map((item, i) => regularHoursUp(item, n.at("regular_hours").at(i)))),
    exceptional_openings,
    exceptional_closings,
  });
  return withExtras(out, rest, n);
}

function energyMixUp(mix: V211.EnergyMix, n: Notes): V221.EnergyMix {
  const { is_green_energy, energy_sources, environ_impact, supplier_name, energy_product_name, ...rest } = mix;
  const out = compact<V221.EnergyMix>({
    is_green_energy,
    energy_sources,
    environ_impact: opt(environ_impact, (impacts) =>
      impacts.map((impact, i): V221.EnvironmentalImpact => {
        const { source, amount, ...extra } = impact;
        const m = n.at("environ_impact").at(i);
        m.changed("source", "renamed to category, its 2.2.1 name");
        return withExtras({ category: source, amount }, extra, m);
      }),
    ),
    supplier_name,
    energy_product_name,
  });
  return withExtras(out, rest, n);
}

function connectorUp(connector: V211.Connector, n: Notes): V221.Connector {
  const { id, standard, format, power_type, voltage, amperage, tariff_id, terms_and_conditions, last_updated, ...rest } =
    connector;
  n.changed("voltage", "renamed to max_voltage, its 2.2.1 name");
  n.changed("amperage", "renamed to max_amperage, its 2.2.1 name");
  if (tariff_id !== undefined) n.changed("tariff_id", "carried over as the only item of tariff_ids");
  const out = compact<V221.Connector>({
    id,
    standard,
    format,
    power_type,
    max_voltage: voltage,
    max_amperage: amperage,
    tariff_ids: opt(tariff_id, (value) => [value]),
    terms_and_conditions,
    last_updated,
  });
  return withExtras(out, rest, n);
}

function evseUp(evse: V211.EVSE, n: Notes): V221.EVSE {
  const {
    uid, evse_id, status, status_schedule, capabilities, connectors, floor_level, coordinates, physical_reference,
    directions, parking_restrictions, images, last_updated, ...rest
  } = evse;
  const out = compact<V221.EVSE>({
    uid: fitLength(n, "uid", uid, 36),
    evse_id,
    status,
    status_schedule,
    capabilities,
    connectors: connectors.map((connector, i) => connectorUp(connector, n.at("connectors").at(i))),
    floor_level,
    coordinates,
    physical_reference,
    directions,
    parking_restrictions,
    images,
    last_updated,
  });
  return withExtras(out, rest, n);
}

function locationUp(location: V211.Location, context: LocationV211Context, n: Notes): V221.Location {
  const {
    id, type, name, address, city, postal_code, country, coordinates, related_locations, evses, directions, operator,
    suboperator, owner, facilities, time_zone, opening_times, charging_when_closed, images, energy_mix, last_updated,
    ...rest
  } = location;
  n.defaulted("country_code", "2.1.1 locations do not name their owner; taken from the owner given");
  n.defaulted("party_id", "2.1.1 locations do not name their owner; taken from the owner given");
  n.defaulted("publish", "2.2.1 requires it; true, as 2.1.1 locations are all public");

  const parkingType = PARKING_TYPE_OF[type];
  if (parkingType === undefined) n.dropped("type", `2.2.1 has no parking type ${type}; parking_type left out`);
  else n.changed("type", "renamed to parking_type, its 2.2.1 name");

  let postalCode: string | undefined = postal_code;
  if (postal_code === "") {
    postalCode = undefined;
    n.changed("postal_code", "empty; 2.2.1 leaves postal_code out where there is none");
  }

  let timeZone = time_zone;
  if (timeZone === undefined) {
    timeZone = context.time_zone ?? DEFAULT_TIME_ZONE;
    n.defaulted(
      "time_zone",
      context.time_zone === undefined
        ? `2.2.1 requires a time zone and none was given; ${DEFAULT_TIME_ZONE} assumed`
        : "2.2.1 requires a time zone; taken from the context given",
    );
  }

  const out = compact<V221.Location>({
    country_code: context.owner.country_code,
    party_id: context.owner.party_id,
    id: fitLength(n, "id", id, 36),
    publish: true,
    name,
    address,
    city,
    postal_code: postalCode,
    country,
    coordinates,
    related_locations,
    parking_type: parkingType,
    evses: opt(evses, (list) => list.map((evse, i) => evseUp(evse, n.at("evses").at(i)))),
    directions,
    operator,
    suboperator,
    owner,
    facilities,
    time_zone: timeZone,
    opening_times: opt(opening_times, (hours) => hoursUp(hours, n.at("opening_times"))),
    charging_when_closed,
    images,
    energy_mix: opt(energy_mix, (mix) => energyMixUp(mix, n.at("energy_mix"))),
    last_updated,
  });
  return withExtras(out, rest, n);
}

// ---------------------------------------------------------------------------------------------------------------------
// 2.3.0 -> 2.2.1 (2.2.1 -> 2.3.0 needs no code: every 2.2.1 value is a 2.3.0 value)

function imageDown230(image: V230.Image, n: Notes): V221.Image {
  const { url, thumbnail, category, type, width, height, ...rest } = image;
  let imageCategory: V221.ImageCategory;
  if (isIn(IMAGE_CATEGORY_221, category)) imageCategory = category;
  else {
    imageCategory = "OTHER";
    n.changed("category", `${category} does not exist in 2.2.1; sent as OTHER`);
  }
  return withExtras(compact<V221.Image>({ url, thumbnail, category: imageCategory, type, width, height }), rest, n);
}

function imagesDown230(images: V230.Image[], n: Notes): V221.Image[] {
  return images.map((image, i) => imageDown230(image, n.at(i)));
}

function businessDetailsDown230(details: V230.BusinessDetails, n: Notes): V221.BusinessDetails {
  const { name, website, logo, ...rest } = details;
  return withExtras(compact<V221.BusinessDetails>({ name, website, logo: opt(logo, (image) => imageDown230(image, n.at("logo"))) }), rest, n);
}

function energyMixDown230(mix: V230.EnergyMix, n: Notes): V221.EnergyMix {
  const { is_green_energy, energy_sources, environ_impact, supplier_name, energy_product_name, ...rest } = mix;
  const out = compact<V221.EnergyMix>({
    is_green_energy,
    energy_sources,
    environ_impact: opt(environ_impact, (impacts) =>
      impacts.flatMap((impact, i): V221.EnvironmentalImpact[] => {
        const { category, amount, ...extra } = impact;
        if (isIn(ENVIRONMENTAL_IMPACT_CATEGORY_221, category)) return [withExtras({ category, amount }, extra, n.at("environ_impact").at(i))];
        n.at("environ_impact").dropped(String(i), `impact category ${category} does not exist in 2.2.1`);
        return [];
      }),
    ),
    supplier_name,
    energy_product_name,
  });
  return withExtras(out, rest, n);
}

function publishTokenDown230(token: V230.PublishTokenType, n: Notes): V221.PublishTokenType {
  const { uid, type, visual_number, issuer, group_id, ...rest } = token;
  let tokenType: V221.TokenType | undefined;
  if (type === undefined || isIn(TOKEN_TYPE_221, type)) tokenType = type;
  else {
    tokenType = "OTHER";
    n.changed("type", `token type ${type} does not exist in 2.2.1; sent as OTHER`);
  }
  return withExtras(compact<V221.PublishTokenType>({ uid, type: tokenType, visual_number, issuer, group_id }), rest, n);
}

function connectorObstacleV221(connector: V230.Connector): string | undefined {
  const { standard } = connector;
  return isIn(CONNECTOR_TYPE_221, standard) || Object.hasOwn(CONNECTOR_TYPE_221_FOR, standard)
    ? undefined
    : `connector standard ${standard} does not exist in 2.2.1`;
}

function connectorDown230(connector: V230.Connector, n: Notes): V221.Connector {
  const {
    id, standard, format, power_type, max_voltage, max_amperage, max_electric_power, tariff_ids, terms_and_conditions,
    capabilities, last_updated, ...rest
  } = connector;
  let connectorType: V221.ConnectorType;
  if (isIn(CONNECTOR_TYPE_221, standard)) connectorType = standard;
  else {
    connectorType = CONNECTOR_TYPE_221_FOR[standard] as V221.ConnectorType;
    n.changed("standard", `${standard} does not exist in 2.2.1; sent as ${connectorType}, which is mechanically compatible`);
  }
  if (capabilities !== undefined) n.dropped("capabilities", "2.2.1 connectors have no capabilities");
  const out = compact<V221.Connector>({
    id,
    standard: connectorType,
    format,
    power_type,
    max_voltage,
    max_amperage,
    max_electric_power,
    tariff_ids,
    terms_and_conditions,
    last_updated,
  });
  return withExtras(out, rest, n);
}

function evseObstacleV221(evse: V230.EVSE): string | undefined {
  return evse.connectors.some((connector) => connectorObstacleV221(connector) === undefined)
    ? undefined
    : "none of its connector standards exists in 2.2.1";
}

function evseDown230(evse: V230.EVSE, n: Notes): V221.EVSE {
  const {
    uid, evse_id, status, status_schedule, capabilities, connectors, floor_level, coordinates, physical_reference,
    directions, parking_restrictions, parking, images, accepted_service_providers, last_updated, ...rest
  } = evse;
  if (parking !== undefined) n.dropped("parking", "2.2.1 has no parking places");
  if (accepted_service_providers !== undefined) n.dropped("accepted_service_providers", "2.2.1 cannot list accepted eMSPs");
  const out = compact<V221.EVSE>({
    uid,
    evse_id,
    status,
    status_schedule,
    capabilities: opt(capabilities, (values) => keepKnown(n, "capabilities", values, CAPABILITY_221, "2.2.1")),
    connectors: connectors.flatMap((connector, i) => {
      const obstacle = connectorObstacleV221(connector);
      if (obstacle === undefined) return [connectorDown230(connector, n.at("connectors").at(i))];
      n.at("connectors").dropped(String(i), obstacle);
      return [];
    }),
    floor_level,
    coordinates,
    physical_reference,
    directions,
    parking_restrictions: opt(parking_restrictions, (values) =>
      keepKnown(n, "parking_restrictions", values, PARKING_RESTRICTION_221, "2.2.1"),
    ),
    images: opt(images, (list) => imagesDown230(list, n.at("images"))),
    last_updated,
  });
  return withExtras(out, rest, n);
}

function locationDown230(location: V230.Location, n: Notes): V221.Location {
  const {
    country_code, party_id, id, publish, publish_allowed_to, name, address, city, postal_code, state, country,
    coordinates, related_locations, parking_type, evses, parking_places, directions, operator, suboperator, owner,
    facilities, time_zone, opening_times, charging_when_closed, images, energy_mix, help_phone, last_updated, ...rest
  } = location;
  if (parking_places !== undefined) n.dropped("parking_places", "2.2.1 has no parking places");
  if (help_phone !== undefined) n.dropped("help_phone", "2.2.1 locations have no help phone number");
  let parkingType: V221.ParkingType | undefined;
  if (parking_type === undefined || isIn(PARKING_TYPE_221, parking_type)) parkingType = parking_type;
  else n.dropped("parking_type", `parking type ${parking_type} does not exist in 2.2.1`);

  const out = compact<V221.Location>({
    country_code,
    party_id,
    id,
    publish,
    publish_allowed_to: opt(publish_allowed_to, (tokens) =>
      tokens.map((token, i) => publishTokenDown230(token, n.at("publish_allowed_to").at(i))),
    ),
    name,
    address,
    city,
    postal_code,
    state,
    country,
    coordinates,
    related_locations,
    parking_type: parkingType,
    evses: opt(evses, (list) =>
      list.flatMap((evse, i) => {
        const obstacle = evseObstacleV221(evse);
        if (obstacle === undefined) return [evseDown230(evse, n.at("evses").at(i))];
        n.at("evses").dropped(String(i), obstacle);
        return [];
      }),
    ),
    directions,
    operator: opt(operator, (details) => businessDetailsDown230(details, n.at("operator"))),
    suboperator: opt(suboperator, (details) => businessDetailsDown230(details, n.at("suboperator"))),
    owner: opt(owner, (details) => businessDetailsDown230(details, n.at("owner"))),
    facilities: opt(facilities, (values) => keepKnown(n, "facilities", values, FACILITY_221, "2.2.1")),
    time_zone,
    opening_times,
    charging_when_closed,
    images: opt(images, (list) => imagesDown230(list, n.at("images"))),
    energy_mix: opt(energy_mix, (mix) => energyMixDown230(mix, n.at("energy_mix"))),
    last_updated,
  });
  return withExtras(out, rest, n);
}

// ---------------------------------------------------------------------------------------------------------------------
// Public converters. Dropped and changed notes point into the source, defaulted notes into the result; in the
// two-step 2.1.1 <-> 2.3.0 converters the second step's notes point into the 2.2.1 object in between.

/** Notes of two steps, and the second step's value; stops after the first when it has no value. */
function chain<B, C>(first: Conversion<B | undefined>, second: (value: B) => Conversion<C | undefined>): Conversion<C | undefined> {
  if (first.value === undefined) return { value: undefined, notes: first.notes };
  const next = second(first.value);
  return { value: next.value, notes: [...first.notes, ...next.notes] };
}

/** 2.2.1 Location as 2.1.1: loses owner, publish rules and state; see the module comment for the whole list. */
export function locationV221ToV211(location: V221.Location): Conversion<V211.Location> {
  const notes = new Notes();
  return done(locationDown(structuredClone(location), notes), notes);
}

/** 2.1.1 Location as 2.2.1: owner from the context, publish true, time zone from the context if missing. */
export function locationV211ToV221(location: V211.Location, context: LocationV211Context): Conversion<V221.Location> {
  const notes = new Notes();
  return done(locationUp(structuredClone(location), context, notes), notes);
}

/** 2.2.1 Location as 2.3.0: a copy; nothing is lost. */
export function locationV221ToV230(location: V221.Location): Conversion<V230.Location> {
  const value: V230.Location = structuredClone(location);
  return done(value, new Notes());
}

/** 2.3.0 Location as 2.2.1: loses parking places, help phone, and values 2.2.1 lacks. */
export function locationV230ToV221(location: V230.Location): Conversion<V221.Location> {
  const notes = new Notes();
  return done(locationDown230(structuredClone(location), notes), notes);
}

/** 2.1.1 Location as 2.3.0, through 2.2.1. */
export function locationV211ToV230(location: V211.Location, context: LocationV211Context): Conversion<V230.Location> {
  const first = locationV211ToV221(location, context);
  const second = locationV221ToV230(first.value);
  return { value: second.value, notes: [...first.notes, ...second.notes] };
}

/** 2.3.0 Location as 2.1.1, through 2.2.1. */
export function locationV230ToV211(location: V230.Location): Conversion<V211.Location> {
  const first = locationV230ToV221(location);
  const second = locationV221ToV211(first.value);
  return { value: second.value, notes: [...first.notes, ...second.notes] };
}

/**
 * 2.2.1 EVSE as 2.1.1. `value` is undefined (with one dropped note at pointer "") when none of its connectors has a
 * standard 2.1.1 knows, as a 2.1.1 EVSE needs at least one connector.
 */
export function evseV221ToV211(evse: V221.EVSE): Conversion<V211.EVSE | undefined> {
  const notes = new Notes();
  const obstacle = evseObstacleV211(evse);
  if (obstacle !== undefined) {
    droppedWhole(notes, obstacle);
    return done(undefined, notes);
  }
  return done(evseDown(structuredClone(evse), notes), notes);
}

/** 2.1.1 EVSE as 2.2.1: connectors renamed fields; a uid over 36 characters shortened. */
export function evseV211ToV221(evse: V211.EVSE): Conversion<V221.EVSE> {
  const notes = new Notes();
  return done(evseUp(structuredClone(evse), notes), notes);
}

/** 2.2.1 EVSE as 2.3.0: a copy; nothing is lost. */
export function evseV221ToV230(evse: V221.EVSE): Conversion<V230.EVSE> {
  const value: V230.EVSE = structuredClone(evse);
  return done(value, new Notes());
}

/**
 * 2.3.0 EVSE as 2.2.1. `value` is undefined (with one dropped note at pointer "") when none of its connectors has a
 * standard 2.2.1 knows.
 */
export function evseV230ToV221(evse: V230.EVSE): Conversion<V221.EVSE | undefined> {
  const notes = new Notes();
  const obstacle = evseObstacleV221(evse);
  if (obstacle !== undefined) {
    droppedWhole(notes, obstacle);
    return done(undefined, notes);
  }
  return done(evseDown230(structuredClone(evse), notes), notes);
}

/** 2.1.1 EVSE as 2.3.0, through 2.2.1. */
export function evseV211ToV230(evse: V211.EVSE): Conversion<V230.EVSE> {
  const first = evseV211ToV221(evse);
  const second = evseV221ToV230(first.value);
  return { value: second.value, notes: [...first.notes, ...second.notes] };
}

/** 2.3.0 EVSE as 2.1.1, through 2.2.1; undefined when no connector fits 2.1.1. */
export function evseV230ToV211(evse: V230.EVSE): Conversion<V211.EVSE | undefined> {
  return chain(evseV230ToV221(evse), evseV221ToV211);
}

/**
 * 2.2.1 Connector as 2.1.1. `value` is undefined (with one dropped note at pointer "") when 2.1.1 lacks its standard.
 */
export function connectorV221ToV211(connector: V221.Connector): Conversion<V211.Connector | undefined> {
  const notes = new Notes();
  const obstacle = connectorObstacleV211(connector);
  if (obstacle !== undefined) {
    droppedWhole(notes, obstacle);
    return done(undefined, notes);
  }
  return done(connectorDown(structuredClone(connector), notes), notes);
}

/** 2.1.1 Connector as 2.2.1: voltage, amperage and tariff_id under their 2.2.1 names. */
export function connectorV211ToV221(connector: V211.Connector): Conversion<V221.Connector> {
  const notes = new Notes();
  return done(connectorUp(structuredClone(connector), notes), notes);
}

/** 2.2.1 Connector as 2.3.0: a copy; nothing is lost. */
export function connectorV221ToV230(connector: V221.Connector): Conversion<V230.Connector> {
  const value: V230.Connector = structuredClone(connector);
  return done(value, new Notes());
}

/**
 * 2.3.0 Connector as 2.2.1. `value` is undefined (with one dropped note at pointer "") when 2.2.1 lacks its standard
 * and has no compatible one (SAE_J3400 goes as TESLA_S).
 */
export function connectorV230ToV221(connector: V230.Connector): Conversion<V221.Connector | undefined> {
  const notes = new Notes();
  const obstacle = connectorObstacleV221(connector);
  if (obstacle !== undefined) {
    droppedWhole(notes, obstacle);
    return done(undefined, notes);
  }
  return done(connectorDown230(structuredClone(connector), notes), notes);
}

/** 2.1.1 Connector as 2.3.0, through 2.2.1. */
export function connectorV211ToV230(connector: V211.Connector): Conversion<V230.Connector> {
  const first = connectorV211ToV221(connector);
  const second = connectorV221ToV230(first.value);
  return { value: second.value, notes: [...first.notes, ...second.notes] };
}

/** 2.3.0 Connector as 2.1.1, through 2.2.1; undefined when its standard fits neither. */
export function connectorV230ToV211(connector: V230.Connector): Conversion<V211.Connector | undefined> {
  return chain(connectorV230ToV221(connector), connectorV221ToV211);
}
