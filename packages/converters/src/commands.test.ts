import type * as V211 from "@ocpi-sdk/types/2.1.1";
import type * as V221 from "@ocpi-sdk/types/2.2.1";
import type * as V230 from "@ocpi-sdk/types/2.3.0";
import { describe, expect, it } from "vitest";
import {
  cancelReservationV221ToV230,
  cancelReservationV230ToV221,
  commandResponseV211ToV221,
  commandResponseV211ToV230,
  commandResponseV221ToV211,
  commandResponseV221ToV230,
  commandResponseV230ToV211,
  commandResponseV230ToV221,
  commandResultV211ToV221,
  commandResultV211ToV230,
  commandResultV221ToV211,
  commandResultV221ToV230,
  commandResultV230ToV211,
  commandResultV230ToV221,
  DEFAULT_COMMAND_TIMEOUT,
  reserveNowV211ToV221,
  reserveNowV211ToV230,
  reserveNowV221ToV211,
  reserveNowV221ToV230,
  reserveNowV230ToV211,
  reserveNowV230ToV221,
  startSessionV211ToV221,
  startSessionV211ToV230,
  startSessionV221ToV211,
  startSessionV221ToV230,
  startSessionV230ToV211,
  startSessionV230ToV221,
  stopSessionV211ToV221,
  stopSessionV211ToV230,
  stopSessionV221ToV211,
  stopSessionV221ToV230,
  stopSessionV230ToV211,
  stopSessionV230ToV221,
  unlockConnectorV211ToV221,
  unlockConnectorV211ToV230,
  unlockConnectorV221ToV211,
  unlockConnectorV221ToV230,
  unlockConnectorV230ToV211,
  unlockConnectorV230ToV221,
} from "./commands.js";
import type { Conversion, Owner } from "./conversion.js";
import {
  describeConversions,
  describeRoundTrips,
  fixturesOf,
  ownerOf,
  pointersOf,
  sortNotes,
  type ConversionCase,
  type RoundTripCase,
} from "./testing/support.js";

const { fixture } = fixturesOf("commands");

// ---------------------------------------------------------------------------------------------------------------

const OWNER: Owner = { country_code: "NL", party_id: "EVC" };

type Converter = (value: never) => Conversion<unknown>;
/** `schema`: the source's; `target`: the target's when named otherwise (2.1.1 CommandResponse ↔ CommandResult). */
const CONVERSIONS: ConversionCase[] = [
  // Converters without a context ignore the owner; CommandResponse's timeout is left to its default.
  ...(
    [
      [
        "StartSession",
        startSessionV211ToV221,
        startSessionV221ToV211,
        startSessionV221ToV230,
        startSessionV230ToV221,
        startSessionV211ToV230,
        startSessionV230ToV211,
      ],
      ["ReserveNow", reserveNowV211ToV221, reserveNowV221ToV211, reserveNowV221ToV230, reserveNowV230ToV221, reserveNowV211ToV230, reserveNowV230ToV211],
      ["StopSession", stopSessionV211ToV221, stopSessionV221ToV211, stopSessionV221ToV230, stopSessionV230ToV221, stopSessionV211ToV230, stopSessionV230ToV211],
      [
        "UnlockConnector",
        unlockConnectorV211ToV221,
        unlockConnectorV221ToV211,
        unlockConnectorV221ToV230,
        unlockConnectorV230ToV221,
        unlockConnectorV211ToV230,
        unlockConnectorV230ToV211,
      ],
      [
        "CommandResponse",
        commandResponseV211ToV221,
        commandResponseV221ToV211,
        commandResponseV221ToV230,
        commandResponseV230ToV221,
        commandResponseV211ToV230,
        commandResponseV230ToV211,
      ],
    ] as const
  ).flatMap(([schema, up1, down1, up2, down2, up12, down21]) => [
    {
      schema,
      from: "2.1.1" as const,
      to: "2.2.1" as const,
      convert: ((v: never) => up1(v, { owner: OWNER })) as Converter,
    },
    { schema, from: "2.2.1" as const, to: "2.1.1" as const, convert: ((v: never) => down1(v)) as Converter },
    { schema, from: "2.2.1" as const, to: "2.3.0" as const, convert: up2 as Converter },
    { schema, from: "2.3.0" as const, to: "2.2.1" as const, convert: down2 as Converter },
    {
      schema,
      from: "2.1.1" as const,
      to: "2.3.0" as const,
      convert: ((v: never) => up12(v, { owner: OWNER })) as Converter,
    },
    { schema, from: "2.3.0" as const, to: "2.1.1" as const, convert: ((v: never) => down21(v)) as Converter },
  ]),
  { schema: "CommandResponse", target: "CommandResult", from: "2.1.1", to: "2.2.1", convert: commandResultV211ToV221 },
  { schema: "CommandResult", target: "CommandResponse", from: "2.2.1", to: "2.1.1", convert: commandResultV221ToV211 },
  { schema: "CommandResult", from: "2.2.1", to: "2.3.0", convert: commandResultV221ToV230 },
  { schema: "CommandResult", from: "2.3.0", to: "2.2.1", convert: commandResultV230ToV221 },
  { schema: "CommandResponse", target: "CommandResult", from: "2.1.1", to: "2.3.0", convert: commandResultV211ToV230 },
  { schema: "CommandResult", target: "CommandResponse", from: "2.3.0", to: "2.1.1", convert: commandResultV230ToV211 },
  { schema: "CancelReservation", from: "2.2.1", to: "2.3.0", convert: cancelReservationV221ToV230 },
  { schema: "CancelReservation", from: "2.3.0", to: "2.2.1", convert: cancelReservationV230ToV221 },
];

