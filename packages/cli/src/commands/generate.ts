/**
 * `ocpi generate [--config ocpi.config.json] [--check]`: the project's types, validators, OpenAPI documents, client
 * bindings and server routes from the packaged schemas plus the config's overlays (@ocpi-sdk/codegen).
 */
import path from "node:path";
import type { Command } from "commander";
import type { CommandContext } from "../program.js";
import { colorsFor, ExitCode, lineWriter, UsageError, type CliIo } from "../io.js";

export interface GenerateCommandOptions {
  config: string;
  check?: boolean;
  force?: boolean;
}

/** Runs the generation and prints what changed; resolves with the exit code. */
export async function runGenerate(options: GenerateCommandOptions, io: CliIo): Promise<ExitCode> {
  const { ConfigError, generateProject } = await import("@ocpi-sdk/codegen/project");
  const out = lineWriter(io.stdout);
  const err = lineWriter(io.stderr);
  const c = colorsFor(io.stderr, io.env);
  const started = Date.now();
  const configPath = path.resolve(io.cwd, options.config);
  let result;
  try {
    result = await generateProject({ configPath, ...(options.check ? { check: true } : {}), ...(options.force ? { force: true } : {}) });
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  const rel = (p: string) => path.relative(io.cwd, p) || ".";
  const ms = Date.now() - started;
  if (result.upToDate) {
    out(`${rel(result.out)}: ${result.fileCount} generated files up to date (OCPI ${result.versions.join(", ")}; inputs unchanged), ${ms} ms`);
    return ExitCode.Ok;
  }
  if (options.check) {
    if (result.drift.length === 0) {
      out(`${rel(result.out)}: ${result.fileCount} generated files up to date, ${ms} ms`);
      return ExitCode.Ok;
    }
    err(c.red(`${rel(result.out)}: ${result.drift.length} generated files differ from what the config gives; run \`ocpi generate\`:`));
    for (const d of result.drift) err(`  ${d.change.padEnd(7)} ${rel(d.path)}`);
    return ExitCode.Failed;
  }
  for (const d of result.drift) out(`  ${d.change.padEnd(7)} ${rel(d.path)}`);
  out(`${rel(result.out)}: ${result.fileCount} generated files (OCPI ${result.versions.join(", ")}), ${result.drift.length} changed, ${ms} ms`);
  return ExitCode.Ok;
}

export function generateCommand(program: Command, context: CommandContext): void {
  program
    .command("generate")
    .description("generate types, validators, OpenAPI documents, client bindings and server routes for this project")
    .option("-c, --config <file>", "the configuration", "ocpi.config.json")
    .option("--check", "write nothing; exit 1 when the generated files differ from what the config gives")
    .option("--force", "regenerate even when the inputs are unchanged since the last run")
    .addHelpText(
      "after",
      `
The config (JSON; paths relative to it):
  {
    "versions": ["2.2.1"],                       OCPI versions (default: all)
    "out": "src/ocpi",                           output folder: <out>/<target>/<version>/
    "targets": ["types", "validators", "openapi", "client", "server"],
    "overlays": { "2.2.1": { "Location": { "properties": { "x_rating": { "type": "integer" } } } } },
    "schemas": { "2.2.1": ["schemas/ratings.json"] },     new schema files (custom modules)
    "endpoints": { "2.2.1": "schemas/endpoints.json" }    endpoints.json merge patch (modules by id)
  }
Overlays are JSON Merge Patches (RFC 7396) of the named schemas; each <Name>Patch follows its object.
A run with unchanged inputs and outputs rewrites nothing.

Exit codes: 0 done (or up to date), 1 --check found drift, 2 usage error (unknown option, bad config).

Use the output:
  import { bindings } from "./ocpi/client/index.gen.js";   OcpiClient.connect({ versionsUrl, token, bindings })
  import { routes } from "./ocpi/server/index.gen.js";     createOcpiServer({ ..., routes, handlers })`,
    )
    .action(async (options: GenerateCommandOptions) => {
      context.exit(await runGenerate(options, context.io));
    });
}
