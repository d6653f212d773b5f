// `npm start`: run the demo and leave both nodes running until Ctrl-C.
import path from "node:path";
import { runDemo } from "./demo.js";

const started = Date.now();
const demo = await runDemo({ dataDir: path.resolve(process.env.OCPI_DEMO_DATA ?? ".data/demo") });
console.log(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s. Press Ctrl-C to stop both nodes.`);
const stop = () => void demo.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
