// Strict validation is the lenient generated code plus the table of known fields; it must say exactly what ajv says of
// the schemas closed by strictVariant (every object schema `additionalProperties: false`), errors in the same order.
// The lenient generated code (compiled without annotations and without ajv's evaluated-property tracking) must say
// exactly what ajv says of the schemas as they are.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { beforeAll, describe, expect, it } from "vitest";
import { loadSchemas, strictVariant, type VersionModel } from "../src/index.js";
import { knownFields, type FieldsMap } from "../src/emit/validators/knownFields.js";
import { ajvOptions, patternNames, RUNTIME_FORMATS } from "../src/emit/validators/emitValidators.js";
import { formats } from "../../packages/validators/src/runtime/generated-runtime.js";
import { toIssues, type RawError } from "../../packages/validators/src/runtime/issues.js";
import type { Validator } from "../../packages/validators/src/runtime/validator.js";
import { validators as v2_1_1 } from "../../packages/validators/src/generated/2.1.1/index.gen.js";
import { validators as v2_2_1 } from "../../packages/validators/src/generated/2.2.1/index.gen.js";
import { validators as v2_3_0 } from "../../packages/validators/src/generated/2.3.0/index.gen.js";
import { loadExampleChecks } from "../../scripts/lib/spec-examples.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const GENERATED: Record<string, Record<string, Validator<unknown>>> = { "2.1.1": v2_1_1, "2.2.1": v2_2_1, "2.3.0": v2_3_0 };

describe("strictVariant", () => {
  it("closes every object schema that lists properties, at any depth, and leaves values alone", () => {
    const schema = {
      type: "object",
      properties: {
        inner: { type: "object", properties: { a: { type: "string" } } },
        list: { type: "array", items: { type: "object", properties: { b: { enum: [{ type: "object", properties: {} }] } } } },
        any: {},
      },
      required: ["inner"],
    };
    expect(strictVariant(schema)).toEqual({
      type: "object",
      properties: {
        inner: { type: "object", properties: { a: { type: "string" } }, additionalProperties: false },
        list: {
          type: "array",
          items: { type: "object", properties: { b: { enum: [{ type: "object", properties: {} }] } }, additionalProperties: false },
        },
        any: {},
      },
      required: ["inner"],
      additionalProperties: false,
    });
  });

  it("keeps an explicit additionalProperties", () => {
    expect(strictVariant({ type: "object", properties: {}, additionalProperties: true })).toEqual({
      type: "object",
      properties: {},
      additionalProperties: true,
    });
  });
});

/** A one-file version for the table's own cases. */
function versionOf(defs: Record<string, unknown>): VersionModel {
  const id = "https://example.test/9.0.0/t.json";
  return {
    version: "9.0.0",
    ident: "v9_0_0",
    files: [{ name: "t", id, title: "t", description: "", schema: { $id: id, $defs: defs } }],
    schemas: Object.entries(defs).map(([name, schema]) => ({
      name,
      kind: "object",
      file: "t",
      ref: `${id}#/$defs/${name}`,
      description: "",
      schema: schema as Record<string, unknown>,
    })),
  };
}
const tableOf = (defs: Record<string, unknown>) => Object.fromEntries([...knownFields(versionOf(defs))].map(([s, node]) => [s.name, node]));

describe("knownFields (the table strict validation walks)", () => {
  it("follows $ref (with siblings, into a property of another schema) and items, and ends at scalars, enums and free values", () => {
    const table = tableOf({
      Part: { type: "object", properties: { name: { type: "string" }, any: {}, open: { anyOf: [{ enum: ["A"] }, { type: "string" }] } } },
      Widget: {
        type: "object",
        properties: {
          part: { description: "x", $ref: "#/$defs/Part" },
          parts: { type: "array", items: { $ref: "#/$defs/Part" } },
          grid: { type: "array", items: { type: "array", items: { $ref: "#/$defs/Part" } } },
          tags: { type: "array", items: { type: "string" } },
        },
      },
      WidgetPatch: { type: "object", properties: { parts: { $ref: "#/$defs/Widget/properties/parts" } } },
      Kind: { type: "string", enum: ["A", "B"] },
      Free: { type: "object" },
      List: { type: "array", items: { $ref: "#/$defs/Part" } },
    });
    const part = { name: 0, any: 0, open: 0 };
    expect(table).toEqual({
      Part: part,
      Widget: { part, parts: [part], grid: [[part]], tags: 0 },
      WidgetPatch: { parts: [part] },
      Kind: 0,
      Free: 0,
      List: [part],
    });
    // One object per schema, shared wherever it is used.
    expect((table.Widget as FieldsMap).part).toBe(table.Part);
  });

  it("mirrors strictVariant: an object with its own additionalProperties, or without type object, is not closed", () => {
    expect(tableOf({ A: { type: "object", properties: { a: { type: "string" } }, additionalProperties: true }, B: { properties: { b: {} } } })).toEqual({
      A: 0,
      B: 0,
    });
  });

  it.each([
    ["an object inside anyOf", { A: { anyOf: [{ type: "object", properties: {} }, { type: "string" }] } }, /anyOf/],
    [
      "a $ref beside its own properties",
      { B: { type: "object", properties: {} }, A: { $ref: "#/$defs/B", type: "object", properties: { x: {} } } },
      /both from a \$ref/,
    ],
    ["a recursive schema", { A: { type: "object", properties: { child: { $ref: "#/$defs/A" } } } }, /recursive/],
    [
      "a closed object under additionalProperties",
      { A: { type: "object", properties: {}, additionalProperties: { type: "object", properties: {} } } },
      /additionalProperties/,
    ],
    ["a field named __proto__", JSON.parse('{"A": {"type": "object", "properties": {"__proto__": {}}}}') as Record<string, unknown>, /__proto__/],
  ])("refuses what the table cannot say: %s", (_, defs, message) => {
    expect(() => tableOf(defs)).toThrow(message);
  });
});

