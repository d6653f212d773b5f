/**
 * The outbox: pushes of our object changes and asynchronous results (CommandResult, charging profile results),
 * kept in the store until the party has them. `push` writes the change and its deliveries in one transaction; the
 * worker claims due deliveries (one per party and object at a time, so each object's changes arrive in order),
 * sends them in the party's version, retries what may pass with exponential backoff and jitter, and keeps what the
 * party refused as a dead letter. Several processes on one database share the work through the store's leases.
 */
import { OcpiError, type OcpiClient } from "@ocpi-sdk/client";
import { sameCiString, statusClass } from "@ocpi-sdk/protocol";
import type { Delivery, DeliveryCount, DeliveryFailure, DeliveryQuery, NewDelivery, PartyRecord, Store, StoredObject } from "../store/store.js";
import { received } from "../handlers/store-handlers.js";
import { sameParty } from "./identity.js";
import {
  applyPatch,
  checkOwn,
  deliveriesOf,
  idOf,
  operationOf,
  ownKey,
  paramsOf,
  PushError,
  receives,
  type LocationPart,
  type Owned,
  type PushMessage,
  type PushModule,
} from "./push.js";
import { routeById, type ServedVersion } from "./versions.js";

/** When the outbox retries a delivery and gives up, and how it works through them. */
export interface DeliveryPolicy {
  /** First retry after about this long (default 1 s); doubled per attempt, with jitter. */
  baseDelayMs: number;
  /** Longest wait between attempts (default 5 min). */
  maxDelayMs: number;
  /** Attempts before a delivery that keeps failing becomes a dead letter (default 50: days at the longest wait). */
  maxAttempts: number;
  /** How long a worker holds a claimed delivery (default 2 min): longer than any call, so a live worker keeps it. */
  leaseMs: number;
  /** Deliveries claimed, and sent at once, per round (default 16). */
  batchSize: number;
  /** How often a running worker looks for deliveries other processes enqueued (default 1 s). */
  pollMs: number;
}

/** The delivery policy used where the server's `outbox.policy` leaves a field out. */
export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  baseDelayMs: 1000,
  maxDelayMs: 5 * 60_000,
  maxAttempts: 50,
  leaseMs: 120_000,
  batchSize: 16,
  pollMs: 1000,
};

/** What the outbox reports: each delivery sent, to be retried or given up, and store errors. */
export type OutboxEvent =
  | { type: "delivery-sent"; delivery: Delivery }
  | { type: "delivery-retry"; delivery: Delivery; failure: DeliveryFailure; nextAttemptAt: string }
  | { type: "delivery-dead"; delivery: Delivery; failure: DeliveryFailure }
  /** The store refused a claim or an update (a database that is down): the worker tries again later. */
  | { type: "outbox-error"; error: unknown };

/** What an {@link Outbox} needs: the store it keeps deliveries in, the push version, and a client per party. */
export interface OutboxOptions {
  store: Store;
  /** The version pushes are written in (the handlers' version). */
  version: ServedVersion;
  /** A client for a registered party, in its version. */
  clientFor: (party: PartyRecord) => OcpiClient;
  policy?: Partial<DeliveryPolicy>;
  /** This worker's name in the store's leases (default: a random one per process). */
  worker?: string;
  log?: (event: OutboxEvent) => void;
  /** Stops the worker and every call it makes. */
  signal?: AbortSignal;
}

/** Whether a failed call may pass later: no answer, a timeout, a 5xx without an OCPI client error, a 429. */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof OcpiError)) return false;
  if (error.kind === "network" || error.kind === "timeout") return true;
  if (error.kind !== "http" || error.httpStatus === undefined) return false;
  const clientError = error.statusCode !== undefined && statusClass(error.statusCode) === "client";
  return error.httpStatus === 429 || (error.httpStatus >= 500 && !clientError);
}

