// The client against a real HTTP peer on 127.0.0.1.
import { afterEach, describe, expect, it, vi } from "vitest";
import { base64Encode, envelope, formatNextLink } from "@ocpi-sdk/protocol";
import type { Location } from "@ocpi-sdk/types/2.2.1";
import { OcpiClient, type OcpiClientOptions } from "./index.js";
import { operations } from "./generated/2.2.1/index.gen.js";
import type { OperationInfo } from "./runtime/operations.js";
import { makeLocations, sample } from "./testing/fixtures.js";
import { errorOf } from "./testing/errors.js";
import { startPeer, type Peer, type PeerOptions } from "./testing/peer.js";

/** The test peers listen on 127.0.0.1, which the default URL policy refuses. */
const loopback = { urlPolicy: { allowLoopback: true } } as const;

const peers: Peer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

/** The scripted peer talks 2.2.1: the client is told so (a client of all versions is tested against the server). */
async function setup(peerOptions: PeerOptions = {}, clientOptions: Partial<OcpiClientOptions<"2.2.1">> = {}) {
  const peer = await startPeer(peerOptions);
  peers.push(peer);
  const client = await OcpiClient.connect({
    versions: ["2.2.1"],
    versionsUrl: peer.versionsUrl,
    token: "token-c",
    party: { country_code: "NL", party_id: "EXM" },
    retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 },
    // Deviations these tests provoke would be warnings on the console (deviations.test.ts tests that).
    logger: false,
    ...loopback,
    ...clientOptions,
  });
  return { peer, client };
}

describe("discovery", () => {
  it("picks the highest mutual version and maps the endpoints", async () => {
    const peer = await startPeer({ versions: ["2.1.1", "2.2.1", "2.3.0"] });
    peers.push(peer);
    const client = await OcpiClient.connect({ versionsUrl: peer.versionsUrl, token: "token-c", versions: ["2.1.1", "2.2.1"], ...loopback });
    expect(client.version).toBe("2.2.1");
    expect(client.versions.map((v) => v.version)).toEqual(["2.1.1", "2.2.1", "2.3.0"]);
    expect(client.endpoints).toContainEqual({ identifier: "locations", role: "SENDER", url: `${peer.base}/2.2.1/locations/sender` });
    expect(peer.requests.map((r) => r.operationId)).toEqual(["versions", "versionDetails"]);
  });

  it("fails clearly without a mutual version", async () => {
    const peer = await startPeer({ versions: ["2.1.1"] });
    peers.push(peer);
    const error = await errorOf(OcpiClient.connect({ versionsUrl: peer.versionsUrl, token: "token-c", versions: ["2.2.1", "2.3.0"], ...loopback }));
    expect(error.kind).toBe("no-mutual-version");
    expect(error.message).toBe("no mutual OCPI version: the peer offers 2.1.1, we support 2.3.0, 2.2.1");
  });

  it("fails clearly when the peer lacks a module", async () => {
    const { client } = await setup();
    client.endpoints = client.endpoints.filter((e) => e.identifier !== "tariffs");
    const error = await errorOf(client.tariffs.sender.list());
    expect(error.kind).toBe("no-endpoint");
    expect(error.message).toBe("the peer offers no tariffs SENDER endpoint in OCPI 2.2.1");
  });
});

describe("Authorization: Token", () => {
  it("sends the token base64-encoded in 2.2.1", async () => {
    const { peer } = await setup();
    expect(peer.requests[0]!.headers.authorization).toBe(`Token ${base64Encode("token-c")}`);
  });

  it("falls back to the raw token for a peer that refuses base64, and keeps it", async () => {
    const { peer, client } = await setup({ tokenMode: "raw" });
    await client.locations.sender.list();
    expect(peer.requests.map((r) => [r.operationId, r.headers.authorization])).toEqual([
      ["versions", `Token ${base64Encode("token-c")}`],
      ["versions", "Token token-c"],
      ["versionDetails", "Token token-c"],
      ["locationsSenderList", "Token token-c"],
    ]);
  });

  it("maps an unknown token to an OcpiError of kind auth with HTTP 401", async () => {
    const peer = await startPeer();
    peers.push(peer);
    const error = await errorOf(
      OcpiClient.connect({ versionsUrl: peer.versionsUrl, token: "wrong", tokenEncoding: "base64", versions: ["2.2.1"], ...loopback }),
    );
    expect(error).toMatchObject({ kind: "auth", httpStatus: 401, statusCode: 2000, statusMessage: "unknown token" });
  });
});