describeConversions("commands", CONVERSIONS);

const TRIPS: RoundTripCase[] = [
  {
    schema: "StartSession",
    path: "2.2.1 → 2.1.1 → 2.2.1",
    version: "2.2.1",
    there: startSessionV221ToV211,
    back: (c: V211.StartSession, original: V221.StartSession) => startSessionV211ToV221(c, { owner: ownerOf(original.token) }),
    lossy: { "minimal start session": ["/token/type"] },
  },
  {
    schema: "StartSession",
    path: "2.2.1 → 2.3.0 → 2.2.1",
    version: "2.2.1",
    there: startSessionV221ToV230,
    back: startSessionV230ToV221,
  },
  {
    schema: "StartSession",
    path: "2.3.0 → 2.2.1 → 2.3.0",
    version: "2.3.0",
    there: startSessionV230ToV221,
    back: startSessionV221ToV230,
    lossy: { "start session with an EMAID token": ["/token/type"] },
  },
  {
    schema: "ReserveNow",
    path: "2.2.1 → 2.1.1 → 2.2.1",
    version: "2.2.1",
    there: (c: V221.ReserveNow) => reserveNowV221ToV211(c),
    back: (c: V211.ReserveNow, original: V221.ReserveNow) => reserveNowV211ToV221(c, { owner: ownerOf(original.token) }),
    lossy: { "minimal reserve now": ["/token/type", "/reservation_id"], "full reserve now": ["/reservation_id"] },
  },
  {
    schema: "ReserveNow",
    path: "2.2.1 → 2.3.0 → 2.2.1",
    version: "2.2.1",
    there: reserveNowV221ToV230,
    back: reserveNowV230ToV221,
  },
  {
    schema: "ReserveNow",
    path: "2.3.0 → 2.2.1 → 2.3.0",
    version: "2.3.0",
    there: reserveNowV230ToV221,
    back: reserveNowV221ToV230,
  },
  {
    schema: "StopSession",
    path: "2.2.1 → 2.1.1 → 2.2.1",
    version: "2.2.1",
    there: stopSessionV221ToV211,
    back: stopSessionV211ToV221,
  },
  {
    schema: "StopSession",
    path: "2.2.1 → 2.3.0 → 2.2.1",
    version: "2.2.1",
    there: stopSessionV221ToV230,
    back: stopSessionV230ToV221,
  },
  {
    schema: "StopSession",
    path: "2.3.0 → 2.2.1 → 2.3.0",
    version: "2.3.0",
    there: stopSessionV230ToV221,
    back: stopSessionV221ToV230,
  },
  {
    schema: "UnlockConnector",
    path: "2.2.1 → 2.1.1 → 2.2.1",
    version: "2.2.1",
    there: unlockConnectorV221ToV211,
    back: unlockConnectorV211ToV221,
  },
  {
    schema: "UnlockConnector",
    path: "2.2.1 → 2.3.0 → 2.2.1",
    version: "2.2.1",
    there: unlockConnectorV221ToV230,
    back: unlockConnectorV230ToV221,
  },
  {
    schema: "UnlockConnector",
    path: "2.3.0 → 2.2.1 → 2.3.0",
    version: "2.3.0",
    there: unlockConnectorV230ToV221,
    back: unlockConnectorV221ToV230,
  },
  {
    schema: "CancelReservation",
    path: "2.2.1 → 2.3.0 → 2.2.1",
    version: "2.2.1",
    there: cancelReservationV221ToV230,
    back: cancelReservationV230ToV221,
  },
  {
    schema: "CancelReservation",
    path: "2.3.0 → 2.2.1 → 2.3.0",
    version: "2.3.0",
    there: cancelReservationV230ToV221,
    back: cancelReservationV221ToV230,
  },
  {
    schema: "CommandResponse",
    path: "2.2.1 → 2.1.1 → 2.2.1",
    version: "2.2.1",
    there: commandResponseV221ToV211,
    back: (r: V211.CommandResponse, original: V221.CommandResponse) => commandResponseV211ToV221(r, { timeout: original.timeout }),
  },
  {
    schema: "CommandResponse",
    path: "2.2.1 → 2.3.0 → 2.2.1",
    version: "2.2.1",
    there: commandResponseV221ToV230,
    back: commandResponseV230ToV221,
  },
  {
    schema: "CommandResponse",
    path: "2.3.0 → 2.2.1 → 2.3.0",
    version: "2.3.0",
    there: commandResponseV230ToV221,
    back: commandResponseV221ToV230,
  },
  {
    schema: "CommandResult",
    path: "2.2.1 → 2.1.1 → 2.2.1",
    version: "2.2.1",
    there: commandResultV221ToV211,
    back: commandResultV211ToV221,
    lossy: { "full command result": ["/result"] },
  },
  {
    schema: "CommandResult",
    path: "2.2.1 → 2.3.0 → 2.2.1",
    version: "2.2.1",
    there: commandResultV221ToV230,
    back: commandResultV230ToV221,
  },
  {
    schema: "CommandResult",
    path: "2.3.0 → 2.2.1 → 2.3.0",
    version: "2.3.0",
    there: commandResultV230ToV221,
    back: commandResultV221ToV230,
  },
];

