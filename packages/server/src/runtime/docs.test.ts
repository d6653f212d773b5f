// The API reference a server serves about itself, over real HTTP on 127.0.0.1: every served version's page and
// OpenAPI documents, pointed at the server's own URL, with every script served by the server itself.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterEach, describe, expect, it } from "vitest";
import type * as T from "@ocpi-sdk/types/2.2.1";
import { storeHandlers } from "../handlers/store-handlers.js";
import { apiReferenceScript, listen, type Listening } from "../node.js";
import { MemoryStore } from "../store/memory.js";
import type { DocsOptions } from "./docs.js";
import { createOcpiServer, type OcpiServer } from "./server.js";
import { versionOf, type ServedVersion } from "./versions.js";

const CPO: T.CredentialsRole = { role: "CPO", country_code: "NL", party_id: "DOC", business_details: { name: "Docs <CPO> & Co" } };
const EMSP: T.CredentialsRole = { role: "EMSP", country_code: "NL", party_id: "DOE", business_details: { name: "Docs eMSP" } };
const ALL: ServedVersion[] = ["2.1.1", "2.2.1", "2.3.0"];

const running: Listening<OcpiServer>[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((l) => l.close()));
});

async function start(options: { docs?: DocsOptions; roles?: T.CredentialsRole[]; publicUrl?: string } = {}): Promise<Listening<OcpiServer>> {
  const store = new MemoryStore();
  const roles = options.roles ?? [CPO];
  const listening = await listen(
    (publicUrl) =>
      createOcpiServer({
        publicUrl,
        roles,
        store,
        logger: false,
        versions: ALL,
        handlers: storeHandlers(store, { roles }),
        ...(options.docs ? { docs: options.docs } : {}),
      }),
    options.publicUrl ? { publicUrl: options.publicUrl } : {},
  );
  running.push(listening);
  return listening;
}

type Doc = { servers: { url: string }[]; info: { title: string; version: string }; paths: Record<string, Record<string, { operationId: string }>> };
const operationIds = (doc: Doc) => Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));

/** Every URL the page loads or links to (attributes and the reference's sources), resolved against the page. */
function pageUrls(html: string, page: string): string[] {
  const attributes = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]!.replace(/&#38;/g, "&"));
  const config = JSON.parse(/<script type="application\/json" id="ocpi-docs-config">(.*?)<\/script>/s.exec(html)![1]!) as { sources: { url: string }[] };
  return [...attributes, ...config.sources.map((s) => s.url)].filter((u) => !u.startsWith("data:")).map((u) => new URL(u, page).href);
}

