// `ocpi validate`: what it prints for valid and invalid documents, NDJSON, envelopes, auto-detection, exit codes.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../program.js";
import { mockLocations, mockSessions, mockTariffs, mockTokens } from "../mock/data.js";
import { seededRandom } from "../mock/prng.js";
import { captureIo, tempDir } from "../testing/io.js";

const cpo = { country_code: "NL", party_id: "CPO" };
const emsp = { country_code: "NL", party_id: "MSP" };
const random = seededRandom("validate-tests");
const [location, otherLocation] = mockLocations(random.fork("l"), 2, cpo);
const tariffs = mockTariffs(cpo);
const { sessions, cdrs } = mockSessions(random.fork("s"), 3, cpo, emsp, [location!], tariffs);
const [token] = mockTokens(random.fork("t"), 1, emsp);

/** A Location with three faults: a missing required field, a value outside its enum, a field OCPI does not define. */
const brokenLocation = () => {
  const copy = structuredClone(location!) as unknown as Record<string, unknown> & { evses: { status: string }[] };
  delete copy.city;
  copy.evses[0]!.status = "BROKEN";
  copy.colour = "green";
  return copy;
};

let dir: string;
let remove: () => Promise<void>;
beforeAll(async () => ({ dir, remove } = await tempDir()));
afterAll(() => remove());

/** Writes `content` (JSON unless a string) to a file of the temp folder and runs `ocpi validate` on it. */
async function validate(name: string, content: unknown, ...flags: string[]) {
  await writeFile(path.join(dir, name), typeof content === "string" ? content : JSON.stringify(content, null, 2));
  const io = captureIo({ cwd: dir });
  const code = await runCli(["validate", ...flags, name], io);
  return { code, out: io.out(), err: io.err() };
}

