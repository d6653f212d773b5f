// What a user does with the packages in their own project, from packed tarballs in a fresh folder outside the
// repository: `npx ocpi generate` with a custom field (Location.x_rating) and a custom module (ratings); a TypeScript
// app using both compiles and runs (the generated validator rejects x_rating 9; a server serves the module and a
// client calls it); `ocpi generate` again rewrites nothing; then `npx ocpi mock`, `npx ocpi conformance` against it
// (JUnit, 0 failures) and `npx ocpi pull` (one line per Location of the mock).
// Needs built packages (`npx turbo run build`). Run: node scripts/user-project.mjs [--keep]
// The last line is `user-project: {json}`, a summary the test reads. Exit code 1 on any failed check.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { assertBuilt, packTarballs, publicPackages, report } from "./lib/packed.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const keep = process.argv.includes("--keep");
const rootPackage = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
const { check, log, finish } = report("user-project");

/** Runs a command; resolves with its exit code and output (never rejects on a non-zero exit). */
function run(command, args, { cwd, timeoutMs = 180_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
const must = async (what, promise) => {
  const result = await promise;
  if (result.code !== 0) throw new Error(`${what} exited with ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result;
};

const CONFIG = {
  versions: ["2.2.1"],
  out: "src/ocpi",
  overlays: {
    "2.2.1": {
      Location: { properties: { x_rating: { type: "integer", minimum: 0, maximum: 5 } } },
      // A custom module needs its id among the 2.2.1 ModuleIDs, which the spec lists as a closed set.
      ModuleID: { enum: ["cdrs", "chargingprofiles", "commands", "credentials", "hubclientinfo", "locations", "sessions", "tariffs", "tokens", "ratings"] },
    },
  },
  schemas: { "2.2.1": ["ocpi/ratings.json"] },
  endpoints: { "2.2.1": "ocpi/endpoints.json" },
};

/** The custom module's objects: its $id beside the packaged files, so that it refers to them by file name. */
const RATINGS_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://ocpi-sdk.dev/schemas/2.2.1/ratings.json",
  title: "Ratings",
  description: "A custom module: drivers' ratings of Locations.",
  $defs: {
    Rating: {
      title: "Rating",
      description: "One driver's rating of a Location.",
      type: "object",
      properties: {
        id: { type: "string", maxLength: 36, $ref: "common.json#/$defs/CiString" },
        location_id: { type: "string", maxLength: 36, $ref: "common.json#/$defs/CiString" },
        stars: { type: "integer", minimum: 1, maximum: 5 },
        last_updated: { $ref: "common.json#/$defs/DateTime" },
      },
      required: ["id", "location_id", "stars", "last_updated"],
    },
  },
};

const RATINGS_ENDPOINTS = {
  modules: [
    {
      id: "ratings",
      title: "Ratings",
      interfaces: [
        {
          role: "SENDER",
          implementedBy: ["CPO"],
          operations: [
            {
              name: "list",
              summary: "Fetch a page of ratings.",
              method: "GET",
              path: "",
              pathParams: [],
              query: [
                { name: "offset", description: "Index of the first object.", required: false, schema: { type: "integer", minimum: 0 } },
                { name: "limit", description: "Most objects to return.", required: false, schema: { type: "integer", minimum: 0 } },
              ],
              paginated: true,
              response: { data: { $ref: "ratings.json#/$defs/Rating" }, list: true },
            },
          ],
        },
      ],
    },
  ],
};

const APP = `
import { createOcpiServer, MemoryStore, storeHandlers } from "@ocpi-sdk/server";
import { listen } from "@ocpi-sdk/server/node";
import type { CredentialsRole } from "@ocpi-sdk/types/2.2.1";
import type { Location, Rating } from "./ocpi/types/2.2.1/index.gen.js";
import { validators } from "./ocpi/validators/2.2.1/index.gen.js";
import { bindings } from "./ocpi/client/index.gen.js";
import { routes, type VersionHandlers } from "./ocpi/server/index.gen.js";

// The custom field is typed...
export const rating = (location: Location): number | undefined => location.x_rating;
// ...and validated, in the object and in its PATCH body.
const nine = validators.Location.validate({ x_rating: 9 });
const patch = validators.LocationPatch.validate({ x_rating: 9, last_updated: "2024-01-01T00:00:00Z" });
const pointers = [nine, patch].map((r) => (r.ok ? [] : r.errors.filter((e) => e.pointer === "/x_rating").map((e) => e.message)));

// The custom module is served...
const cpo: CredentialsRole = { role: "CPO", country_code: "NL", party_id: "RAT", business_details: { name: "Rated CPO" } };
const store = new MemoryStore();
const ratings: Rating[] = [1, 2, 3].map((n) => ({ id: "R" + n, location_id: "LOC1", stars: n + 2, last_updated: "2024-01-01T00:00:00Z" }));
const handlers: VersionHandlers["2.2.1"] = {
  ...storeHandlers(store, { roles: [cpo] }),
  ratings: { sender: { list: async ({ page }) => ({ items: ratings.slice(page.offset, page.offset + page.limit), total: ratings.length }) } },
};
const listening = await listen((publicUrl) =>
  createOcpiServer({ publicUrl, roles: [cpo], store, routes, handlers, logger: false, urlPolicy: { allowLoopback: true } }),
);

// An eMSP of the same project registers with it: its calls use the project's bindings, which know the module (the
// spec lets custom ModuleIDs go only to parties that agreed to them).
const emspRole: CredentialsRole = { role: "EMSP", country_code: "NL", party_id: "MSP", business_details: { name: "eMSP" } };
const emspStore = new MemoryStore();
const emsp = await listen((publicUrl) =>
  createOcpiServer({ publicUrl, roles: [emspRole], store: emspStore, handlers: storeHandlers(emspStore, { roles: [emspRole] }), outgoing: { bindings }, logger: false, urlPolicy: { allowLoopback: true } }),
);
const { token } = await listening.server.credentials.createRegistrationToken();
const party = await emsp.server.credentials.registerWith({ versionsUrl: listening.server.versionsUrl, token });

// ...and calls the custom module with the project's bindings and types.
const client = emsp.server.credentials.clientFor(party, "2.2.1", { bindings });
const stars: number[] = [];
for await (const r of client.ratings.all()) stars.push(r.stars);
const listed = party.endpoints.map((e) => e.identifier);
await emsp.close();
await listening.close();
console.log(JSON.stringify({ pointers, stars, listed }));
`;

async function main() {
  const packages = publicPackages(root);
  assertBuilt(root, packages);
  const work = realpathSync(mkdtempSync(path.join(tmpdir(), "ocpi-sdk-user-")));
  if (!path.relative(root, work).startsWith("..")) throw new Error(`${work} is inside the repository`);
  const tarballs = path.join(work, "tarballs");
  const project = path.join(work, "project");
  mkdirSync(tarballs);
  mkdirSync(path.join(project, "ocpi"), { recursive: true });
  const summary = {};
  let mock;
  try {
    log(`packing ${packages.length} packages`);
    const packed = await packTarballs(packages, tarballs, async (args) => (await must("npm pack", run("npm", args, { cwd: root }))).stdout);
    const dependencies = Object.fromEntries(packed.map((p) => [p.name, `file:../tarballs/${p.filename}`]));
    const devDependencies = { typescript: rootPackage.devDependencies.typescript, "@types/node": rootPackage.devDependencies["@types/node"] };
    writeFileSync(
      path.join(project, "package.json"),
      JSON.stringify({ name: "my-ocpi-platform", private: true, type: "module", dependencies, devDependencies }, null, 2),
    );
    writeFileSync(path.join(project, "ocpi.config.json"), JSON.stringify(CONFIG, null, 2));
    writeFileSync(path.join(project, "ocpi/ratings.json"), JSON.stringify(RATINGS_SCHEMA, null, 2));
    writeFileSync(path.join(project, "ocpi/endpoints.json"), JSON.stringify(RATINGS_ENDPOINTS, null, 2));
    mkdirSync(path.join(project, "src"));
    writeFileSync(path.join(project, "src/app.ts"), APP.trimStart());
    const tsconfig = {
      compilerOptions: {
        target: "ES2022",
        module: "nodenext",
        moduleResolution: "nodenext",
        strict: true,
        skipLibCheck: true,
        outDir: "dist",
        types: ["node"],
      },
      include: ["src"],
    };
    writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));

    log("npm install");
    await must("npm install", run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: project }));

    log("npx ocpi generate");
    const first = await must("ocpi generate", run("npx", ["ocpi", "generate"], { cwd: project }));
    summary.generated = Number(/(\d+) generated files/.exec(first.stdout)?.[1] ?? 0);
    check(summary.generated > 0, `ocpi generate wrote nothing:\n${first.stdout}`);
    const again = await run("npx", ["ocpi", "generate"], { cwd: project });
    check(again.code === 0 && /up to date/.test(again.stdout), `a second ocpi generate is not a no-change run:\n${again.stdout}${again.stderr}`);
    const checked = await run("npx", ["ocpi", "generate", "--check"], { cwd: project });
    check(checked.code === 0, `ocpi generate --check after generating: exit ${checked.code}\n${checked.stderr}`);
    const badFlag = await run("npx", ["ocpi", "generate", "--out", "x"], { cwd: project });
    check(badFlag.code === 2, `ocpi generate --out (an unknown flag) exits ${badFlag.code}, not 2`);
    const edited = path.join(project, "src/ocpi/types/2.2.1/locations.gen.ts");
    const original = readFileSync(edited, "utf8");
    writeFileSync(edited, `${original}// hand edit\n`);
    const drift = await run("npx", ["ocpi", "generate", "--check"], { cwd: project });
    check(drift.code === 1 && /locations\.gen\.ts/.test(drift.stderr), `ocpi generate --check after a hand edit: exit ${drift.code}\n${drift.stderr}`);
    writeFileSync(edited, original);

    log("tsc, then the app");
    const tsc = await run("npx", ["tsc", "-p", "tsconfig.json"], { cwd: project });
    check(tsc.code === 0, `the app does not compile:\n${tsc.stdout}${tsc.stderr}`);
    if (tsc.code === 0) {
      const app = await run(process.execPath, ["dist/app.js"], { cwd: project, timeoutMs: 60_000 });
      const result = app.code === 0 ? JSON.parse(app.stdout.trim().split("\n").at(-1)) : undefined;
      summary.app = result;
      check(result !== undefined, `the app failed (exit ${app.code}):\n${app.stdout}${app.stderr}`);
      if (result) {
        check(
          result.pointers.every((messages) => messages.length === 1),
          `x_rating 9 is not rejected once in Location and LocationPatch: ${JSON.stringify(result.pointers)}`,
        );
        check(JSON.stringify(result.stars) === "[3,4,5]", `the ratings module answered ${JSON.stringify(result.stars)}`);
        check(result.listed.includes("ratings"), `version details do not list ratings: ${result.listed}`);
      }
    }

    log("npx ocpi mock, conformance, pull");
    const locations = 25;
    mock = spawn("npx", ["ocpi", "mock", "--role", "cpo", "--version", "2.2.1", "--locations", String(locations), "--json"], {
      cwd: project,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const listening = await new Promise((resolve, reject) => {
      let buffered = "";
      const timer = setTimeout(() => reject(new Error(`ocpi mock did not start:\n${buffered}`)), 60_000);
      mock.stdout.on("data", (d) => {
        buffered += d;
        for (const line of buffered.split("\n")) {
          if (!line.startsWith("{")) continue;
          const event = JSON.parse(line);
          if (event.event === "listening") {
            clearTimeout(timer);
            resolve(event);
          }
        }
      });
      mock.on("close", (code) => reject(new Error(`ocpi mock exited with ${code}:\n${buffered}`)));
    });
    const conformance = await run(
      "npx",
      ["ocpi", "conformance", "--versions-url", listening.versionsUrl, "--token", listening.tokenA, "--junit", "report.xml", "--allow-loopback"],
      { cwd: project },
    );
    check(conformance.code === 0, `ocpi conformance against ocpi mock exits ${conformance.code}:\n${conformance.stderr.slice(-3000)}`);
    const junit = existsSync(path.join(project, "report.xml")) ? readFileSync(path.join(project, "report.xml"), "utf8") : "";
    summary.junit = { tests: Number(/<testsuites[^>]*tests="(\d+)"/.exec(junit)?.[1]), failures: Number(/<testsuites[^>]*failures="(\d+)"/.exec(junit)?.[1]) };
    check(summary.junit.tests > 0 && summary.junit.failures === 0, `JUnit report: ${JSON.stringify(summary.junit)}`);
    const pull = await run(
      "npx",
      ["ocpi", "pull", "--versions-url", listening.versionsUrl, "--token", listening.tokenC, "--module", "locations", "--out", "locations.ndjson"],
      { cwd: project },
    );
    check(pull.code === 0, `ocpi pull exits ${pull.code}:\n${pull.stderr}`);
    const lines = existsSync(path.join(project, "locations.ndjson"))
      ? readFileSync(path.join(project, "locations.ndjson"), "utf8").split("\n").filter(Boolean).length
      : 0;
    summary.pulled = lines;
    check(lines === locations, `ocpi pull wrote ${lines} lines for ${locations} Locations`);
  } finally {
    if (mock && mock.exitCode === null) process.kill(-mock.pid, "SIGTERM");
    if (keep) log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  finish(summary);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
