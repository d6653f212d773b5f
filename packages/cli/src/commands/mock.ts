/**
 * `ocpi mock --role cpo|emsp [--version V] [--port N] [--locations N] [--seed S] [--json]`: runs a mock peer until
 * SIGINT/SIGTERM, printing its versions URL and Token A on stdout (one JSON object per line with --json).
 */
import { Option, type Command } from "commander";
import { colorsFor, ExitCode, lineWriter, type CliIo } from "../io.js";
import { httpUrl, integer, partyIdentity, versionList } from "../options.js";
import type { CommandContext } from "../program.js";
import type { MockPeer } from "../mock/peer.js";
import type { OcpiVersion } from "../validate/versions.js";
import type { Party } from "../mock/data.js";

export interface MockCommandOptions {
  role: "cpo" | "emsp";
  version: OcpiVersion[];
  port: number;
  host: string;
  publicUrl?: string;
  locations: number;
  sessions: number;
  tokens: number;
  seed: string;
  party?: Party;
  registeredParty: Party | false;
  allowPrivate?: boolean;
  json?: boolean;
}

/** Runs the mock until `io.signal` aborts (the bin: SIGINT or SIGTERM); resolves with the exit code. */
export async function runMock(options: MockCommandOptions, io: CliIo): Promise<number> {
  const out = lineWriter(io.stdout);
  const err = lineWriter(io.stderr);
  const colors = colorsFor(io.stderr, io.env);
  const json = (event: Record<string, unknown>) => out(JSON.stringify(event));
  // Loaded when the command runs, so that other commands start without the server.
  const [{ startMockPeer }, { formatError }] = await Promise.all([import("../mock/peer.js"), import("../errors.js")]);
  let mock: MockPeer;
  try {
    mock = await startMockPeer({
      role: options.role,
      versions: options.version,
      port: options.port,
      hostname: options.host,
      ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
      locations: options.locations,
      sessions: options.sessions,
      tokens: options.tokens,
      seed: options.seed,
      ...(options.party ? { party: options.party } : {}),
      registeredParty: options.registeredParty,
      urlPolicy: { allowLoopback: true, ...(options.allowPrivate ? { allowPrivate: true } : {}) },
      onRegistered: (info) => {
        if (options.json) json({ event: "registered", partyId: info.partyId, roles: info.roles, version: info.version, tokenA: info.nextTokenA });
        else {
          err(colors.green(`registered: ${info.roles.join(", ")} (OCPI ${info.version})`));
          out(`Token A: ${info.nextTokenA}`);
          err(colors.dim("  (a new Token A for the next peer: each registers once with its own)"));
        }
      },
      log: (event) => {
        if (event.type === "registration-failed") {
          const cause = event.error instanceof Error && event.error.cause !== undefined ? `: ${formatError(event.error.cause)}` : "";
          if (options.json)
            json({ event: "registration-failed", partyId: event.partyId, direction: event.direction, error: `${formatError(event.error)}${cause}` });
          else err(colors.yellow(`registration failed: ${formatError(event.error)}${cause}`));
        } else if (event.type === "unregistered") {
          if (options.json) json({ event: "unregistered", partyId: event.partyId, direction: event.direction });
          else err(`unregistered: party ${event.partyId}`);
        } else if (event.type === "error") {
          if (options.json) json({ event: "error", operationId: event.operationId, requestId: event.requestId, error: formatError(event.error) });
          else err(colors.red(`error in ${event.operationId} (request ${event.requestId}): ${formatError(event.error)}`));
        } else if (event.type === "result-failed") {
          if (!options.json) err(colors.yellow(`result to ${event.url} not delivered: ${formatError(event.error)}`));
        }
      },
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    err(colors.red(`error: cannot start the mock: ${code === "EADDRINUSE" ? `port ${options.port} is in use` : formatError(error)}`));
    return ExitCode.Failed;
  }
  const { data } = mock;
  if (options.json) {
    json({
      event: "listening",
      role: mock.role,
      versions: mock.versions,
      versionsUrl: mock.versionsUrl,
      tokenA: mock.tokenA,
      tokenC: mock.tokenC ?? null,
      registeredParty: mock.registeredParty ?? null,
      party: { role: mock.party.role, country_code: mock.party.country_code, party_id: mock.party.party_id },
      url: mock.url,
      data: { locations: data.locations.length, tariffs: data.tariffs.length, tokens: data.tokens.length },
    });
  } else {
    const evses = data.locations.reduce((n, l) => n + (l.evses?.length ?? 0), 0);
    err(colors.bold(`OCPI ${mock.versions.join(", ")} mock ${mock.role} ${mock.party.country_code}/${mock.party.party_id} on ${mock.url}`));
    out(`versions URL: ${mock.versionsUrl}`);
    out(`Token A: ${mock.tokenA}`);
    err(colors.dim("  (register with it; outgoing calls may reach loopback: this is a test tool)"));
    if (mock.tokenC && mock.registeredParty) {
      out(`Token C: ${mock.tokenC}`);
      err(
        colors.dim(
          `  (${mock.registeredParty.role} ${mock.registeredParty.country_code}/${mock.registeredParty.party_id}, registered already: for ocpi pull and ocpi conformance --token-c)`,
        ),
      );
    }
    err(
      mock.role === "CPO"
        ? `data: ${data.locations.length} locations with ${evses} EVSEs, ${data.tariffs.length} tariffs; ${options.sessions} sessions per eMSP, with a CDR each when completed (seed ${JSON.stringify(options.seed)})`
        : `data: ${data.tokens.length} tokens (seed ${JSON.stringify(options.seed)})`,
    );
    err(colors.dim("Ctrl-C to stop"));
  }
  await new Promise<void>((resolve) => {
    if (!io.signal) return; // runs until the process ends
    if (io.signal.aborted) return resolve();
    io.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  await mock.close();
  if (options.json) json({ event: "stopped" });
  else err("stopped");
  return ExitCode.Ok;
}

export function mockCommand(program: Command, context: CommandContext): void {
  program
    .command("mock")
    .description("run a mock CPO or eMSP with generated, valid, deterministic data, for integration tests")
    .addOption(new Option("--role <role>", "the role the mock plays").choices(["cpo", "emsp"]).makeOptionMandatory())
    .addOption(
      new Option("--version <versions>", "OCPI version(s) served, comma-separated (the data is 2.2.1, converted for the others)")
        .argParser(versionList)
        .default(["2.2.1"], "2.2.1"),
    )
    .addOption(new Option("--port <n>", "port to listen on (0: any free port)").argParser(integer(0, 65535)).default(0))
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .addOption(new Option("--public-url <url>", "where peers reach the mock, when not at http://host:port").argParser(httpUrl))
    .addOption(new Option("--locations <n>", "Locations a CPO serves").argParser(integer(0, 100_000)).default(10))
    .addOption(
      new Option("--sessions <n>", "Sessions a CPO makes for each eMSP (a third active, the others with a CDR)").argParser(integer(0, 100_000)).default(6),
    )
    .addOption(new Option("--tokens <n>", "Tokens an eMSP serves").argParser(integer(0, 100_000)).default(10))
    .option("--seed <seed>", "seed of the generated data: the same seed gives the same objects", "ocpi")
    .addOption(new Option("--party <CC-PID>", "the mock's own country code and party id (default NL-CPO or NL-MSP)").argParser(partyIdentity))
    .addOption(
      new Option("--registered-party <CC-PID>", "identity of the party registered from the start, whose Token C is printed")
        .argParser(partyIdentity)
        .default({ country_code: "NL", party_id: "TST" }, "NL-TST"),
    )
    .option("--no-registered-party", "register no party from the start (no Token C)")
    .option("--allow-private", "let the mock's own calls reach private addresses too (peers in containers); loopback is always allowed")
    .option("--json", "print one JSON object per line on stdout: listening (versionsUrl, tokenA, tokenC), registered (the next tokenA), ...")
    .addHelpText(
      "after",
      `
A CPO serves Locations (with EVSEs and Connectors), Tariffs, Sessions and CDRs as SENDER, Tokens as RECEIVER, and
accepts commands and charging profiles (ACCEPTED, then the result is POSTed to the response_url). An eMSP serves
Tokens as SENDER and every other module as RECEIVER. Every object passes the strict validator of its version.

Peers register with the Token A printed (POST credentials); after each registration a new Token A is printed for the
next one. The Token C printed is of a party registered from the start, for clients that skip the handshake. The
mock's own calls (to a registering peer, to response_urls) may reach loopback addresses: it is a test tool.

Examples:
  ocpi mock --role cpo --locations 50
  ocpi mock --role emsp --version 2.1.1,2.2.1 --port 9001 --json`,
    )
    .action(async (options: MockCommandOptions) => {
      context.exit(await runMock(options, context.io));
    });
}
