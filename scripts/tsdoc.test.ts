// Every name a public package exports, and every public member of an exported class, has a TSDoc comment: it is
// what a user's editor shows. (Re-exports from another package are read from its built declarations.)
import path from "node:path";
import { describe, expect, it } from "vitest";
import { entryPoints, tsdocCoverage } from "./lib/tsdoc.js";

const root = path.resolve(import.meta.dirname, "..");

describe("TSDoc of the public API", () => {
  it("covers the entry points of every public package", () => {
    const entries = entryPoints(root).map((e) => e.entry);
    expect(entries).toEqual(
      expect.arrayContaining(["@ocpi-sdk/client", "@ocpi-sdk/server", "@ocpi-sdk/server/node", "@ocpi-sdk/protocol", "@ocpi-sdk/validators/2.2.1"]),
    );
  });

  it("documents every exported name and public class member", { timeout: 120_000 }, () => {
    const { exported, undocumented } = tsdocCoverage(root);
    expect(exported).toBeGreaterThan(500);
    expect(undocumented.map((u) => `${u.entry} ${u.name} (${u.file})`)).toEqual([]);
  });
});
