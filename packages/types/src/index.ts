// The types of each OCPI version, as a namespace; or import one version directly:
//   import type { Location } from "@ocpi-sdk/types/2.2.1";
export type * as v2_1_1 from "./generated/2.1.1/index.gen.js";
export type * as v2_2_1 from "./generated/2.2.1/index.gen.js";
export type * as v2_3_0 from "./generated/2.3.0/index.gen.js";
