export { OcpiClient, OcpiClientCore, CLIENT_VERSIONS } from "./runtime/client.js";
export type { ClientVersion, CredentialsOf, DiscoveryOf, ModulesOf, OcpiClientConstructor } from "./runtime/client.js";
export { OcpiError } from "./runtime/errors.js";
export type { OcpiErrorKind, OcpiErrorDetails } from "./runtime/errors.js";
export { OcpiPager } from "./runtime/operations.js";
export type { OcpiResult, OcpiPage, OperationInfo, RequestOf, DataOf } from "./runtime/operations.js";
export type { CallOptions, OcpiClientOptions, RetryPolicy, ValidationMode, ValidationReport } from "./runtime/options.js";
export { chooseVersion, findEndpoint } from "./runtime/discovery.js";
export type { EndpointEntry, VersionEntry } from "./runtime/discovery.js";
