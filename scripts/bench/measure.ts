/** Small, dependency-free timing helpers for the benchmark scripts. They print; they never assert. */

export interface Rate {
  opsPerSec: number;
  iterations: number;
}

/** Runs `fn` repeatedly for about `ms` milliseconds after a warm-up and returns its rate. */
export function measure(fn: () => unknown, ms = 1000): Rate {
  const warmUpUntil = performance.now() + Math.min(200, ms / 4);
  let sink: unknown;
  while (performance.now() < warmUpUntil) sink = fn();
  let iterations = 0;
  let batch = 64;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < batch; i++) sink = fn();
    iterations += batch;
    elapsed = performance.now() - start;
    if (elapsed < ms / 10) batch *= 2;
  }
  if (sink === Symbol.for("never")) console.log(sink);
  return { opsPerSec: (iterations / elapsed) * 1000, iterations };
}

export const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Prints rows as an aligned table. */
export function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")).join("\n");
}
