import type * as V211 from "@ocpi-sdk/types/2.1.1";
import type * as V221 from "@ocpi-sdk/types/2.2.1";
import type * as V230 from "@ocpi-sdk/types/2.3.0";
import { describe, expect, it } from "vitest";
import {
  credentialsV211ToV221,
  credentialsV211ToV230,
  credentialsV221ToV211,
  credentialsV221ToV230,
  credentialsV230ToV211,
  credentialsV230ToV221,
} from "./credentials.js";
import {
  describeConversions,
  describeRoundTrips,
  expectRoundTrip,
  expectValid,
  fixturesOf,
  pointersOf,
  sortNotes,
  type ConversionCase,
  type RoundTripCase,
} from "./testing/support.js";

const { fixture } = fixturesOf("credentials");

// ---------------------------------------------------------------------------------------------------------------

const CPO_211 = fixture<V211.Credentials>("2.1.1", "Credentials", "credentials with full business details");
const TWO_ROLES_221 = fixture<V221.Credentials>("2.2.1", "Credentials", "credentials of a platform with two roles");
const CPO_221 = fixture<V221.Credentials>("2.2.1", "Credentials", "credentials of a CPO");
const HUB_ROLE_221 = fixture<V221.CredentialsRole>("2.2.1", "CredentialsRole", "credentials role");
const HUB_230 = fixture<V230.Credentials>("2.3.0", "Credentials", "credentials of a hub");

const CONVERSIONS: ConversionCase[] = [
  {
    schema: "Credentials",
    from: "2.1.1",
    to: "2.2.1",
    convert: (c: V211.Credentials) => credentialsV211ToV221(c, { role: "CPO" }),
  },
  { schema: "Credentials", from: "2.2.1", to: "2.1.1", convert: (c: V221.Credentials) => credentialsV221ToV211(c) },
  { schema: "Credentials", from: "2.2.1", to: "2.3.0", convert: credentialsV221ToV230 },
  { schema: "Credentials", from: "2.3.0", to: "2.2.1", convert: credentialsV230ToV221 },
  {
    schema: "Credentials",
    from: "2.1.1",
    to: "2.3.0",
    convert: (c: V211.Credentials) => credentialsV211ToV230(c, { role: "EMSP" }),
  },
  { schema: "Credentials", from: "2.3.0", to: "2.1.1", convert: (c: V230.Credentials) => credentialsV230ToV211(c) },
];

describeConversions("credentials", CONVERSIONS);

const TRIPS: RoundTripCase[] = [
  {
    schema: "Credentials",
    path: "2.2.1 → 2.1.1 → 2.2.1",
    version: "2.2.1",
    there: (c: V221.Credentials) => credentialsV221ToV211(c),
    back: (c: V211.Credentials, original: V221.Credentials) => credentialsV211ToV221(c, { role: original.roles[0]!.role }),
  },
  {
    schema: "Credentials",
    path: "2.2.1 → 2.3.0 → 2.2.1",
    version: "2.2.1",
    there: credentialsV221ToV230,
    back: credentialsV230ToV221,
  },
  {
    schema: "Credentials",
    path: "2.3.0 → 2.2.1 → 2.3.0",
    version: "2.3.0",
    there: credentialsV230ToV221,
    back: credentialsV221ToV230,
  },
];

describeRoundTrips("credentials", TRIPS);

it("the 2.2.1 → 2.3.0 → 2.2.1 round trip keeps a HUB role", () => {
  const hub: V221.Credentials = { ...CPO_221, roles: [HUB_ROLE_221, ...TWO_ROLES_221.roles] };
  expectRoundTrip(hub, credentialsV221ToV230, credentialsV230ToV221);
  expect(credentialsV230ToV221(credentialsV221ToV230(hub).value).value).toStrictEqual(hub);
});

// ---------------------------------------------------------------------------------------------------------------

describe("Credentials 2.1.1 ↔ 2.2.1", () => {
  it("2.1.1 → 2.2.1 moves the party into one role, whose role comes from the context", () => {
    const { value, notes } = credentialsV211ToV221(CPO_211, { role: "EMSP" });
    expect(value).toStrictEqual({
      token: CPO_211.token,
      url: CPO_211.url,
      roles: [{ role: "EMSP", business_details: CPO_211.business_details, party_id: "EXM", country_code: "BE" }],
    });
    expect(sortNotes(notes)).toStrictEqual(["changed /business_details", "changed /country_code", "changed /party_id", "defaulted /roles/0/role"]);
  });

  it("2.2.1 → 2.1.1 keeps the first role by default and drops the others", () => {
    const { value, notes } = credentialsV221ToV211(TWO_ROLES_221);
    expect(value).toStrictEqual({
      token: TWO_ROLES_221.token,
      url: TWO_ROLES_221.url,
      business_details: TWO_ROLES_221.roles[0]!.business_details,
      party_id: "EXA",
      country_code: "NL",
    });
    expect(sortNotes(notes)).toStrictEqual([
      "changed /roles/0/business_details",
      "changed /roles/0/country_code",
      "changed /roles/0/party_id",
      "dropped /roles/0/role",
      "dropped /roles/1",
    ]);
  });

  it("2.2.1 → 2.1.1 keeps the role the context names", () => {
    const { value, notes } = credentialsV221ToV211(TWO_ROLES_221, { role: "EMSP" });
    expect(value).toMatchObject({ party_id: "EXM", country_code: "BE" });
    expect(pointersOf(notes, "dropped")).toStrictEqual(["/roles/0", "/roles/1/role"]);
  });

  it("2.2.1 → 2.1.1 throws when no role plays the context's role", () => {
    expect(() => credentialsV221ToV211(TWO_ROLES_221, { role: "NSP" })).toThrow(RangeError);
  });

  it("2.2.1 → 2.1.1 throws on a token that is not printable ASCII", () => {
    expect(() => credentialsV221ToV211({ ...CPO_221, token: "jeton-é" })).toThrow(/token/);
  });

  it("2.2.1 → 2.1.1 transliterates a non-ASCII business name", () => {
    const credentials: V221.Credentials = {
      ...CPO_221,
      roles: [{ ...CPO_221.roles[0]!, business_details: { name: "Société Électrique" } }],
    };
    const { value, notes } = credentialsV221ToV211(credentials);
    expect(value.business_details).toStrictEqual({ name: "Societe Electrique" });
    expect(pointersOf(notes, "changed")).toContain("/roles/0/business_details/name");
    expectValid("2.1.1", "Credentials", value);
  });

  it("passes unknown fields through unnoted", () => {
    const credentials = { ...CPO_211, x_contact: "ops@example.com" };
    const up = credentialsV211ToV221(credentials, { role: "CPO" });
    expect(up.value).toMatchObject({ x_contact: "ops@example.com" });
    expect(credentialsV221ToV211(up.value).value).toMatchObject({ x_contact: "ops@example.com" });
  });
});

