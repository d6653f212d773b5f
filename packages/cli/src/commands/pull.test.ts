// `ocpi pull`: every object of a SENDER list as NDJSON, and the --since to resume with.
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveObject } from "@ocpi-sdk/server";
import { runCli } from "../program.js";
import { startMockPeer, type MockPeer } from "../mock/peer.js";
import { editJson, isList, startBrokenPeer } from "../testing/tamper.js";
import { captureIo, tempDir } from "../testing/io.js";

let mock: MockPeer;
let dir: string;
let remove: () => Promise<void>;
beforeAll(async () => {
  mock = await startMockPeer({ role: "cpo", locations: 25, seed: "pull" });
  ({ dir, remove } = await tempDir("ocpi-pull-"));
});
afterAll(async () => {
  await mock.close();
  await remove();
});

/** Runs `ocpi pull` against the mock with its pre-registered party's Token C; the crawl "starts" at `now`. */
async function pull(args: string[], now = "2030-01-01T00:00:00Z") {
  const io = captureIo({ cwd: dir, now: () => new Date(now) });
  const code = await runCli(["pull", "--versions-url", mock.versionsUrl, "--token", mock.tokenC!, ...args], io);
  return { code, out: io.out(), err: io.err(), since: /resume with --since (\S+)/.exec(io.err())?.[1] };
}

const lines = (text: string) =>
  text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id: string; last_updated: string });

describe("ocpi pull", () => {
  it("writes one line per Location of the mock into --out, and prints the crawl's start as the next --since", async () => {
    const { code, err, since } = await pull(["--module", "locations", "--out", "locations.ndjson", "--page-size", "7"]);
    expect(code).toBe(0);
    const pulled = lines(await readFile(path.join(dir, "locations.ndjson"), "utf8"));
    expect(pulled).toHaveLength(25);
    expect(pulled.map((l) => l.id)).toEqual(mock.data.locations.map((l) => l.id));
    expect(err).toContain("pulled 25 locations (OCPI 2.2.1, X-Total-Count 25) into locations.ndjson");
    expect(since).toBe("2030-01-01T00:00:00Z");
    await expect(stat(path.join(dir, "locations.ndjson.partial"))).rejects.toThrow();
  });

  it("resumes with --since: nothing when nothing changed, then only what changed", async () => {
    const first = await pull(["--module", "locations", "--out", "all.ndjson"]);
    const nothing = await pull(["--module", "locations", "--since", first.since!], "2030-01-01T01:00:00Z");
    expect(nothing.code).toBe(0);
    expect(nothing.out).toBe("");
    expect(nothing.err).toContain("pulled 0 locations");

    const changed = { ...mock.data.locations[3]!, name: "Renamed after the first pull", last_updated: "2030-01-01T00:30:00Z" };
    await saveObject(mock.store, "locations", changed.id, changed);
    const delta = await pull(["--module", "locations", "--since", first.since!], "2030-01-01T02:00:00Z");
    expect(lines(delta.out).map((l) => [l.id, l.last_updated])).toEqual([[changed.id, "2030-01-01T00:30:00Z"]]);
    expect(delta.since).toBe("2030-01-01T02:00:00Z");
  });

  it.each([
    { module: "tariffs", count: 3 },
    { module: "sessions", count: 6 },
    { module: "cdrs", count: 4 },
  ])("writes the $module to stdout ($count)", async ({ module, count }) => {
    const { code, out, err } = await pull(["--module", module]);
    expect(code).toBe(0);
    expect(lines(out)).toHaveLength(count);
    expect(err).toContain(`pulled ${count} ${module}`);
  });

  it("says how the peer deviates from OCPI in plain words on stderr, each kind once, with a count of repeats", async () => {
    // Every page's timestamp with a space and no Z: lenient repairs it, and says so.
    const broken = await startBrokenPeer(
      (req, a) => (isList(req.url, "locations") ? editJson(a, (b) => void (b.timestamp = b.timestamp?.replace("T", " ").replace("Z", ""))) : a),
      { role: "cpo", locations: 25, seed: "pull" },
    );
    try {
      const io = captureIo();
      const argv = ["pull", "--versions-url", broken.versionsUrl, "--token", broken.tokenC!, "--module", "locations", "--page-size", "10"];
      expect(await runCli(argv, io)).toBe(0);
      expect(lines(io.out())).toHaveLength(25);
      const warnings = io
        .err()
        .split("\n")
        .filter((l) => l.startsWith("warning:"));
      expect(warnings).toEqual([expect.stringMatching(/^warning: the peer deviates from OCPI at \/timestamp: /)]);
      expect(io.err()).toMatch(/deviations seen more than once: \S+ 3 times/);
      expect(io.err()).not.toContain('{"level"');
    } finally {
      await broken.close();
    }
  });

  it("talks the version asked for", async () => {
    const old = await startMockPeer({ role: "cpo", versions: ["2.1.1", "2.2.1"], locations: 2 });
    try {
      const io = captureIo();
      expect(await runCli(["pull", "--versions-url", old.versionsUrl, "--token", old.tokenC!, "--module", "locations", "--version", "2.1.1"], io)).toBe(0);
      expect(lines(io.out()).map((l) => Object.hasOwn(l, "type") && !Object.hasOwn(l, "country_code"))).toEqual([true, true]); // 2.1.1 Locations
      expect(io.err()).toContain("(OCPI 2.1.1, X-Total-Count 2)");
    } finally {
      await old.close();
    }
  });

  it.each([
    { what: "a module the peer does not send", args: ["--module", "tokens"], message: "the peer offers no tokens SENDER endpoint in OCPI 2.2.1" },
    { what: "a token the peer does not know", args: ["--module", "locations"], token: "not-registered", message: "error: cannot connect to" },
  ])("exits 1 for $what", async ({ args, token, message }) => {
    const io = captureIo();
    const argv = ["pull", "--versions-url", mock.versionsUrl, "--token", token ?? mock.tokenC!, ...args];
    expect(await runCli(argv, io)).toBe(1);
    expect(io.err()).toContain(message);
    expect(io.out()).toBe("");
  });

  it.each([
    { argv: ["--module", "evses"], message: "argument 'evses' is invalid" },
    { argv: ["--module", "locations", "--since", "yesterday"], message: "must be an OCPI DateTime in UTC" },
    { argv: ["--module", "locations", "--since", "2024-02-30T00:00:00Z"], message: "must be an OCPI DateTime in UTC" },
    { argv: ["--module", "locations", "--validation", "loose"], message: "argument 'loose' is invalid" },
  ])("exits 2 for $argv", async ({ argv, message }) => {
    const io = captureIo();
    expect(await runCli(["pull", "--versions-url", mock.versionsUrl, "--token", "t", ...argv], io)).toBe(2);
    expect(io.err()).toContain(message);
  });
});
