/**
 * The known fields of every object schema of a version: the table the validators' runtime walks to refuse unknown
 * fields (`validate(value, { strict: true })`) on top of the lenient validators, instead of a second copy of them.
 *
 * A node is `0` (nothing to check inside: a scalar, an enum, a free-form value), a map of an object's fields to the
 * nodes of their values (in the schema's order, which is the order errors are reported in), or `[node]` for an array
 * whose items are `node`. Strict means what `additionalProperties: false` on every object schema that lists its
 * `properties` would mean (`strictVariant`); a schema where that cannot be said as a table (an object inside
 * `anyOf`, a `$ref` beside its own `properties`, ...) is refused here rather than checked differently.
 */
import type { JsonSchema, NamedSchema, VersionModel } from "../../model/model.js";
import { RefResolver } from "../../model/model.js";

export type FieldsNode = 0 | FieldsMap | readonly [FieldsNode];
export interface FieldsMap {
  readonly [field: string]: FieldsNode;
}

/** Applicators the table does not follow: a schema may use them only where no closed object is below them. */
const UNFOLLOWED = [
  "additionalProperties",
  "patternProperties",
  "dependentSchemas",
  "propertyNames",
  "prefixItems",
  "contains",
  "not",
  "if",
  "then",
  "else",
  "unevaluatedProperties",
  "unevaluatedItems",
];
/** Applicators over several subschemas: each may hold scalars (OCPI 2.3's open enums), never a closed object. */
const BRANCHES = ["allOf", "anyOf", "oneOf"];

const isSchema = (node: unknown): node is JsonSchema => node !== null && typeof node === "object" && !Array.isArray(node);

/** The node of every named schema of a version (`0` where strict adds nothing to lenient). */
export function knownFields(version: VersionModel): Map<NamedSchema, FieldsNode> {
  const resolver = new RefResolver(version);
  const done = new WeakMap<JsonSchema, FieldsNode>();
  const inProgress = new WeakSet<JsonSchema>();
  const fileIds = new Map(version.files.map((f) => [f.name, f.id]));

  const unsupported = (where: string, what: string): never => {
    throw new Error(`${version.version}: ${where}: ${what}, which the unknown-fields table of strict validation cannot describe`);
  };

  function nodeOf(schema: unknown, baseId: string, where: string): FieldsNode {
    if (!isSchema(schema)) return 0;
    const cached = done.get(schema);
    if (cached !== undefined) return cached;
    if (inProgress.has(schema)) return unsupported(where, "a recursive schema");
    inProgress.add(schema);
    const node = compute(schema, baseId, where);
    inProgress.delete(schema);
    done.set(schema, node);
    return node;
  }

  function compute(schema: JsonSchema, baseId: string, where: string): FieldsNode {
    const parts: FieldsNode[] = [];
    if (typeof schema.$ref === "string") {
      const target = resolver.resolve(schema.$ref, baseId);
      const node = nodeOf(target.schema, target.baseId, `${where} -> ${schema.$ref}`);
      if (node !== 0) parts.push(node);
    }
    for (const keyword of BRANCHES) {
      const branches = schema[keyword];
      if (!Array.isArray(branches)) continue;
      branches.forEach((branch, i) => {
        if (nodeOf(branch, baseId, `${where}/${keyword}/${i}`) !== 0) unsupported(`${where}/${keyword}/${i}`, `an object with properties in ${keyword}`);
      });
    }
    for (const keyword of UNFOLLOWED) {
      const value = schema[keyword];
      const subs = Array.isArray(value)
        ? value
        : isSchema(value) && (keyword === "patternProperties" || keyword === "dependentSchemas")
          ? Object.values(value)
          : [value];
      for (const sub of subs)
        if (nodeOf(sub, baseId, `${where}/${keyword}`) !== 0) unsupported(`${where}/${keyword}`, `an object with properties under ${keyword}`);
    }
    if (isSchema(schema.properties)) {
      const fields: Record<string, FieldsNode> = {};
      for (const [name, sub] of Object.entries(schema.properties)) {
        if (name === "__proto__") unsupported(`${where}/properties`, "a field named __proto__");
        fields[name] = nodeOf(sub, baseId, `${where}/properties/${name}`);
      }
      // The objects strictVariant closes: `type: "object"`, its properties listed, additionalProperties not said.
      if (schema.type === "object" && !("additionalProperties" in schema)) parts.push(fields);
      else if (Object.values(fields).some((n) => n !== 0))
        unsupported(where, "an object that is not closed (no type object, or its own additionalProperties) holding closed objects");
    }
    if (schema.items !== undefined) {
      if (Array.isArray(schema.items)) {
        schema.items.forEach((item, i) => {
          if (nodeOf(item, baseId, `${where}/items/${i}`) !== 0) unsupported(`${where}/items/${i}`, "an object with properties in a tuple");
        });
      } else {
        const item = nodeOf(schema.items, baseId, `${where}/items`);
        if (item !== 0) parts.push([item]);
      }
    }
    if (parts.length > 1) unsupported(where, "fields both from a $ref and from the schema itself");
    return parts[0] ?? 0;
  }

  const nodes = new Map<NamedSchema, FieldsNode>();
  for (const named of version.schemas) {
    const baseId = fileIds.get(named.file);
    if (baseId === undefined) throw new Error(`${version.version}: ${named.name} names file ${named.file}, which the version does not have`);
    nodes.set(named, nodeOf(named.schema, baseId, `${named.file}.json#/$defs/${named.name}`));
  }
  return nodes;
}

