// One validator imported alone is bundled alone: no other schema's validator, no other object's table of known fields,
// no format check it does not use (esbuild, as a user's bundler would, over the sources of the 2.2.1 entry).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { bundleForEdge } from "../../../scripts/lib/bundle.js";
import * as known from "./generated/2.2.1/fields.gen.js";
import type { KnownFields } from "./runtime/index.js";

const entry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "generated/2.2.1/index.gen.ts");

async function bundle(imports: string, minify: boolean): Promise<string> {
  const { text } = await bundleForEdge(`export { ${imports} } from ${JSON.stringify(entry)};`, { resolveDir: path.dirname(entry), minify });
  return text;
}

/** The distinct objects a table reaches, itself included. */
function objectsOf(node: KnownFields, found = new Set<object>()): Set<object> {
  if (node === 0 || found.has(node)) return found;
  if (Array.isArray(node)) return objectsOf(node[0] as KnownFields, found);
  found.add(node);
  for (const child of Object.values(node)) objectsOf(child, found);
  return found;
}

describe("one validator, bundled alone", () => {
  it("keeps only Location: its validator, its lenient code, the tables it reaches and the formats it uses", async () => {
    const code = await bundle("Location", false);
    // One validator is defined ...
    expect([...code.matchAll(/defineValidator\("(\w+)"/g)].map((m) => m[1])).toEqual(["Location"]);
    // ... over one of the standalone module's exports (the validate functions of its classes come with it, unexported) ...
    expect([...code.matchAll(/^var (\w+) = validate\d+;$/gm)].map((m) => m[1])).toEqual(["Location"]);
    // ... and the tables of exactly the objects a Location holds.
    const tables = code.slice(code.search(/^\/\/ \S*fields\.gen\.ts$/m), code.search(/^\/\/ \S*index\.gen\.ts$/m));
    expect(tables.match(/^var \w+ = \{/gm)).toHaveLength(objectsOf(known.Location).size);
    expect(code).not.toMatch(/\bvar (CDR|Tariff|Session|Token|Credentials)\d* = /);
    // Location uses no `uri` format and no `ocpi-date` (tariff restriction dates).
    expect(code).not.toContain("formatUri =");
    expect(code).not.toContain("formatOcpiDate =");
    expect(code).toContain("formatOcpiDateTime =");
  });

  it("stays small: under 20 KB minified and gzipped, a fraction of all the validators of the version", async () => {
    const one = gzipSync(await bundle("Location", true), { level: 9 }).length;
    const all = gzipSync(await bundle("validators", true), { level: 9 }).length;
    expect(one).toBeLessThan(20_000);
    expect(one).toBeLessThan(all / 3);
  });
});
