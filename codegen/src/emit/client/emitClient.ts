import openapiTS, { astToString, type OpenAPI3 } from "openapi-typescript";
import { tableFile, type EmitContext, type Emitter } from "../emitter.js";
import type { OutputFile } from "../../lib/output.js";
import type { OperationModel } from "../../model/endpoints.js";
import type { VersionModel } from "../../model/model.js";
import { operationFields } from "../lib/operationFields.js";

function operationEntry(op: OperationModel): string {
  const fields = operationFields(op, {
    pathParams: JSON.stringify(op.pathParams.map((p) => p.name)),
    query: JSON.stringify(op.query.map((p) => p.name)),
  });
  return `  ${op.operationId}: { ${fields.join(", ")} },`;
}

/** `caller.call<"/2.2.1/locations/sender/{location_id}", "get">(operations.locationsSenderGet)` and its kin. */
function binding(op: OperationModel, indent: string): string[] {
  const typeArgs = `<${JSON.stringify(op.layoutPath)}, ${JSON.stringify(op.method.toLowerCase())}>`;
  const doc = `${indent}/** ${op.summary} */`;
  if (op.url === "response_url") return [doc, `${indent}${op.name}: caller.callAt${typeArgs}(operations.${op.operationId}),`];
  if (op.paginated) {
    return [
      `${indent}/** ${op.summary} One page. */`,
      `${indent}${op.name}: caller.page${typeArgs}(operations.${op.operationId}),`,
      `${indent}/** ${op.summary} Every page, one at a time, as one stream of objects. */`,
      `${indent}${op.name === "list" ? "all" : `${op.name}All`}: caller.all${typeArgs}(operations.${op.operationId}),`,
    ];
  }
  return [doc, `${indent}${op.name}: caller.call${typeArgs}(operations.${op.operationId}),`];
}

/**
 * The client files of one version: `paths.gen.ts` (openapi-typescript over its OpenAPI document), `index.gen.ts` (the
 * operation table and the typed calls bound to it) and `client.gen.ts` (the entry of the version alone: its bindings
 * and an `OcpiClient` talking only them).
 */
export async function emitClient(version: VersionModel, context: EmitContext): Promise<OutputFile[]> {
  const endpoints = version.endpoints;
  if (!endpoints) return [];
  const v = version.version;
  const doc = context.openApi(version);
  const ast = await openapiTS(doc as unknown as OpenAPI3, { alphabetize: false, exportType: false });
  // openapi-typescript writes no comment on its root interface: the one `paths` has here is ours.
  const pathsDoc = `/** Every path of the OCPI ${v} OpenAPI document, with its parameters, request bodies and responses (openapi-fetch's \`paths\`). */`;
  const paths = [
    context.header(`schemas/${v}/ (via the OpenAPI document and openapi-typescript)`),
    "",
    astToString(ast).replace(/^export interface paths \{/m, `${pathsDoc}\nexport interface paths {`),
  ].join("\n");

  const ops = [...endpoints.discovery, ...endpoints.modules.flatMap((m) => m.interfaces.flatMap((i) => i.operations))];
  const modules: string[] = [];
  for (const m of endpoints.modules) {
    modules.push(`    ${m.id}: {`);
    if (m.interfaces.length === 1) {
      for (const op of m.interfaces[0]!.operations) modules.push(...binding(op, "      "));
    } else {
      for (const i of m.interfaces) {
        modules.push(`      ${i.role.toLowerCase()}: {`);
        for (const op of i.operations) modules.push(...binding(op, "        "));
        modules.push("      },");
      }
    }
    modules.push("    },");
  }
  const index = [
    context.header(`schemas/${v}/endpoints.json`),
    `// Every OCPI ${v} operation, and the typed client methods bound to them.`,
    "",
    `import { validators } from "${context.layout.entry("client", "validators", v)}";`,
    `import type { OperationCaller, OperationInfo } from "${context.layout.runtime("client")}";`,
    `import type { paths } from "./paths.gen.js";`,
    "",
    "/** The OCPI version of these bindings. */",
    `export const version = ${JSON.stringify(v)};`,
    "",
    "/** Every operation of the version by operationId: method, paths, parameters, interface, token and validators. */",
    "export const operations = {",
    ...ops.map(operationEntry),
    "} as const satisfies Record<string, OperationInfo>;",
    "",
    "/** The discovery calls, before any module is known. */",
    "export function bindDiscovery(caller: OperationCaller<paths>) {",
    "  return {",
    ...endpoints.discovery.flatMap((op) => binding(op, "    ")),
    "  };",
    "}",
    "",
    "/** The module calls: `client.<module>.<sender|receiver>.<operation>`. */",
    "export function bindModules(caller: OperationCaller<paths>) {",
    "  return {",
    ...modules,
    "  };",
    "}",
    "",
    "/** The module calls of the version, as the client has them (`client.locations.sender.all()`, ...). */",
    "export type Modules = ReturnType<typeof bindModules>;",
    "export type { paths };",
    "",
  ].join("\n");
  // The entry of this version alone (`@ocpi-sdk/client/<version>`): its bindings and a client that talks only them, so
  // that a bundle importing it holds no other version's bindings or validators.
  const entry = [
    context.header(`schemas/${v}/endpoints.json`),
    `// The OCPI ${v} client alone, and the bindings it talks: a bundle of it holds no other version.`,
    "",
    `import { defineClient, type OcpiClient as ClientOf } from "${context.layout.runtime("client")}";`,
    `import * as bindings from "./index.gen.js";`,
    "",
    `export * from "./index.gen.js";`,
    "",
    "/** The bindings this client talks, by version. */",
    `type Builtins = { readonly ${JSON.stringify(v)}: typeof bindings };`,
    "",
    `/** A client of OCPI ${v} peers, talking ${v} alone (see the all-versions \`OcpiClient\` for the rest). */`,
    `export const OcpiClient = /* @__PURE__ */ defineClient<Builtins>({ ${JSON.stringify(v)}: bindings });`,
    `/** A client of an OCPI ${v} peer: typed calls of every module and interface of ${v}. */`,
    `export type OcpiClient = ClientOf<${JSON.stringify(v)}, Builtins>;`,
    "",
  ].join("\n");
  return [
    { path: `${v}/paths.gen.ts`, content: paths },
    { path: `${v}/index.gen.ts`, content: index },
    { path: `${v}/client.gen.ts`, content: entry },
  ];
}

export const clientEmitter: Emitter = {
  name: "client",
  target: "client",
  dependsOn: ["validators"],
  emit: emitClient,
  tables: (versions, context) => {
    const withEndpoints = versions.filter((v) => v.endpoints);
    return [
      tableFile(context, "The client bindings of every generated version: `OcpiClient.connect({ bindings })` talks them.", withEndpoints, "import", [
        "/** The bindings of each version, by version. */",
        `export const bindings = { ${withEndpoints.map((v) => `${JSON.stringify(v.version)}: ${v.ident}`).join(", ")} } as const;`,
        "",
        "/** The versions that have bindings, highest first (the order of preference). */",
        `export const versions = ${JSON.stringify(withEndpoints.map((v) => v.version).reverse())} as const;`,
        "",
        "export type BindingsVersion = keyof typeof bindings;",
        "",
      ]),
    ];
  },
};
