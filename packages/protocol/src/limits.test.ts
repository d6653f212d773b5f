import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_JSON_DEPTH, hasForbiddenKey, jsonDepthExceeded } from "./limits.js";

/** A value nested `depth` containers deep (the innermost holds `leaf`), of objects under `key` or of arrays. */
function nested(depth: number, kind: "object" | "array", leaf: unknown = 1, key = "a"): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = kind === "array" ? [v] : { [key]: v };
  return v;
}

describe("jsonDepthExceeded", () => {
  it.each<[string, unknown, number, string | undefined]>([
    ["a scalar root, limit 0", 42, 0, undefined],
    ["a string root", "deep", 1, undefined],
    ["null", null, 1, undefined],
    ["an empty object at limit 1", {}, 1, undefined],
    ["an empty object at limit 0", {}, 0, ""],
    ["an empty array at limit 0", [], 0, ""],
    ["scalars add no depth", { a: 1, b: "x", c: null, d: true }, 1, undefined],
    ["an object in an object over limit 1", { a: { b: 1 } }, 1, "/a"],
    ["an object in an object at limit 2", { a: { b: 1 } }, 2, undefined],
    ["an empty container counts", { a: [] }, 1, "/a"],
    ["an array in an array", [1, [2]], 1, "/1"],
    ["the first offender in document order", { a: { b: {} }, c: { d: {} } }, 2, "/a/b"],
    ["the later branch when only it is too deep", { a: { b: 1 }, c: { d: { e: {} } } }, 2, "/c/d"],
    ["pointer tokens escaped", { "a/b": { "c~d": [{}] } }, 2, "/a~1b/c~0d"],
    ["array indexes in the pointer", { list: [1, 2, { x: [[]] }] }, 3, "/list/2/x"],
    ["depth 3 at limit 3", nested(3, "object"), 3, undefined],
    ["depth 4 at limit 3", nested(4, "object"), 3, "/a/a/a"],
    ["depth 65 at the default", nested(65, "array"), DEFAULT_MAX_JSON_DEPTH, "/0".repeat(64)],
    ["depth 64 at the default", nested(64, "array"), DEFAULT_MAX_JSON_DEPTH, undefined],
    ["no limit", nested(1000, "object"), Infinity, undefined],
  ])("%s", (_, value, maxDepth, expected) => {
    expect(jsonDepthExceeded(value, maxDepth)).toBe(expected);
  });

  it.each([
    ["objects", "object", "/a"],
    ["arrays", "array", "/0"],
  ] as const)("does not throw on %s nested 100 000 levels deep", (_, kind, token) => {
    const value = nested(100_000, kind);
    expect(jsonDepthExceeded(value, DEFAULT_MAX_JSON_DEPTH)).toBe(token.repeat(DEFAULT_MAX_JSON_DEPTH));
    expect(jsonDepthExceeded(value, 100_000)).toBeUndefined();
    expect(jsonDepthExceeded(value, 99_999)).toBe(token.repeat(99_999));
  });

  it("reports a cyclic value instead of walking it forever", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(jsonDepthExceeded(cyclic, 3)).toBe("/self/self/self");
  });

  it.each([-1, NaN])("refuses a limit of %s", (maxDepth) => {
    expect(() => jsonDepthExceeded({}, maxDepth)).toThrow(RangeError);
  });
});

describe("hasForbiddenKey", () => {
  const parse = (text: string) => JSON.parse(text) as unknown;
  it.each<[string, unknown, string | undefined]>([
    ["a scalar", "__proto__", undefined],
    ["null", null, undefined],
    ["a clean object", { id: "LOC1", evses: [{ uid: "E1", connectors: [{ id: "1" }] }] }, undefined],
    ["a value named like a forbidden key", { name: "constructor", list: ["__proto__", "prototype"] }, undefined],
    ["a key that only contains a forbidden word", { constructors: 1, __proto: 2, prototypes: 3 }, undefined],
    ["__proto__ at the root (from JSON.parse)", parse('{"id": 1, "__proto__": {"admin": true}}'), "/__proto__"],
    ["constructor deep inside", { evses: [{ uid: "E1" }, { uid: "E2", meta: { constructor: { prototype: 1 } } }] }, "/evses/1/meta/constructor"],
    ["prototype in an array's object", [1, { prototype: null }], "/1/prototype"],
    ["the first in document order", parse('{"a": {"b": {"constructor": 1}}, "__proto__": 2}'), "/a/b/constructor"],
    ["a forbidden key with a scalar value", { prototype: 0 }, "/prototype"],
    ["pointer tokens escaped", { "a/b": { "~": { __proto__x: 1, constructor: 1 } } }, "/a~1b/~0/constructor"],
  ])("%s", (_, value, expected) => {
    expect(hasForbiddenKey(value)).toBe(expected);
  });

  it("ignores inherited keys: only own keys count", () => {
    class Thing {
      x = 1;
    }
    expect(hasForbiddenKey(new Thing())).toBeUndefined();
    expect(hasForbiddenKey(Object.create({ constructor: 1 }))).toBeUndefined();
  });

  it.each([
    ["objects", "object"],
    ["arrays", "array"],
  ] as const)("does not throw on %s nested 100 000 levels deep", (_, kind) => {
    expect(hasForbiddenKey(nested(100_000, kind, { ok: true }))).toBeUndefined();
    const bad = hasForbiddenKey(nested(100_000, kind, parse('{"__proto__": 1}')));
    expect(bad).toBe(`${(kind === "array" ? "/0" : "/a").repeat(100_000)}/__proto__`);
  });

  it("looks at a shared or cyclic container once", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(hasForbiddenKey(cyclic)).toBeUndefined();
    const shared = { b: 1 };
    expect(hasForbiddenKey({ x: shared, y: shared, z: { constructor: 1 } })).toBe("/z/constructor");
  });
});

describe("DEFAULT_MAX_JSON_DEPTH", () => {
  const fixturesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../validators/fixtures");
  /** Depth as jsonDepthExceeded counts it: the smallest limit the value does not exceed. */
  const depthOf = (value: unknown) => {
    let depth = 0;
    while (jsonDepthExceeded(value, depth) !== undefined) depth++;
    return depth;
  };
  const valid = readdirSync(fixturesDir).flatMap((version) =>
    readdirSync(path.join(fixturesDir, version))
      .filter((f) => f.endsWith(".json"))
      .flatMap((f) =>
        (JSON.parse(readFileSync(path.join(fixturesDir, version, f), "utf8")) as { valid: { name: string; value: unknown }[] }).valid.map((c) => ({
          where: `${version}/${f}: ${c.name}`,
          value: c.value,
        })),
      ),
  );

  it("is 64", () => {
    expect(DEFAULT_MAX_JSON_DEPTH).toBe(64);
  });

  it("is far above the deepest valid OCPI object of any version, even in a list response's envelope", () => {
    expect(valid.length).toBeGreaterThan(100);
    const deepest = Math.max(...valid.map((c) => depthOf(c.value)));
    // 7 when this was written: CDR → tariffs[] → Tariff → elements[] → TariffElement → price_components[] → PriceComponent.
    expect(deepest).toBe(7);
    const inEnvelope = depthOf({ data: [valid.find((c) => depthOf(c.value) === deepest)!.value], status_code: 1000 });
    expect(inEnvelope).toBe(deepest + 2);
    expect(inEnvelope * 4).toBeLessThanOrEqual(DEFAULT_MAX_JSON_DEPTH);
  });
});
