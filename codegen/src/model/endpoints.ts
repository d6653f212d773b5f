/** The endpoint description of a version (`schemas/<version>/endpoints.json`), as the emitters read it. */
import type { JsonSchema } from "./model.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
export type InterfaceRole = "SENDER" | "RECEIVER";
export type UrlBase = "endpoint" | "response_url" | "versions" | "version_details";

/** A path or query parameter of an operation. */
export interface ParameterModel {
  name: string;
  description: string;
  required: boolean;
  schema: JsonSchema;
}

/** One HTTP operation of an interface (or of discovery). */
export interface OperationModel {
  name: string;
  summary: string;
  method: HttpMethod;
  url: UrlBase;
  path: string;
  pathParams: ParameterModel[];
  query: ParameterModel[];
  paginated: boolean;
  auth: "tokenA" | "tokenC";
  requestBody?: { schema: { $ref: string }; required: boolean; description?: string };
  response: { data?: { $ref: string }; list: boolean; description?: string };
  /** For a request carrying a response_url: the name of the operation, in the module's other interface, that sends the result. */
  result?: string;
  /** Derived: unique id in the version, e.g. `locationsSenderGetEvse` or `versions`. */
  operationId: string;
  /** Derived: the module id, or `discovery`. */
  module: string;
  /** Derived: the interface role, absent for discovery. */
  interface?: InterfaceRole;
  /** Derived: the path of this operation in the SDK's URL layout (OpenAPI path key, server route). */
  layoutPath: string;
}

/** The SENDER or RECEIVER interface of a module (2.1.1: the CPO or eMSP interface), with its operations. */
export interface InterfaceModel {
  role: InterfaceRole;
  implementedBy: string[];
  operations: OperationModel[];
}

/** An OCPI module (`locations`, `commands`, ...) and its interfaces. */
export interface ModuleModel {
  id: string;
  title: string;
  interfaces: InterfaceModel[];
}

/** The operations of a version: discovery, then the modules. */
export interface EndpointsModel {
  discovery: OperationModel[];
  modules: ModuleModel[];
}

/** Every operation of a version: discovery first, then modules and interfaces in description order. */
export function allOperations(endpoints: EndpointsModel): OperationModel[] {
  return [...endpoints.discovery, ...endpoints.modules.flatMap((m) => m.interfaces.flatMap((i) => i.operations))];
}

const upperFirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The SDK's URL layout, relative to a platform's OCPI base URL: `/versions`, `/<version>` (details) and
 * `/<version>/<module>[/<sender|receiver>]<path>` (the interface segment only where a module has two interfaces).
 * Operations that answer at a peer-given response_url get `/<operation name>/{response_id}` under their interface,
 * which is where the SDK's server points the response_url it hands out.
 */
export function layoutPath(
  version: string,
  module: ModuleModel | undefined,
  iface: InterfaceModel | undefined,
  op: Omit<OperationModel, "layoutPath" | "operationId" | "module" | "interface">,
): string {
  if (!module || !iface) return op.url === "versions" ? "/versions" : `/${version}`;
  const base = `/${version}/${module.id}${module.interfaces.length > 1 ? `/${iface.role.toLowerCase()}` : ""}`;
  return op.url === "response_url" ? `${base}/${op.name}/{response_id}` : `${base}${op.path}`;
}

/**
 * The operationId of an operation: module, interface role and name (`locationsSenderGet`), or the name alone for
 * discovery.
 */
export function operationId(module: ModuleModel | undefined, iface: InterfaceModel | undefined, name: string): string {
  if (!module || !iface) return name;
  return `${module.id}${upperFirst(iface.role.toLowerCase())}${upperFirst(name)}`;
}
