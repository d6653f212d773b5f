// Every format the schemas use is one the generator knows and the validators' runtime implements: ajv's strict mode
// rejects an unknown format at generation time, and a known one without a runtime function would fail at run time.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { RUNTIME_FORMATS } from "../src/index.js";
import { formatExportName } from "../src/emit/validators/emitValidators.js";
import * as runtime from "../../packages/validators/src/runtime/index.js";
import { formats } from "../../packages/validators/src/runtime/generated-runtime.js";

const schemasDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../schemas");

function formatsIn(node: unknown, found: Set<string>): Set<string> {
  const stack = [node];
  while (stack.length) {
    const n = stack.pop();
    if (Array.isArray(n)) stack.push(...n);
    else if (n !== null && typeof n === "object") {
      for (const [k, v] of Object.entries(n)) {
        if (k === "format" && typeof v === "string") found.add(v);
        else stack.push(v);
      }
    }
  }
  return found;
}

describe("string formats", () => {
  it("the runtime implements exactly the formats the generator declares", () => {
    expect(Object.keys(formats).sort()).toEqual([...RUNTIME_FORMATS].sort());
  });

  it.each([...RUNTIME_FORMATS])("the runtime exports the check of %s by the name the generated code imports", (name) => {
    expect((runtime as Record<string, unknown>)[formatExportName(name)]).toBe(formats[name]);
  });

  it.each(["2.1.1", "2.2.1", "2.3.0"])("OCPI %s uses only runtime formats, ocpi-date-time on DateTime", (version) => {
    const dir = path.join(schemasDir, version);
    const used = new Set<string>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".json") && f !== "endpoints.json")) {
      formatsIn(JSON.parse(readFileSync(path.join(dir, file), "utf8")), used);
    }
    for (const name of used) expect(RUNTIME_FORMATS).toContain(name);
    const common = JSON.parse(readFileSync(path.join(dir, "common.json"), "utf8")) as { $defs: Record<string, { format?: string }> };
    expect(common.$defs.DateTime?.format).toBe("ocpi-date-time");
  });
});