describe("ocpi validate", () => {
  it("passes a valid object silently on stdout, naming what it detected on stderr, exit 0", async () => {
    const { code, out, err } = await validate("location.json", location);
    expect(code).toBe(0);
    expect(out).toBe("");
    expect(err).toContain("location.json: valid Location (auto-detected), OCPI 2.2.1");
  });

  it("prints one `pointer: message` line per issue and exits 1", async () => {
    const { code, out, err } = await validate("broken.json", brokenLocation());
    expect(code).toBe(1);
    expect(out.trim().split("\n")).toEqual([
      "/city: is required",
      "/colour: is not a field of this object",
      expect.stringMatching(/^\/evses\/0\/status: must be one of "AVAILABLE", /),
    ]);
    expect(err).toContain("broken.json: 3 issues in Location (auto-detected)");
  });

  it("accepts fields OCPI does not define with --no-strict", async () => {
    const withExtra = { ...location!, colour: "green" };
    expect((await validate("extra.json", withExtra)).code).toBe(1);
    const loose = await validate("extra.json", withExtra, "--no-strict");
    expect(loose.code).toBe(0);
    expect(loose.err).toContain("unknown fields allowed");
  });

  it.each([
    { what: "a Location", value: location, schema: "Location" },
    { what: "an EVSE", value: location!.evses![0], schema: "EVSE" },
    { what: "a Connector", value: location!.evses![0]!.connectors[0], schema: "Connector" },
    { what: "a Tariff", value: tariffs[1], schema: "Tariff" },
    { what: "a Session (it has cdr_token and total_cost, as a CDR has)", value: sessions[0], schema: "Session" },
    { what: "a CDR", value: cdrs[0], schema: "CDR" },
    { what: "a Token", value: token, schema: "Token" },
    {
      what: "a CommandResponse (a ChargingProfileResponse too: the first in the table wins)",
      value: { result: "ACCEPTED", timeout: 30 },
      schema: "CommandResponse",
    },
    {
      what: "VersionDetails",
      value: { version: "2.2.1", endpoints: [{ identifier: "credentials", role: "RECEIVER", url: "https://x.example.com/ocpi/2.2.1/credentials" }] },
      schema: "VersionDetails",
    },
  ])("detects $what", async ({ value, schema }) => {
    const { code, err } = await validate("detect.json", value);
    expect(code).toBe(0);
    expect(err).toMatch(new RegExp(`valid ${schema} \\(auto-detected`));
  });

  it("says which other objects the value is valid as", async () => {
    const { err } = await validate("ambiguous.json", { result: "ACCEPTED", timeout: 30 });
    expect(err).toContain("also valid as ChargingProfileResponse");
  });

  it("chooses the candidate with the fewest issues when none validates", async () => {
    const cdr = structuredClone(cdrs[0]!) as unknown as Record<string, unknown>;
    delete cdr.total_time;
    const { code, out, err } = await validate("cdr.json", cdr);
    expect(code).toBe(1);
    expect(out.trim()).toBe("/total_time: is required");
    expect(err).toContain("1 issue in CDR (auto-detected)");
  });

  it("names an object it cannot recognise and asks for --schema", async () => {
    const { code, out } = await validate("unknown.json", { hello: "world" });
    expect(code).toBe(1);
    expect(out).toContain("/: cannot tell which OCPI object this is");
    expect(out).toContain("--schema");
  });

  it("validates as the schema named with --schema, in the version named", async () => {
    const patch = { status: "CHARGING", last_updated: "2024-01-01T00:00:00Z" };
    expect((await validate("patch.json", patch, "--schema", "EVSEPatch")).code).toBe(0);
    const { code, out } = await validate("patch.json", { status: "CHARGING" }, "--schema", "EVSEPatch");
    expect(code).toBe(1);
    expect(out.trim()).toBe("/last_updated: is required");
    // A 2.2.1 Location is not a 2.1.1 one: 2.1.1 has `type` and no owner fields.
    const old = await validate("old.json", location, "--version", "2.1.1", "--schema", "Location");
    expect(old.code).toBe(1);
    expect(old.out).toContain("/type: is required");
  });

  it("checks an OCPI envelope and unwraps its list, pointers into the envelope", async () => {
    const envelope = { data: [location, brokenLocation()], status_code: 1000, timestamp: "2024-06-01 12:00:00" };
    const { code, out, err } = await validate("envelope.json", envelope);
    expect(code).toBe(1);
    const lines = out.trim().split("\n");
    expect(lines[0]).toBe("/timestamp: must be an RFC 3339 date-time in UTC, e.g. 2019-06-24T12:39:09Z");
    expect(lines).toContain("/data/1/city: is required");
    expect(err).toContain("OCPI response envelope with 2 objects (Location ×2, auto-detected)");
  });

  it("checks an envelope of one object and an error envelope without data", async () => {
    expect((await validate("one.json", { data: tariffs[0], status_code: 1000, timestamp: "2024-06-01T12:00:00Z" })).code).toBe(0);
    const error = await validate("error.json", { status_code: 2003, status_message: "Unknown location", timestamp: "2024-06-01T12:00:00Z" });
    expect(error.code).toBe(0);
    expect(error.err).toContain("OCPI response envelope without data");
  });

  it("takes a top-level list item by item", async () => {
    const { code, out } = await validate("list.json", [location, { ...otherLocation!, publish: "yes" }]);
    expect(code).toBe(1);
    expect(out.trim()).toBe("/1/publish: must be true or false");
  });

  it("reads NDJSON line by line, prefixing each issue with its line number", async () => {
    const lines = [JSON.stringify(location), "", JSON.stringify(brokenLocation()), "{not json", JSON.stringify(tariffs[0])].join("\n");
    const { code, out, err } = await validate("objects.ndjson", lines);
    expect(code).toBe(1);
    const printed = out.trim().split("\n");
    expect(printed).toContain("line 3: /city: is required");
    expect(printed.find((l) => l.startsWith("line 4: "))).toMatch(/^line 4: not JSON: /);
    expect(printed.some((l) => l.startsWith("line 1:") || l.startsWith("line 5:"))).toBe(false);
    expect(err).toContain("objects.ndjson: 4 lines (Location ×2, Tariff ×1, auto-detected, OCPI 2.2.1): 2 valid, 2 invalid");
  });

  it("recognises NDJSON by its lines when the file is not named .ndjson", async () => {
    const { code, err } = await validate("objects.txt", `${JSON.stringify(location)}\n${JSON.stringify(token)}\n`);
    expect(code).toBe(0);
    expect(err).toContain("2 lines (Location ×1, Token ×1");
  });

  it("reads standard input for -", async () => {
    const io = captureIo({ input: JSON.stringify(brokenLocation()) });
    expect(await runCli(["validate", "-"], io)).toBe(1);
    expect(io.out()).toContain("/city: is required");
    expect(io.err()).toContain("stdin: 3 issues");
  });

  it("prints one JSON object with --json", async () => {
    const { code, out } = await validate("broken.json", brokenLocation(), "--json");
    expect(code).toBe(1);
    const report = JSON.parse(out) as { valid: boolean; documents: { objects: { schema: string; detected: boolean; issues: { pointer: string }[] }[] }[] };
    expect(report.valid).toBe(false);
    expect(report.documents[0]!.objects[0]).toMatchObject({ schema: "Location", detected: true });
    expect(report.documents[0]!.objects[0]!.issues.map((i) => i.pointer)).toEqual(["/city", "/colour", "/evses/0/status"]);
  });

  it.each([
    { what: "an unknown option", argv: ["validate", "--bogus", "x.json"], message: "unknown option '--bogus'" },
    { what: "an unknown version", argv: ["validate", "--version", "2.0", "x.json"], message: "argument '2.0' is invalid" },
    { what: "an unknown schema", argv: ["validate", "--schema", "Locaton", "x.json"], message: 'OCPI 2.2.1 has no schema "Locaton"' },
    { what: "a missing file", argv: ["validate", "nothing-here.json"], message: "cannot read nothing-here.json: no such file" },
    { what: "no file at all", argv: ["validate"], message: "missing required argument 'file'" },
    { what: "an unknown command", argv: ["frobnicate"], message: "unknown command 'frobnicate'" },
  ])("exits 2 for $what, saying so on stderr", async ({ argv, message }) => {
    const io = captureIo({ cwd: dir });
    expect(await runCli(argv, io)).toBe(2);
    expect(io.err()).toContain(message);
    expect(io.out()).toBe("");
  });
});
