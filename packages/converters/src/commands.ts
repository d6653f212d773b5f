/**
 * Commands module: the command requests (StartSession, StopSession, ReserveNow, UnlockConnector, CancelReservation)
 * and the answers (CommandResponse, CommandResult) between OCPI 2.1.1, 2.2.1 and 2.3.0.
 *
 * 2.1.1 has one answer object, CommandResponse, both as the CPO's direct answer and as the result the CPO posts to
 * `response_url` later; 2.2.1 split it into CommandResponse (direct, with a `timeout`) and CommandResult (posted).
 * So `commandResponseV211ToV221` reads a direct answer and `commandResultV211ToV221` a posted one, both from a 2.1.1
 * CommandResponse, and `commandResultV221ToV211` gives a 2.1.1 CommandResponse. 2.1.1 has no CancelReservation.
 *
 * - 2.1.1 → 2.2.1: the token as by `tokenV211ToV221` (owner from the context); ReserveNow's integer
 *   `reservation_id` becomes a string; a CommandResponse gets `timeout` from the context (default 30 s), and
 *   `TIMEOUT` (not a 2.2.1 response) becomes `REJECTED`; a posted `UNKNOWN_SESSION` becomes the result `REJECTED`.
 * - 2.2.1 → 2.1.1: the token as by `tokenV221ToV211`; dropped are StartSession `connector_id`, the
 *   `authorization_reference`s, CommandResponse `timeout`, and every `message`; a ReserveNow `reservation_id` that is
 *   not an integer is replaced (context value, else a stable number derived from it); result values 2.1.1 lacks
 *   become `REJECTED`.
 * - 2.2.1 ↔ 2.3.0: the same objects; only the token's type may change (2.3.0 → 2.2.1, to `OTHER`).
 *
 * Ids longer than the target allows (2.1.1 location and EVSE ids have 39 characters, 2.2.1 ones 36) are never cut:
 * the converter throws a RangeError.
 */
import type * as V211 from "@ocpi-sdk/types/2.1.1";
import type * as V221 from "@ocpi-sdk/types/2.2.1";
import type * as V230 from "@ocpi-sdk/types/2.3.0";
import { done, Notes, type Conversion, type Owner } from "./conversion.js";
import { chain, cloneJson, nested, refuseLonger, unchanged } from "./shared.js";
import { tokenV211ToV221, tokenV221ToV211, tokenV221ToV230, tokenV230ToV221 } from "./tokens.js";

/** Seconds a 2.2.1 CommandResponse made from a 2.1.1 one gives the eMSP to wait for the result, unless told. */
export const DEFAULT_COMMAND_TIMEOUT = 30;

/** For a 2.1.1 StartSession or ReserveNow going up: its token needs an owner. */
export interface CommandV211Context {
  /** The eMSP owning the token: fills the token's `country_code` and `party_id`. */
  owner: Owner;
}

/** For a 2.2.1 ReserveNow going to 2.1.1, whose reservation ids are integers. */
export interface ReserveNowV221ToV211Context {
  /** Put in place of a reservation id that is not an integer (else a number derived from it). */
  reservation_id?: number;
}

/** For a 2.1.1 CommandResponse going up: 2.2.1 requires a `timeout`, which 2.1.1 does not give. */
export interface CommandResponseV211ToV221Context {
  /** Seconds the eMSP should wait for the result; {@link DEFAULT_COMMAND_TIMEOUT} if absent. */
  timeout?: number;
}

/** 2.2.1 and 2.3.0 command ids have at most 36 characters; longer 2.1.1 ids are not cut but refused. */
const fitId = (id: string, field: string): string => refuseLonger(id, 36, field, "2.2.1");

// ---------------------------------------------------------------------------------------------------------------
// StartSession

/**
 * 2.1.1 StartSession as 2.2.1: the token as by `tokenV211ToV221`, its owner from the context.
 * @throws RangeError when `location_id` or `evse_uid` is longer than 2.2.1's 36 characters.
 */
