import { formatIssues, toIssues, type PatternNames, type RawError, type ValidationIssue } from "./issues.js";
import { compileKnownFields, hasUnknownFields, mergeUnknownFieldErrors, unknownFieldErrors, type FieldsNode, type KnownFields } from "./unknown-fields.js";

/** A validate function as ajv's standalone code exports it. */
export interface RawValidateFunction {
  (data: unknown): boolean;
  errors?: RawError[] | null;
}

/** How {@link Validator.validate}, `is` and `parse` check a value. */
export interface ValidateOptions {
  /**
   * Also reject fields the spec does not define, at any depth (each reported as `is not a field of this object`).
   * Off by default: OCPI asks receivers to tolerate unknown fields.
   */
  strict?: boolean;
}

/** The value, typed, when it is valid; otherwise every issue found, each naming its field as a JSON pointer. */
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: ValidationIssue[] };

/** Thrown by {@link Validator.parse}; `issues` says what is wrong and where. */
export class ValidationError extends Error {
  override readonly name = "ValidationError";
  constructor(
    readonly schema: string,
    readonly issues: ValidationIssue[],
  ) {
    super(`Invalid ${schema}: ${formatIssues(issues)}`);
  }
}

/** A precompiled validator of one OCPI schema. */
export interface Validator<T> {
  /** The spec's name of the schema, e.g. `Location`. */
  readonly name: string;
  /** The value, typed, or every issue found. */
  validate(value: unknown, options?: ValidateOptions): ValidationResult<T>;
  /** Type guard. */
  is(value: unknown, options?: ValidateOptions): value is T;
  /** The value, typed; throws {@link ValidationError}. */
  parse(value: unknown, options?: ValidateOptions): T;
}

/**
 * A validator over ajv's lenient (unknown fields allowed) validate function of a schema. Strict validation is that
 * function plus a walk of the schema's table of known fields (`fields.gen.ts`), which reports unknown fields as
 * `additionalProperties` errors.
 */
export function defineValidator<T>(name: string, loose: RawValidateFunction, table: KnownFields = 0, patternNames: PatternNames = {}): Validator<T> {
  let walked: FieldsNode | undefined;
  const fields = (): FieldsNode => (walked ??= compileKnownFields(table));
  const ok = (value: unknown): ValidationResult<T> => ({ ok: true, value: value as T });
  const failed = (errors: readonly RawError[]): ValidationResult<T> => ({ ok: false, errors: toIssues(errors, patternNames) });

  const validate = (value: unknown, options?: ValidateOptions): ValidationResult<T> => {
    const strict = !!options?.strict;
    const valid = loose(value);
    if (!strict || table === 0) return valid ? ok(value) : failed(loose.errors ?? []);
    // Read before anything else runs the lenient function again: it keeps only its last call's errors.
    const errors = valid ? [] : (loose.errors ?? []);
    const root = fields();
    if (valid && !hasUnknownFields(value, root)) return ok(value);
    const unknown = unknownFieldErrors(value, root);
    return unknown.length === 0 && valid ? ok(value) : failed(mergeUnknownFieldErrors(errors, unknown, root));
  };
  const is = (value: unknown, options?: ValidateOptions): value is T => {
    if (!options?.strict) return loose(value);
    return loose(value) && (table === 0 || !hasUnknownFields(value, fields()));
  };
  return {
    name,
    validate,
    is,
    parse(value: unknown, options?: ValidateOptions): T {
      const result = validate(value, options);
      if (!result.ok) throw new ValidationError(name, result.errors);
      return result.value;
    },
  };
}
