/**
 * Logging shared by the client and the server: the Logger interface both take (a pino logger fits it as it is), and
 * the default they use when given none, which writes one JSON line per entry.
 */

/** The levels the SDK logs at, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * Where the SDK's client and server write what they do. Every entry is `(fields, message)`, pino's calling
 * convention, so a pino logger (or a child of one) is passed as it is; an error goes in the `err` field, which pino's
 * standard serializer expands (type, message, stack). `console` fits too.
 */
export interface Logger {
  /** Details nobody needs by default (the default logger drops them unless its `level` is `debug`). */
  debug(fields: Record<string, unknown>, message?: string): void;
  /** What happened: one line per request served, a registration. */
  info(fields: Record<string, unknown>, message?: string): void;
  /** Something to look at that did not fail a call: a peer deviating from the spec, a delivery given up. */
  warn(fields: Record<string, unknown>, message?: string): void;
  /** A failure of ours: a handler that threw (the request was answered 500), a store that is down. */
  error(fields: Record<string, unknown>, message?: string): void;
}

/** Options of {@link jsonLogger}. */
export interface JsonLoggerOptions {
  /** The lowest level written (default `info`). */
  level?: LogLevel;
  /**
   * Where each line goes (default: `console.debug`, `console.info`, `console.warn` or `console.error` by level,
   * which on Node puts debug and info on stdout, warn and error on stderr).
   */
  write?: (line: string, level: LogLevel) => void;
  /** Fields put on every line, like pino's bindings (e.g. `{ name: "cpo" }`). */
  base?: Record<string, unknown>;
}

/** pino's numbers for the levels: pino-pretty and other tools made for pino read the default logger's lines. */
const LEVEL_NUMBERS: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

/**
 * A logger writing one JSON line per entry, in pino's shape: `{"level":30,"time":<epoch ms>, ...fields,"msg":"…"}`.
 * Errors anywhere in the fields become `{ type, message, stack }` (with `code` and `cause` when they have them).
 * Runs anywhere `console` does. This is what the client and server log to when given no `logger`.
 */
export function jsonLogger(options: JsonLoggerOptions = {}): Logger {
  const threshold = LEVEL_NUMBERS[options.level ?? "info"];
  const write = options.write ?? ((line: string, level: LogLevel) => console[level](line));
  const base = options.base ?? {};
  const entry = (level: LogLevel) => (fields: Record<string, unknown>, message?: string) => {
    const number = LEVEL_NUMBERS[level];
    if (number < threshold) return;
    write(formatLine(number, base, fields, message), level);
  };
  return { debug: entry("debug"), info: entry("info"), warn: entry("warn"), error: entry("error") };
}

function formatLine(level: number, base: Record<string, unknown>, fields: Record<string, unknown>, message: string | undefined): string {
  const time = Date.now();
  // level and time first for people reading the line; set again after the fields so that no field replaces them.
  const line: Record<string, unknown> = { level, time, ...base, ...fields };
  line.level = level;
  line.time = time;
  if (message !== undefined) line.msg = message;
  try {
    return JSON.stringify(line, replacer);
  } catch (error) {
    // A circular structure must not turn a log call into an exception in the code that logs.
    return JSON.stringify({ level, time, msg: message, logError: `fields could not be serialized: ${String(error)}` });
  }
}

/** JSON for what JSON.stringify cannot write: errors (their own properties are not enumerable) and bigints. */
function replacer(this: unknown, _key: string, value: unknown): unknown {
  if (value instanceof Error) return serializeError(value);
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** An error as pino's standard serializer writes it: its type, message and stack, its code and cause when set. */
function serializeError(error: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { type: error.name, message: error.message, stack: error.stack };
  const { code, cause } = error as { code?: unknown; cause?: unknown };
  if (code !== undefined) out.code = code;
  if (cause !== undefined) out.cause = cause;
  return out;
}

let defaultLogger: Logger | undefined;

/**
 * The logger a `logger` option stands for: the one given, none for `false`, or (when not given) one shared
 * {@link jsonLogger} at level `info`.
 */
export function resolveLogger(option: Logger | false | undefined): Logger | undefined {
  if (option === false) return undefined;
  return option ?? (defaultLogger ??= jsonLogger());
}
