import createClient from "openapi-fetch";
import type { Credentials } from "@ocpi-sdk/types/2.2.1";
import * as v2_2_1 from "../generated/2.2.1/index.gen.js";
import { chooseVersion, findEndpoint, type EndpointEntry, type VersionEntry } from "./discovery.js";
import { OcpiError } from "./errors.js";
import { DEFAULT_RETRY, DEFAULT_TIMEOUT_MS, fetchWithPolicy } from "./fetch.js";
import { OperationRunner, type OcpiResult, type OperationInfo, type RunnerContext } from "./operations.js";
import type { CallOptions, OcpiClientOptions, RetryPolicy } from "./options.js";

/** The versions this client has generated bindings for. */
export const CLIENT_VERSIONS = [v2_2_1.version] as const;

type Discovery = ReturnType<typeof v2_2_1.bindDiscovery>;
type Modules = v2_2_1.Modules;

// The module properties (`client.locations`, `client.commands`, ...) are assigned from the generated bindings.
export interface OcpiClient extends Modules {}

/**
 * A client of one OCPI peer: discovery and version choice, then typed calls of every module and interface
 * (`client.locations.sender.all()`, `client.commands.receiver.startSession({ body })`, ...).
 */
export class OcpiClient {
  /** The chosen OCPI version (after {@link discover}). */
  version?: string;
  /** The peer's endpoints for that version. */
  endpoints: EndpointEntry[] = [];
  /** The peer's versions, as it listed them. */
  versions: VersionEntry[] = [];
  /** GET versions and version details directly. */
  readonly discovery: Discovery;

  private token: string;
  private encoding: "auto" | "base64" | "raw";
  private detailsUrl?: string;
  private readonly options: OcpiClientOptions;
  private readonly runner: OperationRunner;

  /** Connects: discovers the peer's versions, picks the highest mutual one and reads its endpoints. */
  static async connect(options: OcpiClientOptions): Promise<OcpiClient> {
    const client = new OcpiClient(options);
    await client.discover();
    return client;
  }

  constructor(options: OcpiClientOptions) {
    this.options = options;
    this.token = options.token;
    this.encoding = options.tokenEncoding ?? "auto";
    const baseFetch = options.fetch ?? ((request: Request) => globalThis.fetch(request));
    const retry: RetryPolicy | false = options.retry === false ? false : { ...DEFAULT_RETRY, ...options.retry };
    const ctx: RunnerContext = {
      http: createClient({ fetch: baseFetch }),
      transport: (request, call) => fetchWithPolicy(request, baseFetch, retry, call),
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      version: () => this.version,
      token: () => this.token,
      tokenEncoding: () => this.encoding,
      baseUrl: (info) => this.baseUrlOf(info),
      from: () => options.party,
      validation: options.validation ?? "lenient",
      ...(options.onValidationIssue ? { onValidationIssue: options.onValidationIssue } : {}),
    };
    const runner = new OperationRunner(ctx);
    this.runner = runner;
    this.discovery = v2_2_1.bindDiscovery(runner);
    Object.assign(this, v2_2_1.bindModules(runner));
  }

  /** A client of a peer already known (registered earlier): no discovery needed. */
  static restore(options: OcpiClientOptions, state: { version: string; endpoints: EndpointEntry[] }): OcpiClient {
    const client = new OcpiClient(options);
    client.version = state.version;
    client.endpoints = state.endpoints;
    return client;
  }

  /**
   * Calls an operation by its id (`locationsReceiverPatchEvse`, `commandsSenderPostResult`, ...), for code that
   * chooses operations at run time; `responseUrl` for operations sent to a response_url.
   */
  callOperation(operationId: string, request: Record<string, unknown> = {}, options: CallOptions = {}, responseUrl?: string): Promise<OcpiResult<unknown>> {
    const info = (v2_2_1.operations as Record<string, OperationInfo>)[operationId];
    if (!info) throw new OcpiError("no-endpoint", `no operation ${operationId} in OCPI ${v2_2_1.version}`);
    if (info.url === "response_url" && responseUrl === undefined) throw new OcpiError("no-endpoint", `${operationId} needs a response_url`);
    return this.runner.send(info, request, options, responseUrl);
  }

