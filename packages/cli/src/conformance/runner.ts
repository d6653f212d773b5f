/**
 * The conformance run against a live peer: versions and version details, registration with the Token A (through a
 * temporary OCPI server of our own on loopback, which the peer calls back during the handshake), the credentials,
 * every SENDER list the peer offers (pagination, filters, strict validity, single objects), unknown objects, bad
 * tokens, and the transport rules over every exchange; unregistration at the end when it registered.
 */
import { OcpiError } from "@ocpi-sdk/client";
import { escapePointerToken, newRequestId, parseNextLink, sameCiString, toOcpiDateTime } from "@ocpi-sdk/protocol";
import { createOcpiServer, MemoryStore, type OcpiServer, type PartyRecord } from "@ocpi-sdk/server";
import { listen, type Listening } from "@ocpi-sdk/server/node";
import type { CredentialsRole } from "@ocpi-sdk/types/2.2.1";
import { formatError } from "../errors.js";
import { roleHandlers } from "../mock/handlers.js";
import type { Party } from "../mock/data.js";
import { peerUrlPolicy, type UrlPolicyFlags } from "../url-policy.js";
import { OCPI_VERSIONS, validatorOf, type OcpiVersion } from "../validate/versions.js";
import { PeerHttp, type Exchange, type TokenEncoding } from "./http.js";
import { endpointOf, joinPath, objectKey, RECEIVER_MODULES, SENDER_MODULES, type EndpointEntry, type PeerRole, type SenderModule } from "./modules.js";
import { at, preview, SkipCheck, type CheckResult, type ConformanceReport, type Evidence } from "./results.js";

