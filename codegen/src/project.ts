/**
 * Generation in a user's project, from `ocpi.config.json`: the packaged schemas of the chosen versions plus the
 * project's overlays, written under one output folder. A run whose inputs and outputs are unchanged since the last
 * one is recognised from a stamp file before any emitter is loaded, so it takes a fraction of a second.
 */
import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { TARGET_NAMES, type TargetName } from "./emit/emitter.js";
import { listVersions, loadSchemas, SchemaConventionError, type VersionOverlay } from "./load/loadSchemas.js";
import { diffOutputs, listGenerated, writeOutputs, type Drift } from "./lib/output.js";
import type { JsonSchema } from "./model/model.js";

/** `ocpi.config.json`. Paths are relative to the file. */
export interface ProjectConfig {
  /** OCPI versions to generate (default: every packaged version). */
  versions?: string[];
  /** Output folder (default `src/ocpi`): `<out>/<target>/<version>/` and `<out>/<target>/index.gen.ts`. */
  out?: string;
  /** What to generate (default: all); what a target needs comes with it. */
  targets?: TargetName[];
  /** Per version, per schema name: a JSON Merge Patch (RFC 7396) of the schema, or the path of a JSON file holding one. */
  overlays?: Record<string, Record<string, unknown> | string>;
  /** Per version: new schema files (a custom module's objects). */
  schemas?: Record<string, string[]>;
  /** Per version: a merge patch of the version's endpoints.json (modules matched by id), or the path of one. */
  endpoints?: Record<string, Record<string, unknown> | string>;
}

/** The format of `ocpi.config.json`. */
export const CONFIG_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "ocpi generate configuration",
  type: "object",
  properties: {
    $schema: { type: "string" },
    versions: { type: "array", items: { type: "string", pattern: "^[0-9]+\\.[0-9]+(\\.[0-9]+)?$" }, minItems: 1, uniqueItems: true },
    out: { type: "string", minLength: 1 },
    targets: { type: "array", items: { enum: [...TARGET_NAMES] }, minItems: 1, uniqueItems: true },
    overlays: {
      type: "object",
      additionalProperties: { anyOf: [{ type: "string" }, { type: "object", additionalProperties: { type: "object" } }] },
    },
    schemas: { type: "object", additionalProperties: { type: "array", items: { type: "string" } } },
    endpoints: { type: "object", additionalProperties: { anyOf: [{ type: "string" }, { type: "object" }] } },
  },
  additionalProperties: false,
} as const;

/** A configuration that cannot be used: the CLI reports it and exits 2. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Options of {@link generateProject}: the config file, check mode, and where the schemas are. */
export interface ProjectOptions {
  /** Path of `ocpi.config.json`. */
  configPath: string;
  /** Write nothing; report drift. */
  check?: boolean;
  /** Folder of the packaged schemas (default: the installed `@ocpi-sdk/schemas`). */
  schemasDir?: string;
  /** Regenerate even when the stamp says nothing changed. */
  force?: boolean;
}

/** What {@link generateProject} did: whether the stamp matched, the drift, the output folder. */
export interface ProjectResult {
  /** True when the stamp matched and no emitter ran. */
  upToDate: boolean;
  drift: Drift[];
  fileCount: number;
  out: string;
  versions: string[];
}

/** The stamp kept beside the outputs: a hash of every input, and of every file written. */
const STAMP = ".ocpi-generate.json";
interface Stamp {
  inputs: string;
  files: Record<string, string>;
}

const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** Where the packaged schemas are: the `@ocpi-sdk/schemas` this package depends on. */
export function packagedSchemasDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve("@ocpi-sdk/schemas/package.json"));
}

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new ConfigError(`${what}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${what}: ${file} is not JSON (${(e as Error).message})`);
  }
}

/** Reads and checks the configuration. */
export async function loadConfig(configPath: string): Promise<ProjectConfig> {
  const config = await readJson(configPath, "config");
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(CONFIG_SCHEMA);
  if (!validate(config)) {
    const detail = (validate.errors ?? [])
      .map(
        (e) =>
          `${e.instancePath || "/"}: ${e.message}${e.keyword === "additionalProperties" ? ` (${String((e.params as { additionalProperty: string }).additionalProperty)})` : ""}${e.keyword === "enum" ? ` (${(e.params as { allowedValues: string[] }).allowedValues.join(", ")})` : ""}`,
      )
      .join("; ");
    throw new ConfigError(`${configPath}: ${detail}`);
  }
  return config as ProjectConfig;
}

