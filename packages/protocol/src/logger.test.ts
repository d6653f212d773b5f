import { describe, expect, it, vi } from "vitest";
import { jsonLogger, resolveLogger, type LogLevel } from "./logger.js";

function capture(level?: LogLevel) {
  const lines: { line: string; level: LogLevel }[] = [];
  const logger = jsonLogger({ ...(level ? { level } : {}), write: (line, at) => lines.push({ line, level: at }), base: { name: "test" } });
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l.line) as Record<string, unknown>) };
}

describe("jsonLogger", () => {
  it("writes one JSON line per entry in pino's shape", () => {
    const { logger, lines, parsed } = capture();
    logger.info({ method: "GET", status: 200 }, "request");
    expect(lines).toHaveLength(1);
    expect(lines[0]!.line).not.toContain("\n");
    const [line] = parsed();
    expect(line).toEqual({ level: 30, time: expect.any(Number), name: "test", method: "GET", status: 200, msg: "request" });
    expect(Object.keys(line!).slice(0, 2)).toEqual(["level", "time"]);
  });

  it("drops entries below its level (info by default)", () => {
    const { logger, lines } = capture();
    logger.debug({ a: 1 }, "hidden");
    logger.warn({ a: 2 }, "shown");
    logger.error({ a: 3 }, "shown");
    expect(lines.map((l) => [l.level, JSON.parse(l.line).level])).toEqual([
      ["warn", 40],
      ["error", 50],
    ]);
    const verbose = capture("debug");
    verbose.logger.debug({}, "now shown");
    expect(verbose.parsed()[0]).toMatchObject({ level: 20, msg: "now shown" });
  });

  it("serializes errors with type, message, stack, code and cause, wherever they are", () => {
    const { logger, parsed } = capture();
    const cause = new TypeError("socket closed");
    const error = Object.assign(new Error("boom", { cause }), { code: "E_BOOM" });
    logger.error({ err: error, nested: { error: cause } }, "failed");
    const [line] = parsed();
    expect(line!.err).toEqual({
      type: "Error",
      message: "boom",
      stack: expect.stringContaining("boom"),
      code: "E_BOOM",
      cause: { type: "TypeError", message: "socket closed", stack: expect.any(String) },
    });
    expect(line!.nested).toEqual({ error: { type: "TypeError", message: "socket closed", stack: expect.any(String) } });
  });

  it("keeps its own level and time over fields of the same name, and never throws", () => {
    const { logger, parsed } = capture();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    logger.info({ level: "nope", time: "nope", big: 10n });
    logger.info({ circular }, "cannot serialize");
    const [first, second] = parsed();
    expect(first).toMatchObject({ level: 30, time: expect.any(Number), big: "10" });
    expect(second).toMatchObject({ level: 30, msg: "cannot serialize", logError: expect.stringContaining("could not be serialized") });
  });

  it("writes through console by level by default", () => {
    const info = vi.spyOn(console, "info").mockImplementation(() => {});
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const logger = jsonLogger();
      logger.info({ a: 1 }, "to stdout");
      logger.warn({ a: 2 }, "to stderr");
      expect(JSON.parse(info.mock.calls[0]![0] as string)).toMatchObject({ level: 30, a: 1, msg: "to stdout" });
      expect(JSON.parse(warn.mock.calls[0]![0] as string)).toMatchObject({ level: 40, a: 2, msg: "to stderr" });
    } finally {
      info.mockRestore();
      warn.mockRestore();
    }
  });
});

describe("resolveLogger", () => {
  it("gives the logger given, none for false, and one shared default otherwise", () => {
    const mine = jsonLogger();
    expect(resolveLogger(mine)).toBe(mine);
    expect(resolveLogger(false)).toBeUndefined();
    expect(resolveLogger(undefined)).toBe(resolveLogger(undefined));
    expect(resolveLogger(undefined)).toHaveProperty("info");
  });
});
