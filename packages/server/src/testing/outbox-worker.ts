/**
 * One outbox worker process for the multi-process test: delivers from the PostgreSQL store named by DATABASE_URL and
 * OUTBOX_SCHEMA until SIGTERM (or a SIGKILL, which is the point). Prints each event as a JSON line.
 */
import pg from "pg";
import { OcpiClient, type ClientVersion } from "@ocpi-sdk/client";
import { Outbox } from "../runtime/outbox.js";
import { PostgresStore } from "../store/postgres.js";
import { fromPgPool } from "../store/sql.js";

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
const store = await PostgresStore.open(fromPgPool(pool), { schema: process.env.OUTBOX_SCHEMA! });
const outbox = new Outbox({
  store,
  version: "2.2.1",
  worker: process.env.OUTBOX_WORKER!,
  // A short lease, so the deliveries of a killed worker come back within the test.
  policy: { baseDelayMs: 20, maxDelayMs: 200, pollMs: 20, leaseMs: 2000, batchSize: 8, maxAttempts: 1000 },
  clientFor: (party) =>
    OcpiClient.restore(
      { versionsUrl: party.versionsUrl!, token: party.outgoingToken!, urlPolicy: { allowLoopback: true }, retry: false, timeoutMs: 1000 },
      { version: party.version as ClientVersion, endpoints: party.endpoints },
    ),
  log: (event) => {
    if (event.type !== "outbox-error") console.log(JSON.stringify({ type: event.type, id: event.delivery.id }));
    else console.log(JSON.stringify({ type: event.type, error: String(event.error) }));
  },
});
outbox.start();
console.log(JSON.stringify({ type: "ready" }));
process.on("SIGTERM", () => {
  void outbox
    .stop()
    .then(() => pool.end())
    .then(() => process.exit(0));
});
