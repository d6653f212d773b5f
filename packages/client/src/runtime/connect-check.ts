/**
 * The URL policy at connect time, on Node.js: a dispatcher for Node's own fetch whose DNS lookup checks every address
 * before the connection is made, so the address connected to is an address checked. The check before each hop
 * (./safe-fetch.ts) resolves the name once; without this, fetch resolves it again, and a DNS server answering
 * differently the second time (rebinding) would lead the request, and its token, to a refused address.
 *
 * Built on the Agent class of Node's fetch itself (reached through its global dispatcher, undici's shared symbol), so
 * there is no second HTTP stack and no dependency. Only where that dispatcher is Node's default one: an application
 * that set its own (a proxy, its own CAs or timeouts) keeps it, with the check before each hop alone; so do runtimes
 * whose fetch is not undici's (Bun, Deno, browsers, edge runtimes).
 */
import { checkAddress, isAllowedHostName, type UrlPolicy } from "@ocpi-sdk/protocol";
import type { Lookup } from "./options.js";
import { defaultLookup } from "./safe-fetch.js";

/** What Node's fetch takes as `dispatcher`; nothing is called on it here but its constructor. */
type Dispatcher = object;
type AgentClass = new (options: { connect: { lookup: ConnectLookup } }) => Dispatcher;
type LookupAddress = { address: string; family: number };
type ConnectLookup = (
  hostname: string,
  options: { all?: boolean; family?: number | string },
  callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
) => void;

const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");

/** Node's Agent class, when the global dispatcher is Node's own default Agent (no options); else undefined. */
function defaultAgentClass(): AgentClass | undefined {
  const scope = globalThis as Record<symbol, unknown> & { process?: { versions?: { node?: string; bun?: string } } };
  const versions = scope.process?.versions;
  if (!versions?.node || versions.bun || "Deno" in globalThis) return undefined;
  let dispatcher = scope[GLOBAL_DISPATCHER];
  if (dispatcher === undefined) {
    // Node's fetch sets its global dispatcher up when first called; a data: URL makes no connection.
    void globalThis.fetch("data:,").catch(() => {});
    dispatcher = scope[GLOBAL_DISPATCHER];
  }
  if (typeof dispatcher !== "object" || dispatcher === null || dispatcher.constructor?.name !== "Agent") return undefined;
  const options = Object.getOwnPropertySymbols(dispatcher).find((s) => s.description === "options");
  const given = options === undefined ? undefined : (dispatcher as Record<symbol, unknown>)[options];
  // Node's own is made with no options, or with each of them undefined.
  if (typeof given !== "object" || given === null || Object.values(given).some((value) => value !== undefined)) return undefined;
  return dispatcher.constructor as AgentClass;
}

/** A connect-time lookup: resolves, refuses when any address is refused, answers in the form net.connect asks for. */
export function checkingLookup(policy: UrlPolicy, lookup: Lookup | undefined): ConnectLookup {
  return (hostname, options, callback) => {
    (async () => {
      const resolve = lookup ?? (await defaultLookup());
      if (!resolve) throw new Error(`no resolver for ${hostname}`);
      const addresses = await resolve(hostname);
      if (addresses.length === 0) throw new Error(`${hostname} resolves to no address`);
      // Listed hosts are allowed whatever they resolve to; the check before the hop has applied a listed port.
      if (!isAllowedHostName(hostname, policy))
        for (const address of addresses) checkAddress(address, policy, `http://${hostname.includes(":") ? `[${hostname}]` : hostname}/`);
      const family = Number(options.family) || 0;
      const found = addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })).filter((a) => family === 0 || a.family === family);
      if (found.length === 0) throw new Error(`${hostname} has no IPv${family} address`);
      return found;
    })().then(
      (found) => (options.all ? callback(null, found) : callback(null, found[0]!.address, found[0]!.family)),
      (error: Error) => callback(error, ""),
    );
  };
}

const byLookup = new WeakMap<Lookup, Map<string, Dispatcher>>();
const withDnsLookup = new Map<string, Dispatcher>();

/**
 * The dispatcher that checks `policy` at connect time, one per policy (and lookup), so that clients of the same
 * policy share connections; undefined where Node's default fetch dispatcher is not in use.
 */
export function connectTimeDispatcher(policy: UrlPolicy, lookup?: Lookup): Dispatcher | undefined {
  const Agent = defaultAgentClass();
  if (!Agent) return undefined;
  const key = JSON.stringify([!!policy.allowLoopback, !!policy.allowPrivate, [...(policy.allowHosts ?? [])].sort()]);
  let agents = lookup ? byLookup.get(lookup) : withDnsLookup;
  if (!agents) {
    agents = new Map();
    byLookup.set(lookup!, agents);
  }
  let agent = agents.get(key);
  if (!agent) {
    agent = new Agent({ connect: { lookup: checkingLookup(policy, lookup) } });
    agents.set(key, agent);
  }
  return agent;
}
