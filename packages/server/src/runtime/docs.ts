/**
 * The API reference a server serves about itself: for every served version its OpenAPI document (what this server
 * routes, `servers` naming its OCPI base URL), one per role it plays, and an interactive page (Scalar) whose scripts
 * come from this server only, so that it works offline and behind a strict CSP.
 *
 *   <base>/<version>/openapi.json         what this server serves in that version
 *   <base>/<version>/openapi/<role>.json  the same, narrowed to one of our roles (cpo, emsp, hub, ...)
 *   <base>/<version>/docs                 the page; <base>/docs and <base>/openapi.json redirect to the highest version
 *   <base>/docs/assets/<script.name>      the reference's script (gzip when asked), cached for good: the name is versioned
 */
import type { Context, Hono } from "hono";
import type { OpenApiDocument } from "@ocpi-sdk/openapi";
import type { CredentialsRole } from "@ocpi-sdk/types/2.2.1";
import type { ServedVersion } from "./versions.js";

export type { OpenApiDocument };

/** The browser script of the API reference: Scalar's standalone bundle (`window.Scalar.createApiReference`). */
export interface DocsScript {
  /** Its file name under `<base>/docs/assets/`; give it the version, since browsers keep it for a year. */
  name: string;
  /** Its text, read the first time a browser asks for it. */
  load: () => Promise<string | Uint8Array> | string | Uint8Array;
}

/** The OpenAPI documents of one version: `ocpi` (every module and interface) and one per role (`cpo`, `emsp`, ...). */
export type VersionDocuments = Readonly<Record<string, unknown>>;

/** The server's API reference (`docs` option): Scalar's script, and the OpenAPI documents served per version and role. */
export interface DocsOptions {
  /**
   * Scalar's standalone bundle. On Node: `apiReferenceScript()` of `@ocpi-sdk/server/node`, which reads it from
   * `@scalar/api-reference`; elsewhere give its text, e.g. a bundler's text import or an asset binding.
   */
  script: DocsScript;
  /** The documents of a version (default: those of `@ocpi-sdk/openapi`, imported the first time one is asked for). */
  documents?: (version: ServedVersion) => VersionDocuments | Promise<VersionDocuments>;
}

export interface DocsSite {
  docs: DocsOptions;
  basePath: string;
  /** The OCPI base URL peers use (publicUrl + basePath): the documents' `servers`. */
  baseUrl: string;
  versions: readonly ServedVersion[];
  roles: readonly CredentialsRole[];
  /** The operationIds served in a version (the versions endpoint included). */
  operationIds: (version: ServedVersion) => string[];
}

const INIT_SCRIPT = "ocpi-docs.js";
/** Starts the reference from the page's JSON configuration: no inline script, so `script-src 'self'` holds. */
const INIT_SOURCE = `(function () {
  var config = JSON.parse(document.getElementById("ocpi-docs-config").textContent);
  config.sources.forEach(function (source) { source.url = new URL(source.url, document.baseURI).href; });
  window.Scalar.createApiReference("#ocpi-docs", config);
})();
`;

const utf8 = new TextEncoder();
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
/** JSON inside a <script> element: `</script>` and `<!--` must not appear in it. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");

/** A value computed once, computed again after a failure (a read that failed may succeed later). */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () =>
    (value ??= make().catch((error: unknown) => {
      value = undefined;
      throw error;
    }));
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const accepts = (header: string | undefined, encoding: string) =>
  (header ?? "").split(",").some((part) => {
    const [name, ...params] = part.trim().split(";");
    return name?.trim().toLowerCase() === encoding && !params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p));
  });

/** The SDK's documents, imported only when docs are served: they are 3.6 MB of JSON. */
async function sdkDocuments(version: ServedVersion): Promise<VersionDocuments> {
  const openapi = await import("@ocpi-sdk/openapi");
  const byVersion: Record<ServedVersion, { documents: VersionDocuments }> = { "2.1.1": openapi.v2_1_1, "2.2.1": openapi.v2_2_1, "2.3.0": openapi.v2_3_0 };
  return byVersion[version].documents;
}

const partyLabel = (roles: readonly CredentialsRole[]) =>
  roles.map((r) => `${r.business_details?.name ?? `${r.country_code} ${r.party_id}`} (${r.role} ${r.country_code}/${r.party_id})`).join(", ");

