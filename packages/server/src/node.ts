/** Node adapter: serves an OCPI server over HTTP with @hono/node-server (the rest of the package runs anywhere). */
import { serve, type ServerType } from "@hono/node-server";
import type { OcpiServer } from "./runtime/server.js";
import type { ServedVersion } from "./runtime/versions.js";

export { API_REFERENCE_VERSION, apiReferenceScript } from "./runtime/docs-node.js";
export { directoryStorage, fileStorage, MemoryStore } from "./store/node.js";
export type { DirectoryStorageOptions, NodeMemoryStoreOptions } from "./store/node.js";

/** A server listening on a port (see {@link listen}). */
export interface Listening<S extends OcpiServer<ServedVersion>> {
  /** The server, built once its public URL was known. */
  server: S;
  /** `http://host:port` */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Listens on a port (0: any free one) and builds the server once its public URL is known, since an OCPI server
 * publishes absolute URLs (versions, endpoints, pagination links, response_urls).
 */
export async function listen<S extends OcpiServer<ServedVersion>>(
  build: (publicUrl: string) => S,
  { port = 0, hostname = "127.0.0.1", publicUrl }: { port?: number; hostname?: string; publicUrl?: string } = {},
): Promise<Listening<S>> {
  let handler: ((request: Request) => Response | Promise<Response>) | undefined;
  const http: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: (request: Request) => handler!(request), port, hostname }, () => resolve(s));
    s.once("error", reject);
  });
  const address = http.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  const url = publicUrl ?? `http://${hostname}:${address.port}`;
  const server = build(url);
  handler = (request) => server.app.fetch(request);
  return {
    server,
    url,
    port: address.port,
    close: async () => {
      // Outgoing calls are aborted, not waited for: a slow peer never holds up a shutdown.
      server.close();
      await server.idle();
      await new Promise<void>((resolve, reject) => http.close((e) => (e ? reject(e) : resolve())));
    },
  };
}
