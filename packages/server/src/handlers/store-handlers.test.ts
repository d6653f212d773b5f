// The Store-backed handlers: what they keep where, and the page cache that must never serve a stale page.
import { describe, expect, it } from "vitest";
import { ValidationError } from "@ocpi-sdk/validators";
import type * as T from "@ocpi-sdk/types/2.2.1";
import { sample } from "../../../client/src/testing/fixtures.js";
import { RawJsonList } from "../runtime/routes.js";
import { MemoryStore } from "../store/memory.js";
import { saveObject, storeHandlers } from "./store-handlers.js";

const CPO: T.CredentialsRole = { role: "CPO", country_code: "NL", party_id: "CPO", business_details: { name: "CPO" } };
const caller = { party: {} as never, roles: [{ role: "EMSP", country_code: "NL", party_id: "MSP", business_details: { name: "M" } }], isHub: false };
const request = (page: { offset: number; limit: number; date_from?: string }) => ({
  params: {},
  query: {},
  body: undefined,
  caller,
  requestId: "r",
  correlationId: "c",
  routing: {},
  page,
});
const location = (id: string, last_updated: string): T.Location => ({
  ...sample<T.Location>("2.2.1", "Location"),
  country_code: "NL",
  party_id: "CPO",
  id,
  last_updated,
});
const ids = (page: { items: unknown }) => (JSON.parse((page.items as RawJsonList).json) as T.Location[]).map((l) => `${l.id}@${l.last_updated}`);

describe("storeHandlers", () => {
  it("serves a list page as stored JSON, and a fresh one after any change", async () => {
    const store = await MemoryStore.open();
    const handlers = storeHandlers(store, { roles: [CPO] });
    await saveObject(store, "locations", "A", location("A", "2024-01-01T00:00:00Z"));
    await saveObject(store, "locations", "B", location("B", "2024-01-02T00:00:00Z"));
    const first = await handlers.locations.sender.list(request({ offset: 0, limit: 10 }));
    expect(first.items).toBeInstanceOf(RawJsonList);
    expect(ids(first)).toEqual(["A@2024-01-01T00:00:00Z", "B@2024-01-02T00:00:00Z"]);
    expect(await handlers.locations.sender.list(request({ offset: 0, limit: 10 }))).toBe(first);

    await saveObject(store, "locations", "A", location("A", "2024-01-03T00:00:00Z"));
    expect(ids(await handlers.locations.sender.list(request({ offset: 0, limit: 10 })))).toEqual(["B@2024-01-02T00:00:00Z", "A@2024-01-03T00:00:00Z"]);
    await store.deleteObject({ module: "locations", country_code: "NL", party_id: "CPO", id: "B" });
    const after = await handlers.locations.sender.list(request({ offset: 0, limit: 10 }));
    expect([ids(after), after.total]).toEqual([["A@2024-01-03T00:00:00Z"], 1]);
    expect(ids(await handlers.locations.sender.list(request({ offset: 0, limit: 10, date_from: "2024-01-04T00:00:00Z" })))).toEqual([]);
  });

  it("refuses to save an invalid object of ours, so that nothing invalid is ever sent", async () => {
    const store = await MemoryStore.open();
    await expect(saveObject(store, "locations", "A", { ...location("A", "2024-01-01T00:00:00Z"), country: "Netherlands" })).rejects.toThrow(ValidationError);
    expect(await store.getObject({ module: "locations", country_code: "NL", party_id: "CPO", id: "A" })).toBeUndefined();
  });

  it("keeps sessions we send under the party they are meant for", async () => {
    const store = await MemoryStore.open();
    const handlers = storeHandlers(store, { roles: [CPO] });
    const session = sample<T.Session>("2.2.1", "Session");
    await store.putObject({ module: "sessions", country_code: "NL", party_id: "MSP", id: "S1", last_updated: session.last_updated, data: session });
    await store.putObject({ module: "sessions", country_code: "DE", party_id: "OTH", id: "S2", last_updated: session.last_updated, data: session });
    const page = await handlers.sessions.sender.list(request({ offset: 0, limit: 10 }) as never);
    expect(page.total).toBe(1);
  });
});
