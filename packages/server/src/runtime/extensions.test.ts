import { describe, expect, it } from "vitest";
import { EXTENSION_ROUTES, isExtensionRoute } from "./extension-routes.js";
import { anonymousCaller, enables, forwardedFor, RateLimiter, tooManyRequests } from "./extensions.js";
import { findRoute, ROUTES, SERVER_VERSIONS } from "./versions.js";

describe("RateLimiter", () => {
  it("allows `requests` at once, then one more per windowMs / requests, and says how long to wait", () => {
    const limiter = new RateLimiter({ requests: 3, windowMs: 60_000 });
    const at = 1_000_000;
    expect([limiter.take("a", at), limiter.take("a", at), limiter.take("a", at)]).toEqual([undefined, undefined, undefined]);
    // Empty: one request comes back every 20 s.
    expect(limiter.take("a", at)).toBe(20);
    expect(limiter.take("a", at + 15_000)).toBe(5);
    expect(limiter.take("a", at + 20_000)).toBeUndefined();
    expect(limiter.take("a", at + 20_000)).toBe(20);
    // Each key has its own budget, refilled up to `requests` and no further.
    expect(limiter.take("b", at)).toBeUndefined();
    const later = at + 10 * 60_000;
    expect([limiter.take("a", later), limiter.take("a", later), limiter.take("a", later), limiter.take("a", later)]).toEqual([
      undefined,
      undefined,
      undefined,
      20,
    ]);
  });

  it("keeps at most maxKeys keys, forgetting the least recently used", () => {
    const limiter = new RateLimiter({ requests: 1, windowMs: 60_000 }, 2);
    limiter.take("a", 0);
    limiter.take("b", 0);
    limiter.take("a", 0); // a is used again: b is the oldest now
    limiter.take("c", 0);
    expect(limiter.size).toBe(2);
    expect(limiter.take("a", 0)).toBeDefined(); // still empty: a was kept
    expect(limiter.take("b", 0)).toBeUndefined(); // forgotten: a full budget again
  });

  it.each([[{ requests: 0, windowMs: 1000 }], [{ requests: 1, windowMs: 0 }], [{ requests: Number.NaN, windowMs: 1000 }]])("refuses %j", (limit) => {
    expect(() => new RateLimiter(limit)).toThrow(RangeError);
  });

  it("answers 429 with OCPI 2000 and Retry-After", () => {
    expect(tooManyRequests(7)).toMatchObject({ httpStatus: 429, statusCode: 2000, headers: { "Retry-After": "7" } });
  });
});

describe("forwardedFor", () => {
  it.each([
    [{ "X-Forwarded-For": "203.0.113.7, 10.0.0.1" }, "203.0.113.7"],
    [{ "X-Forwarded-For": " 2001:db8::1 " }, "2001:db8::1"],
    [{ "X-Forwarded-For": "" }, "*"],
    [{}, "*"],
  ])("%j: %s", (headers, key) => {
    expect(forwardedFor(new Request("http://x/", { headers }))).toBe(key);
  });
});

describe("the anonymous caller", () => {
  it("has no roles, acts for nobody, and says it is anonymous", () => {
    expect(anonymousCaller()).toMatchObject({ anonymous: true, isHub: false, roles: [], party: { id: "open-data", roles: [] } });
  });
});

describe("extension routes", () => {
  it.each(SERVER_VERSIONS.map((v) => [v]))("%s: a bulk GET per receiver, built from the sender's list, and a tokens DELETE", (version) => {
    const routes = EXTENSION_ROUTES[version];
    const ids = routes.map((r) => `${r.route.method} ${r.route.layoutPath}`);
    expect(ids).toEqual([
      `GET /${version}/locations/receiver`,
      `GET /${version}/sessions/receiver`,
      `GET /${version}/tariffs/receiver`,
      `GET /${version}/tokens/receiver`,
      `DELETE /${version}/tokens/receiver/{country_code}/{party_id}/{token_uid}`,
    ]);
    for (const { route } of routes) {
      expect(isExtensionRoute(route)).toBe(true);
      // Never one of the spec's operations.
      expect(ROUTES[version].some((r) => r.operationId === route.operationId)).toBe(false);
      expect(findRoute(version, route.module, route.interface, route.name)).toBe(route);
    }
    const list = routes.find((r) => r.route.operationId === "sessionsReceiverList")!.route;
    const senderList = findRoute(version, "sessions", "SENDER", "list")!;
    expect([list.paginated, list.response, list.query]).toEqual([true, senderList.response, senderList.query]);
    const del = routes.find((r) => r.route.operationId === "tokensReceiverDelete")!.route;
    const get = findRoute(version, "tokens", "RECEIVER", "get")!;
    expect([del.response, del.request, del.pathParams, del.query]).toEqual([undefined, undefined, get.pathParams, get.query]);
    // Tariffs have a receiver DELETE in every version: none is added.
    expect(findRoute(version, "tariffs", "RECEIVER", "delete")).toBe(ROUTES[version].find((r) => r.operationId === "tariffsReceiverDelete"));
    expect(ROUTES[version].some(isExtensionRoute)).toBe(false);
  });

  it.each([
    [undefined, []],
    [{}, []],
    [{ receiverBulkGet: true }, ["locationsReceiverList", "sessionsReceiverList", "tariffsReceiverList", "tokensReceiverList"]],
    [{ receiverBulkGet: false }, []],
    [{ receiverBulkGet: ["tokens"] as const }, ["tokensReceiverList"]],
    [{ receiverDelete: ["tokens", "tariffs"] as const }, ["tokensReceiverDelete"]],
  ])("enabled by %j: %j", (extensions, operations) => {
    const enabled = EXTENSION_ROUTES["2.2.1"].filter((e) => enables(extensions as never, e)).map((e) => e.route.operationId);
    expect(enabled).toEqual(operations);
  });
});
