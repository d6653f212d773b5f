/**
 * Validation of one JSON document: an OCPI object, a list of them, or an OCPI response envelope around either
 * (checked itself, then unwrapped). Every issue is named by a JSON pointer into the document as given.
 */
import { formatIssues, type ValidationIssue } from "@ocpi-sdk/validators";
import { detect } from "./detect.js";
import { validatorOf, type OcpiVersion } from "./versions.js";

/** How `ocpi validate` checks a document: the OCPI version, the schema (or `auto`), strict or not. */
export interface ValidateOptions {
  version: OcpiVersion;
  /** A schema name of the version (`Location`, `CDR`, `EVSEPatch`, ...) or `auto` to detect each object. */
  schema: string;
  /** Reject fields the spec does not define (default true: what we send should carry none). */
  strict?: boolean;
}

/** One object of a document, and what it was validated as. */
export interface ObjectResult {
  /** Where the object is in the document: `""` for the whole of it, `/data/3` for the fourth of an envelope's list. */
  pointer: string;
  /** The schema it was validated as; undefined when auto-detection found no candidate. */
  schema?: string;
  /** Whether the schema was detected (true) or named by the user. */
  detected: boolean;
  /** Other schemas it is valid as too (auto-detection only). */
  alsoValid: string[];
  /** Issues, their pointers relative to the document. */
  issues: ValidationIssue[];
}

/** What a document held and what is wrong with it: the envelope, each object, and every issue. */
export interface DocumentResult {
  valid: boolean;
  /** Whether an envelope was unwrapped. */
  envelope: boolean;
  /** Issues of the envelope itself (status_code, timestamp, ...), pointers relative to the document. */
  envelopeIssues: ValidationIssue[];
  objects: ObjectResult[];
  /** Every issue of the document, envelope first, in document order. */
  issues: ValidationIssue[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** An OCPI response envelope: an object with `status_code` and `timestamp` (and, mostly, `data`). */
export const isEnvelope = (value: unknown): value is Record<string, unknown> => isObject(value) && "status_code" in value && "timestamp" in value;

const prefixed = (prefix: string, issues: readonly ValidationIssue[]) => issues.map((i) => ({ ...i, pointer: `${prefix}${i.pointer}` }));

/** Validates one object found at `pointer` of the document. */
function validateObject(value: unknown, pointer: string, options: ValidateOptions): ObjectResult {
  const strict = options.strict ?? true;
  if (options.schema !== "auto") {
    const validator = validatorOf(options.version, options.schema);
    if (!validator) throw new Error(`OCPI ${options.version} has no schema ${options.schema}`);
    const result = validator.validate(value, { strict });
    return { pointer, schema: options.schema, detected: false, alsoValid: [], issues: result.ok ? [] : prefixed(pointer, result.errors) };
  }
  const found = detect(options.version, value, strict);
  if (!found) {
    const what = isObject(value)
      ? "an object without the fields of any OCPI object the CLI knows"
      : `${Array.isArray(value) ? "a list" : typeof value === "object" ? "null" : `a ${typeof value}`}, not an object`;
    return {
      pointer,
      detected: true,
      alsoValid: [],
      issues: [{ pointer, message: `cannot tell which OCPI object this is (${what}): name it with --schema`, keyword: "detect" }],
    };
  }
  return { pointer, schema: found.schema, detected: true, alsoValid: found.alsoValid, issues: prefixed(pointer, found.issues) };
}

/** The objects of a value: itself, or each item of a list (pointer prefix `/i`). */
function objectsOf(value: unknown, pointer: string, options: ValidateOptions): ObjectResult[] {
  // A list is taken item by item, unless the schema named is itself a list type (none of OCPI's named schemas is).
  if (Array.isArray(value)) return value.map((item, i) => validateObject(item, `${pointer}/${i}`, options));
  return [validateObject(value, pointer, options)];
}

/** Validates a parsed JSON document. Throws for a schema name the version does not have. */
export function validateDocument(value: unknown, options: ValidateOptions): DocumentResult {
  let envelopeIssues: ValidationIssue[] = [];
  let objects: ObjectResult[];
  const envelope = isEnvelope(value);
  if (envelope) {
    const result = validatorOf(options.version, "OcpiResponse")!.validate(value, { strict: options.strict ?? true });
    envelopeIssues = result.ok ? [] : result.errors;
    // An error answer carries no data, and some answers a plain string: only the envelope is checked then, unless
    // a schema was named.
    const data = value.data;
    const objectLike = typeof data === "object" && data !== null;
    objects = data === undefined || (!objectLike && options.schema === "auto") ? [] : objectsOf(data, "/data", options);
  } else {
    objects = objectsOf(value, "", options);
  }
  const issues = [...envelopeIssues, ...objects.flatMap((o) => o.issues)];
  return { valid: issues.length === 0, envelope, envelopeIssues, objects, issues };
}

/** `pointer: message`, one line per issue (the root pointer shown as `/`). */
export function issueLines(issues: readonly ValidationIssue[]): string[] {
  return issues.map((issue) => formatIssues([issue]));
}
