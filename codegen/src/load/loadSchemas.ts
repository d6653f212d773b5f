import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { SchemaConventionError } from "./errors.js";
import { loadEndpoints } from "./loadEndpoints.js";
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

/** Loads every version folder (or the ones named) into the shared model, checking the schema conventions. */
export interface LoadOptions {
  /** The JSON Schema of endpoint descriptions; `<schemasDir>/endpoints.schema.json` by default. */
  endpointsFormat?: string;
}

export async function loadSchemas(schemasDir: string, versions?: string[], options: LoadOptions = {}): Promise<Model> {
  const chosen = versions ?? (await listVersions(schemasDir));
  const loaded: VersionModel[] = [];
  for (const version of chosen) {
    const model = await loadVersion(path.join(schemasDir, version), version);
    const endpoints = await loadEndpoints(schemasDir, model, options.endpointsFormat);
    loaded.push(endpoints ? { ...model, endpoints } : model);
  }
  return { versions: loaded };
}

export async function loadVersion(dir: string, version: string): Promise<VersionModel> {
  const names = (await readdir(dir)).filter((f) => f.endsWith(".json") && !NON_SCHEMA_FILES.has(f)).sort();
  const files: SchemaFile[] = [];
  for (const fileName of names) {
    const schema = JSON.parse(await readFile(path.join(dir, fileName), "utf8")) as JsonSchema;
    files.push(toSchemaFile(schema, fileName, version));
  }
  return buildVersionModel(version, files);
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
  if (!base || base.kind !== "object") throw new SchemaConventionError(`${where}: no object ${patch.patchOf} in the same file`);
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
