import { Ajv2020 } from "ajv/dist/2020.js";
import { _ } from "ajv";
import standalone from "ajv/dist/standalone/index.js";
import type { EmitContext, Emitter } from "../emitter.js";
import type { OutputFile } from "../../lib/output.js";
import type { NamedSchema, VersionModel } from "../../model/model.js";
import { eachSchema, mapSchema } from "../../model/visit.js";
import { isBuiltinTsType, tsTypeName } from "../types/emitTypes.js";
import { knownFieldsModule } from "./knownFields.js";

/**
 * String formats the schemas may use. Their checks live in the validators package's runtime
 * (`runtime/generated-runtime.ts`), which the generated code imports one by one (see {@link formatExportName}); here
 * they only need to be known by name.
 */
export const RUNTIME_FORMATS = ["ocpi-date", "ocpi-date-time", "uri", "uri-reference"] as const;

/** The runtime's export of a format's check: `ocpi-date-time` -> `formatOcpiDateTime`. */
export const formatExportName = (format: string): string =>
  `format${format
    .split(/[^A-Za-z0-9]+/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("")}`;

/** Helpers ajv's generated code requires, mapped to the runtime module of the validators package that provides them. */
const RUNTIME_HELPERS: Record<string, string> = {
  'require("ajv/dist/runtime/ucs2length").default': "ucs2length",
};

/**
 * What the strict validators used to be compiled from: every object schema gets `additionalProperties: false`. The
 * generated strict validation (the lenient code plus the table of known fields, `knownFields.ts`) means exactly this;
 * kept as the reference that says so.
 */
export function strictVariant(node: unknown): unknown {
  return mapSchema(node, {
    leave(copy) {
      if (copy.type === "object" && copy.properties && !("additionalProperties" in copy)) copy.additionalProperties = false;
      return copy;
    },
  });
}

/** Annotations: no validation depends on them, and ajv would embed them in the code with the enums it reads. */
const ANNOTATIONS = ["title", "description", "examples", "$comment"];

/** A schema without its annotations (the JSDoc of the types keeps them). */
export function withoutAnnotations(node: unknown): unknown {
  return mapSchema(node, {
    leave(copy) {
      for (const keyword of ANNOTATIONS) delete copy[keyword];
      return copy;
    },
  });
}

/**
 * Keywords whose code ajv only gets right while it tracks evaluated properties and items (and dynamic anchors), which
 * the generated code does without: tracking writes `validateN.evaluated = ...` beside every function, a statement a
 * bundler must keep.
 */
const TRACKED_KEYWORDS = ["unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor"];

/** The ajv options the generated code is compiled with, shared with the tests that compare it with ajv itself. */
export function ajvOptions() {
  return {
    strict: true,
    allErrors: true,
    // Messages are written in plain words by the runtime from keyword and params.
    messages: false,
  } as const;
}

function newAjv(version: VersionModel): Ajv2020 {
  const ajv = new Ajv2020({ ...ajvOptions(), code: { source: true, esm: true, lines: true, formats: _`formats` } });
  for (const file of version.files) {
    eachSchema(file.schema, (schema, pointer) => {
      const used = TRACKED_KEYWORDS.find((k) => k in schema);
      if (used) throw new Error(`${version.version}/${file.name}.json#${pointer}: ${used} is not supported by the generated validators`);
    });
  }
  // Ajv2020 always tracks them; none of the schemas needs it (checked above), so the code is compiled without.
  const opts = ajv.opts as { unevaluated?: boolean; dynamicRef?: boolean };
  opts.unevaluated = false;
  opts.dynamicRef = false;
  for (const name of RUNTIME_FORMATS) {
    // A function format (string formats only); the generated code calls the runtime's function of that name.
    ajv.addFormat(name, () => {
      throw new Error(`format ${name} is checked by the generated code's runtime, not at generation time`);
    });
  }
  return ajv;
}

/**
 * The top-level statements of ajv's code that are not plainly free of side effects, made so (or shown to be), so that
 * a bundler drops every validate function, regular expression and format a user's imports do not reach.
 */
