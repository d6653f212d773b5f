import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type * as V211 from "@ocpi-sdk/types/2.1.1";
import type * as V221 from "@ocpi-sdk/types/2.2.1";
import type * as V230 from "@ocpi-sdk/types/2.3.0";
import { validators as v211 } from "@ocpi-sdk/validators/2.1.1";
import { validators as v221 } from "@ocpi-sdk/validators/2.2.1";
import { validators as v230 } from "@ocpi-sdk/validators/2.3.0";
import { describe, expect, it } from "vitest";
import type { CdrTokenContext } from "./cdrs.js";
import type { Conversion, ConversionNote, Owner } from "./conversion.js";
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

// ---------------------------------------------------------------------------------------------------------------
// Fixtures and helpers

const fixturesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../validators/fixtures");

function valid<T>(version: string, schema: string): [string, T][] {
  const file = JSON.parse(readFileSync(path.join(fixturesDir, version, "sessions.json"), "utf8")) as {
    valid: { name: string; schema: string; value: unknown }[];
  };
  return file.valid.filter((c) => c.schema === schema).map((c) => [c.name, c.value as T]);
}

const sessions211 = valid<V211.Session>("2.1.1", "Session");
const sessions221 = valid<V221.Session>("2.2.1", "Session");
const sessions230 = valid<V230.Session>("2.3.0", "Session");
const patches211 = valid<V211.SessionPatch>("2.1.1", "SessionPatch");
const patches221 = valid<V221.SessionPatch>("2.2.1", "SessionPatch");
const patches230 = valid<V230.SessionPatch>("2.3.0", "SessionPatch");
const preferences221 = valid<V221.ChargingPreferences>("2.2.1", "ChargingPreferences");
const preferences230 = valid<V230.ChargingPreferences>("2.3.0", "ChargingPreferences");

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const tokens = (pointer: string) => pointer.split("/").slice(1).map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));

function compareDescending(a: string, b: string): number {
  const [x, y] = [tokens(a), tokens(b)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const [p, q] = [x[i] as string, y[i] as string];
    if (p === q) continue;
    const [m, n] = [Number(p), Number(q)];
    if (Number.isInteger(m) && Number.isInteger(n)) return n - m;
    return q < p ? -1 : 1;
  }
  return y.length - x.length;
}

/** A copy of `value` without what the pointers point at (array items removed from the highest index down). */
function without<T>(value: T, pointers: string[]): T {
  const copy = structuredClone(value);
  for (const pointer of [...new Set(pointers)].sort(compareDescending)) {
    const keys = tokens(pointer);
    const last = keys.pop() as string;
    let node: unknown = copy;
    for (const key of keys) node = (node as Record<string, unknown> | undefined)?.[key];
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else if (node !== null && typeof node === "object") delete (node as Record<string, unknown>)[last];
  }
  return copy;
}

function setAt<T>(value: T, pointer: string, replacement: unknown): T {
  const keys = tokens(pointer);
  const last = keys.pop() as string;
  let node = value as Record<string, unknown>;
  for (const key of keys) node = node[key] as Record<string, unknown>;
  node[last] = replacement;
  return value;
}

const pointers = (notes: ConversionNote[], kind: ConversionNote["kind"]) =>
  notes.filter((n) => n.kind === kind).map((n) => n.pointer);

interface Checker {
  validate(value: unknown, options?: { strict?: boolean }): { ok: true } | { ok: false; errors: unknown[] };
}

function expectValid(validator: Checker, value: unknown, strict = true): void {
  const result = validator.validate(value, { strict });
  expect(result.ok ? [] : result.errors).toEqual([]);
}

/**
 * Down then up: the original comes back but for exactly what the way down noted as dropped. Fields the way up filled
 * from its context at those very pointers are left out of the comparison (the context refills them); `lossy` names
 * enum values mapped on the way down that cannot come back, which must have been noted as changed.
 */