describeRoundTrips("commands", TRIPS);

// ---------------------------------------------------------------------------------------------------------------

describe("StartSession", () => {
  it("2.1.1 → 2.2.1 converts the token, its notes under /token", () => {
    const command = fixture<V211.StartSession>("2.1.1", "StartSession", "full start session");
    const { value, notes } = startSessionV211ToV221(command, { owner: OWNER });
    expect(value).toStrictEqual({
      ...command,
      token: {
        country_code: "NL",
        party_id: "EVC",
        uid: command.token.uid,
        type: "RFID",
        contract_id: command.token.auth_id,
        issuer: command.token.issuer,
        valid: true,
        whitelist: "ALLOWED",
        last_updated: command.token.last_updated,
      },
    });
    expect(sortNotes(notes)).toStrictEqual(["changed /token/auth_id", "defaulted /token/country_code", "defaulted /token/party_id"]);
  });

  it("2.1.1 → 2.2.1 refuses an EVSE uid longer than 36 characters", () => {
    const command = fixture<V211.StartSession>("2.1.1", "StartSession", "full start session");
    expect(() => startSessionV211ToV221({ ...command, evse_uid: "E".repeat(39) }, { owner: OWNER })).toThrow(/evse_uid/);
  });

  it("2.2.1 → 2.1.1 drops connector_id and authorization_reference", () => {
    const command = fixture<V221.StartSession>("2.2.1", "StartSession", "full start session");
    const { value, notes } = startSessionV221ToV211(command);
    expect(value).not.toHaveProperty("connector_id");
    expect(value).not.toHaveProperty("authorization_reference");
    expect(value.evse_uid).toBe("DE*XYZ*E0203*2");
    expect(sortNotes(notes)).toStrictEqual([
      "changed /token/contract_id",
      "dropped /authorization_reference",
      "dropped /connector_id",
      "dropped /token/country_code",
      "dropped /token/default_profile_type",
      "dropped /token/energy_contract",
      "dropped /token/group_id",
      "dropped /token/party_id",
    ]);
  });

  it("2.3.0 → 2.2.1 maps an EMAID token to OTHER", () => {
    const command = fixture<V230.StartSession>("2.3.0", "StartSession", "start session with an EMAID token");
    const { value, notes } = startSessionV230ToV221(command);
    expect(value).toStrictEqual({ ...command, token: { ...command.token, type: "OTHER" } });
    expect(notes).toStrictEqual([{ kind: "changed", pointer: "/token/type", detail: expect.stringContaining("EMAID") }]);
  });

  it("2.3.0 → 2.1.1 notes the token's type once", () => {
    const command = fixture<V230.StartSession>("2.3.0", "StartSession", "start session with an EMAID token");
    const { value, notes } = startSessionV230ToV211(command);
    expect(value.token.type).toBe("OTHER");
    expect(sortNotes(notes)).toStrictEqual(["changed /token/contract_id", "changed /token/type", "dropped /token/country_code", "dropped /token/party_id"]);
  });
});