/** Values for every path and query parameter of an operation. */
function paramsFor(info: OperationInfo): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const name of info.pathParams) values[name] = name === "country_code" ? "NL" : name === "party_id" ? "TNM" : `${name}-1`;
  for (const name of info.query)
    values[name] =
      name === "type"
        ? "RFID"
        : name === "duration"
          ? 900
          : name === "response_url"
            ? "https://emsp.example.com/ocpi/2.2.1/chargingprofiles/sender/r1"
            : name === "limit"
              ? 10
              : name === "offset"
                ? 0
                : "2024-01-01T00:00:00Z";
  return values;
}

describe("every operation", () => {
  const moduleOps = (Object.values(operations) as OperationInfo[]).filter((op) => op.interface !== undefined);

  it.each(moduleOps.map((op) => [op.operationId, op] as const))("%s sends its method, path, query and body", async (_, info) => {
    const { peer, client } = await setup({ locations: [sample("2.2.1", "Location")] });
    const group = (client as unknown as Record<string, Record<string, Record<string, Function>>>)[info.module]!;
    const ops = (Object.keys(group).some((k) => k === "sender" || k === "receiver") ? group[info.interface!.toLowerCase()]! : group) as Record<
      string,
      Function
    >;
    const params = paramsFor(info);
    const body = info.request ? sample("2.2.1", info.request.validator.name) : undefined;
    const request = { ...params, ...(body !== undefined ? { body } : {}) };
    const responseUrl = `${peer.base}${info.layoutPath.replace("{response_id}", "r-42")}`;
    const result = info.url === "response_url" ? await ops[info.name]!(responseUrl, request) : await ops[info.name]!(request);

    const sent = peer.requests.at(-1)!;
    expect(sent.operationId).toBe(info.operationId);
    expect(sent.method).toBe(info.method);
    const expectedPath =
      info.url === "response_url" ? new URL(responseUrl).pathname : `/ocpi${info.layoutPath.replace(/\{([a-z_]+)\}/g, (_m, n: string) => String(params[n]))}`;
    expect(sent.path).toBe(expectedPath);
    expect(sent.query).toEqual(Object.fromEntries(info.query.map((q) => [q, String(params[q])])));
    expect(sent.body).toEqual(body);
    if (info.response) {
      const expected = sample("2.2.1", info.response.validator.name);
      expect(result.data).toEqual(info.response.list ? [expected] : expected);
    } else {
      expect(result.data).toBeUndefined();
    }
    expect(result).toMatchObject({ statusCode: 1000, httpStatus: 200 });
  });
});

