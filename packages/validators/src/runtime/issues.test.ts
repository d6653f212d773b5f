import { describe, expect, it } from "vitest";
import { formatIssues, toIssue, toIssues, type RawError } from "./issues.js";

const raw = (keyword: string, params: Record<string, unknown>, instancePath = "/a/0", schemaPath = "#/x"): RawError => ({
  keyword,
  params,
  instancePath,
  schemaPath,
});

describe("toIssue", () => {
  it.each([
    [raw("required", { missingProperty: "uid" }), "/a/0/uid", "is required"],
    [raw("required", { missingProperty: "a/b~c" }, ""), "/a~1b~0c", "is required"],
    [raw("additionalProperties", { additionalProperty: "extra" }), "/a/0/extra", "is not a field of this object"],
    [raw("type", { type: "string" }), "/a/0", "must be a string"],
    [raw("type", { type: "integer" }), "/a/0", "must be a whole number"],
    [raw("type", { type: "string,null" }), "/a/0", "must be a string or null"],
    [raw("enum", { allowedValues: ["AC_1_PHASE", "DC"] }), "/a/0", 'must be one of "AC_1_PHASE", "DC"'],
    [raw("maxLength", { limit: 36 }), "/a/0", "must be at most 36 characters long"],
    [raw("maxLength", { limit: 1 }), "/a/0", "must be at most 1 character long"],
    [raw("minItems", { limit: 1 }), "/a/0", "must have at least 1 item"],
    [raw("minimum", { comparison: ">=", limit: 0 }), "/a/0", "must be >= 0"],
    [raw("format", { format: "uri" }), "/a/0", "must be an absolute URL"],
    [raw("format", { format: "uri-reference" }), "/a/0", "must be a URL without white space"],
    [raw("format", { format: "ocpi-date-time" }), "/a/0", "must be a date-time on a day that exists (no February 30, no year 0000), e.g. 2019-06-24T12:39:09Z"],
    [raw("format", { format: "ocpi-date" }), "/a/0", "must be a date that exists (no February 30, no year 0000), e.g. 2015-12-24"],
    [raw("format", { format: "email" }), "/a/0", "must be a valid email"],
    [raw("pattern", { pattern: "^x$" }), "/a/0", "must match the pattern ^x$"],
    [raw("uniqueItems", {}), "/a/0", "is not valid (uniqueItems)"],
  ])("%j -> %s: %s", (error, pointer, message) => {
    expect(toIssue(error)).toEqual({ pointer, message, keyword: error.keyword });
  });

  it.each([
    ["DateTime", "must be an RFC 3339 date-time in UTC, e.g. 2019-06-24T12:39:09Z"],
    ["CiString", "must contain printable ASCII characters only"],
    ["string", "must not contain control characters (line breaks, tabs, ...)"],
    ["Other", "must be a valid Other"],
  ])("names a basic type's pattern: %s", (type, message) => {
    expect(toIssue(raw("pattern", { pattern: "^p$" }), { "^p$": type }).message).toBe(message);
  });
});

describe("toIssues / formatIssues", () => {
  it("drops duplicates and formats one line", () => {
    const issues = toIssues([
      raw("required", { missingProperty: "x" }, ""),
      raw("required", { missingProperty: "x" }, ""),
      raw("type", { type: "array" }, "/list"),
    ]);
    expect(issues).toHaveLength(2);
    expect(formatIssues(issues)).toBe("/x: is required; /list: must be an array");
  });

  it("reports a date that fails its pattern once, by the pattern, not again by its calendar format", () => {
    const names = { "^d$": "DateTime" };
    const issues = toIssues(
      [
        raw("pattern", { pattern: "^d$" }, "/a"),
        raw("format", { format: "ocpi-date-time" }, "/a"),
        raw("format", { format: "ocpi-date-time" }, "/b"),
        raw("format", { format: "uri" }, "/c"),
        raw("pattern", { pattern: "^x$" }, "/c"),
      ],
      names,
    );
    expect(issues.map((i) => [i.pointer, i.keyword])).toEqual([
      ["/a", "pattern"],
      ["/b", "format"],
      ["/c", "format"],
      ["/c", "pattern"],
    ]);
  });

  it("names the root as /", () => {
    expect(formatIssues(toIssues([raw("type", { type: "object" }, "")]))).toBe("/: must be an object");
  });
});
