import createClient from "openapi-fetch";
import type * as T211 from "@ocpi-sdk/types/2.1.1";
import type * as T221 from "@ocpi-sdk/types/2.2.1";
import type * as T230 from "@ocpi-sdk/types/2.3.0";
import type * as v2_1_1 from "../generated/2.1.1/index.gen.js";
import type * as v2_2_1 from "../generated/2.2.1/index.gen.js";
import type * as v2_3_0 from "../generated/2.3.0/index.gen.js";
import { chooseVersion, findEndpoint, type EndpointEntry, type VersionEntry } from "./discovery.js";
import { OcpiError } from "./errors.js";
import { DEFAULT_DEADLINE_MS, DEFAULT_RETRY, DEFAULT_TIMEOUT_MS, fetchWithPolicy } from "./fetch.js";
import { connectTimeDispatcher } from "./connect-check.js";
import { DEFAULT_MAX_REDIRECTS, DEFAULT_MAX_RESPONSE_BYTES, safeFetch } from "./safe-fetch.js";
import { OperationRunner, type BindingCaller, type OcpiResult, type OperationInfo, type RunnerContext } from "./operations.js";
import type { BindingsTable, CallOptions, Deviation, DeviationCode, OcpiClientOptions, RetryPolicy, ValidationMode, VersionBindings } from "./options.js";
import { compareVersions, resolveLogger, type EndpointAddition, type OcpiVersion } from "@ocpi-sdk/protocol";
import type { ViewedClient, ViewOptions } from "./view.js";

/** The OCPI versions a client can talk: every version the SDK implements (each has generated bindings). */
export type ClientVersion = OcpiVersion;

/** The module calls of a version: `client.locations`, `client.commands`, ... */
export type ModulesOf<V extends ClientVersion> = V extends "2.1.1" ? v2_1_1.Modules : V extends "2.2.1" ? v2_2_1.Modules : v2_3_0.Modules;
/** The discovery calls of a version. */
export type DiscoveryOf<V extends ClientVersion> = V extends "2.1.1"
  ? ReturnType<typeof v2_1_1.bindDiscovery>
  : V extends "2.2.1"
    ? ReturnType<typeof v2_2_1.bindDiscovery>
    : ReturnType<typeof v2_3_0.bindDiscovery>;
/** The Credentials object of a version (2.1.1 names one party; 2.2 lists roles). */
export type CredentialsOf<V extends ClientVersion> = V extends "2.1.1" ? T211.Credentials : V extends "2.2.1" ? T221.Credentials : T230.Credentials;

/**
 * A client of one OCPI peer in version `V`: discovery and version choice, then typed calls of every module and
 * interface of that version (`client.locations.sender.all()`, `client.commands.receiver.startSession({ body })`).
 * `OcpiClient` without a version is any of the three: compare `client.version` to narrow it.
 */
export type OcpiClient<V extends ClientVersion = ClientVersion, B = {}> = V extends ClientVersion ? OcpiClientCore<V> & ModulesWith<V, B> : never;

/** The module calls of `V`: those of the given bindings `B` where they have the version, else the built-in ones. */
export type ModulesWith<V extends ClientVersion, B> = B extends { readonly [K in V]: { bindModules(caller: never): infer M } } ? M : ModulesOf<V>;

/** Options with the generated bindings `B` (see {@link OcpiClientOptions.bindings}). */
type OptionsWith<V extends ClientVersion, B extends BindingsTable> = OcpiClientOptions<V> & { bindings?: B };

/**
 * The `OcpiClient` of an entry point that talks the versions `Vs`: `@ocpi-sdk/client` talks every version,
 * `@ocpi-sdk/client/2.2.1` only 2.2.1 (and bundles no other version's bindings or validators).
 */
export interface OcpiClientConstructor<Vs extends ClientVersion = ClientVersion, T extends BindingsTable = {}> {
  /** A client that has not discovered the peer yet (see {@link OcpiClientCore.discover}). */
  new <V extends Vs = Vs, B extends BindingsTable = {}>(options: OptionsWith<V, B>): OcpiClient<V, WithBuiltins<T, B>>;
  /** Connects: discovers the peer's versions, picks the highest mutual one (of `options.versions`) and reads its endpoints. */
  connect<V extends Vs = Vs, B extends BindingsTable = {}>(options: OptionsWith<V, B>): Promise<OcpiClient<V, WithBuiltins<T, B>>>;
  /** A client of a peer already known (registered earlier): no discovery needed. */
  restore<V extends Vs, B extends BindingsTable = {}>(
    options: OptionsWith<V, B>,
    state: { version: V; endpoints: EndpointEntry[] },
  ): OcpiClient<V, WithBuiltins<T, B>>;
  readonly prototype: OcpiClientCore<Vs>;
}

