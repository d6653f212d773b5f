// `ocpi conformance` against the mock peer (every check passes) and against a deliberately broken one (the rule
// that names the fault fails, with the evidence).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../program.js";
import { startMockPeer } from "../mock/peer.js";
import { captureIo, tempDir } from "../testing/io.js";
import { editJson, isList, startBrokenPeer, type Fault } from "../testing/tamper.js";
import { runConformance } from "./runner.js";
import { formatEvidence, type ConformanceReport } from "./results.js";

let dir: string;
let remove: () => Promise<void>;
beforeAll(async () => ({ dir, remove } = await tempDir("ocpi-conformance-")));
afterAll(() => remove());

/** testcases and failures of a JUnit file. */
function junitCounts(xml: string) {
  const suites = /<testsuites [^>]*tests="(\d+)" failures="(\d+)"/.exec(xml)!;
  return {
    tests: Number(suites[1]),
    failures: Number(suites[2]),
    testcases: xml.match(/<testcase /g)?.length ?? 0,
    failureElements: xml.match(/<failure /g)?.length ?? 0,
  };
}

describe("ocpi conformance against ocpi mock", () => {
  it.each([
    { role: "cpo", version: "2.2.1" },
    { role: "emsp", version: "2.2.1" },
    { role: "cpo", version: "2.1.1" },
    { role: "emsp", version: "2.1.1" },
    { role: "cpo", version: "2.3.0" },
    { role: "emsp", version: "2.3.0" },
  ] as const)("passes every check of a mock $role in OCPI $version, registering with its Token A", { timeout: 30_000 }, async ({ role, version }) => {
    const mock = await startMockPeer({ role, versions: [version], locations: 12 });
    try {
      const junit = path.join(dir, `${role}-${version}.xml`);
      const json = path.join(dir, `${role}-${version}.json`);
      const io = captureIo({ cwd: dir });
      // OCPI 2.1.1 does not say which role a peer plays: an eMSP is named.
      const code = await runCli(
        ["conformance", "--versions-url", mock.versionsUrl, "--token", mock.tokenA, "--role", role, "--junit", junit, "--json", json],
        io,
      );
      const report = JSON.parse(await readFile(json, "utf8")) as ConformanceReport;
      expect(
        report.checks.filter((c) => c.status === "fail"),
        io.err(),
      ).toEqual([]);
      expect(code).toBe(0);
      expect(report).toMatchObject({ version, role: role.toUpperCase(), registered: true });
      const ids = report.checks.map((c) => c.id);
      expect(ids).toEqual(
        expect.arrayContaining([
          "versions.list",
          "versions.details",
          "credentials.register",
          "credentials.get",
          "credentials.unregister",
          "transport.envelope",
        ]),
      );
      if (role === "cpo") {
        for (const module of ["locations", "tariffs", "sessions", "cdrs"]) {
          expect(report.checks.filter((c) => c.id.startsWith(`${module}.sender.`) && c.status === "pass").map((c) => c.id.slice(module.length + 8))).toEqual(
            expect.arrayContaining(["list", "pagination.headers", "pagination.link", "objects.valid", "filter.date_from", "filter.date_to", "unauthorized"]),
          );
        }
        expect(ids).toEqual(
          expect.arrayContaining([
            "locations.sender.get",
            "locations.sender.get.evse",
            "locations.sender.get.connector",
            "locations.sender.get.unknown",
            "tokens.receiver.get.unknown",
          ]),
        );
      } else {
        expect(ids).toEqual(expect.arrayContaining(["tokens.sender.objects.valid", "tokens.sender.authorize.unknown", "locations.receiver.get.unknown"]));
      }
      const counts = junitCounts(await readFile(junit, "utf8"));
      expect(counts).toEqual({ tests: report.checks.length, failures: 0, testcases: report.checks.length, failureElements: 0 });
      expect(io.err()).toMatch(/passed \d+, failed 0/);
      // The mock took the registration and the unregistration.
      expect((await mock.store.listParties()).filter((p) => p.roles.some((r) => r.party_id === "CNF")).map((p) => p.status)).toEqual(["unregistered"]);
    } finally {
      await mock.close();
    }
  });

  it("tests with a Token C as it is (--token-c), without registering, the receivers as the party given", async () => {
    const mock = await startMockPeer({ role: "cpo" });
    try {
      const json = path.join(dir, "token-c.json");
      const io = captureIo({ cwd: dir });
      const code = await runCli(
        ["conformance", "--versions-url", mock.versionsUrl, "--token", mock.tokenC!, "--token-c", "--party", "NL-TST", "--json", json],
        io,
      );
      expect(code).toBe(0);
      const report = JSON.parse(await readFile(json, "utf8")) as ConformanceReport;
      expect(report.registered).toBe(false);
      expect(report.checks.find((c) => c.id === "credentials.register")).toMatchObject({ status: "skip" });
      expect(report.checks.find((c) => c.id === "tokens.receiver.get.unknown")).toMatchObject({ status: "pass" });
      expect(report.checks.some((c) => c.id === "credentials.unregister")).toBe(false);
      expect(await mock.store.listParties()).toHaveLength(2); // the registered party and the Token A, untouched
    } finally {
      await mock.close();
    }
  });

  it("exits 2 without --versions-url or --token", async () => {
    const io = captureIo();
    expect(await runCli(["conformance", "--token", "x"], io)).toBe(2);
    expect(io.err()).toContain("required option '--versions-url <url>' not specified");
  });
});

