/**
 * The handlers a CPO or an eMSP serves, built on the server's Store-backed handlers: every module and interface
 * of the role (and nothing of the other role), commands and charging profiles answered ACCEPTED with their results
 * posted a moment later.
 */
import { toOcpiDateTime } from "@ocpi-sdk/protocol";
import { storeHandlers, type Caller, type Handlers, type Store } from "@ocpi-sdk/server";

export type Role = "CPO" | "EMSP";

export interface RoleHandlersOptions {
  /** How long the charge point "takes" before a command's or profile request's result is posted (default 20 ms). */
  resultDelayMs?: number;
  /** Called before a Sessions or CDRs list is answered, with the caller: the mock makes that party's data then. */
  beforeSessionsList?: (caller: Caller) => Promise<void>;
}

const later = <T>(ms: number, value: T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms));

type CommandsReceiver = NonNullable<NonNullable<Handlers["commands"]>["receiver"]>;
type ProfilesReceiver = NonNullable<NonNullable<Handlers["chargingprofiles"]>["receiver"]>;
type ProfilesSender = NonNullable<NonNullable<Handlers["chargingprofiles"]>["sender"]>;

/** A CPO that accepts every command and posts ACCEPTED as its result. */
function acceptingCommands(delay: number): CommandsReceiver {
  const accepted = () => ({ response: { result: "ACCEPTED" as const, timeout: 30 }, result: later(delay, { result: "ACCEPTED" as const }) });
  return {
    startSession: async () => accepted(),
    stopSession: async () => accepted(),
    reserveNow: async () => accepted(),
    cancelReservation: async () => accepted(),
    unlockConnector: async () => accepted(),
  };
}

/** A CPO that accepts every charging profile request. */
function acceptingProfiles(delay: number): ProfilesReceiver {
  return {
    getActiveProfile: async ({ query }) => ({
      response: { result: "ACCEPTED", timeout: 30 },
      result: later(delay, {
        result: "ACCEPTED" as const,
        profile: {
          start_date_time: toOcpiDateTime(),
          charging_profile: { charging_rate_unit: "A" as const, duration: query.duration, charging_profile_period: [{ start_period: 0, limit: 16 }] },
        },
      }),
    }),
    setProfile: async () => ({ response: { result: "ACCEPTED", timeout: 30 }, result: later(delay, { result: "ACCEPTED" as const }) }),
    clearProfile: async () => ({ response: { result: "ACCEPTED", timeout: 30 }, result: later(delay, { result: "ACCEPTED" as const }) }),
  };
}

/** An eMSP that takes every charging profile result. */
const takingProfileResults: ProfilesSender = {
  postActiveProfileResult: async () => {},
  postSetProfileResult: async () => {},
  postClearProfileResult: async () => {},
  putActiveProfile: async () => {},
};

/** The handlers of every module and interface `role` serves, over `store`. */
export function roleHandlers(role: Role, store: Store, roles: Parameters<typeof storeHandlers>[1]["roles"], options: RoleHandlersOptions = {}): Handlers {
  const base = storeHandlers(store, { roles });
  const delay = options.resultDelayMs ?? 20;
  if (role === "EMSP") {
    return {
      locations: { receiver: base.locations.receiver },
      sessions: { receiver: base.sessions.receiver },
      cdrs: { receiver: base.cdrs.receiver },
      tariffs: { receiver: base.tariffs.receiver },
      tokens: { sender: base.tokens.sender },
      commands: { sender: base.commands.sender },
      chargingprofiles: { sender: takingProfileResults },
      hubclientinfo: { receiver: base.hubclientinfo.receiver },
    };
  }
  const before = options.beforeSessionsList;
  return {
    locations: { sender: base.locations.sender },
    sessions: {
      sender: {
        ...base.sessions.sender,
        list: async (request) => {
          await before?.(request.caller);
          return base.sessions.sender.list(request);
        },
      },
    },
    cdrs: {
      sender: {
        list: async (request) => {
          await before?.(request.caller);
          return base.cdrs.sender.list(request);
        },
      },
    },
    tariffs: { sender: base.tariffs.sender },
    tokens: { receiver: base.tokens.receiver },
    commands: { receiver: acceptingCommands(delay) },
    chargingprofiles: { receiver: acceptingProfiles(delay) },
    hubclientinfo: { receiver: base.hubclientinfo.receiver },
  };
}
