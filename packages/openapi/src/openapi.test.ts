// The generated OpenAPI documents are valid OpenAPI 3.1, embed the JSON Schemas unchanged, and hold exactly the
// operations of each role.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { documents, roles } from "./generated/2.2.1/index.gen.js";
import * as v2_1_1 from "./generated/2.1.1/index.gen.js";
import * as v2_3_0 from "./generated/2.3.0/index.gen.js";

const schemasDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../schemas/2.2.1");
type Doc = {
  paths: Record<string, Record<string, { operationId: string; "x-ocpi": { module: string; interface?: string } }>>;
  components: { schemas: Record<string, unknown> };
};
const all = [
  ...Object.entries(v2_1_1.documents).map(([name, doc]) => [`2.1.1 ${name}`, doc]),
  ...Object.entries(documents).map(([name, doc]) => [`2.2.1 ${name}`, doc]),
  ...Object.entries(v2_3_0.documents).map(([name, doc]) => [`2.3.0 ${name}`, doc]),
] as [string, Doc][];

describe.each(all)("OCPI OpenAPI document %s", (_, doc) => {
  it("passes an OpenAPI 3.1 validator", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("resolves every $ref", async () => {
    const validator = new Validator();
    await validator.validate(structuredClone(doc) as never);
    expect(() => validator.resolveRefs()).not.toThrow();
  });
});

/** A schema with each `$ref` reduced to the name and pointer it names, to compare across documents. */
function normalizeRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalizeRefs);
  if (node === null || typeof node !== "object") return node;
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => [
      k,
      k === "$ref" && typeof v === "string" ? v.replace(/^(?:[a-z]+\.json)?#\/(?:\$defs|components\/schemas)\//, "") : normalizeRefs(v),
    ]),
  );
}

describe("components.schemas", () => {
  const files = [
    "common",
    "versions",
    "credentials",
    "transport",
    "locations",
    "sessions",
    "cdrs",
    "tariffs",
    "tokens",
    "commands",
    "chargingprofiles",
    "hubclientinfo",
  ];
  const defs = Object.assign(
    {},
    ...files.map((f) => (JSON.parse(readFileSync(path.join(schemasDir, `${f}.json`), "utf8")) as { $defs: object }).$defs),
  ) as Record<string, unknown>;

  // The Patch schemas are derived from the objects listed in endpoints.json's `patches`.
  const patches = (JSON.parse(readFileSync(path.join(schemasDir, "endpoints.json"), "utf8")) as { patches: Record<string, string[]> }).patches;

  it("embeds every named schema with only its references re-pointed", () => {
    const embedded = documents.ocpi.components.schemas as Record<string, unknown>;
    expect(Object.keys(embedded).sort()).toEqual([...Object.keys(defs), ...Object.keys(patches).map((n) => `${n}Patch`)].sort());
    for (const [name, schema] of Object.entries(defs)) expect(normalizeRefs(embedded[name]), name).toEqual(normalizeRefs(schema));
  });

  it.each(Object.entries(patches))("derives %sPatch: every property of the object, optional but %j", (name, required) => {
    const patch = (documents.ocpi.components.schemas as unknown as Record<string, { properties: Record<string, { $ref: string }>; required?: string[] }>)[
      `${name}Patch`
    ]!;
    const object = defs[name] as { properties: Record<string, unknown> };
    expect(Object.keys(patch.properties)).toEqual(Object.keys(object.properties));
    for (const [key, prop] of Object.entries(patch.properties)) expect(prop).toEqual({ $ref: `#/components/schemas/${name}/properties/${key}` });
    expect(patch.required ?? []).toEqual(required);
  });
});

describe("role bundles", () => {
  const interfacesOf = (doc: Doc) =>
    [...new Set(Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => `${op["x-ocpi"].module}:${op["x-ocpi"].interface ?? ""}`)))].sort();

  it.each([
    [
      "cpo",
      [
        "cdrs:SENDER",
        "chargingprofiles:RECEIVER",
        "commands:RECEIVER",
        "credentials:SENDER",
        "discovery:",
        "hubclientinfo:RECEIVER",
        "locations:SENDER",
        "sessions:SENDER",
        "tariffs:SENDER",
        "tokens:RECEIVER",
      ],
    ],
    [
      "emsp",
      [
        "cdrs:RECEIVER",
        "chargingprofiles:SENDER",
        "commands:SENDER",
        "credentials:SENDER",
        "discovery:",
        "hubclientinfo:RECEIVER",
        "locations:RECEIVER",
        "sessions:RECEIVER",
        "tariffs:RECEIVER",
        "tokens:SENDER",
      ],
    ],
  ] as const)("%s serves exactly its interfaces", (role, expected) => {
    expect(interfacesOf(documents[role] as Doc)).toEqual(expected);
  });

  it("the whole document holds every operation once", () => {
    const ids = Object.values((documents.ocpi as Doc).paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    const endpoints = JSON.parse(readFileSync(path.join(schemasDir, "endpoints.json"), "utf8")) as {
      discovery: unknown[];
      modules: { interfaces: { operations: unknown[] }[] }[];
    };
    const described = endpoints.discovery.length + endpoints.modules.flatMap((m) => m.interfaces.flatMap((i) => i.operations)).length;
    expect(ids.length).toBe(described);
    expect(roles).toContain("CPO");
  });
});
