/**
 * A client seen in another version than the one talked with the peer: the module calls of that version, each
 * converted to the peer's version on the way out and back on the way in (@ocpi-sdk/converters). Business logic
 * written against one version talks to peers of every version through it.
 */
import {
  conversionName,
  converterFor,
  convertPatch,
  needsCurrent,
  partyContext,
  type ConversionContext,
  type ConversionNote,
  type Owner,
} from "@ocpi-sdk/converters";
import type { OcpiVersion } from "@ocpi-sdk/protocol";
import { OcpiError } from "./errors.js";
import { BindingCaller, type OcpiPage, type OcpiResult, type OperationInfo, type OperationRunner, type RequestArg } from "./operations.js";
import type { CallOptions } from "./options.js";

type Version = OcpiVersion;

/** What a hook sees when it is asked for more context for one conversion. */
export interface ViewConversion {
  /** The object converted, by its 2.2.1 name. */
  name: string;
  from: Version;
  to: Version;
  value: unknown;
  operationId: string;
  request: Record<string, unknown>;
}

/** Options of `client.as(version, options)`: what the conversions need to know and whom they tell what they did. */
export interface ViewOptions {
  /** The peer's party: the owner of objects a 2.1.1 peer sends without one, where the path names none. */
  peer?: Owner;
  /** More context for a conversion (e.g. the 2.1.1 Location a Session sent to a 2.1.1 peer embeds). */
  context?: (conversion: ViewConversion) => Partial<ConversionContext>;
  /** Sees what every conversion dropped, defaulted or changed. */
  onNotes?: (operationId: string, from: Version, to: Version, name: string, notes: ConversionNote[]) => void;
}

/** What the view needs from the client it views. */
export interface ViewedClient {
  /** The version talked with the peer (known after discovery). */
  readonly version: Version | undefined;
  /** The operation table of a version. */
  operationsOf(version: Version): Readonly<Record<string, OperationInfo>>;
  readonly runner: OperationRunner;
  /** Our own party: the owner of the tokens in 2.1.1 Sessions and CDRs we receive. */
  readonly party: Owner | undefined;
}

/** The OperationCaller the generated bindings of the view's version are bound to. */
export class ConvertingCaller extends BindingCaller {
  constructor(
    private readonly client: ViewedClient,
    private readonly version: Version,
    private readonly options: ViewOptions = {},
  ) {
    super();
  }

  override paginationLimits() {
    return this.client.runner.paginationLimits();
  }

  /** The peer's version, and its operation doing what `info` does (same module, interface and name). */
  private peerOf(info: OperationInfo, name = info.name): { peer: Version; peerInfo: OperationInfo } {
    const peer = this.client.version;
    if (!peer) throw new OcpiError("no-endpoint", "the peer's version is not known yet: call discover() first");
    const peerInfo = Object.values(this.client.operationsOf(peer)).find((o) => o.module === info.module && o.interface === info.interface && o.name === name);
    if (!peerInfo) throw new OcpiError("no-endpoint", `OCPI ${peer} has no ${info.operationId.replace(/^([a-z]+)/, "$1 ")} (the peer talks ${peer})`);
    return { peer, peerInfo };
  }

  async send(info: OperationInfo, request: RequestArg, options: CallOptions, responseUrl?: string): Promise<OcpiResult<unknown>> {
    const { peer, peerInfo } = this.peerOf(info);
    const body = await this.body(info, peerInfo, peer, request, options);
    const result = await this.client.runner.send(peerInfo, { ...request, ...(body !== undefined ? { body } : {}) }, options, responseUrl);
    if (!info.response || !peerInfo.response || result.data === undefined) return result;
    const name = conversionName({ name: peerInfo.response.validator.name, version: peer }, { name: info.response.validator.name, version: this.version });
    const data =
      info.response.list && Array.isArray(result.data)
        ? result.data.map((item) => this.convert(name, peer, this.version, item, info, request, "in")).filter((item) => item !== undefined)
        : this.convert(name, peer, this.version, result.data, info, request, "in");
    return { ...result, data };
  }

  async sendPage(info: OperationInfo, request: RequestArg, options: CallOptions, next?: string): Promise<OcpiPage<unknown>> {
    const { peer, peerInfo } = this.peerOf(info);
    const page = await this.client.runner.sendPage(peerInfo, request, options, next);
    const name = conversionName({ name: peerInfo.response!.validator.name, version: peer }, { name: info.response!.validator.name, version: this.version });
    return { ...page, data: page.data.map((item) => this.convert(name, peer, this.version, item, info, request, "in")).filter((item) => item !== undefined) };
  }

  /**
   * The body in the peer's version. A PATCH goes through convertPatch: alone where it has a converter of its own,
   * otherwise against the object as the peer holds it (read first with the same interface's `get…`), so that only
   * what the patch changes is sent.
   */
  private async body(info: OperationInfo, peerInfo: OperationInfo, peer: Version, request: RequestArg, options: CallOptions): Promise<unknown> {
    if (!info.request || !peerInfo.request || request.body === undefined) return request.body;
    const name = conversionName({ name: info.request.validator.name, version: this.version }, { name: peerInfo.request.validator.name, version: peer });
    if (info.method !== "PATCH") return this.convert(name, this.version, peer, request.body, info, request, "out");
    const object = name.replace(/Patch$/, "");
    let current: Record<string, unknown> | undefined;
    if (needsCurrent(object, this.version, peer)) {
      const { peerInfo: getInfo } = this.peerOf(info, info.name.replace(/^patch/, "get"));
      current = (await this.client.runner.send(getInfo, { ...request, body: undefined }, { ...options, ifMatch: undefined, validation: "off" })).data as Record<
        string,
        unknown
      >;
    }
    try {
      const context = this.context(current ? object : name, this.version, peer, current ?? request.body, info, request);
      const { value, notes } = convertPatch(object, this.version, peer, request.body as Record<string, unknown>, current, context);
      if (notes.length) this.options.onNotes?.(info.operationId, this.version, peer, current ? object : name, notes);
      return value;
    } catch (error) {
      if (error instanceof RangeError) throw new OcpiError("validation", `${info.operationId}: the ${name} cannot be sent in OCPI ${peer}: ${error.message}`);
      throw error;
    }
  }

  private context(name: string, from: Version, to: Version, value: unknown, info: OperationInfo, request: RequestArg): ConversionContext {
    const pathOwner =
      typeof request.country_code === "string" && typeof request.party_id === "string"
        ? { country_code: request.country_code, party_id: request.party_id }
        : undefined;
    const context = partyContext(name, from, value, { owner: pathOwner ?? this.options.peer, tokenOwner: this.client.party });
    return { ...context, ...this.options.context?.({ name, from, to, value, operationId: info.operationId, request }) };
  }

  /** Converts one object; what cannot be converted is ours to fix going out, the peer's coming in. */
  private convert(name: string, from: Version, to: Version, value: unknown, info: OperationInfo, request: RequestArg, direction: "in" | "out"): unknown {
    const convert = converterFor(name, from, to);
    if (!convert) return value; // the same schema in 2.2.1 and 2.3.0
    try {
      const { value: converted, notes } = convert(value, this.context(name, from, to, value, info, request));
      if (notes.length) this.options.onNotes?.(info.operationId, from, to, name, notes);
      return converted;
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      if (direction === "out") throw new OcpiError("validation", `${info.operationId}: the ${name} cannot be sent in OCPI ${to}: ${error.message}`);
      throw new OcpiError("invalid-response", `${info.operationId}: the ${name} received in OCPI ${from} cannot be given in ${to}: ${error.message}`);
    }
  }
}
