/**
 * The `ocpi` program: one commander program whose commands are registered from COMMANDS. `runCli(argv, io)` runs
 * it as a function: output goes to the injected streams and the exit code is returned, never process.exit.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { colorEnabled, colorsFor, ExitCode, processIo, UsageError, type CliIo } from "./io.js";
import { conformanceCommand } from "./commands/conformance.js";
import { generateCommand } from "./commands/generate.js";
import { mockCommand } from "./commands/mock.js";
import { pullCommand } from "./commands/pull.js";
import { validateCommand } from "./commands/validate.js";

/** What a command's action gets: the streams and the place to put its exit code. */
export interface CommandContext {
  io: CliIo;
  /** Sets the exit code the run ends with (the highest one set wins). */
  exit(code: number): void;
}

/** Adds one command to the program (with `program.command(...)`, so that it inherits the output settings). */
export type CommandRegistration = (program: Command, context: CommandContext) => void;

/**
 * The commands, in the order `ocpi --help` lists them. A new command is one file under commands/ exporting a
 * CommandRegistration, added here.
 */
export const COMMANDS: readonly CommandRegistration[] = [generateCommand, validateCommand, mockCommand, conformanceCommand, pullCommand];

const packageVersion = (): string => {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
};

/** The program, wired to `io`; `context.exit` collects the exit code its actions set. */
export function buildProgram(context: CommandContext): Command {
  const { io } = context;
  const program = new Command("ocpi");
  program
    .description("Generate OCPI code for your project, validate OCPI payloads, run a mock CPO or eMSP, test a live peer's conformance, pull a peer's objects.")
    .version(packageVersion(), "-v, --version", "print the version of the ocpi command")
    // Options of `ocpi` itself come before the command: `ocpi validate --version 2.2.1` is the OCPI version.
    .enablePositionalOptions()
    .exitOverride()
    .showHelpAfterError("(add --help for usage)")
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
      outputError: (s, write) => write(colorsFor(io.stderr, io.env).red(s)),
      getOutHelpWidth: () => io.stdout.columns ?? 100,
      getErrHelpWidth: () => io.stderr.columns ?? 100,
      getOutHasColors: () => colorEnabled(io.stdout, io.env),
      getErrHasColors: () => colorEnabled(io.stderr, io.env),
    });
  for (const register of COMMANDS) register(program, context);
  return program;
}

/**
 * Runs `ocpi` with `argv` (the arguments after the program name) and resolves with the exit code: 0 success, 1
 * invalid input or failed checks, 2 usage errors (unknown option, bad value, unreadable file).
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let code: number = ExitCode.Ok;
  const context: CommandContext = { io, exit: (c) => void (code = Math.max(code, c)) };
  const program = buildProgram(context);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end with 0; every parse error (already printed by commander) is a usage error.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    const colors = colorsFor(io.stderr, io.env);
    if (error instanceof UsageError) {
      io.stderr.write(`${colors.red(`error: ${error.message}`)}\n`);
      return ExitCode.Usage;
    }
    io.stderr.write(`${colors.red(`error: ${error instanceof Error ? error.message : String(error)}`)}\n`);
    return ExitCode.Failed;
  }
}
