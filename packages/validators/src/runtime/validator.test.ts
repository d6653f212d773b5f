// defineValidator over real generated validators (OCPI 2.2.1 DisplayText and Price).
import { describe, expect, it } from "vitest";
import { validators } from "../generated/2.2.1/index.gen.js";
import { ValidationError } from "./validator.js";

const text = { language: "en", text: "Standard Tariff" };

describe("Validator", () => {
  it("returns the value on success, the same object", () => {
    const result = validators.DisplayText.validate(text);
    expect(result).toEqual({ ok: true, value: text });
    expect(result.ok && result.value).toBe(text);
  });

  it("returns every issue on failure", () => {
    expect(validators.DisplayText.validate({ language: "english" })).toEqual({
      ok: false,
      errors: [
        { pointer: "/text", message: "is required", keyword: "required" },
        { pointer: "/language", message: "must be at most 2 characters long", keyword: "maxLength" },
      ],
    });
  });

  it("accepts unknown fields unless strict", () => {
    const extra = { ...text, colour: "red" };
    expect(validators.DisplayText.validate(extra).ok).toBe(true);
    expect(validators.DisplayText.validate(extra, { strict: true })).toEqual({
      ok: false,
      errors: [{ pointer: "/colour", message: "is not a field of this object", keyword: "additionalProperties" }],
    });
  });

  it("strict reports unknown fields at any depth beside the other issues, in is() and parse() too", () => {
    const location = { coordinates: { latitude: "x", longitude: "11.5761249", altitude: 500 }, colour: "red" };
    const result = validators.Location.validate(location, { strict: true });
    expect(result.ok ? [] : result.errors.filter((e) => e.keyword === "additionalProperties")).toEqual([
      { pointer: "/colour", message: "is not a field of this object", keyword: "additionalProperties" },
      { pointer: "/coordinates/altitude", message: "is not a field of this object", keyword: "additionalProperties" },
    ]);
    expect(result.ok ? [] : result.errors.map((e) => e.pointer)).toContain("/coordinates/latitude");
    expect(validators.DisplayText.is({ ...text, colour: "red" })).toBe(true);
    expect(validators.DisplayText.is({ ...text, colour: "red" }, { strict: true })).toBe(false);
    expect(() => validators.DisplayText.parse({ ...text, colour: "red" }, { strict: true })).toThrow(
      "Invalid DisplayText: /colour: is not a field of this object",
    );
    // Schemas without fields (an enum) are the same strict or not.
    expect(validators.TokenType.validate("RFID", { strict: true }).ok).toBe(true);
  });

  it("is() narrows and parse() throws a ValidationError naming the fields", () => {
    expect(validators.Price.is({ excl_vat: 1.5 })).toBe(true);
    expect(validators.Price.is({ excl_vat: "1.5" })).toBe(false);
    expect(() => validators.Price.parse({ incl_vat: 2 })).toThrow(
      new ValidationError("Price", [{ pointer: "/excl_vat", message: "is required", keyword: "required" }]),
    );
    expect(() => validators.Price.parse({ incl_vat: 2 })).toThrow("Invalid Price: /excl_vat: is required");
  });

  it("reports basic types' patterns by meaning", () => {
    const result = validators.DateTime.validate("2019-06-24 12:39:09");
    expect(result.ok ? [] : result.errors.map((e) => e.message)).toEqual(["must be an RFC 3339 date-time in UTC, e.g. 2019-06-24T12:39:09Z"]);
  });

  it("reports a day that does not exist by what is wrong with it", () => {
    const result = validators.DateTime.validate("2024-02-30T00:00:00Z");
    expect(result.ok ? [] : result.errors).toEqual([
      { pointer: "", message: "must be a date-time on a day that exists (no February 30, no year 0000), e.g. 2019-06-24T12:39:09Z", keyword: "format" },
    ]);
  });

  it.each([
    ["2015-06-29T20:39:09Z", true],
    ["2015-06-29T20:39:09", true],
    ["2016-12-29T17:45:09.2Z", true],
    ["2018-01-01T01:08:01.123", true],
    ["2015-06-29T20:39:09+00:00", false],
    ["2015-06-29", false],
    ["2015-13-29T20:39:09Z", false],
    ["2015-06-29T20:39:09.1234567890123Z", false],
    ["2024-02-29T23:59:59Z", true],
    ["2000-02-29T00:00:00Z", true],
    ["1900-02-29T00:00:00Z", false],
    ["2024-02-30T00:00:00Z", false],
    ["2023-02-29T00:00:00Z", false],
    ["2024-04-31T12:00:00Z", false],
    ["0000-01-01T00:00:00Z", false],
  ])("DateTime %s valid: %s", (value, valid) => {
    expect(validators.DateTime.is(value)).toBe(valid);
  });
});
