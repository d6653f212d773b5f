/**
 * A peer profile: what one partner's OCPI implementation gets wrong, as plain data (JSON), so that each partner's
 * quirks are one object in the application's config. The client reads it for calls to the peer; the server keeps it
 * with the party for the party's own requests, pushes and callbacks.
 */

/** How what a peer sends is checked: refused when invalid, repaired where it can be, or not checked. */
export type ProfileValidation = "strict" | "lenient" | "off";
/** How a list is paged: by the `Link` header, by offset/limit, or by the Link with offset/limit as the fallback. */
export type PaginationMode = "link" | "offset" | "auto";

/** An endpoint the peer serves but leaves out of its version details. */
export interface EndpointAddition {
  identifier: string;
  /** SENDER or RECEIVER (2.2 and later); absent for 2.1.1, where endpoints have no role. */
  role?: "SENDER" | "RECEIVER";
  url: string;
  /** Only for this OCPI version (default: whatever version is talked). */
  version?: string;
}

/** A URL prefix the peer writes in its answers (a hard-coded internal host, an old base path) and what it means. */
export interface UrlRewrite {
  from: string;
  to: string;
}

/** What else than HTTP 401/403 means "your token is not accepted" for this peer. */
export interface AuthErrorRules {
  /** OCPI status codes that mean an auth error whatever the HTTP status (e.g. [2000] for a peer answering 500/2000). */
  statusCodes?: number[];
  /** A regular expression (source, case-insensitive) an OCPI 2xxx status_message of an auth error matches. */
  messagePattern?: string;
}

/** One partner's deviations from the spec and the settings that answer them (see the client README, "Working with real peers"). */
export interface PeerProfile {
  /** Checking of what the peer sends: its answers to our calls and its requests to us (default: the client's or server's mode). */
  validation?: ProfileValidation;
  /** URL prefixes rewritten in what the peer announces: version and endpoint URLs, next-page Links. */
  urlRewrites?: UrlRewrite[];
  /** How lists are paged: the `Link` header, offset/limit, or the Link with offset/limit when it is unusable (default `auto`). */
  pagination?: PaginationMode;
  /** Query parameter names the peer reads instead of the spec's: by operationId, or `*` for every call; `{ type: "token_type" }`. */
  queryRenames?: Record<string, Record<string, string>>;
  /** Endpoints the peer serves but does not list in its version details. */
  endpoints?: EndpointAddition[];
  /** Answer the peer's version details call with the details in a one-element list (it reads `data[0]`). */
  detailsAsList?: boolean;
  /** Answers of this peer that mean its token check failed, besides HTTP 401/403. */
  authErrors?: AuthErrorRules;
}

