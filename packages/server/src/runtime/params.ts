import type { ValidationIssue } from "@ocpi-sdk/validators";
import type { ParamCheck } from "./routes.js";

const escapeToken = (token: string) => token.replace(/~/g, "~0").replace(/\//g, "~1");

/**
 * Checks and converts raw path or query values against their parameter descriptions. Issues name the parameter as a
 * JSON pointer under `where` (`/path/location_id`, `/query/limit`).
 */
export function checkParams(
  checks: readonly ParamCheck[],
  raw: Record<string, string | undefined>,
  where: "path" | "query",
): { values: Record<string, unknown>; issues: ValidationIssue[] } {
  const values: Record<string, unknown> = {};
  const issues: ValidationIssue[] = [];
  for (const check of checks) {
    const pointer = `/${where}/${escapeToken(check.name)}`;
    const value = raw[check.name];
    if (value === undefined || value === "") {
      if (check.required) issues.push({ pointer, message: "is required", keyword: "required" });
      continue;
    }
    if (check.type === "integer") {
      if (!/^\d{1,15}$/.test(value)) {
        issues.push({ pointer, message: "must be a whole number of at least 0", keyword: "type" });
        continue;
      }
      values[check.name] = Number(value);
      continue;
    }
    if (check.maxLength !== undefined && [...value].length > check.maxLength) {
      issues.push({ pointer, message: `must be at most ${check.maxLength} characters long`, keyword: "maxLength" });
      continue;
    }
    if (check.validator) {
      const result = check.validator.validate(value);
      if (!result.ok) {
        issues.push(...result.errors.map((e) => ({ ...e, pointer: pointer + e.pointer })));
        continue;
      }
    }
    values[check.name] = value;
  }
  return { values, issues };
}
