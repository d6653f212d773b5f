import { describe, expect, it } from "vitest";
import { repairDateTime, repairTimestamps } from "./lenient.js";

describe("repairDateTime", () => {
  it.each([
    ["2019-06-24 12:39:09", "2019-06-24T12:39:09"],
    ["2019-06-24 12:39:09Z", "2019-06-24T12:39:09Z"],
    ["2019-06-24 12:39:09.25Z", "2019-06-24T12:39:09.25Z"],
    ["2019-06-24T12:39:09+00:00", "2019-06-24T12:39:09Z"],
    ["2019-06-24T12:39:09+0000", "2019-06-24T12:39:09Z"],
    ["2019-06-24T12:39:09+02:00", "2019-06-24T12:39:09+02:00"],
    ["2019-06-24T12:39:09Z", "2019-06-24T12:39:09Z"],
    ["Main street 1", "Main street 1"],
  ])("%s -> %s", (input, output) => {
    expect(repairDateTime(input)).toBe(output);
  });
});

describe("repairTimestamps", () => {
  it("repairs deep values, lists what it changed, and leaves the input alone", () => {
    const input = { last_updated: "2019-06-24 12:39:09", evses: [{ uid: "a/b", last_updated: "2019-06-24T12:39:09+00:00" }] };
    const copy = structuredClone(input);
    expect(repairTimestamps(input)).toEqual({
      value: { last_updated: "2019-06-24T12:39:09", evses: [{ uid: "a/b", last_updated: "2019-06-24T12:39:09Z" }] },
      repaired: ["/last_updated", "/evses/0/last_updated"],
    });
    expect(input).toEqual(copy);
  });

  it("returns the same value when nothing needs repair", () => {
    const input = { a: ["2019-06-24T12:39:09Z"] };
    expect(repairTimestamps(input).value).toBe(input);
  });
});
