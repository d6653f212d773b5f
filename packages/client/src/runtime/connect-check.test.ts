// The connect-time check's parts: its lookup in the forms net.connect asks for, and when Node's fetch gets it.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkingLookup, connectTimeDispatcher } from "./connect-check.js";

const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");
const scope = globalThis as unknown as Record<symbol, unknown>;

function lookUp(lookup: ReturnType<typeof checkingLookup>, hostname: string, options: { all?: boolean; family?: number }) {
  return new Promise<{ error: Error | null; address: unknown; family?: number }>((resolve) =>
    lookup(hostname, options, (error, address, family) => resolve({ error, address, ...(family === undefined ? {} : { family }) })),
  );
}

describe("checkingLookup", () => {
  const resolver = async (name: string) =>
    name === "dual.test" ? ["2606:2800:21f:cb07:6820:80da:af6b:8b2c", "93.184.215.14"] : name === "home.test" ? ["192.168.1.10"] : [];

  it.each<[string, string, { all?: boolean; family?: number }, unknown]>([
    [
      "every address, as net.connect asks with all",
      "dual.test",
      { all: true },
      [
        { address: "2606:2800:21f:cb07:6820:80da:af6b:8b2c", family: 6 },
        { address: "93.184.215.14", family: 4 },
      ],
    ],
    ["the first address of the family asked for", "dual.test", { family: 4 }, "93.184.215.14"],
  ])("answers %s", async (_, hostname, options, expected) => {
    const { error, address } = await lookUp(checkingLookup({}, resolver), hostname, options);
    expect(error).toBeNull();
    expect(address).toEqual(expected);
  });

  it.each<[string, string, Parameters<typeof checkingLookup>[0], RegExp | null]>([
    ["refuses a private address", "home.test", {}, /home\.test resolves to 192\.168\.1\.10, which is a private address/],
    ["lets it through with allowPrivate", "home.test", { allowPrivate: true }, null],
    ["lets a listed host through whatever it resolves to", "home.test", { allowHosts: ["home.test:8443"] }, null],
    ["fails a name without address", "none.test", {}, /resolves to no address/],
  ])("%s", async (_, hostname, policy, refused) => {
    const { error } = await lookUp(checkingLookup(policy, resolver), hostname, { all: true });
    if (refused) expect(error?.message).toMatch(refused);
    else expect(error).toBeNull();
  });
});

describe("connectTimeDispatcher", () => {
  let original: unknown;
  beforeAll(() => {
    // Node's fetch makes its dispatcher when first called (connectTimeDispatcher sees to it).
    connectTimeDispatcher({});
    original = scope[GLOBAL_DISPATCHER];
  });
  afterEach(() => {
    scope[GLOBAL_DISPATCHER] = original;
  });

  it("is one Agent of Node's fetch per policy", () => {
    const one = connectTimeDispatcher({ allowHosts: ["b", "a"] });
    expect(one?.constructor.name).toBe("Agent");
    expect(connectTimeDispatcher({ allowHosts: ["a", "b"] })).toBe(one);
    expect(connectTimeDispatcher({ allowLoopback: true })).not.toBe(one);
  });

  it("is not used when the application set a dispatcher of its own (a proxy, its own CAs)", () => {
    const Agent = (connectTimeDispatcher({}) as object).constructor as new (options: object) => object;
    scope[GLOBAL_DISPATCHER] = new Agent({ connect: { rejectUnauthorized: true } });
    expect(connectTimeDispatcher({})).toBeUndefined();
    scope[GLOBAL_DISPATCHER] = { dispatch() {} };
    expect(connectTimeDispatcher({})).toBeUndefined();
  });
});
