// Which exported declarations of the public packages' entry points lack a TSDoc comment.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

export interface Undocumented {
  /** The package and subpath, e.g. `@ocpi-sdk/server/node`. */
  entry: string;
  /** The exported name. */
  name: string;
  /** Where it is declared, relative to the repo. */
  file: string;
}

export interface Coverage {
  exported: number;
  undocumented: Undocumented[];
}

/** The source file behind a `dist/...js` export target. */
function sourceOf(dir: string, target: string): string {
  return path.join(dir, target.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts"));
}

/** Every public package's entry points (its `exports`, types conditions left aside), mapped to their sources. */
export function entryPoints(root: string): { entry: string; file: string }[] {
  const entries: { entry: string; file: string }[] = [];
  const dirs = [
    ...readdirSync(path.join(root, "packages"))
      .sort()
      .map((name) => path.join(root, "packages", name)),
    path.join(root, "codegen"),
  ];
  for (const dir of dirs) {
    const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
    if (pkg.private) continue;
    for (const [subpath, target] of Object.entries<string | Record<string, string>>(pkg.exports ?? {})) {
      const js = typeof target === "string" ? target : (target.default ?? target.import);
      if (!js?.endsWith(".js")) continue;
      entries.push({ entry: path.posix.join(pkg.name, subpath), file: sourceOf(dir, js) });
    }
  }
  return entries;
}

function documented(symbol: ts.Symbol, checker: ts.TypeChecker): boolean {
  if (symbol.getDocumentationComment(checker).length > 0) return true;
  // A name exported from a namespace module (`export * as v2_2_1 from ...`) is documented by its file's members.
  return (symbol.declarations ?? []).some((d) => ts.isSourceFile(d) || ts.isModuleDeclaration(d) || ts.getJSDocCommentsAndTags(d).length > 0);
}

/** Counts the exported names of every entry point and lists those without a doc comment. */
export function tsdocCoverage(root: string): Coverage {
  const entries = entryPoints(root);
  const program = ts.createProgram(
    entries.map((e) => e.file),
    {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      noEmit: true,
      skipLibCheck: true,
      allowImportingTsExtensions: true,
    },
  );
  const checker = program.getTypeChecker();
  const seen = new Set<ts.Symbol>();
  const undocumented: Undocumented[] = [];
  let exported = 0;
  for (const { entry, file } of entries) {
    const source = program.getSourceFile(file);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`${entry}: cannot read ${file}`);
    for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      if (seen.has(target)) continue;
      seen.add(target);
      exported++;
      const declaration = target.declarations?.[0];
      const where = declaration ? path.relative(root, declaration.getSourceFile().fileName) : "?";
      if (!documented(target, checker)) undocumented.push({ entry, name: symbol.name, file: where });
      // A class's public members are its API too (what `new` gives and what is called on it).
      if (declaration && ts.isClassDeclaration(declaration)) {
        for (const member of declaration.members) {
          if (!member.name || ts.isConstructorDeclaration(member)) continue;
          const modifiers = ts.getCombinedModifierFlags(member);
          if (modifiers & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected) || ts.isPrivateIdentifier(member.name)) continue;
          if (modifiers & ts.ModifierFlags.Override) continue;
          const memberSymbol = checker.getSymbolAtLocation(member.name);
          exported++;
          if (memberSymbol && !documented(memberSymbol, checker)) undocumented.push({ entry, name: `${symbol.name}.${member.name.getText()}`, file: where });
        }
      }
    }
  }
  return { exported, undocumented };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { exported, undocumented } = tsdocCoverage(path.resolve(import.meta.dirname, "../.."));
  for (const u of undocumented) console.log(`${u.entry}\t${u.name}\t${u.file}`);
  console.log(`${exported - undocumented.length} of ${exported} exported names documented`);
}
