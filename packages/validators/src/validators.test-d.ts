// Compile-time tests: validators return the generated types.
import { describe, expectTypeOf, test } from "vitest";
import type { CDR, Location, LocationPatch } from "@ocpi-sdk/types/2.2.1";
import { Location as LocationValidator, validators, type SchemaName } from "@ocpi-sdk/validators/2.2.1";
import type { ValidationIssue, Validator } from "@ocpi-sdk/validators";

describe("validators are typed", () => {
  test("validate narrows to the schema's type or the issues", () => {
    const result = validators.Location.validate(JSON.parse("{}"));
    if (result.ok) expectTypeOf(result.value).toEqualTypeOf<Location>();
    else expectTypeOf(result.errors).toEqualTypeOf<ValidationIssue[]>();
  });

  test("parse, is", () => {
    expectTypeOf(validators.CDR.parse({})).toEqualTypeOf<CDR>();
    const body: unknown = {};
    if (validators.LocationPatch.is(body)) expectTypeOf(body).toEqualTypeOf<LocationPatch>();
    expectTypeOf(validators.DateTime.parse("x")).toEqualTypeOf<string>();
  });

  test("each validator is also its own export, the same as in validators", () => {
    expectTypeOf(LocationValidator).toEqualTypeOf<Validator<Location>>();
    expectTypeOf(validators.Location).toEqualTypeOf<Validator<Location>>();
  });

  test("schema names are the spec's", () => {
    expectTypeOf<"Location">().toExtend<SchemaName>();
    expectTypeOf<"EVSEPatch">().toExtend<SchemaName>();
    // @ts-expect-error no such schema
    validators.Locations;
  });
});
