// The public face of @ocpi-sdk/converters: every converter, its context types, the defaults those contexts name, and
// the types every converter returns. Helpers marked @internal in the modules (and the module shared.ts) stay out.

// What every converter returns
export { Notes } from "./conversion.js";
export type { Conversion, ConversionNote, ConversionNoteKind, Owner } from "./conversion.js";

// Lookup by object name and versions
export { CONVERTIBLE, conversionName, convertObject, converterFor, convertPatch, needsCurrent, partyContext } from "./registry.js";
export type { ConversionContext, ConvertibleName, OcpiVersion } from "./registry.js";

// Location, EVSE, Connector
export {
  connectorV211ToV221,
  connectorV211ToV230,
  connectorV221ToV211,
  connectorV221ToV230,
  connectorV230ToV211,
  connectorV230ToV221,
  DEFAULT_TIME_ZONE,
  evseV211ToV221,
  evseV211ToV230,
  evseV221ToV211,
  evseV221ToV230,
  evseV230ToV211,
  evseV230ToV221,
  locationV211ToV221,
  locationV211ToV230,
  locationV221ToV211,
  locationV221ToV230,
  locationV230ToV211,
  locationV230ToV221,
  sixDecimals,
  toPrintableAscii,
} from "./locations.js";
export type { LocationV211Context } from "./locations.js";

// Session, SessionPatch, ChargingPreferences
export {
  chargingPreferencesV221ToV230,
  chargingPreferencesV230ToV221,
  sessionPatchV211ToV221,
  sessionPatchV211ToV230,
  sessionPatchV221ToV211,
  sessionPatchV221ToV230,
  sessionPatchV230ToV211,
  sessionPatchV230ToV221,
  sessionV211ToV221,
  sessionV211ToV230,
  sessionV221ToV211,
  sessionV221ToV230,
  sessionV230ToV211,
  sessionV230ToV221,
} from "./sessions.js";
export type {
  SessionPatchV211ToV221Context,
  SessionPatchV221ToV211Context,
  SessionV211ToV221Context,
  SessionV221ToV211Context,
} from "./sessions.js";

// CDR, and the Price it shares with Session
export {
  cdrV211ToV221,
  cdrV211ToV230,
  cdrV221ToV211,
  cdrV221ToV230,
  cdrV230ToV211,
  cdrV230ToV221,
  DEFAULT_CONNECTOR,
  fallbackConnectorStandard,
  NA,
  priceV221ToV230,
  priceV230ToV221,
  VAT,
} from "./cdrs.js";
export type {
  CdrTokenContext,
  CdrV211ToV221Context,
  CdrV211ToV230Context,
  CdrV221ToV211Context,
  CdrV221ToV230Context,
  CdrV230ToV211Context,
  CdrV230ToV221Context,
  ConnectorContext,
  TariffConverter,
} from "./cdrs.js";

// Tariff
export {
  DEFAULT_TAX_INCLUDED,
  tariffV211ToV221,
  tariffV211ToV230,
  tariffV221ToV211,
  tariffV221ToV230,
  tariffV230ToV211,
  tariffV230ToV221,
} from "./tariffs.js";
export type { TariffV211ToV221Context, TariffV211ToV230Context, TariffV221ToV230Context } from "./tariffs.js";

// Token, AuthorizationInfo, LocationReferences
export {
  authorizationInfoV211ToV221,
  authorizationInfoV211ToV230,
  authorizationInfoV221ToV211,
  authorizationInfoV221ToV230,
  authorizationInfoV230ToV211,
  authorizationInfoV230ToV221,
  locationReferencesV211ToV221,
  locationReferencesV211ToV230,
  locationReferencesV221ToV211,
  locationReferencesV221ToV230,
  locationReferencesV230ToV211,
  locationReferencesV230ToV221,
  tokenV211ToV221,
  tokenV211ToV230,
  tokenV221ToV211,
  tokenV221ToV230,
  tokenV230ToV211,
  tokenV230ToV221,
} from "./tokens.js";
export type {
  AuthorizationInfoV211ToV221Context,
  AuthorizationInfoV211ToV230Context,
  TokenV211Context,
} from "./tokens.js";

// Credentials
export {
  credentialsV211ToV221,
  credentialsV211ToV230,
  credentialsV221ToV211,
  credentialsV221ToV230,
  credentialsV230ToV211,
  credentialsV230ToV221,
} from "./credentials.js";
export type {
  CredentialsV211ToV221Context,
  CredentialsV211ToV230Context,
  CredentialsV221ToV211Context,
  CredentialsV230ToV211Context,
} from "./credentials.js";

// Commands: StartSession, StopSession, ReserveNow, UnlockConnector, CancelReservation, CommandResponse, CommandResult
export {
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
export type { CommandResponseV211ToV221Context, CommandV211Context, ReserveNowV221ToV211Context } from "./commands.js";
