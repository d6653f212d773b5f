/** The in-memory model every emitter reads: the schema files of each OCPI version and their named schemas. */

import type { EndpointsModel } from "./endpoints.js";

/** A JSON Schema (2020-12) object, as read from the schema files. */
export type JsonSchema = { [keyword: string]: unknown };

/** One `schemas/<version>/<name>.json` file. */
export interface SchemaFile {
  /** File name without `.json`, e.g. `locations`. */
  name: string;
  /** The file's `$id`. */
  id: string;
  title: string;
  description: string;
  schema: JsonSchema;
}

/**
 * What a named schema is: an `object` (spec object or class), a `patch` (`<Name>Patch`, all optional but
 * `last_updated`), an `enum`, or a `scalar` (a basic type of the types chapter such as `DateTime`).
 */
export type NamedSchemaKind = "object" | "patch" | "enum" | "scalar";

/** A `$defs` entry whose key and `title` are the spec's name for it. */
export interface NamedSchema {
  name: string;
  kind: NamedSchemaKind;
  /** File name (without `.json`) that defines it. */
  file: string;
  /** Absolute reference, `<file $id>#/$defs/<name>`. */
  ref: string;
  description: string;
  schema: JsonSchema;
  /** For a `patch`, the name of the object it patches. */
  patchOf?: string;
}

/** One OCPI version: its schema files, named schemas and endpoint description. */
export interface VersionModel {
  /** `2.2.1` */
  version: string;
  /** The endpoint description (`endpoints.json`), where the version has one. */
  endpoints?: EndpointsModel;
  /** `v2_2_1` */
  ident: string;
  files: SchemaFile[];
  /** Every named schema, in file order then `$defs` order. */
  schemas: NamedSchema[];
}

/** Every version loaded. */
export interface Model {
  versions: VersionModel[];
}

/**
 * An OpenEnum (OCPI 2.3): any string is valid, a list of values is known. Written as
 * `{"anyOf": [{"enum": [...known]}, {"type": "string"}]}`; returns the known values, or undefined for other schemas.
 */
export function openEnumValues(schema: JsonSchema): string[] | undefined {
  const anyOf = schema.anyOf;
  if (!Array.isArray(anyOf) || anyOf.length !== 2) return undefined;
  const [known, any] = anyOf as JsonSchema[];
  if (!Array.isArray(known?.enum) || any?.type !== "string" || Object.keys(any).length !== 1) return undefined;
  return known.enum as string[];
}

/** The identifier of a version: `2.2.1` becomes `v2_2_1`. */
export const versionIdent = (version: string): string => `v${version.replace(/\./g, "_")}`;

/** The target of a `$ref`, with the base URI that nested references inside it resolve against. */
export interface ResolvedRef {
  schema: JsonSchema;
  baseId: string;
  /** Set when the reference points at a named schema. */
  named?: NamedSchema;
}

/** Resolves `$ref` values of one version against its files. */
export class RefResolver {
  private readonly filesById = new Map<string, SchemaFile>();
  private readonly namedByRef = new Map<string, NamedSchema>();

  constructor(readonly version: VersionModel) {
    for (const file of version.files) this.filesById.set(file.id, file);
    for (const named of version.schemas) this.namedByRef.set(named.ref, named);
  }

  /** The schema a `$ref` names, read against `baseId`; throws when it names nothing. */
  resolve(ref: string, baseId: string): ResolvedRef {
    const url = new URL(ref, baseId);
    const pointer = decodeURIComponent(url.hash.replace(/^#/, ""));
    url.hash = "";
    const fileId = url.href;
    const file = this.filesById.get(fileId);
    if (!file) throw new Error(`${this.version.version}: $ref ${ref} (from ${baseId}) names no schema file`);
    const named = this.namedByRef.get(`${fileId}#${pointer}`);
    if (named) return { schema: named.schema, baseId: fileId, named };
    let node: unknown = file.schema;
    for (const token of pointer.split("/").slice(1)) {
      const key = token.replace(/~1/g, "/").replace(/~0/g, "~");
      node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined;
      if (node === undefined) throw new Error(`${this.version.version}: $ref ${ref} (from ${baseId}) points at nothing`);
    }
    return { schema: node as JsonSchema, baseId: fileId };
  }
}
