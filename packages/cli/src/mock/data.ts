/**
 * The mock peer's data: Locations with EVSEs and Connectors, Tariffs, Sessions and CDRs of a CPO, Tokens of an
 * eMSP. Generated from a seed (the same seed gives the same objects on every run and machine) and written in OCPI
 * 2.2.1; every object is checked with the strict 2.2.1 validator before it is handed out.
 */
import type { CDR, Connector, EVSE, Location, Session, Tariff, Token } from "@ocpi-sdk/types/2.2.1";
import { validators } from "@ocpi-sdk/validators/2.2.1";
import type { Validator } from "@ocpi-sdk/validators";
import type { Random } from "./prng.js";

/** A party's country code and party id. */
export interface Party {
  country_code: string;
  party_id: string;
}

/** Every object's last_updated lies after this instant (a fixed one: the data does not depend on the clock). */
const EPOCH = Date.UTC(2024, 0, 1);
const stamp = (minutes: number) => new Date(EPOCH + minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");

const CITIES = [
  { city: "Amsterdam", postal: "1011", lat: 52.3702, lon: 4.8952, streets: ["Prinsengracht", "Damrak", "Overtoom", "Ferdinand Bolstraat"] },
  { city: "Utrecht", postal: "3511", lat: 52.0907, lon: 5.1214, streets: ["Oudegracht", "Biltstraat", "Amsterdamsestraatweg"] },
  { city: "Rotterdam", postal: "3011", lat: 51.9244, lon: 4.4777, streets: ["Coolsingel", "Witte de Withstraat", "Kralingse Plaslaan"] },
  { city: "Eindhoven", postal: "5611", lat: 51.4416, lon: 5.4697, streets: ["Stratumseind", "Kruisstraat", "Boschdijk"] },
  { city: "Groningen", postal: "9711", lat: 53.2194, lon: 6.5665, streets: ["Herestraat", "Oosterstraat", "Paterswoldseweg"] },
];

/** AC and DC charge points the generator builds EVSEs from. */
const KINDS = [
  {
    tariff: "AC-STANDARD",
    standard: "IEC_62196_T2",
    format: "SOCKET",
    power_type: "AC_3_PHASE",
    max_voltage: 230,
    max_amperage: 32,
    max_electric_power: 22_080,
  },
  {
    tariff: "AC-STANDARD",
    standard: "IEC_62196_T2",
    format: "SOCKET",
    power_type: "AC_1_PHASE",
    max_voltage: 230,
    max_amperage: 16,
    max_electric_power: 3_680,
  },
  { tariff: "DC-FAST", standard: "IEC_62196_T2_COMBO", format: "CABLE", power_type: "DC", max_voltage: 920, max_amperage: 250, max_electric_power: 150_000 },
  { tariff: "DC-FAST", standard: "CHADEMO", format: "CABLE", power_type: "DC", max_voltage: 500, max_amperage: 125, max_electric_power: 50_000 },
] as const;

const STATUSES = ["AVAILABLE", "AVAILABLE", "AVAILABLE", "CHARGING", "CHARGING", "OUTOFORDER", "BLOCKED"] as const;
const FACILITIES = ["CAFE", "SUPERMARKET", "TRAIN_STATION", "PARKING_LOT", "WIFI", "RESTAURANT", "MALL"] as const;
const PARKING = ["ON_STREET", "PARKING_LOT", "PARKING_GARAGE", "UNDERGROUND_GARAGE", "ALONG_MOTORWAY"] as const;

/** The object, checked with the strict validator (a generator bug throws, naming the field). */
function checked<T>(validator: Validator<T>, value: T): T {
  return validator.parse(value, { strict: true });
}

const pad = (n: number, width = 4) => String(n).padStart(width, "0");

/** `count` Locations of `owner`, each with 1 to 4 EVSEs of 1 or 2 Connectors. */
export function mockLocations(random: Random, count: number, owner: Party): Location[] {
  return Array.from({ length: count }, (_, i) => {
    const r = random.fork(`location/${i}`);
    const place = r.pick(CITIES);
    const id = `LOC${pad(i + 1)}`;
    const last_updated = stamp(i * 97 + r.int(0, 60));
    const dc = r.chance(0.3);
    const evses: EVSE[] = Array.from({ length: r.int(1, 4) }, (_, e): EVSE => {
      const kind = dc ? r.pick(KINDS.slice(2)) : r.pick(KINDS.slice(0, 2));
      const connectors: Connector[] = Array.from({ length: dc ? r.int(1, 2) : 1 }, (_, c): Connector => {
        const k = c === 0 ? kind : r.pick(KINDS.slice(2));
        return {
          id: String(c + 1),
          standard: k.standard,
          format: k.format,
          power_type: k.power_type,
          max_voltage: k.max_voltage,
          max_amperage: k.max_amperage,
          max_electric_power: k.max_electric_power,
          tariff_ids: [k.tariff],
          last_updated,
        };
      });
      return {
        uid: `${id}-E${e + 1}`,
        evse_id: `${owner.country_code}*${owner.party_id}*E${pad(i + 1)}${e + 1}`,
        status: r.pick(STATUSES),
        capabilities: dc
          ? ["REMOTE_START_STOP_CAPABLE", "RFID_READER", "CREDIT_CARD_PAYABLE"]
          : ["REMOTE_START_STOP_CAPABLE", "RFID_READER", "UNLOCK_CAPABLE", "RESERVABLE"],
        connectors,
        physical_reference: String(e + 1),
        last_updated,
      };
    });
    const street = r.pick(place.streets);
    const location: Location = {
      country_code: owner.country_code,
      party_id: owner.party_id,
      id,
      publish: true,
      name: `${place.city} ${street} ${dc ? "fast charging" : "charging"} ${i + 1}`,
      address: `${street} ${r.int(1, 250)}`,
      city: place.city,
      postal_code: `${place.postal} ${r.chars(2, "ABCDEFGHJKLMNPRSTVWXZ")}`,
      country: "NLD",
      coordinates: { latitude: (place.lat + r.decimal(-0.03, 0.03, 6)).toFixed(6), longitude: (place.lon + r.decimal(-0.05, 0.05, 6)).toFixed(6) },
      parking_type: r.pick(PARKING),
      evses,
      operator: { name: "Mock Charging B.V.", website: "https://mock-charging.example.com" },
      facilities: [r.pick(FACILITIES)],
      time_zone: "Europe/Amsterdam",
      opening_times: { twentyfourseven: true },
      charging_when_closed: true,
      energy_mix: { is_green_energy: r.chance(0.7) },
      last_updated,
    };
    return checked(validators.Location, location);
  });
}

/** The CPO's three Tariffs, which the Connectors name (AC-STANDARD, DC-FAST) plus PARKING. */
export function mockTariffs(owner: Party): Tariff[] {
  const tariff = (id: string, text: string, minutes: number, elements: Tariff["elements"]): Tariff =>
    checked(validators.Tariff, {
      country_code: owner.country_code,
      party_id: owner.party_id,
      id,
      currency: "EUR",
      type: "REGULAR",
      tariff_alt_text: [{ language: "en", text }],
      elements,
      last_updated: stamp(minutes),
    });
  return [
    tariff("AC-STANDARD", "0.35 EUR per kWh, 21% VAT", 5, [{ price_components: [{ type: "ENERGY", price: 0.35, vat: 21, step_size: 1 }] }]),
    tariff("DC-FAST", "0.59 EUR per kWh, plus 0.10 EUR per minute after 45 minutes", 17, [
      { price_components: [{ type: "ENERGY", price: 0.59, vat: 21, step_size: 1 }] },
      { price_components: [{ type: "TIME", price: 6, vat: 21, step_size: 60 }], restrictions: { min_duration: 2700 } },
    ]),
    tariff("PARKING", "2.50 EUR per hour", 29, [{ price_components: [{ type: "PARKING_TIME", price: 2.5, vat: 21, step_size: 300 }] }]),
  ];
}

/** A contract id of the eMSP `party` (eMI3 form). */
const contractId = (party: Party, n: number) => `${party.country_code}-${party.party_id}-C${pad(n, 8)}-${(n % 9) + 1}`;

/** A Token uid: 8 (RFID) hex characters, or an app user id. */
function tokenUid(r: Random, type: "RFID" | "APP_USER"): string {
  return type === "RFID" ? r.chars(8, "0123456789ABCDEF") : `app-${r.chars(10, "0123456789abcdefghijklmnopqrstuvwxyz")}`;
}

/** `count` Tokens of the eMSP `owner`. */
export function mockTokens(random: Random, count: number, owner: Party): Token[] {
  return Array.from({ length: count }, (_, i) => {
    const r = random.fork(`token/${i}`);
    const type = r.chance(0.75) ? "RFID" : "APP_USER";
    const token: Token = {
      country_code: owner.country_code,
      party_id: owner.party_id,
      uid: tokenUid(r, type),
      type,
      contract_id: contractId(owner, i + 1),
      ...(type === "RFID" ? { visual_number: `${owner.party_id}-${pad(i + 1, 6)}` } : {}),
      issuer: "Mock Mobility",
      valid: r.chance(0.9),
      whitelist: r.pick(["ALLOWED", "ALLOWED", "ALWAYS", "ALLOWED_OFFLINE"] as const),
      language: "en",
      last_updated: stamp(i * 53 + r.int(0, 30)),
    };
    return checked(validators.Token, token);
  });
}

/** The Sessions generated for a CPO and the CDRs of those that completed. */
export interface SessionsAndCdrs {
  sessions: Session[];
  cdrs: CDR[];
}

/**
 * `count` Sessions of the CPO `owner` charged with Tokens of the eMSP `emsp`, at the given Locations: the first
 * third ACTIVE, the rest COMPLETED, each completed one with its CDR (priced by the Connector's Tariff).
 */
export function mockSessions(
  random: Random,
  count: number,
  owner: Party,
  emsp: Party,
  locations: readonly Location[],
  tariffs: readonly Tariff[],
): SessionsAndCdrs {
  const sessions: Session[] = [];
  const cdrs: CDR[] = [];
  if (!locations.length) return { sessions, cdrs };
  const active = Math.floor(count / 3);
  for (let i = 0; i < count; i++) {
    const r = random.fork(`session/${i}`);
    const location = r.pick(locations);
    const evse = r.pick(location.evses!);
    const connector = r.pick(evse.connectors);
    const tariff = tariffs.find((t) => t.id === connector.tariff_ids?.[0]);
    const startMinutes = 60 * 24 * 30 + i * 131 + r.int(0, 90);
    const minutes = r.int(20, 240);
    const power = Math.min(connector.max_electric_power ?? 11_000, 50_000) / 1000;
    const kwh = Number(((power * minutes) / 60 / r.int(2, 4)).toFixed(3));
    const pid = `${emsp.party_id}${pad(i + 1, 5)}`;
    const cdr_token = {
      country_code: emsp.country_code,
      party_id: emsp.party_id,
      uid: tokenUid(r, "RFID"),
      type: "RFID" as const,
      contract_id: contractId(emsp, 1000 + i),
    };
    const isActive = i < active;
    const energyPrice = tariff?.elements[0]?.price_components[0]?.price ?? 0.35;
    const excl = Number((kwh * energyPrice).toFixed(2));
    const incl = Number((excl * 1.21).toFixed(2));
    const start_date_time = stamp(startMinutes);
    const end_date_time = stamp(startMinutes + minutes);
    const session: Session = {
      country_code: owner.country_code,
      party_id: owner.party_id,
      id: `SES-${pid}`,
      start_date_time,
      ...(isActive ? {} : { end_date_time }),
      kwh,
      cdr_token,
      auth_method: r.pick(["WHITELIST", "AUTH_REQUEST", "COMMAND"] as const),
      location_id: location.id,
      evse_uid: evse.uid,
      connector_id: connector.id,
      currency: "EUR",
      charging_periods: [{ start_date_time, dimensions: [{ type: "ENERGY", volume: kwh }], ...(tariff ? { tariff_id: tariff.id } : {}) }],
      total_cost: { excl_vat: excl, incl_vat: incl },
      status: isActive ? "ACTIVE" : "COMPLETED",
      last_updated: isActive ? stamp(startMinutes + 5) : end_date_time,
    };
    sessions.push(checked(validators.Session, session));
    if (isActive) continue;
    const cdr: CDR = {
      country_code: owner.country_code,
      party_id: owner.party_id,
      id: `CDR-${pid}`,
      start_date_time,
      end_date_time,
      session_id: session.id,
      cdr_token,
      auth_method: session.auth_method,
      cdr_location: {
        id: location.id,
        ...(location.name ? { name: location.name } : {}),
        address: location.address,
        city: location.city,
        ...(location.postal_code ? { postal_code: location.postal_code } : {}),
        country: location.country,
        coordinates: location.coordinates,
        evse_uid: evse.uid,
        evse_id: evse.evse_id!,
        connector_id: connector.id,
        connector_standard: connector.standard,
        connector_format: connector.format,
        connector_power_type: connector.power_type,
      },
      currency: "EUR",
      ...(tariff ? { tariffs: [tariff] } : {}),
      charging_periods: [{ start_date_time, dimensions: [{ type: "ENERGY", volume: kwh }], ...(tariff ? { tariff_id: tariff.id } : {}) }],
      total_cost: { excl_vat: excl, incl_vat: incl },
      total_energy: kwh,
      total_energy_cost: { excl_vat: excl, incl_vat: incl },
      total_time: Number((minutes / 60).toFixed(4)),
      last_updated: stamp(startMinutes + minutes + 1),
    };
    cdrs.push(checked(validators.CDR, cdr));
  }
  return { sessions, cdrs };
}