describe("ReserveNow", () => {
  const full211 = fixture<V211.ReserveNow>("2.1.1", "ReserveNow", "full reserve now");
  const full221 = fixture<V221.ReserveNow>("2.2.1", "ReserveNow", "full reserve now");

  it("2.1.1 → 2.2.1 writes the reservation id as a string", () => {
    const { value, notes } = reserveNowV211ToV221(full211, { owner: OWNER });
    expect(value.reservation_id).toBe("8813");
    expect(pointersOf(notes, "changed")).toContain("/reservation_id");
  });

  it("2.2.1 → 2.1.1 reads an integer reservation id as an integer", () => {
    const { value, notes } = reserveNowV221ToV211({ ...full221, reservation_id: "8813" });
    expect(value.reservation_id).toBe(8813);
    expect(pointersOf(notes, "changed")).toContain("/reservation_id");
    expect(pointersOf(notes, "dropped")).toContain("/authorization_reference");
  });

  it("2.2.1 → 2.1.1 takes another reservation id from the context", () => {
    const { value, notes } = reserveNowV221ToV211(full221, { reservation_id: 77 });
    expect(value.reservation_id).toBe(77);
    expect(notes.find((n) => n.pointer === "/reservation_id")?.detail).toContain("context");
  });

  it("2.2.1 → 2.1.1 derives a stable number from another reservation id", () => {
    const a = reserveNowV221ToV211(full221).value.reservation_id;
    const b = reserveNowV221ToV211(full221).value.reservation_id;
    const c = reserveNowV221ToV211({ ...full221, reservation_id: "RSV-000920" }).value.reservation_id;
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    for (const id of [a, c]) {
      expect(Number.isInteger(id)).toBe(true);
      expect(id).toBeGreaterThanOrEqual(0);
      expect(id).toBeLessThanOrEqual(2 ** 31 - 1);
    }
  });

  it("2.2.1 → 2.1.1 does not read a zero-padded id as an integer", () => {
    const { value } = reserveNowV221ToV211({ ...full221, reservation_id: "007" }, { reservation_id: 7007 });
    expect(value.reservation_id).toBe(7007);
  });
});

describe("UnlockConnector and StopSession", () => {
  it("2.1.1 → 2.2.1 refuses a location id longer than 36 characters", () => {
    const command = fixture<V211.UnlockConnector>("2.1.1", "UnlockConnector", "unlock connector");
    expect(() => unlockConnectorV211ToV221({ ...command, location_id: "L".repeat(37) })).toThrow(RangeError);
  });

  it("carry every field and unknown ones over unnoted", () => {
    const command = { ...fixture<V221.StopSession>("2.2.1", "StopSession", "stop session"), x_reason: "user" };
    expect(stopSessionV221ToV211(command)).toStrictEqual({ value: command, notes: [] });
    expect(stopSessionV211ToV230(command)).toStrictEqual({ value: command, notes: [] });
  });
});

