/**
 * Crawling a peer's locations over loopback: the SDK client's paginated iterator against a plain fetch loop making
 * the same requests. Targets: overhead <= 10% with lenient validation (every object validated) and <= 15% with
 * validation off, and RSS flat as the number of locations grows. The SDK's pager asks for the next page before it
 * hands on the current one (one page ahead); the plain loop asks after.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import path from "node:path";
import { OcpiClient } from "@ocpi-sdk/client";
import { base64Encode } from "@ocpi-sdk/protocol";
import { fmt, table } from "./measure.js";

const TOTAL = 20_000;
const PAGE = 100;

async function startPeerProcess(): Promise<{ versionsUrl: string; base: string; stop: () => void }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.resolve(import.meta.dirname, "peer-process.ts"), String(TOTAL), String(PAGE)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`peer exited with ${code}`)));
  });
  return { ...(JSON.parse(line) as { versionsUrl: string; base: string }), stop: () => child.kill("SIGTERM") };
}

interface Crawl {
  count: number;
  ms: number;
  rssAt5k: number;
  rssAt20k: number;
}

/** Runs one crawl, sampling RSS at 5,000 and 20,000 objects. */
async function crawl(items: AsyncIterable<unknown>): Promise<Crawl> {
  globalThis.gc?.();
  const start = performance.now();
  let count = 0;
  let rssAt5k = 0;
  let rssAt20k = 0;
  for await (const _ of items) {
    count++;
    if (count === 5000) rssAt5k = process.memoryUsage.rss();
    if (count === TOTAL) rssAt20k = process.memoryUsage.rss();
  }
  return { count, ms: performance.now() - start, rssAt5k, rssAt20k };
}

/** The same requests by hand: GET a page, parse it, follow Link. */
async function* plainFetch(endpoint: string, token: string): AsyncGenerator<unknown> {
  let url: string | undefined = `${endpoint}?limit=${PAGE}`;
  while (url) {
    const response: Response = await fetch(url, { headers: { Authorization: `Token ${base64Encode(token)}`, "X-Request-ID": crypto.randomUUID(), "X-Correlation-ID": "bench" } });
    const body = (await response.json()) as { data: unknown[] };
    yield* body.data;
    url = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get("Link") ?? "")?.[1];
  }
}

export async function benchCrawl(rounds = 7, warmUp = 2): Promise<void> {
  console.log(`\n## Crawl of ${fmt(TOTAL)} locations over loopback, ${PAGE} per page\n`);
  const peer = await startPeerProcess();
  try {
    const client = await OcpiClient.connect({ versionsUrl: peer.versionsUrl, token: "token-c", urlPolicy: { allowLoopback: true }, versions: ["2.2.1"] });
    const endpoint = client.endpoints.find((e) => e.identifier === "locations" && e.role === "SENDER")!.url;
    const results: Record<string, Crawl[]> = { "plain fetch loop": [], "OcpiClient (lenient validation)": [], "OcpiClient (validation off)": [] };
    const noValidation = await OcpiClient.connect({ versionsUrl: peer.versionsUrl, token: "token-c", urlPolicy: { allowLoopback: true }, versions: ["2.2.1"], validation: "off" });
    // Warm every contender up (JIT, connection pool), then alternate them so none profits from a quieter moment.
    for (let round = 0; round < warmUp + rounds; round++) {
      const keep = round >= warmUp;
      const plain = await crawl(plainFetch(endpoint, "token-c"));
      const lenient = await crawl(client.locations.sender.all({ limit: PAGE }));
      const off = await crawl(noValidation.locations.sender.all({ limit: PAGE }));
      if (!keep) continue;
      results["plain fetch loop"]!.push(plain);
      results["OcpiClient (lenient validation)"]!.push(lenient);
      results["OcpiClient (validation off)"]!.push(off);
    }
    const best = (runs: Crawl[]) => [...runs].sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)]!;
    const baseline = best(results["plain fetch loop"]!);
    const rows: (string | number)[][] = [["crawler", "locations", "locations/s", "overhead", "RSS at 5k (MB)", "RSS at 20k (MB)"]];
    for (const [name, runs] of Object.entries(results)) {
      const b = best(runs);
      if (b.count !== TOTAL) throw new Error(`${name} saw ${b.count} locations, not ${TOTAL}`);
      rows.push([
        name,
        b.count,
        fmt((b.count / b.ms) * 1000),
        name === "plain fetch loop" ? "-" : `${fmt((b.ms / baseline.ms - 1) * 100, 1)}%`,
        fmt(b.rssAt5k / 2 ** 20, 1),
        fmt(b.rssAt20k / 2 ** 20, 1),
      ]);
    }
    console.log(table(rows));
    console.log(
      `\nMedian of ${rounds} rounds each after ${warmUp} warm-up rounds, contenders alternating. Overhead = extra time over the plain loop (targets: lenient <= 10%, validation off <= 15%). The pager reads one page ahead; the plain loop does not.`,
    );
  } finally {
    peer.stop();
  }
}
