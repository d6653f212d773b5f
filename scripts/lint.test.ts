// The code is formatted and lint-clean by the rules of biome.jsonc: `npm run lint` says where it is not, and
// `npm run format` fixes what can be fixed by itself.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");
const biome = path.join(root, "node_modules/@biomejs/biome/bin/biome");

describe("format and lint", () => {
  it("passes `biome ci` over the repository (generated code, schemas and fixtures aside)", { timeout: 60_000 }, () => {
    const run = spawnSync(process.execPath, [biome, "ci", "--colors=off", "--max-diagnostics=30", "."], { cwd: root, encoding: "utf8" });
    expect(run.stdout + run.stderr).toMatch(/Checked \d+ files/);
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  });
});
