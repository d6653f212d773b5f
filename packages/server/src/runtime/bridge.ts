/**
 * Serves a route of one OCPI version from handlers written against another: request bodies are converted to the
 * handlers' version, answers, list items and asynchronous results back to the route's, with @ocpi-sdk/converters.
 * A PATCH the converters cannot carry is applied to the object in the peer's version (read with the handlers' `get`)
 * and only the fields it changed are passed on, so what the older version cannot hold is never overwritten.
 */
import { conversionName, converterFor, convertPatch, needsCurrent, partyContext, type ConversionContext, type ConversionNote } from "@ocpi-sdk/converters";
import type { CredentialsRole } from "@ocpi-sdk/types/2.2.1";
import { formatIssues, type ValidationIssue } from "@ocpi-sdk/validators";
import { OcpiHttpError } from "./errors.js";
import { OcpiReply, RawJson, RawJsonList, type AsyncReply, type Caller, type OcpiRequest, type Page, type RouteInfo } from "./routes.js";
import { counterpart, findRoute, routeById, versionOf, type ServedVersion } from "./versions.js";

export type AnyHandler = (request: unknown) => Promise<unknown>;
type Request = OcpiRequest<Record<string, unknown>, Record<string, unknown>, unknown>;

/** What a hook sees when it is asked for more context for one conversion. */
export interface ConversionRequest {
  /** The object converted (`Location`, `Session`, `CDR`, ... by its 2.2.1 name). */
  name: string;
  from: ServedVersion;
  to: ServedVersion;
  value: unknown;
  operationId: string;
  caller: Caller;
  params: Record<string, unknown>;
}

/**
 * What a {@link VersionBridge} needs: the handlers' version and handlers, our roles, and hooks for conversion context
 * and notes.
 */
export interface BridgeOptions {
  /** The version the handlers are written against. */
  handlersVersion: ServedVersion;
  /** The handler of a route of the handlers' version, if given. */
  handlerOf: (route: RouteInfo) => AnyHandler | undefined;
  /** Our own roles: the owner of tokens in Sessions and CDRs a 2.1.1 CPO sends us. */
  roles: readonly CredentialsRole[];
  /** More context for a conversion, over the defaults (owner from the path or caller, Location from the handlers). */
  context?: (request: ConversionRequest) => Partial<ConversionContext> | Promise<Partial<ConversionContext>>;
  /** Sees what every conversion dropped, defaulted or changed. */
  onNotes?: (operationId: string, from: ServedVersion, to: ServedVersion, name: string, notes: ConversionNote[]) => void;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);
const parsed = (item: unknown): unknown =>
  item instanceof RawJson ? (JSON.parse(item.json) as unknown) : item instanceof OcpiReply ? parsed(item.data) : item;

/** Thrown when our own data cannot be given in the peer's version: a server-side failure (3000), logged. */
export class ConversionError extends Error {
  override readonly name = "ConversionError";
}

/**
 * Serves a route of one OCPI version with handlers written against another: requests and replies converted with
 * `@ocpi-sdk/converters`, what each conversion dropped or defaulted reported through `onNotes`.
 */
export class VersionBridge {
  private readonly h: ServedVersion;
  /** Converted pages, kept with the stored page they came from (gone with it). */
  private readonly pages = new WeakMap<RawJsonList, Map<string, Page<unknown>>>();

  constructor(private readonly options: BridgeOptions) {
    this.h = options.handlersVersion;
  }

