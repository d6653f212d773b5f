/** The route tables and handler interfaces of every version the server can serve, and how their routes correspond. */
import * as v2_1_1 from "../generated/2.1.1/index.gen.js";
import * as v2_2_1 from "../generated/2.2.1/index.gen.js";
import * as v2_3_0 from "../generated/2.3.0/index.gen.js";
import { EXTENSION_ROUTES } from "./extension-routes.js";
import type { RouteInfo } from "./routes.js";

export type ServedVersion = "2.1.1" | "2.2.1" | "2.3.0";

/** Every version the server can serve, lowest first. */
export const SERVER_VERSIONS = ["2.1.1", "2.2.1", "2.3.0"] as const satisfies readonly ServedVersion[];

/** The handler interfaces of a version. */
export type HandlersOf<V extends ServedVersion> = V extends "2.1.1" ? v2_1_1.Handlers : V extends "2.2.1" ? v2_2_1.Handlers : v2_3_0.Handlers;

/** Handlers of any version, keyed by it: what a server serves natively in that version. */
export type HandlersByVersion = { [V in ServedVersion]?: HandlersOf<V> };

export const ROUTES: Readonly<Record<ServedVersion, readonly RouteInfo[]>> = {
  "2.1.1": v2_1_1.routes,
  "2.2.1": v2_2_1.routes,
  "2.3.0": v2_3_0.routes,
};

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
