// `npm start`: run the demo and leave both nodes running until Ctrl-C. Ports: see ports.ts (`npm start -- --help`).
import path from "node:path";
import { runDemo } from "./demo.js";
import { demoPorts, PortsError, USAGE } from "./ports.js";

let ports;
try {
  ports = demoPorts(process.argv.slice(2), process.env);
} catch (error) {
  if (!(error instanceof PortsError)) throw error;
  console.error(`${error.message}\n\n${USAGE}`);
  process.exit(2);
}
if (ports.help) {
  console.log(USAGE);
  process.exit(0);
}

const started = Date.now();
const { help: _, ...asked } = ports;
const demo = await runDemo({ dataDir: path.resolve(process.env.OCPI_DEMO_DATA ?? ".data/demo"), ...asked });
console.log(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s. Press Ctrl-C to stop both nodes.`);
const stop = () => void demo.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
