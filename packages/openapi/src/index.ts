// The OpenAPI 3.1 documents, per OCPI version: `documents.ocpi` (every module and interface) and one per role
// (`documents.cpo`, `documents.emsp`, ...). As files: `@ocpi-sdk/openapi/2.2.1/cpo.json`.
export * as v2_1_1 from "./generated/2.1.1/index.gen.js";
export * as v2_2_1 from "./generated/2.2.1/index.gen.js";
export * as v2_3_0 from "./generated/2.3.0/index.gen.js";