/** Thrown by {@link checkPeerProfile}: names the field as a JSON pointer. */
export class PeerProfileError extends TypeError {
  /** Always `PeerProfileError`. */
  override readonly name = "PeerProfileError";
  constructor(
    /** The JSON pointer of the field at fault (`""` for the profile itself). */
    readonly pointer: string,
    message: string,
  ) {
    super(`peer profile ${pointer || "/"}: ${message}`);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);
const KEYS = ["validation", "urlRewrites", "pagination", "queryRenames", "endpoints", "detailsAsList", "authErrors"];

function absoluteHttpUrl(value: unknown, pointer: string): string {
  if (typeof value !== "string" || !URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new PeerProfileError(pointer, "must be an absolute http(s) URL");
  }
  return value;
}

function stringRecord(value: unknown, pointer: string): Record<string, string> {
  if (!isObject(value)) throw new PeerProfileError(pointer, "must be an object");
  for (const [key, name] of Object.entries(value)) {
    if (typeof name !== "string" || name === "") throw new PeerProfileError(`${pointer}/${key}`, "must be a parameter name");
  }
  return value as Record<string, string>;
}

/**
 * A profile read from config, checked: every field known and of the right shape (a typo is an error, not a
 * silently ignored setting). Returns the same object.
 */
export function checkPeerProfile(value: unknown): PeerProfile {
  if (!isObject(value)) throw new PeerProfileError("", "must be an object");
  for (const key of Object.keys(value)) if (!KEYS.includes(key)) throw new PeerProfileError(`/${key}`, "is not a setting of a peer profile");
  const p = value as PeerProfile;
  if (p.validation !== undefined && !["strict", "lenient", "off"].includes(p.validation)) {
    throw new PeerProfileError("/validation", 'must be "strict", "lenient" or "off"');
  }
  if (p.pagination !== undefined && !["link", "offset", "auto"].includes(p.pagination)) {
    throw new PeerProfileError("/pagination", 'must be "link", "offset" or "auto"');
  }
  if (p.detailsAsList !== undefined && typeof p.detailsAsList !== "boolean") throw new PeerProfileError("/detailsAsList", "must be true or false");
  if (p.urlRewrites !== undefined) {
    if (!Array.isArray(p.urlRewrites)) throw new PeerProfileError("/urlRewrites", "must be a list");
    p.urlRewrites.forEach((rewrite, i) => {
      if (!isObject(rewrite)) throw new PeerProfileError(`/urlRewrites/${i}`, "must be an object");
      absoluteHttpUrl(rewrite.from, `/urlRewrites/${i}/from`);
      absoluteHttpUrl(rewrite.to, `/urlRewrites/${i}/to`);
    });
  }
  if (p.queryRenames !== undefined) {
    if (!isObject(p.queryRenames)) throw new PeerProfileError("/queryRenames", "must be an object");
    for (const [operation, renames] of Object.entries(p.queryRenames)) stringRecord(renames, `/queryRenames/${operation}`);
  }
  if (p.endpoints !== undefined) {
    if (!Array.isArray(p.endpoints)) throw new PeerProfileError("/endpoints", "must be a list");
    p.endpoints.forEach((endpoint, i) => {
      if (!isObject(endpoint)) throw new PeerProfileError(`/endpoints/${i}`, "must be an object");
      if (typeof endpoint.identifier !== "string" || endpoint.identifier === "")
        throw new PeerProfileError(`/endpoints/${i}/identifier`, "must be a module identifier");
      if (endpoint.role !== undefined && endpoint.role !== "SENDER" && endpoint.role !== "RECEIVER") {
        throw new PeerProfileError(`/endpoints/${i}/role`, 'must be "SENDER" or "RECEIVER"');
      }
      if (endpoint.version !== undefined && typeof endpoint.version !== "string") throw new PeerProfileError(`/endpoints/${i}/version`, "must be a version");
      absoluteHttpUrl(endpoint.url, `/endpoints/${i}/url`);
    });
  }
  if (p.authErrors !== undefined) {
    if (!isObject(p.authErrors)) throw new PeerProfileError("/authErrors", "must be an object");
    const { statusCodes, messagePattern } = p.authErrors;
    if (statusCodes !== undefined && (!Array.isArray(statusCodes) || !statusCodes.every((c) => Number.isInteger(c)))) {
      throw new PeerProfileError("/authErrors/statusCodes", "must be a list of OCPI status codes");
    }
    if (messagePattern !== undefined) {
      if (typeof messagePattern !== "string") throw new PeerProfileError("/authErrors/messagePattern", "must be a regular expression");
      try {
        new RegExp(messagePattern, "i");
      } catch {
        throw new PeerProfileError("/authErrors/messagePattern", "must be a regular expression");
      }
    }
  }
  return p;
}

/** A URL the peer announced, with the profile's first matching rewrite applied. */
export function rewriteUrl(url: string, rewrites: readonly UrlRewrite[] | undefined): string {
  if (!rewrites) return url;
  for (const { from, to } of rewrites) if (url.startsWith(from)) return to + url.slice(from.length);
  return url;
}

/** The query of a call with the peer's own names: the renames of the operation, then those for every call. */
export function renameQuery(query: Record<string, unknown>, operationId: string, renames: PeerProfile["queryRenames"]): Record<string, unknown> {
  if (!renames) return query;
  const map = { ...renames["*"], ...renames[operationId] };
  if (Object.keys(map).length === 0) return query;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) out[map[key] ?? key] = value;
  return out;
}
