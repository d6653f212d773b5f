#!/usr/bin/env node
// The `ocpi` command. SIGINT and SIGTERM stop long-running commands (ocpi mock) cleanly; a second one ends at once.
import { processIo } from "./io.js";
import { runCli } from "./program.js";

const stop = new AbortController();
const onSignal = (signal: NodeJS.Signals) => {
  if (stop.signal.aborted) process.exit(130);
  stop.abort(signal);
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

const code = await runCli(process.argv.slice(2), processIo(stop.signal));
process.exitCode = code;
// Whatever still holds the event loop (a keep-alive socket of a peer) must not keep a finished command running.
setTimeout(() => process.exit(code), 1_000).unref();