/** The bindings a client talks: those given in the options (`B`) over the class's own (`T`, typed where not the SDK's). */
export type WithBuiltins<T, B> = {} extends T ? B : Omit<T, keyof B> & B;

/**
 * Makes the module calls of `version` for a client that talks another version with the peer (`client.as`): the
 * converting view of the all-versions client. A client without one views only the version it talks.
 */
export type ViewFactory = (client: ViewedClient, version: ClientVersion, options: ViewOptions) => BindingCaller;

/** What an entry point's client class talks: the built-in bindings by version, highest first, and its view. */
export interface ClientBuiltins {
  readonly bindings: BindingsTable;
  readonly versions: readonly ClientVersion[];
  readonly view?: ViewFactory;
}

/**
 * The `OcpiClient` class talking the versions of `bindings` (generated bindings by version), highest preferred,
 * with `view` for `client.as` across versions. Each entry point makes its own, so that a bundle holds only the
 * versions it imports: `@ocpi-sdk/client` every version with the converting view, `@ocpi-sdk/client/<version>` one.
 */
export function defineClient<const T extends BindingsTable>(bindings: T, view?: ViewFactory): OcpiClientConstructor<keyof T & ClientVersion, T> {
  const versions = (Object.keys(bindings) as ClientVersion[]).sort((a, b) => compareVersions(b, a));
  for (const version of versions) {
    const given = bindings[version]!.version;
    if (given !== version) throw new TypeError(`the bindings given for OCPI ${version} are OCPI ${given}'s`);
  }
  const builtins: ClientBuiltins = { bindings, versions, ...(view ? { view } : {}) };
  return class OcpiClient<V extends ClientVersion> extends OcpiClientCore<V> {
    static override readonly builtins = builtins;
  } as unknown as OcpiClientConstructor<keyof T & ClientVersion, T>;
}

/** The version-independent part of every client: the version, endpoints, token, discovery and credentials calls. */
export class OcpiClientCore<V extends ClientVersion> {
  /** The peer's endpoints for the chosen version. */
  endpoints: EndpointEntry[] = [];
  /** The peer's versions, as it listed them. */
  versions: VersionEntry[] = [];
  /** GET versions and version details directly (bound to the chosen version, or the preferred one before). */
  discovery!: DiscoveryOf<V>;
  /**
   * The ways this peer was seen to deviate from the spec, by kind: how often, and the first occurrence (which went
   * to `onDeviation`).
   */
  readonly deviations = new Map<DeviationCode, { count: number; first: Deviation }>();

  private chosen?: V;
  private token: string;
  private encoding: "auto" | "base64" | "raw";
  /** The client's validation mode: its own option, or the profile's, or lenient. */
  private readonly validation: ValidationMode;
  private detailsUrl?: string;
  private readonly options: OcpiClientOptions<V>;
  private readonly runner: OperationRunner;
  /** The built-in bindings and view of the class this client was made with. */
  private readonly builtins: ClientBuiltins;

  /** Set by {@link defineClient} on each entry point's class; the core alone talks nothing. */
  protected static readonly builtins?: ClientBuiltins;

  /** Connects: discovers the peer's versions, picks the highest mutual one (of `options.versions`) and reads its endpoints. */
  static async connect<V extends ClientVersion = ClientVersion>(
    this: new (
      options: OcpiClientOptions<V>,
    ) => OcpiClientCore<V>,
    options: OcpiClientOptions<V>,
  ): Promise<OcpiClient<V>> {
    const client = new this(options);
    await client.discover();
    return client as unknown as OcpiClient<V>;
  }

  /** A client of a peer already known (registered earlier): no discovery needed. */
  static restore<V extends ClientVersion>(
    this: new (
      options: OcpiClientOptions<V>,
    ) => OcpiClientCore<V>,
    options: OcpiClientOptions<V>,
    state: { version: V; endpoints: EndpointEntry[] },
  ): OcpiClient<V> {
    const client = new this(options);
    client.version = state.version;
    client.endpoints = client.withAdditions(state.endpoints);
    return client as unknown as OcpiClient<V>;
  }