describe("pagination", () => {
  it("walks every page through Link, exposing X-Total-Count and X-Limit", async () => {
    const locations = makeLocations(250);
    const { peer, client } = await setup({ locations, maxLimit: 100 });
    const pager = client.locations.sender.all({ date_from: "2024-01-01T00:00:00Z", limit: 100 });
    const ids: string[] = [];
    for await (const location of pager) ids.push(location.id);
    expect(ids).toEqual(locations.map((l) => l.id));
    expect(pager.totalCount).toBe(250);
    expect(pager.limit).toBe(100);
    expect(pager.stoppedBecause).toBeUndefined();
    const pages = peer.requests.filter((r) => r.operationId === "locationsSenderList");
    expect(pages.map((r) => r.query)).toEqual([
      { date_from: "2024-01-01T00:00:00Z", limit: "100" },
      { date_from: "2024-01-01T00:00:00Z", limit: "100", offset: "100" },
      { date_from: "2024-01-01T00:00:00Z", limit: "100", offset: "200" },
    ]);
    expect(new Set(pages.map((r) => r.headers["x-correlation-id"])).size).toBe(1);
    expect(new Set(pages.map((r) => r.headers["x-request-id"])).size).toBe(3);
  });

  it("fetches the next page only when the current one is used up", async () => {
    const { peer, client } = await setup({ locations: makeLocations(30), maxLimit: 10 });
    const iterator = client.locations.sender.all()[Symbol.asyncIterator]();
    for (let i = 0; i < 10; i++) await iterator.next();
    expect(peer.requests.filter((r) => r.operationId === "locationsSenderList")).toHaveLength(1);
    await iterator.next();
    expect(peer.requests.filter((r) => r.operationId === "locationsSenderList")).toHaveLength(2);
    await iterator.return?.(undefined);
  });

  it("returns one page with its headers", async () => {
    const { client } = await setup({ locations: makeLocations(25), maxLimit: 10 });
    const page = await client.locations.sender.list({ offset: 20 });
    expect(page.data.map((l) => l.id)).toEqual(["LOC000020", "LOC000021", "LOC000022", "LOC000023", "LOC000024"]);
    expect(page).toMatchObject({ totalCount: 25, limit: 10 });
    expect(page.next).toBeUndefined();
  });

  it.each([
    ["a link back to the same page", (url: URL) => url.href],
    [
      "a link back to the first page",
      (url: URL) => {
        url.searchParams.delete("offset");
        return url.href;
      },
    ],
  ])("stops on %s", async (_, nextOf) => {
    const { client } = await setup({
      overrides: {
        locationsSenderList: (c) => {
          const url = new URL(c.req.url);
          return c.json(envelope(makeLocations(2)), 200, { Link: formatNextLink(nextOf(url)), "X-Total-Count": "1000" });
        },
      },
    });
    const pager = client.locations.sender.all();
    const items = await pager.toArray();
    expect(items.length).toBeLessThanOrEqual(4);
    expect(pager.stoppedBecause).toBe("looping-link");
  });

  it("stops on an empty page that still links onwards", async () => {
    let n = 0;
    const { client } = await setup({
      overrides: {
        locationsSenderList: (c) =>
          c.json(envelope([]), 200, { Link: formatNextLink(`${new URL(c.req.url).origin}${new URL(c.req.url).pathname}?offset=${++n}`) }),
      },
    });
    const pager = client.locations.sender.all();
    expect(await pager.toArray()).toEqual([]);
    expect(pager.stoppedBecause).toBe("empty-page");
  });
});

describe("errors", () => {
  it.each([
    [
      "an HTTP error with an envelope",
      (c: any) => c.json(envelope(undefined, 2003, "Unknown location"), 404),
      { kind: "http", httpStatus: 404, statusCode: 2003, statusMessage: "Unknown location" },
    ],
    [
      "HTTP 200 with an OCPI error",
      (c: any) => c.json(envelope(undefined, 2001, "/id: is required"), 200),
      { kind: "ocpi", httpStatus: 200, statusCode: 2001 },
    ],
    ["an HTTP error without an envelope", (c: any) => c.text("Bad gateway", 502), { kind: "http", httpStatus: 502, statusCode: undefined }],
    ["a body that is not JSON", (c: any) => c.text("<html>", 200), { kind: "invalid-response", httpStatus: 200 }],
    ["JSON that is not an envelope", (c: any) => c.json({ id: "1" }, 200), { kind: "invalid-response" }],
  ])("maps %s", async (_, answer, expected) => {
    const { peer, client } = await setup({ overrides: { locationsSenderGet: answer } });
    const error = await errorOf(client.locations.sender.get({ location_id: "1" }, { correlationId: "corr-1" }));
    expect(error).toMatchObject(expected);
    const sent = peer.requests.filter((r) => r.operationId === "locationsSenderGet").at(-1)!;
    expect(error.requestId).toBe(sent.headers["x-request-id"]);
    expect(error.correlationId).toBe("corr-1");
    expect(error.url).toBe(`${peer.base}/2.2.1/locations/sender/1`);
  });
});

