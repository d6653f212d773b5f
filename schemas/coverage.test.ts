// Every object, class, type and enum the specification defines has a schema of that exact name, in the file of
// the chapter that defines it. The lists follow the spec's own headings.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadVersion, openEnumValues } from "../codegen/src/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));

const SPEC_NAMES: Record<string, Record<string, string[]>> = {
  "2.2.1": {
    common: ["CiString", "DateTime", "DisplayText", "number", "Price", "Role", "string", "URL"],
    versions: ["Version", "VersionDetails", "Endpoint", "InterfaceRole", "ModuleID", "VersionNumber"],
    credentials: ["Credentials", "CredentialsRole"],
    transport: ["OcpiResponse"],
    locations: [
      "Location",
      "EVSE",
      "Connector",
      "AdditionalGeoLocation",
      "BusinessDetails",
      "Capability",
      "ConnectorFormat",
      "ConnectorType",
      "EnergyMix",
      "EnergySource",
      "EnergySourceCategory",
      "EnvironmentalImpact",
      "EnvironmentalImpactCategory",
      "ExceptionalPeriod",
      "Facility",
      "GeoLocation",
      "Hours",
      "Image",
      "ImageCategory",
      "ParkingRestriction",
      "ParkingType",
      "PowerType",
      "PublishTokenType",
      "RegularHours",
      "Status",
      "StatusSchedule",
    ],
    sessions: ["Session", "ChargingPreferences", "ChargingPreferencesResponse", "ProfileType", "SessionStatus"],
    cdrs: ["CDR", "AuthMethod", "CdrDimension", "CdrDimensionType", "CdrLocation", "CdrToken", "ChargingPeriod", "SignedData", "SignedValue"],
    tariffs: [
      "Tariff",
      "DayOfWeek",
      "PriceComponent",
      "ReservationRestrictionType",
      "TariffElement",
      "TariffDimensionType",
      "TariffRestrictions",
      "TariffType",
    ],
    tokens: ["AuthorizationInfo", "Token", "AllowedType", "EnergyContract", "LocationReferences", "TokenType", "WhitelistType"],
    commands: [
      "CancelReservation",
      "CommandResponse",
      "CommandResult",
      "ReserveNow",
      "StartSession",
      "StopSession",
      "UnlockConnector",
      "CommandResponseType",
      "CommandResultType",
      "CommandType",
    ],
    chargingprofiles: [
      "ChargingProfileResponse",
      "ActiveChargingProfileResult",
      "ChargingProfileResult",
      "ClearProfileResult",
      "SetChargingProfile",
      "ActiveChargingProfile",
      "ChargingRateUnit",
      "ChargingProfile",
      "ChargingProfilePeriod",
      "ChargingProfileResponseType",
      "ChargingProfileResultType",
    ],
    hubclientinfo: ["ClientInfo", "ConnectionStatus"],
  },
  "2.1.1": {
    common: ["CiString", "DateTime", "DisplayText", "number", "string", "URL"],
    versions: ["Version", "VersionDetails", "Endpoint", "ModuleID", "VersionNumber"],
    credentials: ["Credentials"],
    transport: ["OcpiResponse"],
    locations: [
      "Location",
      "EVSE",
      "Connector",
      "AdditionalGeoLocation",
      "BusinessDetails",
      "Capability",
      "ConnectorFormat",
      "ConnectorType",
      "EnergyMix",
      "EnergySource",
      "EnergySourceCategory",
      "EnvironmentalImpact",
      "EnvironmentalImpactCategory",
      "ExceptionalPeriod",
      "Facility",
      "GeoLocation",
      "Hours",
      "Image",
      "ImageCategory",
      "LocationType",
      "ParkingRestriction",
      "PowerType",
      "RegularHours",
      "Status",
      "StatusSchedule",
    ],
    sessions: ["Session", "SessionStatus"],
    cdrs: ["CDR", "AuthMethod", "CdrDimension", "CdrDimensionType", "ChargingPeriod"],
    tariffs: ["Tariff", "DayOfWeek", "PriceComponent", "TariffElement", "TariffDimensionType", "TariffRestrictions"],
    tokens: ["AuthorizationInfo", "Token", "Allowed", "LocationReferences", "TokenType", "WhitelistType"],
    commands: ["CommandResponse", "ReserveNow", "StartSession", "StopSession", "UnlockConnector", "CommandResponseType", "CommandType"],
  },
  "2.3.0": {
    common: ["CiString", "DateTime", "DisplayText", "number", "Price", "TaxAmount", "Role", "string", "URL"],
    versions: ["Version", "VersionDetails", "Endpoint", "InterfaceRole", "ModuleID", "VersionNumber"],
    credentials: ["Credentials", "CredentialsRole"],
    transport: ["OcpiResponse"],
    locations: [
      "Location",
      "EVSE",
      "Connector",
      "Parking",
      "AdditionalGeoLocation",
      "BusinessDetails",
      "Capability",
      "ConnectorCapability",
      "ConnectorFormat",
      "ConnectorType",
      "EnergyMix",
      "EnergySource",
      "EnergySourceCategory",
      "EnvironmentalImpact",
      "EnvironmentalImpactCategory",
      "EVSEParking",
      "EVSEPosition",
      "ExceptionalPeriod",
      "Facility",
      "GeoLocation",
      "Hours",
      "Image",
      "ImageCategory",
      "ParkingDirection",
      "ParkingRestriction",
      "ParkingType",
      "PowerType",
      "PublishTokenType",
      "RegularHours",
      "Status",
      "StatusSchedule",
      "VehicleType",
    ],
    sessions: ["Session", "ChargingPreferences", "ChargingPreferencesResponse", "ProfileType", "SessionStatus"],
    cdrs: ["CDR", "AuthMethod", "CdrDimension", "CdrDimensionType", "CdrLocation", "CdrToken", "ChargingPeriod", "SignedData", "SignedValue"],
    tariffs: [
      "Tariff",
      "DayOfWeek",
      "PriceComponent",
      "PriceLimit",
      "ReservationRestrictionType",
      "TariffElement",
      "TariffDimensionType",
      "TariffRestrictions",
      "TariffType",
      "TaxIncluded",
    ],
    tokens: ["AuthorizationInfo", "Token", "AllowedType", "EnergyContract", "LocationReferences", "TokenType", "WhitelistType"],
    commands: [
      "CancelReservation",
      "CommandResponse",
      "CommandResult",
      "ReserveNow",
      "StartSession",
      "StopSession",
      "UnlockConnector",
      "CommandResponseType",
      "CommandResultType",
      "CommandType",
    ],
    chargingprofiles: [
      "ChargingProfileResponse",
      "ActiveChargingProfileResult",
      "ChargingProfileResult",
      "ClearProfileResult",
      "SetChargingProfile",
      "ActiveChargingProfile",
      "ChargingRateUnit",
      "ChargingProfile",
      "ChargingProfilePeriod",
      "ChargingProfileResponseType",
      "ChargingProfileResultType",
    ],
    hubclientinfo: ["ClientInfo", "ConnectionStatus"],
    payments: ["Terminal", "FinancialAdviceConfirmation", "InvoiceCreator", "CaptureStatusCode"],
  },
};

