// Three worker processes share one PostgreSQL outbox: 1,000 deliveries (10 PATCHes to each of 100 Locations) to a
// loopback peer that refuses everything for part of the run, while one worker is killed with SIGKILL mid-delivery.
// Every delivery arrives, each Location's PATCHes in the order they were made; duplicates only from the killed one.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { PostgresStore } from "../store/postgres.js";
import { fromPgPool } from "../store/sql.js";
import type { NewDelivery } from "../store/store.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../../..");
const OBJECTS = 100;
const PATCHES = 10;

describe.skipIf(!process.env.DATABASE_URL)("the outbox in several processes on one PostgreSQL", () => {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
  const schema = `outbox_processes_${process.pid}_${Date.now().toString(36)}`;
  const workers: ChildProcess[] = [];
  let peer: Server | undefined;
  afterAll(async () => {
    for (const worker of workers) worker.kill("SIGKILL");
    await new Promise<void>((resolve) => (peer ? peer.close(() => resolve()) : resolve()));
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });

  it("delivers 1,000 pushes once each (but across a crash), in order per Location, while the peer is down for a while", async () => {
    // The peer: records the PATCH number of each Location; refuses with 503 while down.
    const receipts = new Map<string, number[]>();
    let total = 0;
    let down = false;
    let refused = 0;
    peer = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        if (down) {
          refused++;
          response.writeHead(503).end();
          return;
        }
        const id = decodeURIComponent(request.url!.split("/").at(-1)!);
        const n = Number((JSON.parse(body) as { name: string }).name);
        receipts.set(id, [...(receipts.get(id) ?? []), n]);
        total++;
        // Answered a moment after it is taken, so a worker killed now has deliveries the peer has but it did not finish.
        setTimeout(
          () =>
            response
              .writeHead(200, { "Content-Type": "application/json" })
              .end(JSON.stringify({ status_code: 1000, timestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z") })),
          20,
        );
      });
    });
    await new Promise<void>((resolve) => peer!.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(peer.address() as { port: number }).port}`;

    const store = await PostgresStore.open(fromPgPool(pool), { schema });
    const now = new Date().toISOString();
    await store.putParty({
      id: "emsp",
      incomingToken: "their-token-for-us",
      incomingTokenKind: "C",
      outgoingToken: "our-token-for-them",
      versionsUrl: `${base}/versions`,
      version: "2.2.1",
      endpoints: [{ identifier: "locations", role: "RECEIVER", url: `${base}/locations` }],
      roles: [],
      status: "registered",
      createdAt: now,
      updatedAt: now,
    });
    // Interleaved, as changes of many Locations arrive: patch n of every Location, then n + 1.
    const deliveries: NewDelivery[] = [];
    for (let n = 0; n < PATCHES; n++) {
      for (let i = 0; i < OBJECTS; i++) {
        deliveries.push({
          partyId: "emsp",
          orderKey: `L${i}`,
          operationId: "locationsReceiverPatch",
          version: "2.2.1",
          params: { country_code: "NL", party_id: "CPO", location_id: `L${i}` },
          body: { name: String(n), last_updated: new Date(Date.UTC(2024, 0, 1, 0, n)).toISOString().replace(".000Z", "Z") },
        });
      }
    }
    await store.enqueueDeliveries(deliveries);

    const start = (name: string) => {
      const worker = spawn(process.execPath, ["--import", "tsx", path.join(here, "../testing/outbox-worker.ts")], {
        cwd: root,
        env: { ...process.env, OUTBOX_SCHEMA: schema, OUTBOX_WORKER: name },
        stdio: ["ignore", "pipe", "inherit"],
      });
      workers.push(worker);
      return new Promise<ChildProcess>((resolve, reject) => {
        worker.once("error", reject);
        worker.stdout!.on("data", function ready(chunk: Buffer) {
          if (chunk.toString().includes('"ready"')) {
            worker.stdout!.off("data", ready);
            worker.stdout!.resume();
            resolve(worker);
          }
        });
      });
    };
    const [first] = await Promise.all(["w1", "w2", "w3"].map(start));
    const until = async (condition: () => boolean | Promise<boolean>, what: string) => {
      const end = Date.now() + 90_000;
      while (!(await condition())) {
        if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };

    await until(() => total >= 200, "200 arrived");
    // A worker dies mid-delivery; its claims come back when their leases run out.
    first!.kill("SIGKILL");
    await until(() => total >= 400, "400 arrived");
    down = true;
    await until(() => refused >= 50, "the peer refused 50");
    down = false;
    await until(async () => (await store.countDeliveries()).length === 0, "the outbox is empty");

    const arrived = [...receipts.entries()];
    expect(arrived).toHaveLength(OBJECTS);
    let duplicates = 0;
    for (const [id, ns] of arrived) {
      // In order: never an older PATCH after a newer one (a repeat of the same one only after the crash).
      for (let k = 1; k < ns.length; k++) expect(ns[k]!, `${id}: ${ns.join(",")}`).toBeGreaterThanOrEqual(ns[k - 1]!);
      expect(new Set(ns), id).toEqual(new Set(Array.from({ length: PATCHES }, (_, n) => n)));
      duplicates += ns.length - PATCHES;
    }
    // At most what the killed worker held: one batch.
    expect(duplicates).toBeLessThanOrEqual(8);
    expect(refused).toBeGreaterThanOrEqual(50);
    expect((await store.listDeliveries({ state: "dead", offset: 0, limit: 1 })).total).toBe(0);
  }, 120_000);
});
