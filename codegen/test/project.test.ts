// `ocpi generate` in a user's project: the config, overlays, the Patch that follows its object, and the stamp that
// makes an unchanged run a no-op.
import { mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, generateProject, loadConfig, mergePatch } from "../src/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "ocpi-project-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function project(name: string, config: unknown, files: Record<string, unknown> = {}): Promise<string> {
  const root = path.join(dir, name);
  await mkdir(root, { recursive: true });
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), JSON.stringify(content));
  }
  const configPath = path.join(root, "ocpi.config.json");
  await writeFile(configPath, typeof config === "string" ? config : JSON.stringify(config));
  return configPath;
}

describe("mergePatch (RFC 7396)", () => {
  it.each([
    [{ a: 1, b: { c: 2 } }, { b: { d: 3 } }, { a: 1, b: { c: 2, d: 3 } }],
    [{ a: 1, b: 2 }, { a: null }, { b: 2 }],
    [{ a: [1, 2] }, { a: [3] }, { a: [3] }],
    [{ a: 1 }, "x", "x"],
    [undefined, { a: { b: null, c: 1 } }, { a: { c: 1 } }],
  ])("%j patched with %j is %j", (target, patch, expected) => {
    expect(mergePatch(target, patch)).toEqual(expected);
  });
});

describe("the config", () => {
  it.each([
    ["an unknown key", { out: "x", outDir: "y" }, /outDir/],
    ["an unknown target", { targets: ["types", "docs"] }, /allowed values|types, validators/],
    ["versions not a list", { versions: "2.2.1" }, /versions/],
    ["not JSON", "{ out: x", /not JSON/],
  ])("refuses %s with a ConfigError naming it", async (name, config, message) => {
    const configPath = await project(`bad-${name.replace(/\W/g, "-")}`, config);
    const error = await loadConfig(configPath).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
  });

  it.each([
    ["a version not packaged", { versions: ["9.9.9"] }, /not one of the packaged versions/],
    ["an overlay of a schema that does not exist", { versions: ["2.2.1"], overlays: { "2.2.1": { Locaton: { properties: {} } } } }, /no schema Locaton/],
    ["an overlay of a version not generated", { versions: ["2.2.1"], overlays: { "2.1.1": { Location: {} } } }, /2\.1\.1, which is not generated/],
    ["an overlay file that is missing", { versions: ["2.2.1"], overlays: { "2.2.1": "missing.json" } }, /cannot read .*missing\.json/],
  ])("refuses %s", async (name, config, message) => {
    const configPath = await project(`refuse-${name.replace(/\W/g, "-")}`, config);
    await expect(generateProject({ configPath })).rejects.toThrow(message);
    await expect(generateProject({ configPath })).rejects.toBeInstanceOf(ConfigError);
  });
});

