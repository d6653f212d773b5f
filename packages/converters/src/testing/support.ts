/**
 * What the converter tests share: fixture loading, strict validation by version, JSON pointer edits, note summaries,
 * round-trip expectations, and the two tables of tests most modules run over their fixtures (every valid fixture
 * converts to a valid object; a round trip gives the original back). Not part of the package build.
 */
import { readFileSync } from "node:fs";
import type { Validator } from "@ocpi-sdk/validators";
import { validators as v211 } from "@ocpi-sdk/validators/2.1.1";
import { validators as v221 } from "@ocpi-sdk/validators/2.2.1";
import { validators as v230 } from "@ocpi-sdk/validators/2.3.0";
import { describe, expect, it } from "vitest";
import type { Conversion, ConversionNote, Owner } from "../conversion.js";
import type { OcpiVersion } from "../registry.js";

/** The versions the tests convert between: the converters' own (@ocpi-sdk/protocol's OcpiVersion). */
export type Version = OcpiVersion;

// ---------------------------------------------------------------------------------------------------------------------
// Fixtures

export interface Fixture<T = unknown> {
  name: string;
  schema: string;
  value: T;
}

/** The valid fixtures of a module, from `validators/fixtures/<version>/<module>.json` (read afresh on every call). */
export function validFixtures(version: Version, module: string): Fixture[] {
  const url = new URL(`../../../validators/fixtures/${version}/${module}.json`, import.meta.url);
  return (JSON.parse(readFileSync(url, "utf8")) as { valid: Fixture[] }).valid;
}

/** Fixture readers for one module's file. */
export function fixturesOf(module: string) {
  /** The valid fixtures of a schema (at least one, else an Error). */
  function fixtures<T>(version: Version, schema: string): { name: string; value: T }[] {
    const found = validFixtures(version, module)
      .filter((c) => c.schema === schema)
      .map(({ name, value }) => ({ name, value: value as T }));
    if (found.length === 0) throw new Error(`no valid ${version} ${schema} fixture`);
    return found;
  }
  return {
    fixtures,
    /** Every valid fixture of the version. */
    all: (version: Version): Fixture[] => validFixtures(version, module),
    /** The valid fixtures of a schema as `[name, value]` pairs, for `it.each` with `%s`. */
    cases: <T>(version: Version, schema: string): [string, T][] => fixtures<T>(version, schema).map(({ name, value }) => [name, value]),
    /** A copy of the valid fixture of a schema with that name (else an Error). */
    fixture<T>(version: Version, schema: string, name: string): T {
      const found = fixtures<T>(version, schema).find((c) => c.name === name);
      if (found === undefined) throw new Error(`no ${version} ${schema} fixture "${name}"`);
      return structuredClone(found.value);
    },
  };
}

/** The owner an object names (for the context of a conversion back to it). */
export const ownerOf = (value: Owner): Owner => ({ country_code: value.country_code, party_id: value.party_id });

// ---------------------------------------------------------------------------------------------------------------------
// Validation

const VALIDATORS = { "2.1.1": v211, "2.2.1": v221, "2.3.0": v230 } as unknown as Record<Version, Record<string, Validator<unknown>>>;

/** `value` is a valid `schema` of `version`, unknown fields rejected (strict). */
export function expectValid(version: Version, schema: string, value: unknown): void {
  const validator = VALIDATORS[version][schema];
  if (validator === undefined) throw new Error(`no ${version} validator ${schema}`);
  const result = validator.validate(value, { strict: true });
  expect(result.ok ? [] : result.errors).toEqual([]);
}

/** Freezes a value and everything in it (a converter that mutates its input then throws). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------------------------
// JSON pointers

/** The keys a JSON pointer names, unescaped. */
export const pointerKeys = (pointer: string): string[] =>
  pointer
    .split("/")
    .slice(1)
    .map((k) => k.replace(/~1/g, "/").replace(/~0/g, "~"));

