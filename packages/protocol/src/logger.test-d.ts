// Compile-time tests: a pino logger is a Logger as it is. pino is not a dependency: its LogFn is declared here as
// pino 9 publishes it (pino.d.ts), the older form and the newer one that types format arguments.
import { describe, expectTypeOf, test } from "vitest";
import type { Logger } from "./index.js";

interface PinoLogFn {
  <T extends object>(obj: T, msg?: string, ...args: any[]): void;
  (obj: unknown, msg?: string, ...args: any[]): void;
  (msg: string, ...args: any[]): void;
}
type ParseLogFnArgs<T, Acc extends unknown[] = []> = T extends `${string}%${infer P}${infer Rest}`
  ? P extends "s"
    ? ParseLogFnArgs<Rest, [...Acc, string]>
    : P extends "d"
      ? ParseLogFnArgs<Rest, [...Acc, number]>
      : ParseLogFnArgs<Rest, [...Acc, unknown]>
  : Acc;
interface PinoLogFnTyped {
  <T, TMsg extends string = string>(obj: T, msg?: T extends string ? never : TMsg, ...args: ParseLogFnArgs<TMsg> | []): void;
  <_, TMsg extends string = string>(msg: TMsg, ...args: ParseLogFnArgs<TMsg> | []): void;
}
interface PinoLike<F> {
  level: string;
  fatal: F;
  error: F;
  warn: F;
  info: F;
  debug: F;
  trace: F;
  silent: F;
  child(bindings: Record<string, any>): PinoLike<F>;
}

describe("Logger", () => {
  test("a pino logger, a child of one, and console are Loggers", () => {
    expectTypeOf<PinoLike<PinoLogFn>>().toExtend<Logger>();
    expectTypeOf<PinoLike<PinoLogFnTyped>>().toExtend<Logger>();
    expectTypeOf<ReturnType<PinoLike<PinoLogFn>["child"]>>().toExtend<Logger>();
    expectTypeOf<Console>().toExtend<Logger>();
  });

  test("a logger missing a level is not", () => {
    expectTypeOf<Omit<PinoLike<PinoLogFn>, "warn">>().not.toExtend<Logger>();
  });
});
