// The built client and server in whatever runtime runs this file (Bun, Deno, Node), for scripts/runtimes.test.ts:
//   1. over the network: OcpiClient.connect to the server at VERSIONS_URL (an example server on loopback) with TOKEN,
//      its versions and version details, every location page by page (LIMIT per page), then one location by id;
//   2. in process, no sockets: a server made here, given the locations just pulled, answers `server.app.fetch`
//      called directly, and a client whose fetch is that same handler.
// Ends with one line `runtime-smoke: {json}` (what each step saw; `error` when a step threw) and exit code 0 or 1.
import { OcpiClient } from "@ocpi-sdk/client";
import { base64Encode } from "@ocpi-sdk/protocol";
import { createOcpiServer, MemoryStore, saveObject, storeHandlers } from "@ocpi-sdk/server";

const env = (name) => (globalThis.Deno ? globalThis.Deno.env.get(name) : globalThis.process?.env[name]);
const runtime = globalThis.Bun
  ? { name: "bun", version: globalThis.Bun.version }
  : globalThis.Deno
    ? { name: "deno", version: globalThis.Deno.version.deno }
    : { name: "node", version: globalThis.process.versions.node };

const summary = { runtime };
const exit = (code) => (globalThis.Deno ? globalThis.Deno.exit(code) : globalThis.process.exit(code));

async function network() {
  const versionsUrl = env("VERSIONS_URL");
  const token = env("TOKEN");
  if (!versionsUrl || !token) throw new Error("VERSIONS_URL and TOKEN are needed");
  // The example runs on this machine: loopback is refused by default.
  const client = await OcpiClient.connect({ versionsUrl, token, urlPolicy: { allowLoopback: true }, logger: false });
  summary.versions = client.versions;
  summary.details = { version: client.version, endpoints: client.endpoints.map((e) => `${e.identifier} ${e.role}`).sort() };
  const first = await client.locations.sender.list({ limit: Number(env("LIMIT") ?? 5) });
  const locations = await client.locations.sender.all({ limit: Number(env("LIMIT") ?? 5) }).toArray();
  summary.locations = { count: locations.length, totalCount: first.totalCount, firstPage: first.data.length, ids: locations.map((l) => l.id) };
  const one = await client.locations.sender.get({ location_id: locations[0].id });
  summary.location = { id: one.data.id, evses: one.data.evses?.length ?? 0 };
  return { version: client.version, locations };
}

async function inProcess({ version, locations }) {
  const owner = { country_code: locations[0].country_code, party_id: locations[0].party_id };
  const role = { role: "CPO", ...owner, business_details: { name: "In-process CPO" } };
  const store = new MemoryStore();
  // The locations arrived in `version`: the handlers of this server are written against that one.
  const server = createOcpiServer({
    publicUrl: "https://cpo.test",
    roles: [role],
    store,
    handlersVersion: version,
    versions: [version],
    handlers: storeHandlers(store, { roles: [role] }),
    logger: false,
  });
  try {
    for (const location of locations) await saveObject(store, "locations", location.id, location);
    const token = "in-process-token";
    const now = new Date().toISOString();
    await store.putParty({
      id: "emsp",
      incomingToken: token,
      incomingTokenKind: "C",
      endpoints: [],
      roles: [{ role: "EMSP", country_code: "NL", party_id: "MSP", business_details: { name: "eMSP" } }],
      status: "registered",
      createdAt: now,
      updatedAt: now,
    });
    const call = async (path, headers = {}) => {
      const response = await server.app.fetch(new Request(`https://cpo.test/ocpi${path}`, { headers }));
      return { status: response.status, body: await response.json(), totalCount: response.headers.get("X-Total-Count") };
    };
    const auth = { Authorization: `Token ${base64Encode(token)}` };
    const versions = await call("/versions", auth);
    const list = await call(`/${version}/locations/sender?limit=2`, auth);
    const anonymous = await call(`/${version}/locations/sender`);
    // Our client with the server's fetch handler as its fetch: discovery and a whole pull without a socket.
    const client = await OcpiClient.connect({
      versionsUrl: server.versionsUrl,
      token,
      fetch: server.app.fetch,
      urlPolicy: { allowHosts: ["cpo.test"] },
      logger: false,
    });
    const pulled = await client.locations.sender.all({ limit: 5 }).toArray();
    summary.inProcess = {
      versions: { status: versions.status, statusCode: versions.body.status_code, list: versions.body.data },
      list: { status: list.status, statusCode: list.body.status_code, count: list.body.data.length, totalCount: Number(list.totalCount) },
      anonymous: { status: anonymous.status, statusCode: anonymous.body.status_code },
      client: { version: client.version, count: pulled.length, same: JSON.stringify(pulled) === JSON.stringify(locations) },
    };
  } finally {
    server.close();
  }
}

try {
  await inProcess(await network());
  console.log(`runtime-smoke: ${JSON.stringify(summary)}`);
  exit(0);
} catch (error) {
  summary.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  console.log(`runtime-smoke: ${JSON.stringify(summary)}`);
  console.error(error);
  exit(1);
}