function expectRoundTrip<A, B>(
  original: A,
  down: (value: A) => Conversion<B>,
  up: (value: B) => Conversion<A>,
  lossy: Record<string, unknown> = {},
): void {
  const there = down(original);
  const back = up(there.value);
  const dropped = pointers(there.notes, "dropped");
  const refilled = pointers(back.notes, "defaulted").filter((p) => dropped.includes(p));
  const expected = without(original, dropped);
  for (const [pointer, value] of Object.entries(lossy)) {
    expect(pointers(there.notes, "changed")).toContain(pointer);
    setAt(expected, pointer, value);
  }
  expect(without(back.value, refilled)).toEqual(expected);
}

const owner: Owner = { country_code: "BE", party_id: "CHG" };
const token: CdrTokenContext = { country_code: "BE", party_id: "CHG", uid: "04A7C2E91B5D80", type: "RFID" };
const upContext = { owner, cdr_token: token };
const ownerOf = (s: V221.Session): Owner => ({ country_code: s.country_code, party_id: s.party_id });
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
    expectValid(v221.Session, sessionV211ToV221(session, upContext).value);
    expectValid(v230.Session, sessionV211ToV230(session, upContext).value);
  });

  it.each(sessions221)("2.2.1 Session %s → 2.1.1 and 2.3.0", (_, session) => {
    deepFreeze(session);
    expectValid(v211.Session, sessionV221ToV211(session, { location }).value);
    expectValid(v230.Session, sessionV221ToV230(session).value);
  });

  it.each(sessions230)("2.3.0 Session %s → 2.2.1 and 2.1.1", (_, session) => {
    deepFreeze(session);
    expectValid(v221.Session, sessionV230ToV221(session).value);
    expectValid(v211.Session, sessionV230ToV211(session, { location }).value);
  });

  it.each(patches211)("2.1.1 SessionPatch %s → 2.2.1 and 2.3.0", (_, patch) => {
    deepFreeze(patch);
    const context = { cdr_token: token, last_updated: "2024-05-14T09:00:00Z" };
    expectValid(v221.SessionPatch, sessionPatchV211ToV221(patch, context).value);
    expectValid(v230.SessionPatch, sessionPatchV211ToV230(patch, context).value);
  });

  it.each(patches221)("2.2.1 SessionPatch %s → 2.1.1 and 2.3.0", (_, patch) => {
    deepFreeze(patch);
    expectValid(v211.SessionPatch, sessionPatchV221ToV211(patch, { location }).value);
    expectValid(v230.SessionPatch, sessionPatchV221ToV230(patch).value);
  });

  it.each(patches230)("2.3.0 SessionPatch %s → 2.2.1 and 2.1.1", (_, patch) => {
    deepFreeze(patch);
    expectValid(v221.SessionPatch, sessionPatchV230ToV221(patch).value);
    expectValid(v211.SessionPatch, sessionPatchV230ToV211(patch).value);
  });

  it.each(preferences221)("2.2.1 ChargingPreferences %s → 2.3.0", (_, preferences) => {
    const result = chargingPreferencesV221ToV230(deepFreeze(preferences));
    expectValid(v230.ChargingPreferences, result.value);
    expect(result).toEqual({ value: preferences, notes: [] });
  });

  it.each(preferences230)("2.3.0 ChargingPreferences %s → 2.2.1", (_, preferences) => {
    const result = chargingPreferencesV230ToV221(deepFreeze(preferences));
    expectValid(v221.ChargingPreferences, result.value);
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
    expectRoundTrip(
      session,
      (s) => sessionV221ToV211(s, { location }),
      (s) => sessionV211ToV221(s, { owner: ownerOf(session), cdr_token: tokenOf(session) }),
      lossyIn211(session),
    );
  });

  it.each(sessions221)("2.2.1 Session %s → 2.3.0 → 2.2.1", (_, session) => {
    expectRoundTrip(session, sessionV221ToV230, sessionV230ToV221);
  });

  it.each(sessions230)("2.3.0 Session %s → 2.2.1 → 2.3.0", (_, session) => {
    expectRoundTrip(session, sessionV230ToV221, sessionV221ToV230);
  });

  it.each(patches221)("2.2.1 SessionPatch %s → 2.1.1 → 2.2.1", (_, patch) => {
    expectRoundTrip(
      patch,
      (p) => sessionPatchV221ToV211(p, { location }),
      (p) => sessionPatchV211ToV221(p, { cdr_token: token }),
      lossyIn211(patch),
    );
  });

  it.each(patches221)("2.2.1 SessionPatch %s → 2.3.0 → 2.2.1", (_, patch) => {
    expectRoundTrip(patch, sessionPatchV221ToV230, sessionPatchV230ToV221);
  });

  it.each(patches230)("2.3.0 SessionPatch %s → 2.2.1 → 2.3.0", (_, patch) => {
    expectRoundTrip(patch, sessionPatchV230ToV221, sessionPatchV221ToV230);
  });

  it("the full 2.2.1 Session loses on the way to 2.1.1 exactly what 2.1.1 cannot hold", () => {
    const { notes } = sessionV221ToV211(full221, { location });
    expect(pointers(notes, "dropped").sort()).toEqual(
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
    expect(pointers(notes, "changed")).toEqual(expect.arrayContaining(["/start_datetime", "/end_datetime", "/auth_id"]));
    expect(pointers(notes, "defaulted")).toEqual(
      expect.arrayContaining(["/country_code", "/party_id", "/cdr_token/uid", "/cdr_token/type"]),
    );
  });

  it("names the Location, EVSE and connector by id, dropping the rest of the Location", () => {
    expect(value).toMatchObject({ location_id: "LOC-GENT-017", evse_uid: "EVSE-017-02", connector_id: "2" });
    expect(value).not.toHaveProperty("location");
    expect(pointers(notes, "changed")).toEqual(
      expect.arrayContaining(["/location/id", "/location/evses/0/uid", "/location/evses/0/connectors/0/id"]),
    );
    expect(pointers(notes, "dropped")).toEqual(
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
    expect(pointers(notes, "changed")).toContain("/total_cost");
  });

  it("takes the first EVSE and connector as the ones used, #NA when there is none", () => {
    const several = sessionV211ToV221({ ...full211, location }, upContext);
    expect(several.value).toMatchObject({ evse_uid: "EVSE-017-01", connector_id: "1" });
    expect(pointers(several.notes, "dropped")).toEqual(
      expect.arrayContaining(["/location/evses/1", "/location/evses/0/connectors/1"]),
    );
    const { evses: _e, ...bare } = full211.location;
    const none = sessionV211ToV221({ ...full211, location: bare }, upContext);
    expectValid(v221.Session, none.value);
    expect(none.value).toMatchObject({ evse_uid: "#NA", connector_id: "#NA" });
    expect(pointers(none.notes, "defaulted")).toEqual(expect.arrayContaining(["/evse_uid", "/connector_id"]));
  });

  it("drops FLAT dimensions, and a period left without any", () => {
    const session: V211.Session = {
      ...full211,
      charging_periods: [
        { start_date_time: full211.start_datetime, dimensions: [{ type: "FLAT", volume: 1 }, { type: "ENERGY", volume: 2 }] },
        { start_date_time: "2024-05-14T08:00:00Z", dimensions: [{ type: "FLAT", volume: 1 }] },
      ],
    };
    const result = sessionV211ToV221(session, upContext);
    expect(result.value.charging_periods).toEqual([
      { start_date_time: full211.start_datetime, dimensions: [{ type: "ENERGY", volume: 2 }] },
    ]);
    expect(pointers(result.notes, "dropped")).toEqual(
      expect.arrayContaining(["/charging_periods/0/dimensions/0", "/charging_periods/1"]),
    );
  });

  it("passes unknown fields through without a note, but one named as a field the target fills", () => {
    const result = sessionV211ToV221({ ...full211, x_vendor: "v", party_id: "XXX", cdr_token: 1 } as V211.Session, upContext);
    expect(result.value).toHaveProperty("x_vendor", "v");
    expect(result.value).toMatchObject({ party_id: "CHG", cdr_token: { uid: token.uid } });
    expect(result.notes.some((n) => n.pointer === "/x_vendor")).toBe(false);
    expect(pointers(result.notes, "dropped")).toEqual(expect.arrayContaining(["/party_id", "/cdr_token"]));
  });

  it("shortens an EVSE uid longer than 2.2.1 allows, as the locations module does", () => {
    const long = structuredClone(full211.location);
    (long.evses?.[0] as V211.EVSE).uid = `${"E".repeat(36)}-02`;
    const result = sessionV211ToV221({ ...full211, location: long }, upContext);
    expectValid(v221.Session, result.value);
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
    expect(pointers(notes, "defaulted")).toEqual(["/location"]);
    expect(pointers(notes, "changed")).toEqual(expect.arrayContaining(["/location_id", "/evse_uid", "/connector_id"]));
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
    expect(pointers(notes, "changed")).toEqual(
      expect.arrayContaining(["/start_date_time", "/end_date_time", "/cdr_token/contract_id", "/auth_method", "/total_cost"]),
    );
  });

  it("maps RESERVATION to PENDING and sends the Location without EVSEs for #NA", () => {
    const result = sessionV221ToV211(reservation221, { location });
    expectValid(v211.Session, result.value);
    expect(result.value.status).toBe("PENDING");
    expect(result.value.location).not.toHaveProperty("evses");
    expect(pointers(result.notes, "changed")).toContain("/status");
    expect(pointers(result.notes, "dropped")).toEqual(expect.arrayContaining(["/evse_uid", "/connector_id"]));
  });

  it("drops a non-ASCII meter id", () => {
    const result = sessionV221ToV211({ ...full221, meter_id: "Zähler-7" }, { location });
    expectValid(v211.Session, result.value);
    expect(result.value).not.toHaveProperty("meter_id");
    expect(pointers(result.notes, "dropped")).toContain("/meter_id");
  });
});