export function startSessionV211ToV221(command: V211.StartSession, context: CommandV211Context): Conversion<V221.StartSession> {
  const notes = new Notes();
  const { token, location_id, evse_uid, ...rest } = cloneJson(command);
  const value: V221.StartSession = {
    ...rest,
    token: nested(notes, "/token", tokenV211ToV221(token, context)),
    location_id: fitId(location_id, "location_id"),
    ...(evse_uid === undefined ? {} : { evse_uid: fitId(evse_uid, "evse_uid") }),
  };
  return done(value, notes);
}

/**
 * 2.2.1 StartSession as 2.1.1: `connector_id` and `authorization_reference` dropped; the token as by `tokenV221ToV211`.
 */
export function startSessionV221ToV211(command: V221.StartSession): Conversion<V211.StartSession> {
  const notes = new Notes();
  const { token, connector_id, authorization_reference, ...rest } = cloneJson(command);
  if (connector_id !== undefined) notes.dropped("connector_id", "2.1.1 starts a session on an EVSE, not a connector");
  if (authorization_reference !== undefined) {
    notes.dropped("authorization_reference", "2.1.1 has no authorization reference");
  }
  return done({ ...rest, token: nested(notes, "/token", tokenV221ToV211(token)) }, notes);
}

/** 2.2.1 StartSession as 2.3.0: a copy; nothing is lost. */
export function startSessionV221ToV230(command: V221.StartSession): Conversion<V230.StartSession> {
  const notes = new Notes();
  const copy = cloneJson(command);
  return done({ ...copy, token: nested(notes, "/token", tokenV221ToV230(copy.token)) }, notes);
}

/** 2.3.0 StartSession as 2.2.1: a token type 2.2.1 lacks becomes `OTHER`. */
export function startSessionV230ToV221(command: V230.StartSession): Conversion<V221.StartSession> {
  const notes = new Notes();
  const copy = cloneJson(command);
  return done({ ...copy, token: nested(notes, "/token", tokenV230ToV221(copy.token)) }, notes);
}

/**
 * 2.1.1 StartSession as 2.3.0, through 2.2.1.
 * @throws RangeError when `location_id` or `evse_uid` is longer than 2.2.1's 36 characters.
 */
export function startSessionV211ToV230(command: V211.StartSession, context: CommandV211Context): Conversion<V230.StartSession> {
  return chain(startSessionV211ToV221(command, context), startSessionV221ToV230);
}

/** 2.3.0 StartSession as 2.1.1, through 2.2.1. */
export function startSessionV230ToV211(command: V230.StartSession): Conversion<V211.StartSession> {
  return chain(startSessionV230ToV221(command), startSessionV221ToV211);
}

// ---------------------------------------------------------------------------------------------------------------
// StopSession (the same fields in every version)

/** 2.1.1 StopSession as 2.2.1: a copy (the same fields). */
export function stopSessionV211ToV221(command: V211.StopSession): Conversion<V221.StopSession> {
  return unchanged(command);
}

/** 2.2.1 StopSession as 2.1.1: a copy (the same fields). */
export function stopSessionV221ToV211(command: V221.StopSession): Conversion<V211.StopSession> {
  return unchanged(command);
}

/** 2.2.1 StopSession as 2.3.0: a copy (the same fields). */
export function stopSessionV221ToV230(command: V221.StopSession): Conversion<V230.StopSession> {
  return unchanged(command);
}

/** 2.3.0 StopSession as 2.2.1: a copy (the same fields). */
export function stopSessionV230ToV221(command: V230.StopSession): Conversion<V221.StopSession> {
  return unchanged(command);
}

/** 2.1.1 StopSession as 2.3.0, through 2.2.1: a copy. */
export function stopSessionV211ToV230(command: V211.StopSession): Conversion<V230.StopSession> {
  return chain(stopSessionV211ToV221(command), stopSessionV221ToV230);
}

/** 2.3.0 StopSession as 2.1.1, through 2.2.1: a copy. */
export function stopSessionV230ToV211(command: V230.StopSession): Conversion<V211.StopSession> {
  return chain(stopSessionV230ToV221(command), stopSessionV221ToV211);
}

// ---------------------------------------------------------------------------------------------------------------
// ReserveNow

