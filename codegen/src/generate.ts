import { createContext } from "./emit/context.js";
import { TARGET_NAMES, withDependencies, type Emitter, type Layout, type TargetName } from "./emit/emitter.js";
import { EMITTERS } from "./emitters.js";
import { loadSchemas, type VersionOverlay } from "./load/loadSchemas.js";
import { diffOutputs, writeOutputs, type Drift, type OutputDir } from "./lib/output.js";
import type { Model } from "./model/model.js";

/** What {@link generate} reads and writes: the schemas, the layout, targets, versions and overlays. */
export interface GenerateOptions {
  /** Folder holding one sub-folder of JSON Schemas per OCPI version (the `@ocpi-sdk/schemas` package, or this repo's `schemas/`). */
  schemasDir: string;
  /** Where each target goes and how targets import each other: `repoLayout`, `projectLayout` or `folderLayout`. */
  layout: Layout;
  /** What to generate (and what it depends on); everything by default. */
  targets?: readonly TargetName[];
  /** Versions to generate; all folders found by default. */
  versions?: string[];
  /** What the user adds per version: schema merge patches, new schema files, an endpoints overlay. */
  overlays?: Record<string, VersionOverlay>;
  /** Compare with what is on disk instead of writing. */
  check?: boolean;
  /** The JSON Schema of endpoint descriptions; `<schemasDir>/endpoints.schema.json` by default. */
  endpointsFormat?: string;
  /** The emitters to run; `EMITTERS` by default (add your own to the list). */
  emitters?: readonly Emitter[];
}

/** What {@link generate} found and wrote. */
export interface GenerateResult {
  model: Model;
  /** Files that were (or, with `check`, would be) added, changed or removed. */
  drift: Drift[];
  /** Number of files the generator owns. */
  fileCount: number;
}

/** Runs the emitters of the chosen targets over the model; pure: returns the files, writes nothing. */
export async function emitAll(
  model: Model,
  layout: Layout,
  targets: readonly TargetName[] = TARGET_NAMES,
  emitters: readonly Emitter[] = EMITTERS,
): Promise<OutputDir[]> {
  const context = createContext(model, layout);
  const outputs: OutputDir[] = [];
  for (const target of withDependencies(emitters, targets)) {
    const out: OutputDir = { dir: layout.dir(target), files: [] };
    for (const emitter of emitters.filter((e) => e.target === target)) {
      for (const version of model.versions) out.files.push(...(await emitter.emit(version, context)));
      if (emitter.tables) out.files.push(...emitter.tables(model.versions, context));
    }
    outputs.push(out);
  }
  return outputs;
}

/**
 * Loads the schemas of the chosen versions (with overlays), runs every emitter of the chosen targets, and writes the
 * files that changed (or, with `check`, only reports the drift).
 */
export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const model = await loadSchemas(options.schemasDir, options.versions, {
    ...(options.endpointsFormat ? { endpointsFormat: options.endpointsFormat } : {}),
    ...(options.overlays ? { overlays: options.overlays } : {}),
  });
  const outputs = await emitAll(model, options.layout, options.targets, options.emitters);
  const drift = options.check ? await diffOutputs(outputs) : await writeOutputs(outputs);
  return { model, drift, fileCount: outputs.reduce((n, o) => n + o.files.length, 0) };
}

/** One line per version: how many files and named schemas of each kind. */
export function summarize(model: Model): string {
  return model.versions
    .map((v) => {
      const count = (kind: string) => v.schemas.filter((s) => s.kind === kind).length;
      return `OCPI ${v.version}: ${v.files.length} schema files, ${v.schemas.length} named schemas (${count("object")} objects/classes, ${count("enum")} enums, ${count("patch")} Patch schemas, ${count("scalar")} basic types)`;
    })
    .join("\n");
}
