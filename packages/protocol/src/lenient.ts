/**
 * What real peers send that the spec does not allow, and how a lenient reader repairs it before use:
 * a DateTime with a space instead of `T`, or with a `+00:00` offset instead of `Z`.
 */

const SPACED_DATE_TIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?)$/;
const ZERO_OFFSET = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)\+00:?00$/;

/** The DateTime a sloppy timestamp means, or the value unchanged. */
export function repairDateTime(value: string): string {
  const spaced = SPACED_DATE_TIME.exec(value);
  if (spaced) return `${spaced[1]}T${spaced[2]}`;
  const offset = ZERO_OFFSET.exec(value);
  if (offset) return `${offset[1]}Z`;
  return value;
}

const escapeToken = (key: string) => key.replace(/~/g, "~0").replace(/\//g, "~1");

/** A container being copied: its source, its copy, the keys still to visit and its JSON pointer. */
interface Frame {
  source: Record<string, unknown> | unknown[];
  copy: Record<string, unknown> | unknown[];
  /** The object's own enumerable keys, or undefined for an array (visited by index). */
  keys: string[] | undefined;
  next: number;
  pointer: string;
}

/** Sets a key as an own data property, also `__proto__` (which plain assignment would take as the prototype). */
function setOwn(target: Record<string, unknown> | unknown[], key: string | number, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else (target as Record<string | number, unknown>)[key] = value;
}

/**
 * A deep copy with every repairable timestamp repaired, and the JSON pointers of what was changed (in document
 * order). It walks with an explicit stack, so no nesting depth makes it throw; a cyclic value, which no JSON text
 * can produce, is refused with a TypeError rather than copied forever.
 */
export function repairTimestamps(value: unknown): { value: unknown; repaired: string[] } {
  const repaired: string[] = [];
  const stack: Frame[] = [];
  /** The containers on the current path, to recognise a cycle. */
  const open = new Set<object>();

  /** The copy of a child: a repaired string, a new container (entered next), or the value itself. */
  const visit = (node: unknown, pointer: string): unknown => {
    if (typeof node === "string") {
      const fixed = repairDateTime(node);
      if (fixed !== node) repaired.push(pointer);
      return fixed;
    }
    if (node === null || typeof node !== "object") return node;
    if (open.has(node)) throw new TypeError(`repairTimestamps: cyclic value at ${pointer || "/"}`);
    open.add(node);
    if (Array.isArray(node)) {
      const copy: unknown[] = new Array(node.length);
      stack.push({ source: node, copy, keys: undefined, next: 0, pointer });
      return copy;
    }
    const copy: Record<string, unknown> = {};
    stack.push({ source: node as Record<string, unknown>, copy, keys: Object.keys(node), next: 0, pointer });
    return copy;
  };

  const out = visit(value, "");
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const { source, copy, keys } = frame;
    if (keys === undefined) {
      const list = source as unknown[];
      // Holes stay holes, as Array.prototype.map leaves them.
      while (frame.next < list.length && !(frame.next in list)) frame.next++;
      if (frame.next >= list.length) {
        open.delete(source);
        stack.pop();
        continue;
      }
      const i = frame.next++;
      setOwn(copy, i, visit(list[i], `${frame.pointer}/${i}`));
    } else {
      if (frame.next >= keys.length) {
        open.delete(source);
        stack.pop();
        continue;
      }
      const key = keys[frame.next++]!;
      setOwn(copy, key, visit((source as Record<string, unknown>)[key], `${frame.pointer}/${escapeToken(key)}`));
    }
  }
  return { value: repaired.length ? out : value, repaired };
}
