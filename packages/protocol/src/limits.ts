/**
 * Bounds on what a peer's JSON may look like, checked before the value is validated or used. Both checks walk with
 * an explicit stack, so no input, however deep, makes them throw.
 */
import { escapePointerToken } from "./pointer.js";

/**
 * The deepest JSON nesting a peer-facing reader accepts by default (the root container has depth 1).
 *
 * The deepest valid OCPI object of any version (2.1.1, 2.2.1, 2.3.0) has depth 7: a CDR, through
 * `tariffs[]` → Tariff → `elements[]` → TariffElement → `price_components[]` (or `restrictions.day_of_week[]`) →
 * PriceComponent. That is both what the schemas allow (they have no recursive reference) and what the deepest
 * schema fixtures reach (packages/validators/fixtures/<version>/cdrs.json, "full CDR" / "full credit cdr"). The
 * response envelope adds two levels for a list (`{ data: [ ... ] }`): 9 in all. 64 leaves room for unknown fields
 * that nest (allowed by OCPI) at seven times that, and stays far below where naive recursive code overflows
 * (~10 000 levels).
 */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/** Names that, as own keys, could reach an object's prototype when a value is merged or assigned naively. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

type Container = Record<string, unknown> | unknown[];

const isContainer = (value: unknown): value is Container => value !== null && typeof value === "object";

/** A container being walked: the keys still to visit and the pointer token by which its parent reached it. */
interface Frame {
  node: Container;
  keys: string[];
  next: number;
  token: string;
}

/** The own enumerable keys, as JSON.stringify would write them (an array's indexes, as strings). */
const keysOf = (node: Container): string[] => Object.keys(node);

/** The JSON pointer of a frame path plus one more token. */
function pointerOf(stack: readonly Frame[], last?: string): string {
  let pointer = "";
  for (let i = 1; i < stack.length; i++) pointer += `/${stack[i]!.token}`;
  return last === undefined ? pointer : `${pointer}/${last}`;
}

/**
 * The JSON pointer of the first value (in document order) that is nested deeper than `maxDepth`, or undefined.
 * Depth counts containers: the root object or array has depth 1, a container directly inside it depth 2, and so
 * on; strings, numbers, booleans and null add none. So `jsonDepthExceeded({ a: { b: 1 } }, 1)` is `"/a"`, and a
 * scalar root never exceeds. It stops at the first offender, so a cyclic value is reported, not walked forever.
 */
export function jsonDepthExceeded(value: unknown, maxDepth: number): string | undefined {
  if (Number.isNaN(maxDepth) || maxDepth < 0) throw new RangeError(`maxDepth must be 0 or more, not ${maxDepth}`);
  if (!isContainer(value)) return undefined;
  if (maxDepth < 1) return "";
  // stack.length is the depth of the container on top.
  return walk(value, (stack, key, child) => {
    if (!isContainer(child)) return false;
    return stack.length + 1 > maxDepth ? pointerOf(stack, escapePointerToken(key)) : true;
  });
}

/**
 * The JSON pointer of the first own key `__proto__`, `constructor` or `prototype` (in document order) of any object
 * in the value, or undefined. Such keys are legal JSON but have no place in OCPI; code that copies or merges a
 * peer's object with plain assignment could otherwise change a prototype. A container met twice (shared or cyclic)
 * is looked at once.
 */
export function hasForbiddenKey(value: unknown): string | undefined {
  if (!isContainer(value)) return undefined;
  const seen = new Set<object>([value]);
  return walk(value, (stack, key, child) => {
    if (!Array.isArray(stack[stack.length - 1]!.node) && FORBIDDEN_KEYS.has(key)) return pointerOf(stack, escapePointerToken(key));
    if (!isContainer(child) || seen.has(child)) return false;
    seen.add(child);
    return true;
  });
}

/**
 * Visits every key of every container in document order with an explicit stack. `visit` answers a pointer to stop
 * the walk with, `true` to descend into the child, or `false` to pass over it.
 */
function walk(root: Container, visit: (stack: readonly Frame[], key: string, child: unknown) => string | boolean): string | undefined {
  const stack: Frame[] = [{ node: root, keys: keysOf(root), next: 0, token: "" }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.next >= frame.keys.length) {
      stack.pop();
      continue;
    }
    const key = frame.keys[frame.next++]!;
    const child = (frame.node as Record<string, unknown>)[key];
    const verdict = visit(stack, key, child);
    if (typeof verdict === "string") return verdict;
    if (verdict) stack.push({ node: child as Container, keys: keysOf(child as Container), next: 0, token: escapePointerToken(key) });
  }
  return undefined;
}
