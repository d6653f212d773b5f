// What the scripts that work on packed tarballs share: the public packages, packing them, and a report of checks
// whose last line (`<name>: {json}`) is the summary their tests read.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** The public workspace packages, in the order of the root's workspaces. */
export function publicPackages(root) {
  const { workspaces } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  const found = [];
  for (const pattern of workspaces) {
    const dirs = pattern.endsWith("/*") ? readdirSync(path.join(root, pattern.slice(0, -2))).map((name) => path.join(pattern.slice(0, -2), name)) : [pattern];
    for (const dir of dirs.filter((d) => existsSync(path.join(root, d, "package.json")))) {
      const manifest = JSON.parse(readFileSync(path.join(root, dir, "package.json"), "utf8"));
      if (manifest.private !== true) found.push({ dir, manifest });
    }
  }
  return found;
}

/** Throws when a package that ships dist/ has not been built. */
export function assertBuilt(root, packages) {
  for (const { dir, manifest } of packages) {
    if ((manifest.files ?? []).includes("dist") && !existsSync(path.join(root, dir, "dist"))) {
      throw new Error(`${manifest.name} is not built: run npx turbo run build first`);
    }
  }
}

/** `npm pack` of every package into `destination`; `npmOutput` runs npm and resolves with its stdout. */
export async function packTarballs(packages, destination, npmOutput) {
  return JSON.parse(await npmOutput(["pack", "--json", "--pack-destination", destination, ...packages.map((p) => `--workspace=${p.dir}`)]));
}

/** Failed checks and timed progress lines; `finish` prints the summary line and exits 1 when a check failed. */
export function report(name) {
  const started = Date.now();
  const failures = [];
  const log = (message) => console.log(`[${name} ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
  return {
    check(ok, message) {
      if (!ok) failures.push(message);
    },
    log,
    finish(summary) {
      summary.seconds = Math.round((Date.now() - started) / 1000);
      summary.failures = failures;
      if (failures.length > 0) console.error(`\n${failures.length} check(s) failed:\n- ${failures.join("\n- ")}\n`);
      else log("every check passed");
      console.log(`${name}: ${JSON.stringify(summary)}`);
      process.exit(failures.length > 0 ? 1 : 0);
    },
  };
}
