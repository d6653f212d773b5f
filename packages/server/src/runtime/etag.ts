/**
 * ETags of single OCPI objects, and the If-Match check of conditional writes (RFC 9110 §8.8.3, §13.1.1). Not part of
 * OCPI: an extension of plain HTTP that lets a peer change an object only when it is still the one it read.
 */
import { OcpiStatus } from "@ocpi-sdk/protocol";
import { OcpiHttpError } from "./errors.js";
import { sha256 } from "@noble/hashes/sha2.js";

type NodeCrypto = typeof import("node:crypto");
let nodeCrypto: NodeCrypto | null | undefined;

/**
 * node:crypto where the runtime has it (Node.js, Bun, Deno: `process.getBuiltinModule`), else null. Looked up at run
 * time, not imported, so that a bundle of the server for an edge runtime holds no node: import.
 */
function builtinCrypto(): NodeCrypto | null {
  if (nodeCrypto === undefined) {
    const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    nodeCrypto = (process?.getBuiltinModule?.("node:crypto") as NodeCrypto | undefined) ?? null;
  }
  return nodeCrypto;
}

/**
 * The strong ETag of an object's JSON text as served: `"` + the first 22 base64url characters (132 bits) of its
 * SHA-256 + `"`. The same text always gives the same tag, in any process and runtime. Hashed synchronously (Web
 * Crypto's digest is asynchronous): with node:crypto where the runtime has it, else with @noble/hashes.
 */
export function etagOf(json: string): string {
  const crypto = builtinCrypto();
  const digest = crypto ? crypto.createHash("sha256").update(json).digest("base64url") : base64url(sha256(new TextEncoder().encode(json)));
  return `"${digest.slice(0, 22)}"`;
}

/** Bytes in base64url without padding (RFC 4648 §5), as node:crypto's `digest("base64url")` gives them. */
export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** An If-Match header read: `*` (any current object), or the entity tags listed. */
export type IfMatch = { any: true } | { any: false; tags: string[] };

/** entity-tag = [ W/ ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3). */
const ENTITY_TAG = /^(W\/)?"[\x21\x23-\x7e\x80-\xff]*"$/;

/**
 * Reads an If-Match header: undefined when absent, and a 400 (2001) when it is neither `*` nor a comma-separated
 * list of quoted entity tags. Tags keep their `W/` prefix; `matches` ignores it.
 */
export function parseIfMatch(header: string | null | undefined): IfMatch | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (value === "*") return { any: true };
  // Empty list elements are allowed and skipped (RFC 9110 §5.6.1); a tag has no comma inside.
  const tags = value
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");
  if (tags.length === 0 || tags.some((t) => !ENTITY_TAG.test(t))) {
    throw OcpiHttpError.invalid([
      {
        pointer: "/headers/If-Match",
        message: `must be * or a list of quoted entity tags such as "abc", not ${JSON.stringify(header.slice(0, 80))}`,
        keyword: "pattern",
      },
    ]);
  }
  return { any: false, tags };
}

const opaque = (tag: string) => (tag.startsWith("W/") ? tag.slice(2) : tag);

/**
 * Whether the current object's ETag (undefined: there is none) satisfies If-Match. Weak comparison: `W/"x"` matches
 * `"x"`, since proxies that compress answers weaken the tags they pass on.
 */
export function matches(condition: IfMatch, current: string | undefined): boolean {
  if (current === undefined) return false;
  if (condition.any) return true;
  const tag = opaque(current);
  return condition.tags.some((t) => opaque(t) === tag);
}

/** The 412 of a failed If-Match, in the envelope (2000), naming the current ETag (and giving it as the ETag header). */
export function preconditionFailed(current: string | undefined): OcpiHttpError {
  const message =
    current === undefined
      ? "precondition failed (If-Match): there is no current object"
      : `precondition failed (If-Match): the object changed; its current ETag is ${current}`;
  return new OcpiHttpError(412, OcpiStatus.ClientError, message, current === undefined ? {} : { headers: { ETag: current } });
}

/**
 * Runs tasks one at a time per key, in the order they came; keys without a waiting task take no memory. Serializes
 * conditional writes of one object within this process (the check and the write are one step); across processes
 * nothing is locked.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const tail = previous ? previous.then(() => done) : done;
    this.tails.set(key, tail);
    try {
      if (previous) await previous;
      return await task();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with a task running or waiting. */
  get size(): number {
    return this.tails.size;
  }
}
