import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";

/** One file an emitter produces; `path` is relative to the output root it is written under. */
export interface OutputFile {
  path: string;
  content: string;
}

/** A generated folder that the generator owns completely: files in it that it no longer emits are stale. */
export interface OutputDir {
  /** Absolute path of the folder. */
  dir: string;
  files: OutputFile[];
}

/** A generated file that differs from what the generator would write: new, changed, or no longer generated. */
export interface Drift {
  path: string;
  change: "added" | "changed" | "stale";
}

const GENERATED_FILE = /\.gen\.(ts|js|json|yaml)$/;

/** The generated files under `dir` (relative to it, sorted); none when it does not exist. */
export async function listGenerated(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isFile() && GENERATED_FILE.test(e.name))
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** Compares what would be written with what is on disk. */
export async function diffOutputs(outputs: OutputDir[]): Promise<Drift[]> {
  const drift: Drift[] = [];
  for (const { dir, files } of outputs) {
    const wanted = new Set(files.map((f) => path.normalize(f.path)));
    for (const file of files) {
      const target = path.join(dir, file.path);
      let current: string | undefined;
      try {
        current = await readFile(target, "utf8");
      } catch {
        current = undefined;
      }
      if (current === undefined) drift.push({ path: target, change: "added" });
      else if (current !== file.content) drift.push({ path: target, change: "changed" });
    }
    for (const existing of await listGenerated(dir)) {
      if (!wanted.has(existing)) drift.push({ path: path.join(dir, existing), change: "stale" });
    }
  }
  return drift;
}

/** Writes the outputs, touching only files whose content changes, and removes stale generated files. */
export async function writeOutputs(outputs: OutputDir[]): Promise<Drift[]> {
  const drift = await diffOutputs(outputs);
  const byPath = new Map(outputs.flatMap(({ dir, files }) => files.map((f) => [path.join(dir, f.path), f.content])));
  for (const d of drift) {
    if (d.change === "stale") {
      await rm(d.path);
      continue;
    }
    await mkdir(path.dirname(d.path), { recursive: true });
    await writeFile(d.path, byPath.get(d.path)!);
  }
  return drift;
}
