// The packages as a registry user gets them: scripts/pack-consumer.mjs packs every public package, installs the
// tarballs in a fresh folder outside the repository, checks their contents and manifests, compiles a consumer with
// `skipLibCheck: false` (nodenext, bundler, and without Node's types for the packages that run anywhere) and runs it
// in plain Node. Slow (about a minute): it runs in `npm test` after the build, as one test.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { runReport } from "./lib/run-report.js";

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "pack-consumer.mjs");

interface Consumer {
  installKiB: number;
  absent: string[];
  compiled: Record<string, boolean>;
  smoke: { loaded: number; versionsStatus: number; postgresError: string };
}
interface Summary {
  consumers: { all: Consumer; server: Consumer };
  failures: string[];
}

it("packs, installs without pg or PGlite, compiles with skipLibCheck: false and runs", async () => {
  const { code, stdout, stderr, summary } = await runReport<Summary>(script, "pack-consumer", 170_000);
  // The sizes, for the log of the run.
  console.log(
    stdout
      .split("\n")
      .filter((line) => !line.startsWith("pack-consumer: "))
      .join("\n"),
  );
  expect(summary, stderr).toBeDefined();
  expect(summary!.failures).toEqual([]);
  expect(code).toBe(0);
  const { all, server } = summary!.consumers;
  for (const consumer of [all, server]) {
    expect(consumer.absent).toEqual(expect.arrayContaining(["pg", "@electric-sql/pglite", "@types/pg"]));
    expect(consumer.smoke.postgresError).toContain("npm install pg");
    expect(consumer.installKiB).toBeGreaterThan(0);
  }
  expect(all.compiled).toEqual({ "tsconfig.nodenext.json": true, "tsconfig.bundler.json": true, "tsconfig.browser.json": true });
  expect(server.compiled).toEqual({ "tsconfig.nodenext.json": true });
  expect(server.installKiB).toBeLessThanOrEqual(all.installKiB);
}, 180_000);
