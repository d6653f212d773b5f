/**
 * The credentials module, both ways: answering a peer's registration (POST with Token A), update (PUT) and
 * unregistration (DELETE), and starting a registration or a token rotation towards a peer. Every served version
 * is answered in its own Credentials object; peers' roles are kept as 2.2.1 roles.
 */
import { OcpiClient, OcpiError, type ClientVersion, type CredentialsOf } from "@ocpi-sdk/client";
import { convertObject } from "@ocpi-sdk/converters";
import { newRequestId, OcpiStatus } from "@ocpi-sdk/protocol";
import type { Credentials, CredentialsRole } from "@ocpi-sdk/types/2.2.1";
import type { PartyRecord, Store } from "../store/store.js";
import { OcpiHttpError } from "./errors.js";
import type { Caller } from "./routes.js";
import type { ServerEvent } from "./server.js";
import type { ServedVersion } from "./versions.js";

export interface CredentialsOptions {
  store: Store;
  roles: CredentialsRole[];
  versionsUrl: string;
  /** The versions we serve: those a registration we start may choose from (default 2.2.1). */
  versions?: ServedVersion[];
  fetch?: (request: Request) => Promise<Response>;
  log?: (event: ServerEvent) => void;
}

/** A new credentials token: unguessable, ASCII, well under string(64). */
const newToken = () => newRequestId();

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

  /** A peer's credentials of any version as 2.2.1 credentials (a 2.1.1 peer plays the role opposite to ours). */
  private asV221(version: ServedVersion, theirs: CredentialsOf<ServedVersion>): Credentials {
    const role = this.options.roles.some((r) => r.role === "CPO") ? "EMSP" : "CPO";
    return convertObject("Credentials", version, "2.2.1", theirs, { role }).value as Credentials;
  }

  /** A registration token (Token A) to hand to a new peer out of band. */
  async createRegistrationToken(): Promise<{ partyId: string; token: string }> {
    const now = new Date().toISOString();
    const party: PartyRecord = { id: newRequestId(), incomingToken: newToken(), incomingTokenKind: "A", endpoints: [], roles: [], status: "pending", createdAt: now, updatedAt: now };
    await this.options.store.putParty(party);
    return { partyId: party.id, token: party.incomingToken };
  }

  /**
   * A client of a registered peer, using the token, version and endpoints it gave us. With `version`, typed for it
   * (and an Error if the peer talks another one).
   */
  clientFor<V extends ClientVersion = ClientVersion>(party: PartyRecord, version?: V): OcpiClient<V> {
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
        ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
      },
      { version: party.version as V, endpoints: party.endpoints },
    ) as OcpiClient<V>;
  }

  /** Answers a credentials request made in `version`, in that version. */
  async handle(version: ServedVersion, operation: string, caller: Caller, body: CredentialsOf<ServedVersion> | undefined): Promise<CredentialsOf<ServedVersion> | undefined> {
    const party = caller.party;
    switch (operation) {
      case "get":
        return this.ours(party.incomingToken, version);
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
        await this.options.store.putParty({ ...party, status: "unregistered", incomingToken: `unregistered:${newToken()}`, updatedAt: new Date().toISOString() });
        return undefined;
      default:
        throw OcpiHttpError.methodNotAllowed(`credentials has no ${operation}`);
    }
  }

  /**
   * Reads the peer's versions and endpoints with the token it sent, then issues our new token for it. The peer
   * talks the version whose credentials endpoint it called.
   */
  private async accept(party: PartyRecord, version: ServedVersion, received: CredentialsOf<ServedVersion>): Promise<CredentialsOf<ServedVersion>> {
    const theirs = this.asV221(version, received);
    const client = await this.connect(theirs.url, theirs.token, version);
    const token = newToken();
    await this.options.store.putParty({
      ...party,
      incomingToken: token,
      incomingTokenKind: "C",
      outgoingToken: theirs.token,
      versionsUrl: theirs.url,
      version: client.version!,
      endpoints: client.endpoints,
      roles: theirs.roles,
      status: "registered",
      updatedAt: new Date().toISOString(),
    });
    this.options.log?.({ type: "registered", partyId: party.id, roles: theirs.roles.map((r) => `${r.role} ${r.country_code}/${r.party_id}`), direction: "incoming", version });
    return this.ours(token, version);
  }

  private async connect(versionsUrl: string, token: string, version: ServedVersion): Promise<OcpiClient> {
    try {
      return await OcpiClient.connect({ versionsUrl, token, versions: [version], ...(this.options.fetch ? { fetch: this.options.fetch } : {}) });
    } catch (error) {
      if (error instanceof OcpiError && error.kind === "no-mutual-version") {
        throw new OcpiHttpError(400, OcpiStatus.UnsupportedVersion, `no mutual OCPI version: ${error.message}`);
      }
      throw new OcpiHttpError(400, OcpiStatus.UnableToUseClientApi, `unable to use your API at ${versionsUrl}: ${(error as Error).message}`);
    }
  }

  /**
   * Registers with a peer that gave us a registration token: creates the token the peer will call us with, POSTs our
   * credentials, and keeps the peer's token, version and endpoints.
   */
  async registerWith(peer: { versionsUrl: string; token: string }): Promise<PartyRecord> {
    const now = new Date().toISOString();
    // The peer calls our versions endpoint with this token while it handles our POST: it must work before the POST.
    const pending: PartyRecord = { id: newRequestId(), incomingToken: newToken(), incomingTokenKind: "C", endpoints: [], roles: [], status: "pending", createdAt: now, updatedAt: now };
    await this.options.store.putParty(pending);
    try {
      const client = await OcpiClient.connect({
        versionsUrl: peer.versionsUrl,
        token: peer.token,
        versions: this.options.versions ?? ["2.2.1"],
        ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
      });
      const version = client.version!;
      const theirs = this.asV221(version, await (client as OcpiClient<typeof version>).register(this.ours(pending.incomingToken, version) as never));
      const party: PartyRecord = {
        ...pending,
        outgoingToken: theirs.token,
        versionsUrl: peer.versionsUrl,
        version: client.version!,
        endpoints: client.endpoints,
        roles: theirs.roles,
        status: "registered",
        updatedAt: new Date().toISOString(),
      };
      await this.options.store.putParty(party);
      this.options.log?.({ type: "registered", partyId: party.id, roles: theirs.roles.map((r) => `${r.role} ${r.country_code}/${r.party_id}`), direction: "outgoing", version });
      return party;
    } catch (error) {
      await this.options.store.deleteParty(pending.id);
      throw error;
    }
  }

  /** New tokens both ways: PUTs our credentials with a new token and keeps the one the peer answers with. */
  async rotate(party: PartyRecord): Promise<PartyRecord> {
    const client = this.clientFor(party);
    const previous = party.incomingToken;
    const next = { ...party, incomingToken: newToken(), updatedAt: new Date().toISOString() };
    // The peer may call our versions endpoint with the new token while handling the PUT.
    await this.options.store.putParty(next);
    try {
      const version = client.version!;
      const theirs = this.asV221(version, await (client as OcpiClient<typeof version>).updateCredentials(this.ours(next.incomingToken, version) as never));
      const updated = { ...next, outgoingToken: theirs.token, roles: theirs.roles, updatedAt: new Date().toISOString() };
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
  }
}
