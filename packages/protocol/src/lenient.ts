/**
 * Lenient reading: what real peers send that the spec does not allow, repaired into the spec's form, driven by the
 * schema issues a validator found (so only a field that failed is touched, and a value that is valid is never
 * rewritten). Each repair is reported with its JSON pointer and a stable code; what cannot be repaired stays an
 * issue. The client (responses) and the server (request bodies) both read through here.
 */

/** What a repair did, by a stable code. */
export type RepairCode =
  /** A DateTime with a space for `T`, an offset other than `Z`, or fractional seconds past the field's length: now UTC `YYYY-MM-DDTHH:MM:SSZ`. */
  | "timestamp"
  /** `null` for an optional field: the field left out, as the spec means it. */
  | "null-optional"
  /** A one-element list where one object is expected: the object. */
  | "one-element-array";

/** One repair made to a received value: what, where, from what to what. */
export interface Repair {
  code: RepairCode;
  /** JSON pointer (RFC 6901) of the field, relative to the value repaired. */
  pointer: string;
  /** What was received (a string's value; `null`; or `[…]` for a list). */
  from: string;
  /** What it became (a string's value, `(absent)`, or `{…}`). */
  to: string;
}

/** The part of a validator's issue the repairs read: where and which schema keyword failed. */
export interface IssueLike {
  pointer: string;
  keyword: string;
  message: string;
}

/** What {@link repairValue} made of a value: the value, the repairs made, and the issues left. */
export interface RepairOutcome<I extends IssueLike> {
  /** The value repaired (the same object, changed in place, unless the root itself was replaced). */
  value: unknown;
  repairs: Repair[];
  /** Issues left after the repairs: what the value still gets wrong. */
  issues: I[];
}

const DATE_TIME = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?Z?$/;
/** A timestamp as peers write it: `T` or space, seconds optional, any fraction, `Z`, `UTC`, or an offset. */
const LOOSE_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)? ?(?:([Zz]|UTC|GMT)|([+-])(\d{2}):?(\d{2})?)?$/;

/** Whether a string is an OCPI DateTime as the spec writes it (RFC 3339 in UTC, at most 25 characters). */
export function isOcpiDateTime(value: string): boolean {
  return value.length <= 25 && DATE_TIME.test(value);
}

/**
 * The OCPI DateTime a sloppy timestamp means, as UTC `YYYY-MM-DDTHH:MM:SSZ` (an offset is applied, fractional
 * seconds are cut, no zone means UTC as the spec says), or the value unchanged when it does not read as a timestamp
 * or names a moment that does not exist (February 30, hour 24).
 */
export function repairDateTime(value: string): string {
  const m = LOOSE_DATE_TIME.exec(value);
  if (!m) return value;
  const [year, month, day, hour, minute, second = 0] = m.slice(1, 7).map((part) => (part === undefined ? undefined : Number(part))) as number[];
  const local = new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second));
  // Date.UTC rolls an impossible date over (February 30 becomes March 2): refuse instead of guessing.
  if (
    year! < 1 ||
    local.getUTCFullYear() !== year ||
    local.getUTCMonth() !== month! - 1 ||
    local.getUTCDate() !== day ||
    local.getUTCHours() !== hour ||
    local.getUTCMinutes() !== minute ||
    local.getUTCSeconds() !== second
  ) {
    return value;
  }
  const sign = m[8];
  const offsetMinutes = sign === undefined ? 0 : (sign === "-" ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10] ?? 0));
  if (Math.abs(offsetMinutes) > 18 * 60) return value;
  const utc = new Date(local.getTime() - offsetMinutes * 60_000);
  if (utc.getUTCFullYear() < 1 || utc.getUTCFullYear() > 9999) return value;
  return `${utc.toISOString().slice(0, 19)}Z`;
}

const unescapeToken = (token: string) => token.replace(/~1/g, "/").replace(/~0/g, "~");

