import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { SchemaConventionError } from "./errors.js";
import { buildEndpointsModel, type RawEndpoints } from "./loadEndpoints.js";
import { mergePatch } from "../model/visit.js";
import {
  openEnumValues,
  versionIdent,
  type JsonSchema,
  type Model,
  type NamedSchema,
  type NamedSchemaKind,
  type SchemaFile,
  type VersionModel,
} from "../model/model.js";

const DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema";
/** Files in a version folder that are not JSON Schemas of OCPI objects. */
const NON_SCHEMA_FILES = new Set(["endpoints.json"]);

export { SchemaConventionError };

/** Lists the version folders under `schemasDir` (`2.1.1`, `2.2.1`, ...), sorted. */
export async function listVersions(schemasDir: string): Promise<string[]> {
  const entries = await readdir(schemasDir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && /^\d+\.\d+(\.\d+)?$/.test(e.name))
    .map((e) => e.name)
    .sort(compareVersions);
}

/** Numeric order of version folders. (The packages have theirs in @ocpi-sdk/protocol; codegen runs before they are built.) */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** What a user adds to the packaged schemas of a version. */
export interface VersionOverlay {
  /** JSON Merge Patches (RFC 7396) keyed by schema name, applied to the `$defs` entry of that name; Patch schemas follow. */
  schemas?: Record<string, unknown>;
  /** New schema files (a custom module's objects), as parsed JSON with a `$id` ending in `/<version>/<file>.json`. */
  files?: { fileName: string; schema: JsonSchema }[];
  /** A JSON Merge Patch of `endpoints.json`; `modules` is merged by module `id` (a new id adds a module). */
  endpoints?: Record<string, unknown>;
}

/** Options of {@link loadSchemas}: the endpoints format and the overlays per version. */
export interface LoadOptions {
  /** The JSON Schema of endpoint descriptions; `<schemasDir>/endpoints.schema.json` by default. */
  endpointsFormat?: string;
  /** Additions per version. */
  overlays?: Record<string, VersionOverlay>;
}

/** Loads every version folder (or the ones named) into the shared model, checking the schema conventions. */
export async function loadSchemas(schemasDir: string, versions?: string[], options: LoadOptions = {}): Promise<Model> {
  const chosen = versions ?? (await listVersions(schemasDir));
  const format = JSON.parse(await readFile(options.endpointsFormat ?? path.join(schemasDir, "endpoints.schema.json"), "utf8")) as object;
  for (const version of Object.keys(options.overlays ?? {})) {
    if (!chosen.includes(version)) throw new SchemaConventionError(`overlay for OCPI ${version}, which is not generated (${chosen.join(", ")})`);
  }
  const loaded: VersionModel[] = [];
  for (const version of chosen) {
    const { model, endpoints } = await readVersion(path.join(schemasDir, version), version, options.overlays?.[version]);
    loaded.push(endpoints ? { ...model, endpoints: buildEndpointsModel(endpoints, model, format) } : model);
  }
  return { versions: loaded };
}

/** Loads one version folder into its model (without the endpoint description). */
export async function loadVersion(dir: string, version: VersionModel["version"], overlay?: VersionOverlay): Promise<VersionModel> {
  return (await readVersion(dir, version, overlay)).model;
}

