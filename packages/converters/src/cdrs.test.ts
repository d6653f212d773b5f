import type * as V211 from "@ocpi-sdk/types/2.1.1";
import type * as V221 from "@ocpi-sdk/types/2.2.1";
import type * as V230 from "@ocpi-sdk/types/2.3.0";
import { describe, expect, it } from "vitest";
import {
  cdrV211ToV221,
  cdrV211ToV230,
  cdrV221ToV211,
  cdrV221ToV230,
  cdrV230ToV211,
  cdrV230ToV221,
  DEFAULT_CONNECTOR,
  priceV221ToV230,
  priceV230ToV221,
  type CdrTokenContext,
} from "./cdrs.js";
import { Notes, type Conversion, type Owner } from "./conversion.js";
import { deepFreeze, expectRoundTripWithValues, expectValid, fixturesOf, ownerOf, pointersOf } from "./testing/support.js";

// ---------------------------------------------------------------------------------------------------------------
// Fixtures and helpers

const { cases } = fixturesOf("cdrs");

const cdrs211 = cases<V211.CDR>("2.1.1", "CDR");
const cdrs221 = cases<V221.CDR>("2.2.1", "CDR");
const cdrs230 = cases<V230.CDR>("2.3.0", "CDR");

// Stand-ins for the tariffs module's converters, enough for the fixtures' tariffs.
const tariff211To221 =
  (owner: Owner) =>
  (t: V211.Tariff): Conversion<V221.Tariff> => {
    const notes = new Notes();
    notes.defaulted("country_code", "test");
    notes.defaulted("party_id", "test");
    return { value: { ...t, ...owner } as V221.Tariff, notes: notes.list };
  };
const tariff221To211 = (t: V221.Tariff): Conversion<V211.Tariff> => {
  const notes = new Notes();
  const { country_code: _c, party_id: _p, ...rest } = t;
  notes.dropped("country_code", "test");
  notes.dropped("party_id", "test");
  const elements = rest.elements.map((e, i) => ({
    ...e,
    price_components: e.price_components.map(({ vat, ...pc }, j) => {
      if (vat !== undefined) notes.at("elements").at(i).at("price_components").at(j).dropped("vat", "test");
      return pc;
    }),
  }));
  return { value: { ...rest, elements } as V211.Tariff, notes: notes.list };
};
const tariff221To230 = (t: V221.Tariff): Conversion<V230.Tariff> => {
  const notes = new Notes();
  notes.defaulted("tax_included", "test");
  return { value: { ...t, tax_included: "NO" } as V230.Tariff, notes: notes.list };
};
const tariff230To221 = (t: V230.Tariff): Conversion<V221.Tariff> => {
  const notes = new Notes();
  const { tax_included: _t, ...rest } = t;
  notes.dropped("tax_included", "test");
  return { value: rest as V221.Tariff, notes: notes.list };
};
const tariff211To230 = (owner: Owner) => (t: V211.Tariff) => {
  const first = tariff211To221(owner)(t);
  const second = tariff221To230(first.value);
  return { value: second.value, notes: [...first.notes, ...second.notes] };
};
const tariff230To211 = (t: V230.Tariff) => tariff221To211(tariff230To221(t).value);

const owner: Owner = { country_code: "BE", party_id: "CHG" };
const token: CdrTokenContext = { country_code: "DE", party_id: "EMX", uid: "04A7C2E91B5D80", type: "RFID" };
const upContext = { owner, cdr_token: token, tariff: tariff211To221(owner) };
const tokenOf = (cdr: V221.CDR | V230.CDR): CdrTokenContext => {
  const { contract_id: _c, ...rest } = cdr.cdr_token;
  return rest as CdrTokenContext;
};