/** The overlays of the config with every path read; `files` lists what was read, for the stamp. */
async function resolveOverlays(config: ProjectConfig, base: string, versions: string[], files: Map<string, string>): Promise<Record<string, VersionOverlay>> {
  const read = async (value: unknown, what: string): Promise<unknown> => {
    if (typeof value !== "string") return value;
    const file = path.resolve(base, value);
    const parsed = await readJson(file, what);
    files.set(file, JSON.stringify(parsed));
    return parsed;
  };
  const overlays: Record<string, VersionOverlay> = {};
  const named = new Set([...Object.keys(config.overlays ?? {}), ...Object.keys(config.schemas ?? {}), ...Object.keys(config.endpoints ?? {})]);
  for (const version of named) {
    if (!versions.includes(version))
      throw new ConfigError(`the config has overlays for OCPI ${version}, which is not generated (versions: ${versions.join(", ")})`);
    const overlay: VersionOverlay = {};
    const schemas = await read(config.overlays?.[version], `overlays.${version}`);
    if (schemas !== undefined) {
      if (schemas === null || typeof schemas !== "object" || Array.isArray(schemas))
        throw new ConfigError(`overlays.${version}: must map schema names to merge patches`);
      overlay.schemas = schemas as Record<string, unknown>;
    }
    const endpoints = await read(config.endpoints?.[version], `endpoints.${version}`);
    if (endpoints !== undefined) {
      if (endpoints === null || typeof endpoints !== "object" || Array.isArray(endpoints))
        throw new ConfigError(`endpoints.${version}: must be a merge patch of endpoints.json`);
      overlay.endpoints = endpoints as Record<string, unknown>;
    }
    for (const file of config.schemas?.[version] ?? []) {
      const schema = (await read(file, `schemas.${version}`)) as JsonSchema;
      (overlay.files ??= []).push({ fileName: path.basename(file), schema });
    }
    overlays[version] = overlay;
  }
  return overlays;
}

/** Every file of a folder, recursively, sorted (for the input hash). */
async function listFiles(dir: string, filter: (name: string) => boolean): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && filter(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** A hash of everything the output depends on: the config, what it points at, the schemas used, and this generator. */
async function inputsHash(config: ProjectConfig, read: Map<string, string>, schemasDir: string, versions: string[]): Promise<string> {
  const hash = createHash("sha256");
  hash.update(JSON.stringify(config));
  for (const [file, content] of [...read.entries()].sort(([a], [b]) => a.localeCompare(b))) hash.update(`${file}\n${content}`);
  const schemaFiles = [path.join(schemasDir, "endpoints.schema.json")];
  for (const version of versions) schemaFiles.push(...(await listFiles(path.join(schemasDir, version), (n) => n.endsWith(".json"))));
  for (const file of schemaFiles) hash.update(`${path.relative(schemasDir, file)}\n`).update(await readFile(file));
  const self = path.dirname(fileURLToPath(import.meta.url));
  for (const file of await listFiles(self, (n) => /\.(js|ts)$/.test(n) && !n.endsWith(".d.ts"))) hash.update(await readFile(file));
  return hash.digest("hex");
}

async function readStamp(out: string): Promise<Stamp | undefined> {
  try {
    return JSON.parse(await readFile(path.join(out, STAMP), "utf8")) as Stamp;
  } catch {
    return undefined;
  }
}

/** Whether the files on disk are exactly those the stamp lists (none changed, none missing, none added). */
async function matchesStamp(out: string, stamp: Stamp): Promise<boolean> {
  const onDisk: string[] = [];
  for (const target of TARGET_NAMES) onDisk.push(...(await listGenerated(path.join(out, target))).map((f) => path.join(out, target, f)));
  const listed = Object.keys(stamp.files)
    .map((f) => path.join(out, f))
    .sort();
  if (JSON.stringify(onDisk.sort()) !== JSON.stringify(listed)) return false;
  for (const [file, digest] of Object.entries(stamp.files)) {
    if (sha(await readFile(path.join(out, file))) !== digest) return false;
  }
  return true;
}

/** Runs `ocpi generate`: reads the config, and generates (or, with `check`, compares) the project's files. */
export async function generateProject(options: ProjectOptions): Promise<ProjectResult> {
  const configPath = path.resolve(options.configPath);
  const base = path.dirname(configPath);
  const config = await loadConfig(configPath);
  const schemasDir = options.schemasDir ?? packagedSchemasDir();
  const packaged = await listVersions(schemasDir);
  const versions = config.versions ?? packaged;
  for (const v of versions)
    if (!packaged.includes(v)) throw new ConfigError(`versions: OCPI ${v} is not one of the packaged versions (${packaged.join(", ")})`);
  const out = path.resolve(base, config.out ?? "src/ocpi");
  const read = new Map<string, string>();
  const overlays = await resolveOverlays(config, base, versions, read);
  const inputs = await inputsHash(config, read, schemasDir, versions);

  const stamp = await readStamp(out);
  if (!options.force && stamp?.inputs === inputs && (await matchesStamp(out, stamp))) {
    return { upToDate: true, drift: [], fileCount: Object.keys(stamp.files).length, out, versions };
  }

  // Only now the emitters (ajv's code generator, json-schema-to-typescript, openapi-typescript) are loaded.
  const [{ emitAll }, { projectLayout }] = await Promise.all([import("./generate.js"), import("./emit/context.js")]);
  let model;
  try {
    model = await loadSchemas(schemasDir, versions, { overlays });
  } catch (e) {
    // An overlay that breaks the schemas' conventions is the config's fault.
    if (e instanceof SchemaConventionError) throw new ConfigError(e.message);
    throw e;
  }
  const outputs = await emitAll(model, projectLayout(out), config.targets ?? TARGET_NAMES);
  const drift = options.check ? await diffOutputs(outputs) : await writeOutputs(outputs);
  const fileCount = outputs.reduce((n, o) => n + o.files.length, 0);
  if (!options.check) {
    const files: Record<string, string> = {};
    for (const o of outputs) for (const f of o.files) files[path.relative(out, path.join(o.dir, f.path)).split(path.sep).join("/")] = sha(f.content);
    const sorted = Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
    await writeFile(path.join(out, STAMP), `${JSON.stringify({ inputs, files: sorted } satisfies Stamp, null, 2)}\n`);
  }
  return { upToDate: false, drift, fileCount, out, versions };
}