function failureOf(error: unknown): DeliveryFailure {
  if (error instanceof OcpiError) {
    return {
      error: `${error.kind}: ${error.message}`,
      ...(error.httpStatus !== undefined ? { httpStatus: error.httpStatus } : {}),
      ...(error.statusCode !== undefined ? { statusCode: error.statusCode } : {}),
      ...(error.statusMessage !== undefined ? { statusMessage: error.statusMessage } : {}),
    };
  }
  return { error: error instanceof Error ? error.message : String(error) };
}

export const originOf = (url: string | undefined): string | undefined => {
  try {
    return url === undefined ? undefined : new URL(url).origin;
  } catch {
    return undefined;
  }
};

/** The origins a party's token belongs to: its versions URL and the endpoints it listed. */
export function originsOf(party: PartyRecord): Set<string> {
  const origins = new Set<string>();
  for (const url of [party.versionsUrl, ...party.endpoints.map((e) => e.url)]) {
    const origin = originOf(url);
    if (origin !== undefined) origins.add(origin);
  }
  return origins;
}

const isHub = (party: PartyRecord): boolean => party.roles.some((r) => r.role === "HUB");

/** A failure that ends a delivery at once: retrying cannot help. */
class Refused extends Error {}

/**
 * Deliveries that survive restarts: pushes of our objects to every party that receives them, and async results, kept
 * in the store and sent by a worker with retries and backoff until sent or dead letters (the server's `outbox`).
 */
export class Outbox {
  /** The delivery policy in force: the defaults with the given fields over them. */
  readonly policy: DeliveryPolicy;
  /** This worker's name in the leases it takes (several processes may share one store). */
  readonly worker: string;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly signal: AbortSignal;

  constructor(private readonly options: OutboxOptions) {
    this.policy = { ...DEFAULT_DELIVERY_POLICY, ...options.policy };
    this.worker = options.worker ?? `worker-${crypto.randomUUID()}`;
    this.signal = options.signal ? AbortSignal.any([options.signal, this.stopping.signal]) : this.stopping.signal;
  }

  // -- Pushing -------------------------------------------------------------------------------------------------

  /**
   * Stores a whole object of ours (Location, Session, Tariff, Token; a CDR goes with `post`) and pushes it with PUT
   * to every party that receives the module (Sessions: only the party of its token). An earlier push of the object
   * not yet delivered is replaced: this one carries it. Returns the ids of the parties it goes to.
   */
  async put(module: Exclude<PushModule, "cdrs">, object: object): Promise<string[]> {
    const data = object as Owned;
    checkOwn(module, this.options.version, data);
    const key = ownKey(module, data);
    const id = idOf(module, data);
    // A Token's type goes with it as a query parameter (several tokens may share a uid).
    const params = { ...paramsOf(module, data, id), ...(module === "tokens" && typeof data.type === "string" ? { type: data.type } : {}) };
    const deliveries = await this.deliveries(module, data, id, await this.options.store.listParties(), {
      operationId: operationOf(module, "put"),
      params,
      body: data,
      replaces: true,
    });
    await this.options.store.putObject({ ...key, last_updated: data.last_updated, data }, { deliveries });
    return this.enqueued(deliveries);
  }