  /** A handler serving `route` through the handlers' version; undefined when they cannot serve it. */
  adapt(route: RouteInfo): AnyHandler | undefined {
    const s = versionOf(route);
    if (!s || s === this.h) return undefined;
    if (route.method === "PATCH") return this.adaptPatch(route, s);
    const hRoute = counterpart(route, this.h);
    const handler = hRoute && this.options.handlerOf(hRoute);
    if (!hRoute || !handler) return undefined;
    if (route.request && (!hRoute.request || !this.convertible(route.request, hRoute.request, s))) return undefined;
    if (route.response && (!hRoute.response || !this.convertible(route.response, hRoute.response, s))) return undefined;
    const sResult = route.result ? routeById(s, route.result) : undefined;
    const hResult = hRoute.result ? routeById(this.h, hRoute.result) : undefined;
    if (route.result && !(sResult?.request && hResult?.request && this.convertible(sResult.request, hResult.request, s))) return undefined;

    return async (raw) => {
      const request = raw as Request;
      const body = route.request && request.body !== undefined ? await this.toHandlers(route, hRoute, s, request) : request.body;
      const hRequest = { ...request, body };
      if (route.paginated) {
        const page = (await handler(hRequest)) as Page<unknown>;
        const stored = page.items instanceof RawJsonList ? page.items : undefined;
        // A page the handlers give as one stored JSON text is the same instance until the store changes: its
        // conversion is kept with it (per caller and version), validated once, and sent as JSON text too.
        const cacheable = stored !== undefined && this.options.context === undefined;
        // Per caller and version: the same stored page converts differently for each version it is read in.
        const cacheKey = `${s}\u0000${request.caller.party.id}`;
        const cached = cacheable ? this.pages.get(stored)?.get(cacheKey) : undefined;
        if (cached) return cached;
        const items = stored ? (JSON.parse(stored.json) as unknown[]) : (page.items as readonly unknown[]).map(parsed);
        const converted = [];
        for (const item of items) {
          const value = await this.toPeer(route, hRoute, s, item, request);
          if (value !== undefined) converted.push(value);
        }
        if (!cacheable) return { items: converted, total: page.total } satisfies Page<unknown>;
        for (const [i, item] of converted.entries()) {
          const check = route.response!.validator.validate(item);
          if (!check.ok) throw new ConversionError(`${route.operationId}: item ${i} converted to OCPI ${s} is invalid: ${formatIssues(check.errors)}`);
        }
        const out: Page<unknown> = { items: new RawJsonList(JSON.stringify(converted), converted.length), total: page.total };
        let perCaller = this.pages.get(stored);
        if (!perCaller) this.pages.set(stored, (perCaller = new Map()));
        if (perCaller.size < 1000) perCaller.set(cacheKey, out);
        return out;
      }
      if (route.result) {
        const reply = (await handler(hRequest)) as AsyncReply<unknown, unknown>;
        const response = await this.toPeer(route, hRoute, s, reply.response, request);
        if (!reply.result) return { response };
        const result = reply.result.then((value) =>
          this.convert(this.nameOf(sResult!.request!, hResult!.request!, s), this.h, s, value, sResult!, request, "out"),
        );
        return { response, result } satisfies AsyncReply<unknown, unknown>;
      }
      const out = await handler(hRequest);
      if (!route.response || out === undefined || (out instanceof OcpiReply && out.data === undefined)) return out;
      const value = await this.toPeer(route, hRoute, s, parsed(out), request);
      if (value === undefined) throw OcpiHttpError.notFound(`this object cannot be given in OCPI ${s}`);
      // A reply's status_message and notice go with the converted data.
      return out instanceof OcpiReply ? new OcpiReply(value, out.statusMessage, out.notice) : value;
    };
  }

  /** The object name a conversion between a route of the peer's version and one of the handlers' is looked up by. */
  private nameOf(sSide: { validator: { name: string } }, hSide: { validator: { name: string } }, s: ServedVersion): string {
    return conversionName({ name: sSide.validator.name, version: s }, { name: hSide.validator.name, version: this.h });
  }

  /** Whether an object can go between the versions: a converter, or the same schema between 2.2.1 and 2.3.0. */
  private convertible(sSide: { validator: { name: string } }, hSide: { validator: { name: string } }, s: ServedVersion): boolean {
    const name = this.nameOf(sSide, hSide, s);
    if (converterFor(name, s, this.h) && converterFor(name, this.h, s)) return true;
    return s !== "2.1.1" && this.h !== "2.1.1" && sSide.validator.name === hSide.validator.name;
  }

  private async toHandlers(route: RouteInfo, hRoute: RouteInfo, s: ServedVersion, request: Request): Promise<unknown> {
    const value = await this.convert(this.nameOf(route.request!, hRoute.request!, s), s, this.h, request.body, route, request, "in");
    return this.checkIn(hRoute, value);
  }

  private toPeer(route: RouteInfo, hRoute: RouteInfo, s: ServedVersion, value: unknown, request: Request): Promise<unknown> {
    return this.convert(this.nameOf(route.response!, hRoute.response!, s), this.h, s, value, route, request, "out");
  }

  /** A converted body must be valid in the handlers' version: what the peer sent cannot be held there otherwise. */
  private checkIn(hRoute: RouteInfo, value: unknown): unknown {
    const result = hRoute.request!.validator.validate(value);
    if (!result.ok) {
      throw OcpiHttpError.invalid(result.errors.map((e) => ({ ...e, message: `${e.message} (once converted to OCPI ${this.h})` })));
    }
    return value;
  }

  /**
   * Converts one object. Going in, what cannot be converted is the peer's bad input (2001); going out, it is ours
   * (a ConversionError, answered with 3000).
   */
  private async convert(
    name: string,
    from: ServedVersion,
    to: ServedVersion,
    value: unknown,
    route: RouteInfo,
    request: Request,
    direction: "in" | "out",
  ): Promise<unknown> {
    const convert = converterFor(name, from, to);
    if (!convert) return value; // the same schema in 2.2.1 and 2.3.0
    try {
      const context = await this.contextFor(name, from, to, value, route, request);
      const { value: converted, notes } = convert(value, context);
      if (notes.length) this.options.onNotes?.(route.operationId, from, to, name, notes);
      return converted;
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      if (direction === "in")
        throw OcpiHttpError.invalid([{ pointer: "/body", message: `cannot be converted to OCPI ${to}: ${error.message}`, keyword: "conversion" }]);
      throw new ConversionError(`${route.operationId}: a ${name} cannot be given in OCPI ${to}: ${error.message}`);
    }
  }

