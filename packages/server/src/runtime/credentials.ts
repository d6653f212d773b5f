/**
 * The credentials module, both ways: answering a peer's registration (POST with Token A), update (PUT) and
 * unregistration (DELETE), and starting a registration or a token rotation towards a peer. Every served version
 * is answered in its own Credentials object; peers' roles are kept as 2.2.1 roles.
 */
import { OcpiClient, OcpiError, type BindingsTable, type ClientVersion, type CredentialsOf, type OcpiClientOptions } from "@ocpi-sdk/client";
import { convertObject } from "@ocpi-sdk/converters";
import { checkPeerProfile, newRequestId, OcpiStatus, sameCiString, type PeerProfile } from "@ocpi-sdk/protocol";
import type { Credentials, CredentialsRole } from "@ocpi-sdk/types/2.2.1";
import type { PartyIdentity, PartyRecord, Store } from "../store/store.js";
import { OcpiHttpError } from "./errors.js";
import { checkIdentity, IdentityError, type AuthorizeRegistration, type IdentityRules } from "./identity.js";
import type { Caller } from "./routes.js";
import type { ServerEvent } from "./server.js";
import type { PartyDeviations } from "./deviations.js";
import type { ServedVersion } from "./versions.js";

/** How the server's own calls to peers are made: the client options that are not per peer. */
export type OutgoingOptions = Omit<OcpiClientOptions, "versionsUrl" | "token" | "party" | "versions">;

export interface CredentialsOptions {
  store: Store;
  roles: CredentialsRole[];
  versionsUrl: string;
  /** The versions we serve: those a registration we start may choose from (default 2.2.1). */
  versions?: ServedVersion[];
  /** Options of every client the service creates (fetch, URL policy, timeouts, size caps). */
  outgoing?: OutgoingOptions;
  /** Decides which identities a registering or updating peer may take (see checkIdentity for the defaults). */
  authorizeRegistration?: AuthorizeRegistration;
  /** Failed registrations with one Token A before it is retired (default 5). */
  maxRegistrationFailures?: number;
  log?: (event: ServerEvent) => void;
  /**
   * For a hub (a HUB role among ours): the roles of the parties reachable through it, as its 2.3.0 credentials list
   * them for `party` (with `hub_party_id`, the hub's own party); 2.2.1 credentials name the hub alone.
   */
  reachableRoles?: (party: PartyRecord) => Promise<CredentialsRole[]>;
  /** Reports each kind of deviation once per party (shared with the results sender). */
  deviations: PartyDeviations;
}

/** What every failed registration is answered with, whatever failed: a failure says nothing about the network. */
const NEUTRAL_FAILURE = "unable to use your API: check the versions URL and the token in your credentials";

/** A new credentials token: unguessable, ASCII, well under string(64). */
const newToken = () => newRequestId();

/** A peer profile given by the application, checked (a PeerProfileError naming the field) and copied. */
function checkedProfile(profile: unknown): PeerProfile {
  return structuredClone(checkPeerProfile(profile));
}

/** The party with this profile, or without one. */
function withProfile(party: PartyRecord, profile: PeerProfile | undefined): PartyRecord {
  const { profile: _previous, ...rest } = party;
  return profile === undefined ? rest : { ...rest, profile };
}

/**
 * Registration and tokens: Token A issuing, the credentials handshake in both directions, token rotation, and the
 * parties registered with us (the server's `credentials`).
 */
export class CredentialsService {
  constructor(private readonly options: CredentialsOptions) {}

  /**
   * Our credentials as a peer sees them in a version: the token it uses to call us, our versions URL and our roles
   * (in 2.1.1 our first role only, as 2.1.1 credentials name one party).
   */
  ours<V extends ServedVersion = "2.2.1">(token: string, version: V = "2.2.1" as V): CredentialsOf<V> {
    const credentials: Credentials = { token, url: this.options.versionsUrl, roles: this.options.roles };
    return convertObject("Credentials", "2.2.1", version, credentials).value as CredentialsOf<V>;
  }

  /**
   * Our credentials for one party: as `ours`, and for a hub in 2.3.0 with `hub_party_id` and the roles of the
   * parties reachable through it.
   */
  private async oursFor<V extends ServedVersion>(token: string, version: V, party: PartyRecord): Promise<CredentialsOf<V>> {
    const hub = this.options.roles.find((r) => r.role === "HUB");
    if (version !== "2.3.0" || !hub) return this.ours(token, version);
    const reachable = (await this.options.reachableRoles?.(party)) ?? [];
    // The conversion gives the HUB role as OTHER with hub_party_id: 2.3.0 has no HUB role.
    const credentials: Credentials = { token, url: this.options.versionsUrl, roles: [...this.options.roles, ...reachable] };
    return convertObject("Credentials", "2.2.1", version, credentials).value as CredentialsOf<V>;
  }

