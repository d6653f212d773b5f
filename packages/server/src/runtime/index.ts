// What generated route tables import (`@ocpi-sdk/server/runtime`), in this package and in users' projects.
export type { AsyncReply, OcpiReply, OcpiRequest, Page, PageRequest, RouteInfo } from "./routes.js";