/** What `ocpi conformance` tests: the peer's versions URL and token, its role, and how far to trust its URLs. */
export interface ConformanceOptions extends UrlPolicyFlags {
  /** The peer's versions endpoint. */
  versionsUrl: string;
  /** A Token A to register with, or (with `tokenC`) a Token C of a registration done already. */
  token: string;
  /** `token` is a Token C: used as it is, no registration (and no unregistration). */
  tokenC?: boolean;
  /** The peer's role (default: from its version details, where they say; else CPO). */
  role?: "cpo" | "emsp";
  /** Versions the run may choose from (default all three): the highest the peer lists is tested. */
  versions?: readonly OcpiVersion[];
  /**
   * Our identity: the party our temporary server registers as (default NL/CNF), or, with a Token C, the party that
   * token belongs to (then the receivers' unknown-object checks run; without it they are skipped).
   */
  party?: Party;
  /** Objects per page asked for (default 10): small, so that a short list still has several pages. */
  pageSize?: number;
  /** Pages walked per list at most (default 20). */
  maxPages?: number;
  /** Per request (default 15 s). */
  timeoutMs?: number;
  /** Where our temporary server listens (default 127.0.0.1, any free port), and the URL the peer reaches it at. */
  callback?: { hostname?: string; port?: number; publicUrl?: string };
  /** Told of each check as it ends (progress). */
  onCheck?: (result: CheckResult) => void;
  /** Told of what the run does between checks (registering, walking a list, ...). */
  onStep?: (text: string) => void;
  /** fetch for the runner's own requests (tests). */
  fetch?: (request: Request) => Promise<Response>;
  signal?: AbortSignal;
  now?: () => Date;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const envelopeOf = (ex: Exchange): Record<string, unknown> | undefined => (isObject(ex.json) ? ex.json : undefined);
const instant = (value: unknown): number => (typeof value === "string" ? Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`) : Number.NaN);

/** The value at a JSON pointer (undefined when there is none). */
export function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === "") return root;
  let node: unknown = root;
  for (const raw of pointer.slice(1).split("/")) {
    const token = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node)) node = Object.hasOwn(node, token) ? node[token] : undefined;
    else return undefined;
  }
  return node;
}

/** The first pointer where two JSON values differ, or undefined when they are equal. */
export function firstDifference(a: unknown, b: unknown, pointer = ""): string | undefined {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return pointer || "/";
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${pointer}/${i}`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of [...keys].sort()) {
      const d = firstDifference(a[key], b[key], `${pointer}/${escapePointerToken(key)}`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return Object.is(a, b) ? undefined : pointer || "/";
}

interface CheckContext {
  fail(evidence: Evidence): void;
  /** Ends the check as skipped. */
  skip(reason: string): never;
  readonly failures: number;
}

/** Most evidence items one check keeps (the count of the rest is said). */
const MAX_EVIDENCE = 20;

class Checks {
  readonly results: CheckResult[] = [];
  constructor(private readonly onCheck?: (result: CheckResult) => void) {}

  async run(id: string, title: string, body: (c: CheckContext) => Promise<void> | void): Promise<CheckResult> {
    const started = performance.now();
    const evidence: Evidence[] = [];
    let failures = 0;
    let skipped: string | undefined;
    const context: CheckContext = {
      fail: (e) => {
        failures++;
        if (evidence.length < MAX_EVIDENCE) evidence.push(e);
      },
      skip: (reason) => {
        throw new SkipCheck(reason);
      },
      get failures() {
        return failures;
      },
    };
    try {
      await body(context);
    } catch (error) {
      if (error instanceof SkipCheck) skipped = error.message;
      else context.fail({ message: `the check could not run: ${formatError(error)}` });
    }
    const status = failures > 0 ? "fail" : skipped !== undefined ? "skip" : "pass";
    const message =
      status === "skip"
        ? skipped
        : status === "fail"
          ? `${failures} problem${failures === 1 ? "" : "s"}${failures > evidence.length ? ` (the first ${evidence.length} shown)` : ""}`
          : undefined;
    const result: CheckResult = {
      id,
      title,
      status,
      ...(message !== undefined ? { message } : {}),
      evidence,
      durationMs: Math.round(performance.now() - started),
    };
    this.results.push(result);
    this.onCheck?.(result);
    return result;
  }

  /** A check that cannot run because an earlier one failed. */
  skipped(id: string, title: string, reason: string): void {
    const result: CheckResult = { id, title, status: "skip", message: reason, evidence: [], durationMs: 0 };
    this.results.push(result);
    this.onCheck?.(result);
  }
}

/**
 * The envelope of a successful answer: HTTP 200, a JSON object, status_code 1000. Each way it is not is a failure;
 * resolves with its data when it is usable (a JSON object with data), else undefined.
 */
function expectSuccess(c: CheckContext, ex: Exchange): { data: unknown } | undefined {
  if (ex.status === undefined) {
    c.fail(at(ex, { message: `no answer: ${ex.error}` }));
    return undefined;
  }
  const body = envelopeOf(ex);
  if (ex.status !== 200)
    c.fail(at(ex, { message: `HTTP ${ex.status}, expected 200${typeof body?.status_message === "string" ? ` ("${body.status_message}")` : ""}` }));
  if (!body) {
    c.fail(at(ex, { message: `the body is not an OCPI response envelope (a JSON object): ${preview(ex.text, 200)}` }));
    return undefined;
  }
  if (body.status_code !== 1000) c.fail(at(ex, { pointer: "/status_code", value: body.status_code, message: "must be 1000 (success)" }));
  return ex.status === 200 ? { data: body.data } : undefined;
}

/** Strict validation of one object of an answer, each issue as evidence with its pointer into the envelope. */
function expectValid(c: CheckContext, ex: Exchange, version: OcpiVersion, schema: string, value: unknown, pointer: string): boolean {
  const validator = validatorOf(version, schema);
  if (!validator) return true;
  const result = validator.validate(value, { strict: true });
  if (result.ok) return true;
  for (const issue of result.errors) {
    const full = `${pointer}${issue.pointer}`;
    const found = valueAt(ex.json, full);
    c.fail(at(ex, { pointer: full, ...(found !== undefined && issue.keyword !== "required" ? { value: found } : {}), message: `${schema} ${issue.message}` }));
  }
  return false;
}

/** HTTP 404 with an OCPI client error (2xxx) in an envelope: the answer to an unknown object. */
function expectNotFound(c: CheckContext, ex: Exchange, preferred?: number): void {
  if (ex.status === undefined) return c.fail(at(ex, { message: `no answer: ${ex.error}` }));
  const body = envelopeOf(ex);
  if (ex.status !== 404) c.fail(at(ex, { message: `HTTP ${ex.status} for an unknown object, expected 404` }));
  const code = body?.status_code;
  if (typeof code !== "number" || code < 2000 || code > 2999) {
    c.fail(at(ex, { pointer: "/status_code", value: code, message: `must be an OCPI client error (2000-2999${preferred ? `, ${preferred} here` : ""})` }));
  }
}

/** HTTP 401 for a token the peer cannot know. */
function expectUnauthorized(c: CheckContext, ex: Exchange): void {
  if (ex.status === undefined) return c.fail(at(ex, { message: `no answer: ${ex.error}` }));
  if (ex.status !== 401) c.fail(at(ex, { message: `HTTP ${ex.status} for a wrong token, expected 401` }));
}

interface Walked {
  /** Page exchanges, in order. */
  pages: Exchange[];
  /** Objects with where they came from. */
  objects: { value: unknown; page: Exchange; index: number }[];
  /** The first page's X-Total-Count. */
  total?: number;
  /** The walk reached a page without a next Link. */
  complete: boolean;
  /** It stopped at maxPages. */
  truncated: boolean;
  /** Why it stopped early: a page that failed, a Link to another origin, a loop. */
  problems: Evidence[];
}

const intHeader = (ex: Exchange, name: string): number | undefined => {
  const raw = ex.headers.get(name);
  return raw !== null && /^\d+$/.test(raw.trim()) ? Number(raw) : undefined;
};

/** Follows a list from `url` by its Links, within the page cap. */
async function walk(
  http: PeerHttp,
  url: string,
  query: Record<string, string | number | undefined>,
  token: string,
  encoding: TokenEncoding,
  maxPages: number,
): Promise<Walked> {
  const walked: Walked = { pages: [], objects: [], complete: false, truncated: false, problems: [] };
  const seen = new Set<string>();
  let next: string | undefined = url;
  let first = true;
  while (next !== undefined) {
    if (walked.pages.length >= maxPages) {
      walked.truncated = true;
      break;
    }
    const ex = await http.get(next, { token, encoding, ...(first ? { query } : {}) });
    walked.pages.push(ex);
    if (first) walked.total = intHeader(ex, "X-Total-Count");
    first = false;
    const data = envelopeOf(ex)?.data;
    if (ex.status !== 200 || !Array.isArray(data)) {
      walked.problems.push(at(ex, { message: `page ${walked.pages.length} is not a successful list answer${ex.error ? ` (${ex.error})` : ""}` }));
      break;
    }
    data.forEach((value, index) => {
      walked.objects.push({ value, page: ex, index });
    });
    const link = parseNextLink(ex.headers.get("Link"));
    if (link === undefined) {
      walked.complete = true;
      break;
    }
    let target: string;
    try {
      target = new URL(link, ex.url).href;
    } catch {
      walked.problems.push(at(ex, { message: `the Link rel="next" ${preview(link)} is not a URL` }));
      break;
    }
    if (new URL(target).origin !== new URL(url).origin) {
      walked.problems.push(at(ex, { message: `the Link rel="next" ${target} leaves the endpoint's origin (not followed: the token stays on its origin)` }));
      break;
    }
    if (seen.has(target) || target === ex.url) {
      walked.problems.push(at(ex, { message: `the Link rel="next" ${target} points back to a page already read` }));
      break;
    }
    if (data.length === 0) {
      walked.problems.push(at(ex, { message: "an empty page links to a next one" }));
      break;
    }
    seen.add(target);
    next = target;
  }
  return walked;
}

/** Starts our temporary OCPI server, recording the requests the peer makes to it (shown when registration fails). */
async function startCallbackServer(
  ourRole: CredentialsRole,
  version: OcpiVersion,
  options: ConformanceOptions,
  calls: string[],
): Promise<Listening<OcpiServer>> {
  const store = new MemoryStore();
  return listen(
    (publicUrl) => {
      const server = createOcpiServer({
        publicUrl,
        roles: [ourRole],
        store,
        versions: [version],
        handlers: roleHandlers(ourRole.role as PeerRole, store, [ourRole]),
        // Our calls go to the peer under test: its host, and what the user opened.
        urlPolicy: peerUrlPolicy(options.versionsUrl, options),
        outgoing: { timeoutMs: options.timeoutMs ?? 15_000, deadlineMs: 2 * (options.timeoutMs ?? 15_000) },
        // The report is the output: the requests the peer makes are recorded below, not logged.
        logger: false,
      });
      // The requests the peer makes during the handshake, as evidence: our own instance's fetch, wrapped.
      const served = server.app.fetch;
      server.app.fetch = async (request: Request, ...rest: unknown[]) => {
        const response = await (served as (r: Request, ...a: unknown[]) => Response | Promise<Response>)(request, ...rest);
        if (calls.length < 20) calls.push(`${request.method} ${request.url} → HTTP ${response.status}`);
        return response;
      };
      return server;
    },
    {
      hostname: options.callback?.hostname ?? "127.0.0.1",
      ...(options.callback?.port !== undefined ? { port: options.callback.port } : {}),
      ...(options.callback?.publicUrl ? { publicUrl: options.callback.publicUrl.replace(/\/+$/, "") } : {}),
    },
  );
}

/** Runs every check against the peer and resolves with the report (it never throws for what the peer does). */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const now = options.now ?? (() => new Date());
  const startedAt = toOcpiDateTime(now());
  const checks = new Checks(options.onCheck);
  const step = options.onStep ?? (() => {});
  const http = new PeerHttp({
    policy: peerUrlPolicy(options.versionsUrl, options),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  http.trust(options.versionsUrl);
  const allowed = [...(options.versions?.length ? options.versions : OCPI_VERSIONS)];
  const pageSize = options.pageSize ?? 10;
  const maxPages = options.maxPages ?? 20;
  let version: OcpiVersion | undefined;
  let peerRole: PeerRole | undefined = options.role ? (options.role.toUpperCase() as PeerRole) : undefined;
  let registered = false;
  let callback: Listening<OcpiServer> | undefined;
  const notes: string[] = [];

  const finish = (): ConformanceReport => {
    const count = (s: string) => checks.results.filter((r) => r.status === s).length;
    return {
      tool: "ocpi conformance",
      versionsUrl: options.versionsUrl,
      ...(version ? { version } : {}),
      ...(peerRole ? { role: peerRole } : {}),
      registered,
      notes,
      startedAt,
      finishedAt: toOcpiDateTime(now()),
      summary: { passed: count("pass"), failed: count("fail"), skipped: count("skip"), total: checks.results.length },
      checks: checks.results,
    };
  };

  // -- Versions ------------------------------------------------------------------------------------------------
  let encoding: TokenEncoding = "base64";
  let detailsUrl: string | undefined;
  await checks.run("versions.list", "GET versions answers a strictly valid list of versions", async (c) => {
    let ex = await http.get(options.versionsUrl, { token: options.token, encoding: "base64" });
    let rawOnly = false;
    if (ex.status === 401) {
      // A 2.1.1 peer takes the token as it is; a 2.2 peer must take it base64-encoded (checked below).
      const raw = await http.get(options.versionsUrl, { token: options.token, encoding: "raw" });
      if (raw.status !== undefined && raw.status !== 401) {
        ex.probe = true;
        ex = raw;
        rawOnly = true;
      }
    }
    const answer = expectSuccess(c, ex);
    if (!answer) return;
    if (!Array.isArray(answer.data)) return c.fail(at(ex, { pointer: "/data", value: answer.data, message: "must be a list of versions" }));
    const listed = answer.data.filter(isObject).map((v) => String(v.version));
    version = [...allowed]
      .sort()
      .reverse()
      .find((v) => listed.includes(v));
    if (!version)
      return c.fail(
        at(ex, {
          pointer: "/data",
          value: listed,
          message: `no version in common: the peer lists ${listed.join(", ") || "none"}, the run may test ${allowed.join(", ")}`,
        }),
      );
    answer.data.forEach((v, i) => {
      expectValid(c, ex, version!, "Version", v, `/data/${i}`);
    });
    const entry = answer.data.find((v) => isObject(v) && v.version === version) as { url?: unknown };
    if (typeof entry.url === "string") detailsUrl = entry.url;
    encoding = version === "2.1.1" || rawOnly ? "raw" : "base64";
    if (rawOnly && version !== "2.1.1") {
      c.fail(
        at(ex, {
          message: `the token is accepted only as it is, not base64-encoded: OCPI ${version} sends it base64-encoded ("Authorization: Token <base64>")`,
        }),
      );
    }
  });
  if (!version || !detailsUrl) return finish();
  step(`testing OCPI ${version}`);

  let endpoints: EndpointEntry[] = [];
  await checks.run("versions.details", `GET version details (${version}) answers strictly valid details with a credentials endpoint`, async (c) => {
    http.trust(detailsUrl!);
    const ex = await http.get(detailsUrl!, { token: options.token, encoding });
    const answer = expectSuccess(c, ex);
    if (!answer) return;
    expectValid(c, ex, version!, "VersionDetails", answer.data, "/data");
    const details = answer.data as { version?: unknown; endpoints?: unknown };
    if (!isObject(details) || !Array.isArray(details.endpoints)) return;
    if (details.version !== version)
      c.fail(at(ex, { pointer: "/data/version", value: details.version, message: `must be ${version}, the version whose details URL this is` }));
    endpoints = details.endpoints
      .filter(isObject)
      .flatMap((e) =>
        typeof e.identifier === "string" && typeof e.url === "string"
          ? [{ identifier: e.identifier, url: e.url, ...(typeof e.role === "string" ? { role: e.role } : {}) }]
          : [],
      );
    details.endpoints.forEach((e, i) => {
      const url = isObject(e) ? e.url : undefined;
      if (typeof url === "string" && !/^https?:\/\//i.test(url))
        c.fail(at(ex, { pointer: `/data/endpoints/${i}/url`, value: url, message: "must be an absolute http(s) URL" }));
    });
    if (!endpoints.some((e) => e.identifier === "credentials")) c.fail(at(ex, { pointer: "/data/endpoints", message: "lists no credentials endpoint" }));
  });
  for (const e of endpoints) http.trust(e.url);
  const credentialsUrl = endpoints.find((e) => e.identifier === "credentials")?.url;

  // The peer's role: as told, else as its details say (2.2 on), else a CPO.
  if (!peerRole) {
    const sends = (m: string) => endpoints.some((e) => e.identifier === m && e.role === "SENDER");
    peerRole = sends("locations") || sends("sessions") || sends("cdrs") || sends("tariffs") ? "CPO" : sends("tokens") ? "EMSP" : "CPO";
    if (version === "2.1.1") notes.push("OCPI 2.1.1 version details do not say which role a peer plays: tested as a CPO (give --role emsp for an eMSP)");
    else if (!sends("locations") && !sends("tokens")) notes.push(`the version details list neither locations nor tokens SENDER: tested as a ${peerRole}`);
    for (const note of notes) step(note);
  }
  const role = peerRole;
  step(`the peer plays ${role}`);

  await checks.run("versions.unauthorized", "GET versions with a wrong token answers HTTP 401", async (c) => {
    expectUnauthorized(c, await http.get(options.versionsUrl, { badToken: true, encoding }));
  });

  // -- Registration ----------------------------------------------------------------------------------------------
  let tokenC: string | undefined = options.tokenC ? options.token : undefined;
  const us: Party | undefined = options.tokenC ? options.party : (options.party ?? { country_code: "NL", party_id: "CNF" });
  let party: PartyRecord | undefined;
  if (options.tokenC) {
    checks.skipped("credentials.register", "registration with the Token A (POST credentials)", "--token-c: the token is used as it is, no registration");
  } else {
    const ourRole: CredentialsRole = {
      role: role === "CPO" ? "EMSP" : "CPO",
      country_code: us!.country_code,
      party_id: us!.party_id,
      business_details: { name: "OCPI SDK conformance runner" },
    };
    const calls: string[] = [];
    await checks.run(
      "credentials.register",
      "registration with the Token A (POST credentials): the peer reads our versions and answers with its Token C",
      async (c) => {
        step(`starting our temporary OCPI ${version} ${ourRole.role} server for the handshake`);
        callback = await startCallbackServer(ourRole, version!, options, calls);
        step(`registering as ${ourRole.role} ${ourRole.country_code}/${ourRole.party_id} (our versions: ${callback.server.versionsUrl})`);
        try {
          party = await callback.server.credentials.registerWith({ versionsUrl: options.versionsUrl, token: options.token });
        } catch (error) {
          const e = error instanceof OcpiError ? error : undefined;
          c.fail({
            message: `registration failed: ${formatError(error)}`,
            ...(e?.method ? { method: e.method } : {}),
            ...(e?.url ? { url: e.url } : {}),
            ...(e?.httpStatus !== undefined ? { httpStatus: e.httpStatus } : {}),
            ...(e?.statusCode !== undefined ? { statusCode: e.statusCode } : {}),
            ...(e?.requestId ? { requestId: e.requestId } : {}),
          });
          c.fail({
            message: calls.length
              ? `the peer called our server: ${calls.join("; ")}`
              : `the peer never called our versions URL ${callback.server.versionsUrl} (can it reach it? see --callback-url)`,
          });
          return;
        }
        registered = true;
        tokenC = party.outgoingToken;
        if (party.version !== version) c.fail({ message: `registered in OCPI ${party.version}, not ${version}` });
        if (!tokenC) c.fail({ message: "the peer's credentials carry no token" });
        if (!calls.some((call) => call.startsWith("GET ") && call.includes("/versions")))
          c.fail({ message: "the peer registered without reading our versions endpoint with the token we sent (GET versions)" });
      },
    );
  }

  const dependsOnToken = tokenC === undefined ? "no Token C: the registration failed" : undefined;

  // -- Credentials -----------------------------------------------------------------------------------------------
  if (!credentialsUrl) checks.skipped("credentials.get", "GET credentials with the Token C", "the version details list no credentials endpoint");
  else if (dependsOnToken) checks.skipped("credentials.get", "GET credentials with the Token C", dependsOnToken);
  else {
    await checks.run("credentials.get", "GET credentials with the Token C answers the peer's strictly valid credentials", async (c) => {
      const ex = await http.get(credentialsUrl, { token: tokenC!, encoding });
      const answer = expectSuccess(c, ex);
      if (!answer) return;
      expectValid(c, ex, version!, "Credentials", answer.data, "/data");
      const credentials = answer.data as { roles?: { role?: unknown }[] };
      if (version !== "2.1.1" && Array.isArray(credentials?.roles) && !credentials.roles.some((r) => r?.role === role)) {
        c.fail(at(ex, { pointer: "/data/roles", value: credentials.roles.map((r) => r?.role), message: `lists no ${role} role (the role tested)` }));
      }
    });
    await checks.run("credentials.unauthorized", "GET credentials with a wrong token answers HTTP 401", async (c) => {
      expectUnauthorized(c, await http.get(credentialsUrl, { badToken: true, encoding }));
    });
  }

  // -- SENDER lists ------------------------------------------------------------------------------------------------
  for (const module of SENDER_MODULES) {
    const url = endpointOf(endpoints, version, module.module, "SENDER", module.role, role);
    const prefix = `${module.module}.sender`;
    if (!url) {
      if (module.role === role) checks.skipped(`${prefix}.list`, `GET ${module.module} (SENDER) list`, `the peer lists no ${module.module} SENDER endpoint`);
      continue;
    }
    if (dependsOnToken) {
      checks.skipped(`${prefix}.list`, `GET ${module.module} (SENDER) list`, dependsOnToken);
      continue;
    }
    await senderChecks(module, url);
  }

  async function senderChecks(module: SenderModule, url: string): Promise<void> {
    const v = version!;
    const prefix = `${module.module}.sender`;
    const base: Record<string, string | number | undefined> = { limit: pageSize, ...(module.dateFromRequired ? { date_from: "1970-01-01T00:00:00Z" } : {}) };
    step(`walking ${module.module} (${pageSize} per page, at most ${maxPages} pages)`);
    let walked = await walk(http, url, base, tokenC!, encoding, maxPages);
    let limitAsked = pageSize;
    // A list that fits on one page is walked again in two, so that its Link is followed too.
    if (walked.complete && walked.pages.length === 1 && walked.objects.length >= 2 && walked.problems.length === 0) {
      limitAsked = Math.ceil(walked.objects.length / 2);
      step(`walking ${module.module} again, ${limitAsked} per page`);
      walked = await walk(http, url, { ...base, limit: limitAsked }, tokenC!, encoding, maxPages);
    }
    const first = walked.pages[0]!;
    const list = await checks.run(`${prefix}.list`, `GET ${module.module} list answers a list`, (c) => {
      const answer = expectSuccess(c, first);
      if (answer && !Array.isArray(answer.data)) c.fail(at(first, { pointer: "/data", value: answer.data, message: "must be a list" }));
    });
    const titles = {
      headers: `${module.module} pages carry X-Total-Count and X-Limit, and hold at most that many`,
      link: `${module.module}: Link rel="next" leads through every object (as many as X-Total-Count, none twice)`,
      valid: `every ${module.schema} listed is strictly valid OCPI ${v}`,
      from: `${module.module}: date_from keeps the objects last updated at or after it`,
      to: `${module.module}: date_to keeps the objects last updated before it`,
    };
    if (list.status === "fail") {
      for (const [k, title] of Object.entries(titles))
        checks.skipped(
          `${prefix}.${k === "headers" ? "pagination.headers" : k === "link" ? "pagination.link" : k === "valid" ? "objects.valid" : `filter.date_${k}`}`,
          title,
          `${prefix}.list failed`,
        );
    } else {
      await checks.run(`${prefix}.pagination.headers`, titles.headers, (c) => {
        walked.pages.forEach((page, n) => {
          if (page.status !== 200) return;
          const total = intHeader(page, "X-Total-Count");
          const limit = intHeader(page, "X-Limit");
          if (total === undefined)
            c.fail(
              at(page, {
                message: `page ${n + 1}: X-Total-Count is ${page.headers.has("X-Total-Count") ? `not a whole number (${preview(page.headers.get("X-Total-Count"))})` : "missing"}`,
              }),
            );
          if (limit === undefined)
            c.fail(
              at(page, {
                message: `page ${n + 1}: X-Limit is ${page.headers.has("X-Limit") ? `not a whole number (${preview(page.headers.get("X-Limit"))})` : "missing"}`,
              }),
            );
          const data = envelopeOf(page)?.data;
          const length = Array.isArray(data) ? data.length : 0;
          if (limit !== undefined && length > limit)
            c.fail(at(page, { pointer: "/data", message: `page ${n + 1} holds ${length} objects, more than its X-Limit ${limit}` }));
          if (length > limitAsked)
            c.fail(at(page, { pointer: "/data", message: `page ${n + 1} holds ${length} objects, more than the limit=${limitAsked} asked for` }));
        });
      });
      await checks.run(`${prefix}.pagination.link`, titles.link, (c) => {
        for (const problem of walked.problems) c.fail(problem);
        // Pages before the last must link on: the count says whether objects remain.
        let seenSoFar = 0;
        walked.pages.forEach((page, n) => {
          const data = envelopeOf(page)?.data;
          seenSoFar += Array.isArray(data) ? data.length : 0;
          const hasLink = parseNextLink(page.headers.get("Link")) !== undefined;
          if (walked.total !== undefined && !hasLink && seenSoFar < walked.total && n === walked.pages.length - 1 && page.status === 200) {
            c.fail(at(page, { message: `no Link rel="next" after ${seenSoFar} of ${walked.total} objects (X-Total-Count)` }));
          }
        });
        const keys = new Map<string, number>();
        walked.objects.forEach((o, n) => {
          const key = objectKey(module.module, o.value);
          const before = keys.get(key);
          if (before !== undefined)
            c.fail(at(o.page, { pointer: `/data/${o.index}`, message: `${key} is listed twice (also object ${before + 1} of the walk)` }));
          else keys.set(key, n);
        });
        if (walked.complete && walked.total !== undefined && walked.objects.length !== walked.total) {
          c.fail(at(walked.pages.at(-1)!, { message: `the pages held ${walked.objects.length} objects, X-Total-Count said ${walked.total}` }));
        }
        if (walked.pages.length === 1 && walked.complete && c.failures === 0 && walked.objects.length < 2) {
          c.skip(`the list holds ${walked.objects.length === 0 ? "no object" : "one object"}: no Link to follow`);
        }
      });
      await checks.run(`${prefix}.objects.valid`, titles.valid, (c) => {
        if (!walked.objects.length) c.skip("the list is empty");
        for (const o of walked.objects) expectValid(c, o.page, v, module.schema, o.value, `/data/${o.index}`);
      });
      await filterChecks(module, url, walked, titles);
    }
    await checks.run(`${prefix}.unauthorized`, `GET ${module.module} with a wrong token answers HTTP 401`, async (c) => {
      expectUnauthorized(c, await http.get(url, { badToken: true, encoding, query: base }));
    });
    if (module.module === "locations" && list.status !== "fail") await locationGets(url, walked);
    if (module.module === "tokens") {
      await checks.run(
        "tokens.sender.authorize.unknown",
        "POST tokens/{uid}/authorize of an unknown Token answers 404 with an OCPI client error (2004)",
        async (c) => {
          const ex = await http.request("POST", joinPath(url, `ZZUNKNOWN${newRequestId().slice(0, 8).toUpperCase()}`, "authorize"), {
            token: tokenC!,
            encoding,
            query: { type: "RFID" },
          });
          expectNotFound(c, ex, 2004);
        },
      );
    }
  }

  async function filterChecks(module: SenderModule, url: string, walked: Walked, titles: { from: string; to: string }): Promise<void> {
    const prefix = `${module.module}.sender`;
    const stamps = [
      ...new Set(
        walked.objects
          .map((o) => (o.value as { last_updated?: unknown })?.last_updated)
          .filter((s): s is string => typeof s === "string" && !Number.isNaN(instant(s))),
      ),
    ].sort((a, b) => instant(a) - instant(b));
    const pivot = stamps[Math.floor(stamps.length / 2)];
    // Counts are compared only when the walk saw the whole list (as many objects as the peer counts).
    const countable = walked.complete && !walked.truncated && (walked.total === undefined || walked.total === walked.objects.length);
    for (const side of ["from", "to"] as const) {
      await checks.run(`${prefix}.filter.date_${side}`, side === "from" ? titles.from : titles.to, async (c) => {
        if (pivot === undefined) c.skip("no object to filter by (the list is empty or has no readable last_updated)");
        const query = {
          limit: pageSize,
          ...(side === "from" ? { date_from: pivot } : { date_to: pivot, ...(module.dateFromRequired ? { date_from: "1970-01-01T00:00:00Z" } : {}) }),
        };
        const filtered = await walk(http, url, query, tokenC!, encoding, maxPages);
        const firstPage = filtered.pages[0]!;
        if (!expectSuccess(c, firstPage)) return;
        for (const problem of filtered.problems) c.fail(problem);
        const edge = instant(pivot);
        for (const o of filtered.objects) {
          const stamp = (o.value as { last_updated?: unknown })?.last_updated;
          const t = instant(stamp);
          const wrong = side === "from" ? !(t >= edge) : !(t < edge);
          if (wrong)
            c.fail(
              at(o.page, {
                pointer: `/data/${o.index}/last_updated`,
                value: stamp,
                message: side === "from" ? `is before date_from=${pivot}` : `is not before date_to=${pivot} (date_to is exclusive)`,
              }),
            );
        }
        if (countable) {
          const expected = walked.objects.filter((o) => {
            const t = instant((o.value as { last_updated?: unknown })?.last_updated);
            return side === "from" ? t >= edge : t < edge;
          }).length;
          const got = filtered.total ?? (filtered.complete ? filtered.objects.length : undefined);
          if (got !== undefined && got !== expected) {
            c.fail(
              at(firstPage, {
                message: `${side === "from" ? `date_from=${pivot}` : `date_to=${pivot}`} gave ${got} objects (X-Total-Count or pages), the unfiltered list has ${expected} in that window`,
              }),
            );
          }
        }
      });
    }
  }

  async function locationGets(url: string, walked: Walked): Promise<void> {
    const v = version!;
    const sample = [...new Set([0, Math.floor(walked.objects.length / 2), walked.objects.length - 1])]
      .filter((i) => i >= 0 && i < walked.objects.length)
      .map((i) => walked.objects[i]!.value as Record<string, unknown>);
    const withId = sample.filter((l) => typeof l?.id === "string");
    await checks.run("locations.sender.get", "GET locations/{id} answers the Location the list holds, strictly valid", async (c) => {
      if (!withId.length) c.skip("no Location in the list to read");
      for (const listed of withId) {
        const ex = await http.get(joinPath(url, listed.id as string), { token: tokenC!, encoding });
        const answer = expectSuccess(c, ex);
        if (!answer) continue;
        if (!expectValid(c, ex, v, "Location", answer.data, "/data")) continue;
        const got = answer.data as Record<string, unknown>;
        if (!sameCiString(String(got.id), String(listed.id)))
          c.fail(at(ex, { pointer: "/data/id", value: got.id, message: `must be ${String(listed.id)}, the id asked for` }));
        else if (got.last_updated === listed.last_updated) {
          const diff = firstDifference(listed, got);
          if (diff !== undefined)
            c.fail(
              at(ex, {
                pointer: `/data${diff === "/" ? "" : diff}`,
                value: valueAt(got, diff === "/" ? "" : diff),
                message: `differs from the list's copy (${preview(valueAt(listed, diff === "/" ? "" : diff))}) with the same last_updated`,
              }),
            );
        }
      }
    });
    const evses = withId.flatMap((l) =>
      Array.isArray(l.evses) && isObject(l.evses[0]) && typeof l.evses[0].uid === "string" ? [{ location: l.id as string, evse: l.evses[0] }] : [],
    );
    await checks.run("locations.sender.get.evse", "GET locations/{id}/{evse_uid} answers the EVSE, strictly valid", async (c) => {
      if (!evses.length) c.skip("no Location with an EVSE in the list");
      for (const { location, evse } of evses) {
        const ex = await http.get(joinPath(url, location, evse.uid as string), { token: tokenC!, encoding });
        const answer = expectSuccess(c, ex);
        if (!answer || !expectValid(c, ex, v, "EVSE", answer.data, "/data")) continue;
        const got = answer.data as Record<string, unknown>;
        if (!sameCiString(String(got.uid), String(evse.uid)))
          c.fail(at(ex, { pointer: "/data/uid", value: got.uid, message: `must be ${String(evse.uid)}, the uid asked for` }));
      }
    });
    const connectors = evses.flatMap(({ location, evse }) =>
      Array.isArray(evse.connectors) && isObject(evse.connectors[0]) && typeof evse.connectors[0].id === "string"
        ? [{ location, evse: evse.uid as string, connector: evse.connectors[0].id }]
        : [],
    );
    await checks.run("locations.sender.get.connector", "GET locations/{id}/{evse_uid}/{connector_id} answers the Connector, strictly valid", async (c) => {
      if (!connectors.length) c.skip("no EVSE with a Connector in the list");
      for (const { location, evse, connector } of connectors) {
        const ex = await http.get(joinPath(url, location, evse, connector), { token: tokenC!, encoding });
        const answer = expectSuccess(c, ex);
        if (!answer || !expectValid(c, ex, v, "Connector", answer.data, "/data")) continue;
        const got = answer.data as Record<string, unknown>;
        if (!sameCiString(String(got.id), connector)) c.fail(at(ex, { pointer: "/data/id", value: got.id, message: `must be ${connector}, the id asked for` }));
      }
    });
    await checks.run("locations.sender.get.unknown", "GET locations/{id} of an unknown Location answers 404 with an OCPI client error (2003)", async (c) => {
      const ex = await http.get(joinPath(url, `ZZ-UNKNOWN-${newRequestId().slice(0, 8).toUpperCase()}`), { token: tokenC!, encoding });
      expectNotFound(c, ex, v === "2.1.1" ? undefined : 2003);
    });
  }

  // -- RECEIVER interfaces: an unknown object of ours ----------------------------------------------------------------
  for (const module of RECEIVER_MODULES) {
    const url = endpointOf(endpoints, version, module.module, "RECEIVER", module.role, role);
    if (!url) continue;
    const id = `${module.module}.receiver.get.unknown`;
    const title = `GET ${module.module}/{country_code}/{party_id}/{id} of an unknown object answers 404 with an OCPI client error`;
    if (dependsOnToken) checks.skipped(id, title, dependsOnToken);
    else if (!us) checks.skipped(id, title, "whose party the Token C is is unknown: give it with --party");
    else {
      const owner = us;
      await checks.run(id, title, async (c) => {
        const ex = await http.get(joinPath(url, owner.country_code, owner.party_id, `ZZ-UNKNOWN-${newRequestId().slice(0, 8).toUpperCase()}`), {
          token: tokenC!,
          encoding,
          ...(module.module === "tokens" ? { query: { type: "RFID" } } : {}),
        });
        expectNotFound(c, ex, version === "2.1.1" ? undefined : module.unknownStatus);
      });
    }
  }

  // -- Unregistration ------------------------------------------------------------------------------------------------
  if (registered && credentialsUrl && tokenC) {
    await checks.run("credentials.unregister", "DELETE credentials (unregistration) answers 1000", async (c) => {
      const ex = await http.request("DELETE", credentialsUrl, { token: tokenC!, encoding });
      expectSuccess(c, ex);
    });
  }
  await callback?.close().catch(() => undefined);

  // -- Transport rules, over every exchange ------------------------------------------------------------------------
  const answered = http.exchanges.filter((ex) => ex.status !== undefined);
  const withEnvelope = answered.filter((ex) => !ex.badToken && !ex.probe);
  await checks.run("transport.envelope", "every answer is an OCPI response envelope (data, status_code, status_message, timestamp), strictly valid", (c) => {
    for (const ex of withEnvelope) {
      if (!isObject(ex.json)) {
        c.fail(at(ex, { message: `not a JSON object: ${preview(ex.text, 120)}` }));
        continue;
      }
      const result = validatorOf(version!, "OcpiResponse")!.validate(ex.json, { strict: true });
      if (!result.ok)
        for (const issue of result.errors.filter((i) => i.pointer !== "/timestamp"))
          c.fail(
            at(ex, {
              pointer: issue.pointer,
              ...(issue.keyword !== "required" && valueAt(ex.json, issue.pointer) !== undefined ? { value: valueAt(ex.json, issue.pointer) } : {}),
              message: issue.message,
            }),
          );
    }
  });
  await checks.run("transport.timestamp", "every envelope's timestamp is an OCPI DateTime (RFC 3339, UTC)", (c) => {
    const dateTime = validatorOf(version!, "DateTime")!;
    for (const ex of withEnvelope) {
      if (!isObject(ex.json)) continue;
      const stamp = ex.json.timestamp;
      if (stamp === undefined) c.fail(at(ex, { pointer: "/timestamp", message: "is required" }));
      else if (!dateTime.is(stamp)) c.fail(at(ex, { pointer: "/timestamp", value: stamp, message: "must be an OCPI DateTime, e.g. 2024-06-01T12:00:00Z" }));
    }
  });
  await checks.run("transport.content-type", "every answer is sent as application/json", (c) => {
    for (const ex of withEnvelope) {
      const type = ex.headers.get("Content-Type") ?? "";
      if (!/^application\/json\b/i.test(type)) c.fail(at(ex, { message: `Content-Type is ${type ? JSON.stringify(type) : "missing"}` }));
    }
  });
  for (const [id, header] of [
    ["transport.request-id", "X-Request-ID"],
    ["transport.correlation-id", "X-Correlation-ID"],
  ] as const) {
    await checks.run(id, `every answer echoes the request's ${header}`, (c) => {
      if (version === "2.1.1") c.skip(`OCPI 2.1.1 has no ${header}`);
      for (const ex of answered) {
        const sent = header === "X-Request-ID" ? ex.requestId : ex.correlationId;
        const got = ex.headers.get(header);
        if (got !== sent) c.fail(at(ex, { message: `${header} is ${got === null ? "missing" : JSON.stringify(got)}, the request sent ${sent}` }));
      }
    });
  }
  return finish();
}
