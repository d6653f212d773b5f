/**
 * What the server writes to its Logger: one line per request (the request log middleware), and the server events
 * worth a line (errors, registrations, deviations, dead letters; the rest at debug level).
 */
import type { Context, MiddlewareHandler, Next } from "hono";
import { OcpiHeaders, type Logger, type LogLevel } from "@ocpi-sdk/protocol";
import type { ServerEvent } from "./server.js";

/** The context variable where the OCPI handler puts, for the request line, what only it knows (RequestFacts). */
export const REQUEST_FACTS = "ocpi.request" as const;

/** What the OCPI handler learned about a request: the operation it was and the party that sent it. */
export interface RequestFacts {
  /** The operation of the route matched. */
  operationId?: string;
  /** The party whose token the request carried (PartyRecord.id), once authenticated. */
  partyId?: string;
}

/**
 * Middleware writing one `info` line per request once it is answered: method, path, status, durationMs, requestId
 * and correlationId (as answered, else as sent), operationId and partyId when the request reached an OCPI route.
 */
export function requestLog(logger: Logger): MiddlewareHandler {
  return async (c: Context, next: Next) => {
    const start = performance.now();
    try {
      await next();
    } finally {
      const facts = c.get(REQUEST_FACTS) as RequestFacts | undefined;
      const header = (name: string) => c.res.headers.get(name) ?? c.req.header(name);
      const requestId = header(OcpiHeaders.RequestId);
      const correlationId = header(OcpiHeaders.CorrelationId);
      logger.info(
        {
          method: c.req.method,
          path: c.req.path,
          status: c.res.status,
          durationMs: Math.round((performance.now() - start) * 100) / 100,
          ...(requestId !== undefined ? { requestId } : {}),
          ...(correlationId !== undefined ? { correlationId } : {}),
          ...(facts?.operationId !== undefined ? { operationId: facts.operationId } : {}),
          ...(facts?.partyId !== undefined ? { partyId: facts.partyId } : {}),
        },
        "request",
      );
    }
  };
}

/** The level of each server event: failures of ours are errors, what needs someone's attention warnings. */
const EVENT_LEVELS: Partial<Record<ServerEvent["type"], LogLevel>> = {
  error: "error",
  "outbox-error": "error",
  "expected-result-error": "error",
  "registration-failed": "warn",
  "result-failed": "warn",
  "delivery-dead": "warn",
  deviation: "warn",
  registered: "info",
  unregistered: "info",
  "result-timeout": "info",
};

/**
 * Writes a server event to the logger: `{ event: type, ...its fields }`, its error under `err` (where pino's error
 * serializer looks), a delivery by its id, party, operation, URL and attempts (not its body). Errors and other
 * failures get the error's message as the line's message.
 */
export function logServerEvent(logger: Logger | undefined, event: ServerEvent): void {
  if (!logger) return;
  const level = EVENT_LEVELS[event.type] ?? "debug";
  const { type, ...rest } = event as { type: string; error?: unknown; delivery?: Record<string, unknown> } & Record<string, unknown>;
  const fields: Record<string, unknown> = { event: type, ...rest };
  let message: string = type;
  if ("error" in rest) {
    delete fields.error;
    fields.err = rest.error;
    message = rest.error instanceof Error ? rest.error.message : String(rest.error);
  }
  if (rest.delivery) {
    const { id, partyId, operationId, url, attempts } = rest.delivery;
    fields.delivery = { id, partyId, operationId, ...(url !== undefined ? { url } : {}), attempts };
  }
  logger[level](fields, message);
}
