// The loader enforces the schema conventions that every emitter and outside tool relies on.
import { describe, expect, it } from "vitest";
import { buildVersionModel, RefResolver, SchemaConventionError, type JsonSchema, type SchemaFile } from "../src/index.js";

const id = (name: string) => `https://ocpi-sdk.dev/schemas/1.0.0/${name}.json`;
const file = (name: string, defs: Record<string, JsonSchema>): SchemaFile => ({
  name,
  id: id(name),
  title: name,
  description: "",
  schema: { $id: id(name), $defs: defs },
});
const thing: JsonSchema = {
  title: "Thing",
  type: "object",
  properties: { id: { type: "string" }, last_updated: { type: "string" } },
  required: ["id", "last_updated"],
};
const patchOf = (props: string[], extra: JsonSchema = {}): JsonSchema => ({
  title: "ThingPatch",
  type: "object",
  properties: Object.fromEntries(props.map((p) => [p, { $ref: `#/$defs/Thing/properties/${p}` }])),
  required: ["last_updated"],
  ...extra,
});

describe("buildVersionModel", () => {
  it("classifies named schemas", () => {
    const v = buildVersionModel("1.0.0", [
      file("a", {
        Thing: thing,
        ThingPatch: patchOf(["id", "last_updated"]),
        Colour: { title: "Colour", type: "string", enum: ["RED"] },
        Shade: { title: "Shade", anyOf: [{ enum: ["DARK"] }, { type: "string" }] },
        DateTime: { title: "DateTime", type: "string" },
      }),
    ]);
    expect(v.ident).toBe("v1_0_0");
    expect(v.schemas.map((s) => [s.name, s.kind, s.patchOf])).toEqual([
      ["Thing", "object", undefined],
      ["ThingPatch", "patch", "Thing"],
      ["Colour", "enum", undefined],
      ["Shade", "enum", undefined],
      ["DateTime", "scalar", undefined],
    ]);
  });

  it.each([
    ["a title that differs from its key", { Thing: { ...thing, title: "Other" } }, /title must equal the \$defs key/],
    ["a Patch missing a property", { Thing: thing, ThingPatch: patchOf(["last_updated"]) }, /properties must be those of Thing/],
    [
      "a Patch with its own constraint",
      {
        Thing: thing,
        ThingPatch: {
          ...patchOf(["id", "last_updated"]),
          properties: { id: { $ref: "#/$defs/Thing/properties/id", maxLength: 3 }, last_updated: { $ref: "#/$defs/Thing/properties/last_updated" } },
        },
      },
      /must be only/,
    ],
    [
      "a Patch requiring more than last_updated",
      { Thing: thing, ThingPatch: patchOf(["id", "last_updated"], { required: ["id", "last_updated"] }) },
      /required must be \["last_updated"\] or nothing/,
    ],
    ["a Patch of nothing", { ThingPatch: patchOf(["id"]) }, /no object Thing/],
  ])("rejects %s", (_, defs, message) => {
    expect(() => buildVersionModel("1.0.0", [file("a", defs as Record<string, JsonSchema>)])).toThrow(SchemaConventionError);
    expect(() => buildVersionModel("1.0.0", [file("a", defs as Record<string, JsonSchema>)])).toThrow(message);
  });

  it("rejects a name defined in two files", () => {
    expect(() => buildVersionModel("1.0.0", [file("a", { Thing: thing }), file("b", { Thing: thing })])).toThrow(/already defined in a/);
  });
});

describe("RefResolver", () => {
  const v = buildVersionModel("1.0.0", [file("a", { Thing: thing }), file("b", { Colour: { title: "Colour", enum: ["RED"] } })]);
  const resolver = new RefResolver(v);

  it.each([
    ["b.json#/$defs/Colour", "Colour"],
    ["#/$defs/Thing", "Thing"],
  ])("resolves %s to the named schema %s", (ref, name) => {
    expect(resolver.resolve(ref, id("a")).named?.name).toBe(name);
  });

  it("resolves a pointer into a named schema to the plain subschema", () => {
    const r = resolver.resolve("#/$defs/Thing/properties/id", id("a"));
    expect(r).toEqual({ schema: { type: "string" }, baseId: id("a") });
  });

  it.each([
    ["c.json#/$defs/X", /names no schema file/],
    ["#/$defs/Nothing", /points at nothing/],
  ])("fails clearly on %s", (ref, message) => {
    expect(() => resolver.resolve(ref, id("a"))).toThrow(message);
  });
});