  /**
   * Applies a PATCH to our copy of an object (or of a Location's EVSE or Connector, with `evse_uid` and
   * `connector_id`) and pushes it to every party that receives the module (Sessions: the party of its token).
   * `key` names the object as its path does: its owner's country_code and party_id, and its id (Token: uid). The
   * patch must carry last_updated, and the object patched must stay valid. PATCHes of one object are delivered in
   * the order they were made. Returns the ids of the parties it goes to.
   */
  async patch(
    module: "locations" | "sessions" | "tokens",
    key: { country_code: string; party_id: string; id: string } & LocationPart,
    patch: Record<string, unknown>,
  ): Promise<string[]> {
    const part: LocationPart =
      module === "locations"
        ? { ...(key.evse_uid !== undefined ? { evse_uid: key.evse_uid } : {}), ...(key.connector_id !== undefined ? { connector_id: key.connector_id } : {}) }
        : {};
    if (part.connector_id !== undefined && part.evse_uid === undefined) throw new PushError("locations: a Connector is patched through its EVSE (evse_uid)");
    const parties = await this.options.store.listParties();
    const current = await this.findOwn(module, key, parties);
    if (!current) throw new PushError(`${module}: no object ${key.country_code}/${key.party_id}/${key.id} of ours to patch`);
    const deliveries = await this.deliveries(module, current.data, key.id, parties, {
      operationId: operationOf(module, "patch", part),
      params: paramsOf(module, key, key.id, part),
      body: patch,
      replaces: false,
    });
    await this.options.store.updateObject<Owned>(
      current,
      (latest) => {
        if (!latest) throw new PushError(`${module}: no object ${key.country_code}/${key.party_id}/${key.id} of ours to patch`);
        const next = applyPatch(module, latest, patch, part);
        checkOwn(module, this.options.version, next.data);
        return next;
      },
      { deliveries },
    );
    return this.enqueued(deliveries);
  }

  /**
   * Stores a CDR of ours (refused when one with its id exists: CDRs are never replaced) and POSTs it to the party of
   * its token. Returns the ids of the parties it goes to.
   */
  async post(module: "cdrs", cdr: object): Promise<string[]> {
    const data = cdr as Owned;
    checkOwn(module, this.options.version, data);
    const key = ownKey(module, data);
    const id = idOf(module, data);
    const deliveries = await this.deliveries(module, data, id, await this.options.store.listParties(), {
      operationId: "cdrsReceiverPost",
      params: {},
      body: data,
      replaces: false,
    });
    await this.options.store.updateObject(
      key,
      (current) => {
        if (current) throw new PushError(`cdrs: CDR ${key.country_code}/${key.party_id}/${id} exists (CDRs are never replaced)`);
        return { ...key, last_updated: data.last_updated, data };
      },
      { deliveries },
    );
    return this.enqueued(deliveries);
  }

  /**
   * Queues an asynchronous result for a response_url, in the version of the request it answers (`to`: the party it
   * is for, when it goes through a hub).
   */
  async result(
    party: PartyRecord,
    operationId: string,
    version: ServedVersion,
    url: string,
    body: unknown,
    to?: { country_code: string; party_id: string },
  ): Promise<Delivery> {
    const [delivery] = await this.options.store.enqueueDeliveries([
      { partyId: party.id, orderKey: `result/${url}`, operationId, version, url, body, ...(to ? { to } : {}) },
    ]);
    this.wake();
    return delivery!;
  }

  /** Our copy of an object: Sessions are kept under the party of their token, looked for among the parties' roles. */
  private async findOwn(
    module: PushModule,
    key: { country_code: string; party_id: string; id: string },
    parties: PartyRecord[],
  ): Promise<StoredObject<Owned> | undefined> {
    if (module !== "sessions") return this.options.store.getObject<Owned>({ module, country_code: key.country_code, party_id: key.party_id, id: key.id });
    for (const party of parties) {
      for (const role of party.roles) {
        const found = await this.options.store.getObject<Owned>({ module, country_code: role.country_code, party_id: role.party_id, id: key.id });
        if (found && sameCiString(found.data.country_code, key.country_code) && sameCiString(found.data.party_id, key.party_id)) return found;
      }
    }
    return undefined;
  }

