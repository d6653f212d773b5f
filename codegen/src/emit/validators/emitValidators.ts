import { Ajv2020 } from "ajv/dist/2020.js";
import { _ } from "ajv";
import standalone from "ajv/dist/standalone/index.js";
import { type EmitContext, type Emitter } from "../emitter.js";
import type { OutputFile } from "../../lib/output.js";
import type { NamedSchema, VersionModel } from "../../model/model.js";
import { mapSchema } from "../../model/visit.js";
import { isBuiltinTsType, tsTypeName } from "../types/emitTypes.js";

/**
 * String formats the schemas may use. Their checks live in the validators package's runtime
 * (`runtime/formats.ts`), which the generated code imports; here they only need to be known by name.
 */
export const RUNTIME_FORMATS = ["ocpi-date", "ocpi-date-time", "uri", "uri-reference"] as const;

/** Helpers ajv's generated code requires, mapped to the runtime module of the validators package that provides them. */
const RUNTIME_HELPERS: Record<string, string> = {
  'require("ajv/dist/runtime/ucs2length").default': "ucs2length",
};

/** The strict variant rejects fields the spec does not define: every object schema gets `additionalProperties: false`. */
export function strictVariant(node: unknown): unknown {
  return mapSchema(node, {
    leave(copy) {
      if (copy.type === "object" && copy.properties && !("additionalProperties" in copy)) copy.additionalProperties = false;
      return copy;
    },
  });
}

function newAjv(): Ajv2020 {
  const ajv = new Ajv2020({
    strict: true,
    allErrors: true,
    // Messages are written in plain words by the runtime from keyword and params.
    messages: false,
    code: { source: true, esm: true, lines: true, formats: _`formats` },
  });
  for (const name of RUNTIME_FORMATS) {
    // A function format (string formats only); the generated code calls the runtime's function of that name.
    ajv.addFormat(name, () => {
      throw new Error(`format ${name} is checked by the generated code's runtime, not at generation time`);
    });
  }
  return ajv;
}

/** Compiles every named schema of a version into one standalone ESM module of validate functions. */
export function standaloneModule(version: VersionModel, strict: boolean, context: EmitContext): string {
  const ajv = newAjv();
  for (const file of version.files) ajv.addSchema((strict ? strictVariant(file.schema) : file.schema) as object);
  const refs = Object.fromEntries(version.schemas.map((s) => [exportName(s), s.ref]));
  // A CommonJS module: its default import is module.exports, which is the function and also carries it as `.default`.
  let code = standalone.default(ajv, refs);
  const used: string[] = [];
  for (const [required, helper] of Object.entries(RUNTIME_HELPERS)) {
    if (code.includes(required)) {
      code = code.split(required).join(helper);
      used.push(helper);
    }
  }
  if (/\brequire\(/.test(code)) {
    const what = code.match(/require\([^)]*\)/)?.[0];
    throw new Error(`ajv emitted ${what}, which the validators runtime does not provide yet: add it to RUNTIME_HELPERS`);
  }
  const needsFormats = /\bformats\./.test(code) || /\bformats\[/.test(code);
  const imports = [...used, ...(needsFormats ? ["formats"] : [])].sort();
  return [
    "// @ts-nocheck",
    context.header(`schemas/${version.version}/ (${strict ? "strict: unknown fields rejected" : "unknown fields allowed"})`),
    imports.length ? `import { ${imports.join(", ")} } from "${context.layout.runtime("validators")}";` : "",
    code.replace(/^"use strict";\s*/, ""),
    "",
  ].join("\n");
}

/** Pattern source -> name of the basic type (scalar named schema) that defines it. */
export function patternNames(version: VersionModel): Record<string, string> {
  const names: Record<string, string> = {};
  for (const s of version.schemas) {
    if (s.kind === "scalar" && typeof s.schema.pattern === "string") names[s.schema.pattern] = s.name;
  }
  return names;
}

/** Export names of the standalone module: the spec's names, which are valid identifiers. */
function exportName(named: NamedSchema): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(named.name)) throw new Error(`${named.name} is not a valid export name`);
  return named.name;
}

/** Emits, per version, the loose and strict standalone modules and the typed `validators` map over them. */
export function emitValidators(version: VersionModel, context: EmitContext): OutputFile[] {
  const v = version.version;
  const header = context.header(`schemas/${v}/`);
  const entries = version.schemas.map((s) => {
    const typeRef = isBuiltinTsType(s) ? tsTypeName(s) : `T.${s.name}`;
    return [
      `  /** ${s.kind === "patch" ? `PATCH body of ${s.patchOf}` : s.description || s.name} */`,
      `  ${s.name}: defineValidator<${typeRef}>("${s.name}", loose.${s.name}, strict.${s.name}, patternNames),`,
    ].join("\n");
  });
  const index = [
    header,
    `// Precompiled validators of every named OCPI ${v} schema; \`validate(value, { strict: true })\` rejects unknown fields.`,
    "",
    `import type * as T from "${context.layout.entry("validators", "types", v)}";`,
    `import { defineValidator } from "${context.layout.runtime("validators")}";`,
    `import * as loose from "./standalone.gen.js";`,
    `import * as strict from "./standalone-strict.gen.js";`,
    "",
    "/** Patterns of the basic types, so that a failed pattern is reported by what it means. */",
    `const patternNames = ${JSON.stringify(patternNames(version), null, 2)} as const;`,
    "",
    "export const validators = {",
    ...entries,
    "} as const;",
    "",
    "/** Name of a schema that has a validator. */",
    "export type SchemaName = keyof typeof validators;",
    "",
  ].join("\n");
  return [
    { path: `${v}/standalone.gen.ts`, content: standaloneModule(version, false, context) },
    { path: `${v}/standalone-strict.gen.ts`, content: standaloneModule(version, true, context) },
    { path: `${v}/index.gen.ts`, content: index },
  ];
}

export const validatorsEmitter: Emitter = { name: "validators", target: "validators", dependsOn: ["types"], emit: emitValidators };
