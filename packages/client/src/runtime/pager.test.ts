// The pager's iterator over objects, and when it asks for the next page.
import { afterEach, describe, expect, it } from "vitest";
import { envelope } from "@ocpi-sdk/protocol";
import { OcpiClient } from "../index.js";
import { makeLocations } from "../testing/fixtures.js";
import { startPeer, type Peer } from "../testing/peer.js";
import { OcpiPager, type OcpiPage, type PageStep } from "./operations.js";

/** A list of `pages` pages of `size` numbers, linked by `?page=`; `fail` makes that page's request fail. */
function fakeList(pages: number, size: number, fail?: number) {
  const asked: number[] = [];
  const fetchPage = async (step: PageStep): Promise<OcpiPage<number>> => {
    const n = step && "link" in step ? Number(new URL(step.link).searchParams.get("page")) : 0;
    asked.push(n);
    if (n === fail) throw new Error(`page ${n} failed`);
    return {
      data: Array.from({ length: size }, (_, i) => n * size + i),
      url: `http://peer.test/list${n ? `?page=${n}` : ""}`,
      statusCode: 1000,
      timestamp: "2024-01-01T00:00:00Z",
      httpStatus: 200,
      headers: new Headers(),
      requestId: `r${n}`,
      correlationId: "c",
      ...(n + 1 < pages ? { next: `http://peer.test/list?page=${n + 1}` } : {}),
    };
  };
  return { asked, pager: new OcpiPager(fetchPage) };
}

describe("the pager's objects", () => {
  it("come in order, also to calls of next() that do not wait for each other", async () => {
    const { pager } = fakeList(3, 4);
    const iterator = pager[Symbol.asyncIterator]();
    const results = await Promise.all(Array.from({ length: 13 }, () => iterator.next()));
    expect(results.filter((r) => !r.done).map((r) => r.value)).toEqual([...Array(12).keys()]);
    expect(results.at(-1)).toEqual({ value: undefined, done: true });
  });

  it("end the walk on a break: no page is asked for past the one read ahead", async () => {
    const { pager, asked } = fakeList(10, 5);
    const seen: number[] = [];
    for await (const n of pager) {
      seen.push(n);
      if (n === 6) break;
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(asked).toEqual([0, 1, 2]);
    const iterator = pager[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toBe(0);
  });

  it("stop at a page that fails: the error, then the end", async () => {
    const { pager } = fakeList(5, 2, 2);
    const iterator = pager[Symbol.asyncIterator]();
    const values: number[] = [];
    for (let i = 0; i < 4; i++) values.push((await iterator.next()).value as number);
    expect(values).toEqual([0, 1, 2, 3]);
    await expect(iterator.next()).rejects.toThrow("page 2 failed");
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it("end the walk when an error is thrown into the iterator", async () => {
    const { pager, asked } = fakeList(10, 2);
    const iterator = pager[Symbol.asyncIterator]();
    await iterator.next();
    await expect(iterator.throw!(new Error("stop"))).rejects.toThrow("stop");
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(asked).toEqual([0, 1]);
  });
});

describe("reading ahead", () => {
  const peers: Peer[] = [];
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.close()));
  });

  it("asks for the next page before it checks (and repairs) the current one", async () => {
    const sloppy = (offset: number) => ({ ...makeLocations(1)[0], id: `LOC${offset}`, name: null });
    const peer = await startPeer({
      maxLimit: 2,
      overrides: {
        locationsSenderList: (c, request) => {
          const offset = Number(request.query.offset ?? 0);
          const link = offset < 4 ? { Link: `<${peer.base}/2.2.1/locations/sender?offset=${offset + 2}&limit=2>; rel="next"` } : undefined;
          return c.json(envelope([sloppy(offset), sloppy(offset + 1)]), 200, link);
        },
      },
    });
    peers.push(peer);
    const events: string[] = [];
    const client = await OcpiClient.connect({
      versions: ["2.2.1"],
      versionsUrl: peer.versionsUrl,
      token: "token-c",
      urlPolicy: { allowLoopback: true },
      fetch: (request: Request) => {
        if (request.url.includes("/locations/")) events.push(`ask ${new URL(request.url).searchParams.get("offset") ?? 0}`);
        return fetch(request);
      },
      onValidationIssue: (report) => events.push(`check ${new URL(report.url).searchParams.get("offset") ?? 0}`),
      onDeviation: () => {},
    });
    const names: unknown[] = [];
    for await (const location of client.locations.sender.all()) names.push("name" in location ? location.name : "(absent)");
    expect(names).toEqual(Array(6).fill("(absent)"));
    expect(events).toEqual(["ask 0", "ask 2", "check 0", "ask 4", "check 2", "check 4"]);
  });
});
