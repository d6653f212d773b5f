/** The shapes shared by the generated route table, the handler interfaces and the server runtime. */
import type { OperationShape } from "@ocpi-sdk/client";
import type { RoutingHeaders } from "@ocpi-sdk/protocol";
import type { Validator } from "@ocpi-sdk/validators";
import type { PartyRecord, PeerRole } from "../store/store.js";

/** How the runtime checks one path or query parameter. */
export interface ParamCheck {
  readonly name: string;
  readonly required: boolean;
  readonly type: "string" | "integer";
  readonly maxLength?: number;
  readonly validator?: Validator<unknown>;
}

/** One operation, as the generated route table describes it (the client's operation shape, with parameter checks). */
export type RouteInfo = OperationShape<ParamCheck>;

/** Who is calling: the registered peer the token belongs to. */
export interface Caller {
  party: PartyRecord;
  /** The peer's roles (country_code, party_id, role). */
  roles: PeerRole[];
  /** Whether the peer is a hub (which may act for any party). */
  isHub: boolean;
  /**
   * A request without a token, served by the `openDataLocations` extension: `party` is a placeholder (id
   * `open-data`), `roles` is empty. Handlers must give it only what may be public (Locations with `publish` true).
   */
  anonymous?: boolean;
}

/** What a handler receives: checked and converted parameters, the validated body, and who is asking. */
export interface OcpiRequest<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  caller: Caller;
  requestId: string;
  correlationId: string;
  /** The hub routing headers of the request. */
  routing: RoutingHeaders;
}

/** A paginated list request: offset and limit are set (limit capped by the server), the window is optional. */
export interface PageRequest<P, Q> extends OcpiRequest<P, Q, undefined> {
  page: { offset: number; limit: number; date_from?: string; date_to?: string };
}

/**
 * An object given as its JSON text, sent as it is: for data that was validated when it was stored, so that a page
 * goes out without being parsed, copied or serialized again.
 */
export class RawJson {
  constructor(readonly json: string) {}
}

const utf8 = new TextEncoder();

/** A whole list as one JSON array text (`[...]`) of `length` objects, sent as it is. */
export class RawJsonList {
  private encoded?: Uint8Array;

  constructor(
    readonly json: string,
    readonly length: number,
  ) {}

  /** The UTF-8 bytes, encoded once: a cached page is then only copied, never encoded again. */
  get bytes(): Uint8Array {
    return (this.encoded ??= utf8.encode(this.json));
  }
}

/** One page of a list: the objects at offset..offset+limit (as values, or as stored JSON) and how many match in total. */
export interface Page<T> {
  items: readonly T[] | readonly RawJson[] | RawJsonList;
  total: number;
}

/**
 * The answer to a request that carries a response_url: the immediate response, and the asynchronous result,
 * which the server POSTs to the response_url when it is ready (with retries).
 */
export interface AsyncReply<R, Result> {
  response: R;
  result?: Promise<Result>;
}

/** Something a handler tells the server about a request beside its answer, logged as a server event. */
export type HandlerNotice = {
  type: "stale-write";
  /** The object's key as the path names it. */
  key: { module: string; country_code: string; party_id: string; id: string };
  /** last_updated of the write, and of the object kept. */
  received: string;
  stored: string;
};

/**
 * A handler's answer with more than data: a status_message for the envelope (status 1000), and a notice for the
 * server's log. Lets a handler say "done, but not applied" without failing the request.
 */
export class OcpiReply<T = unknown> {
  constructor(
    readonly data: T,
    readonly statusMessage?: string,
    readonly notice?: HandlerNotice,
  ) {}
}

/**
 * Values by route, keyed by method and layout path (which holds the version): a route of a generated table and the
 * built-in route it stands in for are the same route.
 */
export class RouteMap<T> {
  private readonly byKey = new Map<string, T>();
  private static key(route: RouteInfo): string {
    return `${route.method} ${route.layoutPath}`;
  }
  get(route: RouteInfo): T | undefined {
    return this.byKey.get(RouteMap.key(route));
  }
  has(route: RouteInfo): boolean {
    return this.byKey.has(RouteMap.key(route));
  }
  set(route: RouteInfo, value: T): this {
    this.byKey.set(RouteMap.key(route), value);
    return this;
  }
}
