/** Demo data: a CPO's locations and tariffs, an eMSP's tokens. Generated, valid, and the same on every run. */
import type { Location, Tariff, Token } from "@ocpi-sdk/types/2.2.1";
import { validators } from "@ocpi-sdk/validators/2.2.1";

const CITIES = [
  { city: "Amsterdam", postal: "1011", lat: 52.37, lon: 4.89 },
  { city: "Utrecht", postal: "3511", lat: 52.09, lon: 5.12 },
  { city: "Rotterdam", postal: "3011", lat: 51.92, lon: 4.48 },
  { city: "Eindhoven", postal: "5611", lat: 51.44, lon: 5.47 },
];

const stamp = (n: number) => new Date(Date.UTC(2024, 0, 1) + n * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");

export function demoLocations(count: number, owner: { country_code: string; party_id: string }): Location[] {
  return Array.from({ length: count }, (_, i) => {
    const place = CITIES[i % CITIES.length]!;
    const id = `LOC${String(i + 1).padStart(4, "0")}`;
    const last_updated = stamp(i);
    const location: Location = {
      country_code: owner.country_code,
      party_id: owner.party_id,
      id,
      publish: true,
      name: `${place.city} charging plaza ${i + 1}`,
      address: `Laadstraat ${i + 1}`,
      city: place.city,
      postal_code: `${place.postal} AB`,
      country: "NLD",
      coordinates: { latitude: (place.lat + (i % 50) * 0.001).toFixed(6), longitude: (place.lon + (i % 37) * 0.001).toFixed(6) },
      parking_type: "ON_STREET",
      evses: [1, 2].map((n) => ({
        uid: `${id}-E${n}`,
        evse_id: `NL*${owner.party_id}*E${String(i + 1).padStart(4, "0")}${n}`,
        status: n === 1 ? "AVAILABLE" : "CHARGING",
        capabilities: ["RFID_READER", "REMOTE_START_STOP_CAPABLE"],
        connectors: [
          {
            id: "1",
            standard: "IEC_62196_T2",
            format: "SOCKET",
            power_type: "AC_3_PHASE",
            max_voltage: 230,
            max_amperage: 32,
            tariff_ids: ["AC-STANDARD"],
            last_updated,
          },
        ],
        last_updated,
      })),
      time_zone: "Europe/Amsterdam",
      last_updated,
    };
    return validators.Location.parse(location);
  });
}

export function demoTariffs(owner: { country_code: string; party_id: string }): Tariff[] {
  const tariff = (id: string, price: number, type: "ENERGY" | "TIME"): Tariff =>
    validators.Tariff.parse({
      ...owner,
      id,
      currency: "EUR",
      elements: [{ price_components: [{ type, price, vat: 21, step_size: type === "ENERGY" ? 1 : 60 }] }],
      last_updated: stamp(0),
    });
  return [tariff("AC-STANDARD", 0.35, "ENERGY"), tariff("DC-FAST", 0.59, "ENERGY"), tariff("PARKING", 2.5, "TIME")];
}

export function demoToken(owner: { country_code: string; party_id: string }): Token {
  return validators.Token.parse({
    ...owner,
    uid: "04A1B2C3D4",
    type: "RFID",
    contract_id: `${owner.country_code}-${owner.party_id}-C12345678-X`,
    issuer: "Demo eMSP",
    valid: true,
    whitelist: "ALLOWED",
    last_updated: stamp(0),
  });
}