/**
 * 2.1.1 ReserveNow as 2.2.1: the integer `reservation_id` written as a string; the token as by `tokenV211ToV221`, its
 * owner from the context.
 * @throws RangeError when `location_id` or `evse_uid` is longer than 2.2.1's 36 characters.
 */
export function reserveNowV211ToV221(command: V211.ReserveNow, context: CommandV211Context): Conversion<V221.ReserveNow> {
  const notes = new Notes();
  const { token, reservation_id, location_id, evse_uid, ...rest } = cloneJson(command);
  notes.changed("reservation_id", "integer written as a string");
  const value: V221.ReserveNow = {
    ...rest,
    token: nested(notes, "/token", tokenV211ToV221(token, context)),
    reservation_id: String(reservation_id),
    location_id: fitId(location_id, "location_id"),
    ...(evse_uid === undefined ? {} : { evse_uid: fitId(evse_uid, "evse_uid") }),
  };
  return done(value, notes);
}

/**
 * 2.1.1 reservation ids are integers. A 2.2.1 id written as an integer is read as one; any other id is replaced by
 * `context.reservation_id` when given, else by a stable non-negative 31-bit number computed from it (the same id
 * always gives the same number, but two ids may collide).
 */
export function reserveNowV221ToV211(command: V221.ReserveNow, context: ReserveNowV221ToV211Context = {}): Conversion<V211.ReserveNow> {
  const notes = new Notes();
  const { token, reservation_id, authorization_reference, ...rest } = cloneJson(command);
  if (authorization_reference !== undefined) {
    notes.dropped("authorization_reference", "2.1.1 has no authorization reference");
  }
  const value: V211.ReserveNow = {
    ...rest,
    token: nested(notes, "/token", tokenV221ToV211(token)),
    reservation_id: reservationIdDown(reservation_id, context.reservation_id, notes),
  };
  return done(value, notes);
}

/** 2.2.1 ReserveNow as 2.3.0: a copy; nothing is lost. */
export function reserveNowV221ToV230(command: V221.ReserveNow): Conversion<V230.ReserveNow> {
  const notes = new Notes();
  const copy = cloneJson(command);
  return done({ ...copy, token: nested(notes, "/token", tokenV221ToV230(copy.token)) }, notes);
}

/** 2.3.0 ReserveNow as 2.2.1: a token type 2.2.1 lacks becomes `OTHER`. */
export function reserveNowV230ToV221(command: V230.ReserveNow): Conversion<V221.ReserveNow> {
  const notes = new Notes();
  const copy = cloneJson(command);
  return done({ ...copy, token: nested(notes, "/token", tokenV230ToV221(copy.token)) }, notes);
}

/**
 * 2.1.1 ReserveNow as 2.3.0, through 2.2.1.
 * @throws RangeError when `location_id` or `evse_uid` is longer than 2.2.1's 36 characters.
 */
export function reserveNowV211ToV230(command: V211.ReserveNow, context: CommandV211Context): Conversion<V230.ReserveNow> {
  return chain(reserveNowV211ToV221(command, context), reserveNowV221ToV230);
}

/**
 * 2.3.0 ReserveNow as 2.1.1, through 2.2.1; a `reservation_id` that is not an integer is replaced as by
 * `reserveNowV221ToV211`.
 */
export function reserveNowV230ToV211(command: V230.ReserveNow, context: ReserveNowV221ToV211Context = {}): Conversion<V211.ReserveNow> {
  return chain(reserveNowV230ToV221(command), (c) => reserveNowV221ToV211(c, context));
}

function reservationIdDown(id: string, given: number | undefined, notes: Notes): number {
  if (/^(0|-?[1-9][0-9]*)$/.test(id) && Number.isSafeInteger(Number(id))) {
    notes.changed("reservation_id", "integer string written as an integer");
    return Number(id);
  }
  if (given !== undefined) {
    notes.changed("reservation_id", `not an integer; replaced by ${given} from the context`);
    return given;
  }
  // FNV-1a, 32 bits, halved to stay a non-negative 32-bit signed integer (as OCPP reservation ids are).
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(id)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  const number = hash >>> 1;
  notes.changed("reservation_id", `not an integer; replaced by ${number}, a number derived from it`);
  return number;
}