/** A 2.1.1 Location holding the CDR's EVSE and connector (with one more of each), as a locations converter gives it. */
function location211(cdrLocation: V221.CdrLocation): V211.Location {
  const connector = (id: string): V211.Connector => ({
    id,
    standard: "IEC_62196_T2",
    format: "SOCKET",
    power_type: "AC_3_PHASE",
    voltage: 400,
    amperage: 32,
    last_updated: "2024-05-01T00:00:00Z",
  });
  return {
    id: cdrLocation.id,
    type: "ON_STREET",
    name: "Current name",
    address: cdrLocation.address,
    city: cdrLocation.city,
    postal_code: cdrLocation.postal_code ?? "",
    country: cdrLocation.country,
    coordinates: { latitude: cdrLocation.coordinates.latitude, longitude: cdrLocation.coordinates.longitude },
    evses: [
      { uid: "OTHER-EVSE", status: "AVAILABLE", connectors: [connector("1")], last_updated: "2024-05-01T00:00:00Z" },
      {
        uid: cdrLocation.evse_uid,
        evse_id: "BE*CHG*OLD",
        status: "CHARGING",
        connectors: [connector("9"), connector(cdrLocation.connector_id)],
        last_updated: "2024-05-01T00:00:00Z",
      },
    ],
    last_updated: "2024-05-01T00:00:00Z",
  };
}

const base221 = (cdrs221.find(([name]) => name === "minimal cdr") ?? [])[1] as V221.CDR;
const full221 = (cdrs221.find(([name]) => name === "full credit cdr") ?? [])[1] as V221.CDR;
const full230 = (cdrs230.find(([name]) => name === "full credit cdr") ?? [])[1] as V230.CDR;
const full211 = (cdrs211.find(([name]) => name === "full CDR") ?? [])[1] as V211.CDR;

// ---------------------------------------------------------------------------------------------------------------
// Every valid fixture converts to a valid object

