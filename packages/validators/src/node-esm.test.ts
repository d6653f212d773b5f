// The built package works under plain Node ESM (no vitest module shims): imported by its public subpath.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

describe("built @ocpi-sdk/validators under plain Node", () => {
  it("validates through the 2.2.1 subpath export", () => {
    const script = `
      import { validators } from "@ocpi-sdk/validators/2.2.1";
      import { formatIssues } from "@ocpi-sdk/validators";
      const ok = validators.DisplayText.validate({ language: "en", text: "hi" });
      const bad = validators.DisplayText.validate({ language: "eng" });
      console.log(JSON.stringify({ ok: ok.ok, bad: formatIssues(bad.errors) }));
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
    expect(JSON.parse(out)).toEqual({ ok: true, bad: "/text: is required; /language: must be at most 2 characters long" });
  });

  it("imports one validator by name, strict included", () => {
    const script = `
      import { DisplayText, validators } from "@ocpi-sdk/validators/2.2.1";
      import { formatIssues } from "@ocpi-sdk/validators";
      const extra = { language: "en", text: "hi", colour: "red" };
      const strict = DisplayText.validate(extra, { strict: true });
      console.log(JSON.stringify({ same: DisplayText === validators.DisplayText, lenient: DisplayText.is(extra), strict: formatIssues(strict.errors) }));
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
    expect(JSON.parse(out)).toEqual({ same: true, lenient: true, strict: "/colour: is not a field of this object" });
  });
});
