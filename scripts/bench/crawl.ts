/**
 * Crawling a peer's locations over loopback: the SDK client's paginated iterator against a plain fetch loop making
 * the same requests. Targets: overhead <= 10% with lenient validation (every object validated) and <= 15% with
 * validation off, and RSS flat as the number of locations grows. The SDK's pager asks for the next page before it
 * hands on the current one (one page ahead); the plain loop asks after. Both use the runtime's fetch, one request
 * at a time, and parse every page (`response.json()` in the plain loop).
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import path from "node:path";
import { OcpiClient } from "@ocpi-sdk/client";
import { base64Encode } from "@ocpi-sdk/protocol";
import { fmt, table } from "./measure.js";

const TOTAL = 20_000;
const PAGE = 100;
const TARGETS = { lenient: 10, off: 15 } as const;

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
    const response: Response = await fetch(url, {
      headers: { Authorization: `Token ${base64Encode(token)}`, "X-Request-ID": crypto.randomUUID(), "X-Correlation-ID": "bench" },
    });
    const body = (await response.json()) as { data: unknown[] };
    yield* body.data;
    url = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get("Link") ?? "")?.[1];
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const percent = (ratio: number) => `${ratio >= 0 ? "+" : ""}${fmt(ratio * 100, 1)}%`;

export async function benchCrawl(rounds = Number(process.env.BENCH_CRAWL_ROUNDS ?? 11), warmUp = 2): Promise<void> {
  console.log(`\n## Crawl of ${fmt(TOTAL)} locations over loopback, ${PAGE} per page\n`);
  const peer = await startPeerProcess();
  try {
    const client = await OcpiClient.connect({ versionsUrl: peer.versionsUrl, token: "token-c", urlPolicy: { allowLoopback: true }, versions: ["2.2.1"] });
    const endpoint = client.endpoints.find((e) => e.identifier === "locations" && e.role === "SENDER")!.url;
    const noValidation = await OcpiClient.connect({
      versionsUrl: peer.versionsUrl,
      token: "token-c",
      urlPolicy: { allowLoopback: true },
      versions: ["2.2.1"],
      validation: "off",
    });
    const contenders = {
      plain: { name: "plain fetch loop", run: () => crawl(plainFetch(endpoint, "token-c")) },
      lenient: { name: "OcpiClient (lenient validation)", run: () => crawl(client.locations.sender.all({ limit: PAGE })) },
      off: { name: "OcpiClient (validation off)", run: () => crawl(noValidation.locations.sender.all({ limit: PAGE })) },
    };
    type Key = keyof typeof contenders;
    const keys = Object.keys(contenders) as Key[];
    const results: Record<Key, Crawl[]> = { plain: [], lenient: [], off: [] };
    // Warm every contender up (JIT, connection pool), then run them in turns, starting with another one each round, so
    // that none profits from a quieter moment or pays for the garbage of the one before.
    for (let round = 0; round < warmUp + rounds; round++) {
      const order = keys.map((_, i) => keys[(round + i) % keys.length]!);
      const crawls = {} as Record<Key, Crawl>;
      for (const key of order) crawls[key] = await contenders[key].run();
      if (round < warmUp) continue;
      for (const key of keys) {
        if (crawls[key].count !== TOTAL) throw new Error(`${contenders[key].name} saw ${crawls[key].count} locations, not ${TOTAL}`);
        results[key].push(crawls[key]);
      }
    }
    // The overhead of each round against the plain loop of the same round, then the median of those: the machine's
    // load drifts between rounds, far less within one.
    const overhead = (key: Key) => median(results[key].map((run, i) => run.ms / results.plain[i]!.ms - 1));
    const rows: (string | number)[][] = [["crawler", "locations", "locations/s", "overhead", "RSS at 5k (MB)", "RSS at 20k (MB)"]];
    for (const key of keys) {
      const runs = results[key];
      const mid = [...runs].sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)]!;
      rows.push([
        contenders[key].name,
        mid.count,
        fmt((mid.count / mid.ms) * 1000),
        key === "plain" ? "-" : percent(overhead(key)),
        fmt(mid.rssAt5k / 2 ** 20, 1),
        fmt(mid.rssAt20k / 2 ** 20, 1),
      ]);
    }
    console.log(table(rows));
    console.log(
      `\nLocations/s and RSS of each crawler's median round; overhead = median over ${rounds} rounds (after ${warmUp} warm-up rounds) of the extra time over the plain loop of the same round. The pager reads one page ahead; the plain loop does not.\n`,
    );
    for (const [key, label] of [
      ["lenient", "crawl lenient"],
      ["off", "crawl validation off"],
    ] as const) {
      const ratio = overhead(key);
      const target = TARGETS[key];
      console.log(`${label}: ${percent(ratio)} over plain fetch (target ≤ ${target}%)${ratio * 100 <= target ? "" : " - missed"}`);
    }
  } finally {
    peer.stop();
  }
}