/** A deliberately broken CPO: each fault, the rule that must fail, and what its evidence must say. */
const FAULTS: { name: string; fault: Fault; rewrite?: (url: URL) => URL; rule: string; evidence: RegExp; alsoFails?: string[] }[] = [
  {
    name: "drops X-Total-Count from the Locations list",
    fault: (req, a) => (isList(req.url, "locations") ? (a.headers.delete("X-Total-Count"), a) : a),
    rule: "locations.sender.pagination.headers",
    evidence: /X-Total-Count is missing \[GET http:\/\/127\.0\.0\.1:\d+\/ocpi\/2\.2\.1\/locations\/sender\?limit=\d+ → HTTP 200, OCPI 1000\]/,
  },
  {
    name: "spoils an EVSE status in the Locations list",
    fault: (req, a) =>
      isList(req.url, "locations") && a.status === 200
        ? editJson(a, (b) => void ((b.data as { evses: { status: string }[] }[])[0]!.evses[0]!.status = "BROKEN"))
        : a,
    rule: "locations.sender.objects.valid",
    evidence: /^\/data\/0\/evses\/0\/status = "BROKEN": Location must be one of "AVAILABLE"/,
    // The single GET of that Location (unspoiled) then differs from the list's copy with the same last_updated.
    alsoFails: ["locations.sender.get"],
  },
  {
    name: "ends the Locations list early: no Link on the first page",
    fault: (req, a) => (isList(req.url, "locations") ? (a.headers.delete("Link"), a) : a),
    rule: "locations.sender.pagination.link",
    evidence: /no Link rel="next" after \d+ of 12 objects \(X-Total-Count\)/,
  },
  {
    name: "ignores date_from on Tariffs",
    fault: (_, a) => a,
    rewrite: (url) => (isList(url, "tariffs") ? (url.searchParams.delete("date_from"), url) : url),
    rule: "tariffs.sender.filter.date_from",
    evidence: /^\/data\/0\/last_updated = "[^"]+": is before date_from=/,
  },
  {
    name: "answers an unknown Location with 200 and no data",
    fault: (req, a) =>
      /\/locations\/sender\/ZZ-UNKNOWN-/.test(req.url.pathname)
        ? { ...a, status: 200, body: JSON.stringify({ status_code: 1000, timestamp: "2024-01-01T00:00:00Z" }) }
        : a,
    rule: "locations.sender.get.unknown",
    evidence: /HTTP 200 for an unknown object, expected 404/,
  },
  {
    name: "lets a wrong token read the Sessions",
    fault: (req, a) => (isList(req.url, "sessions") && a.status === 401 ? { ...a, status: 200 } : a),
    rule: "sessions.sender.unauthorized",
    evidence: /HTTP 200 for a wrong token, expected 401/,
  },
  {
    name: "sends timestamps with a space",
    fault: (req, a) =>
      req.url.pathname.endsWith("/tariffs/sender") ? editJson(a, (b) => void (b.timestamp = b.timestamp?.replace("T", " ").replace("Z", ""))) : a,
    rule: "transport.timestamp",
    evidence: /^\/timestamp = "\d{4}-\d\d-\d\d \d\d:\d\d:\d\d": must be an OCPI DateTime/,
  },
  {
    name: "does not echo X-Correlation-ID on CDRs",
    fault: (req, a) => (req.url.pathname.includes("/cdrs/") ? (a.headers.delete("X-Correlation-ID"), a) : a),
    rule: "transport.correlation-id",
    evidence: /X-Correlation-ID is missing, the request sent [0-9a-f-]{36}/,
  },
];

