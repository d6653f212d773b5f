import type * as V211 from "@ocpi-sdk/types/2.1.1";
import type * as V221 from "@ocpi-sdk/types/2.2.1";
import type * as V230 from "@ocpi-sdk/types/2.3.0";
import { describe, expect, it } from "vitest";
import type { CdrTokenContext } from "./cdrs.js";
import type { Owner } from "./conversion.js";
import {
  chargingPreferencesV221ToV230,
  chargingPreferencesV230ToV221,
  sessionPatchV211ToV221,
  sessionPatchV211ToV230,
  sessionPatchV221ToV211,
  sessionPatchV221ToV230,
  sessionPatchV230ToV211,
  sessionPatchV230ToV221,
  sessionV211ToV221,
  sessionV211ToV230,
  sessionV221ToV211,
  sessionV221ToV230,
  sessionV230ToV211,
  sessionV230ToV221,
} from "./sessions.js";
import { deepFreeze, expectRoundTripWithValues, expectValid, fixturesOf, ownerOf, pointersOf } from "./testing/support.js";

// ---------------------------------------------------------------------------------------------------------------
// Fixtures and helpers

const { cases } = fixturesOf("sessions");

const sessions211 = cases<V211.Session>("2.1.1", "Session");
const sessions221 = cases<V221.Session>("2.2.1", "Session");
const sessions230 = cases<V230.Session>("2.3.0", "Session");
const patches211 = cases<V211.SessionPatch>("2.1.1", "SessionPatch");
const patches221 = cases<V221.SessionPatch>("2.2.1", "SessionPatch");
const patches230 = cases<V230.SessionPatch>("2.3.0", "SessionPatch");
const preferences221 = cases<V221.ChargingPreferences>("2.2.1", "ChargingPreferences");
const preferences230 = cases<V230.ChargingPreferences>("2.3.0", "ChargingPreferences");

const owner: Owner = { country_code: "BE", party_id: "CHG" };
const token: CdrTokenContext = { country_code: "BE", party_id: "CHG", uid: "04A7C2E91B5D80", type: "RFID" };
const upContext = { owner, cdr_token: token };
const tokenOf = (s: V221.Session): CdrTokenContext => {
  const { contract_id: _c, ...rest } = s.cdr_token;
  return rest;
};

const full211 = (sessions211.find(([name]) => name === "full session") ?? [])[1] as V211.Session;
const full221 = (sessions221.find(([name]) => name === "full session") ?? [])[1] as V221.Session;
const reservation221 = (sessions221.find(([name]) => name === "reservation session without EVSE") ?? [])[1] as V221.Session;
const full230 = (sessions230.find(([name]) => name === "full session") ?? [])[1] as V230.Session;

/** The sessions' 2.1.1 Location as a locations converter gives it: two EVSEs, the used one with two connectors. */
const location: V211.Location = (() => {
  const base = structuredClone(full211.location);
  const evse = base.evses?.[0] as V211.EVSE;
  evse.connectors.unshift({ ...(evse.connectors[0] as V211.Connector), id: "1" });
  base.evses?.unshift({ ...evse, uid: "EVSE-017-01", evse_id: "BE*CHG*E017*01" });
  return deepFreeze(base);
})();

// ---------------------------------------------------------------------------------------------------------------
// Every valid fixture converts to a valid object

