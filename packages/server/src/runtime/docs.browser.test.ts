// The API reference in a real browser (headless Chromium over 127.0.0.1): the page renders the server's operations
// from the server's own scripts and documents, with every request to another origin refused, so it works offline.
// Skipped where there is no Chromium (`.ci/run` installs Debian's); OCPI_DOCS_SCREENSHOT=<folder> keeps the
// screenshots to look at.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as T from "@ocpi-sdk/types/2.2.1";
import { storeHandlers } from "../handlers/store-handlers.js";
import { apiReferenceScript, listen, type Listening } from "../node.js";
import { MemoryStore } from "../store/memory.js";
import { createOcpiServer, type OcpiServer } from "./server.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CPO: T.CredentialsRole = { role: "CPO", country_code: "NL", party_id: "DOC", business_details: { name: "Docs CPO" } };
// A closed network refuses Chromium's own background connections: these keep it from making them.
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let browser: Browser | undefined;
let cpo: Listening<OcpiServer> | undefined;
let shots: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return;
  shots = process.env.OCPI_DOCS_SCREENSHOT ?? (await mkdtemp(path.join(tmpdir(), "ocpi-docs-")));
  await mkdir(shots, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  const store = new MemoryStore();
  cpo = await listen((publicUrl) =>
    createOcpiServer({
      publicUrl,
      roles: [CPO],
      store,
      logger: false,
      versions: ["2.1.1", "2.2.1", "2.3.0"],
      handlers: storeHandlers(store, { roles: [CPO] }),
      docs: { script: apiReferenceScript() },
    }),
  );
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await cpo?.close();
  if (shots && !process.env.OCPI_DOCS_SCREENSHOT) await rm(shots, { recursive: true, force: true });
});

describe("the API reference in a browser", () => {
  it.for(["2.2.1", "2.3.0", "2.1.1"])("renders OCPI %s from the server alone", { timeout: 60_000 }, async (version, context) => {
    if (!browser || !cpo) return context.skip(`no Chromium at ${CHROMIUM}`);
    const origin = new URL(cpo.url).origin;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const elsewhere: string[] = [];
    const failed: string[] = [];
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(`${origin}/`) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
      elsewhere.push(url);
      return route.abort();
    });
    page.on("requestfailed", (request) => {
      if (request.url().startsWith(origin)) failed.push(request.url());
    });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));

    const response = await page.goto(`${cpo.url}/ocpi/${version}/docs`);
    expect(response?.status()).toBe(200);
    // Scalar has rendered the document: its title, the server it documents (this one), every module as a group,
    // and the operations of discovery, open at first.
    await page.getByText("Download OpenAPI Document").first().waitFor({ timeout: 30_000 });
    await page.getByText("GET /versions").first().waitFor({ timeout: 30_000 });
    // biome-ignore lint/performance/useDomNodeTextContent: the text as rendered, what a reader sees, is the point
    const text = await page.locator("body").innerText();
    expect(text).toContain(`OCPI ${version}: Docs CPO (CPO NL/DOC)`);
    expect(text).toContain(`${cpo.url}/ocpi`);
    for (const module of ["credentials", "locations", "sessions", "cdrs", "tariffs", "tokens", "commands"])
      expect(text).toMatch(new RegExp(`^${module}$`, "m"));

    const file = path.join(shots, `docs-${version}.png`);
    await page.screenshot({ path: file, fullPage: false });
    expect((await stat(file)).size).toBeGreaterThan(20_000);
    expect(elsewhere).toEqual([]);
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
