import { OCPI_VERSIONS } from "@ocpi-sdk/protocol";
import type * as V211 from "@ocpi-sdk/types/2.1.1";
import type * as V221 from "@ocpi-sdk/types/2.2.1";
import { describe, expect, it } from "vitest";
import { locationV221ToV211 } from "./locations.js";
import {
  CONVERTIBLE,
  conversionName,
  convertObject,
  converterFor,
  convertPatch,
  needsCurrent,
  partyContext,
  type ConversionContext,
  type OcpiVersion,
} from "./registry.js";
import { expectValid, fixturesOf, validFixtures, type Fixture } from "./testing/support.js";

// Every version the SDK implements: a version added to @ocpi-sdk/protocol is converted to and from here too.
const VERSIONS: readonly OcpiVersion[] = OCPI_VERSIONS;
const MODULES = ["locations", "sessions", "cdrs", "tariffs", "tokens", "credentials", "commands"];

/** What 2.1.1 calls the objects the registry names otherwise. */
const NAME_IN = (version: OcpiVersion, name: string) => (version === "2.1.1" && name === "CommandResult" ? "CommandResponse" : name);

const fixturesFor = (version: OcpiVersion, name: string): Fixture[] =>
  MODULES.flatMap((m) => validFixtures(version, m)).filter((f) => f.schema === NAME_IN(version, name));

const location211 = fixturesOf("locations").fixtures<V211.Location>("2.1.1", "Location")[0]!.value;
const token221 = fixturesOf("tokens").fixtures<V221.Token>("2.2.1", "Token")[0]!.value;
const CONTEXT: ConversionContext = {
  owner: { country_code: "NL", party_id: "TNM" },
  cdr_token: { country_code: "NL", party_id: "TNM", uid: "012345678", type: "RFID" },
  location: location211,
  token: token221,
  role: "CPO",
  last_updated: "2024-05-14T09:00:00Z",
};

const PAIRS = CONVERTIBLE.flatMap((name) =>
  VERSIONS.flatMap((from) => VERSIONS.filter((to) => to !== from).map((to) => ({ name, from, to }))).filter(({ name, from, to }) =>
    converterFor(name, from, to),
  ),
);

describe("the registry", () => {
  it("has a converter for every convertible object between every two versions that both have it", () => {
    const missing = CONVERTIBLE.flatMap((name) =>
      VERSIONS.flatMap((from) => VERSIONS.map((to) => ({ name, from, to }))).filter(
        ({ name, from, to }) => from !== to && fixturesFor(from, name).length > 0 && fixturesFor(to, name).length > 0 && !converterFor(name, from, to),
      ),
    );
    expect(missing).toEqual([]);
  });

  describe.each(PAIRS)("$name $from → $to", ({ name, from, to }) => {
    const cases = fixturesFor(from, name).map((f) => [f.name, f.value] as const);
    it.skipIf(cases.length === 0).each(cases)("%s converts to a valid object of the target version", (_, value) => {
      const { value: converted, notes } = convertObject(name, from, to, value, CONTEXT);
      // An object the target version cannot hold at all (a connector standard it lacks) converts to nothing, and
      // the notes say why.
      if (converted === undefined) expect(notes.map((n) => n.kind)).toContain("dropped");
      else expectValid(to, NAME_IN(to, name), converted);
    });
  });

  it.each([
    ["Location", "2.1.1", "2.2.1", "context.owner"],
    ["Session", "2.1.1", "2.3.0", "context.owner and context.cdr_token"],
    ["Session", "2.2.1", "2.1.1", "context.location"],
    ["AuthorizationInfo", "2.1.1", "2.2.1", "context.token"],
    ["Credentials", "2.1.1", "2.2.1", "context.role"],
  ] as const)("a %s from %s to %s without %s is a RangeError naming it", (name, from, to, needs) => {
    const value = fixturesFor(from, name)[0]!.value;
    expect(() => convertObject(name, from, to, value)).toThrow(new RangeError(`converting a ${name} from ${from} to ${to} needs ${needs}`));
  });

  it("has no converter for what a version lacks, and says so", () => {
    expect(converterFor("CancelReservation", "2.2.1", "2.1.1")).toBeUndefined();
    expect(converterFor("Terminal", "2.3.0", "2.2.1")).toBeUndefined();
    expect(() => convertObject("Terminal", "2.3.0", "2.2.1", {})).toThrow("no converter for Terminal from 2.3.0 to 2.2.1");
  });

  it("copies within one version, and carries a CDR's tariffs through the Tariff converter", () => {
    const location = fixturesFor("2.2.1", "Location")[0]!.value;
    const same = convertObject("Location", "2.2.1", "2.2.1", location);
    expect(same).toEqual({ value: location, notes: [] });
    expect(same.value).not.toBe(location);

    const cdr = fixturesFor("2.2.1", "CDR").find((f) => (f.value as V221.CDR).tariffs?.length)!.value as V221.CDR;
    const down = convertObject("CDR", "2.2.1", "2.3.0", cdr, CONTEXT).value as { tariffs: unknown[] };
    expect(down.tariffs).toHaveLength(cdr.tariffs!.length);
  });

  it("gives what the named converter gives", () => {
    const location = fixturesFor("2.2.1", "Location")[0]!.value as V221.Location;
    expect(convertObject("Location", "2.2.1", "2.1.1", location)).toEqual(locationV221ToV211(location));
  });
});