  constructor(options: OcpiClientOptions<V>) {
    const builtins = (new.target as unknown as { builtins?: ClientBuiltins }).builtins;
    if (!builtins)
      throw new TypeError("OcpiClientCore is the base of every client: make one with OcpiClient of @ocpi-sdk/client or @ocpi-sdk/client/<version>");
    this.builtins = builtins;
    this.options = options;
    this.token = options.token;
    this.encoding = options.tokenEncoding ?? "auto";
    this.validation = options.validation ?? options.profile?.validation ?? "lenient";
    const userFetch = options.fetch;
    // Called with the request alone: a Hono app's fetch takes env and execution context next, and may answer synchronously.
    // Node's own fetch also checks the URL policy at connect time (connect-check.ts); a fetch of the application's is its own.
    const dispatcher = userFetch ? undefined : connectTimeDispatcher(options.urlPolicy ?? {}, options.lookup);
    const baseFetch = userFetch
      ? async (request: Request) => userFetch(request)
      : dispatcher
        ? (request: Request) => globalThis.fetch(request, { dispatcher } as RequestInit)
        : (request: Request) => globalThis.fetch(request);
    // Every request, first attempt, retry or redirect hop, goes through the URL policy and the size cap.
    const guarded = safeFetch(baseFetch, {
      policy: options.urlPolicy ?? {},
      ...(options.lookup ? { lookup: options.lookup } : {}),
      maxRedirects: options.maxRedirects ?? DEFAULT_MAX_REDIRECTS,
      maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    });
    const retry: RetryPolicy | false = options.retry === false ? false : { ...DEFAULT_RETRY, ...options.retry };
    const ctx: RunnerContext = {
      http: createClient({ fetch: guarded }),
      transport: (request, call) => fetchWithPolicy(request, guarded, retry, call),
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      deadlineMs: options.deadlineMs ?? DEFAULT_DEADLINE_MS,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.pagination ? { pagination: options.pagination } : {}),
      version: () => this.chosen,
      token: () => this.token,
      tokenEncoding: () => this.encoding,
      baseUrl: (info) => this.baseUrlOf(info),
      from: () => options.party,
      validation: this.validation,
      ...(options.onValidationIssue ? { onValidationIssue: options.onValidationIssue } : {}),
      ...(options.profile ? { profile: options.profile } : {}),
      deviation: (deviation) => this.recordDeviation(deviation),
    };
    this.runner = new OperationRunner(ctx);
    this.bind(this.preferred());
  }

  private recordDeviation(deviation: Deviation): void {
    const seen = this.deviations.get(deviation.code);
    if (seen) {
      seen.count++;
      return;
    }
    this.deviations.set(deviation.code, { count: 1, first: deviation });
    if (this.options.onDeviation) return this.options.onDeviation(deviation);
    // Lenient mode repairs and drops quietly: without a callback, each kind is said once, so that it does not vanish.
    const { message, ...fields } = deviation;
    resolveLogger(this.options.logger)?.warn({ peer: this.options.versionsUrl, ...fields }, `the peer deviates from OCPI: ${message}`);
  }

  /** The peer's endpoints, rewritten, plus the profile's additions it does not list itself (reported). */
  private withAdditions(endpoints: EndpointEntry[]): EndpointEntry[] {
    const out = endpoints.map((e) => ({ ...e, url: this.runner.rewrite(e.url, "versionDetails") }));
    const additions: EndpointAddition[] = this.options.profile?.endpoints ?? [];
    for (const addition of additions) {
      if (addition.version !== undefined && addition.version !== this.chosen) continue;
      const listed = out.some((e) => e.identifier === addition.identifier && (addition.role === undefined || (e as { role?: string }).role === addition.role));
      if (listed) continue;
      const entry = { identifier: addition.identifier, url: addition.url, ...(addition.role ? { role: addition.role } : {}) } as EndpointEntry;
      out.push(entry);
      this.recordDeviation({
        code: "endpoint-added",
        operationId: "versionDetails",
        url: addition.url,
        message: `${addition.identifier}${addition.role ? ` ${addition.role}` : ""} is not in the peer's version details; added from the profile`,
      });
    }
    return out;
  }

  /** The OCPI version talked with the peer: chosen by {@link discover}, or given to `restore`. */
  get version(): V | undefined {
    return this.chosen;
  }

  /** Talks `version` from now on (its module calls, validators and token encoding). */
  set version(version: V | undefined) {
    const versions = this.builtins.versions;
    if (version !== undefined && !(versions as readonly string[]).includes(version)) {
      throw new OcpiError("no-mutual-version", `OCPI ${String(version)} is not a version this client talks (${versions.join(", ")})`);
    }
    this.chosen = version;
    this.bind(version ?? this.preferred());
  }

  /** Our versions this client may talk, highest first: `options.versions` that have bindings. */
  private allowed(): V[] {
    const ours = (this.options.versions ?? this.builtins.versions) as readonly string[];
    return this.builtins.versions.filter((v) => ours.includes(v)) as V[];
  }

  /** The version bound before one is chosen: the highest we may talk. */
  private preferred(): ClientVersion {
    return this.allowed()[0] ?? this.builtins.versions[0]!;
  }

  private bound?: ClientVersion;
  private moduleNames: string[] = [];

  /** Assigns the module and discovery calls of a version to this client (a module the version lacks goes away). */
  private bind(version: ClientVersion): void {
    if (this.bound === version) return;
    const bindings = this.bindingsOf(version);
    for (const name of this.moduleNames) delete (this as Record<string, unknown>)[name];
    const modules = bindings.bindModules(this.runner as never);
    this.discovery = bindings.bindDiscovery(this.runner as never) as DiscoveryOf<V>;
    Object.assign(this, modules);
    this.moduleNames = Object.keys(modules);
    this.bound = version;
  }

  /** The bindings of a version: the application's generated ones where given, else the built-in ones. */
  private bindingsOf(version: ClientVersion): VersionBindings {
    const given = this.options.bindings?.[version];
    if (given && given.version !== version) throw new OcpiError("no-mutual-version", `the bindings given for OCPI ${version} are OCPI ${given.version}'s`);
    const bindings = given ?? this.builtins.bindings[version];
    if (!bindings) throw new OcpiError("no-mutual-version", `this client has no bindings for OCPI ${version} (it talks ${this.builtins.versions.join(", ")})`);
    return bindings;
  }

  /** The module calls of the version talked (also reachable directly on the client). */
  get modules(): ModulesOf<V> {
    return this as unknown as ModulesOf<V>;
  }

  /**
   * The module calls of `version`, whatever version the peer talks: request bodies are converted to the peer's
   * version and answers back, so that logic written against one version talks to every peer. A call the peer's
   * version lacks fails with `no-endpoint`; what cannot be converted with `validation` (going out) or
   * `invalid-response` (coming in). `options.peer` names the peer's party for objects a 2.1.1 peer sends without one.
   * A client of one version (`@ocpi-sdk/client/<version>`) converts nothing: it views only the version it talks.
   */
  as<T extends ClientVersion>(version: T, options: ViewOptions = {}): ModulesOf<T> {
    const view = this.builtins.view;
    if (!view) {
      if (this.chosen !== undefined && (version as ClientVersion) !== this.chosen) {
        throw new OcpiError(
          "no-mutual-version",
          `this client talks OCPI ${this.builtins.versions.join(", ")} alone and converts nothing: the OcpiClient of @ocpi-sdk/client views OCPI ${version} through conversion`,
        );
      }
      return this.bindingsOf(version).bindModules(this.runner as never) as ModulesOf<T>;
    }
    const client = this;
    const viewed = {
      get version() {
        return client.chosen;
      },
      operationsOf: (v: ClientVersion) => this.bindingsOf(v).operations as Readonly<Record<string, OperationInfo>>,
      runner: this.runner,
      party: this.options.party,
    };
    return this.bindingsOf(version).bindModules(view(viewed, version, options) as never) as ModulesOf<T>;
  }

  /**
   * Calls an operation by its id (`locationsReceiverPatchEvse`, `commandsSenderPostResult`, ...) in the version
   * talked, for code that chooses operations at run time; `responseUrl` for operations sent to a response_url.
   */
  callOperation(operationId: string, request: Record<string, unknown> = {}, options: CallOptions = {}, responseUrl?: string): Promise<OcpiResult<unknown>> {
    const bindings = this.bindingsOf(this.bound!);
    const info = (bindings.operations as Record<string, OperationInfo>)[operationId];
    if (!info) throw new OcpiError("no-endpoint", `no operation ${operationId} in OCPI ${bindings.version}`);
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
    // Version lists may hold versions newer than ours, which our enum of version numbers does not know: read the
    // list's shape here rather than with a version's schema.
    const mode = options?.validation ?? this.validation;
    this.versions = this.versionEntries(await this.readVersions({ ...options, validation: "off" }), mode);
    const ours = this.allowed();
    const chosen = chooseVersion(ours, this.versions);
    if (!chosen) {
      throw new OcpiError(
        "no-mutual-version",
        `no mutual OCPI version: the peer offers ${this.versions.map((v) => v.version).join(", ") || "none"}, we support ${ours.join(", ")}`,
        { url: this.options.versionsUrl },
      );
    }
    this.version = chosen.version as V;
    this.detailsUrl = this.runner.rewrite(chosen.url, "versions");
    // The details are read in the client's own mode: a strict client refuses a peer that lists them wrongly.
    const details = await (this.discovery.versionDetails as (request?: undefined, options?: CallOptions) => Promise<OcpiResult<{ endpoints: unknown[] }>>)(
      undefined,
      options,
    );
    this.endpoints = this.withAdditions(details.data.endpoints as EndpointEntry[]);
  }

  /** The entries of a versions list that have a version and a URL (strict mode refuses a list with others). */
  private versionEntries(list: unknown[], mode: ValidationMode): VersionEntry[] {
    if (mode === "off") return list as VersionEntry[];
    if (!Array.isArray(list)) throw new OcpiError("validation", "versions: the list of versions received is not a list", { url: this.options.versionsUrl });
    const entries: VersionEntry[] = [];
    list.forEach((entry, i) => {
      const ok =
        entry !== null && typeof entry === "object" && typeof (entry as VersionEntry).version === "string" && typeof (entry as VersionEntry).url === "string";
      if (ok) {
        entries.push(entry as VersionEntry);
        return;
      }
      const message = `/${i}: a version needs a version number and a url`;
      if (mode === "strict")
        throw new OcpiError("validation", `versions: the list of versions received is invalid: ${message}`, { url: this.options.versionsUrl });
      this.recordDeviation({
        code: "invalid-object-dropped",
        operationId: "versions",
        url: this.options.versionsUrl,
        pointer: `/${i}`,
        message: `left out: ${message}`,
      });
    });
    return entries;
  }

  private readVersionList(options: CallOptions): Promise<OcpiResult<unknown[]>> {
    return (this.discovery.versions as (request?: undefined, options?: CallOptions) => Promise<OcpiResult<unknown[]>>)(undefined, options);
  }

  private async readVersions(options: CallOptions): Promise<unknown[]> {
    try {
      return (await this.readVersionList(options)).data;
    } catch (error) {
      // Some peers (2.1.1-era) only accept the raw token: try it once, and keep it if it works.
      if (this.encoding === "auto" && error instanceof OcpiError && error.kind === "auth") {
        this.encoding = "raw";
        try {
          return (await this.readVersionList(options)).data;
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
  async register(ours: CredentialsOf<V>, options?: CallOptions): Promise<CredentialsOf<V>> {
    const { data } = await this.credentialsCall("post")({ body: ours }, options);
    this.token = data.token;
    return data;
  }

  /** Sends new credentials (a new token for the peer, new roles); switches to the token the peer answers with. */
  async updateCredentials(ours: CredentialsOf<V>, options?: CallOptions): Promise<CredentialsOf<V>> {
    const { data } = await this.credentialsCall("put")({ body: ours }, options);
    this.token = data.token;
    return data;
  }

  /** Unregisters: the peer forgets our credentials. */
  async unregister(options?: CallOptions): Promise<void> {
    await this.credentialsCall("delete")(undefined, options);
  }

  /** The credentials module's call of the version talked (every version has the same four). */
  private credentialsCall(name: "post" | "put" | "delete") {
    return (this.modules as unknown as { credentials: Record<string, unknown> }).credentials[name] as (
      request?: { body: CredentialsOf<V> },
      options?: CallOptions,
    ) => Promise<OcpiResult<CredentialsOf<V>>>;
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
