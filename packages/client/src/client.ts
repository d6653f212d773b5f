// The OcpiClient of `@ocpi-sdk/client`: the bindings of every version, and `client.as` converting between them.
// A client of one version alone is `@ocpi-sdk/client/<version>` (generated/<version>/client.gen.ts).
import { bindings, versions } from "./generated/index.gen.js";
import { defineClient, type ClientVersion, type OcpiClientConstructor, type OcpiClient as ClientOf } from "./runtime/client.js";
import { ConvertingCaller } from "./runtime/view.js";

/** The versions this client has generated bindings for, highest first (the order of preference). */
export const CLIENT_VERSIONS = versions satisfies readonly ClientVersion[];
// Every version the SDK implements has bindings (a version added to protocol without generated bindings fails here).
bindings satisfies Record<ClientVersion, unknown>;

/**
 * A client of one OCPI peer in any version the SDK implements: discovery and version choice, then typed calls of
 * every module and interface of the version talked; `client.as(version)` converts to and from the others.
 */
export const OcpiClient = /* @__PURE__ */ defineClient(
  bindings,
  (client, version, options) => new ConvertingCaller(client, version, options),
) as unknown as OcpiClientConstructor;
/**
 * A client of one OCPI peer in version `V` (see {@link OcpiClientCore}). `OcpiClient` without a version is any of
 * the three: compare `client.version` to narrow it.
 */
export type OcpiClient<V extends ClientVersion = ClientVersion, B = {}> = ClientOf<V, B>;
