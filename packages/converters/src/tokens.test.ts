import type * as V211 from "@ocpi-sdk/types/2.1.1";
import type * as V221 from "@ocpi-sdk/types/2.2.1";
import type * as V230 from "@ocpi-sdk/types/2.3.0";
import { describe, expect, it } from "vitest";
import type { Owner } from "./conversion.js";
import {
  authorizationInfoV211ToV221,
  authorizationInfoV211ToV230,
  authorizationInfoV221ToV211,
  authorizationInfoV221ToV230,
  authorizationInfoV230ToV211,
  authorizationInfoV230ToV221,
  locationReferencesV211ToV221,
  locationReferencesV211ToV230,
  locationReferencesV221ToV211,
  locationReferencesV221ToV230,
  locationReferencesV230ToV211,
  locationReferencesV230ToV221,
  tokenV211ToV221,
  tokenV211ToV230,
  tokenV221ToV211,
  tokenV221ToV230,
  tokenV230ToV211,
  tokenV230ToV221,
} from "./tokens.js";
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

const { fixture } = fixturesOf("tokens");

// ---------------------------------------------------------------------------------------------------------------

const OWNER: Owner = { country_code: "NL", party_id: "EVC" };
const TOKEN_221 = fixture<V221.Token>("2.2.1", "Token", "full token");
const TOKEN_230 = fixture<V230.Token>("2.3.0", "Token", "ISO 15118 EMAID token");

const CONVERSIONS: ConversionCase[] = [
  { schema: "Token", from: "2.1.1", to: "2.2.1", convert: (t: V211.Token) => tokenV211ToV221(t, { owner: OWNER }) },
  { schema: "Token", from: "2.2.1", to: "2.1.1", convert: tokenV221ToV211 },
  { schema: "Token", from: "2.2.1", to: "2.3.0", convert: tokenV221ToV230 },
  { schema: "Token", from: "2.3.0", to: "2.2.1", convert: tokenV230ToV221 },
  { schema: "Token", from: "2.1.1", to: "2.3.0", convert: (t: V211.Token) => tokenV211ToV230(t, { owner: OWNER }) },
  { schema: "Token", from: "2.3.0", to: "2.1.1", convert: tokenV230ToV211 },
  {
    schema: "AuthorizationInfo",
    from: "2.1.1",
    to: "2.2.1",
    convert: (a: V211.AuthorizationInfo) => authorizationInfoV211ToV221(a, { token: TOKEN_221 }),
  },
  { schema: "AuthorizationInfo", from: "2.2.1", to: "2.1.1", convert: authorizationInfoV221ToV211 },
  { schema: "AuthorizationInfo", from: "2.2.1", to: "2.3.0", convert: authorizationInfoV221ToV230 },
  { schema: "AuthorizationInfo", from: "2.3.0", to: "2.2.1", convert: authorizationInfoV230ToV221 },
  {
    schema: "AuthorizationInfo",
    from: "2.1.1",
    to: "2.3.0",
    convert: (a: V211.AuthorizationInfo) => authorizationInfoV211ToV230(a, { token: TOKEN_230 }),
  },
  { schema: "AuthorizationInfo", from: "2.3.0", to: "2.1.1", convert: authorizationInfoV230ToV211 },
  { schema: "LocationReferences", from: "2.1.1", to: "2.2.1", convert: locationReferencesV211ToV221 },
  { schema: "LocationReferences", from: "2.2.1", to: "2.1.1", convert: locationReferencesV221ToV211 },
  { schema: "LocationReferences", from: "2.2.1", to: "2.3.0", convert: locationReferencesV221ToV230 },
  { schema: "LocationReferences", from: "2.3.0", to: "2.2.1", convert: locationReferencesV230ToV221 },
  { schema: "LocationReferences", from: "2.1.1", to: "2.3.0", convert: locationReferencesV211ToV230 },
  { schema: "LocationReferences", from: "2.3.0", to: "2.1.1", convert: locationReferencesV230ToV211 },
];

describeConversions("tokens", CONVERSIONS);

