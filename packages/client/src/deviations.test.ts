// The client toward peers that deviate from the spec, over real HTTP on 127.0.0.1: paging around unusable Links,
// auth errors under other statuses, what is retried, extra and renamed query parameters, endpoints added and URLs
// rewritten by a peer profile, and each kind of deviation reported once.
import type { Context } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { envelope, formatNextLink, type PeerProfile } from "@ocpi-sdk/protocol";
import type { Location } from "@ocpi-sdk/types/2.2.1";
import { OcpiClient, type Deviation, type OcpiClientOptions } from "./index.js";
import { makeLocations, sample } from "./testing/fixtures.js";
import { errorOf } from "./testing/errors.js";
import { startPeer, type Peer, type PeerOptions } from "./testing/peer.js";

const peers: Peer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

async function setup(peerOptions: PeerOptions = {}, clientOptions: Partial<OcpiClientOptions<"2.2.1">> = {}) {
  const peer = await startPeer(peerOptions);
  peers.push(peer);
  const client = await OcpiClient.connect({
    versionsUrl: peer.versionsUrl,
    token: "token-c",
    versions: ["2.2.1"],
    urlPolicy: { allowLoopback: true },
    retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 1 },
    // Deviations are warnings on the console by default: silent here, captured where a test is about it.
    logger: false,
    ...clientOptions,
  });
  return { peer, client };
}

const LOCATIONS = makeLocations(25);
const listed = (peer: Peer) => peer.requests.filter((r) => r.operationId === "locationsSenderList");

/** A locations list that pages by offset/limit (10 per page) and writes its next Link with `link(offset)`. */
const pagedWith = (link: (next: URL, c: Context) => string) => ({
  locationsSenderList: (c: Context) => {
    const url = new URL(c.req.url);
    if (url.searchParams.has("broken")) return c.text("Not Found", 404);
    const offset = Number(url.searchParams.get("offset") ?? 0);
    const headers: Record<string, string> = { "X-Total-Count": "25", "X-Limit": "10" };
    if (offset + 10 < 25) {
      url.searchParams.set("offset", String(offset + 10));
      headers.Link = link(url, c);
    }
    return c.json(envelope(LOCATIONS.slice(offset, offset + 10)), 200, headers);
  },
});

