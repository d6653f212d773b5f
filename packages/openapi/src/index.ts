// The OpenAPI 3.1 documents, per OCPI version: `documents.ocpi` (every module and interface) and one per role
// (`documents.cpo`, `documents.emsp`, ...). As files: `@ocpi-sdk/openapi/2.2.1/cpo.json`.
export * from "./generated/index.gen.js";
export { selectOperations } from "./select.js";
export type { OpenApiDocument, SelectOptions } from "./select.js";
