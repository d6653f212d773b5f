export { generate, emitAll, repoTargets, summarize } from "./generate.js";
export type { GenerateOptions, GenerateResult, GenerateTargets } from "./generate.js";
export { loadSchemas, loadVersion, buildVersionModel, listVersions, compareVersions, SchemaConventionError } from "./load/loadSchemas.js";
export { RefResolver, versionIdent } from "./model/model.js";
export type { Model, VersionModel, SchemaFile, NamedSchema, NamedSchemaKind, JsonSchema, ResolvedRef } from "./model/model.js";
export { emitTypes, tsTypeName, isBuiltinTsType } from "./emit/types/emitTypes.js";
export { emitValidators, standaloneModule, strictVariant, RUNTIME_FORMATS } from "./emit/validators/emitValidators.js";
export { diffOutputs, writeOutputs } from "./lib/output.js";
export type { OutputFile, OutputDir, Drift } from "./lib/output.js";
