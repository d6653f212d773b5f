// The built bin, run by node as a user would: help, exit codes, no colour off a TTY, SIGTERM ends `ocpi mock`.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./program.js";
import { captureIo, tempDir } from "./testing/io.js";

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/bin.js");
const run = (args: string[], env: Record<string, string> = {}) => {
  const { NO_COLOR: _, FORCE_COLOR: __, ...rest } = process.env;
  return spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env: { ...rest, ...env } });
};

let dir: string;
let remove: () => Promise<void>;
beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: build the package first (npm run build)`);
  ({ dir, remove } = await tempDir("ocpi-bin-"));
});
afterAll(() => remove());

describe("dist/bin.js", () => {
  it("starts with a node shebang", async () => {
    expect((await readFile(bin, "utf8")).split("\n")[0]).toBe("#!/usr/bin/env node");
  });

  it("lists its commands with --help and exits 0", () => {
    const result = run(["--help"]);
    expect(result.status).toBe(0);
    for (const command of ["validate", "mock", "conformance", "pull"]) expect(result.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
  });

  it("exits 2 for an unknown option, 1 for an invalid file, without colour when stderr is not a terminal", async () => {
    const unknown = run(["validate", "--frobnicate", "x.json"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("error: unknown option '--frobnicate'");
    const file = path.join(dir, "tariff.json");
    await writeFile(file, JSON.stringify({ country_code: "NL", party_id: "CPO", id: "T1", currency: "EUR", elements: [], last_updated: "2024-01-01" }));
    const invalid = run(["validate", "--schema", "Tariff", file]);
    expect(invalid.status).toBe(1);
    expect(invalid.stdout).toContain("/last_updated: must be an RFC 3339 date-time in UTC");
    expect(invalid.stdout + invalid.stderr).not.toMatch(/\x1b\[/);
    // FORCE_COLOR colours stderr; NO_COLOR wins over it.
    expect(run(["validate", "--schema", "Tariff", file], { FORCE_COLOR: "1" }).stderr).toMatch(/\x1b\[31m/);
    expect(run(["validate", "--schema", "Tariff", file], { FORCE_COLOR: "1", NO_COLOR: "1" }).stderr).not.toMatch(/\x1b\[/);
  });

  it("runs `ocpi mock` until SIGTERM, then exits 0", { timeout: 30_000 }, async () => {
    const child = spawn(process.execPath, [bin, "mock", "--role", "cpo", "--locations", "4", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await expect.poll(() => out, { timeout: 20_000 }).toContain("\n");
    const listening = JSON.parse(out.split("\n")[0]!) as { versionsUrl: string; tokenC: string };
    // The mock answers while it runs: `ocpi pull` (as a function here) reads its four Locations.
    const io = captureIo();
    expect(await runCli(["pull", "--versions-url", listening.versionsUrl, "--token", listening.tokenC, "--module", "locations"], io)).toBe(0);
    expect(io.out().trim().split("\n")).toHaveLength(4);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(out.trim().split("\n").at(-1)).toBe('{"event":"stopped"}');
  });
});
