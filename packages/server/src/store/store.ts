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

/** An OCPI object as a store holds it: its key, its last_updated and its data. */
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

/** A page of one module's objects: by owner and last_updated window, then offset and limit. */
export interface ObjectQuery {
  /** The module, e.g. `locations`. */
  module: string;
  /** Only objects of this owner (both must be given to scope by party); compared case-insensitively. */
  country_code?: string;
  party_id?: string;
  /** Only objects with last_updated >= date_from (inclusive). */
  date_from?: string;
  /** Only objects with last_updated < date_to (exclusive). */
  date_to?: string;
  /** Matching objects skipped before the page. */
  offset: number;
  /** The most objects on the page. */
  limit: number;
}

/** One page of objects (see {@link ObjectQuery}). */
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
 * A message to a party, kept in the store until it is delivered (the outbox): a push of an object change, or an
 * asynchronous result for a response_url.
 */
export interface NewDelivery {
  /** The party it goes to (PartyRecord.id). */
  partyId: string;
  /**
   * Deliveries with the same partyId and orderKey go out one at a time, in the order they were enqueued (e.g. every
   * push about one Location shares `locations/NL/ABC/LOC1`). Compared exactly.
   */
  orderKey: string;
  /**
   * This delivery makes the earlier ones of its partyId and orderKey unnecessary (a PUT of a whole object carries
   * every change before it): those still pending and not being delivered are dropped when it is enqueued.
   */
  replaces?: boolean;
  /** The operation to call (an operationId of `version`, e.g. `locationsReceiverPatchEvse`). */
  operationId: string;
  /** The version `operationId` and `body` are written in; converted to the party's version when sent. */
  version: string;
  /** Path parameters of the operation. */
  params?: Record<string, string>;
  /** The request body (JSON). */
  body?: unknown;
  /** Where to send it instead of the party's endpoint (a response_url). */
  url?: string;
  /** The party it is for, sent as the OCPI-to-* routing headers (a push through a hub to one of its parties). */
  to?: { country_code: string; party_id: string };
}

/** How a delivery ended when it was not delivered: what the peer answered, or the error. */
export interface DeliveryFailure {
  /** What went wrong, for people. */
  error: string;
  httpStatus?: number;
  /** The OCPI status_code of the answer, if there was one. */
  statusCode?: number;
  /** The status_message of the answer, if there was one. */
  statusMessage?: string;
}

/** A delivery in the outbox: what to send to whom (see NewDelivery), and how its attempts went. */
export interface Delivery extends NewDelivery {
  /** The store's id of the delivery. */
  id: string;
  /** Increases with every delivery enqueued in the store: the order of enqueueing. */
  seq: number;
  /** `pending` until delivered (then it is removed) or given up on (`dead`: a dead letter, kept until retried). */
  state: "pending" | "dead";
  /** Attempts so far (a claim counts as one). */
  attempts: number;
  /** ISO timestamp: not claimed before. */
  nextAttemptAt: string;
  /** ISO timestamp of enqueueing. */
  createdAt: string;
  /** The worker that claimed it, while its lease runs (see claimDeliveries). */
  leasedBy?: string;
  /** ISO timestamp the lease ends; afterwards another worker may claim it (the first one is presumed dead). */
  leaseUntil?: string;
  /** Why the last attempt failed (a dead letter: why it was given up). */
  lastFailure?: DeliveryFailure;
}

/** What became of a claimed delivery. */
export type DeliveryOutcome =
  | { state: "delivered" }
  /** Try again at `nextAttemptAt` (ISO). */
  | { state: "retry"; nextAttemptAt: string; failure: DeliveryFailure }
  | { state: "dead"; failure: DeliveryFailure };

/** A page of deliveries, in enqueue order. */
export interface DeliveryQuery {
  /** Only the deliveries to this party. */
  partyId?: string;
  /** Only pending ones, or only dead letters. */
  state?: Delivery["state"];
  /** Matching deliveries skipped before the page. */
  offset: number;
  /** The most deliveries on the page. */
  limit: number;
}