describe("paging around an unusable next-page Link", () => {
  it.each<[string, (next: URL) => string]>([
    ["a Link to a hard-coded host", (next) => formatNextLink(`http://localhost:8000${next.pathname}${next.search}`)],
    ["a Link that is not a URL", () => '<http://[::1/ocpi>; rel="next"'],
    ["a Link whose request fails (404)", (next) => formatNextLink(`${next.origin}${next.pathname}?broken=1`)],
    ["a Link to a path that does not exist", (next) => formatNextLink(`${next.origin}/ocpi/2.2.1/ModuleID.locations/sender${next.search}`)],
  ])("auto (default): %s, then offset/limit on the original query", async (_, link) => {
    const onDeviation = vi.fn();
    const { peer, client } = await setup({ overrides: pagedWith(link) }, { onDeviation });
    const pager = client.locations.sender.all({ date_from: "2024-01-01T00:00:00Z" });
    const all = await pager.toArray();
    expect(all.map((l) => l.id)).toEqual(LOCATIONS.map((l) => l.id));
    expect(pager.mode).toBe("offset");
    const offsets = listed(peer)
      .filter((r) => !("broken" in r.query) && !r.path.includes("ModuleID"))
      .map((r) => [r.query.offset, r.query.date_from]);
    expect(offsets).toEqual([
      [undefined, "2024-01-01T00:00:00Z"],
      ["10", "2024-01-01T00:00:00Z"],
      ["20", "2024-01-01T00:00:00Z"],
    ]);
    expect(onDeviation).toHaveBeenCalledTimes(1);
    expect(onDeviation).toHaveBeenCalledWith(expect.objectContaining({ code: "pagination-fallback", operationId: "locationsSenderList" }));
  });

  it("auto follows a usable Link and reports nothing", async () => {
    const onDeviation = vi.fn();
    const { peer, client } = await setup({ overrides: pagedWith((next) => formatNextLink(`${next.href}&cursor=abc`)) }, { onDeviation });
    expect(await client.locations.sender.all().toArray()).toHaveLength(25);
    expect(listed(peer).map((r) => r.query.cursor)).toEqual([undefined, "abc", "abc"]);
    expect(onDeviation).not.toHaveBeenCalled();
  });

  it("link mode fails on a Link whose request fails", async () => {
    const { client } = await setup({ overrides: pagedWith((next) => formatNextLink(`${next.origin}${next.pathname}?broken=1`)) });
    const error = await errorOf(client.locations.sender.all(undefined, { pagination: { mode: "link" } }).toArray());
    expect(error).toMatchObject({ kind: "http", httpStatus: 404 });
  });

  it("link mode fails on a Link that is not a URL", async () => {
    const { client } = await setup({ overrides: pagedWith(() => '<http://[::1/ocpi>; rel="next"') });
    const error = await errorOf(client.locations.sender.all(undefined, { pagination: { mode: "link" } }).toArray());
    expect(error).toMatchObject({ kind: "invalid-response", message: expect.stringContaining("is not a URL") });
  });

  it("offset mode (the profile's) never follows a Link, and keeps the caller's offset and limit", async () => {
    const { peer, client } = await setup({ overrides: pagedWith(() => formatNextLink("http://localhost:8000/never")) }, { profile: { pagination: "offset" } });
    const all = await client.locations.sender.all({ offset: 5, limit: 10 }).toArray();
    expect(all.map((l) => l.id)).toEqual(LOCATIONS.slice(5).map((l) => l.id));
    expect(listed(peer).map((r) => [r.query.offset, r.query.limit])).toEqual([
      ["5", "10"],
      ["15", "10"],
    ]);
  });

  it.each<[string, Record<string, string>, number]>([
    ["X-Total-Count reached", { "X-Total-Count": "12" }, 2],
    ["a page shorter than X-Limit", { "X-Limit": "10" }, 2],
    ["a page without a Link (no count headers)", {}, 1],
  ])("offset mode stops at %s", async (_, headers, requests) => {
    const items = makeLocations(12);
    const { peer, client } = await setup(
      {
        overrides: {
          locationsSenderList: (c: Context) => {
            const offset = Number(new URL(c.req.url).searchParams.get("offset") ?? 0);
            return c.json(envelope(items.slice(offset, offset + 10)), 200, headers);
          },
        },
      },
      { pagination: { mode: "offset" } },
    );
    const all = await client.locations.sender.all().toArray();
    expect(all).toHaveLength(requests === 1 ? 10 : 12);
    expect(listed(peer)).toHaveLength(requests);
  });
});

