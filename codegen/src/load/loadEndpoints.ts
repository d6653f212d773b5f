import { Ajv2020 } from "ajv/dist/2020.js";
import { layoutPath, operationId, type EndpointsModel, type InterfaceModel, type ModuleModel, type OperationModel } from "../model/endpoints.js";
import { RefResolver, type VersionModel } from "../model/model.js";
import { SchemaConventionError } from "./errors.js";
import { eachSchema } from "../model/visit.js";

type RawOperation = Omit<OperationModel, "operationId" | "module" | "interface" | "layoutPath" | "url" | "paginated" | "auth"> &
  Partial<Pick<OperationModel, "url" | "paginated" | "auth">>;
/** `endpoints.json` as written. */
export interface RawEndpoints {
  version: string;
  /** Objects whose `<Name>Patch` the loader derives, with the fields a PATCH body must carry. */
  patches?: Record<string, string[]>;
  discovery: RawOperation[];
  modules: (Omit<ModuleModel, "interfaces"> & { interfaces: (Omit<InterfaceModel, "operations"> & { operations: RawOperation[] })[] })[];
}

/**
 * A version's `endpoints.json`, checked against the endpoints format and resolved into modules, interfaces and
 * operations (schemas referenced checked to exist).
 */
export function buildEndpointsModel(raw: RawEndpoints, version: VersionModel, format: object): EndpointsModel {
  const where = `${version.version}/endpoints.json`;
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(format);
  if (!validate(raw)) {
    const detail = (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ");
    throw new SchemaConventionError(`${where}: does not follow endpoints.schema.json: ${detail}`);
  }
  if (raw.version !== version.version) throw new SchemaConventionError(`${where}: version must be ${version.version}`);
  const resolver = new RefResolver(version);
  const baseId = version.files[0]!.id;
  eachSchema(raw, (node, at) => {
    if (typeof node.$ref !== "string") return;
    try {
      resolver.resolve(node.$ref, baseId);
    } catch (e) {
      throw new SchemaConventionError(`${where}${at}: ${(e as Error).message}`);
    }
  });

  const ids = new Set<string>();
  const build = (op: RawOperation, module?: ModuleModel, iface?: InterfaceModel): OperationModel => {
    const full = { ...op, url: op.url ?? "endpoint", paginated: op.paginated ?? false, auth: op.auth ?? "tokenC" };
    const id = operationId(module, iface, op.name);
    if (ids.has(id)) throw new SchemaConventionError(`${where}: operation ${id} is defined twice`);
    ids.add(id);
    const placeholders = [...op.path.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]);
    if (JSON.stringify(placeholders) !== JSON.stringify(op.pathParams.map((p) => p.name))) {
      throw new SchemaConventionError(`${where}: ${id}: pathParams must be the path's placeholders in order`);
    }
    return {
      ...full,
      operationId: id,
      module: module?.id ?? "discovery",
      ...(iface ? { interface: iface.role } : {}),
      layoutPath: layoutPath(version.version, module, iface, full),
    };
  };
  const modules: ModuleModel[] = raw.modules.map((m) => {
    const module: ModuleModel = { id: m.id, title: m.title, interfaces: [] };
    module.interfaces = m.interfaces.map((i) => ({ role: i.role, implementedBy: i.implementedBy, operations: [] }));
    m.interfaces.forEach((i, n) => {
      const iface = module.interfaces[n]!;
      iface.operations = i.operations.map((op) => build(op, module, iface));
    });
    return module;
  });
  for (const module of modules) {
    for (const iface of module.interfaces) {
      for (const op of iface.operations) {
        if (op.result === undefined) continue;
        const other = module.interfaces.find((i) => i !== iface)?.operations.find((o) => o.name === op.result);
        if (other?.url !== "response_url") {
          throw new SchemaConventionError(`${where}: ${op.operationId}: result ${op.result} must name a response_url operation of the other interface`);
        }
      }
    }
  }
  return { discovery: raw.discovery.map((op) => build(op)), modules };
}
