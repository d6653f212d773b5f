/**
 * `ocpi pull --versions-url URL --token TOKEN_C --module M [--since T] [--out FILE]`: every object of a peer's
 * SENDER list as NDJSON, with @ocpi-sdk/client's pager (date_from = since); the crawl's start time is printed at
 * the end as the `--since` of the next, incremental, pull.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { rename } from "node:fs/promises";
import path from "node:path";
import { Option, type Command } from "commander";
import type { OcpiClient, OcpiPager, ValidationMode } from "@ocpi-sdk/client";
import { toOcpiDateTime } from "@ocpi-sdk/protocol";
import { colorsFor, ExitCode, lineWriter, type CliIo, type Output } from "../io.js";
import { dateTime, httpUrl, integer, versionList } from "../options.js";
import type { CommandContext } from "../program.js";
import { peerUrlPolicy } from "../url-policy.js";
import type { OcpiVersion } from "../validate/versions.js";

/** The modules `ocpi pull` can read (the SENDER interfaces with lists). */
export const PULL_MODULES = ["locations", "tariffs", "sessions", "cdrs", "tokens"] as const;
/** One of {@link PULL_MODULES}. */
export type PullModule = (typeof PULL_MODULES)[number];

export interface PullCommandOptions {
  versionsUrl: string;
  token: string;
  module: PullModule;
  since?: string;
  out?: string;
  version?: OcpiVersion[];
  pageSize?: number;
  validation: ValidationMode;
  allowLoopback?: boolean;
  allowPrivate?: boolean;
}

export interface PullSummary {
  module: PullModule;
  version: string;
  objects: number;
  totalCount?: number;
  /** Objects the peer sent that stayed invalid (lenient mode): left out. */
  dropped: number;
  /** The crawl's start: the --since of the next pull. */
  since: string;
}

/** Sessions must be asked for with a date_from (the spec requires one); without --since, from the start of time. */
const FROM_THE_START = "1970-01-01T00:00:00Z";

type Sink = { write(line: string): Promise<void>; close(): Promise<void>; abort(): Promise<void>; name: string };

function streamSink(stream: Output): Sink {
  return {
    name: "stdout",
    write: (line) =>
      new Promise((resolve) => {
        const ok = stream.write(line);
        const s = stream as Partial<NodeJS.WritableStream>;
        if (ok === false && typeof s.once === "function") s.once("drain", () => resolve());
        else resolve();
      }),
    close: async () => {},
    abort: async () => {},
  };
}

