/** A self-contained HTML page listing what a server serves, drawn from its OpenAPI document (no scripts, no CDN). */

export interface OpenApiDocument {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, { operationId: string; summary?: string; requestBody?: unknown; responses?: unknown }>>;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The `$ref`ed schema names in a fragment of the document, e.g. the request body's `Location`. */
function schemaNames(node: unknown): string[] {
  const names = new Set<string>();
  const walk = (n: unknown) => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === "object") {
      for (const [k, v] of Object.entries(n)) {
        if (k === "$ref" && typeof v === "string" && v.startsWith("#/components/schemas/") && !v.endsWith("/OcpiResponse")) names.add(v.split("/").pop()!);
        else walk(v);
      }
    }
  };
  walk(node);
  return [...names];
}

export function docsPage(document: OpenApiDocument, served: string[]): string {
  const rows: string[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!served.includes(op.operationId)) continue;
      rows.push(
        `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escape(path)}</code></td><td>${escape(op.summary ?? "")}</td>` +
          `<td>${schemaNames(op.requestBody).map(escape).join(", ")}</td><td>${schemaNames(op.responses).map(escape).join(", ")}</td></tr>`,
      );
    }
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(document.info.title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left;vertical-align:top}code{font-size:13px}</style>
</head><body>
<h1>${escape(document.info.title)}</h1>
<p>${escape(document.info.description ?? "")}</p>
<p>Machine-readable: <a href="openapi.json">openapi.json</a> (OpenAPI 3.1). Paths are relative to the OCPI base URL; each module's real URL is listed in version details.</p>
<table><thead><tr><th>Method</th><th>Path</th><th>What it does</th><th>Request body</th><th>Response data</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody></table>
</body></html>
`;
}
