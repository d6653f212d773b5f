/**
 * Reads the specification's own example payloads (`../shared/ocpi-examples/<version>/`, described by its
 * `index.json`) and turns each into the checks it implies: which schema, which value, valid or rejected where.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

interface Deviation {
  pointer: string;
  issue: string;
}

interface IndexEntry {
  object: string;
  kind: "full" | "patch" | "list" | "envelope" | "fragment";
  data?: { kind: "full" | "list"; object: string };
  inner?: { kind: "full"; object: string; pointer: string };
  matches_spec_tables: boolean;
  deviations?: Deviation[];
  method?: string;
  url?: string;
}

/** One validation the examples ask for. */
export interface ExampleCheck {
  /** `location_example.json`, or `transport_..._list_example.json#/data/1` for a part of a file. */
  label: string;
  file: string;
  /** Name of the schema to validate with (`Location`, `EVSEPatch`, `OcpiResponse`, ...). */
  schema: string;
  value: unknown;
  /** JSON pointers (relative to `value`) where the index says the example breaks the spec's tables. */
  expectedPointers: string[];
}

/** The examples folder: `OCPI_EXAMPLES_DIR`, or `shared/ocpi-examples` beside the repository. */
export function examplesRoot(): string {
  return process.env.OCPI_EXAMPLES_DIR ?? path.resolve(repoRoot, "../shared/ocpi-examples");
}

/** The checks for one version, or `undefined` when that version's examples are not on this machine. */
export function loadExampleChecks(version: string, root = examplesRoot()): ExampleCheck[] | undefined {
  const dir = path.join(root, version);
  const indexFile = path.join(dir, "index.json");
  if (!existsSync(indexFile)) return undefined;
  const index = JSON.parse(readFileSync(indexFile, "utf8")) as { files: Record<string, IndexEntry> };
  const checks: ExampleCheck[] = [];
  for (const [file, entry] of Object.entries(index.files).sort(([a], [b]) => a.localeCompare(b))) {
    const doc: unknown = JSON.parse(readFileSync(path.join(dir, file), "utf8"));
    const deviations = (entry.deviations ?? []).map((d) => d.pointer);
    /** `exclude`: a part of the value that this schema does not describe (the envelope's `data`). */
    const at = (pointer: string, schema: string, exclude?: string) => {
      const inside = deviations
        .filter((p) => p === pointer || p.startsWith(`${pointer}/`))
        .filter((p) => exclude === undefined || !(p === exclude || p.startsWith(`${exclude}/`)))
        .map((p) => p.slice(pointer.length));
      checks.push({
        label: pointer ? `${file}#${pointer}` : file,
        file,
        schema,
        value: resolvePointer(doc, pointer),
        expectedPointers: inside.sort(),
      });
    };
    const each = (pointer: string, schema: string) => {
      const list = resolvePointer(doc, pointer);
      if (!Array.isArray(list)) throw new Error(`${file}${pointer}: expected a list`);
      list.forEach((_, i) => {
        at(`${pointer}/${i}`, schema);
      });
    };
    switch (entry.kind) {
      case "full":
        at("", entry.object);
        break;
      case "patch":
        at("", `${entry.object}Patch`);
        break;
      case "list":
        each("", entry.object);
        break;
      case "envelope":
        at("", "OcpiResponse", "/data");
        if (entry.data?.kind === "list") each("/data", entry.data.object);
        else if (entry.data) at("/data", entry.data.object);
        break;
      case "fragment":
        if (!entry.inner) throw new Error(`${file}: a fragment names its inner part`);
        at(entry.inner.pointer, entry.inner.object);
        break;
    }
  }
  return checks;
}

function resolvePointer(doc: unknown, pointer: string): unknown {
  let node = doc;
  for (const token of pointer.split("/").slice(1)) {
    const key = token.replace(/~1/g, "/").replace(/~0/g, "~");
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
