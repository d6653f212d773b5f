// The types of each OCPI version, as a namespace; or import one version directly:
//   import type { Location } from "@ocpi-sdk/types/2.2.1";
export type * from "./generated/index.gen.js";
