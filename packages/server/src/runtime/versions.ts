/** The route tables and handler interfaces of every version the server can serve, and how their routes correspond. */
import { OCPI_VERSIONS, type OcpiVersion } from "@ocpi-sdk/protocol";
import { routes as GENERATED_ROUTES, type VersionHandlers } from "../generated/index.gen.js";
import { EXTENSION_ROUTES } from "./extension-routes.js";
import type { RouteInfo } from "./routes.js";

/** A version the server can serve: every version the SDK implements (each has a generated route table). */
export type ServedVersion = OcpiVersion;

/** Every version the server can serve, lowest first. */
export const SERVER_VERSIONS = OCPI_VERSIONS;

/** The handler interfaces of a version. */
export type HandlersOf<V extends ServedVersion> = VersionHandlers[V];

/** Handlers of any version, keyed by it: what a server serves natively in that version. */
export type HandlersByVersion = { [V in ServedVersion]?: HandlersOf<V> };

/** The built-in route table of each version. */
export const ROUTES: Readonly<Record<ServedVersion, readonly RouteInfo[]>> = GENERATED_ROUTES;

/** The version a route belongs to (its layout path starts with it; `/versions` belongs to none). */
export function versionOf(route: RouteInfo): ServedVersion | undefined {
  const first = route.layoutPath.split("/")[1];
  return (SERVER_VERSIONS as readonly string[]).includes(first ?? "") ? (first as ServedVersion) : undefined;
}

/**
 * The route of a version by module, interface and operation name; an extension route (see extension-routes.ts) where
 * the spec has none, so that the bridge serves extensions in every version as it does the spec's routes.
 */
export function findRoute(version: ServedVersion, module: string, side: RouteInfo["interface"], name: string): RouteInfo | undefined {
  const matches = (r: RouteInfo) => r.module === module && r.interface === side && r.name === name;
  return ROUTES[version].find(matches) ?? EXTENSION_ROUTES[version].find((e) => matches(e.route))?.route;
}

/** The route of `version` doing what `route` does (or, with `name`, another operation of the same interface). */
export function counterpart(route: RouteInfo, version: ServedVersion, name: string = route.name): RouteInfo | undefined {
  return findRoute(version, route.module, route.interface, name);
}

/** The route with this operationId in a version. */
export function routeById(version: ServedVersion, operationId: string): RouteInfo | undefined {
  return ROUTES[version].find((r) => r.operationId === operationId);
}
