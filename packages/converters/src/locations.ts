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
import {
  chain,
  cloneJson,
  CONNECTOR_TYPES_211,
  CONNECTOR_TYPES_221,
  coordinateDown,
  displayTextDown,
  ENVIRONMENTAL_IMPACT_CATEGORIES_221,
  fitAscii,
  IMAGE_CATEGORIES_221,
  isIn,
  shorten,
  SPELLED_ASCII,
  TOKEN_TYPES_221,
  unchanged,
  type CoordinateFit,
} from "./shared.js";

export { sixDecimals, toPrintableAscii } from "./shared.js";

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

function opt<A, B>(value: A | undefined, convert: (value: A) => B): B | undefined {
  return value === undefined ? undefined : convert(value);
}

/** Removes the keys whose value is undefined, so that optional fields the source lacks stay absent. */
function compact<T extends object>(object: T): T {
  // A fresh object, not `delete`: deleting keys turns objects into slow dictionaries for every later access.
  const out: Json = {};
  for (const key of Object.keys(object)) if ((object as Json)[key] !== undefined) out[key] = (object as Json)[key];
  return out as T;
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

/** How an id the target allows fewer characters for is noted when it is shortened. */
const AT_MOST = "the most the target version allows";

const SIX_DECIMALS: CoordinateFit = {
  keepMinusOnZero: false,
  detail: (padded) => (padded ? "padded to the six decimals 2.1.1 requires" : "rounded to the six decimals 2.1.1 requires"),
};

// ---------------------------------------------------------------------------------------------------------------------
// Enum values per version (Record<Enum, true>: the compiler checks each list is complete and exact)

const CAPABILITY_211: Record<V211.Capability, true> = {
  CHARGING_PROFILE_CAPABLE: true,
  CREDIT_CARD_PAYABLE: true,
  REMOTE_START_STOP_CAPABLE: true,
  RESERVABLE: true,
  RFID_READER: true,
  UNLOCK_CAPABLE: true,
};

const FACILITY_211: Record<V211.Facility, true> = {
  HOTEL: true,
  RESTAURANT: true,
  CAFE: true,
  MALL: true,
  SUPERMARKET: true,
  SPORT: true,
  RECREATION_AREA: true,
  NATURE: true,
  MUSEUM: true,
  BUS_STOP: true,
  TAXI_STAND: true,
  TRAIN_STATION: true,
  AIRPORT: true,
  CARPOOL_PARKING: true,
  FUEL_STATION: true,
  WIFI: true,
};

const PARKING_RESTRICTION_211: Record<V211.ParkingRestriction, true> = {
  EV_ONLY: true,
  PLUGGED: true,
  DISABLED: true,
  CUSTOMERS: true,
  MOTORCYCLES: true,
};

/** 2.2.1 parking types as 2.1.1 location types; the ones 2.1.1 lacks become OTHER. */
const LOCATION_TYPE_OF: Record<V221.ParkingType, V211.LocationType> = {
  ALONG_MOTORWAY: "OTHER",
  PARKING_GARAGE: "PARKING_GARAGE",
  PARKING_LOT: "PARKING_LOT",
  ON_DRIVEWAY: "OTHER",
  ON_STREET: "ON_STREET",
  UNDERGROUND_GARAGE: "UNDERGROUND_GARAGE",
};

/** 2.1.1 location types as 2.2.1 parking types; OTHER and UNKNOWN have none (the field is optional in 2.2.1). */
const PARKING_TYPE_OF: Record<V211.LocationType, V221.ParkingType | undefined> = {
  ON_STREET: "ON_STREET",
  PARKING_GARAGE: "PARKING_GARAGE",
  UNDERGROUND_GARAGE: "UNDERGROUND_GARAGE",
  PARKING_LOT: "PARKING_LOT",
  OTHER: undefined,
  UNKNOWN: undefined,
};

const CAPABILITY_221: Record<V221.Capability, true> = {
  CHARGING_PROFILE_CAPABLE: true,
  CHARGING_PREFERENCES_CAPABLE: true,
  CHIP_CARD_SUPPORT: true,
  CONTACTLESS_CARD_SUPPORT: true,
  CREDIT_CARD_PAYABLE: true,
  DEBIT_CARD_PAYABLE: true,
  PED_TERMINAL: true,
  REMOTE_START_STOP_CAPABLE: true,
  RESERVABLE: true,
  RFID_READER: true,
  START_SESSION_CONNECTOR_REQUIRED: true,
  TOKEN_GROUP_CAPABLE: true,
  UNLOCK_CAPABLE: true,
};

/** 2.3.0 connector standards that 2.2.1 lacks but has a close equivalent for (mechanically compatible). */
const CONNECTOR_TYPE_221_FOR: Record<string, V221.ConnectorType> = { SAE_J3400: "TESLA_S" };

const FACILITY_221: Record<V221.Facility, true> = {
  ...FACILITY_211,
  BIKE_SHARING: true,
  TRAM_STOP: true,
  METRO_STATION: true,
  PARKING_LOT: true,
};

const PARKING_RESTRICTION_221: Record<V221.ParkingRestriction, true> = { ...PARKING_RESTRICTION_211 };

const PARKING_TYPE_221: Record<V221.ParkingType, true> = {
  ALONG_MOTORWAY: true,
  PARKING_GARAGE: true,
  PARKING_LOT: true,
  ON_DRIVEWAY: true,
  ON_STREET: true,
  UNDERGROUND_GARAGE: true,
};

// ---------------------------------------------------------------------------------------------------------------------
// 2.2.1 -> 2.1.1

function displayTextsDown(texts: V221.DisplayText[], n: Notes): V211.DisplayText[] {
  return texts.map((text, i) => displayTextDown(text, n.at(i), SPELLED_ASCII, true));
}

function geoLocationDown(geo: V221.GeoLocation, n: Notes): V211.GeoLocation {
  const { latitude, longitude, ...rest } = geo;
  const out = {
    latitude: coordinateDown(latitude, "latitude", n, SIX_DECIMALS),
    longitude: coordinateDown(longitude, "longitude", n, SIX_DECIMALS),
  };
  return withExtras(out, rest, n);
}

function additionalGeoLocationDown(geo: V221.AdditionalGeoLocation, n: Notes): V211.AdditionalGeoLocation {
  const { latitude, longitude, name, ...rest } = geo;
  const out = compact<V211.AdditionalGeoLocation>({
    latitude: coordinateDown(latitude, "latitude", n, SIX_DECIMALS),
    longitude: coordinateDown(longitude, "longitude", n, SIX_DECIMALS),
    name: opt(name, (text) => displayTextDown(text, n.at("name"), SPELLED_ASCII, true)),
  });
  return withExtras(out, rest, n);
}

function businessDetailsDown(details: V221.BusinessDetails, n: Notes): V211.BusinessDetails {
  const { name, website, logo, ...rest } = details;
  const out = compact<V211.BusinessDetails>({ name: fitAscii(name, 100, "name", n, SPELLED_ASCII), website, logo });
  return withExtras(out, rest, n);
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
    supplier_name: opt(supplier_name, (name) => fitAscii(name, 64, "supplier_name", n, SPELLED_ASCII)),
    energy_product_name: opt(energy_product_name, (name) => fitAscii(name, 64, "energy_product_name", n, SPELLED_ASCII)),
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
  others.forEach((_, k) => {
    n.at("tariff_ids").dropped(String(k + 1), "2.1.1 holds a single tariff_id");
  });
  return first;
}

function connectorObstacleV211(connector: V221.Connector): string | undefined {
  return isIn(CONNECTOR_TYPES_211, connector.standard) ? undefined : `connector standard ${connector.standard} does not exist in 2.1.1`;
}

function connectorDown(connector: V221.Connector, n: Notes): V211.Connector {
  const { id, standard, format, power_type, max_voltage, max_amperage, max_electric_power, tariff_ids, terms_and_conditions, last_updated, ...rest } =
    connector;
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
  return evse.connectors.some((connector) => connectorObstacleV211(connector) === undefined) ? undefined : "none of its connector standards exists in 2.1.1";
}

function evseDown(evse: V221.EVSE, n: Notes): V211.EVSE {
  const {
    uid,
    evse_id,
    status,
    status_schedule,
    capabilities,
    connectors,
    floor_level,
    coordinates,
    physical_reference,
    directions,
    parking_restrictions,
    images,
    last_updated,
    ...rest
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
    floor_level: opt(floor_level, (value) => fitAscii(value, 4, "floor_level", n, SPELLED_ASCII)),
    coordinates: opt(coordinates, (geo) => geoLocationDown(geo, n.at("coordinates"))),
    physical_reference: opt(physical_reference, (value) => fitAscii(value, 16, "physical_reference", n, SPELLED_ASCII)),
    directions: opt(directions, (texts) => displayTextsDown(texts, n.at("directions"))),
    parking_restrictions: opt(parking_restrictions, (values) => keepKnown(n, "parking_restrictions", values, PARKING_RESTRICTION_211, "2.1.1")),
    images,
    last_updated,
  });
  return withExtras(out, rest, n);
}