describe("CommandResponse", () => {
  it("2.1.1 → 2.2.1 takes the timeout from the context, else the default", () => {
    expect(commandResponseV211ToV221({ result: "ACCEPTED" })).toStrictEqual({
      value: { result: "ACCEPTED", timeout: DEFAULT_COMMAND_TIMEOUT },
      notes: [{ kind: "defaulted", pointer: "/timeout", detail: expect.any(String) }],
    });
    expect(commandResponseV211ToV221({ result: "ACCEPTED" }, { timeout: 120 }).value.timeout).toBe(120);
  });

  it("2.1.1 → 2.2.1 maps TIMEOUT to REJECTED", () => {
    const { value, notes } = commandResponseV211ToV221({ result: "TIMEOUT" });
    expect(value.result).toBe("REJECTED");
    expect(sortNotes(notes)).toStrictEqual(["changed /result", "defaulted /timeout"]);
  });

  it("2.2.1 → 2.1.1 drops timeout and message", () => {
    const response = fixture<V221.CommandResponse>("2.2.1", "CommandResponse", "full command response");
    const { value, notes } = commandResponseV221ToV211(response);
    expect(value).toStrictEqual({ result: "REJECTED" });
    expect(sortNotes(notes)).toStrictEqual(["dropped /message", "dropped /timeout"]);
  });

  it("2.3.0 → 2.1.1 composes the steps", () => {
    const response = fixture<V230.CommandResponse>("2.3.0", "CommandResponse", "minimal command response");
    expect(commandResponseV230ToV211(response)).toStrictEqual({
      value: { result: "ACCEPTED" },
      notes: [{ kind: "dropped", pointer: "/timeout", detail: expect.any(String) }],
    });
  });
});

describe("CommandResult", () => {
  it("2.1.1 → 2.2.1 maps UNKNOWN_SESSION to REJECTED and keeps the others", () => {
    expect(commandResultV211ToV221({ result: "UNKNOWN_SESSION" })).toStrictEqual({
      value: { result: "REJECTED" },
      notes: [{ kind: "changed", pointer: "/result", detail: expect.any(String) }],
    });
    for (const result of ["ACCEPTED", "NOT_SUPPORTED", "REJECTED", "TIMEOUT"] as const) {
      expect(commandResultV211ToV221({ result })).toStrictEqual({ value: { result }, notes: [] });
    }
  });

  it.each([
    ["ACCEPTED", "ACCEPTED"],
    ["CANCELED_RESERVATION", "REJECTED"],
    ["EVSE_OCCUPIED", "REJECTED"],
    ["EVSE_INOPERATIVE", "REJECTED"],
    ["FAILED", "REJECTED"],
    ["NOT_SUPPORTED", "NOT_SUPPORTED"],
    ["REJECTED", "REJECTED"],
    ["TIMEOUT", "TIMEOUT"],
    ["UNKNOWN_RESERVATION", "REJECTED"],
  ] as const)("2.2.1 → 2.1.1 gives %s as %s", (result, expected) => {
    const { value, notes } = commandResultV221ToV211({ result });
    expect(value).toStrictEqual({ result: expected });
    expect(pointersOf(notes, "changed")).toStrictEqual(result === expected ? [] : ["/result"]);
  });

  it("2.2.1 → 2.1.1 drops the message", () => {
    const result = fixture<V221.CommandResult>("2.2.1", "CommandResult", "full command result");
    expect(sortNotes(commandResultV221ToV211(result).notes)).toStrictEqual(["changed /result", "dropped /message"]);
  });

  it("2.1.1 → 2.3.0 gives a 2.3.0 CommandResult", () => {
    expect(commandResultV211ToV230({ result: "TIMEOUT" })).toStrictEqual({ value: { result: "TIMEOUT" }, notes: [] });
  });
});
