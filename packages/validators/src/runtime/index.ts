// What generated validators import (`@ocpi-sdk/validators/runtime`), in this package and in users' projects.
export { defineValidator } from "./validator.js";
export type { RawValidateFunction, Validator } from "./validator.js";
export type { KnownFields, KnownFieldsMap } from "./unknown-fields.js";
export { formats, formatOcpiDate, formatOcpiDateTime, formatUri, formatUriReference, ucs2length } from "./generated-runtime.js";
