import type * as V211 from "@ocpi-sdk/types/2.1.1";
import type * as V221 from "@ocpi-sdk/types/2.2.1";
import type * as V230 from "@ocpi-sdk/types/2.3.0";
import { describe, expect, it } from "vitest";
import type { Owner } from "./conversion.js";
import { tariffV211ToV221, tariffV211ToV230, tariffV221ToV211, tariffV221ToV230, tariffV230ToV211, tariffV230ToV221 } from "./tariffs.js";
import {
  describeConversions,
  describeRoundTrips,
  expectValid,
  fixturesOf,
  ownerOf,
  pointersOf,
  sortNotes,
  type ConversionCase,
  type RoundTripCase,
} from "./testing/support.js";

const { fixture } = fixturesOf("tariffs");

// ---------------------------------------------------------------------------------------------------------------

const OWNER: Owner = { country_code: "DE", party_id: "ELX" };
const FULL_211 = fixture<V211.Tariff>("2.1.1", "Tariff", "full tariff");
const FULL_221 = fixture<V221.Tariff>("2.2.1", "Tariff", "full tariff");
const FULL_230 = fixture<V230.Tariff>("2.3.0", "Tariff", "full tariff");
const MINIMAL_221 = fixture<V221.Tariff>("2.2.1", "Tariff", "minimal tariff");
const MINIMAL_230 = fixture<V230.Tariff>("2.3.0", "Tariff", "minimal tariff");

const CONVERSIONS: ConversionCase[] = [
  { schema: "Tariff", from: "2.1.1", to: "2.2.1", convert: (t: V211.Tariff) => tariffV211ToV221(t, { owner: OWNER }) },
  { schema: "Tariff", from: "2.2.1", to: "2.1.1", convert: tariffV221ToV211 },
  { schema: "Tariff", from: "2.2.1", to: "2.3.0", convert: (t: V221.Tariff) => tariffV221ToV230(t) },
  { schema: "Tariff", from: "2.3.0", to: "2.2.1", convert: tariffV230ToV221 },
  { schema: "Tariff", from: "2.1.1", to: "2.3.0", convert: (t: V211.Tariff) => tariffV211ToV230(t, { owner: OWNER }) },
  { schema: "Tariff", from: "2.3.0", to: "2.1.1", convert: tariffV230ToV211 },
];

describeConversions("tariffs", CONVERSIONS);

const TRIPS: RoundTripCase[] = [
  {
    schema: "Tariff",
    path: "2.2.1 → 2.1.1 → 2.2.1",
    version: "2.2.1",
    there: tariffV221ToV211,
    back: (t: V211.Tariff, original: V221.Tariff) => tariffV211ToV221(t, { owner: ownerOf(original) }),
  },
  {
    schema: "Tariff",
    path: "2.2.1 → 2.3.0 → 2.2.1",
    version: "2.2.1",
    there: (t: V221.Tariff) => tariffV221ToV230(t),
    back: tariffV230ToV221,
  },
  {
    schema: "Tariff",
    path: "2.3.0 → 2.2.1 → 2.3.0",
    version: "2.3.0",
    there: tariffV230ToV221,
    back: (t: V221.Tariff, original: V230.Tariff) => tariffV221ToV230(t, { tax_included: original.tax_included }),
  },
];

describeRoundTrips("tariffs", TRIPS);

// ---------------------------------------------------------------------------------------------------------------

