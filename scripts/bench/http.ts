/**
 * The server under load over loopback (autocannon): GET a page of 50 locations out of 10,000 stored, and PUT a
 * location; the same GET against bare Hono answering precomputed JSON (target: GET >= 60% of bare Hono); and the
 * same page in 2.1.1, converted from the 2.2.1 store (once per stored page, then kept until the store changes).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import path from "node:path";
import autocannon from "autocannon";
import { base64Encode } from "@ocpi-sdk/protocol";
import { demoLocations } from "../../examples/cpo-emsp/src/data.js";
import { fmt, table } from "./measure.js";

async function start(mode: "ocpi" | "bare"): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.resolve(import.meta.dirname, "server-process.ts"), mode], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
  return { url: (JSON.parse(line) as { url: string }).url, child };
}

interface Load {
  rps: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(options: autocannon.Options): Promise<Load> {
  const result = await autocannon({ connections: 10, pipelining: 1, ...options });
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.timeouts, non2xx: result.non2xx };
}

export async function benchHttp(seconds = 5): Promise<void> {
  console.log(`\n## HTTP server under load (autocannon, 10 connections, servers in their own processes)\n`);
  const headers = { Authorization: `Token ${base64Encode("bench-token")}`, "Content-Type": "application/json" };
  const page = "/ocpi/2.2.1/locations/sender?offset=5000&limit=50";
  const ocpi = await start("ocpi");
  const bare = await start("bare");
  try {
    // Warm both up, then alternate three rounds each and keep the median: the machine is shared with autocannon.
    await load({ url: ocpi.url + page, headers, duration: 1 });
    await load({ url: bare.url + page, headers, duration: 1 });
    const gets: Load[] = [];
    const bares: Load[] = [];
    for (let round = 0; round < 3; round++) {
      gets.push(await load({ url: ocpi.url + page, headers, duration: seconds }));
      bares.push(await load({ url: bare.url + page, headers, duration: seconds }));
    }
    const median = (runs: Load[]) => [...runs].sort((a, b) => a.rps - b.rps)[1]!;
    const get = median(gets);
    const bareGet = median(bares);
    const location = { ...demoLocations(1, { country_code: "NL", party_id: "MSP" })[0]!, id: "PUT1" };
    const put = await load({
      url: `${ocpi.url}/ocpi/2.2.1/locations/receiver/NL/MSP/PUT1`,
      method: "PUT",
      headers,
      body: JSON.stringify(location),
      duration: seconds,
    });
    const converted = await load({ url: ocpi.url + page.replace("2.2.1", "2.1.1"), headers, duration: seconds });
    const rows: (string | number)[][] = [["request", "requests/s", "p99 (ms)", "errors", "non-2xx"]];
    rows.push(["GET 50 of 10,000 locations (OCPI server)", fmt(get.rps), get.p99, get.errors, get.non2xx]);
    rows.push(["same GET, bare Hono, precomputed JSON", fmt(bareGet.rps), bareGet.p99, bareGet.errors, bareGet.non2xx]);
    rows.push(["PUT a location (OCPI server)", fmt(put.rps), put.p99, put.errors, put.non2xx]);
    rows.push(["same GET in 2.1.1, converted from 2.2.1", fmt(converted.rps), converted.p99, converted.errors, converted.non2xx]);
    console.log(table(rows));
    console.log(
      `\nGET (median of 3 rounds of ${seconds} s): the OCPI server does ${fmt((get.rps / bareGet.rps) * 100, 1)}% of bare Hono's requests/s (target >= 60%).`,
    );
    console.log(
      `The same page in 2.1.1 (converted once per stored page, then sent as kept JSON): ${fmt((converted.rps / get.rps) * 100, 1)}% of the GET in 2.2.1.`,
    );
    console.log(
      "Per request it authenticates the token, checks path and query, reads the page (kept as JSON until the store changes), and writes the envelope, Link, X-Total-Count, X-Limit and request ids; bare Hono sends a fixed string.",
    );
  } finally {
    ocpi.child.kill("SIGTERM");
    bare.child.kill("SIGTERM");
  }
}
