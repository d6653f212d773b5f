import { describe, expect, it } from "vitest";
import { envelope, isEnvelope, toOcpiDateTime } from "./envelope.js";
import { isSuccessStatus, OcpiStatus, statusClass } from "./status.js";

describe("envelope", () => {
  const now = new Date("2024-05-01T10:00:00.123Z");

  it("wraps data with a success status and a timestamp", () => {
    expect(envelope({ id: "1" }, undefined, undefined, now)).toEqual({ data: { id: "1" }, status_code: 1000, timestamp: "2024-05-01T10:00:00Z" });
  });

  it("leaves data out of an error", () => {
    expect(envelope(undefined, OcpiStatus.InvalidOrMissingParameters, "/id: is required", now)).toEqual({
      status_code: 2001,
      status_message: "/id: is required",
      timestamp: "2024-05-01T10:00:00Z",
    });
  });

  it.each([
    [{ status_code: 1000, timestamp: "x" }, true],
    [{ status_code: "1000", timestamp: "x" }, false],
    [{ data: [] }, false],
    [null, false],
    ["1000", false],
  ])("isEnvelope(%j) = %s", (body, result) => {
    expect(isEnvelope(body)).toBe(result);
  });

  it("formats DateTimes as the spec shows them", () => {
    expect(toOcpiDateTime(now)).toBe("2024-05-01T10:00:00Z");
  });
});

describe("status codes", () => {
  it.each([
    [1000, "success", true],
    [1900, "success", true],
    [2001, "client", false],
    [3002, "server", false],
    [4001, "hub", false],
    [200, "unknown", false],
  ] as const)("%i is %s", (code, cls, success) => {
    expect(statusClass(code)).toBe(cls);
    expect(isSuccessStatus(code)).toBe(success);
  });
});
