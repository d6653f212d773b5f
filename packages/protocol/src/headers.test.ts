import { describe, expect, it } from "vitest";
import { newRequestId, readRoutingHeaders, routingHeaders } from "./headers.js";

describe("routing headers", () => {
  it("writes and reads both parties", () => {
    const written = routingHeaders({ from: { country_code: "NL", party_id: "EXM" }, to: { country_code: "DE", party_id: "CPO" } });
    expect(written).toEqual({
      "OCPI-from-country-code": "NL",
      "OCPI-from-party-id": "EXM",
      "OCPI-to-country-code": "DE",
      "OCPI-to-party-id": "CPO",
    });
    expect(readRoutingHeaders(new Headers(written))).toEqual({ from: { country_code: "NL", party_id: "EXM" }, to: { country_code: "DE", party_id: "CPO" } });
  });

  it("ignores a half-given party", () => {
    expect(readRoutingHeaders(new Headers({ "OCPI-to-party-id": "CPO" }))).toEqual({});
  });

  it("makes unique request ids", () => {
    expect(newRequestId()).toMatch(/^[0-9a-f-]{36}$/);
    expect(newRequestId()).not.toBe(newRequestId());
  });
});
