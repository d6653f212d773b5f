/**
 * Node only (exported by `@ocpi-sdk/server/node`): Scalar's standalone bundle read from the installed
 * `@scalar/api-reference`, so the docs page needs no CDN. Kept out of the core, which must bundle for edge runtimes.
 */
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { DocsScript } from "./docs.js";

/** The version this SDK is tested with; another one that has `Scalar.createApiReference` works too. */
export const API_REFERENCE_VERSION = "1.76.4";

/**
 * The API reference's script for `docs: { script }`, from `@scalar/api-reference` (an optional peer dependency:
 * `npm install @scalar/api-reference@1.76.4`). Throws at once, naming the package, when it is not installed.
 * `from` is where to resolve it from (default: this package).
 */
export function apiReferenceScript(options: { from?: string } = {}): DocsScript {
  const require = createRequire(options.from ?? import.meta.url);
  let entry: string;
  try {
    // Its exports name no file of the browser build: find the package by its main entry.
    entry = require.resolve("@scalar/api-reference");
  } catch {
    throw new Error(`the API reference needs @scalar/api-reference: npm install @scalar/api-reference@${API_REFERENCE_VERSION}`);
  }
  const dist = path.dirname(entry);
  const file = path.join(dist, "browser", "standalone.js");
  if (!existsSync(file)) throw new Error(`@scalar/api-reference has no ${file}: install @scalar/api-reference@${API_REFERENCE_VERSION}`);
  const { version } = JSON.parse(readFileSync(path.join(dist, "..", "package.json"), "utf8")) as { version: string };
  return { name: `scalar-api-reference-${version}.js`, load: () => readFile(file) };
}
