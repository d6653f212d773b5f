import { describe, expect, it } from "vitest";
import { compareVersions } from "./versions.js";

describe("compareVersions", () => {
  it("orders numerically, a missing part counting as 0", () => {
    expect(["2.3.0", "2.10", "2.1.1", "2.2.1", "2.2", "2.0"].sort(compareVersions)).toEqual(["2.0", "2.1.1", "2.2", "2.2.1", "2.3.0", "2.10"]);
    expect(compareVersions("2.2", "2.2.0")).toBe(0);
  });
});
