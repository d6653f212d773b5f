// The built packages under Bun and Deno (the binaries of the root's devDependencies `bun` and `deno`): for each,
// the example server (examples/<runtime>-server, started with its package.json `start` command, PORT=0) runs in that
// runtime, and scripts/runtime-smoke.mjs, in the same runtime, connects our client to it (versions, details, every
// location page by page, one location) and calls a server's fetch handler in process. Skipped, saying so, only where
// the binary is missing. `npm test` builds the packages first; alone: `npx turbo run build` first.
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const smokeScript = path.join(root, "scripts/runtime-smoke.mjs");

interface Runtime {
  name: "bun" | "deno";
  /** The example's folder. */
  example: string;
  /** How the runtime runs a script (after the binary). */
  run: (script: string) => string[];
}

const RUNTIMES: Runtime[] = [
  { name: "bun", example: "examples/bun-server", run: (script) => [script] },
  { name: "deno", example: "examples/deno-server", run: (script) => ["run", "--allow-net", "--allow-env", script] },
];

/** What scripts/runtime-smoke.mjs prints on its last line. */
interface Smoke {
  runtime: { name: string; version: string };
  versions?: { version: string; url: string }[];
  details?: { version: string; endpoints: string[] };
  locations?: { count: number; totalCount: number; firstPage: number; ids: string[] };
  location?: { id: string; evses: number };
  inProcess?: {
    versions: { status: number; statusCode: number; list: { version: string; url: string }[] };
    list: { status: number; statusCode: number; count: number; totalCount: number };
    anonymous: { status: number; statusCode: number };
    client: { version: string; count: number; same: boolean };
  };
  error?: string;
}

interface Started {
  child: ChildProcess;
  versionsUrl: string;
  token: string;
  locations: number;
  output: () => string;
}

/** The runtime's binary, or undefined when it is missing (not installed, or not runnable here). */
function binaryOf(name: string): string | undefined {
  const bin = path.join(root, "node_modules/.bin", name);
  if (!existsSync(bin)) return undefined;
  const probe = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: 15_000 });
  return probe.status === 0 ? bin : undefined;
}

const runtimeEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => ({ ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...extra });

/** Starts the example with its `start` command (its first word replaced by `bin`) and waits for its versions URL. */
function startExample(bin: string, example: string, token: string): Promise<Started> {
  const dir = path.join(root, example);
  const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { scripts: { start: string } };
  const [, ...args] = manifest.scripts.start.split(/\s+/);
  // Its own process group, so that afterAll ends it and anything it started.
  const child = spawn(bin, args, { cwd: dir, env: runtimeEnv({ PORT: "0", TOKEN: token }), detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const output = () => out;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${example} printed no versions URL in 20 s:\n${out}`)), 20_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const url = /^\s+versions\s+(\S+)/m.exec(out)?.[1];
      const printedToken = /^\s+token\s+(\S+)/m.exec(out)?.[1];
      const count = /serving (\d+) locations/.exec(out)?.[1];
      if (url && printedToken && count) {
        clearTimeout(timer);
        resolve({ child, versionsUrl: url, token: printedToken, locations: Number(count), output });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${example} exited (${code ?? signal}) before listening:\n${out}`));
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const pid = child.pid;
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // gone already
    }
  };
  kill("SIGTERM");
  const timer = setTimeout(() => kill("SIGKILL"), 3_000);
  await exited;
  clearTimeout(timer);
}

function runSmoke(bin: string, runtime: Runtime, started: Started): Promise<{ smoke: Smoke | undefined; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = runtimeEnv({ VERSIONS_URL: started.versionsUrl, TOKEN: started.token, LIMIT: "5" });
    execFile(bin, runtime.run(smokeScript), { cwd: root, env, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (_error, stdout, stderr) => {
      const line = stdout.split("\n").find((l) => l.startsWith("runtime-smoke: "));
      resolve({ smoke: line === undefined ? undefined : (JSON.parse(line.slice("runtime-smoke: ".length)) as Smoke), stdout, stderr });
    });
  });
}

for (const runtime of RUNTIMES) {
  const bin = binaryOf(runtime.name);
  const missing = `node_modules/.bin/${runtime.name} is missing or does not run (npm install installs it)`;

  describe(`under ${runtime.name}`, () => {
    let started: Started | undefined;
    let smoke: Promise<Awaited<ReturnType<typeof runSmoke>>> | undefined;

    beforeAll(async () => {
      if (!bin) return;
      for (const pkg of ["client", "server", "protocol"]) {
        if (!existsSync(path.join(root, "packages", pkg, "dist/index.js"))) throw new Error(`@ocpi-sdk/${pkg} is not built: run npx turbo run build first`);
      }
      started = await startExample(bin, runtime.example, randomUUID());
      smoke = runSmoke(bin, runtime, started);
    }, 30_000);

    afterAll(async () => {
      if (started) await stop(started.child);
    });

    it(`the ${runtime.example} example serves its locations to our client, both in ${runtime.name}`, async (context) => {
      if (!bin) return context.skip(missing);
      const { smoke: result, stderr } = await smoke!;
      expect(result, `no summary line; stderr:\n${stderr}\nserver:\n${started!.output()}`).toBeDefined();
      expect(result!.error, stderr).toBeUndefined();
      expect(result!.runtime.name).toBe(runtime.name);
      const base = new URL(started!.versionsUrl).origin;
      expect(result!.versions).toEqual(["2.1.1", "2.2.1", "2.3.0"].map((version) => ({ version, url: `${base}/ocpi/${version}` })));
      expect(result!.details!.version).toBe("2.3.0");
      expect(result!.details!.endpoints).toEqual(expect.arrayContaining(["credentials SENDER", "locations SENDER"]));
      // Every location the server holds, in pages of 5, each once.
      expect(started!.locations).toBeGreaterThan(5);
      expect(result!.locations!.count).toBe(started!.locations);
      expect(result!.locations!.totalCount).toBe(started!.locations);
      expect(result!.locations!.firstPage).toBe(5);
      expect(new Set(result!.locations!.ids).size).toBe(started!.locations);
      expect(result!.location).toEqual({ id: result!.locations!.ids[0], evses: 1 });
    }, 40_000);

    it(`a server's fetch handler answers in process in ${runtime.name}, and our client through it`, async (context) => {
      if (!bin) return context.skip(missing);
      const { smoke: result, stderr } = await smoke!;
      expect(result?.inProcess, stderr).toBeDefined();
      const { versions, list, anonymous, client } = result!.inProcess!;
      expect(versions).toEqual({ status: 200, statusCode: 1000, list: [{ version: "2.3.0", url: "https://cpo.test/ocpi/2.3.0" }] });
      expect(list).toEqual({ status: 200, statusCode: 1000, count: 2, totalCount: started!.locations });
      expect(anonymous.status).toBe(401);
      expect(client).toEqual({ version: "2.3.0", count: started!.locations, same: true });
    }, 40_000);
  });
}
