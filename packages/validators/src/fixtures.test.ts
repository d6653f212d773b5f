// Our own valid and invalid payloads for every module (fixtures/<version>/<module>.json): each valid one passes
// (also strictly), each invalid one, a mutation of a valid one, is rejected at the field it breaks.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Validator } from "./runtime/validator.js";
import { validators as v2_1_1 } from "./generated/2.1.1/index.gen.js";
import { validators as v2_2_1 } from "./generated/2.2.1/index.gen.js";
import { validators as v2_3_0 } from "./generated/2.3.0/index.gen.js";

const VERSIONS: Record<string, Record<string, Validator<unknown>>> = { "2.1.1": v2_1_1, "2.2.1": v2_2_1, "2.3.0": v2_3_0 };
const fixturesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures");
const schemasDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../schemas");

interface ValidCase {
  name: string;
  schema: string;
  value: unknown;
}
interface InvalidCase {
  name: string;
  from: string;
  schema?: string;
  remove?: string[];
  set?: Record<string, unknown>;
  pointer: string;
  /** The keyword that must reject it, where another one could mask a gap (a pattern that accepts February 30). */
  keyword?: string;
}
interface FixtureFile {
  valid: ValidCase[];
  invalid: InvalidCase[];
}

const tokens = (pointer: string) =>
  pointer
    .split("/")
    .slice(1)
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));

/** The parent container of a pointer's target and the target's key in it. */
function locate(root: unknown, pointer: string): [Record<string, unknown> | unknown[], string] {
  const keys = tokens(pointer);
  const last = keys.pop();
  if (last === undefined) throw new Error("the root has no parent");
  let node = root as Record<string, unknown>;
  for (const key of keys) node = node[key] as Record<string, unknown>;
  if (node === null || typeof node !== "object") throw new Error(`${pointer}: no such parent`);
  return [node, last];
}

function mutate(base: unknown, { remove = [], set = {} }: Pick<InvalidCase, "remove" | "set">): unknown {
  let value = structuredClone(base);
  for (const pointer of remove) {
    const [parent, key] = locate(value, pointer);
    if (!(key in parent)) throw new Error(`${pointer}: nothing to remove`);
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  }
  for (const [pointer, replacement] of Object.entries(set)) {
    if (pointer === "") {
      value = structuredClone(replacement);
      continue;
    }
    const [parent, key] = locate(value, pointer);
    (parent as Record<string, unknown>)[key] = replacement;
  }
  return value;
}

for (const [version, validators] of Object.entries(VERSIONS)) {
  const dir = path.join(fixturesDir, version);
  const modules = readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort();

  describe.each(modules)(`OCPI ${version} fixtures: %s`, (module) => {
    const fixtures = JSON.parse(readFileSync(path.join(dir, module), "utf8")) as FixtureFile;
    const byName = new Map(fixtures.valid.map((c) => [c.name, c]));
    const validatorOf = (schema: string) => {
      const validator = validators[schema];
      if (!validator) throw new Error(`no validator named ${schema}`);
      return validator;
    };

    it.each(fixtures.valid.map((c) => [c.name, c] as const))("valid: %s", (_, c) => {
      expect(validatorOf(c.schema).validate(c.value)).toEqual({ ok: true, value: c.value });
      expect(validatorOf(c.schema).validate(c.value, { strict: true }).ok).toBe(true);
    });

    /** The issues at the case's own pointer. */
    const issuesOf = (c: InvalidCase) => {
      const base = byName.get(c.from);
      if (!base) throw new Error(`${c.name}: no valid case named ${c.from}`);
      const result = validatorOf(c.schema ?? base.schema).validate(mutate(base.value, c));
      return result.ok ? [] : result.errors.filter((e) => e.pointer === c.pointer);
    };

    it.each(fixtures.invalid.map((c) => [c.name, c] as const))("invalid: %s", (_, c) => {
      expect(issuesOf(c)).not.toEqual([]);
      if (c.keyword) expect(issuesOf(c).map((e) => e.keyword)).toContain(c.keyword);
    });

    it("covers every kind of invalid input the module can have", () => {
      const schemaText = readFileSync(path.join(schemasDir, version, module), "utf8");
      // What the module's schemas (and the basic types they use) can reject.
      const can = (re: RegExp) => re.test(schemaText);
      const wanted = [
        "required",
        "type",
        ...(can(/"enum"|\$defs\/Role"/) ? ["enum"] : []),
        ...(can(/"maxLength"|\$defs\/URL"/) ? ["maxLength"] : []),
        ...(can(/"pattern"|\$defs\/(DateTime|CiString|string)"/) ? ["pattern"] : []),
        ...(can(/"minItems"/) ? ["minItems"] : []),
      ];
      const seen = new Set(fixtures.invalid.flatMap((c) => issuesOf(c).map((e) => e.keyword)));
      expect([...seen].sort()).toEqual(expect.arrayContaining(wanted.sort()));
      const schemas = new Set(fixtures.valid.map((c) => c.schema));
      const patches = [...schemas].filter((s) => s.endsWith("Patch"));
      // Where a Patch requires last_updated (2.2 and later, mostly), a fixture must show it missing.
      for (const patch of patches.filter((p) => !validatorOf(p).is({}))) {
        expect(
          fixtures.invalid.some((c) => (c.schema ?? byName.get(c.from)?.schema) === patch && c.pointer === "/last_updated"),
          patch,
        ).toBe(true);
      }
    });
  });
}
