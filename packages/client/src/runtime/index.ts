// What generated client bindings import (`@ocpi-sdk/client/runtime`), in this package and in users' projects.
export type { OperationCaller, OperationInfo } from "./operations.js";
export { defineClient, OcpiClientCore } from "./client.js";
export type { ClientVersion, OcpiClient, OcpiClientConstructor } from "./client.js";
export type { BindingsTable } from "./options.js";
