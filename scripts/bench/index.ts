// `npm run bench`: every benchmark of the SDK, side by side in one run. Timings are printed, never asserted.
import { benchCrawl } from "./crawl.js";
import { benchHttp } from "./http.js";
import { benchStore } from "./store.js";
import { benchValidate } from "./validate.js";

const ms = Number(process.env.BENCH_MS ?? 1000);
console.log(`# OCPI SDK benchmarks (Node ${process.version}, ${ms} ms per measurement)`);
benchValidate(ms);
await benchCrawl();
await benchHttp(Number(process.env.BENCH_SECONDS ?? 5));
await benchStore();
