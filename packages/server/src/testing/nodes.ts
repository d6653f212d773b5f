/** Test nodes: a CPO and an eMSP built from the server package, on 127.0.0.1, with in-memory stores. */
import type * as T from "@ocpi-sdk/types/2.2.1";
import { storeHandlers } from "../handlers/store-handlers.js";
import { listen, type Listening } from "../node.js";
import { createOcpiServer, type OcpiServer, type OcpiServerOptions, type ServerEvent } from "../runtime/server.js";
import { MemoryStore } from "../store/memory.js";
import type { Handlers } from "../generated/2.2.1/index.gen.js";
import type { Store } from "../store/store.js";

export const CPO_ROLE: T.CredentialsRole = { role: "CPO", country_code: "NL", party_id: "CPO", business_details: { name: "Test CPO" } };
export const EMSP_ROLE: T.CredentialsRole = { role: "EMSP", country_code: "NL", party_id: "MSP", business_details: { name: "Test eMSP" } };

export interface TestNode extends Listening<OcpiServer> {
  store: Store;
  events: ServerEvent[];
  commandResults: { result: T.CommandResult; responseId: string }[];
}

/** Commands a CPO answers: accepted at once, the result a moment later. */
export const acceptingCommands: NonNullable<Handlers["commands"]>["receiver"] = {
  cancelReservation: async () => ({ response: { result: "ACCEPTED", timeout: 30 }, result: Promise.resolve({ result: "ACCEPTED" }) }),
  reserveNow: async () => ({ response: { result: "ACCEPTED", timeout: 30 }, result: Promise.resolve({ result: "ACCEPTED" }) }),
  startSession: async () => ({ response: { result: "ACCEPTED", timeout: 30 }, result: new Promise((r) => setTimeout(() => r({ result: "ACCEPTED" }), 10)) }),
  stopSession: async () => ({ response: { result: "ACCEPTED", timeout: 30 }, result: Promise.resolve({ result: "ACCEPTED" }) }),
  unlockConnector: async () => ({ response: { result: "NOT_SUPPORTED", timeout: 0 } }),
};

export const acceptingProfiles: NonNullable<Handlers["chargingprofiles"]>["receiver"] = {
  getActiveProfile: async () => ({
    response: { result: "ACCEPTED", timeout: 30 },
    result: Promise.resolve({ result: "ACCEPTED", profile: { start_date_time: "2024-01-01T00:00:00Z", charging_profile: { charging_rate_unit: "W" } } }),
  }),
  setProfile: async () => ({ response: { result: "ACCEPTED", timeout: 30 }, result: Promise.resolve({ result: "ACCEPTED" }) }),
  clearProfile: async () => ({ response: { result: "ACCEPTED", timeout: 30 }, result: Promise.resolve({ result: "ACCEPTED" }) }),
};

export async function startNode(
  role: T.CredentialsRole,
  options: { store?: Store; handlers?: (store: Store) => Handlers; server?: Partial<OcpiServerOptions>; port?: number } = {},
): Promise<TestNode> {
  const store = options.store ?? (await MemoryStore.open());
  const events: ServerEvent[] = [];
  const commandResults: TestNode["commandResults"] = [];
  const handlers =
    options.handlers?.(store) ??
    (() => {
      const base = storeHandlers(store, { roles: [role], onCommandResult: (result, responseId) => commandResults.push({ result, responseId }) });
      return role.role === "CPO"
        ? { ...base, commands: { receiver: acceptingCommands }, chargingprofiles: { receiver: acceptingProfiles } }
        : {
            ...base,
            chargingprofiles: {
              sender: {
                postActiveProfileResult: async () => {},
                postSetProfileResult: async () => {},
                postClearProfileResult: async () => {},
                putActiveProfile: async () => {},
              },
            },
          };
    })();
  const node = await listen(
    (publicUrl) =>
      // Test nodes talk to each other on 127.0.0.1: loopback is opened explicitly (it is refused by default). They log
      // nothing (a line per request would bury the test output): events are in `events`; logging tests pass a logger.
      createOcpiServer({
        publicUrl,
        roles: [role],
        handlers,
        store,
        log: (e) => events.push(e),
        logger: false,
        resultRetry: { baseDelayMs: 5, maxDelayMs: 20 },
        urlPolicy: { allowLoopback: true },
        ...options.server,
      }),
    options.port === undefined ? {} : { port: options.port },
  );
  return { ...node, store, events, commandResults };
}