describe("timeouts and retries", () => {
  it("times out a slow peer", async () => {
    const { client } = await setup(
      {
        overrides: {
          locationsSenderGet: async (c) => {
            await new Promise((r) => setTimeout(r, 300));
            return c.json(envelope(sample("2.2.1", "Location")));
          },
        },
      },
      { retry: false },
    );
    const error = await errorOf(client.locations.sender.get({ location_id: "1" }, { timeoutMs: 50 }));
    expect(error.kind).toBe("timeout");
  });

  it("retries a GET on 5xx, with a new request id each time", async () => {
    let calls = 0;
    const { peer, client } = await setup({
      overrides: { locationsSenderGet: (c) => (++calls < 3 ? c.json(envelope(undefined, 3000, "busy"), 503) : c.json(envelope(sample("2.2.1", "Location")))) },
    });
    const { data } = await client.locations.sender.get({ location_id: "1" });
    expect(data.id).toBe(sample<Location>("2.2.1", "Location").id);
    const attempts = peer.requests.filter((r) => r.operationId === "locationsSenderGet");
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((r) => r.headers["x-request-id"])).size).toBe(3);
    expect(new Set(attempts.map((r) => r.headers["x-correlation-id"])).size).toBe(1);
  });

  it("gives up after the configured retries", async () => {
    const { peer, client } = await setup({ overrides: { locationsSenderGet: (c) => c.json(envelope(undefined, 3000, "down"), 500) } });
    const error = await errorOf(client.locations.sender.get({ location_id: "1" }));
    expect(error).toMatchObject({ kind: "http", httpStatus: 500, statusCode: 3000 });
    expect(peer.requests.filter((r) => r.operationId === "locationsSenderGet")).toHaveLength(3);
  });

  it("never retries a write", async () => {
    const { peer, client } = await setup({ overrides: { locationsReceiverPut: (c) => c.json(envelope(undefined, 3000, "down"), 503) } });
    const location = sample<Location>("2.2.1", "Location");
    await errorOf(client.locations.receiver.put({ country_code: "NL", party_id: "TNM", location_id: location.id, body: location }));
    expect(peer.requests.filter((r) => r.operationId === "locationsReceiverPut")).toHaveLength(1);
  });

  it("retries network errors, then reports them", async () => {
    const { peer, client } = await setup();
    await peer.close();
    peers.splice(peers.indexOf(peer), 1);
    const error = await errorOf(client.locations.sender.get({ location_id: "1" }));
    expect(error.kind).toBe("network");
  });

  it("honours the caller's abort without retrying", async () => {
    const { client } = await setup({
      overrides: {
        locationsSenderGet: async (c) => {
          await new Promise((r) => setTimeout(r, 200));
          return c.json(envelope(undefined));
        },
      },
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const error = await errorOf(client.locations.sender.get({ location_id: "1" }, { signal: controller.signal }));
    expect(error.kind).toBe("network");
    expect(error.message).toContain("aborted");
  });
});

describe("headers", () => {
  it("sends a request id, a correlation id, our party and per-call routing headers", async () => {
    const { peer, client } = await setup();
    await client.tokens.receiver.get(
      { country_code: "NL", party_id: "TNM", token_uid: "012345678" },
      { correlationId: "corr-7", to: { country_code: "DE", party_id: "CPO" }, headers: { "X-Trace": "t1" } },
    );
    const sent = peer.requests.at(-1)!.headers;
    expect(sent["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent).toMatchObject({
      "x-correlation-id": "corr-7",
      "ocpi-from-country-code": "NL",
      "ocpi-from-party-id": "EXM",
      "ocpi-to-country-code": "DE",
      "ocpi-to-party-id": "CPO",
      "x-trace": "t1",
    });
  });
});