describe("the pager reads one page ahead, no more", () => {
  it("asks for the next page before handing on the current one; a walk ended early leaves one request unused, and nothing unhandled", async () => {
    const { peer, client } = await setup({ locations: LOCATIONS, maxLimit: 5 });
    const unhandled = vi.fn();
    process.on("unhandledRejection", unhandled);
    try {
      const seen: string[] = [];
      for await (const location of client.locations.sender.all()) {
        seen.push(location.id);
        // While the first page is used, the second is on its way; never a third.
        expect(listed(peer).length).toBeLessThanOrEqual(2);
        if (seen.length === 5) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(listed(peer)).toHaveLength(2);
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off("unhandledRejection", unhandled);
    }
  });

  it("offset paging counts the objects left out as invalid, so none is asked for twice", async () => {
    const items = makeLocations(12).map((l, i) => (i === 3 ? { ...l, parking_type: "ON_ROOF" } : l));
    const { peer, client } = await setup(
      {
        overrides: {
          locationsSenderList: (c: Context) => {
            const offset = Number(new URL(c.req.url).searchParams.get("offset") ?? 0);
            return c.json(envelope(items.slice(offset, offset + 5)), 200, { "X-Total-Count": "12", "X-Limit": "5" });
          },
        },
      },
      { pagination: { mode: "offset" } },
    );
    const all = await client.locations.sender.all().toArray();
    expect(all).toHaveLength(11);
    expect(listed(peer).map((r) => r.query.offset)).toEqual([undefined, "5", "10"]);
  });
});

describe("auth errors, whatever the HTTP status", () => {
  const refuse = (status: number, body: unknown) => ({ locationsSenderList: (c: Context) => c.json(body, status as 200) });

  it.each<[string, number, unknown, PeerProfile | undefined, string, boolean]>([
    ["401 with 2000", 401, envelope(undefined, 2000, "Unknown token"), undefined, "auth", false],
    ["403 with 2000", 403, envelope(undefined, 2000, "Forbidden"), undefined, "auth", false],
    ["500 with 2000 about the token", 500, envelope(undefined, 2000, "Unauthorized: invalid or missing token"), undefined, "auth", true],
    ["200 with 2000 about the token", 200, envelope(undefined, 2000, "Invalid token"), undefined, "auth", true],
    ["500 with a status the profile names", 500, envelope(undefined, 2099, "Nope"), { authErrors: { statusCodes: [2099] } }, "auth", true],
    ["500 with a message the profile names", 500, envelope(undefined, 2000, "Wer bist du?"), { authErrors: { messagePattern: "wer bist" } }, "auth", true],
    ["500 with 2000 about something else", 500, envelope(undefined, 2000, "Bad date_from"), undefined, "http", false],
    ["404 with 2004 unknown token (not an auth error)", 404, envelope(undefined, 2004, "Unknown token"), undefined, "http", false],
  ])("%s", async (_, status, body, profile, kind, reported) => {
    const onDeviation = vi.fn();
    const { peer, client } = await setup({ overrides: refuse(status, body) }, { onDeviation, ...(profile ? { profile } : {}) });
    const error = await errorOf(client.locations.sender.list());
    expect(error.kind).toBe(kind);
    expect(error.httpStatus).toBe(status);
    // An OCPI client error is final: not retried.
    expect(listed(peer)).toHaveLength(1);
    expect(onDeviation.mock.calls.some((call) => (call[0] as Deviation).code === "auth-error-status")).toBe(reported);
  });
});

describe("what is retried: only what may pass", () => {
  it.each<[string, number, unknown, Record<string, string>, number]>([
    ["a 503 without a body", 503, undefined, {}, 3],
    ["a 500 with an OCPI server error", 500, envelope(undefined, 3000, "Busy"), {}, 3],
    ["a 500 with an OCPI client error", 500, envelope(undefined, 2001, "date_from: invalid"), {}, 1],
    ["a 429 with Retry-After", 429, envelope(undefined, 2000, "slow down"), { "Retry-After": "0" }, 3],
    ["a 429 without Retry-After", 429, envelope(undefined, 2000, "slow down"), {}, 1],
    ["a 429 asking for too long a wait", 429, undefined, { "Retry-After": "3600" }, 1],
    ["a 404", 404, envelope(undefined, 2003, "Unknown location"), {}, 1],
  ])("%s", async (_, status, body, headers, requests) => {
    const { peer, client } = await setup({
      overrides: { locationsSenderList: (c: Context) => (body === undefined ? c.text("", status as 200, headers) : c.json(body, status as 200, headers)) },
    });
    await errorOf(client.locations.sender.list());
    expect(listed(peer)).toHaveLength(requests);
  });

  it("a 429 with Retry-After then an answer: the answer", async () => {
    let calls = 0;
    const { client } = await setup({
      overrides: {
        locationsSenderList: (c: Context) =>
          ++calls === 1 ? c.json(envelope(undefined, 2000, "slow down"), 429, { "Retry-After": "0" }) : c.json(envelope(makeLocations(2))),
      },
    });
    expect((await client.locations.sender.list()).data).toHaveLength(2);
  });
});

describe("query parameters: extra per call, renamed per peer", () => {
  it("a call's query adds parameters and removes one with null", async () => {
    const { peer, client } = await setup({ locations: LOCATIONS });
    await client.locations.sender.list({ limit: 5, date_from: "2024-01-01T00:00:00Z" }, { query: { vendor_flag: "yes", limit: null } });
    expect(listed(peer)[0]!.query).toEqual({ date_from: "2024-01-01T00:00:00Z", vendor_flag: "yes" });
  });

  it.each<[string, PeerProfile["queryRenames"]]>([
    ["for the operation", { tokensSenderAuthorize: { type: "token_type" } }],
    ["for every call", { "*": { type: "token_type" } }],
  ])("the profile renames a parameter %s", async (_, queryRenames) => {
    const { peer, client } = await setup({}, { profile: { queryRenames: queryRenames! } });
    await client.tokens.sender.authorize({ token_uid: "012345678", type: "RFID" });
    const request = peer.requests.find((r) => r.operationId === "tokensSenderAuthorize")!;
    expect(request.query).toEqual({ token_type: "RFID" });
  });
});

describe("endpoints and URLs from the profile", () => {
  /** Version details listing every endpoint at `host` instead of the peer's own origin, and no commands receiver. */
  const details = (host: (c: Context) => string) => ({
    versionDetails: (c: Context) => {
      const origin = new URL(c.req.url).origin;
      return c.json(
        envelope({
          version: "2.2.1",
          endpoints: [
            { identifier: "credentials", role: "RECEIVER", url: `${host(c)}/ocpi/2.2.1/credentials` },
            { identifier: "locations", role: "SENDER", url: `${host(c)}/ocpi/2.2.1/locations/sender` },
          ].map((e) => ({ ...e, url: e.url.replace(origin, host(c)) })),
        }),
      );
    },
  });

  it("adds an endpoint the details leave out, and calls it", async () => {
    const peer = await startPeer({ overrides: details((c) => new URL(c.req.url).origin) });
    peers.push(peer);
    const onDeviation = vi.fn();
    const client = await OcpiClient.connect({
      versionsUrl: peer.versionsUrl,
      token: "token-c",
      versions: ["2.2.1"],
      urlPolicy: { allowLoopback: true },
      profile: { endpoints: [{ identifier: "commands", role: "RECEIVER", url: `${peer.base}/2.2.1/commands/receiver` }] },
      onDeviation,
    });
    expect(client.endpoints.map((e) => `${e.identifier}:${e.role}`)).toEqual(["credentials:RECEIVER", "locations:SENDER", "commands:RECEIVER"]);
    await client.commands.receiver.unlockConnector({
      body: { response_url: "https://emsp.example.com/ocpi/2.2.1/commands/UNLOCK_CONNECTOR/1", location_id: "L1", evse_uid: "E1", connector_id: "1" },
    });
    expect(peer.requests.map((r) => r.operationId)).toContain("commandsReceiverUnlockConnector");
    expect(onDeviation).toHaveBeenCalledWith(expect.objectContaining({ code: "endpoint-added" }));
  });

  it("rewrites endpoint URLs the peer announces on a host it cannot be reached at", async () => {
    const peer = await startPeer({ overrides: details(() => "http://ocpi-internal:8000"), locations: makeLocations(3) });
    peers.push(peer);
    const origin = new URL(peer.base).origin;
    const client = await OcpiClient.connect({
      versionsUrl: peer.versionsUrl,
      token: "token-c",
      versions: ["2.2.1"],
      urlPolicy: { allowLoopback: true },
      profile: { urlRewrites: [{ from: "http://ocpi-internal:8000/", to: `${origin}/` }] },
      logger: false,
    });
    expect((await client.locations.sender.list()).data).toHaveLength(3);
    expect(client.deviations.get("url-rewritten")).toMatchObject({ count: 2 });
  });
});

describe("each kind of deviation is reported once per client, and counted", () => {
  it("many repairs of one kind: one report, every one counted", async () => {
    const sloppy = makeLocations(4).map((l) => ({ ...l, last_updated: "2024-01-01 10:00:00+01:00" }));
    const onDeviation = vi.fn();
    const { client } = await setup({ locations: sloppy }, { onDeviation });
    const first = await client.locations.sender.all().toArray();
    await client.locations.sender.all().toArray();
    expect(first.map((l) => l.last_updated)).toEqual(Array(4).fill("2024-01-01T09:00:00Z"));
    expect(onDeviation).toHaveBeenCalledTimes(1);
    expect(onDeviation).toHaveBeenCalledWith(expect.objectContaining({ code: "timestamp", pointer: "/0/last_updated" }));
    expect(client.deviations.get("timestamp")?.count).toBe(8);
  });

  it("strict mode fails at the first deviation, naming it", async () => {
    const sloppy = makeLocations(2).map((l) => ({ ...l, last_updated: "2024-01-01 10:00:00+01:00" }));
    const { client } = await setup({ locations: sloppy }, { validation: "strict" });
    const error = await errorOf(client.locations.sender.all().toArray());
    expect(error).toMatchObject({ kind: "validation", message: expect.stringContaining("/0/last_updated: must be an RFC 3339 date-time in UTC") });
  });

  it("a one-element list for one object is unwrapped in lenient mode, refused in strict", async () => {
    const location = sample<Location>("2.2.1", "Location");
    const overrides = { locationsSenderGet: (c: Context) => c.json(envelope([location])) };
    const { client } = await setup({ overrides });
    expect((await client.locations.sender.get({ location_id: location.id })).data).toEqual(location);
    expect(client.deviations.get("one-element-array")?.first.pointer).toBe("");
    expect((await errorOf(client.locations.sender.get({ location_id: location.id }, { validation: "strict" }))).kind).toBe("validation");
  });

  it("an envelope timestamp in another form is repaired in lenient mode, refused in strict", async () => {
    const overrides = { locationsSenderList: (c: Context) => c.json({ data: [], status_code: 1000, timestamp: "2025-01-01 00:01:00+00:00" }) };
    const { client } = await setup({ overrides });
    expect((await client.locations.sender.list()).timestamp).toBe("2025-01-01T00:01:00Z");
    expect(client.deviations.get("envelope-timestamp")?.first).toMatchObject({ pointer: "/timestamp" });
    const error = await errorOf(client.locations.sender.list(undefined, { validation: "strict" }));
    expect(error).toMatchObject({ kind: "validation", message: expect.stringContaining("/timestamp") });
  });
});

describe("without onDeviation, deviations are warnings on the logger", () => {
  /** A Logger that keeps what it is given, as pino's `(fields, message)`. */
  const capturing = () => {
    const entries: { level: string; fields: Record<string, unknown>; message?: string }[] = [];
    const at = (level: string) => (fields: Record<string, unknown>, message?: string) =>
      void entries.push({ level, fields, ...(message !== undefined ? { message } : {}) });
    return { entries, logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") } };
  };
  /** Every timestamp in another form, and one object that no repair makes valid: two kinds, many times. */
  const sloppy = () => [
    ...makeLocations(3).map((l) => ({ ...l, last_updated: "2024-01-01 10:00:00+01:00" })),
    { ...makeLocations(1)[0]!, id: "BAD", parking_type: "ROOFTOP" },
  ];

  it("warns once per kind per client, naming the pointer, the operation and the peer", async () => {
    const { entries, logger } = capturing();
    const { peer, client } = await setup({ locations: sloppy() }, { logger });
    await client.locations.sender.all().toArray();
    await client.locations.sender.all().toArray();
    expect(entries.map((e) => [e.level, e.fields.code])).toEqual([
      ["warn", "timestamp"],
      ["warn", "invalid-object-dropped"],
    ]);
    expect(entries[0]).toEqual({
      level: "warn",
      fields: {
        peer: peer.versionsUrl,
        code: "timestamp",
        operationId: "locationsSenderList",
        url: expect.stringContaining("/locations/sender"),
        pointer: "/0/last_updated",
      },
      message: expect.stringMatching(/^the peer deviates from OCPI: \/0\/last_updated: 2024-01-01 10:00:00\+01:00 repaired to 2024-01-01T09:00:00Z/),
    });
    expect(entries[1]!.fields).toMatchObject({ peer: peer.versionsUrl, pointer: "/3" });
    expect(client.deviations.get("timestamp")?.count).toBe(6);
    // Another client of the same peer says it again: once per kind is per client.
    const other = await setup({ locations: sloppy() }, { logger });
    await other.client.locations.sender.list();
    expect(entries).toHaveLength(4);
  });

  it("onDeviation takes the place of the warnings, and logger: false silences them", async () => {
    const { entries, logger } = capturing();
    const onDeviation = vi.fn();
    const reported = await setup({ locations: sloppy() }, { logger, onDeviation });
    await reported.client.locations.sender.list();
    expect(onDeviation).toHaveBeenCalledTimes(2);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const silent = await setup({ locations: sloppy() }, { logger: false });
      await silent.client.locations.sender.list();
      expect(silent.client.deviations.size).toBe(2);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
    expect(entries).toEqual([]);
  });

  it("by default, each warning is one JSON line on console.warn", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const { peer, client } = await setup({ locations: sloppy() }, { logger: undefined });
      await client.locations.sender.list();
      await client.locations.sender.list();
      expect(warn).toHaveBeenCalledTimes(2);
      const line = JSON.parse(String(warn.mock.calls[0]![0])) as Record<string, unknown>;
      expect(line).toMatchObject({
        level: 40,
        time: expect.any(Number),
        peer: peer.versionsUrl,
        code: "timestamp",
        pointer: "/0/last_updated",
        msg: expect.stringContaining("repaired to"),
      });
    } finally {
      warn.mockRestore();
    }
  });
});
