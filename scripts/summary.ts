// `npm start` (until the server exists): after regenerating and building, summarise what the SDK holds and check
// the specification's examples against the built validators.
import path from "node:path";
import type { Validator } from "@ocpi-sdk/validators";
import { validators as v2_2_1 } from "@ocpi-sdk/validators/2.2.1";
import { loadSchemas, summarize } from "../codegen/src/index.js";
import { examplesRoot, loadExampleChecks, repoRoot } from "./lib/spec-examples.js";

const VALIDATORS: Record<string, Record<string, Validator<unknown>>> = { "2.2.1": v2_2_1 };

const model = await loadSchemas(path.join(repoRoot, "schemas"));
console.log("\nOCPI SDK: schemas, generated types and precompiled validators\n");
console.log(summarize(model));

let failures = 0;
for (const version of model.versions) {
  const validators = VALIDATORS[version.version];
  if (!validators) continue;
  console.log(`\nOCPI ${version.version}: ${Object.keys(validators).length} validators (each with a strict variant)`);
  const checks = loadExampleChecks(version.version);
  if (!checks) {
    console.log(`  spec examples: not found under ${examplesRoot()}, skipped`);
    continue;
  }
  let valid = 0;
  let rejected = 0;
  for (const check of checks) {
    const result = validators[check.schema]?.validate(check.value);
    const pointers = !result ? ["(no validator)"] : result.ok ? [] : [...new Set(result.errors.map((e) => e.pointer))].sort();
    const expected = check.expectedPointers.join(",");
    if (pointers.join(",") !== expected) {
      failures++;
      console.log(`  MISMATCH ${check.label} (${check.schema}): expected [${expected}], got [${pointers.join(",")}]`);
    } else if (pointers.length) {
      rejected++;
      console.log(`  rejected as expected: ${check.label} at ${pointers.join(", ")}`);
    } else valid++;
  }
  console.log(`  spec examples: ${checks.length} checked, ${valid} valid, ${rejected} rejected exactly where they break the spec's tables, ${failures} mismatches`);
}
process.exitCode = failures ? 1 : 0;