const TRIPS: RoundTripCase[] = [
  {
    schema: "Token",
    path: "2.2.1 → 2.1.1 → 2.2.1",
    version: "2.2.1",
    there: tokenV221ToV211,
    back: (t: V211.Token, original: V221.Token) => tokenV211ToV221(t, { owner: ownerOf(original) }),
    lossy: { "full token": ["/type"] },
  },
  { schema: "Token", path: "2.2.1 → 2.3.0 → 2.2.1", version: "2.2.1", there: tokenV221ToV230, back: tokenV230ToV221 },
  {
    schema: "Token",
    path: "2.3.0 → 2.2.1 → 2.3.0",
    version: "2.3.0",
    there: tokenV230ToV221,
    back: tokenV221ToV230,
    lossy: { "ISO 15118 EMAID token": ["/type"], "token with a type outside the known values": ["/type"] },
  },
  {
    schema: "AuthorizationInfo",
    path: "2.2.1 → 2.1.1 → 2.2.1",
    version: "2.2.1",
    there: authorizationInfoV221ToV211,
    back: (a: V211.AuthorizationInfo, original: V221.AuthorizationInfo) => authorizationInfoV211ToV221(a, { token: original.token }),
  },
  {
    schema: "AuthorizationInfo",
    path: "2.2.1 → 2.3.0 → 2.2.1",
    version: "2.2.1",
    there: authorizationInfoV221ToV230,
    back: authorizationInfoV230ToV221,
  },
  {
    schema: "AuthorizationInfo",
    path: "2.3.0 → 2.2.1 → 2.3.0",
    version: "2.3.0",
    there: authorizationInfoV230ToV221,
    back: authorizationInfoV221ToV230,
  },
  {
    schema: "LocationReferences",
    path: "2.2.1 → 2.1.1 → 2.2.1",
    version: "2.2.1",
    there: locationReferencesV221ToV211,
    back: locationReferencesV211ToV221,
  },
  {
    schema: "LocationReferences",
    path: "2.2.1 → 2.3.0 → 2.2.1",
    version: "2.2.1",
    there: locationReferencesV221ToV230,
    back: locationReferencesV230ToV221,
  },
  {
    schema: "LocationReferences",
    path: "2.3.0 → 2.2.1 → 2.3.0",
    version: "2.3.0",
    there: locationReferencesV230ToV221,
    back: locationReferencesV221ToV230,
  },
];

describeRoundTrips("tokens", TRIPS);

// ---------------------------------------------------------------------------------------------------------------

describe("Token", () => {
  it("2.1.1 → 2.2.1 renames auth_id to contract_id and takes the owner from the context", () => {
    const token = fixture<V211.Token>("2.1.1", "Token", "full token");
    const { value, notes } = tokenV211ToV221(token, { owner: { country_code: "BE", party_id: "ABC" } });
    expect(value).toStrictEqual({
      country_code: "BE",
      party_id: "ABC",
      uid: token.uid,
      type: "OTHER",
      contract_id: token.auth_id,
      visual_number: token.visual_number,
      issuer: token.issuer,
      valid: true,
      whitelist: "ALLOWED_OFFLINE",
      language: "nl",
      last_updated: token.last_updated,
    });
    expect(notes).toStrictEqual([
      { kind: "defaulted", pointer: "/country_code", detail: expect.any(String) },
      { kind: "defaulted", pointer: "/party_id", detail: expect.any(String) },
      { kind: "changed", pointer: "/auth_id", detail: "renamed to contract_id" },
    ]);
  });

  it("2.2.1 → 2.1.1 drops what 2.1.1 lacks and maps APP_USER to OTHER", () => {
    const { value, notes } = tokenV221ToV211(TOKEN_221);
    expect(value).toStrictEqual({
      uid: TOKEN_221.uid,
      type: "OTHER",
      auth_id: TOKEN_221.contract_id,
      visual_number: TOKEN_221.visual_number,
      issuer: TOKEN_221.issuer,
      valid: true,
      whitelist: "ALLOWED_OFFLINE",
      language: "nl",
      last_updated: TOKEN_221.last_updated,
    });
    expect(sortNotes(notes)).toStrictEqual([
      "changed /contract_id",
      "changed /type",
      "dropped /country_code",
      "dropped /default_profile_type",
      "dropped /energy_contract",
      "dropped /group_id",
      "dropped /party_id",
    ]);
  });

  it("2.2.1 → 2.1.1 keeps RFID and OTHER as they are", () => {
    const { value, notes } = tokenV221ToV211(fixture<V221.Token>("2.2.1", "Token", "minimal token"));
    expect(value.type).toBe("RFID");
    expect(pointersOf(notes, "changed")).toStrictEqual(["/contract_id"]);
  });

  it("2.2.1 → 2.1.1 transliterates non-ASCII text", () => {
    const token: V221.Token = { ...TOKEN_221, issuer: "Énergie Ünion €", visual_number: "Nº 12–34" };
    const { value, notes } = tokenV221ToV211(token);
    expect(value.issuer).toBe("Energie Union EUR");
    expect(value.visual_number).toBe("No 12-34");
    expect(pointersOf(notes, "changed")).toEqual(expect.arrayContaining(["/issuer", "/visual_number"]));
    expectValid("2.1.1", "Token", value);
  });

  it.each(["EMAID", "KEY_FOB"])("2.3.0 → 2.2.1 maps the type %s to OTHER", (type) => {
    const token: V230.Token = { ...TOKEN_230, type };
    const { value, notes } = tokenV230ToV221(token);
    expect(value).toStrictEqual({ ...token, type: "OTHER" });
    expect(notes).toStrictEqual([{ kind: "changed", pointer: "/type", detail: expect.stringContaining(type) }]);
  });

  it("2.2.1 → 2.3.0 changes nothing", () => {
    expect(tokenV221ToV230(TOKEN_221)).toStrictEqual({ value: TOKEN_221, notes: [] });
  });

  it("2.3.0 → 2.1.1 composes both steps' notes", () => {
    const { value, notes } = tokenV230ToV211(TOKEN_230);
    expect(value.type).toBe("OTHER");
    expect(sortNotes(notes)).toStrictEqual(["changed /contract_id", "changed /type", "dropped /country_code", "dropped /party_id"]);
  });

  it("2.1.1 → 2.3.0 gives a 2.3.0 token with the owner", () => {
    const { value, notes } = tokenV211ToV230(fixture<V211.Token>("2.1.1", "Token", "minimal token"), { owner: OWNER });
    expect(value).toMatchObject({ country_code: "NL", party_id: "EVC", contract_id: "NL-EVC-C12345678-X" });
    expect(sortNotes(notes)).toStrictEqual(["changed /auth_id", "defaulted /country_code", "defaulted /party_id"]);
  });

  it("passes unknown fields through unnoted", () => {
    const token = { ...fixture<V211.Token>("2.1.1", "Token", "minimal token"), x_card_color: "blue" };
    const up = tokenV211ToV221(token, { owner: OWNER });
    expect(up.value).toMatchObject({ x_card_color: "blue" });
    expect(up.notes.some((n) => n.pointer.includes("x_card_color"))).toBe(false);
    expect(tokenV221ToV211(up.value).value).toMatchObject({ x_card_color: "blue" });
    expect(tokenV230ToV221({ ...TOKEN_230, x_card_color: "blue" } as V230.Token).value).toMatchObject({
      x_card_color: "blue",
    });
  });
});

