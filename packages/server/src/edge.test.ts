// The server core (`@ocpi-sdk/server`) runs in any runtime: bundled for platform neutral it holds no node: import,
// and what it did with node: modules (the ETag hash, files of the MemoryStore) it does without them or leaves to
// `@ocpi-sdk/server/node`.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { sha256 } from "@noble/hashes/sha2.js";
import { bundleForEdge } from "../../../scripts/lib/bundle.js";
import { base64url, etagOf } from "./runtime/etag.js";
import { directoryStorage, fileStorage, MemoryStore as NodeMemoryStore } from "./node.js";
import { MemoryStore } from "./index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), "ocpi-edge-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the server core for edge runtimes", () => {
  it("bundles for platform neutral (hono included) with no node: import", { timeout: 60_000 }, async () => {
    const { imports, nodeImports, inputs } = await bundleForEdge('export { createOcpiServer, MemoryStore } from "./index.ts";', { resolveDir: here });
    expect(imports).toEqual([]);
    expect(nodeImports).toEqual([]);
    expect(inputs.some((file) => file.includes("node_modules/hono/"))).toBe(true);
    expect(inputs.filter((file) => /store\/(journal|file|node)\.ts$|node\.ts$|@hono\/node-server/.test(file))).toEqual([]);
  });

  it("hashes ETags without node:crypto (@noble/hashes) exactly as with it", () => {
    const texts = ["", "a", "x".repeat(55), "x".repeat(56), "x".repeat(64), "y".repeat(1000), '{"id":"LOC1","name":"Café ⚡ 駅"}', "😀".repeat(40)];
    for (const text of texts) {
      const digest = createHash("sha256").update(text).digest("base64url");
      expect(base64url(sha256(new TextEncoder().encode(text)))).toBe(digest);
      expect(etagOf(text)).toBe(`"${digest.slice(0, 22)}"`);
    }
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
