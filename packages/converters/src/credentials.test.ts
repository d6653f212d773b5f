import { readFileSync } from "node:fs";
import type * as V211 from "@ocpi-sdk/types/2.1.1";
import type * as V221 from "@ocpi-sdk/types/2.2.1";
import type * as V230 from "@ocpi-sdk/types/2.3.0";
import type { Validator } from "@ocpi-sdk/validators";
import { validators as v211 } from "@ocpi-sdk/validators/2.1.1";
import { validators as v221 } from "@ocpi-sdk/validators/2.2.1";
import { validators as v230 } from "@ocpi-sdk/validators/2.3.0";
import { describe, expect, it } from "vitest";
import type { Conversion, ConversionNote } from "./conversion.js";
import {
  credentialsV211ToV221,
  credentialsV211ToV230,
  credentialsV221ToV211,
  credentialsV221ToV230,
  credentialsV230ToV211,
  credentialsV230ToV221,
} from "./credentials.js";

// ---------------------------------------------------------------------------------------------------------------
// Test helpers (the same in every converter test file)

type Version = "2.1.1" | "2.2.1" | "2.3.0";
const VALIDATORS = { "2.1.1": v211, "2.2.1": v221, "2.3.0": v230 } as unknown as Record<
  Version,
  Record<string, Validator<unknown>>
>;
const MODULE = "credentials";

function fixtures<T>(version: Version, schema: string): { name: string; value: T }[] {
  const url = new URL(`../../validators/fixtures/${version}/${MODULE}.json`, import.meta.url);
  const file = JSON.parse(readFileSync(url, "utf8")) as { valid: { name: string; schema: string; value: T }[] };
  const found = file.valid.filter((c) => c.schema === schema).map(({ name, value }) => ({ name, value }));
  if (found.length === 0) throw new Error(`no valid ${version} ${schema} fixture`);
  return found;
}

function fixture<T>(version: Version, schema: string, name: string): T {
  const found = fixtures<T>(version, schema).find((c) => c.name === name);
  if (found === undefined) throw new Error(`no ${version} ${schema} fixture "${name}"`);
  return structuredClone(found.value);
}

