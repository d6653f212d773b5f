/**
 * Where a server keeps its peers and OCPI objects. One interface, several implementations (MemoryStore,
 * PostgresStore), all held to the same contract test suite.
 */
import type { PeerProfile } from "@ocpi-sdk/protocol";

/**
 * Identifies one OCPI object: the module it belongs to, the party that owns it, and its id within that party.
 *
 * country_code, party_id and id are CiStrings: every Store compares them case-insensitively (`nl`/`aaa`/`loc-x`
 * names the same object as `NL`/`AAA`/`LOC-X`), keeps one object per key whatever case it was written in, and
 * returns keys in canonical form (`canonicalCiString` of @ocpi-sdk/protocol: a-z in upper case). `module` is
 * compared exactly.
 */
export interface ObjectKey {
  /** ModuleID (`locations`, `sessions`, `cdrs`, `tariffs`, `tokens`, ...) or another collection name. Case-sensitive. */
  module: string;
  /** CiString(2); returned in canonical form. */
  country_code: string;
  /** CiString(3); returned in canonical form. */
  party_id: string;
  /** The object's id (Location.id, Session.id, CDR.id, Tariff.id, Token.uid, ...): a CiString, returned in canonical form. */
  id: string;
}

export interface StoredObject<T = unknown> extends ObjectKey {
  /** The object's last_updated DateTime; lists filter and sort on it. */
  last_updated: string;
  /** The OCPI object, as JSON, exactly as given: a store never changes it (its keys keep the case the sender used). */
  data: T;
}

/** An object with its data as JSON text, to be sent as it is. */
export interface StoredJson extends ObjectKey {
  last_updated: string;
  /** `JSON.stringify(data)` of the stored object. */
  json: string;
}

export interface ObjectQuery {
  module: string;
  /** Only objects of this owner (both must be given to scope by party); compared case-insensitively. */
  country_code?: string;
  party_id?: string;
  /** Only objects with last_updated >= date_from (inclusive). */
  date_from?: string;
  /** Only objects with last_updated < date_to (exclusive). */
  date_to?: string;
  offset: number;
  limit: number;
}

export interface ObjectPage<T = unknown> {
  /** Ordered by last_updated, then the canonical country_code, party_id, id (by code point). */
  items: StoredObject<T>[];
  /** How many objects match the query without offset and limit. */
  total: number;
}

/** An endpoint of a peer, as its version details list it. */
export interface PeerEndpoint {
  identifier: string;
  /** SENDER or RECEIVER; absent in 2.1.1, which lists one URL per module. */
  role?: string;
  url: string;
}

/** A role of a peer, as its credentials list it. */
export interface PeerRole {
  role: string;
  country_code: string;
  party_id: string;
  business_details: { name: string; website?: string; logo?: unknown };
}

/** One identity a peer may take: a role of one party. */
export interface PartyIdentity {
  role: string;
  country_code: string;
  party_id: string;
}

/** A platform we exchange OCPI with. */
export interface PartyRecord {
  /** Our own id of this peer. */
  id: string;
  /**
   * The token the peer calls us with: a registration token (Token A) we handed out, or, once registered,
   * the token we gave it in our credentials.
   */
  incomingToken: string;
  incomingTokenKind: "A" | "C";
  /** The token we call the peer with (from its credentials). */
  outgoingToken?: string;
  /** The peer's versions endpoint. */
  versionsUrl?: string;
  /** The OCPI version agreed with the peer. */
  version?: string;
  /** The peer's endpoints for that version. */
  endpoints: PeerEndpoint[];
  /** The peer's roles (empty until it registered). */
  roles: PeerRole[];
  status: "pending" | "registered" | "unregistered";
  /**
   * The identities the application granted this peer's token (see createRegistrationToken): its Credentials may
   * claim only these. Absent: any identity no other party holds, except HUB.
   */
  allowedRoles?: PartyIdentity[];
  /** Registration attempts with this Token A that failed; the token is retired after a few. */
  failedAttempts?: number;
  /**
   * What this peer gets wrong (plain data, see PeerProfile of @ocpi-sdk/protocol): how its request bodies are
   * checked, whether version details go to it as a list, and the options of every call we make to it. Kept through
   * registration, credentials updates and token rotation; set or cleared with `credentials.setProfile`.
   */
  profile?: PeerProfile;
  /** ISO timestamps. */
  createdAt: string;
  updatedAt: string;
}

/**
 * Keys (see ObjectKey) are CiStrings: every operation finds them in any case, and every object returned carries its
 * key in canonical form. Data opened from before this rule (a snapshot file, a PostgreSQL table) is put in canonical
 * form when opened, keeping the newest object where several cases of one key were stored.
 */
export interface Store {
  /** The object under this key, in any case. */
  getObject<T = unknown>(key: ObjectKey): Promise<StoredObject<T> | undefined>;
  /** Creates or replaces the object under its key (in any case: one object per canonical key). */
  putObject<T = unknown>(object: StoredObject<T>): Promise<void>;
  /**
   * Atomically reads an object, lets `change` compute its new version, and stores it. `change` gets the current
   * object (or undefined) and returns the new one, or undefined to leave the store unchanged. Returns what is
   * stored afterwards. Concurrent updates of one key never lose a change. The object `change` returns must have the
   * same key, in any case.
   */
  updateObject<T = unknown>(
    key: ObjectKey,
    change: (current: StoredObject<T> | undefined) => StoredObject<T> | undefined,
  ): Promise<StoredObject<T> | undefined>;
  /** Whether there was an object to delete. */
  deleteObject(key: ObjectKey): Promise<boolean>;
  listObjects<T = unknown>(query: ObjectQuery): Promise<ObjectPage<T>>;
  /**
   * The same page as listObjects, each object's data as JSON text, so that a server can send a page without parsing,
   * copying or serializing it again. Optional: stores that keep JSON text offer it.
   */
  listObjectsJson?(query: ObjectQuery): Promise<{ items: StoredJson[]; total: number }>;
  /**
   * A number that changes whenever any object changes, for caches of list pages. Optional: only a store that sees
   * every write (a single process's MemoryStore) can offer it.
   */
  objectsRevision?(): number;
  /** Likewise for parties: lets a server remember which party a token belongs to until any party changes. */
  partiesRevision?(): number;

  getParty(id: string): Promise<PartyRecord | undefined>;
  /** The party whose incomingToken this is. */
  findPartyByToken(token: string): Promise<PartyRecord | undefined>;
  /** Creates or replaces a party (incomingToken is unique across parties). */
  putParty(party: PartyRecord): Promise<void>;
  deleteParty(id: string): Promise<boolean>;
  listParties(): Promise<PartyRecord[]>;

  /** Releases connections and files. */
  close(): Promise<void>;
}