/** Counts of deliveries: per party and state, `leased` being pending deliveries that a worker holds. */
export interface DeliveryCount {
  partyId: string;
  state: "pending" | "leased" | "dead";
  count: number;
}

/** Options of a write that also enqueues deliveries. */
export interface WriteOptions {
  /** Enqueued in the same transaction as the object change: both are stored, or neither. */
  deliveries?: NewDelivery[];
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
  putObject<T = unknown>(object: StoredObject<T>, options?: WriteOptions): Promise<void>;
  /**
   * Atomically reads an object, lets `change` compute its new version, and stores it. `change` gets the current
   * object (or undefined) and returns the new one, or undefined to leave the store unchanged. Returns what is
   * stored afterwards. Concurrent updates of one key never lose a change. The object `change` returns must have the
   * same key, in any case. `options.deliveries` are enqueued with the change, and only when there is one.
   */
  updateObject<T = unknown>(
    key: ObjectKey,
    change: (current: StoredObject<T> | undefined) => StoredObject<T> | undefined,
    options?: WriteOptions,
  ): Promise<StoredObject<T> | undefined>;
  /** Whether there was an object to delete. */
  deleteObject(key: ObjectKey): Promise<boolean>;
  /** One page of a module's objects, by `last_updated` (then key), and how many the query matches in all. */
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

  /** The party of this id, if any. */
  getParty(id: string): Promise<PartyRecord | undefined>;
  /** The party whose incomingToken this is. */
  findPartyByToken(token: string): Promise<PartyRecord | undefined>;
  /** Creates or replaces a party (incomingToken is unique across parties). */
  putParty(party: PartyRecord): Promise<void>;
  /** Whether there was a party to delete. */
  deleteParty(id: string): Promise<boolean>;
  /** Every party, by id. */
  listParties(): Promise<PartyRecord[]>;

  /** Adds deliveries to the outbox (see NewDelivery), in one transaction, in the order given. */
  enqueueDeliveries(deliveries: NewDelivery[]): Promise<Delivery[]>;
  /**
   * Takes up to `limit` deliveries for `worker`, oldest first: pending, due (nextAttemptAt passed), not leased by a
   * worker whose lease still runs, and the first pending one of their partyId and orderKey (a later one waits until
   * the earlier is delivered or dead). Each is leased to the worker for `leaseMs` and its attempts counted. Workers in
   * several processes on one database never hold one delivery at once.
   */
  claimDeliveries(request: { worker: string; limit: number; leaseMs: number; partyId?: string }): Promise<Delivery[]>;
  /**
   * Records what became of a delivery `worker` claimed: delivered (removed), to retry, or dead. Returns false, and
   * changes nothing, when the worker no longer holds it (its lease ran out and another worker took it).
   */
  finishDelivery(id: string, worker: string, outcome: DeliveryOutcome): Promise<boolean>;
  /** Deliveries in enqueue order (pending and dead). */
  listDeliveries(query: DeliveryQuery): Promise<{ items: Delivery[]; total: number }>;
  /** How many deliveries there are, per party and state (states without any are left out). */
  countDeliveries(): Promise<DeliveryCount[]>;
  /** Makes dead letters pending again, due now, with their attempts reset (lastFailure is kept). Returns how many. */
  retryDeadDeliveries(filter?: { partyId?: string; ids?: string[] }): Promise<number>;
  /**
   * When the next delivery can be claimed (ISO), if any: the latest of its nextAttemptAt and the end of a running
   * lease, over the first pending delivery of each partyId and orderKey (the ones behind it wait for it, not for the
   * clock). A worker sleeps until then.
   */
  nextDeliveryAt(): Promise<string | undefined>;

  /** Releases connections and files. */
  close(): Promise<void>;
}
