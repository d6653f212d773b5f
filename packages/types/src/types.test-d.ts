// Compile-time tests: the generated types accept what the spec allows and reject a wrong field.
import { assertType, describe, expectTypeOf, test } from "vitest";
import type {
  CDR,
  Connector,
  ConnectorType,
  EVSE,
  Location,
  LocationPatch,
  Session,
  SessionPatch,
  StartSession,
  Tariff,
  Token,
  TokenPatch,
} from "@ocpi-sdk/types/2.2.1";
import type { v2_2_1 } from "@ocpi-sdk/types";

const connector: Connector = {
  id: "1",
  standard: "IEC_62196_T2",
  format: "SOCKET",
  power_type: "AC_3_PHASE",
  max_voltage: 230,
  max_amperage: 32,
  last_updated: "2024-05-01T10:00:00Z",
};

describe("OCPI 2.2.1 types", () => {
  test("a connector with the required fields is a Connector", () => {
    assertType<Connector>(connector);
    expectTypeOf<Connector["standard"]>().toEqualTypeOf<ConnectorType>();
    expectTypeOf<Connector["max_electric_power"]>().toEqualTypeOf<number | undefined>();
  });

  test("a wrong field type, an unknown enum value, a missing field or an unknown field is a compile error", () => {
    // @ts-expect-error max_voltage is an int
    assertType<Connector>({ ...connector, max_voltage: "230" });
    // @ts-expect-error not a ConnectorType
    assertType<Connector>({ ...connector, standard: "TYPE_2" });
    // @ts-expect-error power_type is required
    assertType<Connector>({ id: "1", standard: "CHADEMO", format: "CABLE", max_voltage: 500, max_amperage: 125, last_updated: "2024-05-01T10:00:00Z" });
    // @ts-expect-error no such field (a typo of max_voltage)
    assertType<Connector>({ ...connector, max_volt: 230 });
  });

  test("nested classes are typed", () => {
    expectTypeOf<Location["evses"]>().toEqualTypeOf<EVSE[] | undefined>();
    expectTypeOf<NonNullable<EVSE["connectors"]>[number]>().toEqualTypeOf<Connector>();
    expectTypeOf<Location["coordinates"]["latitude"]>().toEqualTypeOf<string>();
    expectTypeOf<CDR["cdr_token"]["type"]>().toEqualTypeOf<Token["type"]>();
    expectTypeOf<StartSession["token"]>().toEqualTypeOf<Token>();
    expectTypeOf<Tariff["elements"][number]["price_components"][number]["type"]>().toEqualTypeOf<"ENERGY" | "FLAT" | "PARKING_TIME" | "TIME">();
  });

  test("Patch types: everything optional but last_updated", () => {
    assertType<LocationPatch>({ last_updated: "2024-05-01T10:00:00Z" });
    assertType<SessionPatch>({ kwh: 12.5, last_updated: "2024-05-01T10:00:00Z" });
    assertType<TokenPatch>({ valid: false, last_updated: "2024-05-01T10:00:00Z" });
    // @ts-expect-error last_updated is required in a PATCH
    assertType<LocationPatch>({ publish: false });
    // @ts-expect-error the fields keep their types
    assertType<TokenPatch>({ valid: "no", last_updated: "2024-05-01T10:00:00Z" });
    expectTypeOf<Required<SessionPatch>["status"]>().toEqualTypeOf<Session["status"]>();
  });

  test("the version namespace names the same types", () => {
    expectTypeOf<v2_2_1.Location>().toEqualTypeOf<Location>();
  });
});
