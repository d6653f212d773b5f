import { describe, expect, it } from "vitest";
import { formats, ucs2length } from "./generated-runtime.js";

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

  it.each(["", "/ocpi/versions", "www.example.com", "https://", "https://exa mple.com", "https://example.com/a b", "mailto:a@b.c"])(
    "rejects %j",
    (url) => {
      expect(formats.uri!(url)).toBe(false);
    },
  );
});
