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

/** A deep copy with every repairable timestamp repaired, and the JSON pointers of what was changed. */
export function repairTimestamps(value: unknown): { value: unknown; repaired: string[] } {
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
