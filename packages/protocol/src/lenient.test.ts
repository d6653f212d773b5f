import { describe, expect, it } from "vitest";
import { validators } from "../../validators/src/generated/2.2.1/index.gen.js";
import { sample } from "../../client/src/testing/fixtures.js";
import { isOcpiDateTime, repairDateTime, repairValue } from "./lenient.js";

describe("repairDateTime: a timestamp as peers write it becomes UTC YYYY-MM-DDTHH:MM:SSZ", () => {
  it.each([
    ["space and +00:00 offset", "2025-01-01 00:01:00+00:00", "2025-01-01T00:01:00Z"],
    ["space, no zone", "2024-01-01 10:00:00", "2024-01-01T10:00:00Z"],
    ["no zone", "2025-01-01T00:01:00", "2025-01-01T00:01:00Z"],
    ["space and Z", "2019-06-24 12:39:09Z", "2019-06-24T12:39:09Z"],
    ["+0000", "2019-06-24T12:39:09+0000", "2019-06-24T12:39:09Z"],
    ["+02:00 offset applied", "2019-06-24T12:39:09+02:00", "2019-06-24T10:39:09Z"],
    ["-05:30 offset across midnight", "2019-06-24T20:00:00-05:30", "2019-06-25T01:30:00Z"],
    ["+01 hour-only offset", "2019-06-24T12:00:00+01", "2019-06-24T11:00:00Z"],
    ["fraction of 7 digits cut", "2019-06-24T12:39:09.1234567Z", "2019-06-24T12:39:09Z"],
    ["fraction with offset", "2019-06-24 12:39:09.123456+01:00", "2019-06-24T11:39:09Z"],
    ["no seconds", "2019-06-24T12:39", "2019-06-24T12:39:00Z"],
    ["UTC suffix", "2019-06-24 12:39:09 UTC", "2019-06-24T12:39:09Z"],
    ["lower-case t and z", "2019-06-24t12:39:09z", "2019-06-24T12:39:09Z"],
  ])("%s: %s -> %s", (_, input, output) => {
    expect(repairDateTime(input)).toBe(output);
    expect(isOcpiDateTime(output)).toBe(true);
  });

  it.each([
    ["not a timestamp", "Main street 1"],
    ["February 30", "2019-02-30 12:00:00"],
    ["hour 24", "2019-06-24 24:00:00"],
    ["year 0000", "0000-01-01 00:00:00"],
    ["a date only", "2019-06-24"],
    ["an offset past 18 hours", "2019-06-24T12:00:00+19:00"],
  ])("%s stays as it is: %s", (_, input) => {
    expect(repairDateTime(input)).toBe(input);
  });
});

const check = (value: unknown) => {
  const result = validators.Session.validate(value);
  return result.ok ? [] : result.errors;
};

describe("repairValue: driven by the issues of a validator", () => {
  const valid = () => structuredClone(sample<Record<string, unknown>>("2.2.1", "Session"));

  it("changes nothing in a valid object", () => {
    const session = valid();
    const before = structuredClone(session);
    expect(repairValue(session, check(session), check)).toEqual({ value: session, repairs: [], issues: [] });
    expect(session).toEqual(before);
  });

  it("repairs timestamps, drops nulls of optional fields, and says where", () => {
    const session = { ...valid(), start_date_time: "2025-01-01 00:01:00+00:00", end_date_time: null, meter_id: null, last_updated: "2025-01-01 00:02:00" };
    const out = repairValue(session, check(session), check);
    expect(out.issues).toEqual([]);
    expect(out.repairs).toEqual(
      expect.arrayContaining([
        { code: "timestamp", pointer: "/start_date_time", from: "2025-01-01 00:01:00+00:00", to: "2025-01-01T00:01:00Z" },
        { code: "timestamp", pointer: "/last_updated", from: "2025-01-01 00:02:00", to: "2025-01-01T00:02:00Z" },
        { code: "null-optional", pointer: "/end_date_time", from: "null", to: "(absent)" },
        { code: "null-optional", pointer: "/meter_id", from: "null", to: "(absent)" },
      ]),
    );
    expect(out.repairs).toHaveLength(4);
    expect(out.value).not.toHaveProperty("end_date_time");
    expect(validators.Session.validate(out.value).ok).toBe(true);
  });

  it("keeps a null of a required field as an issue, with the null put back", () => {
    const session = { ...valid(), kwh: null, meter_id: null };
    const out = repairValue(session, check(session), check);
    expect(out.repairs).toEqual([{ code: "null-optional", pointer: "/meter_id", from: "null", to: "(absent)" }]);
    expect(out.issues).toEqual([expect.objectContaining({ pointer: "/kwh", keyword: "required", message: "is required (null was sent)" })]);
    expect(out.value).toHaveProperty("kwh", null);
  });

  it("unwraps a one-element list where one object is expected, then repairs inside it", () => {
    const list = [{ ...valid(), last_updated: "2025-01-01 00:02:00" }];
    const out = repairValue(list, check(list), check);
    expect(out.issues).toEqual([]);
    expect(out.repairs.map((r) => [r.code, r.pointer])).toEqual([
      ["one-element-array", ""],
      ["timestamp", "/last_updated"],
    ]);
    expect(Array.isArray(out.value)).toBe(false);
  });

  it("unwraps a nested one-element list (an object field sent as a list)", () => {
    const session = { ...valid(), cdr_token: [(valid() as { cdr_token: unknown }).cdr_token] };
    const out = repairValue(session, check(session), check);
    expect(out.repairs).toEqual([{ code: "one-element-array", pointer: "/cdr_token", from: "[…]", to: "{…}" }]);
    expect(out.issues).toEqual([]);
  });

  it.each([
    ["a missing required field", (s: Record<string, unknown>) => delete s.kwh, "/kwh"],
    ["a wrong enum value", (s: Record<string, unknown>) => (s.status = "CHARGING"), "/status"],
    ["a list of two where one object is expected", (s: Record<string, unknown>) => (s.cdr_token = [s.cdr_token, s.cdr_token]), "/cdr_token"],
    ["a timestamp that names no moment", (s: Record<string, unknown>) => (s.last_updated = "2019-02-30 12:00:00"), "/last_updated"],
    ["a number for a string", (s: Record<string, unknown>) => (s.id = 12), "/id"],
  ])("leaves %s as an issue", (_, spoil, pointer) => {
    const session = valid();
    spoil(session);
    const out = repairValue(session, check(session), check);
    expect(out.repairs).toEqual([]);
    expect(out.issues.map((i) => i.pointer)).toContain(pointer);
  });

  it("reads pointers with escaped tokens and leaves other fields alone", () => {
    const value = { "a/b": null, "c~d": "2019-06-24 12:00:00", other: "2019-06-24 12:00:00" };
    const issues = [
      { pointer: "/a~1b", keyword: "type", message: "must be a string" },
      { pointer: "/c~0d", keyword: "pattern", message: "must be an RFC 3339 date-time" },
    ];
    const out = repairValue(value, issues, () => []);
    expect(out.value).toEqual({ "c~d": "2019-06-24T12:00:00Z", other: "2019-06-24 12:00:00" });
  });

  it("ignores an issue whose pointer leads nowhere", () => {
    const out = repairValue({ a: 1 }, [{ pointer: "/x/y", keyword: "type", message: "" }], () => []);
    expect(out).toEqual({ value: { a: 1 }, repairs: [], issues: [{ pointer: "/x/y", keyword: "type", message: "" }] });
  });
});
