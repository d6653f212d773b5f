import { formatIssues, toIssues, type PatternNames, type RawError, type ValidationIssue } from "./issues.js";

/** A validate function as ajv's standalone code exports it. */
export interface RawValidateFunction {
  (data: unknown): boolean;
  errors?: RawError[] | null;
}

export interface ValidateOptions {
  /** Reject fields the spec does not define. Off by default: OCPI asks receivers to tolerate unknown fields. */
  strict?: boolean;
}

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

export function defineValidator<T>(
  name: string,
  loose: RawValidateFunction,
  strict: RawValidateFunction,
  patternNames: PatternNames = {},
): Validator<T> {
  const pick = (options?: ValidateOptions) => (options?.strict ? strict : loose);
  const validate = (value: unknown, options?: ValidateOptions): ValidationResult<T> => {
    const fn = pick(options);
    if (fn(value)) return { ok: true, value: value as T };
    return { ok: false, errors: toIssues(fn.errors ?? [], patternNames) };
  };
  return {
    name,
    validate,
    is: (value: unknown, options?: ValidateOptions): value is T => pick(options)(value),
    parse(value: unknown, options?: ValidateOptions): T {
      const result = validate(value, options);
      if (!result.ok) throw new ValidationError(name, result.errors);
      return result.value;
    },
  };
}
