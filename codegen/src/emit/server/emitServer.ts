import { tableFile, type EmitContext, type Emitter } from "../emitter.js";
import type { OutputFile } from "../../lib/output.js";
import type { ModuleModel, OperationModel, ParameterModel } from "../../model/endpoints.js";
import { RefResolver, type VersionModel } from "../../model/model.js";
import { isBuiltinTsType, tsTypeName } from "../types/emitTypes.js";
import { operationFields, schemaName } from "../lib/operationFields.js";

const upperFirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** What the runtime checks of a path or query parameter, from its schema. */
function parameterCheck(p: ParameterModel, resolver: RefResolver, baseId: string): string {
  const schema = p.schema;
  const named = typeof schema.$ref === "string" ? resolver.resolve(schema.$ref, baseId).named : undefined;
  const integer = schema.type === "integer" || named?.name === "int";
  const fields = [
    `name: ${JSON.stringify(p.name)}`,
    `required: ${p.required}`,
    `type: ${JSON.stringify(integer ? "integer" : "string")}`,
    ...(typeof schema.maxLength === "number" ? [`maxLength: ${schema.maxLength}`] : []),
    ...(named && !integer ? [`validator: validators.${named.name}`] : []),
  ];
  return `{ ${fields.join(", ")} }`;
}

/** The TypeScript type of a parameter value after the runtime has checked and converted it. */
function parameterType(p: ParameterModel, resolver: RefResolver, baseId: string): string {
  const schema = p.schema;
  const named = typeof schema.$ref === "string" ? resolver.resolve(schema.$ref, baseId).named : undefined;
  if (named) return isBuiltinTsType(named) ? tsTypeName(named) : `T.${named.name}`;
  return schema.type === "integer" ? "number" : "string";
}

function objectType(params: ParameterModel[], resolver: RefResolver, baseId: string, allOptional = false): string {
  if (params.length === 0) return "{}";
  return `{ ${params.map((p) => `${p.name}${p.required && !allOptional ? "" : "?"}: ${parameterType(p, resolver, baseId)}`).join("; ")} }`;
}

function routeEntry(op: OperationModel, module: ModuleModel | undefined, resolver: RefResolver, baseId: string): string {
  const resultOp = op.result && module ? module.interfaces.flatMap((i) => i.operations).find((o) => o.name === op.result) : undefined;
  const fields = [
    ...operationFields(op, {
      pathParams: `[${[
        ...op.pathParams.map((p) => parameterCheck(p, resolver, baseId)),
        // Results arrive at the SDK's own response_urls, which end in the id of the request they answer.
        ...(op.url === "response_url" ? [`{ name: "response_id", required: true, type: "string", maxLength: 64 }`] : []),
      ].join(", ")}]`,
      query: `[${op.query.map((p) => parameterCheck(p, resolver, baseId)).join(", ")}]`,
    }),
    ...(resultOp ? [`result: ${JSON.stringify(resultOp.operationId)}`] : []),
  ];
  return `  { ${fields.join(", ")} },`;
}

function handlerSignature(op: OperationModel, module: ModuleModel, resolver: RefResolver, baseId: string): string {
  const params = objectType(op.pathParams, resolver, baseId);
  const body = op.requestBody ? `T.${schemaName(op.requestBody.schema.$ref)}${op.requestBody.required ? "" : " | undefined"}` : "undefined";
  const data = op.response.data ? `T.${schemaName(op.response.data.$ref)}` : "void";
  if (op.paginated) {
    const filters = op.query.filter((q) => !["offset", "limit"].includes(q.name));
    return `${op.name}(request: PageRequest<${params}, ${objectType(filters, resolver, baseId)}>): Promise<Page<${data}>>;`;
  }
  const query = objectType(op.query, resolver, baseId);
  if (op.result) {
    const resultOp = module.interfaces.flatMap((i) => i.operations).find((o) => o.name === op.result)!;
    const resultBody = `T.${schemaName(resultOp.requestBody!.schema.$ref)}`;
    return `${op.name}(request: OcpiRequest<${params}, ${query}, ${body}>): Promise<AsyncReply<${data}, ${resultBody}>>;`;
  }
  if (op.url === "response_url") {
    return `${op.name}(request: OcpiRequest<{ response_id: string }, ${query}, ${body}>): Promise<${data} | OcpiReply<${data}>>;`;
  }
  // An OcpiReply adds a status_message and a notice for the log (e.g. a stale write answered, not applied).
  return `${op.name}(request: OcpiRequest<${params}, ${query}, ${body}>): Promise<${data} | OcpiReply<${data}>>;`;
}