// ---------------------------------------------------------------------------------------------------------------
// UnlockConnector (the same fields; 2.1.1 ids may be longer)

/**
 * 2.1.1 UnlockConnector as 2.2.1: a copy.
 * @throws RangeError when `location_id` or `evse_uid` is longer than 2.2.1's 36 characters.
 */
export function unlockConnectorV211ToV221(command: V211.UnlockConnector): Conversion<V221.UnlockConnector> {
  const copy = cloneJson(command);
  fitId(copy.location_id, "location_id");
  fitId(copy.evse_uid, "evse_uid");
  return done(copy, new Notes());
}

/** 2.2.1 UnlockConnector as 2.1.1: a copy (2.2.1's ids fit 2.1.1's). */
export function unlockConnectorV221ToV211(command: V221.UnlockConnector): Conversion<V211.UnlockConnector> {
  return unchanged(command);
}

/** 2.2.1 UnlockConnector as 2.3.0: a copy (the same fields). */
export function unlockConnectorV221ToV230(command: V221.UnlockConnector): Conversion<V230.UnlockConnector> {
  return unchanged(command);
}

/** 2.3.0 UnlockConnector as 2.2.1: a copy (the same fields). */
export function unlockConnectorV230ToV221(command: V230.UnlockConnector): Conversion<V221.UnlockConnector> {
  return unchanged(command);
}

/**
 * 2.1.1 UnlockConnector as 2.3.0, through 2.2.1: a copy.
 * @throws RangeError when `location_id` or `evse_uid` is longer than 2.2.1's 36 characters.
 */
export function unlockConnectorV211ToV230(command: V211.UnlockConnector): Conversion<V230.UnlockConnector> {
  return chain(unlockConnectorV211ToV221(command), unlockConnectorV221ToV230);
}

/** 2.3.0 UnlockConnector as 2.1.1, through 2.2.1: a copy. */
export function unlockConnectorV230ToV211(command: V230.UnlockConnector): Conversion<V211.UnlockConnector> {
  return chain(unlockConnectorV230ToV221(command), unlockConnectorV221ToV211);
}

// ---------------------------------------------------------------------------------------------------------------
// CancelReservation (2.2.1 and 2.3.0 only)

/** 2.2.1 CancelReservation as 2.3.0: a copy (the same fields). */
export function cancelReservationV221ToV230(command: V221.CancelReservation): Conversion<V230.CancelReservation> {
  return unchanged(command);
}

/** 2.3.0 CancelReservation as 2.2.1: a copy (the same fields). */
export function cancelReservationV230ToV221(command: V230.CancelReservation): Conversion<V221.CancelReservation> {
  return unchanged(command);
}

// ---------------------------------------------------------------------------------------------------------------
// CommandResponse (the CPO's direct answer)

/** Reads a 2.1.1 CommandResponse given as the direct answer to a command request. */
export function commandResponseV211ToV221(response: V211.CommandResponse, context: CommandResponseV211ToV221Context = {}): Conversion<V221.CommandResponse> {
  const notes = new Notes();
  const { result, ...rest } = cloneJson(response);
  let result221: V221.CommandResponseType;
  if (result === "TIMEOUT") {
    result221 = "REJECTED";
    notes.changed("result", "TIMEOUT is no 2.2.1 response (only a result); mapped to REJECTED");
  } else {
    result221 = result;
  }
  const timeout = context.timeout ?? DEFAULT_COMMAND_TIMEOUT;
  notes.defaulted(
    "timeout",
    context.timeout === undefined ? `2.1.1 gives no timeout; ${timeout} s by default` : "2.1.1 gives no timeout; taken from the context",
  );
  return done({ ...rest, result: result221, timeout }, notes);
}

/** 2.2.1 CommandResponse as 2.1.1: `timeout` and `message` dropped. */
export function commandResponseV221ToV211(response: V221.CommandResponse): Conversion<V211.CommandResponse> {
  const notes = new Notes();
  const { timeout, message, ...rest } = cloneJson(response);
  if (timeout !== undefined) notes.dropped("timeout", "2.1.1 responses give no timeout");
  if (message !== undefined) notes.dropped("message", "2.1.1 responses carry no message");
  return done(rest, notes);
}

