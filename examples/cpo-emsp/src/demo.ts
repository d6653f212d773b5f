/**
 * The whole OCPI flow between a CPO and an eMSP on localhost, built on the SDK's packages only: registration,
 * paged pulls, pushes, and a remote start with its asynchronous result.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { base64Encode, jsonLogger } from "@ocpi-sdk/protocol";
import { createOcpiServer, PushError, received, saveObject, storeHandlers, type OcpiServer, type PartyRecord } from "@ocpi-sdk/server";
import { apiReferenceScript, listen, MemoryStore, type Listening } from "@ocpi-sdk/server/node";
import type { CredentialsRole } from "@ocpi-sdk/types/2.2.1";
import { demoLocations, demoTariffs, demoToken } from "./data.js";

export const CPO: CredentialsRole = {
  role: "CPO",
  country_code: "NL",
  party_id: "DCP",
  business_details: { name: "Demo Charge Point Operator", website: "https://cpo.example.com" },
};
export const EMSP: CredentialsRole = { role: "EMSP", country_code: "NL", party_id: "DMS", business_details: { name: "Demo e-Mobility Service Provider" } };

export interface DemoOptions {
  /** Where both nodes keep their data between runs. */
  dataDir: string;
  /** The CPO's port: given, that one (0: any free one) or an error; not given, 3001 or a free one when it is taken. */
  cpoPort?: number;
  /** The eMSP's port, as cpoPort (default 3002). */
  emspPort?: number;
  /** Locations the CPO starts with. */
  locations?: number;
  log?: (line: string) => void;
}

export interface Demo {
  cpo: Listening<OcpiServer>;
  emsp: Listening<OcpiServer>;
  close(): Promise<void>;
}

/** Listens on the port asked for; on the default one, or on any free one when that is taken. */
async function listenOn(
  asked: number | undefined,
  fallback: number,
  build: (url: string) => OcpiServer,
  log: (line: string) => void,
): Promise<Listening<OcpiServer>> {
  if (asked !== undefined) return listen(build, { port: asked });
  try {
    return await listen(build, { port: fallback });
  } catch {
    const listening = await listen(build, { port: 0 });
    log(`      port ${fallback} is taken: listening on ${listening.port} instead`);
    return listening;
  }
}

/**
 * Waits until the outbox holds nothing for one party: unlike `idle()`, a node of the user's that registered with
 * the demo in an earlier run and is down now (its deliveries are retried for hours) does not hold the demo up.
 */
