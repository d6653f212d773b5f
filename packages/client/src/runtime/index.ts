// What generated client bindings import (`@ocpi-sdk/client/runtime`), in this package and in users' projects.
export type { OperationCaller, OperationInfo } from "./operations.js";
