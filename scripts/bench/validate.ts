/**
 * Validation against parsing: how the precompiled validators compare with `JSON.parse` of the same bytes.
 * Target: validate/parse time ratio <= 1.0 (validating costs no more than parsing).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { validators } from "@ocpi-sdk/validators/2.2.1";
import { examplesRoot } from "../lib/spec-examples.js";
import { fmt, measure, table } from "./measure.js";

interface Payload {
  label: string;
  schema: "Location" | "CDR" | "Tariff";
  value: unknown;
}

function specExample(file: string): unknown | undefined {
  try {
    return JSON.parse(readFileSync(path.join(examplesRoot(), "2.2.1", file), "utf8"));
  } catch {
    return undefined;
  }
}

/** The spec's own examples where present; our fixtures otherwise. */
function payloads(): Payload[] {
  const fixtures = (module: string, name: string) => {
    const file = path.resolve(import.meta.dirname, `../../packages/validators/fixtures/2.2.1/${module}.json`);
    const found = (JSON.parse(readFileSync(file, "utf8")) as { valid: { name: string; value: unknown }[] }).valid.find((c) => c.name === name);
    if (!found) throw new Error(`fixture ${module}/${name} is missing`);
    return found.value;
  };
  const location = specExample("location_example.json");
  // The spec's CDR example lacks two fields its own tables require (cdr_token.country_code and party_id): add them so
  // the benchmark measures a valid CDR, as it does for the other payloads.
  const cdr = specExample("cdr_example.json") as { cdr_token: Record<string, unknown> } | undefined;
  if (cdr) Object.assign(cdr.cdr_token, { country_code: "BE", party_id: "BEC" });
  const tariff = specExample("tariff_4_complex.json");
  return [
    { label: location ? "Location (spec example)" : "Location (fixture)", schema: "Location", value: location ?? fixtures("locations", "full location") },
    { label: cdr ? "CDR (spec example)" : "CDR (fixture)", schema: "CDR", value: cdr ?? fixtures("cdrs", "full cdr") },
    { label: tariff ? "Tariff (spec complex example)" : "Tariff (fixture)", schema: "Tariff", value: tariff ?? fixtures("tariffs", "full tariff") },
  ];
}

export function benchValidate(ms = 1000): void {
  console.log("\n## Validation vs JSON.parse (OCPI 2.2.1, precompiled validators)\n");
  const rows: (string | number)[][] = [["payload", "bytes", "parse ops/s", "validate ops/s", "strict ops/s", "validate/parse"]];
  for (const p of payloads()) {
    const bytes = JSON.stringify(p.value);
    const validator = validators[p.schema];
    const check = validator.validate(p.value);
    if (!check.ok) throw new Error(`${p.label} does not validate: ${JSON.stringify(check.errors)}`);
    const parse = measure(() => JSON.parse(bytes), ms);
    const validate = measure(() => validator.validate(p.value), ms);
    const strict = measure(() => validator.validate(p.value, { strict: true }), ms);
    rows.push([p.label, bytes.length, fmt(parse.opsPerSec), fmt(validate.opsPerSec), fmt(strict.opsPerSec), fmt(parse.opsPerSec / validate.opsPerSec, 2)]);
  }
  console.log(table(rows));
  console.log("\nvalidate/parse = time to validate / time to parse the same payload (target <= 1.00).");
}