/** Adds the docs routes to the app (before the OCPI routes, which never use these paths). */
export function mountDocs(app: Hono, site: DocsSite): void {
  const { basePath, baseUrl, versions, docs } = site;
  const latest = versions.at(-1)!;
  const loadDocuments = docs.documents ?? sdkDocuments;
  const roleNames = [...new Set(site.roles.map((r) => r.role.toLowerCase()))];
  const assets = `${basePath}/docs/assets`;

  const documentFor = new Map<string, () => Promise<string>>();
  const rolesIn = new Map<ServedVersion, () => Promise<string[]>>();
  for (const version of versions) {
    const all = once(async () => loadDocuments(version));
    // Roles are known before the documents are loaded; whether a version has a document for one is not.
    rolesIn.set(
      version,
      once(async () => {
        const documents = await all();
        return roleNames.filter((role) => documents[role] !== undefined);
      }),
    );
    for (const name of ["ocpi", ...roleNames]) {
      documentFor.set(
        `${version}/${name}`,
        once(async () => {
          const { selectOperations } = await import("@ocpi-sdk/openapi");
          const source = (await all())[name] as OpenApiDocument | undefined;
          if (!source) throw new Error(`no OpenAPI document "${name}" for OCPI ${version}`);
          const ours = name === "ocpi" ? site.roles : site.roles.filter((r) => r.role.toLowerCase() === name);
          const document = selectOperations(source, {
            operationIds: site.operationIds(version),
            serverUrl: baseUrl,
            info: {
              title: `OCPI ${version}${name === "ocpi" ? "" : ` (${name.toUpperCase()})`}: ${partyLabel(ours)}`,
              description:
                `What this server serves of OCPI ${version}: only the modules it has handlers for, at ${baseUrl}. ` +
                "Requests need `Authorization: Token …` as the security scheme says; a registration token (Token A) opens versions, " +
                "version details and credentials only. Paths follow the SDK's URL layout; peers take each module's URL from version details.",
            },
          });
          return JSON.stringify(document);
        }),
      );
    }
  }

  // Through the context (not a Response of our own), so that headers set by middleware are kept.
  const json = (c: Context, body: string) => c.body(body, 200, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-cache" });
  for (const version of versions) {
    app.get(`${basePath}/${version}/openapi.json`, async (c) => json(c, await documentFor.get(`${version}/ocpi`)!()));
    for (const role of roleNames) {
      app.get(`${basePath}/${version}/openapi/${role}.json`, async (c, next) => {
        if (!(await rolesIn.get(version)!()).includes(role)) return next();
        return json(c, await documentFor.get(`${version}/${role}`)!());
      });
    }
    app.get(`${basePath}/${version}/docs`, async (c) => {
      const roles = await rolesIn.get(version)!();
      return c.html(page(version, versions, roles, site), 200, {
        // Everything the page loads comes from here; requests it tries go to this server (its public origin too).
        "Content-Security-Policy": [
          "default-src 'self'",
          "script-src 'self'",
          "style-src 'self' 'unsafe-inline'",
          "img-src 'self' data: blob:",
          "font-src 'self' data:",
          `connect-src 'self' ${new URL(baseUrl).origin}`,
          "worker-src 'self' blob:",
          "base-uri 'none'",
          "form-action 'none'",
          "frame-ancestors 'self'",
        ].join("; "),
        "Cache-Control": "no-cache",
      });
    });
  }
  // The former single-document URLs, and a short one to remember.
  app.get(`${basePath}/docs`, (c) => c.redirect(`${latest}/docs`, 302));
  app.get(`${basePath}/openapi.json`, (c) => c.redirect(`${latest}/openapi.json`, 302));

  const script = once(async () => {
    const text = await docs.script.load();
    return typeof text === "string" ? utf8.encode(text) : text;
  });
  const scriptGzip = once(async () => gzip(await script()));
  const js = { "Content-Type": "text/javascript; charset=utf-8", "X-Content-Type-Options": "nosniff" };
  app.get(`${assets}/${encodeURIComponent(docs.script.name)}`, async (c) => {
    const headers: Record<string, string> = { ...js, "Cache-Control": "public, max-age=31536000, immutable", Vary: "Accept-Encoding" };
    const zipped = accepts(c.req.header("Accept-Encoding"), "gzip");
    if (zipped) headers["Content-Encoding"] = "gzip";
    return c.body((zipped ? await scriptGzip() : await script()) as Uint8Array<ArrayBuffer>, 200, headers);
  });
  app.get(`${assets}/${INIT_SCRIPT}`, (c) => c.body(INIT_SOURCE, 200, { ...js, "Cache-Control": "no-cache" }));
}

/** The page of one version: its document first, then its role documents, then the other versions'. */
function page(version: ServedVersion, versions: readonly ServedVersion[], roles: string[], site: DocsSite): string {
  // Relative URLs: the page is right whichever host name or proxy prefix the browser reached it by.
  const sources = [
    { title: `OCPI ${version}`, slug: version, url: "openapi.json", default: true },
    ...(roles.length > 1
      ? roles.map((role) => ({ title: `OCPI ${version} (${role.toUpperCase()})`, slug: `${version}-${role}`, url: `openapi/${role}.json` }))
      : []),
    ...[...versions]
      .reverse()
      .filter((v) => v !== version)
      .map((v) => ({ title: `OCPI ${v}`, slug: v, url: `../${v}/openapi.json` })),
  ];
  const config = {
    sources,
    // Nothing from Scalar's services: no web fonts, telemetry, AI agent, MCP or developer tools (they call out).
    withDefaultFonts: false,
    telemetry: false,
    agent: { disabled: true },
    mcp: { disabled: true },
    showDeveloperTools: "never",
    persistAuth: false,
    authentication: { preferredSecurityScheme: "ocpiToken" },
  };
  const title = `OCPI ${version} API reference: ${partyLabel(site.roles)}`;
  const assets = `../docs/assets`;
  const links = [`<a href="openapi.json">openapi.json</a>`, ...roles.map((role) => `<a href="openapi/${role}.json">openapi/${role}.json</a>`)].join(", ");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
</head>
<body>
<noscript><p>The API reference needs JavaScript. The OpenAPI 3.1 documents: ${links}.</p></noscript>
<div id="ocpi-docs"></div>
<script type="application/json" id="ocpi-docs-config">${scriptJson(config)}</script>
<script src="${assets}/${escapeHtml(encodeURIComponent(site.docs.script.name))}"></script>
<script src="${assets}/${INIT_SCRIPT}"></script>
</body>
</html>
`;
}
