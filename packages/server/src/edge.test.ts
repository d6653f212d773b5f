// The server core (`@ocpi-sdk/server`) runs in any runtime: bundled for platform neutral it holds no node: import,
// and what it did with node: modules (the ETag hash, files of the MemoryStore) it does without them or leaves to
// `@ocpi-sdk/server/node`.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { base64url, sha256 } from "./runtime/sha256.js";
import { directoryStorage, fileStorage, MemoryStore as NodeMemoryStore } from "./node.js";
import { MemoryStore } from "./index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), "ocpi-edge-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the server core for edge runtimes", () => {
  it("bundles for platform neutral (hono included) with no node: import", { timeout: 60_000 }, async () => {
    const result = await build({
      stdin: { contents: 'export { createOcpiServer, MemoryStore } from "./index.ts";', resolveDir: here, loader: "ts" },
      bundle: true,
      format: "esm",
      platform: "neutral",
      // ipaddr.js (of @ocpi-sdk/protocol) is CommonJS with a `main` alone, which platform neutral does not read by default.
      mainFields: ["module", "main"],
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const [output] = Object.values(result.metafile.outputs);
    expect(output!.imports).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code.match(/\b(?:from|import|require)\s*\(?\s*["'`]node:[\w/]+/g)).toBeNull();
    const inputs = Object.entries(output!.inputs).filter(([, input]) => input.bytesInOutput > 0).map(([file]) => file);
    expect(inputs.some((file) => file.includes("node_modules/hono/"))).toBe(true);
    expect(inputs.filter((file) => /store\/(journal|file|node)\.ts$|node\.ts$|@hono\/node-server/.test(file))).toEqual([]);
  });

  it("hashes ETags in plain JavaScript exactly as node:crypto does", () => {
    const texts = ["", "a", "x".repeat(55), "x".repeat(56), "x".repeat(64), "y".repeat(1000), '{"id":"LOC1","name":"Café ⚡ 駅"}', "😀".repeat(40)];
    for (const text of texts) expect(base64url(sha256(text))).toBe(createHash("sha256").update(text).digest("base64url"));
  });

  it("keeps the MemoryStore in files only through @ocpi-sdk/server/node", async () => {
    expect(() => new MemoryStore({ directory: dir } as never)).toThrow(/MemoryStore of @ocpi-sdk\/server\/node/);
    expect(() => new MemoryStore({ file: path.join(dir, "x.json") } as never)).toThrow(/directoryStorage/);

    const object = { module: "locations", country_code: "NL", party_id: "EXM", id: "1", last_updated: "2024-01-01T00:00:00Z", data: { id: "1" } };
    for (const [name, storage] of [
      ["folder", directoryStorage(path.join(dir, "folder"))],
      ["file", fileStorage(path.join(dir, "store.json"))],
    ] as const) {
      const store = await MemoryStore.open({ storage });
      await store.putObject(object);
      await store.close();
      const again = await NodeMemoryStore.open(name === "folder" ? { directory: path.join(dir, "folder") } : { file: path.join(dir, "store.json") });
      expect(again).toBeInstanceOf(MemoryStore);
      expect(await again.getObject(object)).toEqual(object);
      await again.close();
    }
  });
});