/** The container holding a pointer's target and the target's key, or undefined when the pointer leads nowhere. */
function locate(root: unknown, pointer: string): { parent: Record<string, unknown> | unknown[]; key: string } | undefined {
  const tokens = pointer.split("/").slice(1).map(unescapeToken);
  let node: unknown = root;
  for (let i = 0; i < tokens.length - 1; i++) {
    if (node === null || typeof node !== "object") return undefined;
    const token = tokens[i]!;
    if (!Object.hasOwn(node, token)) return undefined;
    node = (node as Record<string, unknown>)[token];
  }
  if (node === null || typeof node !== "object") return undefined;
  const key = tokens[tokens.length - 1]!;
  if (!Object.hasOwn(node, key)) return undefined;
  return { parent: node as Record<string, unknown>, key };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/** Keywords a timestamp in a wrong form fails: its pattern, its calendar format, or its length (a long fraction). */
const TIMESTAMP_KEYWORDS: ReadonlySet<string> = new Set(["pattern", "format", "maxLength"]);

/** Where a dropped null was, to put it back if the field turns out to be required. */
type DroppedNull = { parent: Record<string, unknown>; key: string };

/** The repair of one failed field, applied; or undefined when none fits. */
function repairAt(root: { value: unknown }, issue: IssueLike, droppedNulls: Map<string, DroppedNull>): Repair | undefined {
  const { pointer, keyword } = issue;
  const at = pointer === "" ? undefined : locate(root.value, pointer);
  if (pointer !== "" && !at) return undefined;
  const current = at ? (at.parent as Record<string, unknown>)[at.key] : root.value;
  const set = (next: unknown) => {
    if (at) (at.parent as Record<string, unknown>)[at.key] = next;
    else root.value = next;
  };
  if (typeof current === "string" && TIMESTAMP_KEYWORDS.has(keyword)) {
    const fixed = repairDateTime(current);
    if (fixed === current) return undefined;
    set(fixed);
    return { code: "timestamp", pointer, from: current, to: fixed };
  }
  if (keyword !== "type") return undefined;
  if (current === null && at && !Array.isArray(at.parent)) {
    delete (at.parent as Record<string, unknown>)[at.key];
    droppedNulls.set(pointer, { parent: at.parent as Record<string, unknown>, key: at.key });
    return { code: "null-optional", pointer, from: "null", to: "(absent)" };
  }
  if (Array.isArray(current) && current.length === 1 && isPlainObject(current[0])) {
    set(current[0]);
    return { code: "one-element-array", pointer, from: "[…]", to: "{…}" };
  }
  return undefined;
}

/** Repairs needed after a list is unwrapped or a null dropped come to light only on the next check. */
const MAX_ROUNDS = 4;

/**
 * Repairs a value a validator found `issues` in: each failed field that a known repair fits is changed in place
 * (see {@link RepairCode}), the value is checked again with `validate`, and so on while repairs help. A null that
 * turns out to be a required field is put back and stays an issue.
 */
export function repairValue<I extends IssueLike>(value: unknown, issues: readonly I[], validate: (value: unknown) => I[]): RepairOutcome<I> {
  const root = { value };
  const repairs: Repair[] = [];
  const droppedNulls = new Map<string, DroppedNull>();
  let remaining: I[] = [...issues];
  for (let round = 0; round < MAX_ROUNDS && remaining.length > 0; round++) {
    const done = new Set<string>();
    let changed = false;
    for (const issue of remaining) {
      // An object failing several branches reports one field more than once; repair it once.
      if (done.has(issue.pointer)) continue;
      const repair = repairAt(root, issue, droppedNulls);
      if (!repair) continue;
      done.add(issue.pointer);
      repairs.push(repair);
      changed = true;
    }
    if (!changed) break;
    remaining = validate(root.value);
  }
  // A null dropped from a required field: it was not an optional field left empty, so it is not repaired.
  const missing = new Set(remaining.filter((issue) => issue.keyword === "required").map((issue) => issue.pointer));
  const kept = repairs.filter((repair) => {
    if (repair.code !== "null-optional" || !missing.has(repair.pointer)) return true;
    const at = droppedNulls.get(repair.pointer)!;
    at.parent[at.key] = null;
    return false;
  });
  if (kept.length !== repairs.length) {
    remaining = remaining.map((issue) =>
      issue.keyword === "required" && droppedNulls.has(issue.pointer) ? { ...issue, message: "is required (null was sent)" } : issue,
    );
  }
  return { value: root.value, repairs: kept, issues: remaining };
}
