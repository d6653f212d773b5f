import type * as V211 from "@ocpi-sdk/types/2.1.1";
import type * as V221 from "@ocpi-sdk/types/2.2.1";
import type * as V230 from "@ocpi-sdk/types/2.3.0";
import { describe, expect, it } from "vitest";
import type { Conversion } from "./conversion.js";
import * as L from "./locations.js";
import { brief, expectValid, fixturesOf, get, pointersOf, remove, removalOrder, set, type Fixture, type Version } from "./testing/support.js";

// ---------------------------------------------------------------------------------------------------------------------
// Fixtures

type Schema = "Location" | "EVSE" | "Connector";

const { all, fixtures, fixture } = fixturesOf("locations");
const FIXTURES: Record<Version, Fixture[]> = { "2.1.1": all("2.1.1"), "2.2.1": all("2.2.1"), "2.3.0": all("2.3.0") };

const OWNER = { country_code: "DE", party_id: "EXA" };

// ---------------------------------------------------------------------------------------------------------------------
// Every valid fixture converts to a valid object of the target version

type Convert = (value: unknown) => Conversion<unknown>;
interface Direction {
  from: Version;
  to: Version;
  schema: Schema;
  convert: Convert;
  /** One step between neighbouring versions: its dropped/changed pointers must exist in the source. */
  single: boolean;
}

const DIRECTIONS: Direction[] = [
  { from: "2.1.1", to: "2.2.1", schema: "Location", single: true, convert: (v) => L.locationV211ToV221(v as V211.Location, { owner: OWNER }) },
  { from: "2.2.1", to: "2.1.1", schema: "Location", single: true, convert: (v) => L.locationV221ToV211(v as V221.Location) },
  { from: "2.2.1", to: "2.3.0", schema: "Location", single: true, convert: (v) => L.locationV221ToV230(v as V221.Location) },
  { from: "2.3.0", to: "2.2.1", schema: "Location", single: true, convert: (v) => L.locationV230ToV221(v as V230.Location) },
  { from: "2.1.1", to: "2.3.0", schema: "Location", single: false, convert: (v) => L.locationV211ToV230(v as V211.Location, { owner: OWNER }) },
  { from: "2.3.0", to: "2.1.1", schema: "Location", single: false, convert: (v) => L.locationV230ToV211(v as V230.Location) },
  { from: "2.1.1", to: "2.2.1", schema: "EVSE", single: true, convert: (v) => L.evseV211ToV221(v as V211.EVSE) },
  { from: "2.2.1", to: "2.1.1", schema: "EVSE", single: true, convert: (v) => L.evseV221ToV211(v as V221.EVSE) },
  { from: "2.2.1", to: "2.3.0", schema: "EVSE", single: true, convert: (v) => L.evseV221ToV230(v as V221.EVSE) },
  { from: "2.3.0", to: "2.2.1", schema: "EVSE", single: true, convert: (v) => L.evseV230ToV221(v as V230.EVSE) },
  { from: "2.1.1", to: "2.3.0", schema: "EVSE", single: false, convert: (v) => L.evseV211ToV230(v as V211.EVSE) },
  { from: "2.3.0", to: "2.1.1", schema: "EVSE", single: false, convert: (v) => L.evseV230ToV211(v as V230.EVSE) },
  { from: "2.1.1", to: "2.2.1", schema: "Connector", single: true, convert: (v) => L.connectorV211ToV221(v as V211.Connector) },
  { from: "2.2.1", to: "2.1.1", schema: "Connector", single: true, convert: (v) => L.connectorV221ToV211(v as V221.Connector) },
  { from: "2.2.1", to: "2.3.0", schema: "Connector", single: true, convert: (v) => L.connectorV221ToV230(v as V221.Connector) },
  { from: "2.3.0", to: "2.2.1", schema: "Connector", single: true, convert: (v) => L.connectorV230ToV221(v as V230.Connector) },
  { from: "2.1.1", to: "2.3.0", schema: "Connector", single: false, convert: (v) => L.connectorV211ToV230(v as V211.Connector) },
  { from: "2.3.0", to: "2.1.1", schema: "Connector", single: false, convert: (v) => L.connectorV230ToV211(v as V230.Connector) },
];

