// Compile-time tests of client options: every usual fetch fits `fetch` as it is (a Hono app's `app.fetch` included,
// which takes env and execution context after the request and may answer synchronously), and `logger` takes any
// Logger or false.
import { Hono } from "hono";
import { describe, expectTypeOf, test } from "vitest";
import { jsonLogger, type FetchLike, type OcpiClientOptions } from "./index.js";

const base = { versionsUrl: "https://peer.example.com/ocpi/versions", token: "t" };

describe("the fetch option", () => {
  test("takes a Hono app's fetch, globalThis.fetch and (request) => … as they are", () => {
    const app = new Hono();
    const typed = new Hono<{ Bindings: { DB: { query(sql: string): unknown } }; Variables: { user: string } }>();
    const options: OcpiClientOptions[] = [
      { ...base, fetch: app.fetch },
      { ...base, fetch: typed.fetch },
      { ...base, fetch: globalThis.fetch },
      { ...base, fetch: fetch },
      { ...base, fetch: async (request: Request) => new Response(request.url) },
      { ...base, fetch: (request: Request) => new Response(request.url) },
      { ...base, fetch: async (input: Request | string | URL, init?: RequestInit) => new Response(String(input), init) },
    ];
    expectTypeOf(options).toExtend<OcpiClientOptions[]>();
    expectTypeOf(app.fetch).toExtend<FetchLike>();
  });

  test("gives an inline fetch its Request", () => {
    const options: OcpiClientOptions = {
      ...base,
      fetch: (request) => {
        expectTypeOf(request).toEqualTypeOf<Request>();
        return fetch(request);
      },
    };
    expectTypeOf(options.fetch).toEqualTypeOf<FetchLike | undefined>();
  });

  test("refuses a function that cannot take a Request", () => {
    // @ts-expect-error it takes a string only
    const byUrl: OcpiClientOptions = { ...base, fetch: async (url: string) => new Response(url) };
    // @ts-expect-error it answers no Response
    const noResponse: OcpiClientOptions = { ...base, fetch: async (request: Request) => request.url };
    expectTypeOf([byUrl, noResponse]).toBeArray();
  });
});

describe("the logger option", () => {
  test("takes a Logger, console, or false", () => {
    const options: OcpiClientOptions[] = [
      { ...base, logger: jsonLogger({ level: "debug" }) },
      { ...base, logger: console },
      { ...base, logger: false },
    ];
    expectTypeOf(options).toExtend<OcpiClientOptions[]>();
    // @ts-expect-error true is not a logger
    const wrong: OcpiClientOptions = { ...base, logger: true };
    expectTypeOf(wrong).toExtend<OcpiClientOptions>();
  });
});