describe("docs", () => {
  it("serves every version's page and documents, pointed at the server, with scripts from the server only", { timeout: 60_000 }, async () => {
    const cpo = await start({ docs: { script: apiReferenceScript() } });
    const origin = new URL(cpo.url).origin;
    const scriptFile = path.join(path.dirname(createRequire(import.meta.url).resolve("@scalar/api-reference")), "browser", "standalone.js");
    const scriptBytes = await readFile(scriptFile);

    for (const version of ALL) {
      const pageUrl = `${cpo.url}/ocpi/${version}/docs`;
      const page = await fetch(pageUrl);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
      const html = await page.text();
      expect(html).toContain(`<title>OCPI ${version} API reference: Docs &#60;CPO&#62; &#38; Co (CPO NL/DOC)</title>`);
      // No absolute URL at all: whatever host name the browser used, the page loads from it.
      expect(html).not.toMatch(/(https?:)?\/\/[a-z0-9]/i);
      const urls = pageUrls(html, pageUrl);
      expect(urls.every((u) => new URL(u).origin === origin)).toBe(true);
      const scripts = [...html.matchAll(/<script src="([^"]*)"/g)].map((m) => new URL(m[1]!, pageUrl).href);
      expect(scripts).toEqual([`${cpo.url}/ocpi/docs/assets/scalar-api-reference-1.76.4.js`, `${cpo.url}/ocpi/docs/assets/ocpi-docs.js`]);
      for (const url of urls) expect([url, (await fetch(url)).status]).toEqual([url, 200]);

      const response = await fetch(`${cpo.url}/ocpi/${version}/openapi.json`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      const doc = (await response.json()) as Doc;
      expect(doc.servers[0]!.url).toBe(`${cpo.url}/ocpi`);
      expect(doc.info.version).toBe(version);
      // Exactly what the server routes in that version, /versions included.
      const served = cpo.server.servedRoutes().filter((r) => (versionOf(r) ?? version) === version);
      expect(operationIds(doc).sort()).toEqual(served.map((r) => r.operationId).sort());
      expect(Object.keys(doc.paths).sort()).toEqual([...new Set(served.map((r) => r.layoutPath))].sort());
      expect(operationIds(doc)).not.toContain("commandsReceiverStartSession");

      const role = await fetch(`${cpo.url}/ocpi/${version}/openapi/cpo.json`);
      expect(role.status).toBe(200);
      const roleDoc = (await role.json()) as Doc;
      expect(roleDoc.servers[0]!.url).toBe(`${cpo.url}/ocpi`);
      expect(roleDoc.info.title).toBe(`OCPI ${version} (CPO): Docs <CPO> & Co (CPO NL/DOC)`);
      expect(operationIds(roleDoc).every((id) => operationIds(doc).includes(id))).toBe(true);
      // Not a role of ours.
      expect((await fetch(`${cpo.url}/ocpi/${version}/openapi/emsp.json`)).status).toBe(404);
    }

    const valid = await new Validator().validate((await (await fetch(`${cpo.url}/ocpi/2.2.1/openapi.json`)).json()) as never);
    expect(valid.errors ?? []).toEqual([]);

    // The script, gzipped for browsers (fetch decompresses it) and as it is for clients that ask so.
    const asset = `${cpo.url}/ocpi/docs/assets/scalar-api-reference-1.76.4.js`;
    const zipped = await fetch(asset);
    expect(zipped.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(zipped.headers.get("content-encoding")).toBe("gzip");
    expect(zipped.headers.get("cache-control")).toContain("immutable");
    expect(Buffer.from(await zipped.arrayBuffer()).equals(scriptBytes)).toBe(true);
    const plain = await fetch(asset, { headers: { "Accept-Encoding": "identity" } });
    expect(plain.headers.get("content-encoding")).toBeNull();
    expect(Number(plain.headers.get("content-length"))).toBe(scriptBytes.length);
    await plain.arrayBuffer();
    const init = await fetch(`${cpo.url}/ocpi/docs/assets/ocpi-docs.js`);
    expect(init.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await init.text()).toContain("Scalar.createApiReference");

    // The short and former URLs lead to the highest version.
    for (const [from, to] of [
      ["docs", "2.3.0/docs"],
      ["openapi.json", "2.3.0/openapi.json"],
    ]) {
      const redirect = await fetch(`${cpo.url}/ocpi/${from}`, { redirect: "manual" });
      expect(redirect.status).toBe(302);
      expect(new URL(redirect.headers.get("location")!, `${cpo.url}/ocpi/${from}`).href).toBe(`${cpo.url}/ocpi/${to}`);
    }
  });

  it("names the public URL it is given, and offers each of several roles its own document", async () => {
    const both = await start({ docs: { script: apiReferenceScript() }, roles: [CPO, EMSP], publicUrl: "https://ocpi.example.net" });
    // `url` is the public one, which does not resolve here.
    const local = `http://127.0.0.1:${both.port}`;
    for (const name of ["openapi.json", "openapi/cpo.json", "openapi/emsp.json"]) {
      const doc = (await (await fetch(`${local}/ocpi/2.2.1/${name}`)).json()) as Doc;
      expect(doc.servers).toEqual([{ url: "https://ocpi.example.net/ocpi" }]);
    }
    const html = await (await fetch(`${local}/ocpi/2.2.1/docs`)).text();
    expect(html).toContain('"url":"openapi/cpo.json"');
    expect(html).toContain('"url":"openapi/emsp.json"');
    expect((await fetch(`${local}/ocpi/2.2.1/docs`)).headers.get("content-security-policy")).toContain("connect-src 'self' https://ocpi.example.net");
  });

  it("takes documents and a script from elsewhere (an edge runtime has no node_modules to read)", async () => {
    const documents = {
      ocpi: {
        openapi: "3.1.0",
        info: { title: "Mine", version: "2.2.1" },
        paths: { "/versions": { get: { operationId: "versions", responses: {} } }, "/2.2.1/not-served": { get: { operationId: "nope", responses: {} } } },
      },
    };
    const node = await start({ docs: { script: { name: "reference-1.js", load: () => "window.Scalar = {};" }, documents: () => documents } });
    const doc = (await (await fetch(`${node.url}/ocpi/2.2.1/openapi.json`)).json()) as Doc;
    expect(Object.keys(doc.paths)).toEqual(["/versions"]);
    expect(doc.servers[0]!.url).toBe(`${node.url}/ocpi`);
    // No role document given: none served, and the page offers none.
    expect((await fetch(`${node.url}/ocpi/2.2.1/openapi/cpo.json`)).status).toBe(404);
    const html = await (await fetch(`${node.url}/ocpi/2.2.1/docs`)).text();
    expect(html).toContain('<script src="../docs/assets/reference-1.js">');
    const script = await fetch(`${node.url}/ocpi/docs/assets/reference-1.js`);
    expect([script.status, script.headers.get("content-type"), await script.text()]).toEqual([200, "text/javascript; charset=utf-8", "window.Scalar = {};"]);
  });

  it("serves nothing without the option", async () => {
    const node = await start();
    for (const url of ["/ocpi/2.2.1/docs", "/ocpi/2.2.1/openapi.json", "/ocpi/docs", "/ocpi/docs/assets/ocpi-docs.js"]) {
      const response = await fetch(`${node.url}${url}`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { status_code: number }).status_code).toBe(2000);
    }
  });

  it("says which package to install when Scalar's is missing", () => {
    expect(() => apiReferenceScript({ from: "/nowhere/at/all.js" })).toThrow("npm install @scalar/api-reference@1.76.4");
  });
});
