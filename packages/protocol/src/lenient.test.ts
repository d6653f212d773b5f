import { describe, expect, it } from "vitest";
import { repairDateTime, repairTimestamps } from "./lenient.js";

describe("repairDateTime", () => {
  it.each([
    ["2019-06-24 12:39:09", "2019-06-24T12:39:09"],
    ["2019-06-24 12:39:09Z", "2019-06-24T12:39:09Z"],
    ["2019-06-24 12:39:09.25Z", "2019-06-24T12:39:09.25Z"],
    ["2019-06-24T12:39:09+00:00", "2019-06-24T12:39:09Z"],
    ["2019-06-24T12:39:09+0000", "2019-06-24T12:39:09Z"],
    ["2019-06-24T12:39:09+02:00", "2019-06-24T12:39:09+02:00"],
    ["2019-06-24T12:39:09Z", "2019-06-24T12:39:09Z"],
    ["Main street 1", "Main street 1"],
  ])("%s -> %s", (input, output) => {
    expect(repairDateTime(input)).toBe(output);
  });
});

describe("repairTimestamps", () => {
  it("repairs deep values, lists what it changed, and leaves the input alone", () => {
    const input = { last_updated: "2019-06-24 12:39:09", evses: [{ uid: "a/b", last_updated: "2019-06-24T12:39:09+00:00" }] };
    const copy = structuredClone(input);
    expect(repairTimestamps(input)).toEqual({
      value: { last_updated: "2019-06-24T12:39:09", evses: [{ uid: "a/b", last_updated: "2019-06-24T12:39:09Z" }] },
      repaired: ["/last_updated", "/evses/0/last_updated"],
    });
    expect(input).toEqual(copy);
  });

  it("returns the same value when nothing needs repair", () => {
    const input = { a: ["2019-06-24T12:39:09Z"] };
    expect(repairTimestamps(input).value).toBe(input);
  });
});

/** The recursive implementation this one replaced, as the reference for ordinary input. */
function recursiveReference(value: unknown): { value: unknown; repaired: string[] } {
  const repaired: string[] = [];
  const walk = (node: unknown, pointer: string): unknown => {
    if (typeof node === "string") {
      const fixed = repairDateTime(node);
      if (fixed !== node) repaired.push(pointer);
      return fixed;
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, `${pointer}/${i}`));
    if (node !== null && typeof node === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(node)) out[key] = walk(item, `${pointer}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`);
      return out;
    }
    return node;
  };
  const out = walk(value, "");
  return { value: repaired.length ? out : value, repaired };
}

describe("repairTimestamps, iterative", () => {
  const spaced = "2019-06-24 12:39:09";
  const session = {
    id: "S1",
    start_date_time: spaced,
    end_date_time: "2019-06-24T14:00:00+00:00",
    kwh: 11.5,
    charging_periods: [
      { start_date_time: spaced, dimensions: [{ type: "ENERGY", volume: 1 }] },
      { start_date_time: "2019-06-24T13:00:00Z", dimensions: [] },
    ],
    "a/b~c": { "2": spaced, "1": [spaced, null, true, 0] },
    cdr_token: { uid: "012345678", last_updated: "2019-06-24 12:39:09.5Z" },
    last_updated: "2019-06-24T12:39:09Z",
  };

  it.each([
    ["a spaced string", spaced],
    ["a correct string", "2019-06-24T12:39:09Z"],
    ["a number", 42],
    ["null", null],
    ["true", true],
    ["an empty object", {}],
    ["an empty array", []],
    ["a session with repairs at every level", session],
    ["an array of sessions", [session, { ...session, id: "S2" }, "x", [spaced]]],
    ["nested arrays", [[[spaced]], [[], [spaced, [spaced]]]]],
    ["nothing to repair", { a: [{ b: "2019-06-24T12:39:09Z" }, 1, null] }],
  ])("gives the recursive implementation's result on %s", (_, input) => {
    const result = repairTimestamps(input);
    const reference = recursiveReference(input);
    expect(result).toEqual(reference);
    expect(result.repaired).toEqual(reference.repaired);
    expect(result.value === input).toBe(reference.value === input);
  });

  it("lists the repairs in document order with escaped pointers", () => {
    expect(repairTimestamps(session).repaired).toEqual([
      "/start_date_time",
      "/end_date_time",
      "/charging_periods/0/start_date_time",
      "/a~1b~0c/1/0",
      "/a~1b~0c/2",
      "/cdr_token/last_updated",
    ]);
  });

  const DEPTH = 100_000;
  const nestedObjects = (leaf: unknown) => {
    let v: unknown = leaf;
    for (let i = 0; i < DEPTH; i++) v = { a: v };
    return v;
  };
  const nestedArrays = (leaf: unknown) => {
    let v: unknown = leaf;
    for (let i = 0; i < DEPTH; i++) v = [v];
    return v;
  };

  it.each([
    ["objects", nestedObjects, "/a"],
    ["arrays", nestedArrays, "/0"],
  ] as const)("does not throw on %s nested 100 000 levels deep and repairs the leaf", (_, nest, token) => {
    const input = nest(spaced);
    let result: ReturnType<typeof repairTimestamps> | undefined;
    expect(() => (result = repairTimestamps(input))).not.toThrow();
    expect(result!.repaired).toHaveLength(1);
    expect(result!.repaired[0]).toBe(token.repeat(DEPTH));
    let leaf: unknown = result!.value;
    for (let i = 0; i < DEPTH; i++) leaf = (leaf as Record<string, unknown>)[token.slice(1)];
    expect(leaf).toBe("2019-06-24T12:39:09");
    // Not expect().not.toBe: on values this deep, vitest's diff of two distinct objects recurses itself.
    expect(result!.value === input).toBe(false);
  });

  it("returns deep input unchanged, the same value, when nothing needs repair", () => {
    const input = nestedObjects("2019-06-24T12:39:09Z");
    expect(() => repairTimestamps(input)).not.toThrow();
    const result = repairTimestamps(input);
    expect(result.repaired).toEqual([]);
    expect(result.value === input).toBe(true);
  });

  it("keeps a __proto__ key from JSON as a field, not as the copy's prototype", () => {
    const input = JSON.parse('{"__proto__": {"last_updated": "2019-06-24 12:39:09"}, "x": 1}') as object;
    const { value, repaired } = repairTimestamps(input);
    expect(repaired).toEqual(["/__proto__/last_updated"]);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value as object)).toEqual(["__proto__", "x"]);
    expect(Object.getOwnPropertyDescriptor(value, "__proto__")?.value).toEqual({ last_updated: "2019-06-24T12:39:09" });
  });

  it("refuses a cyclic value instead of looping", () => {
    const cyclic: Record<string, unknown> = { a: "2019-06-24 12:39:09" };
    cyclic.self = cyclic;
    expect(() => repairTimestamps(cyclic)).toThrow(TypeError);
    const shared = { t: "2019-06-24 12:39:09" };
    expect(repairTimestamps({ a: shared, b: shared }).repaired).toEqual(["/a/t", "/b/t"]);
  });
});
