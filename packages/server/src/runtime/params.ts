import { escapePointerToken } from "@ocpi-sdk/protocol";
import type { ValidationIssue } from "@ocpi-sdk/validators";
import type { ParamCheck } from "./routes.js";

/** Control characters (NUL, CR, LF, ...) have no place in any OCPI parameter: they are refused before anything sees them. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** A parameter the spec leaves free (response_id, ...): visible ASCII only, and at most this long. */
const FREE_PARAM = /^[\u0021-\u007e]+$/;
const FREE_MAX_LENGTH = 255;

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
    const pointer = `/${where}/${escapePointerToken(check.name)}`;
    const value = raw[check.name];
    if (value === undefined || value === "") {
      if (check.required) issues.push({ pointer, message: "is required", keyword: "required" });
      continue;
    }
    if (CONTROL.test(value)) {
      issues.push({ pointer, message: "must not contain control characters", keyword: "pattern" });
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
    const maxLength = check.maxLength ?? FREE_MAX_LENGTH;
    if ([...value].length > maxLength) {
      issues.push({ pointer, message: `must be at most ${maxLength} characters long`, keyword: "maxLength" });
      continue;
    }
    if (!check.validator && !FREE_PARAM.test(value)) {
      issues.push({ pointer, message: "must be visible ASCII characters only", keyword: "pattern" });
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