// --- The generated validators against ajv itself, on the fixtures and the spec's examples, and on them spoiled. ---

const clone = <T>(value: T): T => structuredClone(value);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Every object of a value (the root included), parents before children. */
function objects(value: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(value)) for (const v of value) objects(v, out);
  else if (isObject(value)) {
    out.push(value);
    for (const v of Object.values(value)) objects(v, out);
  }
  return out;
}

/** One value per object of the value, with unknown fields in that object only (one with a name to escape). */
function withOneUnknown(value: unknown): unknown[] {
  return objects(value).map((_, i) => {
    const copy = clone(value);
    Object.assign(objects(copy)[i]!, { x_colour: "red", "a/b~c": { nested: true } });
    return copy;
  });
}

/** Unknown fields in every object, each object's first field removed, and every third scalar of the wrong type. */
function spoiled(value: unknown): unknown {
  const copy = clone(value);
  let n = 0;
  const spoil = (node: unknown) => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => {
        if (typeof item === "object" && item !== null) spoil(item);
        else if (n++ % 3 === 0) node[i] = { wrong: 1 };
      });
    } else if (isObject(node)) {
      const first = Object.keys(node)[0];
      if (first !== undefined && Object.keys(node).length > 1) delete node[first];
      for (const [k, v] of Object.entries(node)) {
        if (typeof v === "object" && v !== null) spoil(v);
        else if (n++ % 3 === 0) node[k] = [v];
      }
      node.zz_unknown = 1;
      node["~tilde"] = { deeper: { x: 1 } };
    }
  };
  spoil(copy);
  return copy;
}

interface Case {
  schema: string;
  value: unknown;
}

function cases(version: string): Case[] {
  const found: Case[] = [];
  const dir = path.join(root, "packages/validators/fixtures", version);
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    const { valid } = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as { valid: Case[] };
    for (const c of valid) found.push({ schema: c.schema, value: c.value });
  }
  for (const check of loadExampleChecks(version) ?? []) found.push({ schema: check.schema, value: check.value });
  return found.flatMap((c) => [c, { ...c, value: spoiled(c.value) }, ...withOneUnknown(c.value).map((value) => ({ ...c, value }))]);
}

function compileAjv(version: VersionModel, strict: boolean): (name: string) => ValidateFunction {
  const ajv = new Ajv2020({ ...ajvOptions() });
  for (const name of RUNTIME_FORMATS) ajv.addFormat(name, formats[name]!);
  for (const file of version.files) ajv.addSchema((strict ? strictVariant(file.schema) : file.schema) as object);
  return (name) => ajv.getSchema(version.schemas.find((s) => s.name === name)!.ref)!;
}

describe.each(["2.1.1", "2.2.1", "2.3.0"])("OCPI %s: the generated validators say what ajv says", (v) => {
  let version: VersionModel;
  let lenient: (name: string) => ValidateFunction;
  let strict: (name: string) => ValidateFunction;
  const all = cases(v);
  beforeAll(async () => {
    const model = await loadSchemas(path.join(root, "schemas"), [v], { endpointsFormat: path.join(root, "schemas/endpoints.schema.json") });
    version = model.versions[0]!;
    lenient = compileAjv(version, false);
    strict = compileAjv(version, true);
  });

  const expected = (fn: ValidateFunction, value: unknown) =>
    fn(value) ? { ok: true, value } : { ok: false, errors: toIssues((fn.errors ?? []) as RawError[], patternNames(version)) };

  it(`on ${all.length} values (fixtures, spec examples, unknown fields in each object, everything spoiled at once)`, () => {
    let unknownReported = 0;
    for (const c of all) {
      const validator = GENERATED[v]![c.schema]!;
      expect(validator.validate(c.value), `${c.schema} lenient`).toEqual(expected(lenient(c.schema), c.value));
      const want = expected(strict(c.schema), c.value);
      expect(validator.validate(c.value, { strict: true }), `${c.schema} strict`).toEqual(want);
      expect(validator.is(c.value, { strict: true })).toBe(want.ok);
      if (!want.ok && want.errors!.some((e) => e.keyword === "additionalProperties")) unknownReported++;
    }
    // The comparison covers unknown fields at all (most values have some).
    expect(unknownReported).toBeGreaterThan(all.length / 2);
  });
});
