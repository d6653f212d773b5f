/**
 * Helpers of the HTTP fuzz test (fuzz.test.ts): a seeded PRNG, every valid fixture of a schema, the DateTime-ish
 * leaves of a value, JSON texts no `JSON.stringify` of a JS object can produce (prototype keys, deep nesting, huge
 * padding), and a snapshot of a node's store to compare before and after.
 */
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Store } from "../store/store.js";

// ---- A seeded PRNG (mulberry32): the corpus is the same on every run for a seed ----

export interface Rng {
  /** In [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** `length` characters from `alphabet`. */
  string(length: number, alphabet: string): string;
}

export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]) => items[int(0, items.length - 1)]!;
  return { next, int, pick, string: (length, alphabet) => Array.from({ length }, () => pick([...alphabet])).join("") };
}

// ---- Fixtures: every valid value of a schema (fixtures.ts `sample` gives the first) ----

const fixturesDir = (version: string) => path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../validators/fixtures", version);
const fixtureCache = new Map<string, Map<string, unknown[]>>();

/** Every valid fixture of `schema` in `version`, in file order (the first is what `sample` returns). */
export function validFixtures(version: string, schema: string): unknown[] {
  let bySchema = fixtureCache.get(version);
  if (!bySchema) {
    bySchema = new Map();
    for (const file of readdirSync(fixturesDir(version))
      .filter((f) => f.endsWith(".json"))
      .sort()) {
      const { valid } = JSON.parse(readFileSync(path.join(fixturesDir(version), file), "utf8")) as { valid: { schema: string; value: unknown }[] };
      for (const c of valid) bySchema.set(c.schema, [...(bySchema.get(c.schema) ?? []), c.value]);
    }
    fixtureCache.set(version, bySchema);
  }
  return (bySchema.get(schema) ?? []).map((v) => structuredClone(v));
}

// ---- Dates ----

/** Dates that match the DateTime pattern but name no instant (Feb 30th, year 0, Feb 29th of a common year). */
export const IMPOSSIBLE_DATES = ["2024-02-30T00:00:00Z", "0000-01-01T00:00:00Z", "2023-02-29T10:00:00Z"] as const;

export interface DateLeaf {
  /** Keys from the root to the leaf. */
  at: (string | number)[];
  /** The pointer with array indices replaced by `*`, to name the field across fixtures. */
  field: string;
  /** `YYYY-MM-DD` rather than a DateTime (tariff restrictions' start_date/end_date). */
  dateOnly: boolean;
}

/** Every string leaf that holds a date or a DateTime. */
export function dateLeaves(value: unknown, at: (string | number)[] = []): DateLeaf[] {
  if (typeof value === "string") {
    if (/^\d{4}-\d{2}-\d{2}T/.test(value)) return [{ at, field: fieldOf(at), dateOnly: false }];
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return [{ at, field: fieldOf(at), dateOnly: true }];
    return [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => dateLeaves(v, [...at, i]));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => dateLeaves(v, [...at, k]));
  return [];
}

const fieldOf = (at: (string | number)[]) => `/${at.map((k) => (typeof k === "number" ? "*" : k)).join("/")}`;

export function setAt(value: unknown, at: (string | number)[], leaf: unknown): void {
  let node = value as Record<string | number, unknown>;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[at.at(-1)!] = leaf;
}

// ---- JSON texts ----

/**
 * `body` as JSON text with `fields` (a JSON text of members, `"a":1,"b":2`) put first: the way to send keys such as
 * `__proto__`, which a JS object literal would turn into a prototype instead of a member.
 */
export function withLeadingMembers(body: unknown, members: string): string {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return `{${members}}`;
  const rest = JSON.stringify(body).slice(1);
  return `{${members}${rest === "}" ? "" : ","}${rest}`;
}