function locationDown(location: V221.Location, n: Notes): V211.Location {
  const {
    country_code,
    party_id,
    id,
    publish,
    publish_allowed_to,
    name,
    address,
    city,
    postal_code,
    state,
    country,
    coordinates,
    related_locations,
    parking_type,
    evses,
    directions,
    operator,
    suboperator,
    owner,
    facilities,
    time_zone,
    opening_times,
    charging_when_closed,
    images,
    energy_mix,
    last_updated,
    ...rest
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
    postalCode = fitAscii(postal_code, 10, "postal_code", n, SPELLED_ASCII);
  }

  const out = compact<V211.Location>({
    id,
    type,
    name: opt(name, (value) => fitAscii(value, 255, "name", n, SPELLED_ASCII)),
    address: fitAscii(address, 45, "address", n, SPELLED_ASCII),
    city: fitAscii(city, 45, "city", n, SPELLED_ASCII),
    postal_code: postalCode,
    country: fitAscii(country, 3, "country", n, SPELLED_ASCII),
    coordinates: geoLocationDown(coordinates, n.at("coordinates")),
    related_locations: opt(related_locations, (geos) => geos.map((geo, i) => additionalGeoLocationDown(geo, n.at("related_locations").at(i)))),
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
    time_zone: fitAscii(time_zone, 255, "time_zone", n, SPELLED_ASCII),
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
    n.defaulted("twentyfourseven", always ? "2.2.1 requires it; true, as there are no regular hours" : "2.2.1 requires it; false, as there are regular hours");
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
  const { id, standard, format, power_type, voltage, amperage, tariff_id, terms_and_conditions, last_updated, ...rest } = connector;
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
    uid,
    evse_id,
    status,
    status_schedule,
    capabilities,
    connectors,
    floor_level,
    coordinates,
    physical_reference,
    directions,
    parking_restrictions,
    images,
    last_updated,
    ...rest
  } = evse;
  const out = compact<V221.EVSE>({
    uid: shorten(uid, 36, "uid", n, AT_MOST),
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
    id,
    type,
    name,
    address,
    city,
    postal_code,
    country,
    coordinates,
    related_locations,
    evses,
    directions,
    operator,
    suboperator,
    owner,
    facilities,
    time_zone,
    opening_times,
    charging_when_closed,
    images,
    energy_mix,
    last_updated,
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
    id: shorten(id, 36, "id", n, AT_MOST),
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
  if (isIn(IMAGE_CATEGORIES_221, category)) imageCategory = category;
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
        if (isIn(ENVIRONMENTAL_IMPACT_CATEGORIES_221, category)) return [withExtras({ category, amount }, extra, n.at("environ_impact").at(i))];
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
  if (type === undefined || isIn(TOKEN_TYPES_221, type)) tokenType = type;
  else {
    tokenType = "OTHER";
    n.changed("type", `token type ${type} does not exist in 2.2.1; sent as OTHER`);
  }
  return withExtras(compact<V221.PublishTokenType>({ uid, type: tokenType, visual_number, issuer, group_id }), rest, n);
}

function connectorObstacleV221(connector: V230.Connector): string | undefined {
  const { standard } = connector;
  return isIn(CONNECTOR_TYPES_221, standard) || Object.hasOwn(CONNECTOR_TYPE_221_FOR, standard)
    ? undefined
    : `connector standard ${standard} does not exist in 2.2.1`;
}

function connectorDown230(connector: V230.Connector, n: Notes): V221.Connector {
  const {
    id,
    standard,
    format,
    power_type,
    max_voltage,
    max_amperage,
    max_electric_power,
    tariff_ids,
    terms_and_conditions,
    capabilities,
    last_updated,
    ...rest
  } = connector;
  let connectorType: V221.ConnectorType;
  if (isIn(CONNECTOR_TYPES_221, standard)) connectorType = standard;
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
  return evse.connectors.some((connector) => connectorObstacleV221(connector) === undefined) ? undefined : "none of its connector standards exists in 2.2.1";
}

function evseDown230(evse: V230.EVSE, n: Notes): V221.EVSE {
  const {
    uid,
    evse_id,
    status,
    status_schedule,
    capabilities,
    connectors,
    floor_level,
    coordinates,
    physical_reference,
    directions,
    parking_restrictions,
    parking,
    images,
    accepted_service_providers,
    last_updated,
    ...rest
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
    parking_restrictions: opt(parking_restrictions, (values) => keepKnown(n, "parking_restrictions", values, PARKING_RESTRICTION_221, "2.2.1")),
    images: opt(images, (list) => imagesDown230(list, n.at("images"))),
    last_updated,
  });
  return withExtras(out, rest, n);
}

function locationDown230(location: V230.Location, n: Notes): V221.Location {
  const {
    country_code,
    party_id,
    id,
    publish,
    publish_allowed_to,
    name,
    address,
    city,
    postal_code,
    state,
    country,
    coordinates,
    related_locations,
    parking_type,
    evses,
    parking_places,
    directions,
    operator,
    suboperator,
    owner,
    facilities,
    time_zone,
    opening_times,
    charging_when_closed,
    images,
    energy_mix,
    help_phone,
    last_updated,
    ...rest
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
    publish_allowed_to: opt(publish_allowed_to, (tokens) => tokens.map((token, i) => publishTokenDown230(token, n.at("publish_allowed_to").at(i)))),
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

/** 2.2.1 Location as 2.1.1: loses owner, publish rules and state; see the module comment for the whole list. */
export function locationV221ToV211(location: V221.Location): Conversion<V211.Location> {
  const notes = new Notes();
  return done(locationDown(cloneJson(location), notes), notes);
}

/** 2.1.1 Location as 2.2.1: owner from the context, publish true, time zone from the context if missing. */
export function locationV211ToV221(location: V211.Location, context: LocationV211Context): Conversion<V221.Location> {
  const notes = new Notes();
  return done(locationUp(cloneJson(location), context, notes), notes);
}

/** 2.2.1 Location as 2.3.0: a copy; nothing is lost. */
export function locationV221ToV230(location: V221.Location): Conversion<V230.Location> {
  return unchanged<V230.Location>(location);
}

/** 2.3.0 Location as 2.2.1: loses parking places, help phone, and values 2.2.1 lacks. */
export function locationV230ToV221(location: V230.Location): Conversion<V221.Location> {
  const notes = new Notes();
  return done(locationDown230(cloneJson(location), notes), notes);
}

/** 2.1.1 Location as 2.3.0, through 2.2.1. */
export function locationV211ToV230(location: V211.Location, context: LocationV211Context): Conversion<V230.Location> {
  return chain(locationV211ToV221(location, context), locationV221ToV230, { keepFirstNotes: true });
}

/** 2.3.0 Location as 2.1.1, through 2.2.1. */
export function locationV230ToV211(location: V230.Location): Conversion<V211.Location> {
  return chain(locationV230ToV221(location), locationV221ToV211, { keepFirstNotes: true });
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
  return done(evseDown(cloneJson(evse), notes), notes);
}

/** 2.1.1 EVSE as 2.2.1: connectors renamed fields; a uid over 36 characters shortened. */
export function evseV211ToV221(evse: V211.EVSE): Conversion<V221.EVSE> {
  const notes = new Notes();
  return done(evseUp(cloneJson(evse), notes), notes);
}

/** 2.2.1 EVSE as 2.3.0: a copy; nothing is lost. */
export function evseV221ToV230(evse: V221.EVSE): Conversion<V230.EVSE> {
  return unchanged<V230.EVSE>(evse);
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
  return done(evseDown230(cloneJson(evse), notes), notes);
}

/** 2.1.1 EVSE as 2.3.0, through 2.2.1. */
export function evseV211ToV230(evse: V211.EVSE): Conversion<V230.EVSE> {
  return chain(evseV211ToV221(evse), evseV221ToV230, { keepFirstNotes: true });
}

/** 2.3.0 EVSE as 2.1.1, through 2.2.1; undefined when no connector fits 2.1.1. */
export function evseV230ToV211(evse: V230.EVSE): Conversion<V211.EVSE | undefined> {
  return chain(evseV230ToV221(evse), evseV221ToV211, { keepFirstNotes: true });
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
  return done(connectorDown(cloneJson(connector), notes), notes);
}

/** 2.1.1 Connector as 2.2.1: voltage, amperage and tariff_id under their 2.2.1 names. */
export function connectorV211ToV221(connector: V211.Connector): Conversion<V221.Connector> {
  const notes = new Notes();
  return done(connectorUp(cloneJson(connector), notes), notes);
}

/** 2.2.1 Connector as 2.3.0: a copy; nothing is lost. */
export function connectorV221ToV230(connector: V221.Connector): Conversion<V230.Connector> {
  return unchanged<V230.Connector>(connector);
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
  return done(connectorDown230(cloneJson(connector), notes), notes);
}

/** 2.1.1 Connector as 2.3.0, through 2.2.1. */
export function connectorV211ToV230(connector: V211.Connector): Conversion<V230.Connector> {
  return chain(connectorV211ToV221(connector), connectorV221ToV230, { keepFirstNotes: true });
}

/** 2.3.0 Connector as 2.1.1, through 2.2.1; undefined when its standard fits neither. */
export function connectorV230ToV211(connector: V230.Connector): Conversion<V211.Connector | undefined> {
  return chain(connectorV230ToV221(connector), connectorV221ToV211, { keepFirstNotes: true });
}
