/**
 * An OCPI CPO on Bun: `Bun.serve` hands every request to the server's Hono app (`server.app.fetch`), the data sits in
 * a MemoryStore. Handlers written against 2.2.1 (the store handlers), served in 2.1.1, 2.2.1 and 2.3.0.
 *
 *   bun server.ts              PORT (default 3000), HOST (default 127.0.0.1), PUBLIC_URL, TOKEN: see README.md
 */
import { createOcpiServer, MemoryStore, saveObject, storeHandlers, type OcpiServer } from "@ocpi-sdk/server";
import type { CredentialsRole, Location } from "@ocpi-sdk/types/2.2.1";

const CPO: CredentialsRole = { role: "CPO", country_code: "NL", party_id: "BUN", business_details: { name: "Bun Charging" } };
/** An eMSP registered from the start, so that its Token C reads the locations without a credentials handshake. */
const EMSP = { role: "EMSP", country_code: "NL", party_id: "MSP", business_details: { name: "Example eMSP" } } as const;

/** `count` valid 2.2.1 Locations of `owner`, the same on every run. */
function exampleLocations(count: number, owner: { country_code: string; party_id: string }): Location[] {
  return Array.from({ length: count }, (_, i): Location => {
    const id = `LOC${String(i + 1).padStart(3, "0")}`;
    const last_updated = new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString().replace(".000Z", "Z");
    return {
      country_code: owner.country_code,
      party_id: owner.party_id,
      id,
      publish: true,
      name: `Charging plaza ${i + 1}`,
      address: `Laadstraat ${i + 1}`,
      city: "Utrecht",
      postal_code: "3511 AB",
      country: "NLD",
      coordinates: { latitude: (52.09 + i * 0.001).toFixed(6), longitude: (5.12 + i * 0.001).toFixed(6) },
      evses: [
        {
          uid: `${id}-E1`,
          evse_id: `NL*${owner.party_id}*E${String(i + 1).padStart(4, "0")}`,
          status: i % 3 === 0 ? "CHARGING" : "AVAILABLE",
          connectors: [{ id: "1", standard: "IEC_62196_T2", format: "SOCKET", power_type: "AC_3_PHASE", max_voltage: 230, max_amperage: 32, last_updated }],
          last_updated,
        },
      ],
      time_zone: "Europe/Amsterdam",
      last_updated,
    };
  });
}

const store = new MemoryStore();
const locations = exampleLocations(12, CPO);
for (const location of locations) await saveObject(store, "locations", location.id, location); // validated on the way in
const token = process.env.TOKEN || crypto.randomUUID();
const now = new Date().toISOString();
await store.putParty({
  id: "example-emsp",
  incomingToken: token,
  incomingTokenKind: "C",
  endpoints: [],
  roles: [EMSP],
  status: "registered",
  createdAt: now,
  updatedAt: now,
});

// An OCPI server publishes absolute URLs (versions, endpoints, Link headers), so it is made once the port is known.
let ocpi: OcpiServer | undefined;
const hostname = process.env.HOST || "127.0.0.1";
const http = Bun.serve({
  hostname,
  port: Number(process.env.PORT ?? 3000),
  fetch: (request) => (ocpi ? ocpi.app.fetch(request) : new Response("starting", { status: 503 })),
});
ocpi = createOcpiServer({
  publicUrl: process.env.PUBLIC_URL?.replace(/\/+$/, "") || `http://${hostname}:${http.port}`,
  roles: [CPO],
  store,
  versions: ["2.1.1", "2.2.1", "2.3.0"],
  handlers: storeHandlers(store, { roles: [CPO] }),
});

console.log(`OCPI CPO ${CPO.country_code}/${CPO.party_id} on Bun ${Bun.version}, serving ${locations.length} locations in ${ocpi.versions.join(", ")}`);
console.log(`  versions  ${ocpi.versionsUrl}`);
console.log(`  token     ${token}   (Token C of the eMSP ${EMSP.country_code}/${EMSP.party_id})`);

const stop = () => {
  ocpi?.close();
  void http.stop().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
