/**
 * One esbuild call for every check of what a user's bundle holds (the size bench, and the tests of the one-version
 * client, one validator and the edge server core): ESM, platform neutral, as an edge runtime or a browser app would
 * bundle it.
 */
import { build, type Loader } from "esbuild";

export interface EdgeBundleOptions {
  /** Where the entry's imports resolve from. */
  resolveDir: string;
  /** The entry's language; default "ts". */
  loader?: Loader;
  minify?: boolean;
}

export interface EdgeBundle {
  /** The bundle's bytes. */
  code: Uint8Array;
  text: string;
  /** What the bundle still imports (node: modules, for example): empty when it stands alone. */
  imports: string[];
  /** The node: modules it imports or requires, in the metafile or in its code: none for an edge runtime. */
  nodeImports: string[];
  /** The files that put bytes in the bundle (the metafile also lists files read and then shaken off). */
  inputs: string[];
  /** Bytes each file puts in the bundle. */
  bytesByInput: Map<string, number>;
}

const NODE_IMPORT = /\b(?:from|import|require)\s*\(?\s*["'`](node:[\w/]+)/g;

/** Bundles `contents` (a module importing and re-exporting what an application would use). Rejects when it does not bundle. */
export async function bundleForEdge(contents: string, options: EdgeBundleOptions): Promise<EdgeBundle> {
  const result = await build({
    stdin: { contents, resolveDir: options.resolveDir, loader: options.loader ?? "ts", sourcefile: "app.ts" },
    bundle: true,
    minify: options.minify ?? false,
    format: "esm",
    platform: "neutral",
    // Platform neutral reads no package.json `main` by default (esbuild), and ipaddr.js, of @ocpi-sdk/protocol, has
    // nothing else; bundlers of browsers and edge runtimes read it.
    mainFields: ["module", "main"],
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const output = Object.values(result.metafile.outputs)[0]!;
  const bytesByInput = new Map(
    Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([file, input]) => [file, input.bytesInOutput]),
  );
  const file = result.outputFiles[0]!;
  const imports = output.imports.map((i) => i.path);
  const nodeImports = [...new Set([...imports, ...[...file.text.matchAll(NODE_IMPORT)].map((m) => m[1]!)].filter((p) => p.startsWith("node:")))];
  return { code: file.contents, text: file.text, imports, nodeImports, inputs: [...bytesByInput.keys()], bytesByInput };
}