function treeShakable(code: string, runtimeImports: Set<string>): string {
  return code
    .replace(/^const (pattern\d+) = new RegExp\(/gm, "const $1 = /* @__PURE__ */ new RegExp(")
    .replace(/^const (formats\d+) = formats(?:\[("[^"\n]+")\]|\.([A-Za-z_$][\w$]*));$/gm, (_line, name: string, quoted?: string, plain?: string) => {
      const format = quoted !== undefined ? (JSON.parse(quoted) as string) : plain!;
      if (!(RUNTIME_FORMATS as readonly string[]).includes(format))
        throw new Error(`ajv emitted format ${format}, which the validators runtime does not provide`);
      const helper = formatExportName(format);
      runtimeImports.add(helper);
      return `const ${name} = ${helper};`;
    });
}

/**
 * Compiles every named schema of a version into one standalone ESM module of lenient validate functions (unknown
 * fields allowed), one export per schema, with no top-level statement a bundler has to keep.
 */
export function standaloneModule(version: VersionModel, context: EmitContext): string {
  const ajv = newAjv(version);
  for (const file of version.files) ajv.addSchema(withoutAnnotations(file.schema) as object);
  const refs = Object.fromEntries(version.schemas.map((s) => [exportName(s), s.ref]));
  // A CommonJS module: its default import is module.exports, which is the function and also carries it as `.default`.
  let code = standalone.default(ajv, refs);
  const used = new Set<string>();
  for (const [required, helper] of Object.entries(RUNTIME_HELPERS)) {
    if (code.includes(required)) {
      code = code.split(required).join(helper);
      used.add(helper);
    }
  }
  if (/\brequire\(/.test(code)) {
    const what = code.match(/require\([^)]*\)/)?.[0];
    throw new Error(`ajv emitted ${what}, which the validators runtime does not provide yet: add it to RUNTIME_HELPERS`);
  }
  code = treeShakable(code, used);
  if (/\bformats\b[.[]/.test(code)) throw new Error("ajv's code looks formats up by name: the generated code imports each format's check instead");
  const typed = code.replace(/^export const ([A-Za-z_$][\w$]*) = (validate\d+);$/gm, "export const $1: RawValidateFunction = $2;");
  return [
    "// @ts-nocheck",
    context.header(`schemas/${version.version}/ (lenient: unknown fields allowed; strict adds fields.gen.ts)`),
    `import type { RawValidateFunction } from "${context.layout.runtime("validators")}";`,
    used.size ? `import { ${[...used].sort().join(", ")} } from "${context.layout.runtime("validators")}";` : "",
    typed.replace(/^"use strict";\s*/, ""),
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

/** Names the index module declares besides one validator per schema. */
const INDEX_NAMES = new Set(["validators", "SchemaName", "T", "defineValidator", "lenient", "known", "patternNames"]);

/** Export names of the generated modules: the spec's names, which are valid identifiers. */
function exportName(named: NamedSchema): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(named.name)) throw new Error(`${named.name} is not a valid export name`);
  if (INDEX_NAMES.has(named.name)) throw new Error(`${named.name}: the generated validators module uses that name itself`);
  return named.name;
}

const doc = (s: NamedSchema) => `/** ${s.kind === "patch" ? `PATCH body of ${s.patchOf}` : s.description || s.name} */`;

/**
 * Emits, per version, the lenient standalone module, the table of known fields that strict validation walks, and the
 * index: one validator per schema as its own export (a bundler keeps only those imported) and the `validators` map.
 */
export function emitValidators(version: VersionModel, context: EmitContext): OutputFile[] {
  const v = version.version;
  const header = context.header(`schemas/${v}/`);
  const fields = knownFieldsModule(version, header, context.layout.runtime("validators"));
  const declarations = version.schemas.map((s) => {
    const typeRef = isBuiltinTsType(s) ? tsTypeName(s) : `T.${s.name}`;
    const name = exportName(s);
    const table = fields.exported.has(s.name) ? `known.${name}` : "0";
    return [doc(s), `export const ${name} = /* @__PURE__ */ defineValidator<${typeRef}>("${s.name}", lenient.${name}, ${table}, patternNames);`].join("\n");
  });
  const index = [
    header,
    `// Precompiled validators of every named OCPI ${v} schema, each its own export (\`import { Location } from ...\`)`,
    "// and all of them in `validators`; `validate(value, { strict: true })` also rejects unknown fields.",
    "",
    `import type * as T from "${context.layout.entry("validators", "types", v)}";`,
    `import { defineValidator } from "${context.layout.runtime("validators")}";`,
    `import * as lenient from "./standalone.gen.js";`,
    `import * as known from "./fields.gen.js";`,
    "",
    "/** Patterns of the basic types, so that a failed pattern is reported by what it means. */",
    `const patternNames = ${JSON.stringify(patternNames(version), null, 2)} as const;`,
    "",
    ...declarations.flatMap((d) => [d, ""]),
    "/** Every validator of the version by schema name. Importing it keeps them all in a bundle; import one by name to keep one. */",
    "export const validators = {",
    ...version.schemas.map((s) => `  ${doc(s)}\n  ${s.name},`),
    "} as const;",
    "",
    "/** Name of a schema that has a validator. */",
    "export type SchemaName = keyof typeof validators;",
    "",
  ].join("\n");
  return [
    { path: `${v}/standalone.gen.ts`, content: standaloneModule(version, context) },
    { path: `${v}/fields.gen.ts`, content: fields.code },
    { path: `${v}/index.gen.ts`, content: index },
  ];
}

export const validatorsEmitter: Emitter = { name: "validators", target: "validators", dependsOn: ["types"], emit: emitValidators };
