/**
 * Where outgoing calls may go: a peer hands us URLs (versions, endpoints, response_url, Link), and an URL that
 * points into our own network turns the SDK into a proxy against it (SSRF). `checkUrl` judges the URL itself,
 * `checkAddress` each address its host name resolves to; both throw an {@link UnsafeUrlError}.
 */
import ipaddr from "ipaddr.js";

/** Opens what the default policy refuses (loopback, private networks), or single hosts whatever their address. */
export interface UrlPolicy {
  /** Allow loopback: 127.0.0.0/8, ::1, `localhost` and `*.localhost` (default false). */
  allowLoopback?: boolean;
  /** Allow private networks: 10/8, 172.16/12, 192.168/16, 100.64/10 (carrier-grade NAT), fc00::/7 (default false). */
  allowPrivate?: boolean;
  /** Host names, IP literals or `host:port` (IPv6 as `[::1]:8080`) allowed whatever they resolve to. */
  allowHosts?: string[];
}

/** Which rule refused an URL or address. */
export type UnsafeUrlReason =
  | "invalid-url"
  | "scheme"
  | "localhost"
  | "loopback"
  | "private"
  | "link-local"
  | "unspecified"
  | "multicast"
  | "broadcast"
  | "reserved"
  | "invalid-address"
  | "opaque-redirect";

/** An URL or address the policy refuses; `reason` names the rule, the message says how to open it. */
export class UnsafeUrlError extends Error {
  override readonly name = "UnsafeUrlError";
  constructor(
    readonly url: string,
    readonly reason: UnsafeUrlReason,
    message: string,
  ) {
    super(message);
  }
}

const DESCRIPTION: Record<Exclude<UnsafeUrlReason, "invalid-url" | "scheme" | "invalid-address" | "opaque-redirect">, string> = {
  localhost: "a loopback name",
  loopback: "a loopback address",
  private: "a private address",
  "link-local": "a link-local address",
  unspecified: "the unspecified address",
  multicast: "a multicast address",
  broadcast: "the broadcast address",
  reserved: "a reserved address",
};

function hint(reason: UnsafeUrlReason): string {
  if (reason === "loopback" || reason === "localhost") return "allow it with urlPolicy.allowLoopback";
  if (reason === "private") return "allow it with urlPolicy.allowPrivate";
  return "allow the host with urlPolicy.allowHosts";
}

const stripBrackets = (host: string) => (host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host);
const stripDot = (host: string) => (host.endsWith(".") ? host.slice(0, -1) : host);

/** The allowHosts entries as compared: trimmed, lower case. */
const allowEntries = (policy: UrlPolicy) => (policy.allowHosts ?? []).map((entry) => entry.trim().toLowerCase());

/** Whether `url`'s host (or host:port) is listed in `policy.allowHosts`. */
export function isAllowedHost(url: URL, policy: UrlPolicy = {}): boolean {
  if (!policy.allowHosts?.length) return false;
  const host = stripDot(url.hostname.toLowerCase());
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return allowEntries(policy).some((e) => e === host || e === `${host}:${port}`);
}

/**
 * Whether `policy.allowHosts` lists the host name `hostname`, alone or with any port: for a check that knows no port,
 * such as the DNS lookup of a connection (the port of a `host:port` entry is for {@link isAllowedHost} to apply).
 */
export function isAllowedHostName(hostname: string, policy: UrlPolicy = {}): boolean {
  if (!policy.allowHosts?.length) return false;
  const host = stripDot(hostname.toLowerCase());
  return allowEntries(policy).some((e) => e === host || (e.startsWith(`${host}:`) && /^\d+$/.test(e.slice(host.length + 1))));
}

/** The IP literal of an URL's host, or undefined for a host name (the WHATWG parser has normalized 0x7f.1 and the like). */
export function ipLiteral(url: URL): string | undefined {
  const host = stripBrackets(url.hostname);
  return ipaddr.IPv4.isValidFourPartDecimal(host) || (url.hostname.startsWith("[") && ipaddr.IPv6.isValid(host)) ? host : undefined;
}

/**
 * Checks an URL before anything is sent to it: http: or https: only, no `localhost` names, and an IP literal must be
 * a public unicast address (unless the policy opens its range or lists the host). A host name is not resolved here:
 * check each address it resolves to with {@link checkAddress}. Returns the parsed URL.
 */