describe("Tariff 2.1.1 → 2.2.1", () => {
  it("takes country_code and party_id from the owner context", () => {
    const tariff = fixture<V211.Tariff>("2.1.1", "Tariff", "minimal tariff");
    const { value, notes } = tariffV211ToV221(tariff, { owner: { country_code: "NL", party_id: "CPO" } });
    expect(value).toStrictEqual({ ...tariff, country_code: "NL", party_id: "CPO" });
    expect(sortNotes(notes)).toStrictEqual(["defaulted /country_code", "defaulted /party_id"]);
  });

  it("writes 24:00 as 00:00 and drops times and dates 2.2.1 rejects", () => {
    const tariff = structuredClone(FULL_211);
    tariff.elements[1]!.restrictions = {
      start_time: "25:00",
      end_time: "24:00",
      start_date: "2024-1-1",
      end_date: "2025-01-01",
    };
    const { value, notes } = tariffV211ToV221(tariff, { owner: OWNER });
    expect(value.elements[1]!.restrictions).toStrictEqual({ end_time: "00:00", end_date: "2025-01-01" });
    expect(sortNotes(notes)).toStrictEqual([
      "changed /elements/1/restrictions/end_time",
      "defaulted /country_code",
      "defaulted /party_id",
      "dropped /elements/1/restrictions/start_date",
      "dropped /elements/1/restrictions/start_time",
    ]);
    expectValid("2.2.1", "Tariff", value);
  });

  it("renames an environmental impact's source to category", () => {
    const tariff: V211.Tariff = {
      ...FULL_211,
      energy_mix: { is_green_energy: false, environ_impact: [{ source: "CARBON_DIOXIDE", amount: 372 }] },
    };
    const { value, notes } = tariffV211ToV221(tariff, { owner: OWNER });
    expect(value.energy_mix).toStrictEqual({
      is_green_energy: false,
      environ_impact: [{ category: "CARBON_DIOXIDE", amount: 372 }],
    });
    expect(pointersOf(notes, "changed")).toStrictEqual(["/energy_mix/environ_impact/0/source"]);
  });

  it("passes unknown fields through unnoted", () => {
    const tariff = { ...FULL_211, x_note: "internal" };
    const { value, notes } = tariffV211ToV221(tariff, { owner: OWNER });
    expect(value).toMatchObject({ x_note: "internal" });
    expect(notes.some((n) => n.pointer.includes("x_note"))).toBe(false);
  });
});

describe("Tariff 2.2.1 → 2.1.1", () => {
  it("drops what 2.1.1 lacks, including the reservation element", () => {
    const { value, notes } = tariffV221ToV211(FULL_221);
    expect(value.elements).toHaveLength(4);
    expect(value.elements[1]!.restrictions).toStrictEqual({
      start_time: "18:00",
      end_time: "07:00",
      start_date: "2024-04-01",
      end_date: "2025-01-01",
      min_kwh: 0,
      max_kwh: 150.5,
      min_power: 11,
      max_power: 350,
      min_duration: 0,
      max_duration: 14400,
      day_of_week: ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"],
    });
    expect(value.elements[0]!.price_components).toStrictEqual([{ type: "FLAT", price: 0.5, step_size: 1 }]);
    expect(sortNotes(notes)).toStrictEqual([
      "dropped /country_code",
      "dropped /elements/0/price_components/0/vat",
      "dropped /elements/1/price_components/0/vat",
      "dropped /elements/1/restrictions/max_current",
      "dropped /elements/1/restrictions/min_current",
      "dropped /elements/2/price_components/0/vat",
      "dropped /elements/3/price_components/0/vat",
      "dropped /elements/4",
      "dropped /end_date_time",
      "dropped /max_price",
      "dropped /min_price",
      "dropped /party_id",
      "dropped /start_date_time",
      "dropped /type",
    ]);
  });

  it("throws when every element prices a reservation", () => {
    const tariff: V221.Tariff = {
      ...MINIMAL_221,
      elements: [{ ...MINIMAL_221.elements[0]!, restrictions: { reservation: "RESERVATION_EXPIRES" } }],
    };
    expect(() => tariffV221ToV211(tariff)).toThrow(RangeError);
  });

  it("transliterates non-ASCII text", () => {
    const tariff: V221.Tariff = {
      ...MINIMAL_221,
      tariff_alt_text: [{ language: "nl", text: "0,29 € per kWh" }],
      energy_mix: { is_green_energy: true, supplier_name: "Grünstrom", energy_product_name: "Öko" },
    };
    const { value, notes } = tariffV221ToV211(tariff);
    expect(value.tariff_alt_text).toStrictEqual([{ language: "nl", text: "0,29 EUR per kWh" }]);
    expect(value.energy_mix).toStrictEqual({
      is_green_energy: true,
      supplier_name: "Grunstrom",
      energy_product_name: "Oko",
    });
    expect(pointersOf(notes, "changed")).toStrictEqual(["/tariff_alt_text/0/text", "/energy_mix/supplier_name", "/energy_mix/energy_product_name"]);
    expectValid("2.1.1", "Tariff", value);
  });

  it("renames an environmental impact's category to source", () => {
    const tariff: V221.Tariff = {
      ...MINIMAL_221,
      energy_mix: { is_green_energy: false, environ_impact: [{ category: "NUCLEAR_WASTE", amount: 0.0006 }] },
    };
    const { value, notes } = tariffV221ToV211(tariff);
    expect(value.energy_mix?.environ_impact).toStrictEqual([{ source: "NUCLEAR_WASTE", amount: 0.0006 }]);
    expect(pointersOf(notes, "changed")).toStrictEqual(["/energy_mix/environ_impact/0/category"]);
  });
});