function expectValid(version: Version, schema: string, value: unknown): void {
  const validator = VALIDATORS[version][schema];
  if (validator === undefined) throw new Error(`no ${version} validator ${schema}`);
  const result = validator.validate(value, { strict: true });
  expect(result.ok ? [] : result.errors).toEqual([]);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

const pointersOf = (notes: ConversionNote[], kind: ConversionNote["kind"]) =>
  notes.filter((n) => n.kind === kind).map((n) => n.pointer);

const keysOf = (pointer: string) =>
  pointer
    .split("/")
    .slice(1)
    .map((k) => k.replace(/~1/g, "/").replace(/~0/g, "~"));

function has(value: unknown, pointer: string): boolean {
  let node = value;
  for (const key of keysOf(pointer)) {
    if (node === null || typeof node !== "object" || !(key in node)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

/** A copy of `value` without what the pointers name (array items removed, object fields deleted). */
function without(value: unknown, pointers: readonly string[]): unknown {
  const gone = Symbol("gone");
  const copy = structuredClone(value) as Record<string, unknown>;
  for (const pointer of pointers) {
    if (!has(copy, pointer)) continue;
    const keys = keysOf(pointer);
    const last = keys.pop() as string;
    let parent: Record<string, unknown> = copy;
    for (const key of keys) parent = parent[key] as Record<string, unknown>;
    parent[last] = gone;
  }
  const sweep = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.filter((item) => item !== gone).map(sweep);
    if (node !== null && typeof node === "object") {
      return Object.fromEntries(
        Object.entries(node)
          .filter(([, v]) => v !== gone)
          .map(([k, v]) => [k, sweep(v)]),
      );
    }
    return node;
  };
  return sweep(copy);
}

/**
 * original → there → back gives the original except the fields noted dropped on the way there (deleted from the
 * original), the fields noted defaulted on the way back (which must be fields that were dropped or absent), and the
 * `lossy` pointers: values mapped to another enum value there, which must be noted as changed.
 */
function expectRoundTrip<A, B>(
  original: A,
  there: (value: A) => Conversion<B>,
  back: (value: B) => Conversion<A>,
  lossy: readonly string[] = [],
): void {
  const first = there(original);
  const second = back(first.value);
  const dropped = pointersOf(first.notes, "dropped");
  const defaulted = pointersOf(second.notes, "defaulted");
  for (const pointer of defaulted) expect(dropped.includes(pointer) || !has(original, pointer), pointer).toBe(true);
  for (const pointer of lossy) expect(pointersOf(first.notes, "changed")).toContain(pointer);
  expect(without(second.value, [...defaulted, ...lossy])).toStrictEqual(without(original, [...dropped, ...lossy]));
}

const sortNotes = (notes: ConversionNote[]) => notes.map(({ kind, pointer }) => `${kind} ${pointer}`).sort();

// ---------------------------------------------------------------------------------------------------------------

const CPO_211 = fixture<V211.Credentials>("2.1.1", "Credentials", "credentials with full business details");
const TWO_ROLES_221 = fixture<V221.Credentials>("2.2.1", "Credentials", "credentials of a platform with two roles");
const CPO_221 = fixture<V221.Credentials>("2.2.1", "Credentials", "credentials of a CPO");
const HUB_ROLE_221 = fixture<V221.CredentialsRole>("2.2.1", "CredentialsRole", "credentials role");
const HUB_230 = fixture<V230.Credentials>("2.3.0", "Credentials", "credentials of a hub");

const CONVERSIONS: {
  schema: string;
  from: Version;
  to: Version;
  convert: (value: never) => Conversion<unknown>;
}[] = [
  {
    schema: "Credentials",
    from: "2.1.1",
    to: "2.2.1",
    convert: (c: V211.Credentials) => credentialsV211ToV221(c, { role: "CPO" }),
  },
  { schema: "Credentials", from: "2.2.1", to: "2.1.1", convert: (c: V221.Credentials) => credentialsV221ToV211(c) },
  { schema: "Credentials", from: "2.2.1", to: "2.3.0", convert: credentialsV221ToV230 },
  { schema: "Credentials", from: "2.3.0", to: "2.2.1", convert: credentialsV230ToV221 },
  {
    schema: "Credentials",
    from: "2.1.1",
    to: "2.3.0",
    convert: (c: V211.Credentials) => credentialsV211ToV230(c, { role: "EMSP" }),
  },
  { schema: "Credentials", from: "2.3.0", to: "2.1.1", convert: (c: V230.Credentials) => credentialsV230ToV211(c) },
];

describe.each(CONVERSIONS)("every valid $from $schema converts to a valid $to one", ({ schema, from, to, convert }) => {
  it.each(fixtures(from, schema))("$name", ({ value }) => {
    const input = deepFreeze(structuredClone(value));
    const result = convert(input as never);
    expectValid(to, schema, result.value);
    expect(input).toStrictEqual(value);
  });
});

const TRIPS: {
  schema: string;
  path: string;
  version: Version;
  there: (value: never) => Conversion<unknown>;
  back: (value: never, original: never) => Conversion<unknown>;
  lossy?: Record<string, string[]>;
}[] = [
  {
    schema: "Credentials",
    path: "2.2.1 → 2.1.1 → 2.2.1",
    version: "2.2.1",
    there: (c: V221.Credentials) => credentialsV221ToV211(c),
    back: (c: V211.Credentials, original: V221.Credentials) =>
      credentialsV211ToV221(c, { role: original.roles[0]!.role }),
  },
  {
    schema: "Credentials",
    path: "2.2.1 → 2.3.0 → 2.2.1",
    version: "2.2.1",
    there: credentialsV221ToV230,
    back: credentialsV230ToV221,
  },
  {
    schema: "Credentials",
    path: "2.3.0 → 2.2.1 → 2.3.0",
    version: "2.3.0",
    there: credentialsV230ToV221,
    back: credentialsV221ToV230,
  },
];

describe.each(TRIPS)("$schema round trip $path", ({ schema, version, there, back, lossy = {} }) => {
  it.each(fixtures(version, schema))("$name", ({ name, value }) => {
    expectRoundTrip(
      value,
      there as (v: unknown) => Conversion<unknown>,
      (v) => back(v as never, value as never),
      lossy[name],
    );
  });
});

it("the 2.2.1 → 2.3.0 → 2.2.1 round trip keeps a HUB role", () => {
  const hub: V221.Credentials = { ...CPO_221, roles: [HUB_ROLE_221, ...TWO_ROLES_221.roles] };
  expectRoundTrip(hub, credentialsV221ToV230, credentialsV230ToV221);
  expect(credentialsV230ToV221(credentialsV221ToV230(hub).value).value).toStrictEqual(hub);
});

// ---------------------------------------------------------------------------------------------------------------

describe("Credentials 2.1.1 ↔ 2.2.1", () => {
  it("2.1.1 → 2.2.1 moves the party into one role, whose role comes from the context", () => {
    const { value, notes } = credentialsV211ToV221(CPO_211, { role: "EMSP" });
    expect(value).toStrictEqual({
      token: CPO_211.token,
      url: CPO_211.url,
      roles: [{ role: "EMSP", business_details: CPO_211.business_details, party_id: "EXM", country_code: "BE" }],
    });
    expect(sortNotes(notes)).toStrictEqual([
      "changed /business_details",
      "changed /country_code",
      "changed /party_id",
      "defaulted /roles/0/role",
    ]);
  });

  it("2.2.1 → 2.1.1 keeps the first role by default and drops the others", () => {
    const { value, notes } = credentialsV221ToV211(TWO_ROLES_221);
    expect(value).toStrictEqual({
      token: TWO_ROLES_221.token,
      url: TWO_ROLES_221.url,
      business_details: TWO_ROLES_221.roles[0]!.business_details,
      party_id: "EXA",
      country_code: "NL",
    });
    expect(sortNotes(notes)).toStrictEqual([
      "changed /roles/0/business_details",
      "changed /roles/0/country_code",
      "changed /roles/0/party_id",
      "dropped /roles/0/role",
      "dropped /roles/1",
    ]);
  });

  it("2.2.1 → 2.1.1 keeps the role the context names", () => {
    const { value, notes } = credentialsV221ToV211(TWO_ROLES_221, { role: "EMSP" });
    expect(value).toMatchObject({ party_id: "EXM", country_code: "BE" });
    expect(pointersOf(notes, "dropped")).toStrictEqual(["/roles/0", "/roles/1/role"]);
  });

  it("2.2.1 → 2.1.1 throws when no role plays the context's role", () => {
    expect(() => credentialsV221ToV211(TWO_ROLES_221, { role: "NSP" })).toThrow(RangeError);
  });

  it("2.2.1 → 2.1.1 throws on a token that is not printable ASCII", () => {
    expect(() => credentialsV221ToV211({ ...CPO_221, token: "jeton-é" })).toThrow(/token/);
  });

  it("2.2.1 → 2.1.1 transliterates a non-ASCII business name", () => {
    const credentials: V221.Credentials = {
      ...CPO_221,
      roles: [{ ...CPO_221.roles[0]!, business_details: { name: "Société Électrique" } }],
    };
    const { value, notes } = credentialsV221ToV211(credentials);
    expect(value.business_details).toStrictEqual({ name: "Societe Electrique" });
    expect(pointersOf(notes, "changed")).toContain("/roles/0/business_details/name");
    expectValid("2.1.1", "Credentials", value);
  });

  it("passes unknown fields through unnoted", () => {
    const credentials = { ...CPO_211, x_contact: "ops@example.com" };
    const up = credentialsV211ToV221(credentials, { role: "CPO" });
    expect(up.value).toMatchObject({ x_contact: "ops@example.com" });
    expect(credentialsV221ToV211(up.value).value).toMatchObject({ x_contact: "ops@example.com" });
  });
});

describe("Credentials 2.2.1 ↔ 2.3.0", () => {
  it("2.2.1 → 2.3.0 turns a HUB role into OTHER and gives its party as hub_party_id", () => {
    const credentials: V221.Credentials = { ...CPO_221, roles: [...CPO_221.roles, HUB_ROLE_221] };
    const { value, notes } = credentialsV221ToV230(credentials);
    expect(value).toStrictEqual({
      ...CPO_221,
      hub_party_id: "DEHUB",
      roles: [...CPO_221.roles, { ...HUB_ROLE_221, role: "OTHER" }],
    });
    expect(notes).toStrictEqual([{ kind: "changed", pointer: "/roles/1/role", detail: expect.any(String) }]);
  });

  it("2.2.1 → 2.3.0 throws on a token with white space", () => {
    expect(() => credentialsV221ToV230({ ...CPO_221, token: "two words" })).toThrow(RangeError);
  });

  it("2.3.0 → 2.2.1 turns the hub party's OTHER role into HUB", () => {
    const { value, notes } = credentialsV230ToV221(HUB_230);
    const { hub_party_id: _, ...rest } = HUB_230;
    expect(value).toStrictEqual({
      ...rest,
      roles: [HUB_230.roles[0], HUB_230.roles[1], { ...HUB_230.roles[2], role: "HUB" }],
    });
    expect(sortNotes(notes)).toStrictEqual(["changed /hub_party_id", "changed /roles/2/role"]);
  });

  it("2.3.0 → 2.2.1 drops a hub_party_id no role stands for", () => {
    const credentials: V230.Credentials = { ...HUB_230, roles: HUB_230.roles.slice(0, 2) };
    const { value, notes } = credentialsV230ToV221(credentials);
    expect(value).not.toHaveProperty("hub_party_id");
    expect(value.roles.map((r) => r.role)).toStrictEqual(["CPO", "EMSP"]);
    expect(notes).toStrictEqual([{ kind: "dropped", pointer: "/hub_party_id", detail: expect.any(String) }]);
  });

  it("2.3.0 → 2.2.1 maps an image category 2.2.1 lacks to OTHER", () => {
    const credentials = structuredClone(HUB_230);
    credentials.roles[0]!.business_details.logo!.category = "BANNER";
    const { value, notes } = credentialsV230ToV221(credentials);
    expect(value.roles[0]!.business_details.logo!.category).toBe("OTHER");
    expect(pointersOf(notes, "changed")).toContain("/roles/0/business_details/logo/category");
    expectValid("2.2.1", "Credentials", value);
  });
});

describe("Credentials across two steps", () => {
  it("2.3.0 → 2.1.1 keeps one role and leaves out notes about the roles it drops", () => {
    const { value, notes } = credentialsV230ToV211(HUB_230, { role: "EMSP" });
    expect(value).toStrictEqual({
      token: HUB_230.token,
      url: HUB_230.url,
      business_details: { name: "Xyz Mobilite" },
      party_id: "XYZ",
      country_code: "FR",
    });
    expect(sortNotes(notes)).toStrictEqual([
      "changed /hub_party_id",
      "changed /roles/1/business_details",
      "changed /roles/1/business_details/name",
      "changed /roles/1/country_code",
      "changed /roles/1/party_id",
      "dropped /roles/0",
      "dropped /roles/1/role",
      "dropped /roles/2",
    ]);
  });

  it("2.1.1 → 2.3.0 takes the role from the context", () => {
    const { value, notes } = credentialsV211ToV230(CPO_211, { role: "CPO" });
    expect(value.roles).toStrictEqual([
      { role: "CPO", business_details: CPO_211.business_details, party_id: "EXM", country_code: "BE" },
    ]);
    expect(value).not.toHaveProperty("hub_party_id");
    expect(pointersOf(notes, "defaulted")).toStrictEqual(["/roles/0/role"]);
  });
});