const escapeKey = (key: string) => key.replace(/~/g, "~0").replace(/\//g, "~1");

/** What the pointer names, or undefined. */
export function get(root: unknown, pointer: string): unknown {
  let node = root;
  for (const key of pointerKeys(pointer)) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Whether the pointer names something (present, even if undefined). */
export function has(root: unknown, pointer: string): boolean {
  let node = root;
  for (const key of pointerKeys(pointer)) {
    if (node === null || typeof node !== "object" || !(key in node)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

type Node = Record<string, unknown> | unknown[];

function parentOf(root: unknown, pointer: string): [Node, string] {
  const keys = pointerKeys(pointer);
  const last = keys.pop();
  if (last === undefined) throw new Error("the root has no parent");
  const parent = get(root, keys.map((k) => `/${escapeKey(k)}`).join(""));
  if (parent === null || typeof parent !== "object") throw new Error(`${pointer}: no parent`);
  return [parent as Node, last];
}

/** Removes what the pointer names (an array item is spliced out); an Error when there is nothing. */
export function remove(root: unknown, pointer: string): void {
  const [parent, key] = parentOf(root, pointer);
  if (!(key in parent)) throw new Error(`${pointer}: nothing to remove`);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete parent[key];
}

/** Puts a copy of `value` where the pointer says; an Error when its parent is missing. */
export function set(root: unknown, pointer: string, value: unknown): void {
  const [parent, key] = parentOf(root, pointer);
  (parent as Record<string, unknown>)[key] = structuredClone(value);
}

/** Deepest and highest-indexed first, so that removing one pointer never shifts another. */
export function removalOrder(a: string, b: string): number {
  const [x, y] = [pointerKeys(a), pointerKeys(b)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const [p, q] = [x[i] as string, y[i] as string];
    if (p === q) continue;
    const [m, n] = [Number(p), Number(q)];
    if (Number.isInteger(m) && Number.isInteger(n)) return n - m;
    return q < p ? -1 : 1;
  }
  return y.length - x.length;
}

/** A copy of `value` without what the pointers name (array items removed, fields deleted; missing ones skipped). */
export function without<T>(value: T, pointers: readonly string[]): T {
  const copy = structuredClone(value);
  for (const pointer of [...new Set(pointers)].sort(removalOrder)) {
    const keys = pointerKeys(pointer);
    const last = keys.pop() as string;
    let node: unknown = copy;
    for (const key of keys) node = (node as Record<string, unknown> | undefined)?.[key];
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else if (node !== null && typeof node === "object") delete (node as Record<string, unknown>)[last];
  }
  return copy;
}

// ---------------------------------------------------------------------------------------------------------------------
// Notes

/** The pointers of the notes of one kind, in order. */
export const pointersOf = (notes: ConversionNote[], kind: ConversionNote["kind"]): string[] => notes.filter((n) => n.kind === kind).map((n) => n.pointer);

/** Each note as "<kind> <pointer>", in order. */
export const brief = (notes: ConversionNote[]): string[] => notes.map(({ kind, pointer }) => `${kind} ${pointer}`);

/** {@link brief}, sorted. */
export const sortNotes = (notes: ConversionNote[]): string[] => brief(notes).sort();

// ---------------------------------------------------------------------------------------------------------------------
// Round trips

/**
 * original → there → back gives the original except the fields noted dropped on the way there (deleted from the
 * original), the fields noted defaulted on the way back (which must be fields that were dropped or absent), and the
 * `lossy` pointers: values mapped to another enum value there, which must be noted as changed.
 */
export function expectRoundTrip<A, B>(original: A, there: (value: A) => Conversion<B>, back: (value: B) => Conversion<A>, lossy: readonly string[] = []): void {
  const first = there(original);
  const second = back(first.value);
  const dropped = pointersOf(first.notes, "dropped");
  const defaulted = pointersOf(second.notes, "defaulted");
  for (const pointer of defaulted) expect(dropped.includes(pointer) || !has(original, pointer), pointer).toBe(true);
  for (const pointer of lossy) expect(pointersOf(first.notes, "changed")).toContain(pointer);
  expect(without(second.value, [...defaulted, ...lossy])).toStrictEqual(without(original, [...dropped, ...lossy]));
}

/**
 * Down then up: the original comes back but for exactly what the way down noted as dropped. Fields the way up filled
 * from its context at those very pointers are left out of the comparison (the context refills them); `lossy` names
 * enum values mapped on the way down that cannot come back (pointer → the value after the trip), which must have
 * been noted as changed.
 */
export function expectRoundTripWithValues<A, B>(
  original: A,
  down: (value: A) => Conversion<B>,
  up: (value: B) => Conversion<A>,
  lossy: Record<string, unknown> = {},
): void {
  const there = down(original);
  const back = up(there.value);
  const dropped = pointersOf(there.notes, "dropped");
  const refilled = pointersOf(back.notes, "defaulted").filter((p) => dropped.includes(p));
  const expected = without(original, dropped);
  for (const [pointer, value] of Object.entries(lossy)) {
    expect(pointersOf(there.notes, "changed")).toContain(pointer);
    set(expected, pointer, value);
  }
  expect(without(back.value, refilled)).toEqual(expected);
}

// ---------------------------------------------------------------------------------------------------------------------
// Test tables

export interface ConversionCase {
  /** The source's schema. */
  schema: string;
  /** The target's schema when named otherwise (2.1.1 CommandResponse ↔ CommandResult). */
  target?: string;
  from: Version;
  to: Version;
  convert: (value: never) => Conversion<unknown>;
}

/** Every valid `from` fixture of each case's schema converts to a valid `to` object, its input untouched. */
export function describeConversions(module: string, conversions: ConversionCase[]): void {
  const { fixtures } = fixturesOf(module);
  describe.each(conversions)("every valid $from $schema converts to a valid $to one", ({ schema, target, from, to, convert }) => {
    it.each(fixtures(from, schema))("$name", ({ value }) => {
      const input = deepFreeze(structuredClone(value));
      const result = convert(input as never);
      expectValid(to, target ?? schema, result.value);
      expect(input).toStrictEqual(value);
    });
  });
}

export interface RoundTripCase {
  schema: string;
  /** e.g. "2.2.1 → 2.1.1 → 2.2.1". */
  path: string;
  version: Version;
  there: (value: never) => Conversion<unknown>;
  /** The way back; `original` is the fixture, for context taken from it. */
  back: (value: never, original: never) => Conversion<unknown>;
  /** Per fixture name, the pointers {@link expectRoundTrip} takes as lossy. */
  lossy?: Record<string, string[]>;
}

/** {@link expectRoundTrip} for every valid fixture of each case's schema and version. */
export function describeRoundTrips(module: string, trips: RoundTripCase[]): void {
  const { fixtures } = fixturesOf(module);
  describe.each(trips)("$schema round trip $path", ({ schema, version, there, back, lossy = {} }) => {
    it.each(fixtures(version, schema))("$name", ({ name, value }) => {
      expectRoundTrip(value, there as (v: unknown) => Conversion<unknown>, (v) => back(v as never, value as never), lossy[name]);
    });
  });
}
