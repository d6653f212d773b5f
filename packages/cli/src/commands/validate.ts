/**
 * `ocpi validate [--version V] [--schema Name|auto] <file.json|file.ndjson|->`: one line per issue on stdout
 * (`pointer: message`, NDJSON lines prefixed with `line N: `), a summary on stderr saying what each document was
 * validated as; exit 1 when anything is invalid.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Option, type Command } from "commander";
import type { CommandContext } from "../program.js";
import { colorsFor, ExitCode, lineWriter, UsageError, type CliIo } from "../io.js";
import { versionOption } from "../options.js";
import { isOcpiVersion, type OcpiVersion } from "@ocpi-sdk/protocol";
import type { DocumentResult } from "../validate/validate.js";

export interface ValidateCommandOptions {
  version: OcpiVersion;
  schema: string;
  strict: boolean;
  ndjson?: boolean;
  json?: boolean;
}

/** One JSON document of the input: the whole file, or one NDJSON line. */
export interface InputDocument {
  /** 1-based line number, for NDJSON. */
  line?: number;
  /** Parsed value, or the parse error. */
  value?: unknown;
  parseError?: string;
}

export interface ValidateReport {
  file: string;
  version: OcpiVersion;
  valid: boolean;
  documents: (DocumentResult & { line?: number; parseError?: string })[];
}