  /**
   * One delivery per party that receives the module. Sessions and CDRs go to the party of their token; when no
   * party we are connected to is that party, through a hub that reaches it (one listing it among its roles, or,
   * when it told us of the party in HubClientInfo, the first hub), with the party named in OCPI-to-*.
   */
  private async deliveries(module: PushModule, data: Owned, id: string, parties: PartyRecord[], message: PushMessage): Promise<NewDelivery[]> {
    const meantFor = module === "sessions" || module === "cdrs" ? data.cdr_token : undefined;
    const direct = parties.filter((party) => receives(party, module, meantFor) && !(meantFor && isHub(party)));
    if (!meantFor || direct.length) return deliveriesOf(module, this.options.version, data, id, message, direct);
    const hubs = parties.filter((party) => isHub(party) && receives(party, module));
    let via = hubs.filter((hub) => hub.roles.some((r) => sameParty(r, meantFor)));
    if (!via.length && hubs.length) {
      const key = {
        module: received("clientinfo"),
        country_code: meantFor.country_code,
        party_id: meantFor.party_id,
        id: `${meantFor.country_code}/${meantFor.party_id}`,
      };
      const known = await this.options.store.getObject<{ status?: string }>(key);
      if (known && known.data.status !== "SUSPENDED") via = hubs.slice(0, 1);
    }
    const to = { country_code: meantFor.country_code, party_id: meantFor.party_id };
    return deliveriesOf(module, this.options.version, data, id, message, via).map((delivery) => ({ ...delivery, to }));
  }

  private enqueued(deliveries: NewDelivery[]): string[] {
    if (deliveries.length) this.wake();
    return deliveries.map((d) => d.partyId);
  }

  // -- Observing ------------------------------------------------------------------------------------------------

  /** Deliveries per party and state. */
  counts(): Promise<DeliveryCount[]> {
    return this.options.store.countDeliveries();
  }

  /** Dead letters (deliveries a party refused, or that failed too often), oldest first. */
  deadLetters(query: Omit<DeliveryQuery, "state"> = { offset: 0, limit: 100 }) {
    return this.options.store.listDeliveries({ ...query, state: "dead" });
  }

  /** Makes dead letters pending again (all, a party's, or some by id) and wakes the worker. */
  async retryDeadLetters(filter?: { partyId?: string; ids?: string[] }): Promise<number> {
    const count = await this.options.store.retryDeadDeliveries(filter);
    if (count) this.wake();
    return count;
  }

  // -- Delivering -----------------------------------------------------------------------------------------------

  /** Starts delivering in the background until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops claiming, and waits for the deliveries being sent. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Stops at once: calls in flight are aborted (their deliveries are retried later, by this or another worker). */
  async abort(): Promise<void> {
    this.stopping.abort(new Error("the outbox is stopping"));
    await this.stop();
  }

  /** Looks for deliveries now (after an enqueue in this process). */
  wake(): void {
    this.wakeUp?.();
  }

  /**
   * Claims one batch of due deliveries and sends them, all at once (a batch holds at most one delivery per party and
   * object, so order is kept). Returns how many were claimed.
   */
  async deliverOnce(): Promise<number> {
    const claimed = await this.options.store.claimDeliveries({ worker: this.worker, limit: this.policy.batchSize, leaseMs: this.policy.leaseMs });
    await Promise.all(claimed.map((delivery) => this.track(this.deliver(delivery))));
    return claimed.length;
  }

  /**
   * Delivers until nothing is due now (deliveries waiting for a retry later are left). For tests, scripts and
   * shutdown; a running worker does this by itself.
   */
  async drain(): Promise<void> {
    while ((await this.deliverOnce()) > 0);
  }

  private track(task: Promise<void>): Promise<void> {
    this.inFlight.add(task);
    return task.finally(() => this.inFlight.delete(task));
  }

