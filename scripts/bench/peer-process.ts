// A test peer in its own process, so that the benchmark's memory figures are the client's alone.
// Prints one JSON line with its versions URL, then serves until killed.
import { startPeer } from "../../packages/client/src/testing/peer.js";
import { makeLocations } from "../../packages/client/src/testing/fixtures.js";

const count = Number(process.argv[2] ?? 20000);
const peer = await startPeer({ locations: makeLocations(count), maxLimit: Number(process.argv[3] ?? 100) });
console.log(JSON.stringify({ versionsUrl: peer.versionsUrl, base: peer.base }));
process.on("SIGTERM", () => void peer.close().then(() => process.exit(0)));
