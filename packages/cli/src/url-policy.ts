/**
 * Where the CLI's own calls to a peer may go. The client refuses loopback and private addresses by default, since
 * a peer hands out URLs (endpoints, Links) that could point into our network. On the command line the user names
 * the peer: its host is allowed whatever its address (`ocpi pull --versions-url http://127.0.0.1:3000/...` works),
 * other loopback or private hosts only with --allow-loopback / --allow-private.
 */
import type { UrlPolicy } from "@ocpi-sdk/protocol";

export interface UrlPolicyFlags {
  allowLoopback?: boolean;
  allowPrivate?: boolean;
}

/** `host:port` of an URL, as UrlPolicy.allowHosts takes it. */
export function hostAndPort(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol === "https:" ? "443" : "80")}`;
}

/** The policy of calls to the peer at `versionsUrl`: its own host, and what the flags open. */
export function peerUrlPolicy(versionsUrl: string, flags: UrlPolicyFlags = {}): UrlPolicy {
  return {
    allowHosts: [hostAndPort(versionsUrl)],
    ...(flags.allowLoopback ? { allowLoopback: true } : {}),
    ...(flags.allowPrivate ? { allowPrivate: true } : {}),
  };
}