describe("ocpi conformance against a broken peer", () => {
  it.each(FAULTS)("fails $rule when the peer $name", { timeout: 30_000 }, async ({ fault, rewrite, rule, evidence, alsoFails = [] }) => {
    const peer = await startBrokenPeer(fault, { role: "cpo", locations: 12 }, rewrite);
    try {
      const report = await runConformance({ versionsUrl: peer.versionsUrl, token: peer.tokenA });
      const failed = report.checks.filter((c) => c.status === "fail");
      expect(failed.map((c) => c.id)).toContain(rule);
      const check = failed.find((c) => c.id === rule)!;
      expect(check.evidence.map((e) => formatEvidence(e))).toEqual(expect.arrayContaining([expect.stringMatching(evidence)]));
      // Only the rules the fault breaks fail.
      expect(failed.map((c) => c.id).sort()).toEqual([rule, ...alsoFails].sort());
    } finally {
      await peer.close();
    }
  });

  it("ends with exit 1 and a JUnit failure carrying the evidence", { timeout: 30_000 }, async () => {
    const peer = await startBrokenPeer(FAULTS[0]!.fault, { role: "cpo", locations: 12 });
    try {
      const junit = path.join(dir, "broken.xml");
      const io = captureIo({ cwd: dir });
      expect(await runCli(["conformance", "--versions-url", peer.versionsUrl, "--token", peer.tokenA, "--junit", junit], io)).toBe(1);
      const xml = await readFile(junit, "utf8");
      expect(junitCounts(xml).failures).toBe(1);
      expect(xml).toMatch(/<failure message="[^"]*" type="locations.sender.pagination.headers">- page 1: X-Total-Count is missing/);
      expect(io.err()).toContain("✘ locations.sender.pagination.headers");
      expect(io.err()).not.toMatch(/\x1b\[/); // not a TTY: no colour
    } finally {
      await peer.close();
    }
  });

  it("says what the peer called back when registration fails", { timeout: 30_000 }, async () => {
    // The peer refuses our credentials: its POST answers 3001 after reading our versions.
    const fault: Fault = (req, a) =>
      req.method === "POST" && req.url.pathname.endsWith("/credentials")
        ? { ...a, status: 400, body: JSON.stringify({ status_code: 3001, status_message: "cannot use your API", timestamp: "2024-01-01T00:00:00Z" }) }
        : a;
    const peer = await startBrokenPeer(fault, { role: "cpo" });
    try {
      const report = await runConformance({ versionsUrl: peer.versionsUrl, token: peer.tokenA });
      const register = report.checks.find((c) => c.id === "credentials.register")!;
      expect(register.status).toBe("fail");
      expect(register.evidence[0]).toMatchObject({ httpStatus: 400, statusCode: 3001, method: "POST" });
      expect(register.evidence[1]!.message).toMatch(/^the peer called our server: GET http:\/\/127\.0\.0\.1:\d+\/ocpi\/versions → HTTP 200/);
      expect(report.checks.find((c) => c.id === "locations.sender.list")).toMatchObject({ status: "skip", message: "no Token C: the registration failed" });
    } finally {
      await peer.close();
    }
  });
});
