import { describe, expect, it } from "vitest";
import { formatNextLink, parseCountHeader, parseNextLink } from "./pagination.js";

describe("Link header", () => {
  it.each([
    ['<https://a.example/ocpi/cpo/2.2.1/locations?offset=150&limit=50>; rel="next"', "https://a.example/ocpi/cpo/2.2.1/locations?offset=150&limit=50"],
    ["<https://a.example/x?offset=2>; rel=next", "https://a.example/x?offset=2"],
    ['<https://a.example/p>; rel="prev", <https://a.example/n>; rel="next"', "https://a.example/n"],
    ['<https://a.example/n?a=1,2>; rel="last next"', "https://a.example/n?a=1,2"],
    ['<https://a.example/n?a=1,<b>; rel="next"', "b"],
    ["<https://a.example/n> ; REL = NEXT", "https://a.example/n"],
    ['<https://a.example/n>; rel="next";', "https://a.example/n"],
    ['<https://a.example/p>; rel="prev"', undefined],
    ["garbage", undefined],
    ["", undefined],
    [null, undefined],
  ])("next of %j", (header, next) => {
    expect(parseNextLink(header)).toBe(next);
  });

  it("formats what it parses", () => {
    expect(parseNextLink(formatNextLink("https://a.example/x?offset=100&limit=100"))).toBe("https://a.example/x?offset=100&limit=100");
  });
});

describe("count headers", () => {
  it.each([
    ["20000", 20000],
    [" 7 ", 7],
    ["0", 0],
    ["-1", undefined],
    ["1.5", undefined],
    ["many", undefined],
    [null, undefined],
  ])("%j -> %j", (value, count) => {
    expect(parseCountHeader(value)).toBe(count);
  });
});
