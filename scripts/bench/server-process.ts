// A server for the HTTP benchmark, in its own process: `ocpi` (the SDK's server over a MemoryStore holding 10,000
// locations) or `bare` (plain Hono answering the same page from precomputed JSON). Prints one JSON line, then serves.
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { createOcpiServer, MemoryStore, saveObject, storeHandlers } from "@ocpi-sdk/server";
import { listen } from "@ocpi-sdk/server/node";
import { envelope } from "@ocpi-sdk/protocol";
import { demoLocations } from "../../examples/cpo-emsp/src/data.js";

const mode = process.argv[2] ?? "ocpi";
const CPO = { role: "CPO" as const, country_code: "NL", party_id: "CPO", business_details: { name: "Bench CPO" } };
const EMSP = { role: "EMSP", country_code: "NL", party_id: "MSP", business_details: { name: "Bench eMSP" } };
const TOKEN = "bench-token";
const locations = demoLocations(10_000, CPO);

if (mode === "bare") {
  // The same bytes our server sends for offset 5000, limit 50, precomputed once.
  const body = JSON.stringify(envelope(locations.slice(5000, 5050)));
  const app = new Hono();
  app.get("/ocpi/2.2.1/locations/sender", (c) =>
    c.body(body, 200, {
      "Content-Type": "application/json",
      "X-Total-Count": "10000",
      "X-Limit": "100",
      Link: '<http://x/ocpi/2.2.1/locations/sender?offset=5050&limit=50>; rel="next"',
    }),
  );
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => console.log(JSON.stringify({ url: `http://127.0.0.1:${info.port}` })));
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
} else {
  const store = await MemoryStore.open();
  for (const location of locations) await saveObject(store, "locations", location.id, location);
  const now = new Date().toISOString();
  await store.putParty({
    id: "bench",
    incomingToken: TOKEN,
    incomingTokenKind: "C",
    endpoints: [],
    roles: [EMSP],
    status: "registered",
    createdAt: now,
    updatedAt: now,
  });
  // 2.2.1 handlers, also served as 2.1.1 (through the converters) for the converted GET.
  const node = await listen((publicUrl) =>
    createOcpiServer({ publicUrl, roles: [CPO], store, handlers: storeHandlers(store, { roles: [CPO] }), versions: ["2.1.1", "2.2.1"], logger: false }),
  );
  console.log(JSON.stringify({ url: node.url }));
  process.on("SIGTERM", () => void node.close().then(() => process.exit(0)));
}
