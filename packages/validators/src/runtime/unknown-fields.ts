/**
 * Strict validation's one addition to the lenient validators: fields the spec does not define. A generated table
 * (`generated/<version>/fields.gen.ts`) gives, per object schema, its fields and which of them hold objects; this
 * walks a value along it and reports each unknown field exactly as ajv's `additionalProperties: false` would, in the
 * order ajv would report it among the lenient validator's errors.
 */
import type { RawError } from "./issues.js";
import { escapeToken, unescapeToken } from "./pointer.js";

/**
 * What strict validation knows of a value's fields. `0`: nothing is checked inside (a scalar, an enum, a free-form
 * value such as an envelope's `data`); a map: an object, its fields (in the schema's order) and what each holds;
 * `[node]`: an array whose items are `node`.
 */
export type KnownFields = 0 | KnownFieldsMap | readonly [KnownFields];

/** An object's fields, each with what its value holds. */
export interface KnownFieldsMap {
  readonly [field: string]: KnownFields;
}

/**
 * The walked form of a table: the same shape, its maps without a prototype so that one lookup tells a known field
 * (`constructor`, `__proto__` included) from an unknown one.
 */
export type FieldsNode = 0 | FieldsMap | readonly [FieldsNode];
interface FieldsMap {
  readonly [field: string]: FieldsNode;
}

const compiled = new WeakMap<object, FieldsNode>();

/** The walked form of a table, built once per table object (shared objects are shared in the walked form too). */
export function compileKnownFields(node: KnownFields): FieldsNode {
  if (node === 0) return 0;
  const done = compiled.get(node);
  if (done !== undefined) return done;
  let out: FieldsNode;
  if (isItems(node)) out = [compileKnownFields(node[0] as KnownFields)];
  else {
    const map = Object.create(null) as Record<string, FieldsNode>;
    for (const [field, child] of Object.entries(node as KnownFieldsMap)) map[field] = compileKnownFields(child);
    out = map;
  }
  compiled.set(node, out);
  return out;
}

const isItems = (node: KnownFields | FieldsNode): node is readonly [KnownFields] | readonly [FieldsNode] => Array.isArray(node);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Whether the value has a field its table does not know, at any depth; stops at the first. */
export function hasUnknownFields(value: unknown, node: FieldsNode): boolean {
  if (node === 0 || typeof value !== "object" || value === null) return false;
  if (isItems(node)) {
    if (!Array.isArray(value)) return false;
    const item = node[0] as FieldsNode;
    if (item === 0) return false;
    for (let i = 0; i < value.length; i++) if (hasUnknownFields(value[i], item)) return true;
    return false;
  }
  if (Array.isArray(value)) return false;
  const map = node as FieldsMap;
  for (const field in value) {
    const child = map[field];
    if (child === undefined) return true;
    if (child !== 0 && hasUnknownFields((value as Record<string, unknown>)[field], child)) return true;
  }
  return false;
}

/**
 * Every unknown field, as ajv reports `additionalProperties` (`instancePath` is the object's JSON pointer, the field
 * in `params.additionalProperty`), in ajv's order: an object's unknown fields in the value's order, then its known
 * fields' contents in the schema's order; array items in index order.
 */
export function unknownFieldErrors(value: unknown, node: FieldsNode, instancePath = "", errors: RawError[] = []): RawError[] {
  if (node === 0 || typeof value !== "object" || value === null) return errors;
  if (isItems(node)) {
    if (!Array.isArray(value)) return errors;
    const item = node[0] as FieldsNode;
    for (let i = 0; i < value.length; i++) unknownFieldErrors(value[i], item, `${instancePath}/${i}`, errors);
    return errors;
  }
  if (!isObject(value)) return errors;
  const map = node as FieldsMap;
  for (const field in value) {
    if (map[field] === undefined) {
      errors.push({ instancePath, schemaPath: "#/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: field } });
    }
  }
  for (const field in map) {
    const child = map[field]!;
    const inner = value[field];
    if (child !== 0 && inner !== undefined) unknownFieldErrors(inner, child, `${instancePath}/${escapeToken(field)}`, errors);
  }
  return errors;
}

/** Before the object's unknown fields: what the schema says of the object itself (`required`, `type`, `minItems`). */
const AT_NODE = -2;
/** After those, before the fields' contents. */
const UNKNOWN_AT_NODE = -1;

/**
 * Where ajv reports an error at `instancePath`: the place of each step in its parent (a field by its place in the
 * schema, an item by its index), then whether it is about the node itself or an unknown field of it. Steps into a
 * value strict does not look into end the walk: no unknown field is reported there.
 */
function place(instancePath: string, root: FieldsNode, last: number): number[] {
  const steps: number[] = [];
  let node = root;
  if (instancePath !== "") {
    for (const token of instancePath.slice(1).split("/")) {
      if (node === 0) return steps;
      if (isItems(node)) {
        steps.push(Number(token));
        node = node[0] as FieldsNode;
        continue;
      }
      const fields = Object.keys(node);
      const field = unescapeToken(token);
      const at = fields.indexOf(field);
      if (at < 0) {
        steps.push(fields.length);
        return steps;
      }
      steps.push(at);
      node = (node as FieldsMap)[field]!;
    }
  }
  steps.push(last);
  return steps;
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length && i < b.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * The lenient validator's errors and the unknown fields in one list, in the order ajv's strict code (every object
 * schema closed with `additionalProperties: false`) reports them. Both lists are in that order already.
 */
export function mergeUnknownFieldErrors(errors: readonly RawError[], unknown: readonly RawError[], root: FieldsNode): RawError[] {
  if (unknown.length === 0) return [...errors];
  if (errors.length === 0) return [...unknown];
  const merged: RawError[] = [];
  const unknownPlaces = unknown.map((e) => place(e.instancePath, root, UNKNOWN_AT_NODE));
  let j = 0;
  for (const error of errors) {
    const at = place(error.instancePath, root, AT_NODE);
    while (j < unknown.length && compare(unknownPlaces[j]!, at) < 0) merged.push(unknown[j++]!);
    merged.push(error);
  }
  while (j < unknown.length) merged.push(unknown[j++]!);
  return merged;
}
