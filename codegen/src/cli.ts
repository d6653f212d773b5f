#!/usr/bin/env -S npx tsx
import path from "node:path";
import { fileURLToPath } from "node:url";
import { repoLayout } from "./emit/context.js";
import { generate, summarize } from "./generate.js";

// This repository's own generation; users run `ocpi generate` (@ocpi-sdk/cli) with a config instead.
const usage = `usage: ocpi-codegen generate [--check]

  generate          regenerate every package's src/generated/ from schemas/
  --check           write nothing; exit 1 if the generated files differ from what the schemas give`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== "generate") {
    console.error(usage);
    return 2;
  }
  const unknown = rest.filter((arg) => arg !== "--check");
  if (unknown.length) {
    console.error(`unknown argument ${unknown[0]}\n${usage}`);
    return 2;
  }
  const check = rest.includes("--check");
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
  const started = Date.now();
  const result = await generate({
    schemasDir: path.join(root, "schemas"),
    layout: repoLayout(root),
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