describe("AuthorizationInfo", () => {
  it("2.1.1 → 2.2.1 takes the token from the context and drops connector_ids", () => {
    const info = fixture<V211.AuthorizationInfo>("2.1.1", "AuthorizationInfo", "full authorization info");
    const { value, notes } = authorizationInfoV211ToV221(info, { token: TOKEN_221 });
    expect(value).toStrictEqual({
      allowed: "ALLOWED",
      token: TOKEN_221,
      location: { location_id: "LOC-ROT-0117", evse_uids: ["NL*EVC*E0117*1", "NL*EVC*E0117*2"] },
      info: info.info,
    });
    expect(sortNotes(notes)).toStrictEqual(["defaulted /token", "dropped /location/connector_ids"]);
  });

  it("2.2.1 → 2.1.1 drops the token and the authorization reference", () => {
    const info = fixture<V221.AuthorizationInfo>("2.2.1", "AuthorizationInfo", "full authorization info");
    const { value, notes } = authorizationInfoV221ToV211(info);
    expect(value).toStrictEqual({ allowed: "ALLOWED", location: info.location, info: info.info });
    expect(sortNotes(notes)).toStrictEqual(["dropped /authorization_reference", "dropped /token"]);
  });

  it("2.2.1 → 2.1.1 transliterates the info text", () => {
    const info = fixture<V221.AuthorizationInfo>("2.2.1", "AuthorizationInfo", "minimal authorization info");
    const { value, notes } = authorizationInfoV221ToV211({ ...info, info: { language: "fr", text: "Chargé à 80 %" } });
    expect(value.info).toStrictEqual({ language: "fr", text: "Charge a 80 %" });
    expect(pointersOf(notes, "changed")).toStrictEqual(["/info/text"]);
  });

  it("2.3.0 → 2.2.1 maps the token's type, noted under /token", () => {
    const info = fixture<V230.AuthorizationInfo>("2.3.0", "AuthorizationInfo", "minimal authorization info");
    const { value, notes } = authorizationInfoV230ToV221({ ...info, token: TOKEN_230 });
    expect(value.token.type).toBe("OTHER");
    expect(pointersOf(notes, "changed")).toStrictEqual(["/token/type"]);
  });

  it("2.1.1 → 2.3.0 puts the context's 2.3.0 token in as it is", () => {
    const info = fixture<V211.AuthorizationInfo>("2.1.1", "AuthorizationInfo", "minimal authorization info");
    const { value, notes } = authorizationInfoV211ToV230(info, { token: TOKEN_230 });
    expect(value).toStrictEqual({ allowed: "NO_CREDIT", token: TOKEN_230 });
    expect(sortNotes(notes)).toStrictEqual(["defaulted /token"]);
  });
});

describe("LocationReferences", () => {
  it("2.1.1 → 2.2.1 refuses a location id longer than 36 characters", () => {
    expect(() => locationReferencesV211ToV221({ location_id: "L".repeat(39) })).toThrow(RangeError);
  });

  it("2.1.1 → 2.2.1 refuses an EVSE uid longer than 36 characters", () => {
    expect(() => locationReferencesV211ToV221({ location_id: "L1", evse_uids: ["E".repeat(37)] })).toThrow(/evse_uids\/0/);
  });

  it("2.1.1 → 2.2.1 drops connector_ids", () => {
    const { value, notes } = locationReferencesV211ToV221({ location_id: "L1", connector_ids: ["1"] });
    expect(value).toStrictEqual({ location_id: "L1" });
    expect(notes).toStrictEqual([{ kind: "dropped", pointer: "/connector_ids", detail: expect.any(String) }]);
  });
});