describe("validation", () => {
  const sloppy = () => ({ ...sample<Location>("2.2.1", "Location"), last_updated: "2019-06-24 12:39:09", parking_type: "ON_ROOF" });
  const answerSloppy = { locationsSenderGet: (c: any) => c.json(envelope(sloppy())) };

  it("lenient: repairs what a repair fits, and still refuses an object that stays invalid, naming both", async () => {
    const onValidationIssue = vi.fn();
    const { client } = await setup({ overrides: answerSloppy }, { validation: "lenient", onValidationIssue });
    const error = await errorOf(client.locations.sender.get({ location_id: "1" }));
    expect(error.kind).toBe("validation");
    expect(error.message).toContain("(after 1 repair)");
    expect(error.issues).toEqual([expect.objectContaining({ pointer: "/parking_type", keyword: "enum" })]);
    expect(onValidationIssue).toHaveBeenCalledWith(
      expect.objectContaining({
        operationId: "locationsSenderGet",
        repaired: ["/last_updated"],
        repairs: [{ code: "timestamp", pointer: "/last_updated", from: "2019-06-24 12:39:09", to: "2019-06-24T12:39:09Z" }],
        issues: [expect.objectContaining({ pointer: "/parking_type", keyword: "enum" })],
      }),
    );
  });

  it("lenient: a repaired object is handed on in the spec's form", async () => {
    const { client } = await setup({
      overrides: { locationsSenderGet: (c: any) => c.json(envelope({ ...sample<Location>("2.2.1", "Location"), last_updated: "2019-06-24 12:39:09+02:00" })) },
    });
    const { data } = await client.locations.sender.get({ location_id: "1" });
    expect(data.last_updated).toBe("2019-06-24T10:39:09Z");
  });

  it("lenient: an object of a list that stays invalid is left out of the page and reported", async () => {
    const onValidationIssue = vi.fn();
    const good = { ...sample<Location>("2.2.1", "Location"), id: "GOOD", last_updated: "2019-06-24 12:39:09" };
    const { client } = await setup({ overrides: { locationsSenderList: (c: any) => c.json(envelope([good, sloppy()])) } }, { onValidationIssue });
    const { data } = await client.locations.sender.list();
    expect(data.map((l) => [l.id, l.last_updated])).toEqual([["GOOD", "2019-06-24T12:39:09Z"]]);
    expect(onValidationIssue).toHaveBeenCalledWith(expect.objectContaining({ dropped: [1], repaired: ["/0/last_updated", "/1/last_updated"] }));
    expect(client.deviations.get("invalid-object-dropped")).toMatchObject({ count: 1, first: { pointer: "/1" } });
  });

  it("strict: throws with the pointers", async () => {
    const { client } = await setup({ overrides: answerSloppy }, { validation: "strict" });
    const error = await errorOf(client.locations.sender.get({ location_id: "1" }));
    expect(error.kind).toBe("validation");
    expect(error.issues?.map((i) => i.pointer).sort()).toEqual(["/last_updated", "/parking_type"]);
  });

  it("off: returns the data as received", async () => {
    const { client } = await setup({ overrides: answerSloppy }, { validation: "off" });
    const { data } = await client.locations.sender.get({ location_id: "1" });
    expect(data).toEqual(sloppy());
  });

  it("per call: a strict call in a lenient client", async () => {
    const { client } = await setup({ overrides: answerSloppy });
    expect((await errorOf(client.locations.sender.get({ location_id: "1" }, { validation: "strict" }))).kind).toBe("validation");
  });

  it("validates list items with their index in the pointer", async () => {
    const { client } = await setup(
      { overrides: { locationsSenderList: (c: any) => c.json(envelope([sample("2.2.1", "Location"), sloppy()])) } },
      { validation: "strict" },
    );
    const error = await errorOf(client.locations.sender.list());
    expect(error.issues?.map((i) => i.pointer).sort()).toEqual(["/1/last_updated", "/1/parking_type"]);
  });

  it("refuses to send an invalid body, before any request", async () => {
    const { peer, client } = await setup();
    const before = peer.requests.length;
    const bad = { ...sample<Location>("2.2.1", "Location"), country_code: "NLD" };
    const error = await errorOf(client.locations.receiver.put({ country_code: "NL", party_id: "TNM", location_id: "1", body: bad }));
    expect(error).toMatchObject({ kind: "validation", issues: [expect.objectContaining({ pointer: "/country_code" })] });
    expect(peer.requests.length).toBe(before);
  });
});

describe("registration", () => {
  it("registers with Token A and switches to the token the peer answers with", async () => {
    const theirs = { ...sample<Record<string, unknown>>("2.2.1", "Credentials"), token: "token-c" };
    const { peer, client } = await setup(
      { tokens: ["token-a", "token-c"], overrides: { credentialsSenderPost: (c) => c.json(envelope(theirs)) } },
      { token: "token-a" },
    );
    const ours = { ...sample<Record<string, unknown>>("2.2.1", "Credentials"), token: "token-b" } as never;
    const answer = await client.register(ours);
    expect(answer).toEqual(theirs);
    expect(client.currentToken).toBe("token-c");
    await client.locations.sender.list();
    expect(peer.requests.at(-2)).toMatchObject({
      operationId: "credentialsSenderPost",
      body: ours,
      headers: { authorization: `Token ${base64Encode("token-a")}` },
    });
    expect(peer.requests.at(-1)!.headers.authorization).toBe(`Token ${base64Encode("token-c")}`);
    await client.unregister();
    expect(peer.requests.at(-1)).toMatchObject({ operationId: "credentialsSenderDelete", method: "DELETE" });
  });
});