/** Fixtures the target version cannot hold at all (`from to schema name`): no connector standard it knows. */
const UNREPRESENTABLE = new Set([
  "2.3.0 2.2.1 Connector full connector", // MCS
  "2.3.0 2.1.1 Connector full connector",
  "2.3.0 2.2.1 Connector connector with custom type", // NOEXA_CCS_HYBRID
  "2.3.0 2.1.1 Connector connector with custom type",
  "2.3.0 2.1.1 EVSE evse with custom capability and restriction", // PANTOGRAPH_TOP_DOWN only
]);

const conversionCases = DIRECTIONS.flatMap((direction) =>
  fixtures(direction.from, direction.schema).map((f) => ({ ...direction, fixture: f, key: `${direction.from} ${direction.to} ${direction.schema} ${f.name}` })),
);

describe("every valid fixture converts to a valid object of the target version", () => {
  it.each(conversionCases)("$key", ({ from, to, schema, fixture: f, convert, single, key }) => {
    expectValid(from, schema, f.value);
    const input = structuredClone(f.value);
    const result = convert(input);
    expect(input, "the input is not mutated").toEqual(f.value);
    if (UNREPRESENTABLE.has(key)) {
      expect(result.value).toBeUndefined();
      expect(result.notes.filter((n) => n.pointer === "")).toEqual([{ kind: "dropped", pointer: "", detail: expect.any(String) }]);
      return;
    }
    expectValid(to, schema, result.value);
    for (const note of result.notes) expect(note.detail.length).toBeGreaterThan(0);
    if (single) {
      for (const p of [...pointersOf(result.notes, "dropped"), ...pointersOf(result.notes, "changed")]) {
        expect(get(input, p), `${p} is in the source`).not.toBeUndefined();
      }
      for (const p of pointersOf(result.notes, "defaulted")) expect(get(result.value, p), `${p} is in the result`).not.toBeUndefined();
    }
  });

  it("has fixtures for every direction", () => {
    for (const { from, to, schema } of DIRECTIONS) {
      expect(conversionCases.filter((c) => c.from === from && c.to === to && c.schema === schema).length, `${from} ${to} ${schema}`).toBeGreaterThanOrEqual(2);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Round trips give back the original except exactly what the way down dropped

interface RoundTrip {
  name: string;
  version: Version;
  schema: Schema;
  down: Convert;
  up: (value: unknown, original: unknown) => Conversion<unknown>;
  /** Values the way down changed in a lossy way (transliterated, rounded), per fixture name: pointer -> value after the trip. */
  lossy?: Record<string, Record<string, unknown>>;
}

const ownerOf = (location: unknown) => {
  const { country_code, party_id } = location as V221.Location;
  return { owner: { country_code, party_id } };
};

const ROUND_TRIPS: RoundTrip[] = [
  {
    name: "2.2.1 → 2.1.1 → 2.2.1",
    version: "2.2.1",
    schema: "Location",
    down: (v) => L.locationV221ToV211(v as V221.Location),
    up: (v, original) => L.locationV211ToV221(v as V211.Location, ownerOf(original)),
    lossy: {
      "minimal location": { "/city": "Muenchen", "/coordinates/longitude": "11.576125" },
      "full location": {
        "/city": "Muenchen",
        "/coordinates/longitude": "11.576125",
        "/related_locations/0/name/text": "Einfahrt Weinstrasse",
      },
    },
  },
  {
    name: "2.2.1 → 2.1.1 → 2.2.1",
    version: "2.2.1",
    schema: "EVSE",
    down: (v) => L.evseV221ToV211(v as V221.EVSE),
    up: (v) => L.evseV211ToV221(v as V211.EVSE),
  },
  {
    name: "2.2.1 → 2.1.1 → 2.2.1",
    version: "2.2.1",
    schema: "Connector",
    down: (v) => L.connectorV221ToV211(v as V221.Connector),
    up: (v) => L.connectorV211ToV221(v as V211.Connector),
  },
  {
    name: "2.2.1 → 2.3.0 → 2.2.1",
    version: "2.2.1",
    schema: "Location",
    down: (v) => L.locationV221ToV230(v as V221.Location),
    up: (v) => L.locationV230ToV221(v as V230.Location),
  },
  {
    name: "2.2.1 → 2.3.0 → 2.2.1",
    version: "2.2.1",
    schema: "EVSE",
    down: (v) => L.evseV221ToV230(v as V221.EVSE),
    up: (v) => L.evseV230ToV221(v as V230.EVSE),
  },
  {
    name: "2.2.1 → 2.3.0 → 2.2.1",
    version: "2.2.1",
    schema: "Connector",
    down: (v) => L.connectorV221ToV230(v as V221.Connector),
    up: (v) => L.connectorV230ToV221(v as V230.Connector),
  },
  {
    name: "2.3.0 → 2.2.1 → 2.3.0",
    version: "2.3.0",
    schema: "Location",
    down: (v) => L.locationV230ToV221(v as V230.Location),
    up: (v) => L.locationV221ToV230(v as V221.Location),
  },
  {
    name: "2.3.0 → 2.2.1 → 2.3.0",
    version: "2.3.0",
    schema: "EVSE",
    down: (v) => L.evseV230ToV221(v as V230.EVSE),
    up: (v) => L.evseV221ToV230(v as V221.EVSE),
  },
  {
    name: "2.3.0 → 2.2.1 → 2.3.0",
    version: "2.3.0",
    schema: "Connector",
    down: (v) => L.connectorV230ToV221(v as V230.Connector),
    up: (v) => L.connectorV221ToV230(v as V221.Connector),
  },
];

const roundTripCases = ROUND_TRIPS.flatMap((trip) =>
  fixtures(trip.version, trip.schema).map((f) => ({ ...trip, fixture: f, key: `${trip.name} ${trip.schema} ${f.name}` })),
);

describe("round trips give back the original but for what was dropped on the way down", () => {
  it.each(roundTripCases)("$key", ({ fixture: f, down, up, lossy, version, schema }) => {
    const original = structuredClone(f.value);
    const first = down(original);
    if (first.value === undefined) {
      // Nothing to come back from: the whole object was dropped (see UNREPRESENTABLE).
      expect(pointersOf(first.notes, "dropped")).toContain("");
      return;
    }
    const back = up(first.value, original);

    const expected = structuredClone(original);
    for (const p of pointersOf(first.notes, "dropped").sort(removalOrder)) remove(expected, p);
    // What the way up must fill in again (required fields dropped on the way down) comes from the result...
    for (const p of pointersOf(back.notes, "defaulted")) {
      expect(get(expected, p), `${p} was defaulted though it was not dropped`).toBeUndefined();
      set(expected, p, get(back.value, p));
    }
    // ...and what the way down had to change in a lossy way is named, one by one.
    for (const [p, value] of Object.entries(lossy?.[f.name] ?? {})) {
      expect(pointersOf(first.notes, "changed"), `${p} is noted as changed`).toContain(p);
      set(expected, p, value);
    }
    expect(back.value).toEqual(expected);
    expectValid(version, schema, back.value);
  });

  it("2.2.1 → 2.3.0 is lossless and notes nothing", () => {
    for (const f of FIXTURES["2.2.1"]) {
      if (f.schema !== "Location" && f.schema !== "EVSE" && f.schema !== "Connector") continue;
      const convert = { Location: L.locationV221ToV230, EVSE: L.evseV221ToV230, Connector: L.connectorV221ToV230 }[f.schema] as Convert;
      const result = convert(f.value);
      expect(result).toEqual({ value: f.value, notes: [] });
      expect(result.value).not.toBe(f.value);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Specific mappings

describe("Location 2.1.1 → 2.2.1", () => {
  it("takes the owner from the context, defaults publish and time zone, renames type", () => {
    const { value, notes } = L.locationV211ToV221(fixture<V211.Location>("2.1.1", "Location", "minimal location"), { owner: OWNER });
    expect(value).toEqual({
      country_code: "DE",
      party_id: "EXA",
      id: "MUC-0017",
      publish: true,
      address: "Marienplatz 8",
      city: "Muenchen",
      postal_code: "80331",
      country: "DEU",
      coordinates: { latitude: "48.137154", longitude: "11.576124" },
      parking_type: "ON_STREET",
      time_zone: "Etc/UTC",
      last_updated: "2024-03-01T09:15:00Z",
    });
    expect(brief(notes)).toEqual(["defaulted /country_code", "defaulted /party_id", "defaulted /publish", "changed /type", "defaulted /time_zone"]);
    expect(notes.find((n) => n.pointer === "/time_zone")?.detail).toContain("Etc/UTC");
  });

  it("takes a missing time zone from the context, keeps one the location has", () => {
    const minimal = fixture<V211.Location>("2.1.1", "Location", "minimal location");
    const given = L.locationV211ToV221(minimal, { owner: OWNER, time_zone: "Europe/Berlin" });
    expect(given.value.time_zone).toBe("Europe/Berlin");
    expect(pointersOf(given.notes, "defaulted")).toContain("/time_zone");
    const own = L.locationV211ToV221({ ...minimal, time_zone: "Europe/Amsterdam" }, { owner: OWNER, time_zone: "Europe/Berlin" });
    expect(own.value.time_zone).toBe("Europe/Amsterdam");
    expect(pointersOf(own.notes, "defaulted")).not.toContain("/time_zone");
  });

  it.each(["OTHER", "UNKNOWN"] as const)("drops type %s, which has no parking type", (type) => {
    const { value, notes } = L.locationV211ToV221({ ...fixture<V211.Location>("2.1.1", "Location", "minimal location"), type }, { owner: OWNER });
    expect(value).not.toHaveProperty("parking_type");
    expect(notes).toContainEqual({ kind: "dropped", pointer: "/type", detail: expect.stringContaining(type) });
  });

  it("leaves an empty postal code out, shortens an id over 36 characters", () => {
    const id = "L".repeat(39);
    const { value, notes } = L.locationV211ToV221(
      { ...fixture<V211.Location>("2.1.1", "Location", "minimal location"), id, postal_code: "" },
      { owner: OWNER },
    );
    expect(value).not.toHaveProperty("postal_code");
    expect(value.id).toBe("L".repeat(36));
    expect(brief(notes)).toEqual(expect.arrayContaining(["changed /postal_code", "changed /id"]));
    expectValid("2.2.1", "Location", value);
  });

  it("maps the full location's nested classes", () => {
    const { value, notes } = L.locationV211ToV221(fixture<V211.Location>("2.1.1", "Location", "full location"), { owner: OWNER });
    expect(value.opening_times?.twentyfourseven).toBe(false);
    expect(value.energy_mix?.environ_impact).toEqual([
      { category: "NUCLEAR_WASTE", amount: 0.0006 },
      { category: "CARBON_DIOXIDE", amount: 280 },
    ]);
    expect(value.evses?.[0]?.connectors[0]).toEqual({
      id: "2",
      standard: "IEC_62196_T2_COMBO",
      format: "CABLE",
      power_type: "DC",
      max_voltage: 920,
      max_amperage: 200,
      tariff_ids: ["HPC-STD"],
      terms_and_conditions: "https://cpo.example.de/terms",
      last_updated: "2024-03-01T09:15:00.250Z",
    });
    expect(brief(notes).sort()).toEqual(
      [
        "defaulted /country_code",
        "defaulted /party_id",
        "defaulted /publish",
        "changed /type",
        "changed /evses/0/connectors/0/voltage",
        "changed /evses/0/connectors/0/amperage",
        "changed /evses/0/connectors/0/tariff_id",
        "changed /evses/0/connectors/1/voltage",
        "changed /evses/0/connectors/1/amperage",
        "changed /evses/0/connectors/1/tariff_id",
        "changed /evses/1/connectors/0/voltage",
        "changed /evses/1/connectors/0/amperage",
        "defaulted /opening_times/twentyfourseven",
        "changed /energy_mix/environ_impact/0/source",
        "changed /energy_mix/environ_impact/1/source",
      ].sort(),
    );
  });

  it("defaults twentyfourseven to true without regular hours, and moves 24:00 to 23:59", () => {
    const base = fixture<V211.Location>("2.1.1", "Location", "minimal location");
    const open = L.locationV211ToV221({ ...base, opening_times: { exceptional_closings: [] } }, { owner: OWNER });
    expect(open.value.opening_times).toEqual({ twentyfourseven: true, exceptional_closings: [] });
    expect(open.notes).toContainEqual({ kind: "defaulted", pointer: "/opening_times/twentyfourseven", detail: expect.any(String) });

    const late = L.locationV211ToV221(
      { ...base, opening_times: { regular_hours: [{ weekday: 5, period_begin: "18:00", period_end: "24:00" }] } },
      { owner: OWNER },
    );
    expect(late.value.opening_times?.regular_hours).toEqual([{ weekday: 5, period_begin: "18:00", period_end: "23:59" }]);
    expect(brief(late.notes)).toContain("changed /opening_times/regular_hours/0/period_end");
    expectValid("2.2.1", "Location", late.value);
  });
});

describe("Location 2.2.1 → 2.1.1", () => {
  it("notes everything the full location loses or changes", () => {
    const { value, notes } = L.locationV221ToV211(fixture<V221.Location>("2.2.1", "Location", "full location"));
    expect(brief(notes).sort()).toEqual(
      [
        "dropped /country_code",
        "dropped /party_id",
        "dropped /publish",
        "dropped /publish_allowed_to",
        "dropped /state",
        "changed /parking_type",
        "changed /city",
        "changed /coordinates/longitude",
        "changed /related_locations/0/name/text",
        "dropped /evses/0/capabilities/3",
        "changed /evses/0/connectors/0/max_voltage",
        "changed /evses/0/connectors/0/max_amperage",
        "dropped /evses/0/connectors/0/max_electric_power",
        "changed /evses/0/connectors/0/tariff_ids",
        "dropped /evses/0/connectors/0/tariff_ids/1",
        "changed /evses/0/connectors/1/max_voltage",
        "changed /evses/0/connectors/1/max_amperage",
        "changed /evses/1/connectors/0/max_voltage",
        "changed /evses/1/connectors/0/max_amperage",
        "dropped /facilities/1",
        "changed /energy_mix/environ_impact/0/category",
        "changed /energy_mix/environ_impact/1/category",
      ].sort(),
    );
    expect(value.type).toBe("UNDERGROUND_GARAGE");
    expect(value.facilities).toEqual(["MALL", "WIFI"]);
    expect(value.evses?.[0]?.capabilities).toEqual(["RFID_READER", "REMOTE_START_STOP_CAPABLE", "CREDIT_CARD_PAYABLE"]);
    expect(value.evses?.[0]?.connectors[0]).toMatchObject({ voltage: 920, amperage: 400, tariff_id: "HPC-STD" });
    expect(value.energy_mix?.environ_impact).toEqual([
      { source: "CARBON_DIOXIDE", amount: 168.2 },
      { source: "NUCLEAR_WASTE", amount: 0 },
    ]);
  });

  it("defaults type and postal code when the 2.2.1 location has neither", () => {
    const { value, notes } = L.locationV221ToV211(fixture<V221.Location>("2.2.1", "Location", "minimal location"));
    expect(value).toMatchObject({ type: "UNKNOWN", postal_code: "", city: "Muenchen" });
    expect(notes).toContainEqual({ kind: "defaulted", pointer: "/type", detail: expect.any(String) });
    expect(notes).toContainEqual({ kind: "defaulted", pointer: "/postal_code", detail: expect.any(String) });
  });

  it.each([
    ["ALONG_MOTORWAY", "OTHER"],
    ["ON_DRIVEWAY", "OTHER"],
    ["PARKING_LOT", "PARKING_LOT"],
  ] as const)("maps parking_type %s to type %s", (parking_type, type) => {
    const { value, notes } = L.locationV221ToV211({ ...fixture<V221.Location>("2.2.1", "Location", "minimal location"), parking_type });
    expect(value.type).toBe(type);
    expect(notes).toContainEqual({ kind: "changed", pointer: "/parking_type", detail: expect.any(String) });
  });

  it("transliterates to printable ASCII and shortens what grows too long", () => {
    const address = `${"ß".repeat(23)}weg 1`; // 28 characters; 51 once spelled out
    const { value, notes } = L.locationV221ToV211({
      ...fixture<V221.Location>("2.2.1", "Location", "minimal location"),
      address,
      name: "Ladepark Café – Nord",
    });
    expect(value.address).toBe(`${"ss".repeat(22)}s`);
    expect(value.name).toBe("Ladepark Cafe - Nord");
    expect(notes).toContainEqual({ kind: "changed", pointer: "/address", detail: expect.stringContaining("shortened to 45") });
    expect(notes).toContainEqual({ kind: "changed", pointer: "/name", detail: expect.stringContaining("ASCII") });
    expectValid("2.1.1", "Location", value);
  });

  it("drops an EVSE none of whose connectors exists in 2.1.1, without notes inside it", () => {
    const location = fixture<V221.Location>("2.2.1", "Location", "full location");
    const evse = location.evses?.[1];
    if (evse?.connectors[0] === undefined) throw new Error("fixture changed");
    evse.connectors[0].standard = "GBT_DC";
    const { value, notes } = L.locationV221ToV211(location);
    expect(value.evses?.map((e) => e.uid)).toEqual(["DE-MUC-0017-2"]);
    expect(notes).toContainEqual({ kind: "dropped", pointer: "/evses/1", detail: expect.stringContaining("2.1.1") });
    expect(brief(notes).filter((n) => n.includes("/evses/1/"))).toEqual([]);
  });
});

describe("GeoLocation and text helpers", () => {
  it.each([
    ["48.1371549", "48.137155"],
    ["48.1371544", "48.137154"],
    ["48.13715", "48.137150"],
    ["48.137154", "48.137154"],
    ["9.9999995", "10.000000"],
    ["-12.3456785", "-12.345679"],
    ["-0.0000004", "0.000000"],
    ["179.9999999", "180.000000"],
  ])("sixDecimals(%s) is %s", (input, output) => {
    expect(L.sixDecimals(input)).toBe(output);
  });

  it("pads and rounds coordinates going to 2.1.1, noting each", () => {
    const { value, notes } = L.evseV221ToV211({
      ...fixture<V221.EVSE>("2.2.1", "EVSE", "minimal evse"),
      coordinates: { latitude: "-33.86882", longitude: "151.2092955" },
    });
    expect(value?.coordinates).toEqual({ latitude: "-33.868820", longitude: "151.209296" });
    expect(notes).toContainEqual({ kind: "changed", pointer: "/coordinates/latitude", detail: expect.stringContaining("padded") });
    expect(notes).toContainEqual({ kind: "changed", pointer: "/coordinates/longitude", detail: expect.stringContaining("rounded") });
  });

  it.each([
    ["München", "Muenchen"],
    ["Strømsveien", "Stromsveien"],
    ["Kjør gjennom, står til venstre", "Kjor gjennom, star til venstre"],
    ["Łódź", "Lodz"],
    ["“Quote” – ½", '"Quote" - 1?2'],
    ["充电站", "???"],
  ])("toPrintableAscii(%s) is %s", (input, output) => {
    expect(L.toPrintableAscii(input)).toBe(output);
  });
});

describe("Connector and EVSE 2.2.1 → 2.1.1", () => {
  const connector = () => fixture<V221.Connector>("2.2.1", "Connector", "full connector");

  it("renames voltage and amperage, keeps the first tariff id, drops max_electric_power", () => {
    const { value, notes } = L.connectorV221ToV211({ ...connector(), tariff_ids: ["A", "B", "C"] });
    expect(value).toEqual({
      id: "2",
      standard: "IEC_62196_T2_COMBO",
      format: "CABLE",
      power_type: "DC",
      voltage: 920,
      amperage: 400,
      tariff_id: "A",
      terms_and_conditions: "https://cpo.example.de/terms",
      last_updated: "2024-03-01T09:15:00.250Z",
    });
    expect(brief(notes)).toEqual([
      "changed /max_voltage",
      "changed /max_amperage",
      "dropped /max_electric_power",
      "changed /tariff_ids",
      "dropped /tariff_ids/1",
      "dropped /tariff_ids/2",
    ]);
  });

  it("drops an empty tariff_ids list", () => {
    const { value, notes } = L.connectorV221ToV211({ ...connector(), tariff_ids: [] });
    expect(value).not.toHaveProperty("tariff_id");
    expect(notes).toContainEqual({ kind: "dropped", pointer: "/tariff_ids", detail: expect.any(String) });
  });

  it.each(["AC_2_PHASE", "AC_2_PHASE_SPLIT"] as const)("sends power type %s as AC_1_PHASE", (power_type) => {
    const { value, notes } = L.connectorV221ToV211({ ...connector(), power_type });
    expect(value?.power_type).toBe("AC_1_PHASE");
    expect(notes).toContainEqual({ kind: "changed", pointer: "/power_type", detail: expect.stringContaining(power_type) });
  });

  it("has no 2.1.1 connector for a standard 2.1.1 lacks", () => {
    const result = L.connectorV221ToV211({ ...connector(), standard: "NEMA_14_50" });
    expect(result).toEqual({ value: undefined, notes: [{ kind: "dropped", pointer: "", detail: expect.stringContaining("NEMA_14_50") }] });
  });

  it("drops the connectors and capabilities of an EVSE that 2.1.1 lacks, and the EVSE when no connector is left", () => {
    const evse = fixture<V221.EVSE>("2.2.1", "EVSE", "full evse");
    const [first, second] = evse.connectors;
    if (first === undefined || second === undefined) throw new Error("fixture changed");
    const some = L.evseV221ToV211({ ...evse, connectors: [{ ...first, standard: "CHAOJI" }, second] });
    expect(some.value?.connectors.map((c) => c.id)).toEqual(["1"]);
    expect(brief(some.notes)).toEqual(expect.arrayContaining(["dropped /capabilities/3", "dropped /connectors/0", "changed /connectors/1/max_voltage"]));
    expect(brief(some.notes).filter((n) => n.includes("/connectors/0/"))).toEqual([]);

    const none = L.evseV221ToV211({ ...evse, connectors: [{ ...first, standard: "GBT_DC" }] });
    expect(none).toEqual({ value: undefined, notes: [{ kind: "dropped", pointer: "", detail: expect.any(String) }] });
  });
});

describe("2.3.0 → 2.2.1", () => {
  it("notes everything the full location loses", () => {
    const { value, notes } = L.locationV230ToV221(fixture<V230.Location>("2.3.0", "Location", "full location"));
    expect(brief(notes).sort()).toEqual(
      [
        "dropped /parking_places",
        "dropped /help_phone",
        "dropped /evses/0/parking",
        "dropped /evses/0/accepted_service_providers",
        "dropped /evses/0/connectors/0",
        "dropped /evses/0/connectors/1/capabilities",
        "dropped /facilities/3",
      ].sort(),
    );
    expect(value.facilities).toEqual(["FUEL_STATION", "CAFE", "WIFI"]);
    expect(value.parking_type).toBe("ALONG_MOTORWAY");
    expect(value.evses?.[0]?.connectors.map((c) => c.standard)).toEqual(["IEC_62196_T2_COMBO"]);
  });

  it("drops custom and 2.3.0-only enum values, maps others to OTHER", () => {
    const location = fixture<V230.Location>("2.3.0", "Location", "full location");
    const { value, notes } = L.locationV230ToV221({
      ...location,
      parking_type: "NOEXA_TRUCK_STOP",
      publish_allowed_to: [{ uid: "EMA-1", type: "EMAID" }, { group_id: "G" }],
      images: [{ url: "https://cpo.example.no/a.jpg", category: "NOEXA_DRONE", type: "jpeg" }],
      energy_mix: {
        is_green_energy: true,
        environ_impact: [
          { category: "NOEXA_NOISE", amount: 1 },
          { category: "CARBON_DIOXIDE", amount: 0 },
        ],
      },
      operator: { name: "Op", logo: { url: "https://cpo.example.no/l.png", category: "NOEXA_BADGE", type: "png" } },
    });
    expect(value).not.toHaveProperty("parking_type");
    expect(value.publish_allowed_to).toEqual([{ uid: "EMA-1", type: "OTHER" }, { group_id: "G" }]);
    expect(value.images?.[0]?.category).toBe("OTHER");
    expect(value.operator?.logo?.category).toBe("OTHER");
    expect(value.energy_mix?.environ_impact).toEqual([{ category: "CARBON_DIOXIDE", amount: 0 }]);
    expect(brief(notes)).toEqual(
      expect.arrayContaining([
        "dropped /parking_type",
        "changed /publish_allowed_to/0/type",
        "changed /images/0/category",
        "changed /operator/logo/category",
        "dropped /energy_mix/environ_impact/0",
      ]),
    );
    expectValid("2.2.1", "Location", value);
  });

  it("drops 2.3.0-only EVSE fields, capabilities and restrictions", () => {
    const { value, notes } = L.evseV230ToV221(fixture<V230.EVSE>("2.3.0", "EVSE", "evse with custom capability and restriction"));
    expect(value?.capabilities).toEqual(["RESERVABLE"]);
    expect(value?.parking_restrictions).toEqual([]);
    expect(brief(notes)).toEqual(["dropped /capabilities/1", "dropped /parking_restrictions/0", "dropped /parking_restrictions/1"]);
  });

  it("sends SAE_J3400 as TESLA_S and drops connector capabilities", () => {
    const { value, notes } = L.connectorV230ToV221({ ...fixture<V230.Connector>("2.3.0", "Connector", "full connector"), standard: "SAE_J3400" });
    expect(value?.standard).toBe("TESLA_S");
    expect(value).not.toHaveProperty("capabilities");
    expect(brief(notes)).toEqual(["changed /standard", "dropped /capabilities"]);
  });

  it("has no 2.2.1 connector for MCS or a custom standard", () => {
    for (const standard of ["MCS", "NOEXA_CCS_HYBRID"]) {
      const result = L.connectorV230ToV221({ ...fixture<V230.Connector>("2.3.0", "Connector", "minimal connector"), standard });
      expect(result).toEqual({ value: undefined, notes: [{ kind: "dropped", pointer: "", detail: expect.stringContaining(standard) }] });
    }
  });
});

describe("2.1.1 ↔ 2.3.0 in two steps", () => {
  it("2.1.1 → 2.3.0 has the notes of 2.1.1 → 2.2.1 (2.2.1 → 2.3.0 adds none)", () => {
    const location = fixture<V211.Location>("2.1.1", "Location", "full location");
    const twoSteps = L.locationV211ToV230(location, { owner: OWNER });
    expect(twoSteps).toEqual(L.locationV211ToV221(location, { owner: OWNER }));
    expectValid("2.3.0", "Location", twoSteps.value);
  });

  it("2.3.0 → 2.1.1 has the notes of both steps in order", () => {
    const location = fixture<V230.Location>("2.3.0", "Location", "full location");
    const first = L.locationV230ToV221(location);
    const second = L.locationV221ToV211(first.value);
    const twoSteps = L.locationV230ToV211(location);
    expect(twoSteps).toEqual({ value: second.value, notes: [...first.notes, ...second.notes] });
    expect(brief(twoSteps.notes)).toEqual(expect.arrayContaining(["dropped /parking_places", "dropped /country_code", "changed /parking_type"]));
    expect(twoSteps.value.type).toBe("OTHER");
    expect(twoSteps.value.address).toBe("Stromsveien 245");
  });

  it("a 2.3.0 connector reaches 2.1.1 through the compatible standard, or not at all", () => {
    const j3400 = L.connectorV230ToV211({ ...fixture<V230.Connector>("2.3.0", "Connector", "minimal connector"), standard: "SAE_J3400" });
    expect(j3400.value?.standard).toBe("TESLA_S");
    expect(brief(j3400.notes)).toEqual(["changed /standard", "changed /max_voltage", "changed /max_amperage"]);
    const mcs = L.connectorV230ToV211(fixture<V230.Connector>("2.3.0", "Connector", "full connector"));
    expect(mcs.value).toBeUndefined();
    expect(brief(mcs.notes)).toEqual(["dropped "]);
  });
});

describe("unknown fields", () => {
  it("are carried over unchanged and not noted, at every level", () => {
    const location = {
      ...fixture<V221.Location>("2.2.1", "Location", "minimal location"),
      city: "Berlin",
      coordinates: { latitude: "52.520008", longitude: "13.404954", x_accuracy_m: 3 },
      x_site_code: "B-17",
      evses: [{ ...fixture<V221.EVSE>("2.2.1", "EVSE", "minimal evse"), x_color: "grün" }],
    };
    for (const result of [L.locationV221ToV211(location), L.locationV221ToV230(location), L.locationV230ToV221(location as V230.Location)]) {
      expect(result.value).toMatchObject({ x_site_code: "B-17", coordinates: { x_accuracy_m: 3 }, evses: [{ x_color: "grün" }] });
      expect(result.notes.filter((n) => n.pointer.includes("/x_"))).toEqual([]);
    }
    const up = L.locationV211ToV221({ ...fixture<V211.Location>("2.1.1", "Location", "minimal location"), x_site_code: "B-17" } as V211.Location, {
      owner: OWNER,
    });
    expect(up.value).toMatchObject({ x_site_code: "B-17" });
  });

  it("give way to a converted field of the same name, with a note", () => {
    const { value, notes } = L.connectorV221ToV211({ ...fixture<V221.Connector>("2.2.1", "Connector", "minimal connector"), voltage: 1 } as V221.Connector);
    expect(value?.voltage).toBe(230);
    expect(notes).toContainEqual({ kind: "dropped", pointer: "/voltage", detail: expect.any(String) });
  });
});
