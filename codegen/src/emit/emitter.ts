/** The one shape every emitter has, and what they share while a model is emitted. */
import type { OutputFile } from "../lib/output.js";
import type { JsonSchema, Model, VersionModel } from "../model/model.js";

/** What can be generated; each target is one folder (in this repository: one package's `src/generated`). */
export type TargetName = "types" | "validators" | "openapi" | "client" | "server";

/** Every target, in dependency order. */
export const TARGET_NAMES: readonly TargetName[] = ["types", "validators", "openapi", "client", "server"];

/** Where the targets go, and how a generated file of one target imports another target's entry of a version. */
export interface Layout {
  /** The folder a target's files are written under (`<version>/...` and the cross-version tables at its root). */
  dir(target: TargetName): string;
  /** The module specifier, used in `<dir(from)>/<version>/`, of `<dir(to)>/<version>/index.gen.ts`. */
  entry(from: TargetName, to: TargetName, version: string): string;
  /** The module specifier, used in `<dir(target)>/<version>/`, of the runtime the generated code of a target calls. */
  runtime(target: RuntimeTarget): string;
  /** The command the generated headers tell readers to run instead of editing. */
  regenerate: string;
}

/** The targets whose generated code calls a runtime module of its package. */
export type RuntimeTarget = "validators" | "client" | "server";

/** The runtime modules, as generated code outside the packages imports them: through the packages' public exports. */
export const RUNTIME_IMPORTS: Readonly<Record<RuntimeTarget, string>> = {
  validators: "@ocpi-sdk/validators/runtime",
  client: "@ocpi-sdk/client/runtime",
  server: "@ocpi-sdk/server/runtime",
};

/** What one emitter sees of the run: the whole model, the layout, and what emitters compute once and share. */
export interface EmitContext {
  model: Model;
  layout: Layout;
  /** The header of a generated file made from `source`. */
  header(source: string): string;
  /** The OpenAPI document of a version (whole, or one role's), computed once per run. */
  openApi(version: VersionModel, role?: string): JsonSchema;
}

/** One generator of a target's files: per version, and optionally the cross-version tables at the target's root. */
export interface Emitter {
  name: string;
  target: TargetName;
  /** Targets the generated files import (so choosing this target generates them too). */
  dependsOn: readonly TargetName[];
  /** The files of one version, paths relative to the target's folder (`<version>/...`). */
  emit(version: VersionModel, context: EmitContext): OutputFile[] | Promise<OutputFile[]>;
  /** Files over every version (the per-version tables the runtimes read), at the target's root. */
  tables?(versions: VersionModel[], context: EmitContext): OutputFile[];
}

/** The chosen targets and every target they depend on, in the emitters' order. */
export function withDependencies(emitters: readonly Emitter[], chosen: readonly TargetName[]): TargetName[] {
  const wanted = new Set<TargetName>();
  const add = (target: TargetName) => {
    if (wanted.has(target)) return;
    wanted.add(target);
    for (const e of emitters.filter((e) => e.target === target)) e.dependsOn.forEach(add);
  };
  chosen.forEach(add);
  return TARGET_NAMES.filter((t) => wanted.has(t));
}

/** `import * as v2_2_1 from "./2.2.1/index.gen.js";` (or `export`, `import type`, ...) for every version. */
export function versionImports(versions: VersionModel[], kind: "import" | "import type" | "export" | "export type"): string[] {
  return versions.map((v) => `${kind} * as ${v.ident} from "./${v.version}/index.gen.js";`);
}

/** A target's cross-version table (`index.gen.ts` at its root): the header, what it is, each version's entry, then `body`. */
export function tableFile(
  context: EmitContext,
  about: string,
  versions: VersionModel[],
  kind: Parameters<typeof versionImports>[1],
  body: string[] = [],
): OutputFile {
  return { path: "index.gen.ts", content: [context.header("schemas/"), `// ${about}`, "", ...versionImports(versions, kind), "", ...body].join("\n") };
}
