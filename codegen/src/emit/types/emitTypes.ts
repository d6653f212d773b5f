import { compile, type JSONSchema } from "json-schema-to-typescript";
import type { EmitContext, Emitter } from "../emitter.js";
import { tableFile } from "../emitter.js";
import type { OutputFile } from "../../lib/output.js";
import { openEnumValues, RefResolver, type NamedSchema, type VersionModel } from "../../model/model.js";
import { mapSchema } from "../../model/visit.js";

/** Named schemas of the types chapter that are TypeScript's own types; references to them become the builtin. */
const BUILTIN_TS_TYPES: Record<string, string> = { string: "string", number: "number", int: "number" };

/** The TypeScript name a named schema is emitted as (the spec's own name, or a builtin). */
export function tsTypeName(named: NamedSchema): string {
  return BUILTIN_TS_TYPES[named.name] ?? named.name;
}

/** Whether a named schema is a TypeScript builtin rather than a declared type. */
export function isBuiltinTsType(named: NamedSchema): boolean {
  return named.name in BUILTIN_TS_TYPES;
}

/** Keywords json-schema-to-typescript does not need and that would make it emit extra named types. */
const DROPPED_KEYWORDS = new Set(["$schema", "$id", "$defs", "$comment", "title"]);

/**
 * Rewrites one named schema for json-schema-to-typescript: every `$ref` to a named schema becomes `tsType`
 * (so each spec type is declared once, in its own file, and imported), every other `$ref` is inlined.
 */
class TypeScriptSchemaRewriter {
  readonly referenced = new Set<NamedSchema>();
  constructor(private readonly resolver: RefResolver) {}

  rewriteRoot(named: NamedSchema, baseId: string): JSONSchema {
    const open = openEnumValues(named.schema);
    if (open) {
      // Known values as suggestions: editors offer them, and any other string is still accepted.
      const description = typeof named.schema.description === "string" ? { description: named.schema.description } : {};
      return { ...description, title: named.name, tsType: `${open.map((v) => JSON.stringify(v)).join(" | ")} | (string & {})` };
    }
    const rewritten = this.rewrite(named.schema, baseId) as JSONSchema;
    return { ...rewritten, title: named.name };
  }

  private rewrite(node: unknown, baseId: string): unknown {
    return mapSchema(node, {
      enter: (schema) => {
        if (typeof schema.$ref !== "string") return undefined;
        const { $ref, ...siblings } = schema;
        const target = this.resolver.resolve($ref, baseId);
        const own = typeof siblings.description === "string" ? { description: siblings.description } : {};
        if (target.named) {
          if (!isBuiltinTsType(target.named)) this.referenced.add(target.named);
          return { ...own, tsType: tsTypeName(target.named) };
        }
        return { ...(this.rewrite(target.schema, target.baseId) as object), ...own };
      },
      leave: (copy) => {
        for (const key of DROPPED_KEYWORDS) delete copy[key];
        return copy;
      },
    });
  }
}

const JSTT_OPTIONS = {
  bannerComment: "",
  // Types list the spec's fields only; the validators, not the types, decide what to do with unknown ones.
  additionalProperties: false,
  declareExternallyReferenced: false,
  ignoreMinAndMaxItems: true,
  strictIndexSignatures: true,
  unknownAny: true,
  format: true,
  style: { printWidth: 120, singleQuote: false, trailingComma: "all" as const },
};

/** Emits `<version>/<file>.gen.ts` per schema file, and `<version>/index.gen.ts` re-exporting them all. */
export async function emitTypes(version: VersionModel, context: EmitContext): Promise<OutputFile[]> {
  const resolver = new RefResolver(version);
  const out: OutputFile[] = [];
  const indexLines: string[] = [];
  for (const file of version.files) {
    const rewriter = new TypeScriptSchemaRewriter(resolver);
    const declarations: string[] = [];
    const declared = version.schemas.filter((s) => s.file === file.name && !isBuiltinTsType(s));
    for (const named of declared) {
      const code = await compile(rewriter.rewriteRoot(named, file.id), named.name, JSTT_OPTIONS);
      declarations.push(code.trim());
    }
    if (declarations.length === 0) continue;
    const imports = new Map<string, string[]>();
    for (const ref of [...rewriter.referenced].filter((r) => r.file !== file.name)) {
      imports.set(ref.file, [...(imports.get(ref.file) ?? []), ref.name]);
    }
    const importLines = [...imports.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([from, names]) => `import type { ${names.sort().join(", ")} } from "./${from}.gen.js";`);
    const content = [
      context.header(`schemas/${version.version}/${file.name}.json`),
      `// ${file.title}: ${file.description}`,
      "",
      ...(importLines.length ? [...importLines, ""] : []),
      declarations.join("\n\n"),
      "",
    ].join("\n");
    out.push({ path: `${version.version}/${file.name}.gen.ts`, content });
    indexLines.push(`export type * from "./${file.name}.gen.js";`);
  }
  out.push({
    path: `${version.version}/index.gen.ts`,
    content: [context.header(`schemas/${version.version}/`), `// Every type of OCPI ${version.version}.`, "", ...indexLines, ""].join("\n"),
  });
  return out;
}

export const typesEmitter: Emitter = {
  name: "types",
  target: "types",
  dependsOn: [],
  emit: emitTypes,
  tables: (versions, context) => [tableFile(context, "The types of every generated version, one namespace each.", versions, "export type")],
};
