/**
 * A scripted OCPI 2.2.1 peer over real HTTP on 127.0.0.1, for the client's tests and benchmark: versions and
 * version details for every module in the SDK's URL layout, a paginated locations list, and for every other
 * operation a valid answer built from the fixtures. Every request is recorded; any operation can be overridden.
 */
import { serve, type ServerType } from "@hono/node-server";
import { Hono, type Context } from "hono";
import { envelope, formatNextLink, OcpiStatus, tokenCandidates } from "@ocpi-sdk/protocol";
import { operations } from "../generated/2.2.1/index.gen.js";
import type { OperationInfo } from "../runtime/operations.js";
import { sample } from "./fixtures.js";

export interface RecordedRequest {
  operationId: string;
  method: string;
  url: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
}

export interface PeerOptions {
  /** Tokens the peer accepts. */
  tokens?: string[];
  /** How the peer reads the Authorization header: `base64` (2.2.1 as specified), `raw` (2.1.1-era), or `either`. */
  tokenMode?: "base64" | "raw" | "either";
  /** Versions listed by the versions endpoint (default 2.1.1 and 2.2.1; only 2.2.1 has details). */
  versions?: string[];
  /** Locations served by the locations sender list. */
  locations?: unknown[];
  /** Page size when the request sets no limit, and the X-Limit cap. */
  maxLimit?: number;
  /** Replace the answer to an operation. */
  overrides?: Partial<Record<keyof typeof operations | string, (c: Context, request: RecordedRequest) => Response | Promise<Response>>>;
}

export interface Peer {
  /** The peer's OCPI base URL, e.g. http://127.0.0.1:45678/ocpi */
  base: string;
  versionsUrl: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const ok = (c: Context, data?: unknown, headers?: Record<string, string>) => c.json(envelope(data), 200, headers);

/** The path the operation's interface is served at: its layout path without the operation's own path. */
const endpointPath = (info: OperationInfo) => info.layoutPath.slice(0, info.layoutPath.length - info.path.length);

function authorized(header: string | undefined, options: PeerOptions): boolean {
  const tokens = options.tokens ?? ["token-c"];
  const mode = options.tokenMode ?? "base64";
  const raw = /^Token\s+(\S+)$/i.exec(header ?? "")?.[1];
  if (!raw) return false;
  const candidates = tokenCandidates(header) ?? [];
  if (mode === "raw") return tokens.includes(raw);
  const decoded = candidates.length > 1 ? candidates[0] : undefined;
  if (mode === "base64") return decoded !== undefined && tokens.includes(decoded);
  return candidates.some((t) => tokens.includes(t));
}

export function peerApp(options: PeerOptions, requests: RecordedRequest[], base: () => string): Hono {
  const app = new Hono();
  const locations = options.locations ?? [];
  const maxLimit = options.maxLimit ?? 100;
  const all = Object.values(operations) as OperationInfo[];

  const defaultAnswer = (c: Context, info: OperationInfo): Response => {
    if (info.operationId === "versions") {
      return ok(
        c,
        (options.versions ?? ["2.1.1", "2.2.1"]).map((version) => ({ version, url: `${base()}/${version}` })),
      );
    }
    if (info.operationId === "versionDetails") {
      const seen = new Set<string>();
      const endpoints = all
        .filter((op) => op.url === "endpoint" && op.interface !== undefined)
        .filter((op) => !seen.has(`${op.module}:${op.interface}`) && seen.add(`${op.module}:${op.interface}`))
        .map((op) => ({ identifier: op.module, role: op.interface, url: `${base()}${endpointPath(op)}` }));
      return ok(c, { version: "2.2.1", endpoints });
    }
    if (info.operationId === "locationsSenderList") {
      const url = new URL(c.req.url);
      const offset = Number(url.searchParams.get("offset") ?? 0);
      const limit = Math.min(Number(url.searchParams.get("limit") ?? maxLimit), maxLimit);
      const headers: Record<string, string> = { "X-Total-Count": String(locations.length), "X-Limit": String(maxLimit) };
      if (offset + limit < locations.length) {
        url.searchParams.set("offset", String(offset + limit));
        url.searchParams.set("limit", String(limit));
        headers.Link = formatNextLink(url.href);
      }
      return ok(c, locations.slice(offset, offset + limit), headers);
    }
    if (!info.response) return ok(c);
    const value = sample("2.2.1", info.response.validator.name);
    return ok(c, info.response.list ? [value] : value);
  };

  for (const info of all) {
    const route = `/ocpi${info.layoutPath.replace(/\{([a-z_]+)\}/g, ":$1")}`;
    app.on(info.method, route, async (c) => {
      const url = new URL(c.req.url);
      const text = await c.req.text();
      const request: RecordedRequest = {
        operationId: info.operationId,
        method: c.req.method,
        url: c.req.url,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: Object.fromEntries(c.req.raw.headers),
        body: text ? (JSON.parse(text) as unknown) : undefined,
      };
      requests.push(request);
      if (!authorized(c.req.header("Authorization"), options)) {
        return c.json(envelope(undefined, OcpiStatus.ClientError, "unknown token"), 401);
      }
      const override = options.overrides?.[info.operationId];
      return override ? override(c, request) : defaultAnswer(c, info);
    });
  }
  return app;
}

export async function startPeer(options: PeerOptions = {}): Promise<Peer> {
  const requests: RecordedRequest[] = [];
  let base = "";
  const app = peerApp(options, requests, () => base);
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the peer has no TCP address");
  base = `http://127.0.0.1:${address.port}/ocpi`;
  return {
    base,
    versionsUrl: `${base}/versions`,
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