/** The name of the handlers interface of a module's interface, e.g. `LocationsSenderHandlers`. */
export function handlersInterfaceName(module: ModuleModel, role: string): string {
  return `${module.id.charAt(0).toUpperCase()}${module.id.slice(1)}${upperFirst(role.toLowerCase())}Handlers`;
}

/** Emits the route table of a version and the typed handler interfaces of every module and interface. */
export function emitServer(version: VersionModel, context: EmitContext): OutputFile[] {
  const endpoints = version.endpoints;
  if (!endpoints) return [];
  const v = version.version;
  const resolver = new RefResolver(version);
  const baseId = version.files[0]!.id;
  const routes = [
    ...endpoints.discovery.map((op) => routeEntry(op, undefined, resolver, baseId)),
    ...endpoints.modules.flatMap((m) => m.interfaces.flatMap((i) => i.operations.map((op) => routeEntry(op, m, resolver, baseId)))),
  ];
  const interfaces: string[] = [];
  const handlerMap: string[] = [];
  // Credentials are served by the runtime itself (the registration handshake), so they get no handler interface.
  for (const m of endpoints.modules.filter((m) => m.id !== "credentials")) {
    const sides: string[] = [];
    for (const i of m.interfaces) {
      const name = handlersInterfaceName(m, i.role);
      interfaces.push(
        `/** What a platform implements to serve the ${i.role.toLowerCase()} interface of ${m.title} (typically: ${i.implementedBy.join(", ")}). */`,
        `export interface ${name} {`,
        ...i.operations.flatMap((op) => [`  /** ${op.summary} */`, `  ${handlerSignature(op, m, resolver, baseId)}`]),
        "}",
        "",
      );
      sides.push(`${i.role.toLowerCase()}?: ${name}`);
    }
    handlerMap.push(`  ${m.id}?: { ${sides.join("; ")} };`);
  }
  const index = [
    context.header(`schemas/${v}/endpoints.json`),
    `// The OCPI ${v} route table and the handler interfaces a server implements.`,
    "",
    `import type * as T from "${context.layout.entry("server", "types", v)}";`,
    `import { validators } from "${context.layout.entry("server", "validators", v)}";`,
    `import type { AsyncReply, OcpiReply, OcpiRequest, Page, PageRequest, RouteInfo } from "${context.layout.runtime("server")}";`,
    "",
    "/** The OCPI version of this route table. */",
    `export const version = ${JSON.stringify(v)};`,
    "",
    "/** Every operation of the version, discovery first. */",
    "export const routes = [",
    ...routes,
    "] as const satisfies readonly RouteInfo[];",
    "",
    ...interfaces,
    "/** Handlers per module and interface; a module is served (and listed in version details) only where given. */",
    "export interface Handlers {",
    ...handlerMap,
    "}",
    "",
  ].join("\n");
  return [{ path: `${v}/index.gen.ts`, content: index }];
}

export const serverEmitter: Emitter = {
  name: "server",
  target: "server",
  dependsOn: ["types", "validators"],
  emit: emitServer,
  tables: (versions, context) => {
    const withEndpoints = versions.filter((v) => v.endpoints);
    return [
      tableFile(context, "The route tables of every generated version: `createOcpiServer({ routes, handlers })` serves them.", withEndpoints, "import", [
        "/** The route table of each version, by version. */",
        `export const routes = { ${withEndpoints.map((v) => `${JSON.stringify(v.version)}: ${v.ident}.routes`).join(", ")} } as const;`,
        "",
        "/** The versions that have routes, lowest first. */",
        `export const versions = ${JSON.stringify(withEndpoints.map((v) => v.version))} as const;`,
        "",
        "/** The handler interfaces of each version. */",
        "export interface VersionHandlers {",
        ...withEndpoints.map((v) => `  ${JSON.stringify(v.version)}: ${v.ident}.Handlers;`),
        "}",
        "",
      ]),
    ];
  },
};