  /** A peer's roles to keep: without ours (a hub may list the party it answers among those it reaches). */
  private theirRoles(roles: PartyRecord["roles"]): PartyRecord["roles"] {
    return roles.filter((role) => !this.options.roles.some((r) => sameCiString(r.country_code, role.country_code) && sameCiString(r.party_id, role.party_id)));
  }

  /** A peer's credentials of any version as 2.2.1 credentials (a 2.1.1 peer plays the role opposite to ours). */
  private asV221(version: ServedVersion, theirs: CredentialsOf<ServedVersion>): Credentials {
    const role = this.options.roles.some((r) => r.role === "CPO") ? "EMSP" : "CPO";
    return convertObject("Credentials", version, "2.2.1", theirs, { role }).value as Credentials;
  }

  /**
   * A registration token (Token A) to hand to a new peer out of band. `allowedRoles` are the identities the peer
   * may register as (HUB only when listed); without them, any identity no other party holds except HUB. `profile`
   * is what the peer gets wrong (checked: a PeerProfileError before anything is stored); it applies from the first
   * request made with the token and stays with the party.
   */
  async createRegistrationToken(options: { allowedRoles?: PartyIdentity[]; profile?: PeerProfile } = {}): Promise<{ partyId: string; token: string }> {
    const profile = options.profile === undefined ? undefined : checkedProfile(options.profile);
    const now = new Date().toISOString();
    const party: PartyRecord = {
      id: newRequestId(),
      incomingToken: newToken(),
      incomingTokenKind: "A",
      endpoints: [],
      roles: [],
      status: "pending",
      createdAt: now,
      updatedAt: now,
      ...(options.allowedRoles ? { allowedRoles: options.allowedRoles.map(({ role, country_code, party_id }) => ({ role, country_code, party_id })) } : {}),
      ...(profile ? { profile } : {}),
    };
    await this.options.store.putParty(party);
    return { partyId: party.id, token: party.incomingToken };
  }

  /**
   * Sets (or, with undefined, clears) what a party gets wrong; checked first (a PeerProfileError, nothing stored).
   * Applies to the party's next request and to every client made for it from then on. Returns the party as stored.
   */
  async setProfile(partyId: string, profile: PeerProfile | undefined): Promise<PartyRecord> {
    const checked = profile === undefined ? undefined : checkedProfile(profile);
    const party = await this.options.store.getParty(partyId);
    if (!party) throw new Error(`no party ${partyId}`);
    const updated = { ...withProfile(party, checked), updatedAt: new Date().toISOString() };
    await this.options.store.putParty(updated);
    return updated;
  }

  /**
   * A client of a registered peer, using the token, version and endpoints it gave us. With `version`, typed for it
   * (and an Error if the peer talks another one). `overrides` change the client options for this client only; with
   * `bindings` (your project's, from `ocpi generate`), it is typed by them: `clientFor(party, "2.2.1", { bindings })`.
   */
  clientFor<V extends ClientVersion = ClientVersion, B extends BindingsTable = {}>(
    party: PartyRecord,
    version?: V,
    overrides: OutgoingOptions & { bindings?: B } = {},
  ): OcpiClient<V, B> {
    if (party.status !== "registered" || !party.outgoingToken || !party.versionsUrl || !party.version) {
      throw new Error(`party ${party.id} is not registered`);
    }
    if (version !== undefined && party.version !== version) throw new Error(`party ${party.id} talks OCPI ${party.version}, not ${version}`);
    const us = this.options.roles[0];
    return OcpiClient.restore(
      {
        versionsUrl: party.versionsUrl,
        token: party.outgoingToken,
        ...(us ? { party: { country_code: us.country_code, party_id: us.party_id } } : {}),
        ...this.options.outgoing,
        ...this.options.deviations.optionsFor(party),
        ...overrides,
      },
      { version: party.version as V, endpoints: party.endpoints },
    ) as unknown as OcpiClient<V, B>;
  }

  /** Answers a credentials request made in `version`, in that version. */
  async handle(
    version: ServedVersion,
    operation: string,
    caller: Caller,
    body: CredentialsOf<ServedVersion> | undefined,
  ): Promise<CredentialsOf<ServedVersion> | undefined> {
    const party = caller.party;
    switch (operation) {
      case "get":
        return this.oursFor(party.incomingToken, version, party);
      case "post":
        if (party.incomingTokenKind !== "A" || party.status === "registered") {
          throw OcpiHttpError.methodNotAllowed("already registered: update the credentials with PUT");
        }
        return this.accept(party, version, body!);
      case "put":
        if (party.status !== "registered") throw OcpiHttpError.methodNotAllowed("not registered: register with POST first");
        return this.accept(party, version, body!);
      case "delete":
        if (party.status !== "registered") throw OcpiHttpError.methodNotAllowed("not registered");
        await this.options.store.putParty({
          ...party,
          status: "unregistered",
          incomingToken: `unregistered:${newToken()}`,
          updatedAt: new Date().toISOString(),
        });
        this.options.log?.({ type: "unregistered", partyId: party.id, direction: "incoming" });
        return undefined;
      default:
        throw OcpiHttpError.methodNotAllowed(`credentials has no ${operation}`);
    }
  }