/** A file written beside its name (`<file>.partial`) and renamed once complete: the file is whole or absent. */
function fileSink(file: string): Sink {
  const partial = `${file}.partial`;
  const stream: WriteStream = createWriteStream(partial, { encoding: "utf8" });
  let failure: Error | undefined;
  stream.on("error", (e) => (failure = e));
  const ended = () => new Promise<void>((resolve, reject) => stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return {
    name: file,
    write: (line) =>
      new Promise((resolve, reject) => {
        if (failure) return reject(failure);
        if (stream.write(line)) resolve();
        else stream.once("drain", () => resolve());
      }),
    close: async () => {
      await ended();
      if (failure) throw failure;
      await rename(partial, file);
    },
    abort: async () => {
      await ended().catch(() => undefined);
    },
  };
}

/** Runs the pull; resolves with the exit code. */
export async function runPull(options: PullCommandOptions, io: CliIo): Promise<number> {
  const err = lineWriter(io.stderr);
  const colors = colorsFor(io.stderr, io.env);
  // Loaded when the command runs, so that other commands start without the client.
  const [{ OcpiClient }, { formatError }, { progressFor }] = await Promise.all([import("@ocpi-sdk/client"), import("../errors.js"), import("../progress.js")]);
  const now = io.now ?? (() => new Date());
  const started = toOcpiDateTime(now());
  let dropped = 0;
  let client: OcpiClient;
  try {
    client = await OcpiClient.connect({
      versionsUrl: options.versionsUrl,
      token: options.token,
      ...(options.version ? { versions: options.version } : {}),
      validation: options.validation,
      urlPolicy: peerUrlPolicy(options.versionsUrl, options),
      onValidationIssue: (report) => void (dropped += report.dropped.length),
      // Each kind of deviation once, as it is first seen, in the words of the rest of the output (not as log JSON).
      onDeviation: (deviation) =>
        err(colors.yellow(`warning: the peer deviates from OCPI${deviation.pointer ? ` at ${deviation.pointer}` : ""}: ${deviation.message}`)),
    });
  } catch (error) {
    err(colors.red(`error: cannot connect to ${options.versionsUrl}: ${formatError(error)}`));
    return ExitCode.Failed;
  }
  const version = client.version!;
  const modules = client as unknown as Record<string, { sender?: { all(request: Record<string, unknown>): OcpiPager<unknown> } } | undefined>;
  const sender = modules[options.module]?.sender;
  if (!client.endpoints.some((e) => e.identifier === options.module && (e.role === undefined || e.role === "SENDER")) || !sender) {
    err(
      colors.red(
        `error: the peer offers no ${options.module} SENDER endpoint in OCPI ${version} (it lists: ${client.endpoints.map((e) => `${e.identifier}${e.role ? ` ${e.role}` : ""}`).join(", ") || "nothing"})`,
      ),
    );
    return ExitCode.Failed;
  }
  const since = options.since ?? (options.module === "sessions" ? FROM_THE_START : undefined);
  const request: Record<string, unknown> = { ...(since ? { date_from: since } : {}), ...(options.pageSize ? { limit: options.pageSize } : {}) };
  const sink = options.out ? fileSink(path.resolve(io.cwd, options.out)) : streamSink(io.stdout);
  const progress = progressFor(io, `${options.module}`);
  let objects = 0;
  let firstTotal: number | undefined;
  try {
    const pager = sender.all(request);
    for await (const page of pager.pages()) {
      firstTotal ??= page.totalCount;
      for (const object of page.data) {
        await sink.write(`${JSON.stringify(object)}\n`);
        objects++;
      }
      progress.update(objects, page.totalCount ?? firstTotal);
    }
    progress.stop();
    await sink.close();
  } catch (error) {
    progress.stop();
    await sink.abort();
    err(colors.red(`error: the pull failed after ${objects} ${options.module}: ${formatError(error)}`));
    if (options.out) err(`what was pulled is in ${options.out}.partial; pull again with the same --since${options.since ? ` ${options.since}` : ""}`);
    return ExitCode.Failed;
  }
  const summary: PullSummary = {
    module: options.module,
    version,
    objects,
    ...(firstTotal !== undefined ? { totalCount: firstTotal } : {}),
    dropped,
    since: started,
  };
  err(
    colors.green(
      `pulled ${objects} ${options.module} (OCPI ${version}${firstTotal !== undefined ? `, X-Total-Count ${firstTotal}` : ""})${options.out ? ` into ${options.out}` : ""}`,
    ),
  );
  if (dropped) err(colors.yellow(`${dropped} objects left out: invalid even after repairs (see --validation)`));
  const repeated = [...client.deviations].filter(([, seen]) => seen.count > 1);
  if (repeated.length) err(colors.yellow(`deviations seen more than once: ${repeated.map(([code, seen]) => `${code} ${seen.count} times`).join(", ")}`));
  if (firstTotal !== undefined && objects + dropped < firstTotal) {
    err(colors.yellow(`the peer counted ${firstTotal} but sent ${objects + dropped}: objects changed during the crawl; pull again to be sure`));
  }
  err(`resume with --since ${summary.since}`);
  return ExitCode.Ok;
}

export function pullCommand(program: Command, context: CommandContext): void {
  program
    .command("pull")
    .description("pull every object of a peer's SENDER list (with a registered Token C) and write it as NDJSON")
    .addOption(new Option("--versions-url <url>", "the peer's versions endpoint").argParser(httpUrl).makeOptionMandatory())
    .addOption(new Option("--token <token>", "a Token C: the credentials token the peer gave at registration (not a Token A)").makeOptionMandatory())
    .addOption(new Option("--module <module>", "what to pull").choices(PULL_MODULES).makeOptionMandatory())
    .addOption(
      new Option("--since <datetime>", "only objects changed since then (date_from, inclusive): the value the previous pull printed").argParser(dateTime),
    )
    .option("--out <file>", "write to this file (complete or not at all) instead of stdout")
    .addOption(new Option("--version <versions>", "OCPI version(s) to talk, comma-separated (default: the highest both sides know)").argParser(versionList))
    .addOption(new Option("--page-size <n>", "objects per page to ask for (the peer may send fewer)").argParser(integer(1, 10_000)))
    .addOption(
      new Option(
        "--validation <mode>",
        "how the peer's objects are checked: strict fails on the first invalid one, lenient repairs what it can and leaves out the rest, off checks nothing",
      )
        .choices(["strict", "lenient", "off"])
        .default("lenient"),
    )
    .option("--allow-loopback", "let endpoints and links reach loopback addresses other than the versions URL's host")
    .option("--allow-private", "let endpoints and links reach private addresses other than the versions URL's host")
    .addHelpText(
      "after",
      `
The token is a Token C: the one the peer handed over when your platform registered with it (ocpi mock prints one
for a party registered from the start). Objects go to stdout or --out, one JSON object per line, in the peer's
version; progress (with the peer's X-Total-Count and the rate) goes to stderr. The crawl's start time is printed
at the end: pass it as --since next time to pull only what changed since (mind clock differences with the peer).
Calls go only to the versions URL's host, unless --allow-loopback/--allow-private open more.

Examples:
  ocpi pull --versions-url https://cpo.example.com/ocpi/versions --token "$TOKEN_C" --module locations --out locations.ndjson
  ocpi pull --versions-url https://cpo.example.com/ocpi/versions --token "$TOKEN_C" --module cdrs --since 2025-06-01T00:00:00Z`,
    )
    .action(async (options: PullCommandOptions) => {
      context.exit(await runPull(options, context.io));
    });
}
