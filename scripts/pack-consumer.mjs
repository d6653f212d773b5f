// Packs every public workspace package as a registry user gets it, installs the tarballs in a fresh folder outside
// the repository, checks what they hold, compiles a consumer with `skipLibCheck: false` (nodenext, bundler, and a
// browser-like setup without Node's types for the packages that run anywhere), runs it in plain Node, and prints
// the install's size. Needs built packages (`npx turbo run build`). Run: node scripts/pack-consumer.mjs [--keep]
// The last line is `pack-consumer: {json}`, a summary the test reads. Exit code 1 on any failed check.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { assertBuilt, packTarballs, publicPackages, report } from "./lib/packed.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const keep = process.argv.includes("--keep");
const rootPackage = readJson(path.join(root, "package.json"));
const license = readFileSync(path.join(root, "LICENSE"), "utf8");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const REPOSITORY = "git+https://github.com/ocpi-sdk/ocpi-sdk.git";
/** Packages the consumer must not get from a plain install (optional peers of the server, and their types). */
const ABSENT = ["pg", "@electric-sql/pglite", "@types/pg", "pg-pool", "pg-protocol"];

const { check, log, finish } = report("pack-consumer");

function readJson(file) {
  return JSON.parse(readFileSync(file, "utf8"));
}

/** Runs a command; resolves with its output, rejects (with the output) when it fails. */
function run(command, args, { cwd = root, env = {}, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else
        reject(
          new Error(
            `${command} ${args.join(" ")} (in ${cwd}) ${code === null ? `did not end within ${timeoutMs / 1000} s` : `exited with ${code}`}\n${stdout}\n${stderr}`,
          ),
        );
    });
  });
}

/** Sizes in KiB, as du counts them (disk blocks, hard links once). */
async function du(...paths) {
  const { stdout } = await run("du", ["-sk", ...paths]);
  return stdout
    .trim()
    .split("\n")
    .map((line) => {
      const [kib, file] = line.split("\t");
      return { file, kib: Number(kib) };
    });
}

const mib = (kib) => `${(kib / 1024).toFixed(1)} MiB`;

/** Every file path an `exports` value points at. */
function exportTargets(value) {
  if (typeof value === "string") return [value];
  if (value === null || typeof value !== "object") return [];
  return Object.values(value).flatMap(exportTargets);
}

function filesUnder(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(file, base) : [path.relative(base, file).split(path.sep).join("/")];
  });
}

/** The manifest's own rules, before packing. */
function checkManifest({ dir, manifest }, publicNames) {
  const name = manifest.name;
  check(manifest.license === "MIT", `${name}: license is ${manifest.license}, not MIT`);
  check(
    manifest.repository?.url === REPOSITORY && manifest.repository?.directory === dir,
    `${name}: repository is not {url: ${REPOSITORY}, directory: ${dir}}`,
  );
  check(typeof manifest.homepage === "string" && manifest.homepage.includes(dir), `${name}: no homepage of its folder`);
  check(typeof manifest.bugs?.url === "string", `${name}: no bugs.url`);
  check(manifest.engines?.node === rootPackage.engines.node, `${name}: engines.node is not ${rootPackage.engines.node}`);
  check(Array.isArray(manifest.keywords) && manifest.keywords.includes("ocpi"), `${name}: no keywords`);
  check(manifest.type === "module", `${name}: not "type": "module"`);
  for (const key of Object.keys(manifest.exports ?? {})) check(!key.includes("*"), `${name}: wildcard export ${key} (list the subpaths)`);
  for (const [dep, spec] of Object.entries(manifest.dependencies ?? {})) {
    if (dep.startsWith("@ocpi-sdk/")) {
      check(publicNames.has(dep), `${name}: depends on ${dep}, which is private (not published)`);
      check(spec.startsWith("^"), `${name}: ${dep} pinned as ${spec}, not a range`);
    }
    check(!(dep in (manifest.peerDependencies ?? {})), `${name}: ${dep} is both a dependency and a peer dependency`);
  }
  for (const dep of ABSENT) check(!(dep in (manifest.dependencies ?? {})), `${name}: depends on ${dep} (an optional peer at most)`);
}

