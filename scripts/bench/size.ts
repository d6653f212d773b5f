/**
 * Bundle sizes: what an application ships that imports one part of the SDK, bundled with esbuild (ESM, minified,
 * platform neutral, gzip -9) from the built packages, as a user gets them from npm. Sizes are printed with their
 * targets, never asserted:
 * - the client of one version (`@ocpi-sdk/client/2.2.1`) under 150 KB gzip;
 * - one validator (2.2.1 Location) under 20 KB gzip;
 * - the server core (`createOcpiServer` + `MemoryStore` of `@ocpi-sdk/server`, hono bundled) bundles for edge
 *   runtimes: platform neutral, no node: import left;
 * - the client of every version (`@ocpi-sdk/client`), for comparison.
 */
import path from "node:path";
import { gzipSync } from "node:zlib";
import { bundleForEdge } from "../lib/bundle.js";
import { fmt, table } from "./measure.js";

const root = path.resolve(import.meta.dirname, "../..");
const KB = 1000;

interface SizeEntry {
  name: string;
  /** The module an application would write: what it imports of the SDK, exported so that none of it is shaken off. */
  contents: string;
  /** Most gzip bytes allowed. */
  maxGzip?: number;
  /** Must bundle for edge runtimes: platform neutral with no node: import. */
  edge?: boolean;
}

export const SIZE_ENTRIES: SizeEntry[] = [
  { name: "client, one version (@ocpi-sdk/client/2.2.1)", contents: 'export { OcpiClient } from "@ocpi-sdk/client/2.2.1";', maxGzip: 150 * KB },
  {
    name: "one validator (2.2.1 Location)",
    // As packages/validators/README.md says ("One validator alone"): imported by name, the rest of the version is shaken off.
    contents: 'export { Location } from "@ocpi-sdk/validators/2.2.1";',
    maxGzip: 20 * KB,
  },
  { name: "server core (createOcpiServer + MemoryStore)", contents: 'export { createOcpiServer, MemoryStore } from "@ocpi-sdk/server";', edge: true },
  { name: "client, every version (@ocpi-sdk/client)", contents: 'export { OcpiClient } from "@ocpi-sdk/client";' },
];

export interface SizeResult {
  entry: SizeEntry;
  minified?: number;
  gzip?: number;
  /** node: modules the bundle still imports. */
  nodeImports: string[];
  /** The parts (packages, generated versions) that weigh most in the bundle, with their minified bytes. */
  largest: { file: string; bytes: number }[];
  error?: string;
}

/** Bundles one entry as an application would and measures it. */
export async function bundleSize(entry: SizeEntry): Promise<SizeResult> {
  try {
    const { code, nodeImports, bytesByInput } = await bundleForEdge(entry.contents, { resolveDir: root, loader: "js", minify: true });
    return { entry, minified: code.length, gzip: gzipSync(code, { level: 9 }).length, nodeImports, largest: largest(bytesByInput) };
  } catch (error) {
    const errors = (error as { errors?: { text: string }[] }).errors;
    return { entry, nodeImports: [], largest: [], error: errors?.length ? errors.map((e) => e.text).join("; ") : String(error) };
  }
}

/** What a bundled file belongs to: its package, and the version of a generated file (`validators 2.2.1`). */
function partOf(file: string): string {
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (dependency) return dependency[1]!;
  const ours = /packages\/([^/]+)\/(?:dist|src)\/(?:generated\/([^/]+)\/)?/.exec(file);
  if (ours) return ours[2] && /^\d/.test(ours[2]) ? `${ours[1]} ${ours[2]}` : ours[1]!;
  return file;
}

/** The parts that weigh most in a bundle (minified bytes each holds). */
function largest(bytesByInput: ReadonlyMap<string, number>, count = 4): { file: string; bytes: number }[] {
  const parts = new Map<string, number>();
  for (const [file, bytes] of bytesByInput) parts.set(partOf(file), (parts.get(partOf(file)) ?? 0) + bytes);
  return [...parts]
    .map(([file, bytes]) => ({ file, bytes }))
    .filter((part) => part.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, count);
}

const kb = (bytes: number) => `${fmt(bytes / KB, bytes % KB === 0 ? 0 : 1)} KB`;

function verdict(result: SizeResult): { target: string; met: string } {
  const { entry } = result;
  if (entry.edge) return { target: "edge: neutral, no node:", met: !result.error && result.nodeImports.length === 0 ? "met" : "missed" };
  if (entry.maxGzip === undefined) return { target: "", met: "" };
  return { target: `< ${kb(entry.maxGzip)} gzip`, met: result.gzip !== undefined && result.gzip < entry.maxGzip ? "met" : "missed" };
}

export async function benchSize(): Promise<SizeResult[]> {
  console.log("\n## Bundle sizes (esbuild --bundle --minify --format=esm --platform=neutral, gzip -9; from the built packages)\n");
  const results: SizeResult[] = [];
  for (const entry of SIZE_ENTRIES) results.push(await bundleSize(entry));
  const rows: (string | number)[][] = [["entry", "minified bytes", "gzip bytes", "target (1 KB = 1000 bytes)", ""]];
  for (const result of results) {
    const { target, met } = verdict(result);
    rows.push([
      result.entry.name,
      result.minified === undefined ? "fails" : fmt(result.minified),
      result.gzip === undefined ? "" : fmt(result.gzip),
      target,
      met,
    ]);
  }
  console.log(table(rows));
  for (const result of results) {
    if (result.error) console.log(`\n${result.entry.name}: does not bundle: ${result.error}`);
    else if (result.nodeImports.length) console.log(`\n${result.entry.name}: imports ${result.nodeImports.join(", ")}`);
  }
  console.log("\nLargest parts (minified bytes):");
  for (const result of results) {
    if (result.largest.length) console.log(`  ${result.entry.name}: ${result.largest.map((l) => `${l.file} ${kb(l.bytes)}`).join(", ")}`);
  }
  return results;
}