describe("convertPatch", () => {
  const held = (): V221.Location => {
    const location = structuredClone(fixturesFor("2.2.1", "Location").find((f) => (f.value as V221.Location).evses?.length)!.value as V221.Location);
    location.publish = false;
    location.parking_type = "ON_STREET";
    return location;
  };
  const context = { ...CONTEXT, owner: { country_code: held().country_code, party_id: held().party_id } };

  it.each([
    ["a field both versions have", { name: "Noord" }, { name: "Noord" }],
    ["a field 2.2.1 names otherwise", { type: "PARKING_GARAGE" }, { parking_type: "PARKING_GARAGE" }],
    ["with its own last_updated", { name: "Noord", last_updated: "2025-01-01T00:00:00Z" }, { name: "Noord", last_updated: "2025-01-01T00:00:00Z" }],
  ])("a 2.1.1 Location patch of %s changes only that in 2.2.1", (_, patch, expected) => {
    const { value } = convertPatch("Location", "2.1.1", "2.2.1", patch, held() as never, context);
    expect(value).toEqual({ last_updated: CONTEXT.last_updated, ...expected });
  });

  it("leaves alone what 2.1.1 cannot hold, in the EVSE it patches", () => {
    const evse = held().evses![0]!;
    evse.parking_restrictions = ["EV_ONLY"];
    evse.status = "AVAILABLE";
    const { value } = convertPatch("EVSE", "2.1.1", "2.2.1", { status: "CHARGING" }, evse as never, context);
    expect(value).toEqual({ status: "CHARGING", last_updated: CONTEXT.last_updated });
  });

  it("converts a SessionPatch alone, and lets the caller refuse a patch that breaks the object", () => {
    expect(needsCurrent("Session", "2.1.1", "2.2.1")).toBe(false);
    expect(convertPatch("Session", "2.1.1", "2.2.1", { status: "COMPLETED" }, undefined, context).value).toEqual({
      status: "COMPLETED",
      last_updated: CONTEXT.last_updated,
    });
    expect(needsCurrent("Location", "2.1.1", "2.2.1")).toBe(true);
    expect(() => convertPatch("Location", "2.1.1", "2.2.1", { name: "x" }, undefined, context)).toThrow(
      "converting a LocationPatch from 2.1.1 to 2.2.1 needs the Location held",
    );
    const refuse = (merged: Record<string, unknown>) => {
      if (String(merged.postal_code).length > 10) throw new Error("/postal_code too long");
    };
    expect(() => convertPatch("Location", "2.1.1", "2.2.1", { postal_code: "x".repeat(11) }, held() as never, context, refuse)).toThrow(
      "/postal_code too long",
    );
  });
});

describe("partyContext and conversionName", () => {
  const cpo = { country_code: "NL", party_id: "CPO" };
  const msp = { country_code: "NL", party_id: "MSP" };
  it.each([
    ["a 2.1.1 Session names its token's eMSP", "Session", "2.1.1", { auth_id: "A1" }, { owner: cpo, cdr_token: { uid: "A1", type: "RFID", ...msp } }],
    ["a 2.1.1 CDR likewise", "CDR", "2.1.1", { auth_id: "A2" }, { owner: cpo, cdr_token: { uid: "A2", type: "RFID", ...msp } }],
    ["a 2.2.1 Session needs no token", "Session", "2.2.1", { auth_id: "A1" }, { owner: cpo }],
    ["a 2.1.1 Location only its owner", "Location", "2.1.1", { id: "L1" }, { owner: cpo }],
  ] as const)("%s", (_, name, from, value, expected) => {
    expect(partyContext(name, from, value, { owner: { ...cpo, role: "CPO" } as never, tokenOwner: msp })).toEqual(expected);
  });

  it.each([
    [{ name: "CommandResponse", version: "2.1.1" }, { name: "CommandResult", version: "2.2.1" }, "CommandResult"],
    [{ name: "CommandResult", version: "2.3.0" }, { name: "CommandResponse", version: "2.1.1" }, "CommandResult"],
    [{ name: "Location", version: "2.2.1" }, { name: "Location", version: "2.3.0" }, "Location"],
  ] as const)("names %j ↔ %j by %s", (a, b, expected) => {
    expect(conversionName(a, b)).toBe(expected);
    expect(conversionName(b, a)).toBe(expected);
  });
});
