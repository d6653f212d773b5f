import { describe, expect, it } from "vitest";
import { authorizationHeader, base64Decode, base64Encode, tokenCandidates, usesBase64Token } from "./token.js";

describe("Token authorization", () => {
  it.each([
    ["2.0", false],
    ["2.1.1", false],
    ["2.2", true],
    ["2.2.1", true],
    ["2.3.0", true],
  ])("version %s encodes the token in base64: %s", (version, base64) => {
    expect(usesBase64Token(version)).toBe(base64);
  });

  it.each([
    ["ebf3b399-779f-4497-9b9d-ac6ad3cc44d2", "2.2.1", "Token ZWJmM2IzOTktNzc5Zi00NDk3LTliOWQtYWM2YWQzY2M0NGQy"],
    ["ebf3b399-779f-4497-9b9d-ac6ad3cc44d2", "2.1.1", "Token ebf3b399-779f-4497-9b9d-ac6ad3cc44d2"],
  ])("header for %s in %s", (token, version, header) => {
    expect(authorizationHeader(token, version)).toBe(header);
  });

  it("round-trips UTF-8 and rejects what is not base64", () => {
    expect(base64Decode(base64Encode("tøken"))).toBe("tøken");
    expect(base64Decode("not base64!")).toBeUndefined();
    expect(base64Decode("abc")).toBeUndefined();
  });

  it.each([
    ["Token ZWJmM2IzOTktNzc5Zi00NDk3LTliOWQtYWM2YWQzY2M0NGQy", ["ebf3b399-779f-4497-9b9d-ac6ad3cc44d2", "ZWJmM2IzOTktNzc5Zi00NDk3LTliOWQtYWM2YWQzY2M0NGQy"]],
    ["Token ebf3b399-779f-4497-9b9d-ac6ad3cc44d2", ["ebf3b399-779f-4497-9b9d-ac6ad3cc44d2"]],
    ["token abcd", ["abcd"]],
    ["Token  spaced ", ["spaced"]],
    ["Bearer abc", undefined],
    ["Token", undefined],
    ["", undefined],
    [null, undefined],
  ])("candidates of %j", (header, candidates) => {
    expect(tokenCandidates(header)).toEqual(candidates);
  });
});
