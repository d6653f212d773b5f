/**
 * What a command talks to: its output streams, input, environment and working folder, injected so that a test (or
 * a program embedding the CLI) runs a command as a function and reads what it printed. Colour and progress bars
 * follow the streams: only on a TTY, never with NO_COLOR.
 */
import pc from "picocolors";

/** picocolors' colour functions (plain when colour is off). */
export type Colors = ReturnType<typeof pc.createColors>;

/** A stream a command writes to: a Node stream, or anything with `write` (tests collect strings). */
export interface Output {
  write(chunk: string): unknown;
  /** True for a terminal: colour and progress bars are used only then. */
  isTTY?: boolean;
  /** Terminal width, for progress bars. */
  columns?: number;
}

/** What a command reads and writes: the streams, environment and working folder (the process's, or a test's). */
export interface CliIo {
  stdout: Output;
  stderr: Output;
  /** Read by `ocpi validate -`. */
  stdin?: AsyncIterable<string | Uint8Array>;
  env: Record<string, string | undefined>;
  /** Relative paths are resolved against it. */
  cwd: string;
  /**
   * Stops long-running commands (`ocpi mock`): the bin aborts it on SIGINT and SIGTERM. Without one they run until
   * the process ends.
   */
  signal?: AbortSignal;
  /** The time, for the crawl's start (`ocpi pull`) and report timestamps; tests may fix it. */
  now?: () => Date;
}

/** The process's own streams, environment and working folder (what the bin uses). */
export function processIo(signal?: AbortSignal): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    ...(signal ? { signal } : {}),
  };
}

/**
 * Whether to colour what goes to `stream`: never when NO_COLOR is set to anything but the empty string
 * (no-color.org), always when FORCE_COLOR is set (other than `0`), otherwise only on a TTY.
 */
export function colorEnabled(stream: Output, env: CliIo["env"]): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  if (env.TERM === "dumb") return false;
  return stream.isTTY === true;
}

/** picocolors' functions for one stream: plain strings when that stream gets no colour. */
export function colorsFor(stream: Output, env: CliIo["env"]): Colors {
  return pc.createColors(colorEnabled(stream, env));
}

/** Writes whole lines to a stream. */
export function lineWriter(stream: Output): (line?: string) => void {
  return (line = "") => void stream.write(`${line}\n`);
}

/** The exit codes of every command. */
export const ExitCode = {
  /** Valid, every check passed, pulled completely. */
  Ok: 0,
  /** Invalid input, a failed check, a failed pull. */
  Failed: 1,
  /** Wrong usage: an unknown option, a bad value, a file that cannot be read. */
  Usage: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A usage error a command finds itself (after commander's parsing): printed as `error: …`, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
