/**
 * Routes that OCPI does not define, which a server serves only when asked (OcpiServerOptions.extensions): each is
 * built from a generated route of the same version, so the runtime's auth, scoping, validation and pagination serve
 * it unchanged. Kept apart from versions.ts (which looks them up) so that neither imports the other's values.
 */
import { routes as routes211 } from "../generated/2.1.1/index.gen.js";
import { routes as routes221 } from "../generated/2.2.1/index.gen.js";
import { routes as routes230 } from "../generated/2.3.0/index.gen.js";
import type { RouteInfo } from "./routes.js";
import type { ServedVersion } from "./versions.js";

/** The receiver interfaces that can list what the calling party pushed (`receiverBulkGet`). */
export const RECEIVER_BULK_MODULES = ["locations", "sessions", "tariffs", "tokens"] as const;
/** One of {@link RECEIVER_BULK_MODULES}. */
export type ReceiverBulkModule = (typeof RECEIVER_BULK_MODULES)[number];

/** The receiver interfaces that can delete what the calling party pushed (`receiverDelete`). */
export const RECEIVER_DELETE_MODULES = ["tariffs", "tokens"] as const;
/** One of {@link RECEIVER_DELETE_MODULES}. */
export type ReceiverDeleteModule = (typeof RECEIVER_DELETE_MODULES)[number];

export interface ExtensionRoute {
  extension: "receiverBulkGet" | "receiverDelete";
  module: ReceiverBulkModule | ReceiverDeleteModule;
  route: RouteInfo;
}

const find = (routes: readonly RouteInfo[], operationId: string) => routes.find((r) => r.operationId === operationId);

function build(routes: readonly RouteInfo[]): ExtensionRoute[] {
  const out: ExtensionRoute[] = [];
  for (const module of RECEIVER_BULK_MODULES) {
    // The sender's list says what a list of the module is: its query (date_from required for sessions), its page
    // and its objects. Only the interface and the path change.
    const list = find(routes, `${module}SenderList`);
    if (!list?.layoutPath.endsWith("/sender")) continue;
    out.push({
      extension: "receiverBulkGet",
      module,
      route: { ...list, operationId: `${module}ReceiverList`, interface: "RECEIVER", layoutPath: `${list.layoutPath.slice(0, -"/sender".length)}/receiver` },
    });
  }
  for (const module of RECEIVER_DELETE_MODULES) {
    if (find(routes, `${module}ReceiverDelete`)) continue; // the version defines it (tariffs, in every version so far)
    const get = find(routes, `${module}ReceiverGet`);
    if (!get) continue;
    // The object's GET without its answer: the same path and query (a Token's `type`).
    const { response: _, ...rest } = get;
    out.push({ extension: "receiverDelete", module, route: { ...rest, operationId: `${module}ReceiverDelete`, name: "delete", method: "DELETE" } });
  }
  return out;
}

/** Every extension route of every version; the server serves those its options enable. */
export const EXTENSION_ROUTES: Readonly<Record<ServedVersion, readonly ExtensionRoute[]>> = {
  "2.1.1": build(routes211),
  "2.2.1": build(routes221),
  "2.3.0": build(routes230),
};

const ALL = new Set(Object.values(EXTENSION_ROUTES).flatMap((routes) => routes.map((r) => r.route)));

/** Whether a route is one of ours rather than the spec's (never listed in version details). */
export function isExtensionRoute(route: RouteInfo): boolean {
  return ALL.has(route);
}