  /**
   * Checks the identities the peer claims, reads its versions and endpoints with the token it sent, then issues our
   * new token for it. The peer talks the version whose credentials endpoint it called. A failure of a registration
   * with Token A counts against that token, which is retired after a few.
   */
  private async accept(party: PartyRecord, version: ServedVersion, received: CredentialsOf<ServedVersion>): Promise<CredentialsOf<ServedVersion>> {
    const theirs = this.asV221(version, received);
    const kind = party.status === "registered" ? "update" : "register";
    let client: OcpiClient;
    try {
      await this.checkIdentity(party, theirs.roles, kind);
      client = await this.connect(theirs.url, theirs.token, version, party);
    } catch (error) {
      if (kind === "register") await this.countFailure(party, error);
      else this.options.log?.({ type: "registration-failed", partyId: party.id, direction: "incoming", error });
      throw error;
    }
    const token = newToken();
    await this.options.store.putParty({
      ...party,
      incomingToken: token,
      incomingTokenKind: "C",
      outgoingToken: theirs.token,
      versionsUrl: theirs.url,
      version: client.version!,
      endpoints: client.endpoints,
      roles: this.theirRoles(theirs.roles),
      status: "registered",
      failedAttempts: 0,
      updatedAt: new Date().toISOString(),
    });
    this.options.log?.({
      type: "registered",
      partyId: party.id,
      roles: theirs.roles.map((r) => `${r.role} ${r.country_code}/${r.party_id}`),
      direction: "incoming",
      version,
    });
    return this.oursFor(token, version, { ...party, roles: theirs.roles });
  }

  /** The rules a claimed identity is checked by: our roles, the parties we know now, the application's hook. */
  private async identityRules(): Promise<IdentityRules> {
    const { roles, store, authorizeRegistration } = this.options;
    return { ours: roles, parties: await store.listParties(), ...(authorizeRegistration ? { authorize: authorizeRegistration } : {}) };
  }

  /** Refuses (403, 2001) identities the rules or the application do not grant. */
  private async checkIdentity(party: PartyRecord, requested: PartyRecord["roles"], kind: "register" | "update"): Promise<void> {
    try {
      await checkIdentity({ party, requested, kind }, await this.identityRules());
    } catch (error) {
      if (error instanceof IdentityError) throw new OcpiHttpError(403, OcpiStatus.InvalidOrMissingParameters, error.message);
      throw error;
    }
  }

  /** Counts a failed registration; the Token A is retired once the failures reach the limit. */
  private async countFailure(party: PartyRecord, error: unknown): Promise<void> {
    const failedAttempts = (party.failedAttempts ?? 0) + 1;
    const retired = failedAttempts >= (this.options.maxRegistrationFailures ?? 5);
    const current = await this.options.store.getParty(party.id);
    if (current && current.incomingToken === party.incomingToken) {
      await this.options.store.putParty({
        ...current,
        failedAttempts,
        ...(retired ? { status: "unregistered" as const, incomingToken: `retired:${newToken()}` } : {}),
        updatedAt: new Date().toISOString(),
      });
    }
    this.options.log?.({ type: "registration-failed", partyId: party.id, direction: "incoming", error, failedAttempts, retired });
  }

  private async connect(versionsUrl: string, token: string, version: ServedVersion, party: PartyRecord): Promise<OcpiClient> {
    try {
      return await OcpiClient.connect({ versionsUrl, token, versions: [version], ...this.options.outgoing, ...this.options.deviations.optionsFor(party) });
    } catch (error) {
      if (error instanceof OcpiError && error.kind === "no-mutual-version") {
        throw new OcpiHttpError(400, OcpiStatus.UnsupportedVersion, `no mutual OCPI version: ${error.message}`);
      }
      // One message for every failure (refused, unreachable, not OCPI, too slow, too large, not allowed): the
      // answer must not tell a registering peer what our network can reach. The event has the cause.
      throw new OcpiHttpError(400, OcpiStatus.UnableToUseClientApi, NEUTRAL_FAILURE, { cause: error });
    }
  }

