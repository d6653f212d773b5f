// The validators' runtime API. The validators themselves are imported per OCPI version, all of them or one by name:
//   import { validators } from "@ocpi-sdk/validators/2.2.1";
//   import { Location } from "@ocpi-sdk/validators/2.2.1";
export { defineValidator, ValidationError } from "./runtime/validator.js";
export type { RawValidateFunction, ValidateOptions, ValidationResult, Validator } from "./runtime/validator.js";
export type { KnownFields, KnownFieldsMap } from "./runtime/unknown-fields.js";
export { formatIssues, toIssue, toIssues } from "./runtime/issues.js";
export type { PatternNames, RawError, ValidationIssue } from "./runtime/issues.js";
export { formats, isCalendarDate } from "./runtime/generated-runtime.js";
