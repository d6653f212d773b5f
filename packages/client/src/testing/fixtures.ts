// Valid example values per schema name, taken from the validators' fixtures, for test peers and call-shape tests.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const dir = (version: string) => path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../validators/fixtures", version);

const cache = new Map<string, Map<string, unknown>>();

/** The first valid fixture of each schema of a version. */
export function sampleValues(version: string): Map<string, unknown> {
  let samples = cache.get(version);
  if (samples) return samples;
  samples = new Map();
  for (const file of readdirSync(dir(version))
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    const { valid } = JSON.parse(readFileSync(path.join(dir(version), file), "utf8")) as { valid: { schema: string; value: unknown }[] };
    for (const c of valid) if (!samples.has(c.schema)) samples.set(c.schema, c.value);
  }
  cache.set(version, samples);
  return samples;
}

export function sample<T = unknown>(version: string, schema: string): T {
  const value = sampleValues(version).get(schema);
  if (value === undefined) throw new Error(`no valid fixture for ${schema} in ${version}`);
  return structuredClone(value) as T;
}

/** `n` distinct, valid 2.2.1 Locations, ordered by last_updated. */
export function makeLocations(n: number, start = Date.UTC(2024, 0, 1)): Record<string, unknown>[] {
  const base = sample<Record<string, unknown>>("2.2.1", "Location");
  return Array.from({ length: n }, (_, i) => ({
    ...base,
    id: `LOC${String(i).padStart(6, "0")}`,
    last_updated: new Date(start + i * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
  }));
}