describe("every valid fixture converts to a valid CDR of the target version", () => {
  it.each(cdrs211)("2.1.1 %s → 2.2.1 and 2.3.0", (_, cdr) => {
    deepFreeze(cdr);
    expectValid("2.2.1", "CDR", cdrV211ToV221(cdr, upContext).value);
    expectValid("2.3.0", "CDR", cdrV211ToV230(cdr, { owner, cdr_token: token, tariff: tariff211To230(owner) }).value);
  });

  it.each(cdrs221)("2.2.1 %s → 2.1.1 and 2.3.0", (_, cdr) => {
    deepFreeze(cdr);
    expectValid("2.1.1", "CDR", cdrV221ToV211(cdr, { location: location211(cdr.cdr_location), tariff: tariff221To211 }).value);
    expectValid("2.3.0", "CDR", cdrV221ToV230(cdr, { tariff: tariff221To230 }).value);
  });

  it.each(cdrs230)("2.3.0 %s → 2.2.1 and 2.1.1", (_, cdr) => {
    deepFreeze(cdr);
    expectValid("2.2.1", "CDR", cdrV230ToV221(cdr, { tariff: tariff230To221 }).value);
    const location = location211(cdr.cdr_location as V221.CdrLocation);
    expectValid("2.1.1", "CDR", cdrV230ToV211(cdr, { location, tariff: tariff230To211 }).value);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Round trips

describe("round trips give back the original but what was dropped", () => {
  it.each(cdrs221)("2.2.1 %s → 2.1.1 → 2.2.1", (_, cdr) => {
    expectRoundTripWithValues(
      cdr,
      (c) => cdrV221ToV211(c, { location: location211(c.cdr_location), tariff: tariff221To211 }),
      (c) => cdrV211ToV221(c, { owner: ownerOf(cdr), cdr_token: tokenOf(cdr), tariff: tariff211To221(ownerOf(cdr)) }),
      cdr.auth_method === "COMMAND" ? { "/auth_method": "AUTH_REQUEST" } : {},
    );
  });

  it.each(cdrs221)("2.2.1 %s → 2.3.0 → 2.2.1", (_, cdr) => {
    expectRoundTripWithValues(
      cdr,
      (c) => cdrV221ToV230(c, { tariff: tariff221To230 }),
      (c) => cdrV230ToV221(c, { tariff: tariff230To221 }),
    );
  });

  it.each(cdrs230)("2.3.0 %s → 2.2.1 → 2.3.0", (_, cdr) => {
    expectRoundTripWithValues(
      cdr,
      (c) => cdrV230ToV221(c, { tariff: tariff230To221 }),
      (c) => cdrV221ToV230(c, { tariff: tariff221To230 }),
    );
  });

  it("the full 2.2.1 CDR loses on the way to 2.1.1 exactly what 2.1.1 cannot hold", () => {
    const { notes } = cdrV221ToV211(full221, { location: location211(full221.cdr_location), tariff: tariff221To211 });
    expect(pointersOf(notes, "dropped").sort()).toEqual(
      [
        "/country_code",
        "/party_id",
        "/session_id",
        "/authorization_reference",
        "/signed_data",
        "/total_fixed_cost",
        "/total_energy_cost",
        "/total_time_cost",
        "/total_parking_cost",
        "/total_reservation_cost",
        "/invoice_reference_id",
        "/credit",
        "/credit_reference_id",
        "/home_charging_compensation",
        "/cdr_token/country_code",
        "/cdr_token/party_id",
        "/cdr_token/uid",
        "/cdr_token/type",
        "/cdr_location/state",
        "/total_cost/incl_vat",
        "/charging_periods/0/tariff_id",
        "/charging_periods/1/tariff_id",
        "/tariffs/0/country_code",
        "/tariffs/0/party_id",
        "/tariffs/0/elements/0/price_components/0/vat",
      ].sort(),
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 2.1.1 → 2.2.1

describe("2.1.1 → 2.2.1", () => {
  const { value, notes } = cdrV211ToV221(full211, upContext);

  it("takes the owner and the token from the context, auth_id as contract_id", () => {
    expect(value).toMatchObject({ country_code: "BE", party_id: "CHG" });
    expect(value.cdr_token).toEqual({ ...token, contract_id: "NL-VLT-C55120-3" });
    expect(notes).toContainEqual(expect.objectContaining({ kind: "changed", pointer: "/auth_id" }));
    for (const p of ["/country_code", "/party_id", "/cdr_token/country_code", "/cdr_token/party_id", "/cdr_token/uid", "/cdr_token/type"]) {
      expect(pointersOf(notes, "defaulted")).toContain(p);
    }
  });

  it("renames stop_date_time", () => {
    expect(value.end_date_time).toBe(full211.stop_date_time);
    expect(value).not.toHaveProperty("stop_date_time");
    expect(notes).toContainEqual(expect.objectContaining({ kind: "changed", pointer: "/stop_date_time" }));
  });

  it("makes the CdrLocation of the Location and drops the rest of it", () => {
    expect(value.cdr_location).toEqual({
      id: "LOC-GENT-017",
      name: "Kortrijksesteenweg P+R",
      address: "Kortrijksesteenweg 112",
      city: "Gent",
      postal_code: "9000",
      country: "BEL",
      coordinates: { latitude: "51.036120", longitude: "3.709845" },
      evse_uid: "EVSE-017-02",
      evse_id: "BE*CHG*E017*02",
      connector_id: "2",
      connector_standard: "IEC_62196_T2",
      connector_format: "SOCKET",
      connector_power_type: "AC_3_PHASE",
    });
    expect(pointersOf(notes, "dropped")).toEqual(
      expect.arrayContaining([
        "/location/type",
        "/location/last_updated",
        "/location/evses/0/status",
        "/location/evses/0/last_updated",
        "/location/evses/0/connectors/0/voltage",
        "/location/evses/0/connectors/0/amperage",
        "/location/evses/0/connectors/0/tariff_id",
        "/location/evses/0/connectors/0/last_updated",
      ]),
    );
  });

  it("turns the number total_cost into a Price and drops FLAT dimensions", () => {
    expect(value.total_cost).toEqual({ excl_vat: 3.42 });
    expect(notes).toContainEqual(expect.objectContaining({ kind: "changed", pointer: "/total_cost" }));
    expect(value.charging_periods[0]?.dimensions.map((d) => d.type)).toEqual(["ENERGY", "TIME", "MAX_CURRENT"]);
    expect(pointersOf(notes, "dropped")).toContain("/charging_periods/0/dimensions/0");
  });

  it("converts embedded tariffs with the context's function, its notes under /tariffs/<i>", () => {
    expect(value.tariffs?.[0]).toMatchObject({ country_code: "BE", party_id: "CHG", id: "AC-STD-22" });
    expect(pointersOf(notes, "defaulted")).toContain("/tariffs/0/country_code");
    const without = cdrV211ToV221(full211, { owner, cdr_token: token });
    expect(without.value).not.toHaveProperty("tariffs");
    expect(without.notes).toContainEqual(expect.objectContaining({ kind: "dropped", pointer: "/tariffs" }));
  });

  it("takes the first EVSE and connector as the ones used, an empty postal code as none", () => {
    const location = structuredClone(full211.location);
    const evse = location.evses?.[0] as V211.EVSE;
    location.postal_code = "";
    delete evse.evse_id;
    evse.connectors.push({ ...(evse.connectors[0] as V211.Connector), id: "3" });
    location.evses?.push({ ...evse, uid: "EVSE-2" });
    const result = cdrV211ToV221({ ...full211, location }, upContext);
    expectValid("2.2.1", "CDR", result.value);
    expect(result.value.cdr_location).not.toHaveProperty("postal_code");
    expect(result.value.cdr_location).toMatchObject({ evse_uid: "EVSE-017-02", evse_id: "#NA", connector_id: "2" });
    expect(pointersOf(result.notes, "dropped")).toEqual(expect.arrayContaining(["/location/evses/1", "/location/evses/0/connectors/1"]));
    expect(pointersOf(result.notes, "defaulted")).toContain("/cdr_location/evse_id");
    expect(pointersOf(result.notes, "changed")).toContain("/location/postal_code");
    const withEvseId = cdrV211ToV221({ ...full211, location }, { ...upContext, evse_id: "BE*CHG*E9" });
    expect(withEvseId.value.cdr_location.evse_id).toBe("BE*CHG*E9");
  });

  it("fills #NA and the connector context when the Location names no EVSE", () => {
    const { evses: _e, ...location } = full211.location;
    const result = cdrV211ToV221({ ...full211, location }, upContext);
    expectValid("2.2.1", "CDR", result.value);
    expect(result.value.cdr_location).toMatchObject({ evse_uid: "#NA", evse_id: "#NA", connector_id: "#NA", ...DEFAULT_CONNECTOR });
    const connector = { connector_standard: "CHADEMO", connector_format: "CABLE", connector_power_type: "DC" } as const;
    expect(cdrV211ToV221({ ...full211, location }, { ...upContext, connector }).value.cdr_location).toMatchObject(connector);
    expect(pointersOf(result.notes, "defaulted")).toEqual(expect.arrayContaining(["/cdr_location/evse_uid", "/cdr_location/connector_standard"]));
  });

  it("gives the CDR a period of its total energy when none could be carried", () => {
    const cdr: V211.CDR = { ...full211, charging_periods: [{ start_date_time: full211.start_date_time, dimensions: [{ type: "FLAT", volume: 1 }] }] };
    const result = cdrV211ToV221(cdr, upContext);
    expectValid("2.2.1", "CDR", result.value);
    expect(result.value.charging_periods).toEqual([{ start_date_time: full211.start_date_time, dimensions: [{ type: "ENERGY", volume: 9.116 }] }]);
    expect(pointersOf(result.notes, "dropped")).toContain("/charging_periods/0");
    expect(pointersOf(result.notes, "defaulted")).toContain("/charging_periods");
  });

  it("passes unknown fields through without a note, but one named as a field the target fills", () => {
    const result = cdrV211ToV221({ ...full211, x_vendor: { a: 1 }, country_code: "NL" } as V211.CDR, upContext);
    expect(result.value).toHaveProperty("x_vendor", { a: 1 });
    expect(result.value.country_code).toBe("BE");
    expect(result.notes.some((n) => n.pointer.startsWith("/x_vendor"))).toBe(false);
    expect(pointersOf(result.notes, "dropped")).toContain("/country_code");
  });

  it("shortens a Location id longer than 2.2.1 allows, as the locations module does", () => {
    const location = { ...full211.location, id: "L".repeat(39) };
    const result = cdrV211ToV221({ ...full211, location }, upContext);
    expectValid("2.2.1", "CDR", result.value);
    expect(result.value.cdr_location.id).toBe("L".repeat(36));
    expect(pointersOf(result.notes, "changed")).toContain("/location/id");
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 2.2.1 → 2.1.1

describe("2.2.1 → 2.1.1", () => {
  const given = location211(full221.cdr_location);
  const { value, notes } = cdrV221ToV211(full221, { location: given, tariff: tariff221To211 });

  it("embeds the given Location trimmed to the EVSE and connector used, the CdrLocation's values over it", () => {
    expect(value.location.evses).toHaveLength(1);
    expect(value.location.evses?.[0]?.connectors.map((c) => c.id)).toEqual(["2"]);
    expect(value.location.name).toBe("Parking Korenmarkt");
    expect(value.location.evses?.[0]?.evse_id).toBe("BE*CHG*E017*02");
    expect(value.location.type).toBe("ON_STREET");
    expect(pointersOf(notes, "defaulted")).toContain("/location");
    expect(pointersOf(notes, "changed")).toContain("/cdr_location");
    expect(given.evses).toHaveLength(2); // the context is not changed
  });

  it("makes contract_id the auth_id and maps COMMAND to AUTH_REQUEST", () => {
    expect(value.auth_id).toBe("NL-VLT-C55120-3");
    expect(value.auth_method).toBe("AUTH_REQUEST");
    expect(pointersOf(notes, "changed")).toEqual(expect.arrayContaining(["/cdr_token/contract_id", "/auth_method"]));
  });

  it("renames end_date_time and keeps only excl_vat of total_cost", () => {
    expect(value.stop_date_time).toBe(full221.end_date_time);
    expect(value.total_cost).toBe(-4.1);
    expect(pointersOf(notes, "changed")).toEqual(expect.arrayContaining(["/end_date_time", "/total_cost"]));
  });

  it("gives six decimals to coordinates, an empty postal code to a location without one", () => {
    const cdr = structuredClone(base221);
    cdr.cdr_location.coordinates = { latitude: "51.05434", longitude: "-3.7207275" };
    const result = cdrV221ToV211(cdr, { location: location211(base221.cdr_location) });
    expectValid("2.1.1", "CDR", result.value);
    expect(result.value.location.coordinates).toEqual({ latitude: "51.054340", longitude: "-3.720728" });
    expect(result.value.location.postal_code).toBe("");
    expect(result.value.location).not.toHaveProperty("name");
    expect(pointersOf(result.notes, "changed")).toEqual(expect.arrayContaining(["/cdr_location/coordinates/latitude", "/cdr_location/coordinates/longitude"]));
    expect(pointersOf(result.notes, "defaulted")).toContain("/location/postal_code");
  });

  it("keeps the given Location's connector standard and power type where 2.1.1 lacks the CDR's", () => {
    const cdr = structuredClone(base221);
    cdr.cdr_location.connector_standard = "GBT_DC";
    cdr.cdr_location.connector_power_type = "AC_2_PHASE";
    const result = cdrV221ToV211(cdr, { location: location211(base221.cdr_location) });
    expectValid("2.1.1", "CDR", result.value);
    expect(result.value.location.evses?.[0]?.connectors[0]).toMatchObject({ standard: "IEC_62196_T2", power_type: "AC_3_PHASE" });
    expect(pointersOf(result.notes, "dropped")).toEqual(expect.arrayContaining(["/cdr_location/connector_standard", "/cdr_location/connector_power_type"]));
  });

  it("sends the Location without EVSEs when it lacks the one used", () => {
    const cdr = structuredClone(base221);
    cdr.cdr_location.evse_uid = "ELSEWHERE";
    const result = cdrV221ToV211(cdr, { location: location211(base221.cdr_location) });
    expectValid("2.1.1", "CDR", result.value);
    expect(result.value.location).not.toHaveProperty("evses");
    expect(pointersOf(result.notes, "dropped")).toEqual(
      expect.arrayContaining(["/cdr_location/evse_uid", "/cdr_location/evse_id", "/cdr_location/connector_id"]),
    );
  });

  it("drops dimensions 2.1.1 lacks, and periods left without any", () => {
    const cdr = structuredClone(base221);
    cdr.charging_periods = [
      {
        start_date_time: cdr.start_date_time,
        dimensions: [
          { type: "ENERGY", volume: 9.116 },
          { type: "MAX_POWER", volume: 22 },
        ],
      },
      { start_date_time: "2024-05-14T08:00:00Z", dimensions: [{ type: "RESERVATION_TIME", volume: 0.1 }] },
    ];
    const result = cdrV221ToV211(cdr, { location: location211(base221.cdr_location) });
    expect(result.value.charging_periods).toEqual([{ start_date_time: cdr.start_date_time, dimensions: [{ type: "ENERGY", volume: 9.116 }] }]);
    expect(pointersOf(result.notes, "dropped")).toEqual(expect.arrayContaining(["/charging_periods/0/dimensions/1", "/charging_periods/1"]));
  });

  it("transliterates non-ASCII text and drops a non-ASCII meter id", () => {
    const cdr = { ...structuredClone(base221), remark: "Arrêt demandé", meter_id: "Zähler-1" };
    cdr.cdr_location.city = "Liège";
    const result = cdrV221ToV211(cdr, { location: location211(base221.cdr_location) });
    expectValid("2.1.1", "CDR", result.value);
    expect(result.value.remark).toBe("Arret demande");
    expect(result.value.location.city).toBe("Liege");
    expect(result.value).not.toHaveProperty("meter_id");
    expect(pointersOf(result.notes, "changed")).toEqual(expect.arrayContaining(["/remark", "/cdr_location/city"]));
    expect(pointersOf(result.notes, "dropped")).toContain("/meter_id");
  });

  it("drops tariffs without a tariff converter", () => {
    const result = cdrV221ToV211(full221, { location: given });
    expect(result.value).not.toHaveProperty("tariffs");
    expect(pointersOf(result.notes, "dropped")).toContain("/tariffs");
  });

  it("refuses an id longer than 2.1.1 allows", () => {
    expect(() => cdrV221ToV211({ ...base221, id: "C".repeat(39) }, { location: given })).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 2.2.1 ↔ 2.3.0: prices, token types, connector standards

describe("Price between 2.2.1 and 2.3.0", () => {
  it("makes incl_vat one VAT tax of the difference, without binary noise", () => {
    const notes = new Notes("/total_cost");
    expect(priceV221ToV230({ excl_vat: 4.1, incl_vat: 4.96 }, notes)).toEqual({
      before_taxes: 4.1,
      taxes: [{ name: "VAT", amount: 0.86 }],
    });
    expect(notes.list.map((n) => [n.kind, n.pointer])).toEqual([
      ["changed", "/total_cost/excl_vat"],
      ["changed", "/total_cost/incl_vat"],
      ["defaulted", "/total_cost/taxes/0/name"],
    ]);
  });

  it("sums every tax into incl_vat and drops what 2.2.1 cannot name", () => {
    const notes = new Notes("/total_cost");
    const price: V230.Price = {
      before_taxes: 10,
      taxes: [
        { name: "GST", percentage: 5, amount: 0.5 },
        { name: "QST", account_number: "1234567890TQ0001", percentage: 9.975, amount: 0.9975 },
      ],
    };
    expect(priceV230ToV221(price, notes)).toEqual({ excl_vat: 10, incl_vat: 11.4975 });
    expect(notes.list.filter((n) => n.kind === "dropped").map((n) => n.pointer)).toEqual([
      "/total_cost/taxes/0/name",
      "/total_cost/taxes/0/percentage",
      "/total_cost/taxes/1/name",
      "/total_cost/taxes/1/account_number",
      "/total_cost/taxes/1/percentage",
    ]);
    expect(notes.list).toContainEqual(expect.objectContaining({ kind: "changed", pointer: "/total_cost/taxes" }));
  });

  it("adds tax amounts without binary noise", () => {
    expect(priceV230ToV221({ before_taxes: 0.1, taxes: [{ name: "VAT", amount: 0.2 }] }, new Notes())).toEqual({
      excl_vat: 0.1,
      incl_vat: 0.3,
    });
    expect(priceV221ToV230({ excl_vat: 0.1, incl_vat: 0.3 }, new Notes()).taxes).toEqual([{ name: "VAT", amount: 0.2 }]);
  });

  it("drops an empty tax list and keeps a price without taxes as it is", () => {
    const notes = new Notes();
    expect(priceV230ToV221({ before_taxes: 1, taxes: [] }, notes)).toEqual({ excl_vat: 1 });
    expect(priceV230ToV221({ before_taxes: 1 }, notes)).toEqual({ excl_vat: 1 });
    expect(notes.list.map((n) => [n.kind, n.pointer])).toEqual([
      ["changed", "/before_taxes"],
      ["dropped", "/taxes"],
      ["changed", "/before_taxes"],
    ]);
  });
});

describe("2.2.1 ↔ 2.3.0 CDR", () => {
  it("converts every Price of the CDR", () => {
    const { value } = cdrV221ToV230(full221, { tariff: tariff221To230 });
    expect(value.total_cost).toEqual({ before_taxes: -4.1, taxes: [{ name: "VAT", amount: -0.86 }] });
    expect(value.total_time_cost).toEqual({ before_taxes: 0 });
    expect(value.total_reservation_cost).toEqual({ before_taxes: 0, taxes: [{ name: "VAT", amount: 0 }] });
    expect(value.tariffs?.[0]?.tax_included).toBe("NO");
    const down = cdrV230ToV221(full230, { tariff: tariff230To221 }).value;
    expect(down.total_cost).toEqual({ excl_vat: -4.1, incl_vat: -4.96 });
    expect(down.total_parking_cost).toEqual({ excl_vat: -0.41, incl_vat: -0.49 });
  });

  it("maps token types 2.2.1 lacks to OTHER", () => {
    for (const type of ["EMAID", "X_CUSTOM"]) {
      const cdr = structuredClone(full230);
      cdr.cdr_token.type = type;
      const result = cdrV230ToV221(cdr, { tariff: tariff230To221 });
      expectValid("2.2.1", "CDR", result.value);
      expect(result.value.cdr_token.type).toBe("OTHER");
      expect(result.notes).toContainEqual(expect.objectContaining({ kind: "changed", pointer: "/cdr_token/type" }));
    }
  });

  it("maps SAE_J3400 to TESLA_S and other standards 2.2.1 lacks to a stand-in or the context's", () => {
    const cdr = structuredClone(full230);
    cdr.cdr_location.connector_standard = "SAE_J3400";
    expect(cdrV230ToV221(cdr).value.cdr_location.connector_standard).toBe("TESLA_S");
    cdr.cdr_location.connector_standard = "MCS";
    cdr.cdr_location.connector_power_type = "DC";
    const result = cdrV230ToV221(cdr);
    expectValid("2.2.1", "CDR", result.value);
    expect(result.value.cdr_location.connector_standard).toBe("IEC_62196_T2_COMBO");
    expect(result.notes).toContainEqual(expect.objectContaining({ kind: "changed", pointer: "/cdr_location/connector_standard" }));
    expect(cdrV230ToV221(cdr, { connector_standard: "CHAOJI" }).value.cdr_location.connector_standard).toBe("CHAOJI");
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 2.1.1 ↔ 2.3.0, chained

describe("2.1.1 ↔ 2.3.0", () => {
  it("goes up in two steps, the notes pointing into the 2.1.1 source", () => {
    const { value, notes } = cdrV211ToV230(full211, { owner, cdr_token: token, tariff: tariff211To230(owner) });
    expect(value.total_cost).toEqual({ before_taxes: 3.42 });
    expect(value.tariffs?.[0]).toMatchObject({ country_code: "BE", tax_included: "NO" });
    expect(notes.filter((n) => n.pointer.startsWith("/total_cost")).map((n) => [n.kind, n.pointer])).toEqual([
      ["changed", "/total_cost"],
      ["changed", "/total_cost"],
    ]);
    expect(pointersOf(notes, "defaulted")).toEqual(expect.arrayContaining(["/tariffs/0/tax_included", "/cdr_token/uid"]));
  });

  it("goes down in two steps, dropped taxes named as in the 2.3.0 source", () => {
    const location = location211(full230.cdr_location as V221.CdrLocation);
    const { value, notes } = cdrV230ToV211(full230, { location, tariff: tariff230To211 });
    expect(value.total_cost).toBe(-4.1);
    expect(pointersOf(notes, "dropped")).toEqual(expect.arrayContaining(["/total_cost/taxes", "/total_fixed_cost"]));
    expect(pointersOf(notes, "dropped")).not.toContain("/total_cost/incl_vat");
    expect(pointersOf(notes, "dropped").filter((p) => p.startsWith("/total_cost/taxes/"))).toEqual([]);
  });

  it("keeps the given Location's connector standard for one neither 2.2.1 nor 2.1.1 has", () => {
    const cdr = structuredClone(full230);
    cdr.cdr_location.connector_standard = "MCS";
    const location = location211(full230.cdr_location as V221.CdrLocation);
    const { value, notes } = cdrV230ToV211(cdr, { location, tariff: tariff230To211 });
    expectValid("2.1.1", "CDR", value);
    expect(value.location.evses?.[0]?.connectors[0]?.standard).toBe("IEC_62196_T2");
    expect(notes.filter((n) => n.pointer === "/cdr_location/connector_standard").map((n) => n.kind)).toEqual(["dropped"]);
  });
});