async function readInput(file: string, io: CliIo): Promise<string> {
  if (file === "-") {
    if (!io.stdin) throw new UsageError("no standard input to read");
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
    return Buffer.concat(chunks).toString("utf8");
  }
  try {
    return await readFile(path.resolve(io.cwd, file), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read ${file}${code === "ENOENT" ? ": no such file" : code === "EISDIR" ? ": a folder, not a file" : `: ${(error as Error).message}`}`,
    );
  }
}

const parse = (text: string): { value?: unknown; parseError?: string } => {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { parseError: `not JSON: ${(error as Error).message}` };
  }
};

/**
 * The documents of the input: NDJSON (one per non-empty line) when asked, when the file is named .ndjson/.jsonl, or
 * when the text is not one JSON document but every non-empty line starts like one; otherwise one document.
 */
export function splitDocuments(text: string, file: string, ndjson: boolean | undefined): InputDocument[] {
  const body = text.replace(/^\uFEFF/, "");
  const lines = body.split(/\r?\n/);
  const asLines = (): InputDocument[] => lines.flatMap((line, i) => (line.trim() === "" ? [] : [{ line: i + 1, ...parse(line) }]));
  if (ndjson || /\.(ndjson|jsonl)$/i.test(file)) return asLines();
  const whole = parse(body);
  if (whole.parseError === undefined) return [whole];
  const filled = lines.filter((l) => l.trim() !== "");
  if (filled.length > 1 && filled.every((l) => /^\s*[[{]/.test(l))) return asLines();
  return [whole];
}

/** What one document was validated as, in words: `Location`, `12 objects (Location ×10, EVSE ×2)`. */
function describe(result: DocumentResult): string {
  const counts = new Map<string, number>();
  for (const o of result.objects) counts.set(o.schema ?? "unknown", (counts.get(o.schema ?? "unknown") ?? 0) + 1);
  const detected = result.objects.some((o) => o.detected) ? ", auto-detected" : "";
  const wrapped = result.envelope ? "OCPI response envelope with " : "";
  if (result.objects.length === 0) return result.envelope ? "OCPI response envelope without data" : "nothing";
  const single = result.objects.length === 1 && result.objects[0]!.pointer !== "/data/0" && result.objects[0]!.pointer !== "/0";
  if (single) {
    const only = result.objects[0]!;
    const also = only.alsoValid.length ? `; also valid as ${only.alsoValid.join(", ")}` : "";
    return `${wrapped}${only.schema ?? "an unknown object"}${detected ? ` (auto-detected${also})` : ""}`;
  }
  const list = [...counts].map(([name, n]) => `${name} ×${n}`).join(", ");
  return `${wrapped}${result.objects.length} objects (${list}${detected})`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Runs the validation and prints it; resolves with the exit code. */
export async function runValidate(file: string, options: ValidateCommandOptions, io: CliIo): Promise<number> {
  // Loaded when the command runs: the validators of every version are large.
  const [{ issueLines, validateDocument }, { validatorOf, validatorsOf }] = await Promise.all([
    import("../validate/validate.js"),
    import("../validate/versions.js"),
  ]);
  if (!isOcpiVersion(options.version)) throw new UsageError(`unknown OCPI version ${options.version}`);
  if (options.schema !== "auto" && !validatorOf(options.version, options.schema)) {
    const names = Object.keys(validatorsOf(options.version));
    const near = names.filter((n) => n.toLowerCase().includes(options.schema.toLowerCase()) || options.schema.toLowerCase().includes(n.toLowerCase()));
    throw new UsageError(
      `OCPI ${options.version} has no schema ${JSON.stringify(options.schema)}${near.length ? `; did you mean ${near.slice(0, 5).join(", ")}?` : ""} (names are the spec's: Location, EVSE, CDR, Tariff, Token, ...; or auto)`,
    );
  }
  const text = await readInput(file, io);
  const documents = splitDocuments(text, file, options.ndjson);
  const name = file === "-" ? "stdin" : file;
  const out = lineWriter(io.stdout);
  const err = lineWriter(io.stderr);
  const colors = colorsFor(io.stderr, io.env);
  const report: ValidateReport = { file: name, version: options.version, valid: true, documents: [] };
  if (documents.length === 0) {
    err(colors.red(`${name}: no JSON document in it`));
    return ExitCode.Failed;
  }
  const ndjson = documents[0]!.line !== undefined;
  let invalidDocuments = 0;
  let issueCount = 0;
  for (const doc of documents) {
    const prefix = doc.line !== undefined ? `line ${doc.line}: ` : "";
    if (doc.parseError !== undefined) {
      invalidDocuments++;
      issueCount++;
      report.documents.push({
        valid: false,
        envelope: false,
        envelopeIssues: [],
        objects: [],
        issues: [{ pointer: "", message: doc.parseError, keyword: "json" }],
        ...(doc.line !== undefined ? { line: doc.line } : {}),
        parseError: doc.parseError,
      });
      if (!options.json) out(`${prefix}${doc.parseError}`);
      continue;
    }
    const result = validateDocument(doc.value, { version: options.version, schema: options.schema, strict: options.strict });
    report.documents.push({ ...result, ...(doc.line !== undefined ? { line: doc.line } : {}) });
    if (!result.valid) {
      invalidDocuments++;
      issueCount += result.issues.length;
    }
    if (!options.json) for (const line of issueLines(result.issues)) out(`${prefix}${line}`);
    if (!ndjson) {
      const what = `${describe(result)}, OCPI ${options.version}${options.strict ? "" : ", unknown fields allowed"}`;
      err(result.valid ? colors.green(`${name}: valid ${what}`) : colors.red(`${name}: ${plural(result.issues.length, "issue")} in ${what}`));
    }
  }
  report.valid = invalidDocuments === 0;
  if (ndjson) {
    const schemas = new Map<string, number>();
    for (const d of report.documents) for (const o of d.objects) schemas.set(o.schema ?? "unknown", (schemas.get(o.schema ?? "unknown") ?? 0) + 1);
    const kinds = [...schemas].map(([s, n]) => `${s} ×${n}`).join(", ");
    const detected = options.schema === "auto" ? ", auto-detected" : "";
    const summary = `${name}: ${plural(documents.length, "line")}${kinds ? ` (${kinds}${detected}, OCPI ${options.version})` : ""}: ${documents.length - invalidDocuments} valid, ${invalidDocuments} invalid`;
    err(report.valid ? colors.green(summary) : colors.red(`${summary}, ${plural(issueCount, "issue")}`));
  }
  if (options.json) out(JSON.stringify(report));
  return report.valid ? ExitCode.Ok : ExitCode.Failed;
}

export function validateCommand(program: Command, context: CommandContext): void {
  program
    .command("validate")
    .description("validate OCPI JSON (an object, a list, an OCPI response envelope, or NDJSON) with the SDK's precompiled validators")
    .argument("<file>", "a .json or .ndjson file, or - for standard input")
    .addOption(versionOption("OCPI version", "2.2.1"))
    .addOption(
      new Option("--schema <name>", "the object to validate as (Location, EVSE, CDR, Tariff, Token, LocationPatch, ...), or auto to detect it").default("auto"),
    )
    .option("--no-strict", "accept fields the spec does not define (OCPI receivers must tolerate them; by default they are issues)")
    .option("--ndjson", "read the input as NDJSON, one document per line (the default for .ndjson and .jsonl files)")
    .option("--json", "print the result as one JSON object on stdout instead of issue lines")
    .addHelpText(
      "after",
      `
Prints one line per issue on stdout, as "pointer: message" (NDJSON: "line N: pointer: message"), and a summary on
stderr naming what each document was validated as. An OCPI response envelope ({data, status_code, timestamp}) is
checked and unwrapped; a list is checked item by item. With --schema auto the object is recognised by its fields
(a Location has coordinates/evses, a CDR has cdr_token/total_cost, ...): every candidate is validated and the one
that validates is chosen, or else the one with the fewest issues.

Exit codes: 0 valid, 1 invalid, 2 usage error (unknown option, bad value, unreadable file).

Examples:
  ocpi validate location.json
  ocpi validate --version 2.1.1 --schema Tariff tariff.json
  curl -s -H "Authorization: Token $T" https://cpo.example.com/ocpi/2.2.1/locations | ocpi validate -`,
    )
    .action(async (file: string, options: ValidateCommandOptions) => {
      context.exit(await runValidate(file, options, context.io));
    });
}