/** Objects a receiver interface lets a sender PATCH. */
const PATCHABLE: Record<string, string[]> = {
  "2.1.1": ["Location", "EVSE", "Connector", "Session", "Tariff", "Token"],
  "2.2.1": ["Location", "EVSE", "Connector", "Session", "Token"],
  "2.3.0": ["Location", "EVSE", "Connector", "Session", "Token", "Terminal"],
};

/** The spec's OpenEnums (OCPI 2.3): any string is valid, so these must not be closed enums. */
const OPEN_ENUMS: Record<string, string[]> = {
  "2.3.0": [
    "ModuleID",
    "VersionNumber",
    "Capability",
    "ConnectorCapability",
    "ConnectorType",
    "EnvironmentalImpactCategory",
    "Facility",
    "ImageCategory",
    "ParkingRestriction",
    "ParkingType",
    "VehicleType",
    "TokenType",
    "CommandType",
  ],
};

describe.each(Object.keys(SPEC_NAMES))("OCPI %s schemas", (version) => {
  it.each(Object.entries(SPEC_NAMES[version]!))("%s.json defines every name of its chapter", async (file, names) => {
    const model = await loadVersion(path.join(here, version), version);
    const defined = model.schemas.filter((s) => s.file === file).map((s) => s.name);
    expect(defined).toEqual(expect.arrayContaining(names));
  });

  it.skipIf(!OPEN_ENUMS[version])("writes every OpenEnum as one, accepting any string", async () => {
    const model = await loadVersion(path.join(here, version), version);
    for (const name of OPEN_ENUMS[version] ?? []) {
      const named = model.schemas.find((s) => s.name === name);
      expect(named && openEnumValues(named.schema), name).toEqual(expect.arrayContaining([expect.any(String)]));
    }
  });

  it("has a Patch schema for exactly the objects a receiver may PATCH", async () => {
    const model = await loadVersion(path.join(here, version), version);
    const patches = model.schemas.filter((s) => s.kind === "patch").map((s) => s.patchOf);
    expect(patches.sort()).toEqual([...PATCHABLE[version]!].sort());
  });
});