export function checkUrl(url: string | URL, policy: UrlPolicy = {}): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UnsafeUrlError(String(url), "invalid-url", `refused: ${String(url)} is not a valid URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new UnsafeUrlError(parsed.href, "scheme", `refused: ${parsed.href} is not an http: or https: URL`);
  }
  if (isAllowedHost(parsed, policy)) return parsed;
  const host = stripDot(parsed.hostname.toLowerCase());
  if ((host === "localhost" || host.endsWith(".localhost")) && !policy.allowLoopback) {
    throw new UnsafeUrlError(parsed.href, "localhost", `refused: ${host} is ${DESCRIPTION.localhost}; ${hint("localhost")}`);
  }
  const literal = ipLiteral(parsed);
  if (literal !== undefined) checkAddress(literal, policy, parsed);
  return parsed;
}

type Verdict = { reason: Exclude<UnsafeUrlReason, "invalid-url" | "scheme" | "localhost" | "opaque-redirect">; embedded?: string; how?: string } | undefined;

const v4FromParts = (high: number, low: number) => ipaddr.fromByteArray([high >> 8, high & 0xff, low >> 8, low & 0xff]) as ipaddr.IPv4;

function classifyV4(ip: ipaddr.IPv4, policy: UrlPolicy): Verdict {
  const range = ip.range();
  if (range === "unicast") return undefined;
  if (range === "loopback") return policy.allowLoopback ? undefined : { reason: "loopback" };
  if (range === "private" || range === "carrierGradeNat") return policy.allowPrivate ? undefined : { reason: "private" };
  if (range === "linkLocal") return { reason: "link-local" };
  if (range === "unspecified" || range === "multicast" || range === "broadcast") return { reason: range };
  // reserved, documentation, benchmarking, AS112, AMT: nothing an OCPI peer lives on.
  return { reason: "reserved" };
}

function classifyV6(ip: ipaddr.IPv6, policy: UrlPolicy): Verdict {
  const embed = (v4: ipaddr.IPv4, how: string): Verdict => {
    const verdict = classifyV4(v4, policy);
    return verdict && { ...verdict, embedded: v4.toString(), how };
  };
  const p = ip.parts as [number, number, number, number, number, number, number, number];
  switch (ip.range()) {
    case "unicast":
      // ::/96 (IPv4-compatible, deprecated) and the rest of ::/8 are not global unicast.
      if (p[0] === 0 && p[1] === 0 && p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0) return embed(v4FromParts(p[6], p[7]), "IPv4-compatible");
      return p[0] < 0x100 ? { reason: "reserved" } : undefined;
    case "loopback":
      return policy.allowLoopback ? undefined : { reason: "loopback" };
    case "uniqueLocal":
      return policy.allowPrivate ? undefined : { reason: "private" };
    case "linkLocal":
      return { reason: "link-local" };
    case "unspecified":
      return { reason: "unspecified" };
    case "multicast":
      return { reason: "multicast" };
    case "ipv4Mapped":
      return embed(ip.toIPv4Address(), "IPv4-mapped");
    case "rfc6145":
      return embed(v4FromParts(p[6], p[7]), "IPv4-translated");
    case "rfc6052":
      // 64:ff9b::/96 embeds the IPv4 address in its last 32 bits; 64:ff9b:1::/48 is for local use.
      if (p[1] === 0xff9b && p[2] === 0) return embed(v4FromParts(p[6], p[7]), "NAT64");
      return policy.allowPrivate ? undefined : { reason: "private" };
    case "6to4":
      return embed(v4FromParts(p[1], p[2]), "6to4");
    case "teredo":
      // The Teredo client's IPv4 address is stored inverted in the last 32 bits.
      return embed(v4FromParts(~p[6] & 0xffff, ~p[7] & 0xffff), "Teredo");
    default:
      // deprecated site-local, discard, documentation, ORCHID, benchmarking, ...
      return (ip.range() as string) === "deprecatedSiteLocal" ? (policy.allowPrivate ? undefined : { reason: "private" }) : { reason: "reserved" };
  }
}

/**
 * Checks one address a host resolves to (or an IP literal). `url`, when given, names the URL in the error and its
 * message ("peer.test resolves to 127.0.0.1, a loopback address").
 */
export function checkAddress(ip: string, policy: UrlPolicy = {}, url?: string | URL): void {
  const where = url === undefined ? ip : String(url);
  const bare = stripBrackets(ip);
  if (!ipaddr.isValid(bare)) throw new UnsafeUrlError(where, "invalid-address", `refused: ${ip} is not an IP address`);
  const parsed = ipaddr.parse(bare);
  const verdict = parsed.kind() === "ipv4" ? classifyV4(parsed as ipaddr.IPv4, policy) : classifyV6(parsed as ipaddr.IPv6, policy);
  if (!verdict) return;
  const shown = parsed.toString();
  const host = url === undefined ? undefined : stripBrackets(new URL(url).hostname);
  const subject = host === undefined || host === bare || host === shown ? shown : `${host} resolves to ${shown}, which`;
  const what = DESCRIPTION[verdict.reason as keyof typeof DESCRIPTION] ?? verdict.reason;
  const message = verdict.embedded
    ? `refused: ${subject} embeds ${verdict.embedded} (${verdict.how}), ${what}; ${hint(verdict.reason)}`
    : `refused: ${subject} is ${what}; ${hint(verdict.reason)}`;
  throw new UnsafeUrlError(where, verdict.reason, message);
}
