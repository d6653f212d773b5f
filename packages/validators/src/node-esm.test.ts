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
});
