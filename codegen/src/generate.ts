import path from "node:path";
import { emitTypes } from "./emit/types/emitTypes.js";
import { emitValidators } from "./emit/validators/emitValidators.js";
import { emitOpenApi } from "./emit/openapi/emitOpenApi.js";
import { emitClient } from "./emit/client/emitClient.js";
import { emitServer } from "./emit/server/emitServer.js";
import { loadSchemas } from "./load/loadSchemas.js";
import { diffOutputs, writeOutputs, type Drift, type OutputDir } from "./lib/output.js";
import type { Model } from "./model/model.js";

/** Where each target is written: the `src/generated` folder of its package. */
export interface GenerateTargets {
  types: string;
  validators: string;
  openapi: string;
  client: string;
  server: string;
}

export interface GenerateOptions {
  /** Folder holding one sub-folder of JSON Schemas per OCPI version. */
  schemasDir: string;
  targets: GenerateTargets;
  /** Versions to generate; all folders found by default. */
  versions?: string[];
  /** Compare with what is on disk instead of writing. */
  check?: boolean;
  /** The JSON Schema of endpoint descriptions; `<schemasDir>/endpoints.schema.json` by default. */
  endpointsFormat?: string;
}

export interface GenerateResult {
  model: Model;
  /** Files that were (or, with `check`, would be) added, changed or removed. */
  drift: Drift[];
  /** Number of files the generator owns. */
  fileCount: number;
}

/** Runs every emitter over the model; pure: returns the files, writes nothing. */
export async function emitAll(model: Model, targets: GenerateTargets): Promise<OutputDir[]> {
  const types: OutputDir = { dir: targets.types, files: [] };
  const validators: OutputDir = { dir: targets.validators, files: [] };
  const openapi: OutputDir = { dir: targets.openapi, files: [] };
  const client: OutputDir = { dir: targets.client, files: [] };
  const server: OutputDir = { dir: targets.server, files: [] };
  for (const version of model.versions) {
    types.files.push(...(await emitTypes(version)));
    validators.files.push(...emitValidators(version));
    openapi.files.push(...emitOpenApi(version));
    client.files.push(...(await emitClient(version)));
    server.files.push(...emitServer(version));
  }
  return [types, validators, openapi, client, server];
}

export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const model = await loadSchemas(options.schemasDir, options.versions, options.endpointsFormat ? { endpointsFormat: options.endpointsFormat } : {});
  const outputs = await emitAll(model, options.targets);
  const drift = options.check ? await diffOutputs(outputs) : await writeOutputs(outputs);
  return { model, drift, fileCount: outputs.reduce((n, o) => n + o.files.length, 0) };
}

/** The targets of this repository's own packages, relative to its root. */
export function repoTargets(root: string): GenerateTargets {
  return {
    types: path.join(root, "packages/types/src/generated"),
    validators: path.join(root, "packages/validators/src/generated"),
    openapi: path.join(root, "packages/openapi/src/generated"),
    client: path.join(root, "packages/client/src/generated"),
    server: path.join(root, "packages/server/src/generated"),
  };
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
