export { OcpiClient, CLIENT_VERSIONS } from "./client.js";
export { OcpiClientCore } from "./runtime/client.js";
export type { ClientVersion, CredentialsOf, DiscoveryOf, ModulesOf, ModulesWith, OcpiClientConstructor } from "./runtime/client.js";
export { OcpiError } from "./runtime/errors.js";
export type { OcpiErrorKind, OcpiErrorDetails } from "./runtime/errors.js";
export { OcpiPager } from "./runtime/operations.js";
export type { OcpiResult, OcpiPage, OperationInfo, OperationShape, PagerOptions, RequestOf, DataOf } from "./runtime/operations.js";
export type {
  BindingsTable,
  CallOptions,
  Deviation,
  DeviationCode,
  FetchLike,
  Lookup,
  OcpiClientOptions,
  PaginationLimits,
  RetryPolicy,
  ValidationMode,
  ValidationReport,
  VersionBindings,
} from "./runtime/options.js";
export { DEFAULT_AUTH_MESSAGE, isAuthError } from "./runtime/auth-errors.js";
export type { PageStep } from "./runtime/operations.js";
export { checkPeerProfile, jsonLogger, PeerProfileError } from "@ocpi-sdk/protocol";
export type { JsonLoggerOptions, Logger, LogLevel, PaginationMode, PeerProfile, Repair, RepairCode, UrlPolicy } from "@ocpi-sdk/protocol";
export { chooseVersion, findEndpoint } from "./runtime/discovery.js";
export type { EndpointEntry, VersionEntry } from "./runtime/discovery.js";
export type { ViewConversion, ViewOptions } from "./runtime/view.js";