describe("Tariff 2.2.1 → 2.3.0", () => {
  it("renames the price limits' fields and says taxes are not included", () => {
    const { value, notes } = tariffV221ToV230(FULL_221);
    expect(value.min_price).toStrictEqual({ before_taxes: 1.0, after_taxes: 1.19 });
    expect(value.max_price).toStrictEqual({ before_taxes: 60.0, after_taxes: 71.4 });
    expect(value.tax_included).toBe("NO");
    expect(value.elements).toStrictEqual(FULL_221.elements);
    expect(sortNotes(notes)).toStrictEqual([
      "changed /max_price/excl_vat",
      "changed /max_price/incl_vat",
      "changed /min_price/excl_vat",
      "changed /min_price/incl_vat",
      "defaulted /tax_included",
    ]);
  });

  it("takes tax_included from the context, adding VAT to prices when it is YES", () => {
    const { value, notes } = tariffV221ToV230(FULL_221, { tax_included: "YES" });
    expect(value.tax_included).toBe("YES");
    expect(value.elements[0]!.price_components[0]!.price).toBe(0.595);
    expect(value.elements[1]!.price_components[0]!.price).toBe(0.7021);
    expect(pointersOf(notes, "changed")).toContain("/elements/4/price_components/1/price");
    expect(tariffV221ToV230(MINIMAL_221, { tax_included: "N/A" }).value).toStrictEqual({
      ...MINIMAL_221,
      tax_included: "N/A",
    });
  });
});

describe("Tariff 2.3.0 → 2.2.1", () => {
  it("drops preauthorize_amount and tax_included and renames the price limits' fields", () => {
    const { value, notes } = tariffV230ToV221(FULL_230);
    expect(value).toStrictEqual(FULL_221);
    expect(sortNotes(notes)).toStrictEqual([
      "changed /max_price/after_taxes",
      "changed /max_price/before_taxes",
      "changed /min_price/after_taxes",
      "changed /min_price/before_taxes",
      "dropped /preauthorize_amount",
      "dropped /tax_included",
    ]);
  });

  it("takes VAT off the prices of a tax-inclusive tariff", () => {
    const tariff = tariffV221ToV230(FULL_221, { tax_included: "YES" }).value;
    const { value, notes } = tariffV230ToV221(tariff);
    expect(value.elements).toStrictEqual(FULL_221.elements);
    expect(pointersOf(notes, "changed")).toContain("/elements/0/price_components/0/price");
  });

  it("keeps the price of a tax-inclusive component without VAT", () => {
    const tariff: V230.Tariff = { ...MINIMAL_230, tax_included: "YES" };
    expect(tariffV230ToV221(tariff).value.elements).toStrictEqual(MINIMAL_230.elements);
  });

  it("drops environmental impacts of categories 2.2.1 lacks", () => {
    const tariff: V230.Tariff = {
      ...MINIMAL_230,
      energy_mix: {
        is_green_energy: false,
        environ_impact: [
          { category: "CARBON_DIOXIDE", amount: 300 },
          { category: "METHANE", amount: 2 },
        ],
      },
    };
    const { value, notes } = tariffV230ToV221(tariff);
    expect(value.energy_mix?.environ_impact).toStrictEqual([{ category: "CARBON_DIOXIDE", amount: 300 }]);
    expect(pointersOf(notes, "dropped")).toContain("/energy_mix/environ_impact/1");
  });
});

describe("Tariff across two steps", () => {
  it("2.3.0 → 2.1.1 leaves out renames of fields the second step drops", () => {
    const { value, notes } = tariffV230ToV211(FULL_230);
    expectValid("2.1.1", "Tariff", value);
    expect(notes.filter((n) => n.pointer.startsWith("/min_price"))).toStrictEqual([{ kind: "dropped", pointer: "/min_price", detail: expect.any(String) }]);
    expect(pointersOf(notes, "dropped")).toEqual(expect.arrayContaining(["/tax_included", "/preauthorize_amount"]));
  });

  it("2.1.1 → 2.3.0 takes the owner and tax_included from the context", () => {
    const tariff = fixture<V211.Tariff>("2.1.1", "Tariff", "minimal tariff");
    const { value, notes } = tariffV211ToV230(tariff, { owner: OWNER, tax_included: "N/A" });
    expect(value).toStrictEqual({ ...tariff, country_code: "DE", party_id: "ELX", tax_included: "N/A" });
    expect(sortNotes(notes)).toStrictEqual(["defaulted /country_code", "defaulted /party_id", "defaulted /tax_included"]);
  });
});
