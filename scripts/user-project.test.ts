// The packages in a user's own project, from packed tarballs outside the repository (scripts/user-project.mjs):
// `ocpi generate` with a custom field and a custom module, a TypeScript app using both, `ocpi mock` checked by
// `ocpi conformance`, and `ocpi pull`. Slow (about a minute): it runs in `npm test` after the build, as one test.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { runReport } from "./lib/run-report.js";

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "user-project.mjs");

interface Summary {
  generated: number;
  app?: { pointers: string[][]; stars: number[]; listed: string[] };
  junit: { tests: number; failures: number };
  pulled: number;
  failures: string[];
}

it("generates with an overlay and a custom module, compiles, serves and calls them; mock, conformance and pull agree", async () => {
  const { code, stdout, stderr, summary } = await runReport<Summary>(script, "user-project", 290_000);
  expect(summary, `${stdout}\n${stderr}`).toBeDefined();
  expect(summary!.failures).toEqual([]);
  expect(code).toBe(0);
  expect(summary!.app).toEqual({ pointers: [["must be <= 5"], ["must be <= 5"]], stars: [3, 4, 5], listed: expect.arrayContaining(["ratings", "locations"]) });
  expect(summary!.junit.tests).toBeGreaterThan(0);
  expect(summary!.junit.failures).toBe(0);
  expect(summary!.pulled).toBe(25);
  expect(summary!.generated).toBeGreaterThan(0);
}, 300_000);
