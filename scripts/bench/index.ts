// `npm run bench`: every benchmark of the SDK, side by side in one run. Timings are printed, never asserted.
// BENCH_ONLY=crawl (or a comma-separated list of validate, crawl, http, store, size) runs only those.
import { benchCrawl } from "./crawl.js";
import { benchHttp } from "./http.js";
import { benchSize } from "./size.js";
import { benchStore } from "./store.js";
import { benchValidate } from "./validate.js";

const ms = Number(process.env.BENCH_MS ?? 1000);
const only = process.env.BENCH_ONLY?.split(",").map((name) => name.trim());
const runs = (name: string) => !only || only.includes(name);
console.log(`# OCPI SDK benchmarks (Node ${process.version}, ${ms} ms per measurement)`);
if (runs("validate")) benchValidate(ms);
if (runs("crawl")) await benchCrawl();
if (runs("http")) await benchHttp(Number(process.env.BENCH_SECONDS ?? 5));
if (runs("store")) await benchStore();
if (runs("size")) await benchSize();