  /**
   * Registers with a peer that gave us a registration token: creates the token the peer will call us with, POSTs our
   * credentials, and keeps the peer's token, version and endpoints. `profile` (checked first: a PeerProfileError,
   * nothing stored) is used for the calls of the registration itself and kept with the party.
   */
  async registerWith(peer: { versionsUrl: string; token: string; allowedRoles?: PartyIdentity[]; profile?: PeerProfile }): Promise<PartyRecord> {
    const profile = peer.profile === undefined ? undefined : checkedProfile(peer.profile);
    const now = new Date().toISOString();
    // The peer calls our versions endpoint with this token while it handles our POST: it must work before the POST
    // (and be answered as the profile says, e.g. version details as a list).
    const pending: PartyRecord = {
      id: newRequestId(),
      incomingToken: newToken(),
      incomingTokenKind: "C",
      endpoints: [],
      roles: [],
      status: "pending",
      createdAt: now,
      updatedAt: now,
      ...(profile ? { profile } : {}),
    };
    await this.options.store.putParty(pending);
    try {
      const client = await OcpiClient.connect({
        versionsUrl: peer.versionsUrl,
        token: peer.token,
        versions: this.options.versions ?? ["2.2.1"],
        ...this.options.outgoing,
        ...this.options.deviations.optionsFor(pending),
      });
      const version = client.version!;
      const theirs = this.asV221(
        version,
        await (client as OcpiClient<typeof version>).register((await this.oursFor(pending.incomingToken, version, pending)) as never),
      );
      // The peer's answer is checked like a registration we receive: no identity another party holds, HUB only granted.
      await this.checkIdentityOf({ ...pending, ...(peer.allowedRoles ? { allowedRoles: peer.allowedRoles } : {}) }, theirs.roles, client);
      const party: PartyRecord = {
        ...pending,
        outgoingToken: theirs.token,
        versionsUrl: peer.versionsUrl,
        version: client.version!,
        endpoints: client.endpoints,
        roles: this.theirRoles(theirs.roles),
        status: "registered",
        ...(peer.allowedRoles ? { allowedRoles: peer.allowedRoles } : {}),
        updatedAt: new Date().toISOString(),
      };
      await this.options.store.putParty(party);
      this.options.log?.({
        type: "registered",
        partyId: party.id,
        roles: theirs.roles.map((r) => `${r.role} ${r.country_code}/${r.party_id}`),
        direction: "outgoing",
        version,
      });
      return party;
    } catch (error) {
      await this.options.store.deleteParty(pending.id);
      throw error;
    }
  }

  /** The identity check of a registration we started; on refusal the peer is told we are gone (best effort). */
  private async checkIdentityOf(party: PartyRecord, requested: PartyRecord["roles"], client: OcpiClient): Promise<void> {
    try {
      await checkIdentity({ party, requested, kind: "register" }, await this.identityRules());
    } catch (error) {
      await client.unregister().catch(() => undefined);
      throw error;
    }
  }

  /**
   * New tokens both ways: PUTs our credentials with a new token and keeps the one the peer answers with. The
   * profile kept in the store is used and kept (a record read before a setProfile does not undo it).
   */
  async rotate(given: PartyRecord): Promise<PartyRecord> {
    const stored = await this.options.store.getParty(given.id);
    const party = withProfile(given, stored ? stored.profile : given.profile);
    const client = this.clientFor(party);
    const previous = party.incomingToken;
    const next = { ...party, incomingToken: newToken(), updatedAt: new Date().toISOString() };
    // The peer may call our versions endpoint with the new token while handling the PUT.
    await this.options.store.putParty(next);
    try {
      const version = client.version!;
      const theirs = this.asV221(
        version,
        await (client as OcpiClient<typeof version>).updateCredentials((await this.oursFor(next.incomingToken, version, next)) as never),
      );
      // Roles the peer now claims are taken only where the identity rules allow them; otherwise the old ones stay.
      let roles: PartyRecord["roles"] = this.theirRoles(theirs.roles);
      try {
        await checkIdentity({ party, requested: theirs.roles, kind: "update" }, await this.identityRules());
      } catch (error) {
        if (!(error instanceof IdentityError)) throw error;
        roles = party.roles;
        this.options.log?.({ type: "registration-failed", partyId: party.id, direction: "outgoing", error });
      }
      const updated = { ...next, outgoingToken: theirs.token, roles, updatedAt: new Date().toISOString() };
      await this.options.store.putParty(updated);
      return updated;
    } catch (error) {
      await this.options.store.putParty({ ...party, incomingToken: previous });
      throw error;
    }
  }

  /** Unregisters from a peer (DELETE), and forgets it. */
  async unregisterFrom(party: PartyRecord): Promise<void> {
    await this.clientFor(party).unregister();
    await this.options.store.putParty({ ...party, status: "unregistered", incomingToken: `unregistered:${newToken()}`, updatedAt: new Date().toISOString() });
    this.options.log?.({ type: "unregistered", partyId: party.id, direction: "outgoing" });
  }
}
