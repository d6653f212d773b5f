import { describe, expect, it } from "vitest";
import { canonicalCiString, sameCiString } from "./keys.js";

describe("canonicalCiString", () => {
  it.each([
    ["nl", "NL"],
    ["NL", "NL"],
    ["aAa", "AAA"],
    ["loc-x", "LOC-X"],
    ["Loc_1.2/3~z", "LOC_1.2/3~Z"],
    ["az", "AZ"],
    ["AZ09 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", "AZ09 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"],
    ["", ""],
    // Outside ASCII nothing changes, so no length changes and no two strings become one.
    ["straße", "STRAßE"],
    ["ÄöÜ", "ÄöÜ"],
    ["ı i", "ı I"],
    ["ǆ ﬃ é", "ǆ ﬃ é"],
    ["🚗car", "🚗CAR"],
  ])("%j → %j", (given, canonical) => {
    expect(canonicalCiString(given)).toBe(canonical);
    expect(canonicalCiString(given)).toHaveLength(given.length);
  });

  it("is idempotent and maps exactly a-z to A-Z over every code unit below U+0100", () => {
    for (let unit = 0; unit < 0x100; unit++) {
      const c = String.fromCharCode(unit);
      const expected = unit >= 0x61 && unit <= 0x7a ? String.fromCharCode(unit - 0x20) : c;
      expect(canonicalCiString(c)).toBe(expected);
      expect(canonicalCiString(canonicalCiString(c))).toBe(expected);
    }
  });
});

describe("sameCiString", () => {
  it.each([
    ["NL", "nl", true],
    ["loc-x", "LOC-X", true],
    ["AbC", "aBc", true],
    ["", "", true],
    ["NL", "DE", false],
    ["NL", "NL ", false],
    ["straße", "STRASSE", false],
    ["é", "É", false],
  ])("%j and %j: %s", (a, b, same) => {
    expect(sameCiString(a, b)).toBe(same);
    expect(sameCiString(b, a)).toBe(same);
  });
});
