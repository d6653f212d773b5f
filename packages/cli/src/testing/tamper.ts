/**
 * A deliberately broken peer for the conformance tests: an HTTP proxy in front of a mock peer that changes what the
 * mock answers (a header dropped, an object spoiled, a status changed). The mock is started with the proxy's URL as
 * its public URL, so that every URL it hands out (details, endpoints, Links) leads through the proxy.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startMockPeer, type MockPeer, type MockPeerOptions } from "../mock/peer.js";

export interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

/** Changes an answer of the mock; `request` is what the proxy received. */
export type Fault = (request: { method: string; url: URL; headers: Headers }, answer: Answer) => Answer;

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/** A mock peer behind a proxy applying `fault` to its answers (and `rewrite` to the requests it passes on). */
export async function startBrokenPeer(
  fault: Fault,
  options: Omit<MockPeerOptions, "publicUrl">,
  rewrite: (url: URL) => URL = (url) => url,
): Promise<MockPeer & { proxyUrl: string }> {
  let target = "";
  const proxy: Server = createServer((req, res) => {
    void (async () => {
      const url = rewrite(new URL(req.url ?? "/", target));
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === "string" && name !== "host" && name !== "connection") headers.set(name, value);
      const body = req.method === "GET" || req.method === "HEAD" ? undefined : await readBody(req);
      const upstream = await fetch(url, { method: req.method ?? "GET", headers, ...(body?.length ? { body } : {}), redirect: "manual" });
      const proxied = new URL(req.url ?? "/", proxyUrl);
      const answer = fault(
        { method: req.method ?? "GET", url: proxied, headers },
        { status: upstream.status, headers: new Headers(upstream.headers), body: await upstream.text() },
      );
      answer.headers.delete("content-length");
      answer.headers.delete("content-encoding");
      answer.headers.delete("transfer-encoding");
      res.writeHead(answer.status, Object.fromEntries(answer.headers));
      res.end(answer.body);
    })().catch((error: unknown) => {
      res.writeHead(502);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const mock = await startMockPeer({ ...options, publicUrl: proxyUrl });
  // Not mock.url: that is its public URL, the proxy.
  target = `http://127.0.0.1:${mock.port}`;
  const closeMock = mock.close;
  return Object.assign(mock, {
    proxyUrl,
    close: async () => {
      await closeMock();
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  });
}

/** Whether a request is the first page of a module's list (`/ocpi/2.2.1/locations/sender` or the 2.1.1 form). */
export const isList = (url: URL, module: string) => new RegExp(`/${module}(/sender)?$`).test(url.pathname);

/** The envelope of an answer, changed by `change`. */
export function editJson(answer: Answer, change: (body: { data?: unknown; status_code?: number; timestamp?: string }) => void): Answer {
  const body = JSON.parse(answer.body) as { data?: unknown };
  change(body);
  return { ...answer, body: JSON.stringify(body) };
}
