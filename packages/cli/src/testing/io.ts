/** Test helpers: a CliIo whose output is collected, and temporary folders. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { CliIo } from "../io.js";

export interface CapturedIo extends CliIo {
  out(): string;
  err(): string;
}

/** An io writing into strings: not a TTY, no colour, cwd `cwd`, stdin `input` when given. */
export function captureIo(
  options: { cwd?: string; input?: string; env?: Record<string, string>; signal?: AbortSignal; now?: () => Date; tty?: boolean } = {},
): CapturedIo {
  let stdout = "";
  let stderr = "";
  return {
    stdout: { write: (s: string) => void (stdout += s), isTTY: options.tty ?? false },
    stderr: { write: (s: string) => void (stderr += s), isTTY: options.tty ?? false },
    ...(options.input !== undefined
      ? {
          stdin: (async function* () {
            yield options.input!;
          })(),
        }
      : {}),
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.now ? { now: options.now } : {}),
    out: () => stdout,
    err: () => stderr,
  };
}

/** A temporary folder, removed by the returned function. */
export async function tempDir(prefix = "ocpi-cli-"): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
