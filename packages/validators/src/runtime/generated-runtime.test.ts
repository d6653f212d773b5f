import { describe, expect, it } from "vitest";
import { formats, isCalendarDate, ucs2length } from "./generated-runtime.js";

describe("ucs2length", () => {
  it.each([
    ["", 0],
    ["abc", 3],
    ["é", 1],
    ["日本", 2],
    ["😀", 1],
    ["a😀b", 3],
    ["\ud83d", 1],
  ])("%j has %i code points", (s, n) => {
    expect(ucs2length(s)).toBe(n);
  });
});

describe("uri-reference format (the spec's URL type)", () => {
  it.each(["https://www.example.com/ocpi/versions", "someNewURL", "/ocpi/2.2.1/locations", "a%20b"])("accepts %s", (url) => {
    expect(formats["uri-reference"]!(url)).toBe(true);
  });
  it.each(["", "https://exa mple.com", "line\nbreak", "<https://x>", 'say"hi"'])("rejects %j", (url) => {
    expect(formats["uri-reference"]!(url)).toBe(false);
  });
});

describe("uri format", () => {
  it.each([
    "https://www.example.com/ocpi/versions",
    "http://localhost:3000/ocpi/2.2.1/locations?offset=0&limit=10",
    "https://user@host.example/path#frag",
    "https://example.com",
  ])("accepts %s", (url) => {
    expect(formats.uri!(url)).toBe(true);
  });

  it.each(["", "/ocpi/versions", "www.example.com", "https://", "https://exa mple.com", "https://example.com/a b", "mailto:a@b.c"])("rejects %j", (url) => {
    expect(formats.uri!(url)).toBe(false);
  });
});

describe("ocpi-date-time format (the spec's DateTime, on a day that exists)", () => {
  it.each([
    "2024-02-29T23:59:59Z",
    "2000-02-29T00:00:00Z",
    "2023-02-28T00:00:00",
    "2024-01-31T12:00:00.123Z",
    "2024-04-30T12:00:00Z",
    "2024-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
  ])("accepts %s", (value) => {
    expect(formats["ocpi-date-time"]!(value)).toBe(true);
  });

  it.each([
    "2024-02-30T00:00:00Z",
    "2023-02-29T00:00:00Z",
    "1900-02-29T00:00:00Z",
    "2100-02-29T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "2024-04-31T12:00:00Z",
    "2024-06-31T12:00:00Z",
    "2024-09-31T12:00:00Z",
    "2024-11-31T12:00:00Z",
    "2024-00-10T12:00:00Z",
    "2024-13-10T12:00:00Z",
    "2024-01-00T12:00:00Z",
    "2024-01-32T12:00:00Z",
    "2024-01-01 12:00:00Z",
    "2024-01-01T24:00:00Z",
    "2024-01-01T12:00:00+00:00",
    "2024-01-01",
    "",
  ])("rejects %j", (value) => {
    expect(formats["ocpi-date-time"]!(value)).toBe(false);
  });
});

describe("ocpi-date format (tariff restriction dates)", () => {
  it.each(["2024-02-29", "2000-02-29", "2015-12-24", "0001-01-01"])("accepts %s", (value) => {
    expect(formats["ocpi-date"]!(value)).toBe(true);
  });
  it.each(["2024-02-30", "2025-02-29", "1900-02-29", "0000-01-01", "2024-04-31", "2024-13-01", "2024-1-01", "01.04.2024", "2024-01-01T00:00:00Z", ""])(
    "rejects %j",
    (value) => {
      expect(formats["ocpi-date"]!(value)).toBe(false);
    },
  );
});

describe("isCalendarDate", () => {
  it.each([
    [2024, 2, 29, true],
    [2000, 2, 29, true],
    [1900, 2, 29, false],
    [2023, 2, 29, false],
    [2024, 2, 30, false],
    [2024, 4, 31, false],
    [2024, 5, 31, true],
    [0, 1, 1, false],
    [10000, 1, 1, false],
    [2024, 0, 1, false],
    [2024, 1, 0, false],
    [2024.5, 1, 1, false],
  ])("%i-%i-%i exists: %s", (year, month, day, exists) => {
    expect(isCalendarDate(year, month, day)).toBe(exists);
  });
});
