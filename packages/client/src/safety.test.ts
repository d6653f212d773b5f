// The client toward a hostile peer, over real HTTP on 127.0.0.1 only: the URL policy (also after DNS and at every
// redirect), the token's origin, the response size cap, the deadline, the client's signal and pagination caps.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { envelope, formatNextLink } from "@ocpi-sdk/protocol";
import { OcpiClient, OcpiPager, type OcpiClientOptions } from "./index.js";
import { safeFetch } from "./runtime/safe-fetch.js";
import { makeLocations } from "./testing/fixtures.js";
import { errorOf } from "./testing/errors.js";
import { startPeer, type Peer } from "./testing/peer.js";

interface Hit {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Raw {
  /** http://127.0.0.1:PORT */
  origin: string;
  port: number;
  hits: Hit[];
  close(): Promise<void>;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A plain node:http server on 127.0.0.1 that records every request; by default it answers an empty envelope. */
async function startRaw(handler?: (req: http.IncomingMessage, res: http.ServerResponse, hit: Hit) => void): Promise<Raw> {
  const hits: Hit[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const hit = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      hits.push(hit);
      if (handler) return handler(req, res, hit);
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify(envelope([])));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  closers.push(close);
  return { origin: `http://127.0.0.1:${port}`, port, hits, close };
}

async function peer(options: Parameters<typeof startPeer>[0] = {}): Promise<Peer> {
  const p = await startPeer(options);
  closers.push(() => p.close());
  return p;
}

/** A 2.2.1 client of endpoints already known (no discovery), reading any answer. */
function clientOf(endpoints: Record<string, string>, options: Partial<OcpiClientOptions<"2.2.1">> = {}) {
  return OcpiClient.restore(
    { versionsUrl: "http://127.0.0.1:9/versions", token: "token-c", versions: ["2.2.1"], validation: "off", retry: false, ...options },
    { version: "2.2.1", endpoints: Object.entries(endpoints).map(([identifier, url]) => ({ identifier, role: "SENDER", url })) },
  );
}

describe("URL policy: the default refuses loopback, before any request", () => {
  const never = async () => {
    throw new Error("looked up");
  };
  it.each<[string, (port: number) => string, Partial<OcpiClientOptions<"2.2.1">>, string]>([
    ["a loopback IPv4 literal", (port) => `http://127.0.0.1:${port}/versions`, {}, "127.0.0.1 is a loopback address; allow it with urlPolicy.allowLoopback"],
    ["localhost", (port) => `http://localhost:${port}/versions`, {}, "localhost is a loopback name"],
    ["a loopback IPv6 literal", (port) => `http://[::1]:${port}/versions`, {}, "::1 is a loopback address"],
    ["a decimal IPv4 (2130706433)", (port) => `http://2130706433:${port}/versions`, {}, "127.0.0.1 is a loopback address"],
    ["a hex IPv4 (0x7f.0.0.1)", (port) => `http://0x7f.0.0.1:${port}/versions`, {}, "127.0.0.1 is a loopback address"],
    ["an IPv4-mapped IPv6", (port) => `http://[::ffff:127.0.0.1]:${port}/versions`, {}, "embeds 127.0.0.1 (IPv4-mapped)"],
    [
      "a name that resolves to loopback",
      (port) => `http://peer.test:${port}/versions`,
      { lookup: async () => ["127.0.0.1"] },
      "peer.test resolves to 127.0.0.1, which is a loopback address",
    ],
    [
      "a name with one loopback address among public ones",
      (port) => `http://peer.test:${port}/versions`,
      { lookup: async () => ["93.184.215.14", "127.0.0.1"] },
      "peer.test resolves to 127.0.0.1",
    ],
    ["a file: URL", () => "file:///etc/passwd", { lookup: never }, "is not an http: or https: URL"],
    ["an ftp: URL", (port) => `ftp://127.0.0.1:${port}/versions`, { lookup: never }, "is not an http: or https: URL"],
  ])("%s", async (_, urlOf, options, message) => {
    const sentinel = await startRaw();
    const error = await errorOf(OcpiClient.connect({ versionsUrl: urlOf(sentinel.port), token: "token-c", retry: false, ...options }));
    expect(error.kind).toBe("unsafe-url");
    expect(error.message).toContain(message);
    expect(sentinel.hits).toHaveLength(0);
  });

  it("looks the host name up with the given lookup", async () => {
    const lookup = vi.fn(async () => ["127.0.0.1"]);
    await errorOf(OcpiClient.connect({ versionsUrl: "http://peer.test:8080/versions", token: "t", lookup }));
    expect(lookup).toHaveBeenCalledWith("peer.test");
  });

  it("checks again when connecting: a name that resolves elsewhere the second time (DNS rebinding) reaches nothing", async () => {
    const sentinel = await startRaw();
    const answers = [["93.184.215.14"], ["127.0.0.1"]];
    const lookup = vi.fn(async () => answers.shift() ?? ["127.0.0.1"]);
    const error = await errorOf(OcpiClient.connect({ versionsUrl: `http://peer.test:${sentinel.port}/versions`, token: "token-c", retry: false, lookup }));
    expect(error.kind).toBe("unsafe-url");
    expect(error.message).toContain("peer.test resolves to 127.0.0.1, which is a loopback address");
    expect(error.message).toContain("when connecting");
    expect(lookup).toHaveBeenCalledTimes(2);
    expect(sentinel.hits).toHaveLength(0);
  });

  it("connects to the address it checked when connecting, the name kept as the Host", async () => {
    const sentinel = await startRaw();
    const lookup = vi.fn(async () => ["127.0.0.1"]);
    const error = await errorOf(
      OcpiClient.connect({ versionsUrl: `http://peer.test:${sentinel.port}/versions`, token: "t", lookup, urlPolicy: { allowLoopback: true } }),
    );
    expect(error.kind).toBe("no-mutual-version");
    expect(sentinel.hits.map((h) => h.headers.host)).toEqual([`peer.test:${sentinel.port}`]);
    expect(lookup.mock.calls).toEqual([["peer.test"], ["peer.test"]]);
  });

  it("lets loopback through with urlPolicy.allowLoopback (the sentinel is live)", async () => {
    const sentinel = await startRaw();
    const error = await errorOf(OcpiClient.connect({ versionsUrl: `${sentinel.origin}/versions`, token: "t", urlPolicy: { allowLoopback: true } }));
    expect(error.kind).toBe("no-mutual-version");
    expect(sentinel.hits).toHaveLength(1);
  });

  it("lets a host:port through with urlPolicy.allowHosts, and only that port", async () => {
    const allowed = await startRaw();
    const other = await startRaw();
    const urlPolicy = { allowHosts: [`127.0.0.1:${allowed.port}`] };
    expect((await errorOf(OcpiClient.connect({ versionsUrl: `${allowed.origin}/versions`, token: "t", urlPolicy }))).kind).toBe("no-mutual-version");
    expect((await errorOf(OcpiClient.connect({ versionsUrl: `${other.origin}/versions`, token: "t", urlPolicy }))).kind).toBe("unsafe-url");
    expect([allowed.hits.length, other.hits.length]).toEqual([1, 0]);
  });

  it("checks endpoints the peer lists: a details URL into loopback is not called", async () => {
    const sentinel = await startRaw();
    const hostile = await startRaw((_, res) => {
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify(envelope([{ version: "2.2.1", url: `${sentinel.origin}/2.2.1` }])));
    });
    const error = await errorOf(
      OcpiClient.connect({ versionsUrl: `${hostile.origin}/versions`, token: "t", urlPolicy: { allowHosts: [`127.0.0.1:${hostile.port}`] } }),
    );
    expect(error).toMatchObject({ kind: "unsafe-url", url: `${sentinel.origin}/2.2.1` });
    expect(sentinel.hits).toHaveLength(0);
  });
});

describe("redirects", () => {
  const redirectTo = (status: number, location: () => string) => (_: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(status, { Location: location() });
    res.end();
  };

  it("re-checks every hop: an allowed peer redirecting to a loopback sentinel is refused", async () => {
    const sentinel = await startRaw();
    const hostile = await startRaw(redirectTo(302, () => `${sentinel.origin}/versions`));
    const error = await errorOf(
      OcpiClient.connect({ versionsUrl: `${hostile.origin}/versions`, token: "t", urlPolicy: { allowHosts: [`127.0.0.1:${hostile.port}`] } }),
    );
    expect(error.kind).toBe("unsafe-url");
    expect(error.message).toContain(`a redirect from ${hostile.origin}/versions`);
    expect(hostile.hits).toHaveLength(1);
    expect(sentinel.hits).toHaveLength(0);
  });

  it.each([
    ["a redirect to a file: URL", "file:///etc/passwd"],
    ["a redirect to the metadata address", "http://169.254.169.254/latest/meta-data/"],
  ])("refuses %s", async (_, location) => {
    const hostile = await startRaw(redirectTo(302, () => location));
    const error = await errorOf(OcpiClient.connect({ versionsUrl: `${hostile.origin}/versions`, token: "t", urlPolicy: { allowLoopback: true } }));
    expect(error.kind).toBe("unsafe-url");
  });

  it.each<[string, boolean]>([
    ["the same origin", true],
    ["another origin (another port)", false],
  ])("sends the token on a redirect to %s: %s", async (_, same) => {
    const target = await startRaw();
    const first = await startRaw((req, res, hit) => {
      if (hit.url.startsWith("/moved")) return void res.end(JSON.stringify(envelope([])));
      redirectTo(307, () => (same ? `http://127.0.0.1:${firstPort()}/moved` : `${target.origin}/moved`))(req, res);
    });
    const firstPort = () => first.port;
    const client = clientOf({ locations: `${first.origin}/locations` }, { urlPolicy: { allowLoopback: true } });
    await client.locations.sender.list();
    const moved = same ? first.hits[1]! : target.hits[0]!;
    expect(moved.url).toBe("/moved");
    expect(first.hits[0]!.headers.authorization).toMatch(/^Token /);
    expect(moved.headers.authorization).toBe(same ? first.hits[0]!.headers.authorization : undefined);
  });

  it("does not send the token again when a later hop comes back to the origin", async () => {
    let origin = "";
    const other = await startRaw(redirectTo(302, () => `${origin}/back`));
    const first = await startRaw((req, res, hit) => {
      if (hit.url === "/back") return void res.end(JSON.stringify(envelope([])));
      redirectTo(302, () => `${other.origin}/away`)(req, res);
    });
    origin = first.origin;
    await clientOf({ locations: `${first.origin}/locations` }, { urlPolicy: { allowLoopback: true } }).locations.sender.list();
    expect(first.hits.map((h) => [h.url, h.headers.authorization !== undefined])).toEqual([
      ["/locations", true],
      ["/back", false],
    ]);
    expect(other.hits[0]!.headers.authorization).toBeUndefined();
  });

  it.each<[number, string, string, string]>([
    [301, "PUT", "PUT", '{"a":1}'],
    [302, "POST", "GET", ""],
    [303, "PUT", "GET", ""],
    [307, "POST", "POST", '{"a":1}'],
    [308, "PUT", "PUT", '{"a":1}'],
  ])("%i turns %s into %s", async (status, method, expectedMethod, expectedBody) => {
    let done = false;
    const server = await startRaw((req, res) => {
      if (done) return void res.end("ok");
      done = true;
      redirectTo(status, () => "/next")(req, res);
    });
    const fetch = safeFetch((r) => globalThis.fetch(r), { policy: { allowLoopback: true }, maxRedirects: 5, maxResponseBytes: 1000 });
    const response = await fetch(new Request(`${server.origin}/first`, { method, body: '{"a":1}', headers: { "Content-Type": "application/json" } }));
    expect(await response.text()).toBe("ok");
    expect(server.hits[1]).toMatchObject({ url: "/next", method: expectedMethod, body: expectedBody });
    expect(server.hits[1]!.headers["content-type"]).toBe(expectedBody ? "application/json" : undefined);
  });

  it("follows at most maxRedirects hops", async () => {
    const server = await startRaw(redirectTo(302, () => `/loop${Math.random()}`));
    const client = clientOf({ locations: `${server.origin}/locations` }, { urlPolicy: { allowLoopback: true }, maxRedirects: 3 });
    const error = await errorOf(client.locations.sender.list());
    expect(error).toMatchObject({ kind: "limit", message: expect.stringContaining("more than 3 redirects (maxRedirects)") });
    expect(server.hits).toHaveLength(4);
  });
});

describe("response size cap", () => {
  const MB = 1024 * 1024;

  /** Answers `total` bytes of JSON-ish filler, chunked (no Content-Length) or with one; counts what it wrote. */
  async function bigPeer(total: number, chunked: boolean) {
    const state = { written: 0, finished: false };
    const server = await startRaw((_, res) => {
      res.writeHead(200, chunked ? { "Content-Type": "application/json" } : { "Content-Type": "application/json", "Content-Length": String(total) });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (state.written < total) {
          state.written += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        state.finished = true;
        res.end();
      };
      res.on("close", () => res.removeAllListeners("drain"));
      pump();
    });
    return { server, state };
  }

  it.each<[string, boolean]>([
    ["a 50 MB chunked answer, without reading it all", true],
    ["a 50 MB Content-Length, at once", false],
  ])("fails %s", async (_, chunked) => {
    const { server, state } = await bigPeer(50 * MB, chunked);
    const client = clientOf({ locations: `${server.origin}/locations` }, { urlPolicy: { allowLoopback: true } });
    const error = await errorOf(client.locations.sender.list());
    expect(error.kind).toBe("too-large");
    expect(error.message).toContain(`larger than maxResponseBytes (${4 * MB} bytes)`);
    await new Promise((r) => setTimeout(r, 50));
    expect(state.finished).toBe(false);
    expect(state.written).toBeLessThan(25 * MB);
  });

  it("takes maxResponseBytes, and passes an answer within it", async () => {
    const answer = JSON.stringify(envelope(makeLocations(3)));
    // Chunked, so that the counter (not Content-Length) is what refuses the larger one.
    const server = await startRaw((_, res) => {
      res.write(answer.slice(0, 100));
      res.end(answer.slice(100));
    });
    const ok = clientOf({ locations: `${server.origin}/locations` }, { urlPolicy: { allowLoopback: true }, maxResponseBytes: Buffer.byteLength(answer) });
    expect((await ok.locations.sender.list()).data).toHaveLength(3);
    const small = clientOf(
      { locations: `${server.origin}/locations` },
      { urlPolicy: { allowLoopback: true }, maxResponseBytes: Buffer.byteLength(answer) - 1 },
    );
    expect((await errorOf(small.locations.sender.list())).kind).toBe("too-large");
  });
});

describe("deadline and the client's signal", () => {
  /** Accepts requests and never answers. */
  const silentPeer = () => startRaw(() => {});

  it.each<[string, Partial<OcpiClientOptions<"2.2.1">>]>([
    ["retries that would outlast it", { timeoutMs: 100, deadlineMs: 400, retry: { retries: 100, baseDelayMs: 1, maxDelayMs: 1 } }],
    ["one long attempt", { timeoutMs: 30_000, deadlineMs: 300 }],
  ])("a silent peer fails within the deadline: %s", async (_, options) => {
    const server = await silentPeer();
    const client = clientOf({ locations: `${server.origin}/locations` }, { urlPolicy: { allowLoopback: true }, ...options });
    const started = Date.now();
    const error = await errorOf(client.locations.sender.list());
    const elapsed = Date.now() - started;
    expect(error.kind).toBe("timeout");
    expect(error.message).toContain(`deadline of ${options.deadlineMs} ms`);
    expect(elapsed).toBeLessThan(options.deadlineMs! + 1000);
  });

  it("a deadline per call", async () => {
    const server = await silentPeer();
    const client = clientOf({ locations: `${server.origin}/locations` }, { urlPolicy: { allowLoopback: true } });
    const error = await errorOf(client.locations.sender.list({}, { deadlineMs: 100 }));
    expect(error).toMatchObject({ kind: "timeout", message: expect.stringContaining("deadline of 100 ms") });
  });

  it("the client's signal aborts a call at once, and every later call", async () => {
    const server = await silentPeer();
    const controller = new AbortController();
    const client = clientOf({ locations: `${server.origin}/locations` }, { urlPolicy: { allowLoopback: true }, signal: controller.signal });
    const call = errorOf(client.locations.sender.list());
    await vi.waitFor(() => expect(server.hits).toHaveLength(1));
    const started = Date.now();
    controller.abort();
    const error = await call;
    expect(Date.now() - started).toBeLessThan(200);
    expect(error).toMatchObject({ kind: "network", message: "locationsSenderList: aborted" });
    expect((await errorOf(client.locations.sender.list())).message).toContain("aborted");
    expect(server.hits).toHaveLength(1);
  });
});

describe("pagination toward a hostile peer", () => {
  it("refuses a next Link to another origin in link mode, which receives no request", async () => {
    const other = await startRaw();
    const p = await peer({
      overrides: {
        locationsSenderList: (c) => c.json(envelope(makeLocations(2)), 200, { Link: formatNextLink(`${other.origin}/ocpi/2.2.1/locations/sender?offset=2`) }),
      },
    });
    const client = await OcpiClient.connect({ versionsUrl: p.versionsUrl, token: "token-c", versions: ["2.2.1"], urlPolicy: { allowLoopback: true } });
    const error = await errorOf(client.locations.sender.all(undefined, { pagination: { mode: "link" } }).toArray());
    expect(error.kind).toBe("unsafe-url");
    expect(error.message).toContain(`refused the next-page Link ${other.origin}/ocpi/2.2.1/locations/sender?offset=2`);
    expect(other.hits).toHaveLength(0);
  });

  const endless = () =>
    peer({
      overrides: {
        locationsSenderList: (c) => {
          const url = new URL(c.req.url);
          const offset = Number(url.searchParams.get("offset") ?? 0);
          url.searchParams.set("offset", String(offset + 2));
          return c.json(envelope(makeLocations(2)), 200, { Link: formatNextLink(url.href) });
        },
      },
    });

  it.each<[string, Partial<OcpiClientOptions<"2.2.1">>, object, string, number]>([
    ["maxPages per call", {}, { pagination: { maxPages: 5 } }, "the peer links on past 5 pages (pagination.maxPages)", 5],
    ["maxPages of the client", { pagination: { maxPages: 3 } }, {}, "the peer links on past 3 pages (pagination.maxPages)", 3],
    ["maxItems", { pagination: { maxItems: 7 } }, {}, "more than 7 objects (pagination.maxItems)", 4],
  ])("an endlessly changing Link ends at %s", async (_, clientOptions, callOptions, message, requests) => {
    const p = await endless();
    const client = await OcpiClient.connect({
      versionsUrl: p.versionsUrl,
      token: "token-c",
      versions: ["2.2.1"],
      urlPolicy: { allowLoopback: true },
      ...clientOptions,
    });
    const error = await errorOf(client.locations.sender.all({}, callOptions).toArray());
    expect(error).toMatchObject({ kind: "limit", message: `locationsSenderList: ${message}` });
    expect(p.requests.filter((r) => r.operationId === "locationsSenderList")).toHaveLength(requests);
  });

  it("an endlessly changing Link ends at maxDurationMs", async () => {
    const p = await endless();
    const client = await OcpiClient.connect({ versionsUrl: p.versionsUrl, token: "token-c", versions: ["2.2.1"], urlPolicy: { allowLoopback: true } });
    const error = await errorOf(client.locations.sender.all({}, { pagination: { maxDurationMs: 100 } }).toArray());
    expect(error).toMatchObject({ kind: "limit", message: expect.stringContaining("longer than 100 ms (pagination.maxDurationMs)") });
  });

  it("the default maxPages (10 000) ends a changing Link too", async () => {
    // In memory: 10 000 pages over HTTP would make a slow test for what the cases above show.
    let n = 0;
    const pager = new OcpiPager<number>(async (step) => ({
      data: [n],
      url: step && "link" in step ? step.link : "https://cpo.example.com/ocpi/locations",
      next: `https://cpo.example.com/ocpi/locations?offset=${++n}`,
      statusCode: 1000,
      timestamp: "2024-01-01T00:00:00Z",
      httpStatus: 200,
      headers: new Headers(),
      requestId: "r",
      correlationId: "c",
    }));
    const error = await errorOf(pager.toArray());
    expect(error).toMatchObject({ kind: "limit", message: "pagination: the peer links on past 10000 pages (pagination.maxPages)" });
    expect(n).toBe(10_000);
  });
});
