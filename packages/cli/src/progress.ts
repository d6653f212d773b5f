/**
 * Progress of a long walk on stderr: a cli-progress bar on a terminal, otherwise (a log file, CI, a pipe) a plain
 * line now and then, so that logs stay readable.
 */
import { Presets, SingleBar } from "cli-progress";
import { colorEnabled, type CliIo } from "./io.js";

export interface Progress {
  /** `done` objects so far, of `total` when the peer said (X-Total-Count). */
  update(done: number, total?: number): void;
  /** Ends the bar (or prints nothing more). */
  stop(): void;
}

/** A bar on a TTY stderr, else a plain line at most every `intervalMs` (default 5 s). */
export function progressFor(io: CliIo, label: string, options: { intervalMs?: number } = {}): Progress {
  const stderr = io.stderr;
  const started = Date.now();
  const rate = (done: number) => {
    const seconds = (Date.now() - started) / 1000;
    return seconds > 0 ? Math.round(done / seconds) : 0;
  };
  if (stderr.isTTY) {
    const bar = new SingleBar(
      {
        stream: stderr as unknown as NodeJS.WritableStream,
        format: `${label} {bar} {value}/{totalText} | {rate}/s | {duration_formatted}`,
        barsize: 30,
        hideCursor: true,
        clearOnComplete: false,
        // Block characters where colour is welcome, plain ASCII where NO_COLOR (or a dumb terminal) asks for less.
        barCompleteChar: colorEnabled(stderr, io.env) ? "\u2588" : "#",
        barIncompleteChar: colorEnabled(stderr, io.env) ? "\u2591" : "-",
      },
      Presets.shades_classic,
    );
    let running = false;
    return {
      update(done, total) {
        const payload = { rate: rate(done), totalText: total === undefined ? "?" : String(total) };
        if (!running) {
          bar.start(total ?? 0, done, payload);
          running = true;
        } else {
          if (total !== undefined) bar.setTotal(total);
          bar.update(done, payload);
        }
      },
      stop() {
        if (running) bar.stop();
      },
    };
  }
  const every = options.intervalMs ?? 5_000;
  let last = started;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < every) return;
      last = now;
      stderr.write(`${label}: ${done}${total === undefined ? "" : ` of ${total}`} (${rate(done)}/s)\n`);
    },
    stop() {},
  };
}