describe("SessionPatch 2.1.1 ↔ 2.2.1", () => {
  const [, completing] = patches211.find(([name]) => name.startsWith("session patch without last_updated")) ?? [];

  it("takes a missing last_updated from the context, and refuses without it", () => {
    const result = sessionPatchV211ToV221(completing as V211.SessionPatch, { last_updated: "2024-05-14T09:00:00Z" });
    expect(result.value).toEqual({ status: "COMPLETED", end_date_time: "2024-05-14T08:40:03Z", last_updated: "2024-05-14T09:00:00Z" });
    expect(pointers(result.notes, "defaulted")).toEqual(["/last_updated"]);
    expect(() => sessionPatchV211ToV221(completing as V211.SessionPatch)).toThrow(RangeError);
  });

  it("drops auth_id without a cdr_token context, location ids without a location context", () => {
    const up = sessionPatchV211ToV221({ auth_id: "X-1", last_updated: "2024-05-14T09:00:00Z" });
    expect(up.value).toEqual({ last_updated: "2024-05-14T09:00:00Z" });
    expect(pointers(up.notes, "dropped")).toEqual(["/auth_id"]);
    const down = sessionPatchV221ToV211({ location_id: "L", evse_uid: "E", connector_id: "1", last_updated: "2024-05-14T09:00:00Z" });
    expect(down.value).toEqual({ last_updated: "2024-05-14T09:00:00Z" });
    expect(pointers(down.notes, "dropped")).toEqual(["/location_id", "/evse_uid", "/connector_id"]);
  });

  it("carries location ids in the given Location", () => {
    const down = sessionPatchV221ToV211({ evse_uid: "EVSE-017-02", last_updated: "2024-05-14T09:00:00Z" }, { location });
    expectValid(v211.SessionPatch, down.value);
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
    expect(pointers(down.notes, "dropped")).toEqual([
      "/total_cost/taxes/0/name",
      "/total_cost/taxes/0/account_number",
      "/total_cost/taxes/0/percentage",
    ]);
  });

  it("maps token types 2.2.1 lacks to OTHER", () => {
    const session = structuredClone(full230);
    session.cdr_token.type = "EMAID";
    const result = sessionV230ToV221(session);
    expect(result.value.cdr_token.type).toBe("OTHER");
    expect(pointers(result.notes, "changed")).toContain("/cdr_token/type");
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
    expect(pointers(notes, "dropped")).toContain("/total_cost/taxes");
    expect(pointers(notes, "dropped")).not.toContain("/total_cost/incl_vat");
    expect(pointers(notes, "dropped").filter((p) => p.startsWith("/total_cost/taxes/"))).toEqual([]);
  });
});
