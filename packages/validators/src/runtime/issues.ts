/** Turns ajv's raw errors into issues in plain words, each naming the field as a JSON pointer. */
import { escapeToken } from "./pointer.js";

/** One reason a value was rejected. */
export interface ValidationIssue {
  /** JSON pointer (RFC 6901) of the offending field; for a missing field, the pointer it would have. */
  pointer: string;
  /** What is wrong, in plain words. */
  message: string;
  /** The JSON Schema keyword that failed (`required`, `enum`, `maxLength`, ...). */
  keyword: string;
}

/** The shape of an error that ajv's generated code reports. */
export interface RawError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
}

/**
 * Which basic type of the types chapter a pattern belongs to (pattern source -> type name), generated from the
 * schemas, so that a failed pattern is reported as what it means rather than as a regular expression.
 */
export type PatternNames = Readonly<Record<string, string>>;

const PATTERN_MESSAGES: Record<string, string> = {
  DateTime: "must be an RFC 3339 date-time in UTC, e.g. 2019-06-24T12:39:09Z",
  CiString: "must contain printable ASCII characters only",
  string: "must not contain control characters (line breaks, tabs, ...)",
};

const FORMAT_MESSAGES: Record<string, string> = {
  uri: "must be an absolute URL",
  "uri-reference": "must be a URL without white space",
  "ocpi-date-time": "must be a date-time on a day that exists (no February 30, no year 0000), e.g. 2019-06-24T12:39:09Z",
  "ocpi-date": "must be a date that exists (no February 30, no year 0000), e.g. 2015-12-24",
};

/**
 * Formats that restate their field's pattern and add a calendar check: a value that already fails the pattern is
 * not reported a second time by the format.
 */
const PATTERN_FORMATS: ReadonlySet<string> = new Set(["ocpi-date-time", "ocpi-date"]);

const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  number: "a number",
  integer: "a whole number",
  boolean: "true or false",
  object: "an object",
  array: "an array",
  null: "null",
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** One of ajv's raw errors in plain words, at the JSON pointer of the field it is about (a missing field's own). */
export function toIssue(error: RawError, patternNames: PatternNames = {}): ValidationIssue {
  const { keyword, params, instancePath } = error;
  switch (keyword) {
    case "required":
      return { pointer: `${instancePath}/${escapeToken(String(params.missingProperty))}`, message: "is required", keyword };
    case "additionalProperties":
      return {
        pointer: `${instancePath}/${escapeToken(String(params.additionalProperty))}`,
        message: "is not a field of this object",
        keyword,
      };
    case "type": {
      const types = String(params.type).split(",");
      return { pointer: instancePath, message: `must be ${types.map((t) => TYPE_WORDS[t] ?? t).join(" or ")}`, keyword };
    }
    case "enum":
      return {
        pointer: instancePath,
        message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`,
        keyword,
      };
    case "maxLength":
      return { pointer: instancePath, message: `must be at most ${plural(Number(params.limit), "character")} long`, keyword };
    case "minLength":
      return { pointer: instancePath, message: `must be at least ${plural(Number(params.limit), "character")} long`, keyword };
    case "minItems":
      return { pointer: instancePath, message: `must have at least ${plural(Number(params.limit), "item")}`, keyword };
    case "maxItems":
      return { pointer: instancePath, message: `must have at most ${plural(Number(params.limit), "item")}`, keyword };
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return { pointer: instancePath, message: `must be ${String(params.comparison)} ${String(params.limit)}`, keyword };
    case "pattern": {
      const pattern = String(params.pattern);
      const type = patternNames[pattern];
      const message = type === undefined ? undefined : (PATTERN_MESSAGES[type] ?? `must be a valid ${type}`);
      return { pointer: instancePath, message: message ?? `must match the pattern ${pattern}`, keyword };
    }
    case "format":
      return { pointer: instancePath, message: FORMAT_MESSAGES[String(params.format)] ?? `must be a valid ${String(params.format)}`, keyword };
    default:
      return { pointer: instancePath, message: `is not valid (${keyword})`, keyword };
  }
}

/** Issues from ajv's errors, without the duplicates ajv reports when a value fails in several branches. */
export function toIssues(errors: readonly RawError[], patternNames: PatternNames = {}): ValidationIssue[] {
  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  const failedPattern = new Set(errors.filter((e) => e.keyword === "pattern").map((e) => e.instancePath));
  for (const error of errors) {
    if (error.keyword === "format" && PATTERN_FORMATS.has(String(error.params.format)) && failedPattern.has(error.instancePath)) continue;
    const issue = toIssue(error, patternNames);
    const key = `${issue.pointer}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

/** `"/evses/0/uid: is required; /name: must be a string"`, for logs and OCPI `status_message`s. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `${i.pointer || "/"}: ${i.message}`).join("; ");
}
