// The packages in a user's own project, from packed tarballs outside the repository (scripts/user-project.mjs):
// `ocpi generate` with a custom field and a custom module, a TypeScript app using both, `ocpi mock` checked by
// `ocpi conformance`, and `ocpi pull`. Slow (about a minute): it runs in `npm test` after the build, as one test.
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "user-project.mjs");

interface Summary {
  generated: number;
  app?: { pointers: string[][]; stars: number[]; listed: string[] };
  junit: { tests: number; failures: number };
  pulled: number;
  failures: string[];
}

it("generates with an overlay and a custom module, compiles, serves and calls them; mock, conformance and pull agree", async () => {
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, [script], { maxBuffer: 64 * 1024 * 1024, timeout: 290_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
  const line = stdout.split("\n").find((l) => l.startsWith("user-project: "));
  expect(line, `${stdout}\n${stderr}`).toBeDefined();
  const summary = JSON.parse(line!.slice("user-project: ".length)) as Summary;
  expect(summary.failures).toEqual([]);
  expect(code).toBe(0);
  expect(summary.app).toEqual({ pointers: [["must be <= 5"], ["must be <= 5"]], stars: [3, 4, 5], listed: expect.arrayContaining(["ratings", "locations"]) });
  expect(summary.junit.tests).toBeGreaterThan(0);
  expect(summary.junit.failures).toBe(0);
  expect(summary.pulled).toBe(25);
  expect(summary.generated).toBeGreaterThan(0);
}, 300_000);