  private async run(): Promise<void> {
    while (this.running) {
      let claimed = 0;
      try {
        claimed = await this.deliverOnce();
      } catch (error) {
        this.options.log?.({ type: "outbox-error", error });
      }
      if (!this.running) break;
      if (claimed > 0) continue;
      // Sleep until the next delivery is due, a local enqueue, or the poll for other processes' deliveries.
      let wait = this.policy.pollMs;
      try {
        const next = await this.options.store.nextDeliveryAt();
        if (next !== undefined) wait = Math.max(0, Math.min(wait, Date.parse(next) - Date.now()));
      } catch (error) {
        this.options.log?.({ type: "outbox-error", error });
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, wait);
        this.wakeUp = done;
        function done() {
          clearTimeout(timer);
          resolve();
        }
      });
      this.wakeUp = undefined;
    }
  }

  /** Sends one claimed delivery and records what became of it. Never throws. */
  private async deliver(delivery: Delivery): Promise<void> {
    const store = this.options.store;
    let outcome: Parameters<Store["finishDelivery"]>[2];
    try {
      await this.send(delivery);
      outcome = { state: "delivered" };
    } catch (error) {
      const failure = failureOf(error);
      if (!(error instanceof Refused) && isRetryable(error) && delivery.attempts < this.policy.maxAttempts && !this.signal.aborted) {
        const cap = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (delivery.attempts - 1));
        // "Equal jitter": at least half the backoff, so a peer coming back is not hit by every worker at once.
        const nextAttemptAt = new Date(Date.now() + Math.round(cap / 2 + (Math.random() * cap) / 2)).toISOString();
        outcome = { state: "retry", nextAttemptAt, failure };
      } else if (this.signal.aborted) {
        // Stopped mid-call: leave it to the lease to run out, so another worker (or this one, restarted) sends it.
        return;
      } else {
        outcome = {
          state: "dead",
          failure:
            delivery.attempts >= this.policy.maxAttempts && isRetryable(error)
              ? { ...failure, error: `gave up after ${delivery.attempts} attempts: ${failure.error}` }
              : failure,
        };
      }
    }
    try {
      const held = await store.finishDelivery(delivery.id, this.worker, outcome);
      // A lease that ran out and was taken over: the other worker reports it.
      if (!held) return;
      if (outcome.state === "delivered") this.options.log?.({ type: "delivery-sent", delivery });
      else if (outcome.state === "retry")
        this.options.log?.({ type: "delivery-retry", delivery, failure: outcome.failure, nextAttemptAt: outcome.nextAttemptAt });
      else this.options.log?.({ type: "delivery-dead", delivery, failure: outcome.failure });
    } catch (error) {
      // The lease runs out and the delivery is sent again: at least once.
      this.options.log?.({ type: "outbox-error", error });
    }
  }

  /** One attempt: in the party's version (converted by the client when the delivery was written in another). */
  private async send(delivery: Delivery): Promise<void> {
    const party = await this.options.store.getParty(delivery.partyId);
    if (party?.status !== "registered") throw new Refused(`party ${delivery.partyId} is not registered`);
    const client = this.options.clientFor(party);
    const request = { ...delivery.params, ...(delivery.body !== undefined ? { body: delivery.body } : {}) };
    const options = { signal: this.signal, ...(delivery.to ? { to: delivery.to } : {}) };
    if (delivery.url !== undefined) {
      // The party's token goes only to the party's own origins.
      const origin = originOf(delivery.url);
      if (origin === undefined || !originsOf(party).has(origin))
        throw new Refused(`the response_url ${delivery.url} is not on an origin of party ${party.id}: its token is not sent there`);
      if (client.version !== delivery.version)
        throw new Refused(`the result is in OCPI ${delivery.version}, but party ${party.id} now talks ${client.version}`);
      await client.callOperation(delivery.operationId, request, options, delivery.url);
      return;
    }
    if (client.version === delivery.version) {
      await client.callOperation(delivery.operationId, request, options);
      return;
    }
    const route = routeById(delivery.version as ServedVersion, delivery.operationId);
    if (!route?.interface) throw new Refused(`OCPI ${delivery.version} has no ${delivery.operationId}`);
    const view = client.as(delivery.version as ServedVersion) as unknown as Record<
      string,
      Record<string, Record<string, (request: unknown, options?: unknown) => Promise<unknown>>>
    >;
    const call = view[route.module]?.[route.interface.toLowerCase()]?.[route.name];
    if (!call) throw new Refused(`party ${party.id} (OCPI ${client.version}) has no ${delivery.operationId}`);
    await call(request, options);
  }
}
