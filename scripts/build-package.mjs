// Builds the workspace package in the current folder with tsc, then removes from dist/ every file this build did
// not write (the outputs of deleted or excluded sources, old source maps), so a packed tarball holds only what the
// sources give. dist/ is not emptied first: code importing the package while it builds still finds it.
// Usage (a package's "build" script): node ../../scripts/build-package.mjs [--bin dist/bin.js]
import { spawnSync } from "node:child_process";
import { chmodSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const run = spawnSync(process.execPath, [tsc, "-p", "tsconfig.json", "--listEmittedFiles"], { encoding: "utf8" });
const emitted = new Set();
for (const line of run.stdout.split("\n")) {
  if (line.startsWith("TSFILE: ")) emitted.add(path.resolve(line.slice("TSFILE: ".length).trim()));
  else if (line.trim() !== "") console.log(line);
}
process.stderr.write(run.stderr);
if (run.status !== 0) process.exit(run.status ?? 1);

const dist = path.resolve("dist");
/** Removes what was not emitted under `dir`; true when `dir` is left empty. */
function prune(dir) {
  let kept = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory() ? prune(file) : !emitted.has(file)) {
      if (!entry.isDirectory()) rmSync(file);
    } else kept++;
  }
  if (kept === 0 && dir !== dist) rmdirSync(dir);
  return kept === 0;
}
if (emitted.size === 0) throw new Error("tsc listed no emitted file: nothing pruned");
prune(dist);

const bin = process.argv.indexOf("--bin");
if (bin !== -1) chmodSync(path.resolve(process.argv[bin + 1]), 0o755);
