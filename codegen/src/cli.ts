#!/usr/bin/env -S npx tsx
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generate, repoTargets, summarize } from "./generate.js";

const usage = `usage: ocpi-codegen generate [--check] [--version 2.2.1 ...]

  generate          regenerate every package's src/generated/ from schemas/
  --check           write nothing; exit 1 if the generated files differ from what the schemas give
  --version V       only this OCPI version (repeatable)`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== "generate") {
    console.error(usage);
    return 2;
  }
  const check = rest.includes("--check");
  const versions = rest.flatMap((arg, i) => (arg === "--version" && rest[i + 1] ? [rest[i + 1]!] : []));
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
  const started = Date.now();
  const result = await generate({
    schemasDir: path.join(root, "schemas"),
    targets: repoTargets(root),
    ...(versions.length ? { versions } : {}),
    check,
  });
  console.log(summarize(result.model));
  const rel = (p: string) => path.relative(root, p);
  if (check) {
    if (result.drift.length) {
      console.error(`Generated code is out of date (${result.drift.length} files); run \`npm run generate\` and commit:`);
      for (const d of result.drift) console.error(`  ${d.change.padEnd(7)} ${rel(d.path)}`);
      return 1;
    }
    console.log(`Generated code is up to date (${result.fileCount} files).`);
    return 0;
  }
  for (const d of result.drift) console.log(`  ${d.change.padEnd(7)} ${rel(d.path)}`);
  console.log(`${result.fileCount} generated files, ${result.drift.length} changed, in ${Date.now() - started} ms.`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