async function readVersion(dir: string, version: string, overlay: VersionOverlay = {}): Promise<{ model: VersionModel; endpoints?: RawEndpoints }> {
  const names = (await readdir(dir)).filter((f) => f.endsWith(".json") && !NON_SCHEMA_FILES.has(f)).sort();
  const files: SchemaFile[] = [];
  for (const fileName of names) {
    const schema = JSON.parse(await readFile(path.join(dir, fileName), "utf8")) as JsonSchema;
    files.push(toSchemaFile(schema, fileName, version));
  }
  for (const extra of overlay.files ?? []) {
    if (names.includes(extra.fileName)) throw new SchemaConventionError(`${version}/${extra.fileName}: a packaged schema file has this name`);
    files.push(toSchemaFile(extra.schema, extra.fileName, version));
  }
  let endpoints: RawEndpoints | undefined;
  try {
    endpoints = JSON.parse(await readFile(path.join(dir, "endpoints.json"), "utf8")) as RawEndpoints;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  if (overlay.endpoints) {
    if (!endpoints) throw new SchemaConventionError(`${version}: an endpoints overlay needs an endpoints.json to apply to`);
    endpoints = overlayEndpoints(endpoints, overlay.endpoints);
  }
  const patched = applySchemaOverlays(files, overlay.schemas ?? {}, version);
  return { model: buildVersionModel(version, withPatches(patched, endpoints?.patches ?? {}, version)), ...(endpoints ? { endpoints } : {}) };
}

/** `endpoints.json` with an overlay: modules are matched by id (merged, or appended when new); the rest is RFC 7396. */
function overlayEndpoints(base: RawEndpoints, overlay: Record<string, unknown>): RawEndpoints {
  const { modules, ...rest } = overlay;
  const merged = mergePatch(base, rest) as RawEndpoints;
  if (modules === undefined) return merged;
  if (!Array.isArray(modules)) throw new SchemaConventionError("endpoints overlay: modules must be a list of modules (matched by id)");
  const list = [...merged.modules];
  for (const module of modules as { id?: unknown }[]) {
    const at = list.findIndex((m) => m.id === module.id);
    if (at >= 0) list[at] = mergePatch(list[at], module) as RawEndpoints["modules"][number];
    else list.push(module as RawEndpoints["modules"][number]);
  }
  return { ...merged, modules: list };
}

/** Applies the merge patches to the `$defs` entries they name. */
function applySchemaOverlays(files: SchemaFile[], overlays: Record<string, unknown>, version: string): SchemaFile[] {
  const remaining = new Set(Object.keys(overlays));
  const out = files.map((file) => {
    const defs = (file.schema.$defs ?? {}) as Record<string, JsonSchema>;
    const hits = Object.keys(defs).filter((name) => remaining.has(name));
    if (hits.length === 0) return file;
    const patchedDefs = { ...defs };
    for (const name of hits) {
      const patch = overlays[name];
      if (patch === null || typeof patch !== "object" || Array.isArray(patch)) {
        throw new SchemaConventionError(`overlay ${version}/${name}: must be a JSON Merge Patch object`);
      }
      patchedDefs[name] = mergePatch(defs[name], patch) as JsonSchema;
      remaining.delete(name);
    }
    return { ...file, schema: { ...file.schema, $defs: patchedDefs } };
  });
  for (const name of remaining) {
    throw new SchemaConventionError(`overlay ${version}/${name}: OCPI ${version} has no schema ${name} (add new schemas as files)`);
  }
  return out;
}

/**
 * Derives `<Name>Patch` for each object listed in the endpoint description's `patches` (object name -> the fields a
 * PATCH body must still carry): every property of the object, each a reference to it, placed right after it.
 */
function withPatches(files: SchemaFile[], patches: Record<string, string[]>, version: string): SchemaFile[] {
  const remaining = new Set(Object.keys(patches));
  const out = files.map((file) => {
    const defs = (file.schema.$defs ?? {}) as Record<string, JsonSchema>;
    if (!Object.keys(defs).some((name) => remaining.has(name))) return file;
    const next: Record<string, JsonSchema> = {};
    for (const [name, schema] of Object.entries(defs)) {
      next[name] = schema;
      if (!remaining.has(name)) continue;
      remaining.delete(name);
      const patchName = `${name}Patch`;
      if (patchName in defs) throw new SchemaConventionError(`${version}/${file.name}.json: ${patchName} is derived; remove the hand-written one`);
      const properties = Object.keys((schema.properties ?? {}) as object);
      const required = patches[name]!;
      for (const field of required) {
        if (!properties.includes(field)) throw new SchemaConventionError(`${version}: ${patchName} requires ${field}, which ${name} does not have`);
      }
      next[patchName] = {
        title: patchName,
        description: `Partial ${name} update; only changed fields plus last_updated.`,
        type: "object",
        properties: Object.fromEntries(properties.map((key) => [key, { $ref: `#/$defs/${name}/properties/${key}` }])),
        ...(required.length ? { required } : {}),
      };
    }
    return { ...file, schema: { ...file.schema, $defs: next } };
  });
  for (const name of remaining) throw new SchemaConventionError(`${version}/endpoints.json: patches names ${name}, which no schema file defines`);
  return out;
}

/** Builds a version's model from already parsed files (used by the loader and by tests on fixtures). */
export function buildVersionModel(version: string, files: SchemaFile[]): VersionModel {
  const schemas: NamedSchema[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const defs = (file.schema.$defs ?? {}) as Record<string, JsonSchema>;
    for (const [name, schema] of Object.entries(defs)) {
      const where = `${version}/${file.name}.json#/$defs/${name}`;
      if (schema.title !== name) throw new SchemaConventionError(`${where}: title must equal the $defs key`);
      if (seen.has(name)) throw new SchemaConventionError(`${where}: ${name} is already defined in ${seen.get(name)}`);
      seen.set(name, file.name);
      const kind = kindOf(name, schema);
      schemas.push({
        name,
        kind,
        file: file.name,
        ref: `${file.id}#/$defs/${name}`,
        description: typeof schema.description === "string" ? schema.description : "",
        schema,
        ...(kind === "patch" ? { patchOf: name.slice(0, -"Patch".length) } : {}),
      });
    }
  }
  for (const named of schemas) if (named.kind === "patch") checkPatch(named, schemas, version);
  return { version, ident: versionIdent(version), files, schemas };
}

function toSchemaFile(schema: JsonSchema, fileName: string, version: string): SchemaFile {
  const where = `${version}/${fileName}`;
  if (schema.$schema !== DRAFT_2020_12) throw new SchemaConventionError(`${where}: $schema must be ${DRAFT_2020_12}`);
  if (typeof schema.$id !== "string") throw new SchemaConventionError(`${where}: $id is missing`);
  const name = fileName.replace(/\.json$/, "");
  if (!schema.$id.endsWith(`/${version}/${fileName}`)) {
    throw new SchemaConventionError(`${where}: $id must end with /${version}/${fileName}`);
  }
  return {
    name,
    id: schema.$id,
    title: typeof schema.title === "string" ? schema.title : name,
    description: typeof schema.description === "string" ? schema.description : "",
    schema,
  };
}

function kindOf(name: string, schema: JsonSchema): NamedSchemaKind {
  if (Array.isArray(schema.enum) || openEnumValues(schema)) return "enum";
  if (schema.type === "object" && name.endsWith("Patch")) return "patch";
  if (schema.type === "object") return "object";
  return "scalar";
}

/**
 * A Patch schema lists exactly its object's properties, each a reference to it, and requires at most last_updated
 * (2.2 and later require it in most PATCH bodies; 2.1.1 and the 2.3 Terminal do not).
 */
function checkPatch(patch: NamedSchema, all: NamedSchema[], version: string): void {
  const where = `${version}/${patch.file}.json#/$defs/${patch.name}`;
  const base = all.find((s) => s.name === patch.patchOf && s.file === patch.file);
  if (base?.kind !== "object") throw new SchemaConventionError(`${where}: no object ${patch.patchOf} in the same file`);
  const baseProps = Object.keys((base.schema.properties ?? {}) as object);
  const props = (patch.schema.properties ?? {}) as Record<string, JsonSchema>;
  if (JSON.stringify(Object.keys(props)) !== JSON.stringify(baseProps)) {
    throw new SchemaConventionError(`${where}: properties must be those of ${base.name}, in the same order`);
  }
  for (const [key, prop] of Object.entries(props)) {
    if (prop.$ref !== `#/$defs/${base.name}/properties/${key}` || Object.keys(prop).length !== 1) {
      throw new SchemaConventionError(`${where}/properties/${key}: must be only {"$ref": "#/$defs/${base.name}/properties/${key}"}`);
    }
  }
  const required = JSON.stringify(patch.schema.required ?? []);
  if (required !== JSON.stringify(["last_updated"]) && required !== "[]") {
    throw new SchemaConventionError(`${where}: required must be ["last_updated"] or nothing`);
  }
}