async function deliveredTo(server: OcpiServer, partyId: string): Promise<void> {
  for (const deadline = Date.now() + 30_000; ; ) {
    await server.outbox.drain();
    const counts = await server.outbox.counts();
    if (!counts.some((c) => c.partyId === partyId && c.state !== "dead" && c.count > 0)) return;
    if (Date.now() > deadline) throw new Error(`deliveries to ${partyId} still waiting after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function runDemo(options: DemoOptions): Promise<Demo> {
  const log = options.log ?? ((line: string) => console.log(line));
  const step = (n: number, text: string) => log(`\n[${n}/8] ${text}`);
  await mkdir(options.dataDir, { recursive: true });

  // -- The two nodes ------------------------------------------------------------------------------------------
  // Each node keeps its data in a folder: a snapshot and a journal, so a write costs the same however much it holds.
  const cpoStore = await MemoryStore.open({ directory: path.join(options.dataDir, "cpo") });
  const emspStore = await MemoryStore.open({ directory: path.join(options.dataDir, "emsp") });

  // The API reference of each node (/ocpi/<version>/docs), its script served by the node itself: no CDN.
  const docs = { script: apiReferenceScript() };
  // The demo prints its own steps: the nodes log only warnings and errors (one JSON line each).
  const logger = jsonLogger({ level: "warn" });
  const cpo = await listenOn(
    options.cpoPort,
    3001,
    (publicUrl) =>
      createOcpiServer({
        publicUrl,
        logger,
        roles: [CPO],
        store: cpoStore,
        // Both parties of the demo run on this machine: outgoing calls may reach loopback (denied by default).
        urlPolicy: { allowLoopback: true },
        // Handlers written against 2.2.1, served in every version: 2.1.1 and 2.3.0 peers go through the converters.
        versions: ["2.1.1", "2.2.1", "2.3.0"],
        docs,
        handlers: {
          ...storeHandlers(cpoStore, { roles: [CPO] }),
          commands: {
            receiver: {
              // A real CPO would talk OCPP to the charge point here; the demo's charge point says yes after a moment.
              startSession: async ({ body }) => ({
                response: { result: "ACCEPTED", timeout: 30 },
                result: new Promise((resolve) =>
                  setTimeout(() => resolve({ result: "ACCEPTED", message: [{ language: "en", text: `Session started at ${body.location_id}` }] }), 200),
                ),
              }),
              stopSession: async () => ({ response: { result: "ACCEPTED", timeout: 30 }, result: Promise.resolve({ result: "ACCEPTED" }) }),
              reserveNow: async () => ({ response: { result: "NOT_SUPPORTED", timeout: 0 } }),
              cancelReservation: async () => ({ response: { result: "NOT_SUPPORTED", timeout: 0 } }),
              unlockConnector: async () => ({ response: { result: "NOT_SUPPORTED", timeout: 0 } }),
            },
          },
        },
      }),
    log,
  );
  const emsp = await listenOn(
    options.emspPort,
    3002,
    (publicUrl) =>
      createOcpiServer({
        publicUrl,
        logger,
        roles: [EMSP],
        store: emspStore,
        urlPolicy: { allowLoopback: true },
        docs,
        handlers: storeHandlers(emspStore, { roles: [EMSP] }),
      }),
    log,
  );
  step(1, "A CPO serving OCPI 2.1.1, 2.2.1 and 2.3.0 (from 2.2.1 handlers) and a 2.2.1 eMSP are up");
  log(`      CPO  ${cpo.server.versionsUrl}   API reference ${cpo.url}/ocpi/2.3.0/docs`);
  log(`      eMSP ${emsp.server.versionsUrl}   API reference ${emsp.url}/ocpi/2.2.1/docs`);
  log(`      data ${options.dataDir}`);

  // -- Seed data (first run only) ------------------------------------------------------------------------------
  if ((await cpoStore.listObjects({ module: "locations", offset: 0, limit: 1 })).total === 0) {
    for (const location of demoLocations(options.locations ?? 120, CPO)) await saveObject(cpoStore, "locations", location.id, location);
    for (const tariff of demoTariffs(CPO)) await saveObject(cpoStore, "tariffs", tariff.id, tariff);
    const token = demoToken(EMSP);
    await saveObject(emspStore, "tokens", token.uid, token);
  }

  // -- Registration ------------------------------------------------------------------------------------------
  step(2, "Credentials handshake");
  const known = (await emspStore.listParties()).find((p) => p.status === "registered" && p.versionsUrl === cpo.server.versionsUrl);
  let party: PartyRecord;
  if (known) {
    party = await emsp.server.credentials.rotate(known);
    log(`      already registered: both tokens rotated with PUT /credentials`);
  } else {
    // The token may register only as the eMSP it is handed to: identity comes from the CPO, not from the request.
    const { token } = await cpo.server.credentials.createRegistrationToken({
      allowedRoles: [{ role: "EMSP", country_code: EMSP.country_code, party_id: EMSP.party_id }],
    });
    log(`      the CPO hands the eMSP a registration token (Token A) out of band, good for EMSP ${EMSP.country_code}/${EMSP.party_id} only`);
    party = await emsp.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token });
    log(`      eMSP -> CPO  POST /credentials with Token A; the CPO fetched the eMSP's versions, then answered with Token C`);
  }
  log(
    `      agreed on OCPI ${party.version}; the CPO offers ${party.endpoints.length} endpoints: ${party.endpoints.map((e) => `${e.identifier}${e.role ? `/${e.role.toLowerCase()}` : ""}`).join(", ")}`,
  );
  const cpoApi = emsp.server.credentials.clientFor(party, "2.2.1");
  const isDemoEmsp = (p: PartyRecord) =>
    p.status === "registered" && p.roles.some((r) => r.role === "EMSP" && r.country_code === EMSP.country_code && r.party_id === EMSP.party_id);
  const emspAtCpo = (await cpoStore.listParties()).find(isDemoEmsp)!.id;

  // -- Pull ------------------------------------------------------------------------------------------------------
  step(3, "The eMSP pulls every location and tariff, page by page");
  const locations = cpoApi.locations.sender.all({ limit: 50 });
  let pages = 0;
  let pulled = 0;
  for await (const page of locations.pages()) {
    pages++;
    for (const location of page.data) {
      await emspStore.putObject({
        module: received("locations"),
        country_code: location.country_code,
        party_id: location.party_id,
        id: location.id,
        last_updated: location.last_updated,
        data: location,
      });
      pulled++;
    }
    log(
      `      page ${pages}: ${page.data.length} locations (X-Total-Count ${page.totalCount}, X-Limit ${page.limit}${page.next ? ", Link: next" : ", last page"})`,
    );
  }
  const tariffs = await cpoApi.tariffs.sender.all().toArray();
  for (const tariff of tariffs)
    await emspStore.putObject({
      module: received("tariffs"),
      country_code: tariff.country_code,
      party_id: tariff.party_id,
      id: tariff.id,
      last_updated: tariff.last_updated,
      data: tariff,
    });
  log(`      ${pulled} locations and ${tariffs.length} tariffs (${tariffs.map((t) => t.id).join(", ")}) stored at the eMSP`);

  // -- Push ------------------------------------------------------------------------------------------------------
  step(4, "The CPO pushes an EVSE status change");
  const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  const changedAt = now();
  // The outbox changes the CPO's own copy and records one delivery per eMSP in one transaction; its worker sends it
  // (and would retry while the eMSP is down, in order, surviving a restart).
  const to = await cpo.server.outbox.patch(
    "locations",
    { country_code: CPO.country_code, party_id: CPO.party_id, id: "LOC0001", evse_uid: "LOC0001-E1" },
    { status: "CHARGING", last_updated: changedAt },
  );
  await deliveredTo(cpo.server, emspAtCpo);
  const evse = await cpoApi.locations.sender.getEvse({ location_id: "LOC0001", evse_uid: "LOC0001-E1" });
  const stored = (await emspStore.getObject<{ evses: { uid: string; status: string }[] }>({
    module: received("locations"),
    country_code: CPO.country_code,
    party_id: CPO.party_id,
    id: "LOC0001",
  }))!;
  log(
    `      CPO -> eMSP  PATCH locations/NL/DCP/LOC0001/LOC0001-E1 {status: CHARGING} through the outbox (${to.length} delivery); the eMSP now has ${stored.data.evses.find((e) => e.uid === "LOC0001-E1")!.status} (the CPO serves ${evse.data.status} too)`,
  );

  step(5, "The CPO pushes a session and its CDR");
  const token = demoToken(EMSP);
  const cdrToken = { country_code: EMSP.country_code, party_id: EMSP.party_id, uid: token.uid, type: token.type, contract_id: token.contract_id };
  const start = "2024-06-01T09:00:00Z";
  const end = "2024-06-01T10:30:00Z";
  const session = {
    country_code: CPO.country_code,
    party_id: CPO.party_id,
    id: "SES0001",
    start_date_time: start,
    end_date_time: end,
    kwh: 22.5,
    cdr_token: cdrToken,
    auth_method: "WHITELIST" as const,
    location_id: "LOC0001",
    evse_uid: "LOC0001-E1",
    connector_id: "1",
    currency: "EUR",
    status: "COMPLETED" as const,
    last_updated: end,
  };
  await cpo.server.outbox.put("sessions", session);
  log(`      CPO -> eMSP  PUT sessions/NL/DCP/SES0001 (22.5 kWh, COMPLETED), to the eMSP of its token only`);
  const location = demoLocations(1, CPO)[0]!;
  const cdr = {
    country_code: CPO.country_code,
    party_id: CPO.party_id,
    id: "CDR0001",
    start_date_time: start,
    end_date_time: end,
    session_id: session.id,
    cdr_token: cdrToken,
    auth_method: "WHITELIST" as const,
    cdr_location: {
      id: location.id,
      address: location.address,
      city: location.city,
      postal_code: location.postal_code!,
      country: location.country,
      coordinates: location.coordinates,
      evse_uid: "LOC0001-E1",
      evse_id: location.evses![0]!.evse_id!,
      connector_id: "1",
      connector_standard: "IEC_62196_T2" as const,
      connector_format: "SOCKET" as const,
      connector_power_type: "AC_3_PHASE" as const,
    },
    currency: "EUR",
    tariffs: [tariffs[0]!],
    charging_periods: [{ start_date_time: start, dimensions: [{ type: "ENERGY" as const, volume: 22.5 }], tariff_id: "AC-STANDARD" }],
    total_cost: { excl_vat: 7.88, incl_vat: 9.53 },
    total_energy: 22.5,
    total_time: 1.5,
    last_updated: end,
  };
  const posted = await cpo.server.outbox.post("cdrs", cdr).catch((error: unknown) => (error instanceof PushError ? undefined : Promise.reject(error)));
  await deliveredTo(cpo.server, emspAtCpo);
  const kept = await emspStore.getObject({ module: received("cdrs"), country_code: CPO.country_code, party_id: CPO.party_id, id: cdr.id });
  log(
    posted
      ? `      CPO -> eMSP  POST cdrs (EUR 9.53 incl. VAT); the eMSP keeps ${kept?.id}, and ${(await cpo.server.outbox.counts()).filter((c) => c.partyId === emspAtCpo).length} deliveries to it wait`
      : `      the CPO already had CDR0001 (kept from an earlier run): CDRs are never replaced`,
  );

  // -- Command ---------------------------------------------------------------------------------------------------
  step(6, "The eMSP starts a session remotely");
  // The eMSP keeps the command until its result comes, or until the response's timeout gives it a TIMEOUT result.
  const sent = await emsp.server.sendCommand(party, "START_SESSION", { token, location_id: "LOC0002", evse_uid: "LOC0002-E1" });
  log(`      eMSP -> CPO  POST commands/START_SESSION: immediate CommandResponse ${sent.response.result} (timeout ${sent.response.timeout}s)`);
  const result = await sent.result;
  log(
    `      CPO -> eMSP  POST ${new URL(sent.responseUrl).pathname}: CommandResult ${result?.result}${result && "message" in result && result.message ? ` ("${result.message[0]!.text}")` : ""}`,
  );

  // -- Another version --------------------------------------------------------------------------------------------
  step(7, "A 2.1.1 eMSP registers with the same CPO and reads it in 2.1.1");
  const legacyRole: CredentialsRole = { role: "EMSP", country_code: "NL", party_id: "OLD", business_details: { name: "Legacy eMSP" } };
  const legacyStore = await MemoryStore.open();
  const sentTokens: string[] = [];
  const legacy = await listen((publicUrl) =>
    createOcpiServer({
      publicUrl,
      logger,
      roles: [legacyRole],
      store: legacyStore,
      urlPolicy: { allowLoopback: true },
      versions: ["2.1.1"],
      handlers: storeHandlers(legacyStore, { roles: [legacyRole] }),
      fetch: (request) => {
        sentTokens.push(request.headers.get("Authorization") ?? "");
        return fetch(request);
      },
    }),
  );
  try {
    const { token: tokenA } = await cpo.server.credentials.createRegistrationToken();
    const cpoFor211 = await legacy.server.credentials.registerWith({ versionsUrl: cpo.server.versionsUrl, token: tokenA });
    const oldApi = legacy.server.credentials.clientFor(cpoFor211, "2.1.1");
    const page = await oldApi.locations.sender.list({ limit: 5 });
    const first = page.data[0]!;
    log(
      `      agreed on OCPI ${cpoFor211.version} (the CPO offers 2.1.1, 2.2.1 and 2.3.0; this eMSP only 2.1.1), with raw tokens: ${sentTokens.at(-1)!.replace(/[0-9a-f-]{12,}$/, "…")}`,
    );
    log(
      `      ${page.data.length} of ${page.totalCount} locations as 2.1.1 objects, converted from the CPO's 2.2.1 store: ${first.id} is type ${first.type}, no owner fields (${"country_code" in first ? "wrong" : "as 2.1.1 has none"})`,
    );
    await legacy.server.credentials.unregisterFrom(cpoFor211);
    log(`      the 2.1.1 eMSP unregistered again (DELETE /2.1.1/credentials)`);
  } finally {
    await legacy.close();
    await legacyStore.close();
  }

  step(8, "Both nodes keep running; try them");
  // One Token A per node, good for one registration; until then it opens versions, version details and credentials.
  const { token: cpoTokenA } = await cpo.server.credentials.createRegistrationToken();
  const { token: emspTokenA } = await emsp.server.credentials.createRegistrationToken();
  log(`      register your own OCPI node with one of them (Token A, as registerWith takes it):`);
  log(`      CPO   server.credentials.registerWith({ versionsUrl: ${JSON.stringify(cpo.server.versionsUrl)}, token: ${JSON.stringify(cpoTokenA)} })`);
  log(`      eMSP  server.credentials.registerWith({ versionsUrl: ${JSON.stringify(emsp.server.versionsUrl)}, token: ${JSON.stringify(emspTokenA)} })`);
  log(`      or look around: curl -H "Authorization: Token ${base64Encode(cpoTokenA)}" ${cpo.server.versionsUrl}`);
  log(`      API reference: ${cpo.url}/ocpi/2.3.0/docs (also /ocpi/2.2.1/docs and /ocpi/2.1.1/docs) and ${emsp.url}/ocpi/2.2.1/docs`);
  log(`      OpenAPI 3.1: ${cpo.url}/ocpi/2.3.0/openapi.json (per role: /ocpi/2.3.0/openapi/cpo.json) and ${emsp.url}/ocpi/2.2.1/openapi.json`);

  return {
    cpo,
    emsp,
    close: async () => {
      await Promise.all([cpo.close(), emsp.close()]);
      await Promise.all([cpoStore.close(), emspStore.close()]);
    },
  };
}
