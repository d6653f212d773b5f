/** Version negotiation and endpoint lookup: pure functions over what the versions and details endpoints return. */
import { compareVersions } from "@ocpi-sdk/protocol";

/** One version a peer lists at its versions endpoint. */
export interface VersionEntry {
  /** The version number, e.g. `2.2.1`. */
  version: string;
  /** The URL of its version details. */
  url: string;
}

/** One endpoint a peer lists in its version details. */
export interface EndpointEntry {
  /** The module, e.g. `locations`. */
  identifier: string;
  /** SENDER or RECEIVER (2.2 and later; a 2.1.1 peer lists one URL per module, without a role). */
  role?: string;
  /** Where the module's interface is served. */
  url: string;
}

/** The highest version both sides support, with the peer's details URL for it. */
export function chooseVersion(ours: readonly string[], theirs: readonly VersionEntry[]): VersionEntry | undefined {
  return theirs.filter((v) => ours.includes(v.version)).sort((a, b) => compareVersions(b.version, a.version))[0];
}

/**
 * The URL of a module's interface. Credentials has one interface, which peers list as SENDER, RECEIVER or both:
 * any of them will do. A 2.1.1 peer lists one URL per module (the interface its role implements), with no role.
 */
export function findEndpoint(endpoints: readonly EndpointEntry[], module: string, role: string | undefined): EndpointEntry | undefined {
  return endpoints.find((e) => e.identifier === module && (role === undefined || module === "credentials" || e.role === undefined || e.role === role));
}
