import { describe, expect, it } from "vitest";
import { OcpiHttpError } from "./errors.js";
import { etagOf, KeyedLock, matches, parseIfMatch, preconditionFailed } from "./etag.js";

describe("etagOf", () => {
  it("is a quoted strong tag of 22 base64url characters, the same for the same text and another for another", () => {
    const tag = etagOf('{"id":"LOC1"}');
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    expect(etagOf('{"id":"LOC1"}')).toBe(tag);
    expect(etagOf('{"id":"LOC2"}')).not.toBe(tag);
    // SHA-256 of "" is 47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU in base64url.
    expect(etagOf("")).toBe('"47DEQpj8HBSa-_TImW-5JC"');
  });
});

describe("parseIfMatch", () => {
  it.each([
    ["*", { any: true }],
    [" * ", { any: true }],
    ['"abc"', { any: false, tags: ['"abc"'] }],
    ['W/"abc"', { any: false, tags: ['W/"abc"'] }],
    ['"a", W/"b" ,"c"', { any: false, tags: ['"a"', 'W/"b"', '"c"'] }],
    ['"a",,"b"', { any: false, tags: ['"a"', '"b"'] }],
    ['""', { any: false, tags: ['""'] }],
  ])("reads %j", (header, expected) => {
    expect(parseIfMatch(header)).toEqual(expected);
  });

  it.each([[null], [undefined]])("gives nothing for an absent header (%s)", (header) => {
    expect(parseIfMatch(header)).toBeUndefined();
  });

  it.each([["abc"], [""], [" , "], ['"a" "b"'], ['"a'], ['w/"a"'], ['"a"b"'], ['*, "a"']])("refuses %j with 400 / 2001", (header) => {
    let error: unknown;
    try {
      parseIfMatch(header);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OcpiHttpError);
    expect(error).toMatchObject({ httpStatus: 400, statusCode: 2001 });
    expect((error as Error).message).toContain("/headers/If-Match");
  });
});

describe("matches", () => {
  const current = '"abc"';
  it.each([
    ["*", current, true],
    ["*", undefined, false],
    ['"abc"', current, true],
    ['W/"abc"', current, true],
    ['"abc"', 'W/"abc"', true],
    ['"xyz"', current, false],
    ['"xyz", "abc"', current, true],
    ['"abc"', undefined, false],
    ['"ABC"', current, false],
  ])("If-Match %s against %s: %s", (header, etag, expected) => {
    expect(matches(parseIfMatch(header)!, etag)).toBe(expected);
  });
});

describe("preconditionFailed", () => {
  it("is a 412 with OCPI 2000 that names the current ETag and carries it as a header", () => {
    expect(preconditionFailed('"abc"')).toMatchObject({ httpStatus: 412, statusCode: 2000, headers: { ETag: '"abc"' } });
    expect(preconditionFailed('"abc"').message).toContain('"abc"');
    const none = preconditionFailed(undefined);
    expect(none).toMatchObject({ httpStatus: 412, statusCode: 2000 });
    expect(none.headers).toBeUndefined();
    expect(none.message).toContain("no current object");
  });
});

describe("KeyedLock", () => {
  /** A promise and the function that resolves it. */
  const gate = () => {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { opened, open };
  };

  it("runs the tasks of one key one after another, in order, and those of other keys meanwhile", async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const first = gate();
    const a1 = lock.run("a", async () => {
      log.push("a1 start");
      await first.opened;
      log.push("a1 end");
      return 1;
    });
    const a2 = lock.run("a", async () => {
      log.push("a2");
      return 2;
    });
    const b = lock.run("b", async () => {
      log.push("b");
      return 3;
    });
    expect(await b).toBe(3);
    expect(log).toEqual(["a1 start", "b"]);
    first.open();
    expect(await Promise.all([a1, a2])).toEqual([1, 2]);
    expect(log).toEqual(["a1 start", "b", "a1 end", "a2"]);
    expect(lock.size).toBe(0);
  });

  it("goes on after a task that failed, and passes its error on", async () => {
    const lock = new KeyedLock();
    const failed = lock.run("a", async () => {
      throw new Error("no");
    });
    const next = lock.run("a", async () => "yes");
    await expect(failed).rejects.toThrow("no");
    expect(await next).toBe("yes");
    expect(lock.size).toBe(0);
  });
});