describe("Credentials 2.2.1 ↔ 2.3.0", () => {
  it("2.2.1 → 2.3.0 turns a HUB role into OTHER and gives its party as hub_party_id", () => {
    const credentials: V221.Credentials = { ...CPO_221, roles: [...CPO_221.roles, HUB_ROLE_221] };
    const { value, notes } = credentialsV221ToV230(credentials);
    expect(value).toStrictEqual({
      ...CPO_221,
      hub_party_id: "DEHUB",
      roles: [...CPO_221.roles, { ...HUB_ROLE_221, role: "OTHER" }],
    });
    expect(notes).toStrictEqual([{ kind: "changed", pointer: "/roles/1/role", detail: expect.any(String) }]);
  });

  it("2.2.1 → 2.3.0 throws on a token with white space", () => {
    expect(() => credentialsV221ToV230({ ...CPO_221, token: "two words" })).toThrow(RangeError);
  });

  it("2.3.0 → 2.2.1 turns the hub party's OTHER role into HUB", () => {
    const { value, notes } = credentialsV230ToV221(HUB_230);
    const { hub_party_id: _, ...rest } = HUB_230;
    expect(value).toStrictEqual({
      ...rest,
      roles: [HUB_230.roles[0], HUB_230.roles[1], { ...HUB_230.roles[2], role: "HUB" }],
    });
    expect(sortNotes(notes)).toStrictEqual(["changed /hub_party_id", "changed /roles/2/role"]);
  });

  it("2.3.0 → 2.2.1 drops a hub_party_id no role stands for", () => {
    const credentials: V230.Credentials = { ...HUB_230, roles: HUB_230.roles.slice(0, 2) };
    const { value, notes } = credentialsV230ToV221(credentials);
    expect(value).not.toHaveProperty("hub_party_id");
    expect(value.roles.map((r) => r.role)).toStrictEqual(["CPO", "EMSP"]);
    expect(notes).toStrictEqual([{ kind: "dropped", pointer: "/hub_party_id", detail: expect.any(String) }]);
  });

  it("2.3.0 → 2.2.1 maps an image category 2.2.1 lacks to OTHER", () => {
    const credentials = structuredClone(HUB_230);
    credentials.roles[0]!.business_details.logo!.category = "BANNER";
    const { value, notes } = credentialsV230ToV221(credentials);
    expect(value.roles[0]!.business_details.logo!.category).toBe("OTHER");
    expect(pointersOf(notes, "changed")).toContain("/roles/0/business_details/logo/category");
    expectValid("2.2.1", "Credentials", value);
  });
});

describe("Credentials across two steps", () => {
  it("2.3.0 → 2.1.1 keeps one role and leaves out notes about the roles it drops", () => {
    const { value, notes } = credentialsV230ToV211(HUB_230, { role: "EMSP" });
    expect(value).toStrictEqual({
      token: HUB_230.token,
      url: HUB_230.url,
      business_details: { name: "Xyz Mobilite" },
      party_id: "XYZ",
      country_code: "FR",
    });
    expect(sortNotes(notes)).toStrictEqual([
      "changed /hub_party_id",
      "changed /roles/1/business_details",
      "changed /roles/1/business_details/name",
      "changed /roles/1/country_code",
      "changed /roles/1/party_id",
      "dropped /roles/0",
      "dropped /roles/1/role",
      "dropped /roles/2",
    ]);
  });

  it("2.1.1 → 2.3.0 takes the role from the context", () => {
    const { value, notes } = credentialsV211ToV230(CPO_211, { role: "CPO" });
    expect(value.roles).toStrictEqual([{ role: "CPO", business_details: CPO_211.business_details, party_id: "EXM", country_code: "BE" }]);
    expect(value).not.toHaveProperty("hub_party_id");
    expect(pointersOf(notes, "defaulted")).toStrictEqual(["/roles/0/role"]);
  });
});