/** What an installed (= unpacked) tarball holds. */
function checkInstalled({ dir, manifest }, installed) {
  const name = manifest.name;
  const files = filesUnder(installed);
  const shipped = new Set(files);
  check(shipped.has("LICENSE") && readFileSync(path.join(installed, "LICENSE"), "utf8") === license, `${name}: LICENSE missing or not the root's`);
  check(shipped.has("README.md"), `${name}: no README.md`);
  check(!files.some((f) => f.endsWith(".map")), `${name}: ships source maps (${files.find((f) => f.endsWith(".map"))})`);
  check(!files.some((f) => /\.test(-d)?\.|(^|\/)testing\//.test(f)), `${name}: ships tests (${files.find((f) => /\.test(-d)?\.|(^|\/)testing\//.test(f))})`);
  check(
    !files.some((f) => /sourceMappingURL/.test(f.endsWith(".js") ? readFileSync(path.join(installed, f), "utf8").slice(-300) : "")),
    `${name}: a .js file names a source map`,
  );
  const targets = exportTargets(manifest.exports).map((t) => t.replace(/^\.\//, ""));
  for (const target of targets) check(shipped.has(target), `${name}: exports ${target}, which the tarball lacks`);
  const exported = new Set(targets);
  for (const file of files) {
    if (file.endsWith(".json") && file !== "package.json") check(exported.has(file), `${name}: ships ${file} without an export for it`);
    const version = /^dist\/generated\/([^/]+)\/index\.gen\.d\.ts$/.exec(file)?.[1];
    if (version) check(`./${version}` in manifest.exports, `${name}: has version ${version} but no "./${version}" export`);
  }
  // A file of the package's own folder that the sources no longer produce (a stale build).
  for (const file of files) {
    if (!file.startsWith("dist/")) continue;
    const source = file.replace(/^dist\//, "src/").replace(/\.d\.ts$|\.js$/, ".ts");
    check(existsSync(path.join(root, dir, source)), `${name}: ships ${file}, which no source gives (rebuild)`);
  }
  return files.length;
}

const CONSUMER = {
  // Every package a server-side application uses, as it would.
  "src/app.ts": `
import type { Connector, Location } from "@ocpi-sdk/types/2.2.1";
import type { v2_1_1 } from "@ocpi-sdk/types";
import type { Token } from "@ocpi-sdk/types/2.3.0";
import { formatIssues, ValidationError } from "@ocpi-sdk/validators";
import { validators } from "@ocpi-sdk/validators/2.2.1";
import { validators as validators211 } from "@ocpi-sdk/validators/2.1.1";
import { defineValidator } from "@ocpi-sdk/validators/runtime";
import { OcpiClient, OcpiError } from "@ocpi-sdk/client";
import type { OperationCaller } from "@ocpi-sdk/client/runtime";
import { createOcpiServer, MemoryStore, PostgresStore, fromPgPool, storeHandlers, type SqlClient } from "@ocpi-sdk/server";
import type { RouteInfo } from "@ocpi-sdk/server/runtime";
import { listen } from "@ocpi-sdk/server/node";
import { envelope, OcpiStatus } from "@ocpi-sdk/protocol";
import { locationV221ToV211 } from "@ocpi-sdk/converters";
import { v2_2_1 as openapi } from "@ocpi-sdk/openapi";
import cpoDocument from "@ocpi-sdk/openapi/2.2.1/cpo.json" with { type: "json" };
import locationsSchema from "@ocpi-sdk/schemas/2.2.1/locations.json" with { type: "json" };
import endpointsSchema from "@ocpi-sdk/schemas/endpoints.schema.json" with { type: "json" };

const connector: Connector = {
  id: "1", standard: "IEC_62196_T2", format: "SOCKET", power_type: "AC_3_PHASE",
  max_voltage: 230, max_amperage: 32, last_updated: "2024-05-01T10:00:00Z",
};
export function check(body: unknown): Location | string {
  const result = validators.Location.validate(body);
  return result.ok ? result.value : formatIssues(result.errors);
}
export function older(location: Location): v2_1_1.Location {
  return locationV221ToV211(location).value;
}
export const parsed: unknown = validators211.Location;
export const made = defineValidator;
export const reply = envelope({ connector }, OcpiStatus.Success);
export type Caller = OperationCaller<unknown>;
export type Route = RouteInfo;
export type Tok = Token["uid"];
export const documents = [openapi, cpoDocument.openapi, locationsSchema.$id, endpointsSchema.$schema] as const;
export const isErrors = [OcpiError, ValidationError] as const;

export async function start(): Promise<() => Promise<void>> {
  const roles = [{ role: "CPO" as const, country_code: "NL", party_id: "ABC", business_details: { name: "ABC Charging" } }];
  const store = new MemoryStore();
  const { server, close } = await listen((publicUrl) =>
    createOcpiServer({ publicUrl, roles, store, handlers: storeHandlers(store, { roles }) }),
  );
  const { token } = await server.credentials.createRegistrationToken();
  const client: OcpiClient = await OcpiClient.connect({ versionsUrl: server.versionsUrl, token, party: { country_code: "NL", party_id: "XYZ" } });
  void client;
  return close;
}
export const postgres = (sql: SqlClient) => PostgresStore.open(sql);
export const adapters = fromPgPool;

// A subpath that is not exported does not compile.
// @ts-expect-error: no such version
export type Typo = import("@ocpi-sdk/types/2.2.2").Location;
`,
  // The packages that run anywhere fetch does, compiled without Node's types.
  "src/browser.ts": `
import type { Location } from "@ocpi-sdk/types/2.2.1";
import { validators } from "@ocpi-sdk/validators/2.2.1";
import { OcpiClient } from "@ocpi-sdk/client";
import { envelope, OcpiStatus } from "@ocpi-sdk/protocol";
import { locationV221ToV211 } from "@ocpi-sdk/converters";
import { v2_2_1 } from "@ocpi-sdk/openapi";

export async function locations(versionsUrl: string, token: string): Promise<Location[]> {
  const peer = await OcpiClient.connect({ versionsUrl, token });
  const out: Location[] = [];
  if (peer.version === "2.2.1") for await (const location of peer.locations.sender.all()) out.push(location);
  return out.filter((l) => validators.Location.validate(l).ok).map((l) => locationV221ToV211(l).value as unknown as Location);
}
export const reply = envelope(null, OcpiStatus.Success);
export const document = v2_2_1;
`,
};

// A server-side application that installs only @ocpi-sdk/server (and what it depends on): no pg, no PGlite.
const SERVER_APP = `
import { createOcpiServer, MemoryStore, PostgresStore, connectPg, fromPglite, storeHandlers, type SqlClient } from "@ocpi-sdk/server";
import type { RouteInfo } from "@ocpi-sdk/server/runtime";
import { routes } from "@ocpi-sdk/server/2.2.1";
import { listen } from "@ocpi-sdk/server/node";

export async function start(databaseUrl?: string) {
  const roles = [{ role: "CPO" as const, country_code: "NL", party_id: "ABC", business_details: { name: "ABC Charging" } }];
  const store = databaseUrl ? await PostgresStore.connect(databaseUrl) : new MemoryStore();
  return listen((publicUrl) => createOcpiServer({ publicUrl, roles, store, handlers: storeHandlers(store, { roles }) }));
}
export const adapters = [connectPg, fromPglite] as const;
export const open = (sql: SqlClient) => PostgresStore.open(sql);
export const table: unknown = routes;
export type Route = RouteInfo;
`;

const compilerOptions = {
  target: "es2022",
  lib: ["es2023"],
  strict: true,
  skipLibCheck: false,
  noEmit: true,
  resolveJsonModule: true,
  typeRoots: ["../tools/node_modules/@types"],
  types: ["node"],
};
const nodenext = { ...compilerOptions, module: "nodenext", moduleResolution: "nodenext" };
const bundler = { ...compilerOptions, module: "esnext", moduleResolution: "bundler" };
/** The consumers: what each installs (with the internal packages those need), its files and its compilations. */
const CONSUMERS = {
  all: {
    install: (names) => names,
    files: CONSUMER,
    tsconfigs: {
      "tsconfig.nodenext.json": { compilerOptions: nodenext, files: ["src/app.ts", "src/exports.ts"] },
      "tsconfig.bundler.json": { compilerOptions: bundler, files: ["src/app.ts", "src/exports.ts"] },
      // The packages that run anywhere fetch does, without Node's types.
      "tsconfig.browser.json": { compilerOptions: { ...bundler, lib: ["es2023", "dom", "dom.iterable"], types: [] }, files: ["src/browser.ts"] },
    },
  },
  server: {
    install: () => ["@ocpi-sdk/server"],
    files: { "src/app.ts": SERVER_APP },
    tsconfigs: { "tsconfig.nodenext.json": { compilerOptions: nodenext, files: ["src/app.ts"] } },
  },
};

// Plain Node, no bundler and no vitest: every export of every installed package loads, the server starts without
// pg or PGlite, and asking for the PostgreSQL store says what to install.
const SMOKE = `
import { readFileSync } from "node:fs";
const names = __NAMES__;
let loaded = 0;
for (const name of names) {
  const manifest = JSON.parse(readFileSync(new URL("./node_modules/" + name + "/package.json", import.meta.url), "utf8"));
  for (const key of Object.keys(manifest.exports)) {
    const specifier = name + key.slice(1);
    if (key.endsWith(".json")) await import(specifier, { with: { type: "json" } });
    else await import(specifier);
    loaded++;
  }
}
const { PostgresStore, MemoryStore, createOcpiServer, storeHandlers } = await import("@ocpi-sdk/server");
const store = new MemoryStore();
const roles = [{ role: "CPO", country_code: "NL", party_id: "ABC", business_details: { name: "ABC" } }];
const server = createOcpiServer({ publicUrl: "http://localhost:1", roles, store, handlers: storeHandlers(store, { roles }) });
const versions = await server.app.fetch(new Request("http://localhost:1/ocpi/versions"));
server.close();
await server.idle();
let postgresError = "no error";
try {
  await PostgresStore.connect("postgres://localhost:1/none");
} catch (error) {
  postgresError = error.message;
}
console.log(JSON.stringify({ loaded, versionsStatus: versions.status, postgresError }));
`;

/** The names of `names` and of every internal package they depend on. */
function withInternalDependencies(names, manifests) {
  const all = new Set();
  const add = (name) => {
    if (all.has(name)) return;
    all.add(name);
    for (const dep of Object.keys(manifests.get(name)?.dependencies ?? {})) if (manifests.has(dep)) add(dep);
  };
  names.forEach(add);
  return [...all];
}

/** A module importing the types of every export of every package, so that each one's .d.ts is checked. */
function everyExport(names, manifests) {
  const lines = ["// Every export of every package: each one's types must compile with skipLibCheck: false."];
  let i = 0;
  for (const name of names) {
    for (const key of Object.keys(manifests.get(name).exports ?? {})) {
      if (key === "./package.json" || key.endsWith(".json")) continue;
      lines.push(`import type * as m${i} from "${name}${key.slice(1)}";`, `export type M${i} = typeof m${i};`);
      i++;
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Sizes of what is in a node_modules folder, largest first, and its total. */
async function installSize(modules) {
  const [{ kib: totalKiB }] = await du(modules);
  const tops = readdirSync(modules)
    .filter((name) => !name.startsWith("."))
    .flatMap((name) => (name.startsWith("@") ? readdirSync(path.join(modules, name)).map((sub) => `${name}/${sub}`) : [name]))
    .filter((name) => statSync(path.join(modules, name)).isDirectory());
  const sizes = (await du(...tops.map((name) => path.join(modules, name))))
    .map(({ file, kib }) => ({ name: path.relative(modules, file), kib }))
    .sort((a, b) => b.kib - a.kib);
  return { totalKiB, sizes };
}

async function main() {
  const packages = publicPackages(root);
  const publicNames = new Set(packages.map((p) => p.manifest.name));
  const manifests = new Map(packages.map((p) => [p.manifest.name, p.manifest]));
  for (const p of packages) checkManifest(p, publicNames);
  assertBuilt(root, packages);

  const work = realpathSync(mkdtempSync(path.join(tmpdir(), "ocpi-sdk-pack-")));
  if (!path.relative(root, work).startsWith("..")) throw new Error(`${work} is inside the repository`);
  const tarballs = path.join(work, "tarballs");
  const tools = path.join(work, "tools");
  for (const dir of [tarballs, tools]) mkdirSync(dir, { recursive: true });
  const npmFlags = ["--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"];
  const summary = { packages: {}, consumers: {} };
  try {
    log(`packing ${packages.length} packages into ${tarballs}`);
    const packed = await packTarballs(packages, tarballs, async (args) => (await run("npm", args)).stdout);
    const tarball = new Map(packed.map((p) => [p.name, p.filename]));
    for (const p of packed) summary.packages[p.name] = { tarballKiB: Math.round(p.size / 1024), unpackedKiB: Math.round(p.unpackedSize / 1024) };

    // The compiler's Node types sit beside the consumers, so they do not count in their installs.
    writeFileSync(
      path.join(tools, "package.json"),
      JSON.stringify({ private: true, devDependencies: { "@types/node": rootPackage.devDependencies["@types/node"] } }),
    );
    const consumers = Object.entries(CONSUMERS).map(([name, consumer]) => {
      const dir = path.join(work, name);
      mkdirSync(path.join(dir, "src"), { recursive: true });
      // Internal dependencies come from the tarballs, never from the registry: each is listed by its file.
      const names = withInternalDependencies(consumer.install([...publicNames]), manifests);
      const manifest = {
        name: `ocpi-sdk-consumer-${name}`,
        private: true,
        type: "module",
        dependencies: Object.fromEntries(names.map((n) => [n, `file:../tarballs/${tarball.get(n)}`])),
      };
      writeFileSync(path.join(dir, "package.json"), JSON.stringify(manifest, null, 2));
      for (const [file, text] of Object.entries(consumer.files)) writeFileSync(path.join(dir, file), text.trimStart());
      if (name === "all") writeFileSync(path.join(dir, "src/exports.ts"), everyExport(names, manifests));
      for (const [file, config] of Object.entries(consumer.tsconfigs)) writeFileSync(path.join(dir, file), JSON.stringify(config, null, 2));
      writeFileSync(path.join(dir, "smoke.mjs"), SMOKE.replace("__NAMES__", JSON.stringify(consumer.install([...publicNames]))));
      return { name, dir, consumer, names };
    });

    log(`installing the tarballs: ${consumers.map((c) => `${c.name} (${c.names.length} packages)`).join(", ")}; @types/node beside them`);
    await Promise.all([...consumers.map((c) => run("npm", ["install", ...npmFlags], { cwd: c.dir })), run("npm", ["install", ...npmFlags], { cwd: tools })]);

    for (const c of consumers) {
      const modules = path.join(c.dir, "node_modules");
      const installed = Object.keys(readJson(path.join(c.dir, "package-lock.json")).packages).filter((k) => k !== "");
      const lock = readJson(path.join(c.dir, "package-lock.json"));
      const copiesOf = (name) => installed.filter((k) => k === `node_modules/${name}` || k.endsWith(`/node_modules/${name}`));
      for (const name of ABSENT) check(copiesOf(name).length === 0, `${c.name}: a plain install pulls ${name}`);
      for (const single of ["hono", ...publicNames]) check(copiesOf(single).length <= 1, `${c.name}: ${single} is installed ${copiesOf(single).length} times`);
      for (const n of c.names) {
        const resolved = lock.packages[`node_modules/${n}`]?.resolved;
        check(resolved?.endsWith(tarball.get(n)), `${c.name}: ${n} was not installed from its tarball (${resolved})`);
      }
      const { totalKiB, sizes } = await installSize(modules);
      summary.consumers[c.name] = { installKiB: totalKiB, installedPackages: installed.length, absent: ABSENT.filter((n) => copiesOf(n).length === 0) };
      console.log(
        `\nInstall of ${c.names.length === publicNames.size ? "every @ocpi-sdk package" : c.consumer.install([]).join(", ")}: ${mib(totalKiB)} in node_modules, ${installed.length} packages`,
      );
      for (const { name, kib } of sizes.slice(0, 15)) console.log(`  ${mib(kib).padStart(9)}  ${name}`);
      const rest = sizes.slice(15);
      if (rest.length > 0) console.log(`  ${mib(rest.reduce((sum, { kib }) => sum + kib, 0)).padStart(9)}  ${rest.length} smaller packages`);
      console.log(`  not installed: ${summary.consumers[c.name].absent.join(", ")}`);
    }
    console.log("\nTarballs:");
    for (const p of packed)
      console.log(
        `  ${p.filename.padEnd(34)} ${mib(p.size / 1024).padStart(9)} packed, ${mib(p.unpackedSize / 1024).padStart(9)} unpacked, ${p.entryCount} files`,
      );
    console.log("");
    const all = consumers.find((c) => c.name === "all");
    for (const p of packages) summary.packages[p.manifest.name].files = checkInstalled(p, path.join(all.dir, "node_modules", p.manifest.name));

    log("compiling the consumers with skipLibCheck: false");
    const compilations = consumers.flatMap((c) => Object.keys(c.consumer.tsconfigs).map((config) => ({ c, config })));
    const compiled = await Promise.allSettled(compilations.map(({ c, config }) => run(process.execPath, [tsc, "-p", config], { cwd: c.dir })));
    compilations.forEach(({ c, config }, i) => {
      const result = compiled[i];
      (summary.consumers[c.name].compiled ??= {})[config] = result.status === "fulfilled";
      check(result.status === "fulfilled", `${c.name}: tsc -p ${config} failed:\n${result.reason?.message}`);
    });

    log("running the consumers in plain Node");
    for (const c of consumers) {
      const smoke = JSON.parse((await run(process.execPath, ["smoke.mjs"], { cwd: c.dir, timeoutMs: 30_000 })).stdout.trim().split("\n").at(-1));
      summary.consumers[c.name].smoke = smoke;
      check(smoke.loaded > 0 && smoke.versionsStatus === 401, `${c.name}: smoke: ${JSON.stringify(smoke)}`);
      check(/npm install pg/.test(smoke.postgresError), `${c.name}: PostgresStore.connect without pg says: ${smoke.postgresError}`);
    }
    const help = await run(process.execPath, [path.join(all.dir, "node_modules", ".bin", "ocpi"), "--help"], { cwd: all.dir });
    check(/validate/.test(help.stdout), "ocpi --help does not list its commands");
  } finally {
    if (keep) log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  finish(summary);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
