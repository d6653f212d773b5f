// Colour only where it is wanted: a TTY, no NO_COLOR; FORCE_COLOR forces it.
import { describe, expect, it } from "vitest";
import { colorEnabled, colorsFor } from "./io.js";

describe("colour", () => {
  it.each([
    { tty: true, env: {}, colour: true },
    { tty: false, env: {}, colour: false },
    { tty: true, env: { NO_COLOR: "1" }, colour: false },
    { tty: true, env: { NO_COLOR: "" }, colour: true },
    { tty: false, env: { FORCE_COLOR: "1" }, colour: true },
    { tty: false, env: { FORCE_COLOR: "0" }, colour: false },
    { tty: true, env: { NO_COLOR: "1", FORCE_COLOR: "1" }, colour: false },
    { tty: true, env: { TERM: "dumb" }, colour: false },
  ])("is $colour on a TTY=$tty with $env", ({ tty, env, colour }) => {
    expect(colorEnabled({ write: () => true, isTTY: tty }, env)).toBe(colour);
    expect(colorsFor({ write: () => true, isTTY: tty }, env).red("x") === "x").toBe(!colour);
  });
});