describe("generating with an overlay", () => {
  let configPath: string;
  let out: string;
  beforeAll(async () => {
    configPath = await project(
      "rating",
      { versions: ["2.2.1"], out: "gen", targets: ["validators"], overlays: { "2.2.1": "overlays.json" } },
      { "overlays.json": { Location: { properties: { x_rating: { type: "integer", minimum: 0, maximum: 5 } } } } },
    );
    out = path.join(path.dirname(configPath), "gen");
  });

  it("writes the target and what it depends on, the field in the object and in its Patch", async () => {
    const result = await generateProject({ configPath });
    expect(result.upToDate).toBe(false);
    expect(result.drift.length).toBe(result.fileCount);
    const types = await readFile(path.join(out, "types/2.2.1/locations.gen.ts"), "utf8");
    expect(types.match(/x_rating\?: number;/g)).toHaveLength(2);
    const index = await readFile(path.join(out, "validators/2.2.1/index.gen.ts"), "utf8");
    // Outside the packages, generated code reaches the runtime through its public export and the types by path.
    expect(index).toContain('from "@ocpi-sdk/validators/runtime"');
    expect(index).toContain('from "../../types/2.2.1/index.gen.js"');
    await expect(readFile(path.join(out, "client/index.gen.ts"))).rejects.toThrow();
  });

  it("rewrites nothing when nothing changed, and says so from the stamp", async () => {
    const again = await generateProject({ configPath });
    expect(again).toMatchObject({ upToDate: true, drift: [] });
    expect((await generateProject({ configPath, check: true })).upToDate).toBe(true);
  });

  it("--check reports a hand edit, and a run repairs it", async () => {
    const file = path.join(out, "types/2.2.1/locations.gen.ts");
    await writeFile(file, `${await readFile(file, "utf8")}// edited\n`);
    const checked = await generateProject({ configPath, check: true });
    expect(checked.upToDate).toBe(false);
    expect(checked.drift).toEqual([{ path: file, change: "changed" }]);
    expect((await generateProject({ configPath })).drift).toEqual([{ path: file, change: "changed" }]);
    expect((await generateProject({ configPath })).upToDate).toBe(true);
  });

  it("regenerates when an overlay changes", async () => {
    await writeFile(
      path.join(path.dirname(configPath), "overlays.json"),
      JSON.stringify({ Location: { properties: { x_rating: { type: "integer", minimum: 1, maximum: 5 } } } }),
    );
    const result = await generateProject({ configPath });
    expect(result.upToDate).toBe(false);
    expect(result.drift.map((d) => path.relative(out, d.path)).sort()).toEqual(["validators/2.2.1/standalone.gen.ts"]);
  });
});

describe("a custom module", () => {
  it("adds its schemas, its Patch, its routes and its bindings", async () => {
    const rating = {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      $id: "https://ocpi-sdk.dev/schemas/2.2.1/ratings.json",
      title: "Ratings",
      $defs: {
        Rating: {
          title: "Rating",
          type: "object",
          properties: {
            id: { type: "string", maxLength: 36, $ref: "common.json#/$defs/CiString" },
            stars: { type: "integer" },
            last_updated: { $ref: "common.json#/$defs/DateTime" },
          },
          required: ["id", "stars", "last_updated"],
        },
      },
    };
    const endpoints = {
      patches: { Rating: ["last_updated"] },
      modules: [
        {
          id: "ratings",
          title: "Ratings",
          interfaces: [
            {
              role: "RECEIVER",
              implementedBy: ["EMSP"],
              operations: [
                {
                  name: "patch",
                  summary: "Update a rating.",
                  method: "PATCH",
                  path: "/{id}",
                  pathParams: [{ name: "id", description: "Rating id.", required: true, schema: { type: "string", maxLength: 36 } }],
                  query: [],
                  requestBody: { schema: { $ref: "ratings.json#/$defs/RatingPatch" }, required: true },
                  response: { list: false },
                },
              ],
            },
          ],
        },
      ],
    };
    const configPath = await project(
      "module",
      { versions: ["2.2.1"], out: "gen", schemas: { "2.2.1": ["ratings.json"] }, endpoints: { "2.2.1": "endpoints.json" } },
      { "ratings.json": rating, "endpoints.json": endpoints },
    );
    await generateProject({ configPath });
    const out = path.join(path.dirname(configPath), "gen");
    const types = await readFile(path.join(out, "types/2.2.1/ratings.gen.ts"), "utf8");
    expect(types).toMatch(/export interface RatingPatch \{[^}]*last_updated: DateTime;/s);
    const server = await readFile(path.join(out, "server/2.2.1/index.gen.ts"), "utf8");
    expect(server).toContain('operationId: "ratingsReceiverPatch"');
    expect(server).toContain("export interface RatingsReceiverHandlers");
    expect(server).toContain("validators.RatingPatch");
    const client = await readFile(path.join(out, "client/2.2.1/index.gen.ts"), "utf8");
    expect(client).toMatch(/ratings: \{\n\s+\/\*\* Update a rating\. \*\/\n\s+patch: caller\.call/);
    const document = JSON.parse(await readFile(path.join(out, "openapi/2.2.1/ocpi.gen.json"), "utf8")) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toContain("/2.2.1/ratings/{id}");
  });
});
