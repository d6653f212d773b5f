import type { OperationModel } from "../../model/endpoints.js";

/** The name a schema `$ref` (`locations.json#/$defs/Location`) points at. */
export const schemaName = (ref: string): string => ref.slice(ref.lastIndexOf("/") + 1);

/**
 * The fields of an operation that the client's and the server's tables share, as TypeScript source; `params` are
 * each side's own description of path and query parameters, placed where they belong.
 */
export function operationFields(op: OperationModel, params: { pathParams: string; query: string }): string[] {
  return [
    `operationId: ${JSON.stringify(op.operationId)}`,
    `module: ${JSON.stringify(op.module)}`,
    ...(op.interface ? [`interface: ${JSON.stringify(op.interface)}`] : []),
    `name: ${JSON.stringify(op.name)}`,
    `method: ${JSON.stringify(op.method)}`,
    `layoutPath: ${JSON.stringify(op.layoutPath)}`,
    `url: ${JSON.stringify(op.url)}`,
    `path: ${JSON.stringify(op.path)}`,
    `pathParams: ${params.pathParams}`,
    `query: ${params.query}`,
    `paginated: ${op.paginated}`,
    `auth: ${JSON.stringify(op.auth)}`,
    ...(op.requestBody ? [`request: { validator: validators.${schemaName(op.requestBody.schema.$ref)}, required: ${op.requestBody.required} }`] : []),
    ...(op.response.data ? [`response: { validator: validators.${schemaName(op.response.data.$ref)}, list: ${op.response.list} }`] : []),
  ];
}