/** A value nested `depth` levels deep, by string repetition: `{"a":{"a":...1...}}` or `[[...1...]]`. */
export function nestedText(depth: number, kind: "object" | "array"): string {
  return kind === "object" ? `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}` : `${"[".repeat(depth)}1${"]".repeat(depth)}`;
}

/** Replaces the key `placeholder` by `key` in a JSON text (to nest prototype keys anywhere). */
export function renameKey(json: string, placeholder: string, key: string): string {
  return json.split(JSON.stringify(placeholder)).join(JSON.stringify(key));
}

// ---- Store snapshots ----

/** Every collection the handlers and the runtime write, and the `.received` ones. */
export const KNOWN_MODULES = [
  ...["locations", "sessions", "cdrs", "tariffs", "tokens", "clientinfo", "hubclientinfo", "chargingprofiles", "commands", "terminals", "payments"].flatMap(
    (m) => [m, `${m}.received`],
  ),
  "commandresults",
  "results.expected",
];

/**
 * Every object of the known modules (and, for a MemoryStore, of every module it holds, read from its private map)
 * and every party, as comparable JSON.
 */
export async function snapshotStore(store: Store): Promise<Map<string, string>> {
  const internal = (store as unknown as { modules?: Map<string, unknown> }).modules;
  const modules = new Set([...KNOWN_MODULES, ...(internal instanceof Map ? internal.keys() : [])]);
  const out = new Map<string, string>();
  for (const module of [...modules].sort()) {
    const { items } = await store.listObjects({ module, offset: 0, limit: 1_000_000 });
    for (const o of items) out.set(`object ${module} ${o.country_code}/${o.party_id}/${o.id}`, JSON.stringify(o));
  }
  for (const p of await store.listParties()) out.set(`party ${p.id}`, JSON.stringify(p));
  return out;
}

/** What differs between two snapshots, one line per key. */
export function diffSnapshots(before: Map<string, string>, after: Map<string, string>): string[] {
  const lines: string[] = [];
  for (const [key, value] of after) {
    if (!before.has(key)) lines.push(`added ${key}: ${value.slice(0, 160)}`);
    else if (before.get(key) !== value) lines.push(`changed ${key}: ${value.slice(0, 160)}`);
  }
  for (const key of before.keys()) if (!after.has(key)) lines.push(`removed ${key}`);
  return lines;
}

// ---- One keep-alive connection, two requests ----

export interface RawAnswer {
  status?: number;
  text: string;
  error?: string;
  ms: number;
}

function sendOn(agent: http.Agent, url: string, method: string, headers: Record<string, string>, body?: Uint8Array | Uint8Array[]): Promise<RawAnswer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const request = http.request(url, { method, headers, agent, timeout: 10_000 }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (d: string) => (text += d));
      response.on("end", () => resolve({ status: response.statusCode, text, ms: Math.round(performance.now() - started) }));
    });
    request.on("timeout", () => request.destroy(new Error("timeout")));
    request.on("error", (e: NodeJS.ErrnoException) => resolve({ text: "", error: e.code ?? e.message, ms: Math.round(performance.now() - started) }));
    if (!Array.isArray(body)) return void request.end(body);
    let i = 0;
    const write = () => {
      while (i < body.length) if (!request.write(body[i++])) return void request.once("drain", write);
      request.end();
    };
    write();
  });
}

/**
 * Sends `first` and then `next` over one keep-alive connection (an agent with a single socket), as a peer's HTTP
 * client does: whether an answer to the first request (e.g. an early 413) leaves the connection usable.
 */
export async function twoOnOneConnection(
  first: { url: string; method: string; headers: Record<string, string>; body?: Uint8Array | Uint8Array[] },
  next: { url: string; method: string; headers: Record<string, string> },
): Promise<[RawAnswer, RawAnswer]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const a = await sendOn(agent, first.url, first.method, first.headers, first.body);
    const b = await sendOn(agent, next.url, next.method, next.headers);
    return [a, b];
  } finally {
    agent.destroy();
  }
}
