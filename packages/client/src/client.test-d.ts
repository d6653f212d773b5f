// Compile-time tests: a wrong operation, a missing path parameter or a wrong body field does not compile, and the
// types openapi-typescript derives agree with the ones json-schema-to-typescript generates.
import { describe, expectTypeOf, test } from "vitest";
import type * as T from "@ocpi-sdk/types/2.2.1";
import type * as T211 from "@ocpi-sdk/types/2.1.1";
import type { components } from "./generated/2.2.1/paths.gen.js";
import { OcpiClient, type OcpiPager, type OcpiResult } from "./index.js";

declare const client: OcpiClient<"2.2.1">;
declare const v211: OcpiClient<"2.1.1">;
declare const location: T.Location;

describe("OcpiClient types", () => {
  test("calls return the spec's types", () => {
    expectTypeOf(client.locations.sender.get({ location_id: "1" })).toEqualTypeOf<Promise<OcpiResult<components["schemas"]["Location"]>>>();
    expectTypeOf(client.locations.sender.all()).toEqualTypeOf<OcpiPager<components["schemas"]["Location"]>>();
    expectTypeOf(client.commands.receiver.startSession).returns.resolves.toHaveProperty("data").toEqualTypeOf<components["schemas"]["CommandResponse"]>();
    expectTypeOf(client.locations.receiver.put).returns.resolves.toHaveProperty("data").toEqualTypeOf<undefined>();
  });

  test("a wrong operation or interface is a compile error", () => {
    // @ts-expect-error no such operation
    client.locations.sender.put;
    // @ts-expect-error CDRs have no PATCH
    client.cdrs.receiver.patch;
    // @ts-expect-error no such module
    client.payments;
  });

  test("a missing path parameter is a compile error", () => {
    // @ts-expect-error location_id is required
    client.locations.sender.get({});
    // @ts-expect-error evse_uid is required for an EVSE
    client.locations.sender.getEvse({ location_id: "1" });
    // @ts-expect-error party_id is required
    client.tokens.receiver.get({ country_code: "NL", token_uid: "1" });
    // @ts-expect-error a request object is required
    client.sessions.receiver.get();
  });

  test("a wrong query parameter or body is a compile error", () => {
    // @ts-expect-error offset is an int
    client.locations.sender.list({ offset: "10" });
    // @ts-expect-error not a TokenType
    client.tokens.sender.authorize({ token_uid: "1", type: "CARD" });
    // @ts-expect-error the body is required
    client.locations.receiver.put({ country_code: "NL", party_id: "TNM", location_id: "1" });
    // @ts-expect-error publish is a boolean
    client.locations.receiver.put({ country_code: "NL", party_id: "TNM", location_id: "1", body: { ...location, publish: "yes" } });
    // @ts-expect-error no such field in a StopSession
    client.commands.receiver.stopSession({ body: { response_url: "https://x.example/r", session_id: "1", reason: "x" } });
    // @ts-expect-error a LocationPatch needs last_updated
    client.locations.receiver.patch({ country_code: "NL", party_id: "TNM", location_id: "1", body: { publish: false } });
    // Optional requests may be left out; the sessions list needs date_from.
    client.locations.sender.list();
    client.sessions.sender.list({ date_from: "2024-01-01T00:00:00Z" });
    // @ts-expect-error date_from is required for sessions
    client.sessions.sender.list({});
  });

  test("response_url operations take the URL first", () => {
    client.commands.sender.postResult("https://emsp.example/ocpi/2.2.1/commands/sender/postResult/1", { body: { result: "ACCEPTED" } });
    // @ts-expect-error not a CommandResultType
    client.commands.sender.postResult("https://emsp.example/r", { body: { result: "DONE" } });
  });
});

describe("openapi-typescript and json-schema-to-typescript agree", () => {
  type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
  test("for every module's main objects", () => {
    expectTypeOf<Same<components["schemas"]["Location"], T.Location>>().toEqualTypeOf<true>();
    expectTypeOf<Same<components["schemas"]["EVSE"], T.EVSE>>().toEqualTypeOf<true>();
    expectTypeOf<Same<components["schemas"]["LocationPatch"], T.LocationPatch>>().toEqualTypeOf<true>();
    expectTypeOf<Same<components["schemas"]["Session"], T.Session>>().toEqualTypeOf<true>();
    expectTypeOf<Same<components["schemas"]["CDR"], T.CDR>>().toEqualTypeOf<true>();
    expectTypeOf<Same<components["schemas"]["Tariff"], T.Tariff>>().toEqualTypeOf<true>();
    expectTypeOf<Same<components["schemas"]["Token"], T.Token>>().toEqualTypeOf<true>();
    expectTypeOf<Same<components["schemas"]["StartSession"], T.StartSession>>().toEqualTypeOf<true>();
    expectTypeOf<Same<components["schemas"]["SetChargingProfile"], T.SetChargingProfile>>().toEqualTypeOf<true>();
    expectTypeOf<Same<components["schemas"]["ClientInfo"], T.ClientInfo>>().toEqualTypeOf<true>();
    expectTypeOf<Same<components["schemas"]["Credentials"], T.Credentials>>().toEqualTypeOf<true>();
    expectTypeOf<Same<components["schemas"]["VersionDetails"], T.VersionDetails>>().toEqualTypeOf<true>();
    // And they differ where they should: a wrong type is caught.
    expectTypeOf<Same<components["schemas"]["Location"], T.EVSE>>().toEqualTypeOf<false>();
  });
});

describe("a client of several versions", () => {
  test("connect gives the versions asked for; comparing client.version narrows to one", async () => {
    const only = await OcpiClient.connect({ versionsUrl: "https://x.example/versions", token: "t", versions: ["2.1.1"] });
    expectTypeOf(only).toEqualTypeOf<OcpiClient<"2.1.1">>();
    const any = await OcpiClient.connect({ versionsUrl: "https://x.example/versions", token: "t" });
    expectTypeOf(any).toEqualTypeOf<OcpiClient>();
    if (any.version === "2.3.0") expectTypeOf(any.payments.sender.listTerminals).toBeFunction();
    if (any.version === "2.1.1") {
      // @ts-expect-error 2.1.1 has no charging profiles
      any.chargingprofiles;
      // @ts-expect-error 2.1.1 tariffs have PATCH, with a TariffPatch
      any.tariffs.receiver.patch({ country_code: "NL", party_id: "TNM", tariff_id: "1", body: { currency: 12 } });
    }
  });

  test("as(version) gives that version's calls whatever the peer talks", () => {
    const api = v211.as("2.2.1");
    expectTypeOf(api.locations.sender.get({ location_id: "1" })).toEqualTypeOf<Promise<OcpiResult<components["schemas"]["Location"]>>>();
    expectTypeOf(api.chargingprofiles.receiver.clearProfile).toBeFunction();
  });

  test("credentials calls take the version's Credentials", () => {
    expectTypeOf(v211.register).parameter(0).toEqualTypeOf<T211.Credentials>();
    expectTypeOf(client.register).parameter(0).toEqualTypeOf<T.Credentials>();
    // @ts-expect-error 2.1.1 credentials name one party, not roles
    v211.register({ token: "t", url: "https://x.example/versions", roles: [] });
  });
});