/** 2.2.1 CommandResponse as 2.3.0: a copy (the same fields). */
export function commandResponseV221ToV230(response: V221.CommandResponse): Conversion<V230.CommandResponse> {
  return unchanged(response);
}

/** 2.3.0 CommandResponse as 2.2.1: a copy (the same fields). */
export function commandResponseV230ToV221(response: V230.CommandResponse): Conversion<V221.CommandResponse> {
  return unchanged(response);
}

/**
 * Reads a 2.1.1 CommandResponse given as the direct answer, as 2.3.0, through 2.2.1 (`timeout` from the context,
 * `TIMEOUT` becomes `REJECTED`).
 */
export function commandResponseV211ToV230(response: V211.CommandResponse, context: CommandResponseV211ToV221Context = {}): Conversion<V230.CommandResponse> {
  return chain(commandResponseV211ToV221(response, context), commandResponseV221ToV230);
}

/** 2.3.0 CommandResponse as 2.1.1, through 2.2.1: `timeout` and `message` dropped. */
export function commandResponseV230ToV211(response: V230.CommandResponse): Conversion<V211.CommandResponse> {
  return chain(commandResponseV230ToV221(response), commandResponseV221ToV211);
}

// ---------------------------------------------------------------------------------------------------------------
// CommandResult (what the CPO posts to response_url; a CommandResponse in 2.1.1)

/** Reads a 2.1.1 CommandResponse posted to the response_url (the command's outcome at the Charge Point). */
export function commandResultV211ToV221(response: V211.CommandResponse): Conversion<V221.CommandResult> {
  const notes = new Notes();
  const { result, ...rest } = cloneJson(response);
  let result221: V221.CommandResultType;
  if (result === "UNKNOWN_SESSION") {
    result221 = "REJECTED";
    notes.changed("result", "UNKNOWN_SESSION is no 2.2.1 result; mapped to REJECTED");
  } else {
    result221 = result;
  }
  return done({ ...rest, result: result221 }, notes);
}

const RESULTS_211: readonly string[] = ["NOT_SUPPORTED", "REJECTED", "ACCEPTED", "TIMEOUT"] satisfies V211.CommandResponseType[];

/** Gives a 2.2.1 CommandResult as the 2.1.1 CommandResponse a CPO posts to the response_url. */
export function commandResultV221ToV211(result: V221.CommandResult): Conversion<V211.CommandResponse> {
  const notes = new Notes();
  const { result: value, message, ...rest } = cloneJson(result);
  if (message !== undefined) notes.dropped("message", "2.1.1 responses carry no message");
  let result211: V211.CommandResponseType;
  if (RESULTS_211.includes(value)) {
    result211 = value as V211.CommandResponseType;
  } else {
    result211 = "REJECTED";
    notes.changed("result", `${value} does not exist in 2.1.1; mapped to REJECTED`);
  }
  return done({ ...rest, result: result211 }, notes);
}

/** 2.2.1 CommandResult as 2.3.0: a copy (the same fields). */
export function commandResultV221ToV230(result: V221.CommandResult): Conversion<V230.CommandResult> {
  return unchanged(result);
}

/** 2.3.0 CommandResult as 2.2.1: a copy (the same fields). */
export function commandResultV230ToV221(result: V230.CommandResult): Conversion<V221.CommandResult> {
  return unchanged(result);
}

/** Reads a 2.1.1 CommandResponse posted to the response_url as a 2.3.0 CommandResult, through 2.2.1. */
export function commandResultV211ToV230(response: V211.CommandResponse): Conversion<V230.CommandResult> {
  return chain(commandResultV211ToV221(response), commandResultV221ToV230);
}

/** Gives a 2.3.0 CommandResult as the 2.1.1 CommandResponse posted to the response_url, through 2.2.1. */
export function commandResultV230ToV211(result: V230.CommandResult): Conversion<V211.CommandResponse> {
  return chain(commandResultV230ToV221(result), commandResultV221ToV211);
}