describe("every valid fixture converts to a valid object of the target version", () => {
  it.each(sessions211)("2.1.1 Session %s → 2.2.1 and 2.3.0", (_, session) => {
    deepFreeze(session);
    expectValid("2.2.1", "Session", sessionV211ToV221(session, upContext).value);
    expectValid("2.3.0", "Session", sessionV211ToV230(session, upContext).value);
  });

  it.each(sessions221)("2.2.1 Session %s → 2.1.1 and 2.3.0", (_, session) => {
    deepFreeze(session);
    expectValid("2.1.1", "Session", sessionV221ToV211(session, { location }).value);
    expectValid("2.3.0", "Session", sessionV221ToV230(session).value);
  });

  it.each(sessions230)("2.3.0 Session %s → 2.2.1 and 2.1.1", (_, session) => {
    deepFreeze(session);
    expectValid("2.2.1", "Session", sessionV230ToV221(session).value);
    expectValid("2.1.1", "Session", sessionV230ToV211(session, { location }).value);
  });

  it.each(patches211)("2.1.1 SessionPatch %s → 2.2.1 and 2.3.0", (_, patch) => {
    deepFreeze(patch);
    const context = { cdr_token: token, last_updated: "2024-05-14T09:00:00Z" };
    expectValid("2.2.1", "SessionPatch", sessionPatchV211ToV221(patch, context).value);
    expectValid("2.3.0", "SessionPatch", sessionPatchV211ToV230(patch, context).value);
  });

  it.each(patches221)("2.2.1 SessionPatch %s → 2.1.1 and 2.3.0", (_, patch) => {
    deepFreeze(patch);
    expectValid("2.1.1", "SessionPatch", sessionPatchV221ToV211(patch, { location }).value);
    expectValid("2.3.0", "SessionPatch", sessionPatchV221ToV230(patch).value);
  });

  it.each(patches230)("2.3.0 SessionPatch %s → 2.2.1 and 2.1.1", (_, patch) => {
    deepFreeze(patch);
    expectValid("2.2.1", "SessionPatch", sessionPatchV230ToV221(patch).value);
    expectValid("2.1.1", "SessionPatch", sessionPatchV230ToV211(patch).value);
  });

  it.each(preferences221)("2.2.1 ChargingPreferences %s → 2.3.0", (_, preferences) => {
    const result = chargingPreferencesV221ToV230(deepFreeze(preferences));
    expectValid("2.3.0", "ChargingPreferences", result.value);
    expect(result).toEqual({ value: preferences, notes: [] });
  });

  it.each(preferences230)("2.3.0 ChargingPreferences %s → 2.2.1", (_, preferences) => {
    const result = chargingPreferencesV230ToV221(deepFreeze(preferences));
    expectValid("2.2.1", "ChargingPreferences", result.value);
    expect(result).toEqual({ value: preferences, notes: [] });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Round trips

/** Enum values that cannot come back from 2.1.1. */
function lossyIn211(session: V221.Session | V221.SessionPatch): Record<string, unknown> {
  return {
    ...(session.auth_method === "COMMAND" ? { "/auth_method": "AUTH_REQUEST" } : {}),
    ...(session.status === "RESERVATION" ? { "/status": "PENDING" } : {}),
  };
}

describe("round trips give back the original but what was dropped", () => {
  it.each(sessions221)("2.2.1 Session %s → 2.1.1 → 2.2.1", (_, session) => {
    expectRoundTripWithValues(
      session,
      (s) => sessionV221ToV211(s, { location }),
      (s) => sessionV211ToV221(s, { owner: ownerOf(session), cdr_token: tokenOf(session) }),
      lossyIn211(session),
    );
  });

  it.each(sessions221)("2.2.1 Session %s → 2.3.0 → 2.2.1", (_, session) => {
    expectRoundTripWithValues(session, sessionV221ToV230, sessionV230ToV221);
  });

  it.each(sessions230)("2.3.0 Session %s → 2.2.1 → 2.3.0", (_, session) => {
    expectRoundTripWithValues(session, sessionV230ToV221, sessionV221ToV230);
  });

  it.each(patches221)("2.2.1 SessionPatch %s → 2.1.1 → 2.2.1", (_, patch) => {
    expectRoundTripWithValues(
      patch,
      (p) => sessionPatchV221ToV211(p, { location }),
      (p) => sessionPatchV211ToV221(p, { cdr_token: token }),
      lossyIn211(patch),
    );
  });

  it.each(patches221)("2.2.1 SessionPatch %s → 2.3.0 → 2.2.1", (_, patch) => {
    expectRoundTripWithValues(patch, sessionPatchV221ToV230, sessionPatchV230ToV221);
  });

  it.each(patches230)("2.3.0 SessionPatch %s → 2.2.1 → 2.3.0", (_, patch) => {
    expectRoundTripWithValues(patch, sessionPatchV230ToV221, sessionPatchV221ToV230);
  });

  it("the full 2.2.1 Session loses on the way to 2.1.1 exactly what 2.1.1 cannot hold", () => {
    const { notes } = sessionV221ToV211(full221, { location });
    expect(pointersOf(notes, "dropped").sort()).toEqual(
      [
        "/country_code",
        "/party_id",
        "/authorization_reference",
        "/cdr_token/country_code",
        "/cdr_token/party_id",
        "/cdr_token/uid",
        "/cdr_token/type",
        "/charging_periods/0/tariff_id",
        "/charging_periods/1/dimensions/1",
        "/charging_periods/1/dimensions/2",
        "/total_cost/incl_vat",
      ].sort(),
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 2.1.1 ↔ 2.2.1

describe("Session 2.1.1 → 2.2.1", () => {
  const { value, notes } = sessionV211ToV221(full211, upContext);

  it("renames the date fields, takes the owner and the token from the context", () => {
    expect(value).toMatchObject({
      country_code: "BE",
      party_id: "CHG",
      start_date_time: full211.start_datetime,
      end_date_time: full211.end_datetime,
      cdr_token: { ...token, contract_id: full211.auth_id },
    });
    expect(value).not.toHaveProperty("start_datetime");
    expect(pointersOf(notes, "changed")).toEqual(expect.arrayContaining(["/start_datetime", "/end_datetime", "/auth_id"]));
    expect(pointersOf(notes, "defaulted")).toEqual(expect.arrayContaining(["/country_code", "/party_id", "/cdr_token/uid", "/cdr_token/type"]));
  });

  it("names the Location, EVSE and connector by id, dropping the rest of the Location", () => {
    expect(value).toMatchObject({ location_id: "LOC-GENT-017", evse_uid: "EVSE-017-02", connector_id: "2" });
    expect(value).not.toHaveProperty("location");
    expect(pointersOf(notes, "changed")).toEqual(expect.arrayContaining(["/location/id", "/location/evses/0/uid", "/location/evses/0/connectors/0/id"]));
    expect(pointersOf(notes, "dropped")).toEqual(
      expect.arrayContaining([
        "/location/type",
        "/location/name",
        "/location/coordinates",
        "/location/evses/0/evse_id",
        "/location/evses/0/connectors/0/standard",
      ]),
    );
  });

  it("makes total_cost a Price excluding VAT", () => {
    expect(value.total_cost).toEqual({ excl_vat: 4.1 });
    expect(pointersOf(notes, "changed")).toContain("/total_cost");
  });

  it("takes the first EVSE and connector as the ones used, #NA when there is none", () => {
    const several = sessionV211ToV221({ ...full211, location }, upContext);
    expect(several.value).toMatchObject({ evse_uid: "EVSE-017-01", connector_id: "1" });
    expect(pointersOf(several.notes, "dropped")).toEqual(expect.arrayContaining(["/location/evses/1", "/location/evses/0/connectors/1"]));
    const { evses: _e, ...bare } = full211.location;
    const none = sessionV211ToV221({ ...full211, location: bare }, upContext);
    expectValid("2.2.1", "Session", none.value);
    expect(none.value).toMatchObject({ evse_uid: "#NA", connector_id: "#NA" });
    expect(pointersOf(none.notes, "defaulted")).toEqual(expect.arrayContaining(["/evse_uid", "/connector_id"]));
  });

  it("drops FLAT dimensions, and a period left without any", () => {
    const session: V211.Session = {
      ...full211,
      charging_periods: [
        {
          start_date_time: full211.start_datetime,
          dimensions: [
            { type: "FLAT", volume: 1 },
            { type: "ENERGY", volume: 2 },
          ],
        },
        { start_date_time: "2024-05-14T08:00:00Z", dimensions: [{ type: "FLAT", volume: 1 }] },
      ],
    };
    const result = sessionV211ToV221(session, upContext);
    expect(result.value.charging_periods).toEqual([{ start_date_time: full211.start_datetime, dimensions: [{ type: "ENERGY", volume: 2 }] }]);
    expect(pointersOf(result.notes, "dropped")).toEqual(expect.arrayContaining(["/charging_periods/0/dimensions/0", "/charging_periods/1"]));
  });

  it("passes unknown fields through without a note, but one named as a field the target fills", () => {
    const result = sessionV211ToV221({ ...full211, x_vendor: "v", party_id: "XXX", cdr_token: 1 } as V211.Session, upContext);
    expect(result.value).toHaveProperty("x_vendor", "v");
    expect(result.value).toMatchObject({ party_id: "CHG", cdr_token: { uid: token.uid } });
    expect(result.notes.some((n) => n.pointer === "/x_vendor")).toBe(false);
    expect(pointersOf(result.notes, "dropped")).toEqual(expect.arrayContaining(["/party_id", "/cdr_token"]));
  });

  it("shortens an EVSE uid longer than 2.2.1 allows, as the locations module does", () => {
    const long = structuredClone(full211.location);
    (long.evses?.[0] as V211.EVSE).uid = `${"E".repeat(36)}-02`;
    const result = sessionV211ToV221({ ...full211, location: long }, upContext);
    expectValid("2.2.1", "Session", result.value);
    expect(result.value.evse_uid).toBe("E".repeat(36));
    expect(result.notes.filter((n) => n.pointer === "/location/evses/0/uid").map((n) => n.kind)).toEqual(["changed", "changed"]);
  });
});

describe("Session 2.2.1 → 2.1.1", () => {
  const { value, notes } = sessionV221ToV211(full221, { location });

  it("embeds the given Location trimmed to the EVSE and connector used", () => {
    expect(value.location.id).toBe("LOC-GENT-017");
    expect(value.location.evses?.map((e) => e.uid)).toEqual(["EVSE-017-02"]);
    expect(value.location.evses?.[0]?.connectors.map((c) => c.id)).toEqual(["2"]);
    expect(pointersOf(notes, "defaulted")).toEqual(["/location"]);
    expect(pointersOf(notes, "changed")).toEqual(expect.arrayContaining(["/location_id", "/evse_uid", "/connector_id"]));
    expect(location.evses).toHaveLength(2);
  });

  it("renames the date fields, contract_id as auth_id, maps COMMAND and keeps excl_vat", () => {
    expect(value).toMatchObject({
      start_datetime: full221.start_date_time,
      end_datetime: full221.end_date_time,
      auth_id: "NL-VLT-C55120-3",
      auth_method: "AUTH_REQUEST",
      total_cost: 4.1,
    });
    expect(pointersOf(notes, "changed")).toEqual(
      expect.arrayContaining(["/start_date_time", "/end_date_time", "/cdr_token/contract_id", "/auth_method", "/total_cost"]),
    );
  });

  it("maps RESERVATION to PENDING and sends the Location without EVSEs for #NA", () => {
    const result = sessionV221ToV211(reservation221, { location });
    expectValid("2.1.1", "Session", result.value);
    expect(result.value.status).toBe("PENDING");
    expect(result.value.location).not.toHaveProperty("evses");
    expect(pointersOf(result.notes, "changed")).toContain("/status");
    expect(pointersOf(result.notes, "dropped")).toEqual(expect.arrayContaining(["/evse_uid", "/connector_id"]));
  });

  it("drops a non-ASCII meter id", () => {
    const result = sessionV221ToV211({ ...full221, meter_id: "Zähler-7" }, { location });
    expectValid("2.1.1", "Session", result.value);
    expect(result.value).not.toHaveProperty("meter_id");
    expect(pointersOf(result.notes, "dropped")).toContain("/meter_id");
  });
});

describe("SessionPatch 2.1.1 ↔ 2.2.1", () => {
  const [, completing] = patches211.find(([name]) => name.startsWith("session patch without last_updated")) ?? [];

  it("takes a missing last_updated from the context, and refuses without it", () => {
    const result = sessionPatchV211ToV221(completing as V211.SessionPatch, { last_updated: "2024-05-14T09:00:00Z" });
    expect(result.value).toEqual({ status: "COMPLETED", end_date_time: "2024-05-14T08:40:03Z", last_updated: "2024-05-14T09:00:00Z" });
    expect(pointersOf(result.notes, "defaulted")).toEqual(["/last_updated"]);
    expect(() => sessionPatchV211ToV221(completing as V211.SessionPatch)).toThrow(RangeError);
  });

  it("drops auth_id without a cdr_token context, location ids without a location context", () => {
    const up = sessionPatchV211ToV221({ auth_id: "X-1", last_updated: "2024-05-14T09:00:00Z" });
    expect(up.value).toEqual({ last_updated: "2024-05-14T09:00:00Z" });
    expect(pointersOf(up.notes, "dropped")).toEqual(["/auth_id"]);
    const down = sessionPatchV221ToV211({ location_id: "L", evse_uid: "E", connector_id: "1", last_updated: "2024-05-14T09:00:00Z" });
    expect(down.value).toEqual({ last_updated: "2024-05-14T09:00:00Z" });
    expect(pointersOf(down.notes, "dropped")).toEqual(["/location_id", "/evse_uid", "/connector_id"]);
  });

  it("carries location ids in the given Location", () => {
    const down = sessionPatchV221ToV211({ evse_uid: "EVSE-017-02", last_updated: "2024-05-14T09:00:00Z" }, { location });
    expectValid("2.1.1", "SessionPatch", down.value);
    expect(down.value.location?.evses?.map((e) => e.uid)).toEqual(["EVSE-017-02"]);
    expect(down.value.location?.evses?.[0]?.connectors).toHaveLength(2);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 2.2.1 ↔ 2.3.0 and chained

describe("Session 2.2.1 ↔ 2.3.0", () => {
  it("turns incl_vat into a VAT tax and back", () => {
    const up = sessionV221ToV230(full221);
    expect(up.value.total_cost).toEqual({ before_taxes: 4.1, taxes: [{ name: "VAT", amount: 0.86 }] });
    expect(up.notes.map((n) => [n.kind, n.pointer])).toEqual([
      ["changed", "/total_cost/excl_vat"],
      ["changed", "/total_cost/incl_vat"],
      ["defaulted", "/total_cost/taxes/0/name"],
    ]);
    expect(sessionV230ToV221(up.value).value).toEqual(full221);
  });

  it("sums named taxes into incl_vat, dropping what 2.2.1 cannot hold", () => {
    const down = sessionV230ToV221(full230);
    expect(down.value.total_cost).toEqual({ excl_vat: 4.1, incl_vat: 4.96 });
    expect(pointersOf(down.notes, "dropped")).toEqual(["/total_cost/taxes/0/name", "/total_cost/taxes/0/account_number", "/total_cost/taxes/0/percentage"]);
  });

  it("maps token types 2.2.1 lacks to OTHER", () => {
    const session = structuredClone(full230);
    session.cdr_token.type = "EMAID";
    const result = sessionV230ToV221(session);
    expect(result.value.cdr_token.type).toBe("OTHER");
    expect(pointersOf(result.notes, "changed")).toContain("/cdr_token/type");
  });
});

describe("Session 2.1.1 ↔ 2.3.0", () => {
  it("goes up in two steps, the notes pointing into the 2.1.1 source", () => {
    const { value, notes } = sessionV211ToV230(full211, upContext);
    expect(value.total_cost).toEqual({ before_taxes: 4.1 });
    expect(notes.filter((n) => n.pointer.startsWith("/total_cost")).map((n) => n.pointer)).toEqual(["/total_cost", "/total_cost"]);
  });

  it("goes down in two steps, the notes pointing into the 2.3.0 source", () => {
    const { value, notes } = sessionV230ToV211(full230, { location });
    expect(value.total_cost).toBe(4.1);
    expect(pointersOf(notes, "dropped")).toContain("/total_cost/taxes");
    expect(pointersOf(notes, "dropped")).not.toContain("/total_cost/incl_vat");
    expect(pointersOf(notes, "dropped").filter((p) => p.startsWith("/total_cost/taxes/"))).toEqual([]);
  });
});
