// Runs one of the scripts that end with a `<name>: {json}` summary line (scripts/lib/packed.mjs), for its test.
import { execFile } from "node:child_process";

export interface ReportRun<S> {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The parsed summary line, undefined when the script printed none. */
  summary: S | undefined;
}

export function runReport<S>(script: string, name: string, timeoutMs: number): Promise<ReportRun<S>> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [script], { maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs }, (error, stdout, stderr) => {
      const line = stdout.split("\n").find((l) => l.startsWith(`${name}: `));
      resolve({
        code: error ? (typeof error.code === "number" ? error.code : null) : 0,
        stdout,
        stderr,
        summary: line === undefined ? undefined : (JSON.parse(line.slice(name.length + 2)) as S),
      });
    });
    child.stdin?.end();
  });
}
