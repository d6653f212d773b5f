/** A conformance report as JUnit XML: one testcase per check, a failure with its evidence, a skip with its reason. */
import { formatEvidence, type ConformanceReport } from "./results.js";

const xml = (text: string) =>
  text
    // Characters XML 1.0 cannot carry at all.
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** The report as JUnit XML: one test suite, one test case per check (failures with their evidence, skips with the reason). */
export function toJUnit(report: ConformanceReport): string {
  const { summary } = report;
  const time = report.checks.reduce((t, c) => t + c.durationMs, 0);
  const suite = `OCPI ${report.version ?? "?"} ${report.role ?? "peer"} ${report.versionsUrl}`;
  const cases = report.checks.map((check) => {
    const classname = `ocpi.conformance.${check.id.split(".")[0]}`;
    const open = `    <testcase classname="${xml(classname)}" name="${xml(check.id)}" time="${seconds(check.durationMs)}">`;
    const title = `      <system-out>${xml(check.title)}</system-out>`;
    if (check.status === "pass") return `${open}\n${title}\n    </testcase>`;
    if (check.status === "skip") return `${open}\n      <skipped message="${xml(check.message ?? "")}"/>\n${title}\n    </testcase>`;
    const evidence = check.evidence.map((e) => `- ${formatEvidence(e)}`).join("\n");
    return `${open}\n      <failure message="${xml(`${check.title}: ${check.message ?? "failed"}`)}" type="${xml(check.id)}">${xml(evidence)}</failure>\n${title}\n    </testcase>`;
  });
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="ocpi conformance" tests="${summary.total}" failures="${summary.failed}" errors="0" skipped="${summary.skipped}" time="${seconds(time)}">`,
    `  <testsuite name="${xml(suite)}" tests="${summary.total}" failures="${summary.failed}" errors="0" skipped="${summary.skipped}" time="${seconds(time)}" timestamp="${xml(report.startedAt)}">`,
    ...cases,
    `  </testsuite>`,
    `</testsuites>`,
    "",
  ].join("\n");
}
