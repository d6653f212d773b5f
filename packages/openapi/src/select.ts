/**
 * A document narrowed to what one server serves, pointed at that server: the operations it routes, the components
 * they use, and `servers` naming where it runs (the generated documents name a placeholder, ocpi.example.com).
 */

/** The parts of an OpenAPI 3.1 document this module reads; everything else is copied as it is. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string; [key: string]: unknown };
  servers?: { url: string; description?: string; [key: string]: unknown }[];
  paths: Record<string, Record<string, unknown>>;
  components?: Record<string, Record<string, unknown>>;
  tags?: { name: string; [key: string]: unknown }[];
  [key: string]: unknown;
}

/** Options of {@link selectOperations}: which operations to keep, and the server URL to name. */
export interface SelectOptions {
  /** The operations kept, by operationId (default: every one). Path items left without one are dropped. */
  operationIds?: Iterable<string>;
  /** The OCPI base URL the paths are relative to, e.g. `https://ocpi.example.com/ocpi`: becomes `servers`. */
  serverUrl?: string;
  /** Fields of `info` to replace (title, description, ...). */
  info?: Partial<OpenApiDocument["info"]>;
}

const METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);
/** Kept whatever the operations: security schemes are named by `security`, never `$ref`ed. */
const UNREFERENCED_KINDS = new Set(["securitySchemes"]);

/** `#/components/<kind>/<name>[/...]` as [kind, name]; other references (external, `$defs` inside) are not ours. */
function componentOf(ref: string): [string, string] | undefined {
  const parts = ref.split("/");
  if (parts[0] !== "#" || parts[1] !== "components" || parts.length < 4) return undefined;
  const decode = (s: string) => s.replace(/~1/g, "/").replace(/~0/g, "~");
  return [decode(parts[2]!), decode(parts[3]!)];
}

/** Every component reference under a node. */
function collectRefs(node: unknown, found: (kind: string, name: string) => void): void {
  if (Array.isArray(node)) for (const item of node) collectRefs(item, found);
  else if (node !== null && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if ((key === "$ref" || key === "$dynamicRef") && typeof value === "string") {
        const component = componentOf(value);
        if (component) found(...component);
      } else collectRefs(value, found);
    }
  }
}

/**
 * A copy of `document` with only the given operations, only the components they reference (transitively), only the
 * tags they use, and `servers` set to `serverUrl`. The input is not changed; kept parts are shared, not cloned.
 */
export function selectOperations(document: OpenApiDocument, options: SelectOptions = {}): OpenApiDocument {
  const keep = options.operationIds === undefined ? undefined : new Set(options.operationIds);
  const paths: OpenApiDocument["paths"] = {};
  const tags = new Set<string>();
  for (const [path, item] of Object.entries(document.paths)) {
    const kept: Record<string, unknown> = {};
    let operations = 0;
    for (const [key, value] of Object.entries(item)) {
      if (!METHODS.has(key)) {
        kept[key] = value;
        continue;
      }
      const operation = value as { operationId?: string; tags?: string[] };
      if (keep && !(operation.operationId !== undefined && keep.has(operation.operationId))) continue;
      kept[key] = value;
      operations++;
      for (const tag of operation.tags ?? []) tags.add(tag);
    }
    if (operations > 0) paths[path] = kept;
  }

  // The closure of references from what is kept: a schema kept may name others.
  const components = document.components ?? {};
  const used = new Map<string, Set<string>>();
  const pending: unknown[] = [paths];
  const rest = Object.fromEntries(Object.entries(document).filter(([k]) => !["paths", "components", "tags", "servers", "info"].includes(k)));
  pending.push(rest);
  while (pending.length) {
    collectRefs(pending.pop(), (kind, name) => {
      const names = used.get(kind) ?? used.set(kind, new Set()).get(kind)!;
      if (names.has(name)) return;
      names.add(name);
      const target = components[kind]?.[name];
      if (target !== undefined) pending.push(target);
    });
  }
  const prunedComponents: Record<string, Record<string, unknown>> = {};
  for (const [kind, entries] of Object.entries(components)) {
    const names = used.get(kind);
    const kept = UNREFERENCED_KINDS.has(kind) ? entries : Object.fromEntries(Object.entries(entries).filter(([name]) => names?.has(name)));
    if (Object.keys(kept).length > 0) prunedComponents[kind] = kept;
  }

  const result: OpenApiDocument = { ...document, info: { ...document.info, ...options.info }, paths };
  if (options.serverUrl !== undefined) result.servers = [{ url: options.serverUrl }];
  if (document.tags) result.tags = document.tags.filter((t) => tags.has(t.name));
  if (document.components) result.components = prunedComponents;
  return result;
}
