/** Every emitter, in the order their targets are generated: the one list `generate` runs. */
import type { Emitter } from "./emit/emitter.js";
import { typesEmitter } from "./emit/types/emitTypes.js";
import { validatorsEmitter } from "./emit/validators/emitValidators.js";
import { openApiEmitter } from "./emit/openapi/emitOpenApi.js";
import { clientEmitter } from "./emit/client/emitClient.js";
import { serverEmitter } from "./emit/server/emitServer.js";

/** Every emitter of the SDK, in the order they run (each after those it depends on). */
export const EMITTERS: readonly Emitter[] = [typesEmitter, validatorsEmitter, openApiEmitter, clientEmitter, serverEmitter];
