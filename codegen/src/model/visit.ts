/** The one walk over JSON Schemas that the loader and the emitters share. */
import type { JsonSchema } from "./model.js";

/** Keywords whose values are data (lists of values, field names), never subschemas: a walk does not enter them. */
const VALUE_KEYWORDS = new Set(["enum", "const", "required", "examples", "default", "dependentRequired"]);
/** Keywords whose values map names (not keywords) to subschemas. */
const SCHEMA_MAPS = new Set(["properties", "$defs", "patternProperties", "dependentSchemas"]);

/** What {@link mapSchema} and {@link eachSchema} call on the way through a schema. */
export interface SchemaVisitor {
  /**
   * Called on each schema before its subschemas; returning a value replaces the schema (and its subschemas are not
   * visited), returning undefined goes on into it.
   */
  enter?(schema: JsonSchema): unknown;
  /** Called on the copy of each schema after its subschemas; what it returns takes the schema's place. */
  leave?(copy: JsonSchema, original: JsonSchema): unknown;
}

/** Copies a schema, visiting every subschema (not the values of `enum`, `const`, `required`, ...) on the way. */
export function mapSchema(node: unknown, visitor: SchemaVisitor): unknown {
  if (Array.isArray(node)) return node.map((n) => mapSchema(n, visitor));
  if (node === null || typeof node !== "object") return node;
  const schema = node as JsonSchema;
  const replaced = visitor.enter?.(schema);
  if (replaced !== undefined) return replaced;
  const copy: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (VALUE_KEYWORDS.has(key)) copy[key] = value;
    else if (SCHEMA_MAPS.has(key) && value !== null && typeof value === "object" && !Array.isArray(value)) {
      copy[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, mapSchema(sub, visitor)]));
    } else copy[key] = mapSchema(value, visitor);
  }
  return visitor.leave ? visitor.leave(copy, schema) : copy;
}

/** Calls `visit` on every subschema of a schema, with its JSON pointer. */
export function eachSchema(node: unknown, visit: (schema: JsonSchema, pointer: string) => void, pointer = ""): void {
  if (Array.isArray(node)) {
    node.forEach((n, i) => {
      eachSchema(n, visit, `${pointer}/${i}`);
    });
    return;
  }
  if (node === null || typeof node !== "object") return;
  const schema = node as JsonSchema;
  visit(schema, pointer);
  for (const [key, value] of Object.entries(schema)) {
    if (VALUE_KEYWORDS.has(key)) continue;
    const at = `${pointer}/${escapeToken(key)}`;
    if (SCHEMA_MAPS.has(key) && value !== null && typeof value === "object" && !Array.isArray(value)) {
      for (const [name, sub] of Object.entries(value)) eachSchema(sub, visit, `${at}/${escapeToken(name)}`);
    } else eachSchema(value, visit, at);
  }
}

const escapeToken = (token: string) => token.replace(/~/g, "~0").replace(/\//g, "~1");

/**
 * JSON Merge Patch (RFC 7396): objects merge key by key, `null` removes a key, anything else (arrays too) replaces.
 * Returns a new value; neither input is changed.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return structuredClone(patch);
  const out: Record<string, unknown> =
    target !== null && typeof target === "object" && !Array.isArray(target) ? structuredClone(target as Record<string, unknown>) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}
