import { describe, expect, it } from "vitest";
import { toIssues, type RawError } from "./issues.js";
import { compileKnownFields, hasUnknownFields, mergeUnknownFieldErrors, unknownFieldErrors, type KnownFields } from "./unknown-fields.js";

// A small table as the generator writes one: a class used in two places, a list of objects, a list of lists.
const DisplayText = { language: 0, text: 0 } as const;
const Price = { excl_vat: 0, incl_vat: 0 } as const;
const Element = { prices: [Price], note: DisplayText } as const;
const Tariff: KnownFields = { id: 0, alt_text: [DisplayText], elements: [Element], min_price: Price, grid: [[Price]], "a/b~c": DisplayText, data: 0 };

const tariff = compileKnownFields(Tariff);
/** The unknown fields' pointers and messages, as a user sees them. */
const pointers = (value: unknown, node: KnownFields = Tariff) => toIssues(unknownFieldErrors(value, compileKnownFields(node))).map((i) => i.pointer);

describe("unknown fields", () => {
  it.each<[string, unknown, string[]]>([
    ["none", { id: "T1", alt_text: [{ language: "en", text: "x" }], min_price: { excl_vat: 1 } }, []],
    ["at the root", { id: "T1", colour: "red" }, ["/colour"]],
    ["several at the root, in the value's order", { zz: 1, id: "T1", aa: 2 }, ["/zz", "/aa"]],
    ["in a nested object", { min_price: { excl_vat: 1, vat: 21 } }, ["/min_price/vat"]],
    [
      "in an array of objects",
      {
        alt_text: [
          { language: "en", text: "a" },
          { language: "de", text: "b", tone: "x" },
        ],
      },
      ["/alt_text/1/tone"],
    ],
    ["in the same class at two places", { alt_text: [{ x: 1 }], elements: [{ note: { y: 1 } }] }, ["/alt_text/0/x", "/elements/0/note/y"]],
    ["in arrays inside arrays of objects", { elements: [{ prices: [{ excl_vat: 1 }, { excl_vat: 1, z: 0 }] }] }, ["/elements/0/prices/1/z"]],
    ["in a list of lists", { grid: [[{ excl_vat: 1 }], [{ q: 1 }]] }, ["/grid/1/0/q"]],
    [
      "an object's own unknown fields before those of its fields' contents, which follow the schema's order",
      { min_price: { m: 1 }, alt_text: [{ a: 1 }], top: 1 },
      ["/top", "/alt_text/0/a", "/min_price/m"],
    ],
    ["escaped in the field's name (~0, ~1)", { "x/y": 1, "t~": 2 }, ["/x~1y", "/t~0"]],
    ["escaped in the path to it", { "a/b~c": { language: "en", "we/ird~": 1 } }, ["/a~1b~0c/we~1ird~0"]],
    ["not looked for inside an unknown field", { extra: { deep: { deeper: 1 } } }, ["/extra"]],
    ["not looked for inside a free value", { data: { anything: { goes: 1 } } }, []],
    [
      "names of Object.prototype are unknown too",
      JSON.parse('{"constructor": 1, "toString": 2, "__proto__": {"x": 1}, "hasOwnProperty": 3}'),
      ["/constructor", "/toString", "/__proto__", "/hasOwnProperty"],
    ],
  ])("%s", (_, value, expected) => {
    expect(pointers(value)).toEqual(expected);
    expect(hasUnknownFields(value, tariff)).toBe(expected.length > 0);
  });

  it.each<[string, unknown]>([
    ["null", null],
    ["a string", "T1"],
    ["a number", 42],
    ["a boolean", true],
    ["undefined", undefined],
    ["an array where an object is expected", [{ colour: "red" }]],
    ["an object where an array is expected", { alt_text: { colour: "red" } }],
    ["a string where an object is expected", { min_price: "1.00" }],
    ["a null field", { min_price: null, alt_text: [null, 1, "x"] }],
  ])("none in a value of the wrong type (the lenient validator reports its type): %s", (_, value) => {
    expect(pointers(value)).toEqual([]);
    expect(hasUnknownFields(value, tariff)).toBe(false);
  });

  it("a table of 0 allows everything; an empty map allows nothing; a list at the root", () => {
    expect(pointers({ a: 1 }, 0)).toEqual([]);
    expect(pointers({ a: 1, b: { c: 1 } }, {})).toEqual(["/a", "/b"]);
    expect(pointers([{ language: "en" }, { colour: "red" }], [DisplayText])).toEqual(["/1/colour"]);
  });

  it("reports in ajv's error shape, which the issues say in plain words", () => {
    expect(unknownFieldErrors({ min_price: { vat: 21 } }, tariff)).toEqual([
      { instancePath: "/min_price", schemaPath: "#/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: "vat" } },
    ]);
    expect(toIssues(unknownFieldErrors({ min_price: { "v/t": 21 } }, tariff))).toEqual([
      { pointer: "/min_price/v~1t", message: "is not a field of this object", keyword: "additionalProperties" },
    ]);
  });

  it("compiles a table once, shared objects into shared objects, without prototypes", () => {
    expect(compileKnownFields(Tariff)).toBe(tariff);
    const walked = tariff as Record<string, unknown>;
    expect(Object.getPrototypeOf(walked)).toBeNull();
    expect((walked.alt_text as unknown[])[0]).toBe(walked["a/b~c"]);
    expect(Object.keys(walked)).toEqual(Object.keys(Tariff));
  });
});

describe("mergeUnknownFieldErrors: the lenient errors and the unknown fields in ajv's order", () => {
  const error = (instancePath: string, keyword: string, params: Record<string, unknown> = {}): RawError => ({ instancePath, schemaPath: "#", keyword, params });
  const unknown = (instancePath: string, field: string) => error(instancePath, "additionalProperties", { additionalProperty: field });
  const at = (errors: RawError[]) =>
    errors.map((e) => `${e.instancePath} ${e.keyword === "additionalProperties" ? `+${String(e.params.additionalProperty)}` : e.keyword}`);

  it.each<[string, RawError[], RawError[], string[]]>([
    ["required at the object before its unknown fields", [error("", "required")], [unknown("", "x")], [" required", " +x"]],
    ["its fields' errors after its unknown fields", [error("/id", "type")], [unknown("", "x")], [" +x", "/id type"]],
    [
      "fields in the schema's order",
      [error("/id", "type"), error("/min_price/excl_vat", "type")],
      [unknown("/alt_text/0", "x")],
      ["/id type", "/alt_text/0 +x", "/min_price/excl_vat type"],
    ],
    [
      "items in index order",
      [error("/alt_text/0/text", "type"), error("/alt_text/2", "type")],
      [unknown("/alt_text/1", "x"), unknown("/alt_text/2", "y")],
      ["/alt_text/0/text type", "/alt_text/1 +x", "/alt_text/2 type", "/alt_text/2 +y"],
    ],
    ["an array's own errors before its items'", [error("/alt_text", "minItems")], [unknown("/alt_text/0", "x")], ["/alt_text minItems", "/alt_text/0 +x"]],
    [
      "inside a free value, by the field that holds it",
      [error("/min_price", "type"), error("/data/a/b", "type")],
      [unknown("", "x"), unknown("/a~1b~0c", "y")],
      [" +x", "/min_price type", "/a~1b~0c +y", "/data/a/b type"],
    ],
    [
      "escaped names",
      [error("/a~1b~0c/text", "type")],
      [unknown("/min_price", "y"), unknown("/a~1b~0c", "x")],
      ["/min_price +y", "/a~1b~0c +x", "/a~1b~0c/text type"],
    ],
    ["only lenient errors", [error("/id", "type")], [], ["/id type"]],
    ["only unknown fields", [], [unknown("", "x")], [" +x"]],
  ])("%s", (_, errors, unknowns, expected) => {
    expect(at(mergeUnknownFieldErrors(errors, unknowns, tariff))).toEqual(expected);
  });
});