const isMap = (node: FieldsNode): node is FieldsMap => node !== 0 && !Array.isArray(node);

/**
 * The table as a module: one `const` per distinct object (named after the first named schema that is that object),
 * children before their parents, every named schema with fields exported under its name. Plain object literals, so a
 * bundler keeps only the objects the imported validators reach.
 */
export function knownFieldsModule(version: VersionModel, header: string, runtime: string): { code: string; exported: ReadonlySet<string> } {
  const nodes = knownFields(version);
  const keyOf = new Map<FieldsNode, string>();
  const key = (node: FieldsNode): string => {
    if (node === 0) return "0";
    let k = keyOf.get(node);
    if (k === undefined) {
      k = isMap(node)
        ? `{${Object.entries(node)
            .map(([f, n]) => `${JSON.stringify(f)}:${key(n)}`)
            .join(",")}}`
        : `[${key(node[0])}]`;
      keyOf.set(node, k);
    }
    return k;
  };
  // Names: the first named schema whose node is an object gives it its name; objects only found inside others are numbered.
  const names = new Map<string, string>();
  const taken = new Set(version.schemas.map((s) => s.name));
  for (const [named, node] of nodes) if (isMap(node) && !names.has(key(node))) names.set(key(node), named.name);
  let anonymous = 0;
  const lines: string[] = [];
  const emitted = new Set<string>();
  const expression = (node: FieldsNode): string => {
    if (node === 0) return "0";
    if (!isMap(node)) return `[${expression(node[0])}]`;
    const k = key(node);
    let name = names.get(k);
    if (name === undefined) {
      do name = `fields${++anonymous}`;
      while (taken.has(name));
      names.set(k, name);
    }
    if (!emitted.has(k)) {
      // Children first: every const is defined before the objects that hold it.
      const body = Object.entries(node).map(([field, child]) => `${propertyKey(field)}: ${expression(child)}`);
      emitted.add(k);
      lines.push(`const ${name}: KnownFields = { ${body.join(", ")} };`);
    }
    return name;
  };
  const exports: string[] = [];
  const exported = new Set<string>();
  for (const [named, node] of nodes) {
    if (node === 0) continue;
    const value = expression(node);
    exported.add(named.name);
    if (isMap(node)) exports.push(value === named.name ? named.name : `${value} as ${named.name}`);
    else {
      lines.push(`const ${named.name}: KnownFields = ${value};`);
      exports.push(named.name);
    }
  }
  const code = [
    header,
    `// The fields each object schema of OCPI ${version.version} defines, and which of them hold objects: the table`,
    "// `validate(value, { strict: true })` walks to report unknown fields. `0`: nothing checked inside; `[x]`: a list of x.",
    "",
    `import type { KnownFields } from "${runtime}";`,
    "",
    ...lines,
    "",
    `export { ${exports.join(", ")} };`,
    "",
  ].join("\n");
  return { code, exported };
}

const propertyKey = (field: string) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(field) ? field : JSON.stringify(field));