  /** The token calls are made with. */
  get currentToken(): string {
    return this.token;
  }

  /** Use another token from now on (after registration or rotation). */
  setToken(token: string): void {
    this.token = token;
  }

  /** Reads the peer's versions, picks the highest mutual version, and reads its endpoints. */
  async discover(options?: CallOptions): Promise<void> {
    // Version lists may hold versions newer than ours: read them leniently whatever the client's mode.
    const lenient: CallOptions = { ...options, validation: options?.validation === "off" ? "off" : "lenient" };
    this.versions = (await this.readVersions(lenient)) as VersionEntry[];
    const ours = this.options.versions ?? [...CLIENT_VERSIONS];
    const chosen = chooseVersion(ours.filter((v) => (CLIENT_VERSIONS as readonly string[]).includes(v)), this.versions);
    if (!chosen) {
      throw new OcpiError(
        "no-mutual-version",
        `no mutual OCPI version: the peer offers ${this.versions.map((v) => v.version).join(", ") || "none"}, we support ${ours.join(", ")}`,
        { url: this.options.versionsUrl },
      );
    }
    this.version = chosen.version;
    this.detailsUrl = chosen.url;
    const details = await this.discovery.versionDetails(undefined, lenient);
    this.endpoints = details.data.endpoints as EndpointEntry[];
  }

  private async readVersions(options: CallOptions): Promise<unknown[]> {
    try {
      return (await this.discovery.versions(undefined, options)).data;
    } catch (error) {
      // Some peers (2.1.1-era) only accept the raw token: try it once, and keep it if it works.
      if (this.encoding === "auto" && error instanceof OcpiError && error.httpStatus === 401) {
        this.encoding = "raw";
        try {
          return (await this.discovery.versions(undefined, options)).data;
        } catch (second) {
          this.encoding = "auto";
          throw second;
        }
      }
      throw error;
    }
  }

  /**
   * Registers with the peer: POSTs our credentials (with Token A) and switches to the token the peer answers
   * with. Returns the peer's credentials.
   */
  async register(ours: Credentials, options?: CallOptions): Promise<Credentials> {
    const { data } = await this.credentials.post({ body: ours }, options);
    this.token = data.token;
    return data;
  }

  /** Sends new credentials (a new token for the peer, new roles); switches to the token the peer answers with. */
  async updateCredentials(ours: Credentials, options?: CallOptions): Promise<Credentials> {
    const { data } = await this.credentials.put({ body: ours }, options);
    this.token = data.token;
    return data;
  }

  /** Unregisters: the peer forgets our credentials. */
  async unregister(options?: CallOptions): Promise<void> {
    await this.credentials.delete(undefined, options);
  }

  private baseUrlOf(info: OperationInfo): string {
    switch (info.url) {
      case "versions":
        return this.options.versionsUrl;
      case "version_details":
        if (!this.detailsUrl) throw new OcpiError("no-endpoint", "version details are not known yet: call discover() first");
        return this.detailsUrl;
      case "response_url":
        throw new OcpiError("no-endpoint", `${info.operationId} is sent to a response_url`);
      case "endpoint": {
        const endpoint = findEndpoint(this.endpoints, info.module, info.interface);
        if (!endpoint) {
          throw new OcpiError(
            "no-endpoint",
            this.version
              ? `the peer offers no ${info.module} ${info.interface ?? ""} endpoint in OCPI ${this.version}`.replace("  ", " ")
              : "the peer's endpoints are not known yet: call discover() first",
          );
        }
        return endpoint.url;
      }
    }
  }
}
