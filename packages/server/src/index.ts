export { createOcpiServer, OcpiServer } from "./runtime/server.js";
export type { OcpiServerOptions, ServerEvent } from "./runtime/server.js";
export type { DocsOptions, DocsScript, VersionDocuments } from "./runtime/docs.js";
export { jsonLogger } from "@ocpi-sdk/protocol";
export type { JsonLoggerOptions, Logger, LogLevel } from "@ocpi-sdk/protocol";
export { OcpiHttpError } from "./runtime/errors.js";
export { etagOf } from "./runtime/etag.js";
export { forwardedFor, OPEN_DATA_PARTY } from "./runtime/extensions.js";
export type {
  ExtensionHandlers,
  OpenDataOptions,
  RateLimit,
  ReceiverBulkModule,
  ReceiverDeleteModule,
  ReceiverListHandler,
  ServerExtensions,
  TokenDeleteHandler,
} from "./runtime/extensions.js";
export { createOcpiHub, HubStatus, OcpiHub } from "./runtime/hub.js";
export type { ClientInfo, ConnectionStatus, OcpiHubOptions } from "./runtime/hub.js";
export { CredentialsService } from "./runtime/credentials.js";
export { DEFAULT_DELIVERY_POLICY, isRetryable, Outbox } from "./runtime/outbox.js";
export type { DeliveryPolicy, OutboxEvent, OutboxOptions } from "./runtime/outbox.js";
export { PushError } from "./runtime/push.js";
export type {
  ActiveChargingProfileResultOf,
  ChargingProfileOf,
  ChargingProfileResponseOf,
  ChargingProfileResultOf,
  ChargingProfilesVersion,
  ClearProfileResultOf,
  CommandRequestOf,
  CommandResponseOf,
  CommandResultOf,
  CommandTypeOf,
  ExpectedResult,
  ExpectedResultEvent,
  ExpectedResultState,
  ExpectedResultsOptions,
  PendingRequest,
  SendRequestOptions,
  TimedOutRequest,
  TimeoutResult,
} from "./runtime/pending.js";
export { sync, startSync, syncCursor, SyncError, SYNC_MODULES, SYNC_CURSORS } from "./runtime/sync.js";
export type { SyncClient, SyncModule, SyncOptions, SyncProgress, SyncRunner, SyncRunnerOptions, SyncSummary } from "./runtime/sync.js";
export type { LocationPart, PushModule } from "./runtime/push.js";
export { RawJson, RawJsonList } from "./runtime/routes.js";
export { SERVER_VERSIONS } from "./runtime/versions.js";
export type { HandlersByVersion, HandlersOf, ServedVersion } from "./runtime/versions.js";
export { ConversionError, VersionBridge } from "./runtime/bridge.js";
export type { BridgeOptions, ConversionRequest } from "./runtime/bridge.js";
export type { AsyncReply, Caller, OcpiRequest, Page, PageRequest, ParamCheck, RouteInfo } from "./runtime/routes.js";
export { routes, version } from "./generated/2.2.1/index.gen.js";
export type * from "./generated/2.2.1/index.gen.js";
export { storeHandlers, saveObject, received } from "./handlers/store-handlers.js";
export type { StoreHandlersOptions } from "./handlers/store-handlers.js";
export type {
  Delivery,
  DeliveryCount,
  DeliveryFailure,
  DeliveryOutcome,
  DeliveryQuery,
  NewDelivery,
  ObjectKey,
  ObjectPage,
  ObjectQuery,
  PartyRecord,
  PeerEndpoint,
  PeerRole,
  Store,
  StoredJson,
  StoredObject,
  WriteOptions,
} from "./store/store.js";
export { MemoryStore } from "./store/memory.js";
export type { JournalHost, JournalStorage, MemoryStoreOptions, SnapshotStorage, StoreJournal } from "./store/memory.js";
export { PostgresStore } from "./store/postgres.js";
export { connectPg, fromPgPool, fromPglite } from "./store/sql.js";
export type { PgConnection, PgliteDatabase, PgPool, PgPoolClient, PgPoolConfig, SqlClient } from "./store/sql.js";
