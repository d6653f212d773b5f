// Runs the whole vitest suite once and ends with the plain "N passed, N failed" line CI reads.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const dir = mkdtempSync(path.join(tmpdir(), "ocpi-sdk-test-"));
const report = path.join(dir, "report.json");
const run = spawnSync("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...process.argv.slice(2)], {
  stdio: "inherit",
});
let summary;
try {
  const r = JSON.parse(readFileSync(report, "utf8"));
  summary = `${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`;
} catch {
  summary = undefined;
}
rmSync(dir, { recursive: true, force: true });
// Type errors and unhandled errors fail the run without failing a test: say so in the line CI reads.
if (summary) console.log(`\ntests: ${summary}${run.status !== 0 ? " (the run failed: see the errors above)" : ""}`);
process.exit(run.status ?? 1);
