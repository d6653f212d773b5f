/**
 * `ocpi conformance --versions-url URL --token TOKEN [--role cpo|emsp] [--json FILE] [--junit FILE] [--token-c]`:
 * tests a live peer, printing each check on stderr as it ends (with the evidence of a failure); exit 1 when any
 * check fails.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { Option, type Command } from "commander";
import { colorsFor, ExitCode, lineWriter, UsageError, type CliIo } from "../io.js";
import { httpUrl, integer, partyIdentity, versionList } from "../options.js";
import type { CommandContext } from "../program.js";
import type { CheckResult } from "../conformance/results.js";
import type { ConformanceOptions } from "../conformance/runner.js";
import type { Party } from "../mock/data.js";
import type { OcpiVersion } from "../validate/versions.js";

export interface ConformanceCommandOptions {
  versionsUrl: string;
  token: string;
  role?: "cpo" | "emsp";
  tokenC?: boolean;
  version?: OcpiVersion[];
  party?: Party;
  json?: string;
  junit?: string;
  pageSize: number;
  maxPages: number;
  timeout: number;
  callbackHost: string;
  callbackPort: number;
  callbackUrl?: string;
  allowLoopback?: boolean;
  allowPrivate?: boolean;
}

async function writeReport(io: CliIo, file: string, text: string): Promise<void> {
  const target = path.resolve(io.cwd, file);
  try {
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, text);
  } catch (error) {
    throw new UsageError(`cannot write ${file}: ${(error as Error).message}`);
  }
}

/** Runs the checks, prints them, writes the reports; resolves with the exit code. */
export async function runConformanceCommand(options: ConformanceCommandOptions, io: CliIo): Promise<number> {
  // Loaded when the command runs, so that other commands start without the client and the validators.
  const [{ toJUnit }, { formatEvidence }, { runConformance }] = await Promise.all([
    import("../conformance/report.js"),
    import("../conformance/results.js"),
    import("../conformance/runner.js"),
  ]);
  const err = lineWriter(io.stderr);
  const colors = colorsFor(io.stderr, io.env);
  const mark = { pass: colors.green("✔"), fail: colors.red("✘"), skip: colors.yellow("–") } as const;
  const print = (check: CheckResult) => {
    const line = `${mark[check.status]} ${check.status === "fail" ? colors.red(check.id) : check.id} ${colors.dim(check.title)}`;
    err(check.status === "skip" ? `${line} ${colors.yellow(`(skipped: ${check.message})`)}` : line);
    for (const e of check.evidence) err(`    ${colors.red(formatEvidence(e))}`);
    if (check.status === "fail" && check.message && check.evidence.length) err(colors.dim(`    ${check.message}`));
  };
  const runOptions: ConformanceOptions = {
    versionsUrl: options.versionsUrl,
    token: options.token,
    ...(options.tokenC ? { tokenC: true } : {}),
    ...(options.role ? { role: options.role } : {}),
    ...(options.version ? { versions: options.version } : {}),
    ...(options.party ? { party: options.party } : {}),
    pageSize: options.pageSize,
    maxPages: options.maxPages,
    timeoutMs: options.timeout * 1000,
    callback: { hostname: options.callbackHost, port: options.callbackPort, ...(options.callbackUrl ? { publicUrl: options.callbackUrl } : {}) },
    ...(options.allowLoopback ? { allowLoopback: true } : {}),
    ...(options.allowPrivate ? { allowPrivate: true } : {}),
    onCheck: print,
    onStep: (text) => err(colors.dim(`· ${text}`)),
    ...(io.signal ? { signal: io.signal } : {}),
    ...(io.now ? { now: io.now } : {}),
  };
  err(colors.bold(`OCPI conformance of ${options.versionsUrl}${options.tokenC ? " (Token C, no registration)" : ""}`));
  const report = await runConformance(runOptions);
  const { summary } = report;
  const verdict = `${summary.total} checks of OCPI ${report.version ?? "?"} ${report.role ?? ""}: passed ${summary.passed}, failed ${summary.failed}, skipped ${summary.skipped}`;
  err(summary.failed ? colors.red(colors.bold(verdict)) : colors.green(colors.bold(verdict)));
  if (options.json) await writeReport(io, options.json, `${JSON.stringify(report, null, 2)}\n`);
  if (options.junit) await writeReport(io, options.junit, toJUnit(report));
  return summary.failed > 0 || summary.total === 0 ? ExitCode.Failed : ExitCode.Ok;
}

export function conformanceCommand(program: Command, context: CommandContext): void {
  program
    .command("conformance")
    .description("test a live OCPI peer: versions, registration, every SENDER list it offers, errors, transport rules")
    .addOption(new Option("--versions-url <url>", "the peer's versions endpoint").argParser(httpUrl).makeOptionMandatory())
    .addOption(new Option("--token <token>", "the Token A the peer handed out for registration (a Token C with --token-c)").makeOptionMandatory())
    .addOption(new Option("--role <role>", "the peer's role (default: as its version details say; else cpo)").choices(["cpo", "emsp"]))
    .option("--token-c", "the token is a Token C of a registration done already: used as it is, no registration or unregistration")
    .addOption(
      new Option("--version <versions>", "OCPI version(s) the run may test, comma-separated (default: the highest the peer lists)").argParser(versionList),
    )
    .addOption(
      new Option("--party <CC-PID>", "our identity: the party we register as (default NL-CNF); with --token-c, the party the token is of").argParser(
        partyIdentity,
      ),
    )
    .option("--json <file>", "write the results as JSON")
    .option("--junit <file>", "write the results as JUnit XML (one testcase per check)")
    .addOption(new Option("--page-size <n>", "objects per page to ask for").argParser(integer(1, 1000)).default(10))
    .addOption(new Option("--max-pages <n>", "pages to walk per list at most").argParser(integer(1, 10_000)).default(20))
    .addOption(new Option("--timeout <seconds>", "per request").argParser(integer(1, 600)).default(15))
    .option("--callback-host <address>", "where our temporary OCPI server listens during registration", "127.0.0.1")
    .addOption(new Option("--callback-port <n>", "its port (0: any free one)").argParser(integer(0, 65535)).default(0))
    .addOption(new Option("--callback-url <url>", "the URL the peer reaches our temporary server at, when not http://callback-host:port").argParser(httpUrl))
    .option("--allow-loopback", "let calls reach loopback addresses other than the versions URL's host")
    .option("--allow-private", "let calls reach private addresses other than the versions URL's host")
    .addHelpText(
      "after",
      `
Each check has a stable rule id (versions.list, credentials.register, locations.sender.pagination.link,
transport.request-id, ...; the package README lists them) and, when it fails, the evidence: the request, the HTTP
status, the OCPI status code, the offending JSON pointer and value. Progress goes to stderr.

Without --token-c the run registers with the Token A: a temporary OCPI server of ours (the opposite role, on
--callback-host) answers the peer's calls during the handshake, and the run unregisters (DELETE credentials) at the
end. A peer on another machine must reach it: listen on an address it can reach and say --callback-url.

Exit codes: 0 every check passed (or was skipped), 1 a check failed, 2 usage error.

Examples:
  ocpi conformance --versions-url https://cpo.example.com/ocpi/versions --token "$TOKEN_A" --junit conformance.xml
  ocpi conformance --versions-url http://127.0.0.1:3001/ocpi/versions --token "$TOKEN_C" --token-c --party NL-TST`,
    )
    .action(async (options: ConformanceCommandOptions) => {
      context.exit(await runConformanceCommand(options, context.io));
    });
}