  /** The facts a conversion needs that the object does not carry, from the request and the handlers. */
  private async contextFor(
    name: string,
    from: ServedVersion,
    to: ServedVersion,
    value: unknown,
    route: RouteInfo,
    request: Request,
  ): Promise<ConversionContext> {
    const params = request.params;
    const role = request.caller.roles[0];
    const pathOwner =
      typeof params.country_code === "string" && typeof params.party_id === "string"
        ? { country_code: params.country_code, party_id: params.party_id }
        : undefined;
    // A 2.1.1 Session or CDR sent to us names a token that is ours (we receive them as its eMSP).
    const tokenOwner = this.options.roles.find((r) => r.role === "EMSP") ?? this.options.roles[0];
    const context = partyContext(name, from, value, { owner: pathOwner ?? role, tokenOwner });
    const v = isObject(value) ? value : {};
    if (to === "2.1.1" && (name === "Session" || name === "CDR" || name === "SessionPatch")) {
      const locationId = name === "CDR" ? (isObject(v.cdr_location) ? v.cdr_location.id : undefined) : v.location_id;
      if (typeof locationId === "string") {
        const location = await this.location211(locationId, v, request);
        if (location) context.location = location as never;
      }
    }
    const extra = await this.options.context?.({ name, from, to, value, operationId: route.operationId, caller: request.caller, params });
    return { ...context, ...extra };
  }

  /** A Location as 2.1.1 embeds it in Sessions and CDRs: read with the handlers (received, else our own). */
  private async location211(locationId: string, owner: Record<string, unknown>, request: Request): Promise<unknown> {
    const attempts: ["SENDER" | "RECEIVER", Record<string, unknown>][] = [
      ["RECEIVER", { country_code: owner.country_code, party_id: owner.party_id, location_id: locationId }],
      ["SENDER", { location_id: locationId }],
    ];
    for (const [side, params] of attempts) {
      const hRoute = findRoute(this.h, "locations", side, "get");
      const handler = hRoute && this.options.handlerOf(hRoute);
      if (!handler || Object.values(params).some((p) => typeof p !== "string")) continue;
      try {
        const location = parsed(await handler({ ...request, params, query: {}, body: undefined }));
        const convert = converterFor("Location", this.h, "2.1.1");
        return convert ? convert(location).value : location;
      } catch (error) {
        if (!(error instanceof OcpiHttpError)) throw error;
      }
    }
    return undefined;
  }

  /**
   * A PATCH in the peer's version, converted by convertPatch: alone where the patch has a converter of its own
   * (SessionPatch), otherwise against the object read with the handlers' `get…`, so that only the fields the patch
   * changed or renamed are passed on. It goes to the handlers' `patch…` or, where their version has none, to `put…`
   * of the object with those fields replaced.
   */
  private adaptPatch(route: RouteInfo, s: ServedVersion): AnyHandler | undefined {
    const patchName = route.request!.validator.name;
    const objectName = patchName.replace(/Patch$/, "");
    const hPatchRoute = counterpart(route, this.h);
    const hPatch = hPatchRoute?.request ? this.options.handlerOf(hPatchRoute) : undefined;
    const getRoute = counterpart(route, this.h, route.name.replace(/^patch/, "get"));
    const putRoute = counterpart(route, this.h, route.name.replace(/^patch/, "put"));
    const sPutRoute = counterpart(route, s, route.name.replace(/^patch/, "put"));
    const get = getRoute && this.options.handlerOf(getRoute);
    const put = putRoute?.request ? this.options.handlerOf(putRoute) : undefined;
    const direct = !needsCurrent(objectName, s, this.h);
    // The object held is read when the patch converts against it, or when the handlers can only PUT it whole.
    const readsCurrent = !direct || !hPatch;
    if (!(hPatch || put)) return undefined;
    if (readsCurrent && !get) return undefined;
    if (!direct && !(sPutRoute?.request && converterFor(objectName, this.h, s) && converterFor(objectName, s, this.h))) return undefined;

    return async (raw) => {
      const request = raw as Request;
      const current = readsCurrent ? (parsed(await get!({ ...request, query: {}, body: undefined })) as Record<string, unknown>) : undefined;
      const context = direct
        ? await this.contextFor(patchName, s, this.h, request.body, route, request)
        : await this.contextFor(objectName, s, this.h, current, route, request);
      let changes: Record<string, unknown>;
      try {
        const result = convertPatch(objectName, s, this.h, request.body as Record<string, unknown>, direct ? undefined : current, context, (merged) => {
          const check = sPutRoute!.request!.validator.validate(merged);
          if (!check.ok) throw OcpiHttpError.invalid(check.errors.map((e): ValidationIssue => ({ ...e, message: `${e.message} (once patched)` })));
        });
        changes = result.value;
        if (result.notes.length) this.options.onNotes?.(route.operationId, s, this.h, direct ? patchName : objectName, result.notes);
      } catch (error) {
        if (error instanceof RangeError)
          throw OcpiHttpError.invalid([{ pointer: "/body", message: `cannot be converted to OCPI ${this.h}: ${error.message}`, keyword: "conversion" }]);
        throw error;
      }
      if (hPatch) return hPatch({ ...request, body: this.checkIn(hPatchRoute!, changes) });
      return put!({ ...request, body: this.checkIn(putRoute!, { ...current, ...changes }) });
    };
  }
}
