// The specification's own examples: valid where they match the spec's tables, rejected at exactly the listed
// pointers where they do not. Skipped when ../shared/ocpi-examples is not on this machine.
import { describe, expect, it } from "vitest";
import { loadExampleChecks } from "../../../scripts/lib/spec-examples.js";
import type { Validator } from "./runtime/validator.js";
import { validators as v2_1_1 } from "./generated/2.1.1/index.gen.js";
import { validators as v2_2_1 } from "./generated/2.2.1/index.gen.js";
import { validators as v2_3_0 } from "./generated/2.3.0/index.gen.js";

const VERSIONS: Record<string, Record<string, Validator<unknown>>> = { "2.1.1": v2_1_1, "2.2.1": v2_2_1, "2.3.0": v2_3_0 };

for (const [version, validators] of Object.entries(VERSIONS)) {
  const checks = loadExampleChecks(version);
  describe.skipIf(checks === undefined)(`OCPI ${version} spec examples`, () => {
    it("are present", () => {
      expect(checks?.length).toBeGreaterThan(0);
    });

    it.each((checks ?? []).map((c) => [c.label, c] as const))("%s", (_, check) => {
      const validator = validators[check.schema];
      expect(validator, `a validator named ${check.schema}`).toBeDefined();
      const result = validator!.validate(check.value);
      const pointers = result.ok ? [] : [...new Set(result.errors.map((e) => e.pointer))].sort();
      expect(pointers).toEqual(check.expectedPointers);
    });
  });
}
