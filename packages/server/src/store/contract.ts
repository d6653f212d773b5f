/**
 * The behaviour every Store must have, as a vitest suite: call storeContract() from a test file with a way to open
 * a fresh, empty store. Each test gets its own store; `cleanup` (if given) runs after the store is closed.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Delivery, DeliveryFailure, NewDelivery, ObjectKey, ObjectPage, ObjectQuery, PartyRecord, Store, StoredObject } from "./store.js";

const NL = { country_code: "NL", party_id: "EXM" };
const DE = { country_code: "DE", party_id: "ABC" };

type Party = { country_code: string; party_id: string };

const keyOf = (id: string, party: Party = NL, module = "locations"): ObjectKey => ({ module, ...party, id });

const objectOf = <T = { name: string }>(id: string, last_updated: string, data?: T, party: Party = NL, module = "locations"): StoredObject<T> => ({
  ...keyOf(id, party, module),
  last_updated,
  data: data ?? ({ name: `object ${id}` } as T),
});

const partyOf = (id: string, incomingToken: string, extra: Partial<PartyRecord> = {}): PartyRecord => ({
  id,
  incomingToken,
  incomingTokenKind: "A",
  endpoints: [],
  roles: [],
  status: "pending",
  createdAt: "2024-01-01T00:00:00.000Z",
  updatedAt: "2024-01-01T00:00:00.000Z",
  ...extra,
});

// Code point order (what UTF-8 bytes give), independent of the implementation's own comparison.
const byCodePoint = (a: string, b: string): number => {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
};

// The canonical form of a CiString key, written here from the spec's rule (a-z upper case, nothing else), not taken
// from the implementation.
const canon = (value: string): string => value.replace(/[a-z]/g, (c) => c.toUpperCase());

const keyText = (o: ObjectKey): string => JSON.stringify([o.module, o.country_code, o.party_id, o.id]);
const ids = (page: ObjectPage): string[] => page.items.map((o) => o.id);

async function putAll(store: Store, objects: StoredObject[], batch = 500): Promise<void> {
  for (let i = 0; i < objects.length; i += batch) {
    await Promise.all(objects.slice(i, i + batch).map((o) => store.putObject(o)));
  }
}

/** Every item of the query, fetched page by page. */
async function pageThrough(store: Store, query: Omit<ObjectQuery, "offset" | "limit">, limit: number) {
  const items: StoredObject[] = [];
  const totals = new Set<number>();
  for (let offset = 0; ; offset += limit) {
    const page = await store.listObjects({ ...query, offset, limit });
    totals.add(page.total);
    items.push(...page.items);
    if (page.items.length < limit) return { items, totals: [...totals] };
  }
}

export function storeContract(name: string, open: () => Promise<Store>, cleanup?: (store: Store) => Promise<void>): void {
  describe(name, () => {
    let store: Store;

    beforeEach(async () => {
      store = await open();
    });

    afterEach(async () => {
      await store.close();
      await cleanup?.(store);
    });

    const list = (query: Partial<ObjectQuery> = {}) => store.listObjects({ module: "locations", offset: 0, limit: 1000, ...query });

    describe("objects", () => {
      it("returns undefined for an object it does not have", async () => {
        expect(await store.getObject(keyOf("nope"))).toBeUndefined();
        await store.putObject(objectOf("1", "2024-01-01T00:00:00Z"));
        expect(await store.getObject(keyOf("1", DE))).toBeUndefined();
        expect(await store.getObject(keyOf("1", NL, "tariffs"))).toBeUndefined();
      });

      it("gives back what was put", async () => {
        const object = objectOf("LOC1", "2024-01-01T10:00:00Z", {
          id: "LOC1",
          coordinates: { latitude: "52.1", longitude: "4.3" },
          evses: [{ uid: "E1", status: "AVAILABLE", connectors: [{ id: "1", max_voltage: 230 }] }],
          publish: true,
          parking_restrictions: null,
        });
        await store.putObject(object);
        expect(await store.getObject(keyOf("LOC1"))).toEqual(object);
      });

      it("replaces an object with the same key", async () => {
        await store.putObject(objectOf("1", "2024-01-01T00:00:00Z", { name: "old", extra: 1 }));
        await store.putObject(objectOf("1", "2024-01-02T00:00:00Z", { name: "new" }));
        expect(await store.getObject(keyOf("1"))).toEqual(objectOf("1", "2024-01-02T00:00:00Z", { name: "new" }));
        expect((await list()).total).toBe(1);
      });

      it("keeps modules and parties apart", async () => {
        await store.putObject(objectOf("1", "2024-01-01T00:00:00Z", { name: "nl" }));
        await store.putObject(objectOf("1", "2024-01-01T00:00:00Z", { name: "de" }, DE));
        await store.putObject(objectOf("1", "2024-01-01T00:00:00Z", { name: "tariff" }, NL, "tariffs"));
        expect((await store.getObject<{ name: string }>(keyOf("1")))?.data.name).toBe("nl");
        expect((await store.getObject<{ name: string }>(keyOf("1", DE)))?.data.name).toBe("de");
        expect((await store.getObject<{ name: string }>(keyOf("1", NL, "tariffs")))?.data.name).toBe("tariff");
        expect((await list()).total).toBe(2);
        expect((await list({ module: "tariffs" })).total).toBe(1);
      });

      it("deletes an object, telling whether there was one", async () => {
        await store.putObject(objectOf("1", "2024-01-01T00:00:00Z"));
        await store.putObject(objectOf("2", "2024-01-01T00:00:00Z"));
        expect(await store.deleteObject(keyOf("1", DE))).toBe(false);
        expect(await store.deleteObject(keyOf("1"))).toBe(true);
        expect(await store.getObject(keyOf("1"))).toBeUndefined();
        expect(await store.deleteObject(keyOf("1"))).toBe(false);
        expect(ids(await list())).toEqual(["2"]);
        await store.putObject(objectOf("1", "2024-01-01T00:00:00Z"));
        expect(ids(await list())).toEqual(["1", "2"]);
      });

      it("gives back last_updated exactly as it was given", async () => {
        const given = [
          "2024-05-01T10:00:00Z",
          "2024-05-01T10:00:01",
          "2024-05-01T10:00:02.1Z",
          "2024-05-01T10:00:03.120",
          "2024-05-01T10:00:04.123456Z",
          "2024-05-01T12:00:05+02:00",
        ];
        for (const [i, last_updated] of given.entries()) await store.putObject(objectOf(`id${i}`, last_updated));
        for (const [i, last_updated] of given.entries()) {
          expect((await store.getObject(keyOf(`id${i}`)))?.last_updated).toBe(last_updated);
        }
        expect((await list()).items.map((o) => o.last_updated)).toEqual(given);
        const updated = await store.updateObject(keyOf("id1"), (current) => current && { ...current, data: { name: "x" } });
        expect(updated?.last_updated).toBe("2024-05-01T10:00:01");
      });

      it("rejects a last_updated that is not a DateTime, storing nothing", async () => {
        for (const bad of ["yesterday", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z", "2024-01-01", ""]) {
          await expect(store.putObject(objectOf("1", bad))).rejects.toThrow();
        }
        expect(await store.getObject(keyOf("1"))).toBeUndefined();
        expect((await list()).total).toBe(0);
      });

      it("hands out copies: changing what was given or returned does not change the store", async () => {
        const given = objectOf("1", "2024-01-01T00:00:00Z", { name: "original", tags: ["a"] });
        await store.putObject(given);
        given.data.name = "changed after put";
        given.data.tags.push("b");

        const got = await store.getObject<{ name: string; tags: string[] }>(keyOf("1"));
        got!.data.name = "changed after get";
        got!.data.tags.push("c");
        got!.last_updated = "2030-01-01T00:00:00Z";

        const page = await store.listObjects<{ name: string; tags: string[] }>({ module: "locations", offset: 0, limit: 10 });
        page.items[0]!.data.name = "changed after list";
        page.items[0]!.id = "other";

        const updated = await store.updateObject<{ name: string; tags: string[] }>(keyOf("1"), (current) => {
          current!.data.tags.push("changed in change");
          return undefined;
        });
        updated!.data.tags.push("changed after update");

        expect(await store.getObject(keyOf("1"))).toEqual(objectOf("1", "2024-01-01T00:00:00Z", { name: "original", tags: ["a"] }));
      });

      it("stores unicode and odd ids", async () => {
        const odd = ["a/b", "a%2Fb", "~", "with space", " lead", "..", "Straße", "日本語", "🚗", "'; DROP TABLE x; --", "\\"];
        const party = { country_code: "ÄÖ", party_id: "ü/~" };
        for (const id of odd) {
          await store.putObject(objectOf(id, "2024-01-01T00:00:00Z", { name: `名前 ${id} 🚗 \u2028 "quoted"` }, party, "módulo"));
        }
        for (const id of odd) {
          // The key comes back canonical (ASCII letters upper case, the rest as it was); the data as given.
          expect(await store.getObject(keyOf(id, party, "módulo"))).toEqual({
            ...objectOf(id, "2024-01-01T00:00:00Z", { name: `名前 ${id} 🚗 \u2028 "quoted"` }, party, "módulo"),
            id: canon(id),
          });
        }
        const page = await store.listObjects({ module: "módulo", ...party, offset: 0, limit: 100 });
        expect(page.total).toBe(odd.length);
        expect(ids(page)).toEqual(odd.map(canon).sort(byCodePoint));
        expect(await store.deleteObject(keyOf("a/b", party, "módulo"))).toBe(true);
        expect(await store.getObject(keyOf("a%2Fb", party, "módulo"))).toBeDefined();
      });
    });

    describe("lists", () => {
      it("listObjectsJson, where offered, gives the same page with the data as JSON text", async (context) => {
        if (!store.listObjectsJson) return context.skip();
        const objects = [
          objectOf("a", "2024-01-01T00:00:01Z", { id: "a", nested: { list: [1, "two", null], text: "é ✓" } }),
          objectOf("b", "2024-01-01T00:00:02Z", undefined, DE),
          objectOf("c", "2024-01-01T00:00:03.5"),
        ];
        await putAll(store, objects);
        for (const query of [{}, { offset: 1, limit: 1 }, { country_code: "NL", party_id: "EXM" }, { date_from: "2024-01-01T00:00:02Z" }]) {
          const full = { module: "locations", offset: 0, limit: 1000, ...query };
          const plain = await store.listObjects(full);
          const json = await store.listObjectsJson(full);
          expect(json.total).toBe(plain.total);
          expect(json.items.map(({ json: text, ...key }) => ({ ...key, data: JSON.parse(text) as unknown }))).toEqual(plain.items);
        }
      });

      it("orders by last_updated, then country_code, party_id and id", async () => {
        const objects = [
          objectOf("B", "2024-01-01T00:00:01Z"),
          objectOf("A", "2024-01-01T00:00:01Z", undefined, { country_code: "NL", party_id: "ZZZ" }),
          objectOf("Z", "2024-01-01T00:00:01Z", undefined, DE),
          objectOf("A", "2024-01-01T00:00:01Z"),
          objectOf("LATE", "2024-01-03T00:00:00Z", undefined, DE),
          objectOf("EARLY", "2023-12-31T23:59:59.999Z"),
          objectOf("C", "2024-01-01T00:00:01Z", undefined, { country_code: "NL", party_id: "AAA" }),
        ];
        await putAll(store, objects);
        const page = await list();
        expect(page.items.map((o) => `${o.country_code}/${o.party_id}/${o.id}`)).toEqual([
          "NL/EXM/EARLY",
          "DE/ABC/Z",
          "NL/AAA/C",
          "NL/EXM/A",
          "NL/EXM/B",
          "NL/ZZZ/A",
          "DE/ABC/LATE",
        ]);
        expect(page.total).toBe(7);
      });

      it("orders by instant, not by the text of last_updated", async () => {
        await store.putObject(objectOf("NOON-IN-BERLIN", "2024-01-01T12:00:00+01:00"));
        await store.putObject(objectOf("NOON-UTC", "2024-01-01T12:00:00Z"));
        await store.putObject(objectOf("MORNING-NO-ZONE", "2024-01-01T11:30:00"));
        await store.putObject(objectOf("FRACTION", "2024-01-01T11:00:00.5"));
        await store.putObject(objectOf("MICRO", "2024-01-01T11:00:00.000001Z"));
        await store.putObject(objectOf("PLAIN", "2024-01-01T11:00:00Z"));
        // "NOON-IN-BERLIN" is the same instant as "PLAIN": the id breaks the tie.
        expect(ids(await list())).toEqual(["NOON-IN-BERLIN", "PLAIN", "MICRO", "FRACTION", "MORNING-NO-ZONE", "NOON-UTC"]);
      });

      it("orders canonical ids by Unicode code point", async () => {
        const odd = ["b", "B", "a", "é", "É", "\uFFFD", "🚗", "a b", "~", "Z", "ab", "a", "_", "`", "[", "{"];
        for (const id of odd) await store.putObject(objectOf(id, "2024-01-01T00:00:00Z"));
        // "b" and "B" are one key; "é" and "É" are not (only ASCII letters fold).
        const unique = [...new Set(odd.map(canon))];
        expect(ids(await list())).toEqual(unique.sort(byCodePoint));
        expect((await list()).total).toBe(unique.length);
      });

      it("scopes to one party when both country_code and party_id are given", async () => {
        await putAll(store, [
          objectOf("1", "2024-01-01T00:00:00Z"),
          objectOf("2", "2024-01-02T00:00:00Z", undefined, DE),
          objectOf("3", "2024-01-03T00:00:00Z"),
          objectOf("4", "2024-01-04T00:00:00Z", undefined, { country_code: "NL", party_id: "ABC" }),
          objectOf("5", "2024-01-05T00:00:00Z", undefined, NL, "tariffs"),
        ]);
        expect(ids(await list({ ...NL }))).toEqual(["1", "3"]);
        expect((await list({ ...NL })).total).toBe(2);
        expect(ids(await list({ ...DE }))).toEqual(["2"]);
        expect(ids(await list({ country_code: "NL", party_id: "ABC" }))).toEqual(["4"]);
        expect(await list({ country_code: "FR", party_id: "XYZ" })).toEqual({ items: [], total: 0 });
        // Only one of the two does not scope.
        expect(ids(await list({ country_code: "NL" }))).toEqual(["1", "2", "3", "4"]);
        expect(ids(await list({ party_id: "EXM" }))).toEqual(["1", "2", "3", "4"]);
      });

      it("takes date_from inclusive and date_to exclusive", async () => {
        await putAll(
          store,
          ["2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "2024-01-03T00:00:00Z", "2024-01-04T00:00:00Z"].map((t, i) => objectOf(String(i + 1), t)),
        );
        expect(ids(await list({ date_from: "2024-01-02T00:00:00Z" }))).toEqual(["2", "3", "4"]);
        expect(ids(await list({ date_to: "2024-01-03T00:00:00Z" }))).toEqual(["1", "2"]);
        const window = await list({ date_from: "2024-01-02T00:00:00Z", date_to: "2024-01-04T00:00:00Z" });
        expect(ids(window)).toEqual(["2", "3"]);
        expect(window.total).toBe(2);
        expect(await list({ date_from: "2024-01-02T00:00:00Z", date_to: "2024-01-02T00:00:00Z" })).toEqual({ items: [], total: 0 });
        expect(await list({ date_from: "2024-01-04T00:00:00Z", date_to: "2024-01-01T00:00:00Z" })).toEqual({ items: [], total: 0 });
        expect(ids(await list({ date_from: "2024-01-01T00:00:00.000001Z" }))).toEqual(["2", "3", "4"]);
        expect(ids(await list({ date_to: "2024-01-04T00:00:00.000001Z", date_from: "2024-01-03T23:59:59.999999Z" }))).toEqual(["4"]);
        expect(ids(await list({ date_from: "2025-01-01T00:00:00Z" }))).toEqual([]);
      });

      it("compares dates as instants: fractions, with or without Z, offsets", async () => {
        await store.putObject(objectOf("HALF", "2024-01-01T10:00:00.5Z"));
        await store.putObject(objectOf("NO-ZONE", "2024-01-01T11:00:00"));
        await store.putObject(objectOf("OFFSET", "2024-01-01T13:00:00+01:00"));
        await store.putObject(objectOf("LONG-FRACTION", "2024-01-01T13:00:00.250000"));

        // The same instant written differently is inside date_from and outside date_to.
        for (const from of ["2024-01-01T10:00:00.5Z", "2024-01-01T10:00:00.500", "2024-01-01T10:00:00.500000Z", "2024-01-01T11:00:00.5+01:00"]) {
          expect(ids(await list({ date_from: from }))).toEqual(["HALF", "NO-ZONE", "OFFSET", "LONG-FRACTION"]);
          expect(ids(await list({ date_to: from }))).toEqual([]);
        }
        expect(ids(await list({ date_from: "2024-01-01T10:00:00.501Z" }))).toEqual(["NO-ZONE", "OFFSET", "LONG-FRACTION"]);
        expect(ids(await list({ date_from: "2024-01-01T11:00:00Z", date_to: "2024-01-01T12:00:00" }))).toEqual(["NO-ZONE"]);
        expect(ids(await list({ date_from: "2024-01-01T12:00:00+01:00", date_to: "2024-01-01T12:00:00.000001" }))).toEqual(["NO-ZONE", "OFFSET"]);
        expect(ids(await list({ date_from: "2024-01-01T12:00:00.001", date_to: "2024-01-01T13:00:00.25Z" }))).toEqual([]);
        expect(ids(await list({ date_from: "2024-01-01T13:00:00.25Z" }))).toEqual(["LONG-FRACTION"]);
      });

      it("pages with offset and limit, counting every match in total", async () => {
        await putAll(
          store,
          Array.from({ length: 10 }, (_, i) => objectOf(`ID${i}`, `2024-01-01T00:00:0${i}Z`)),
        );
        const page = await list({ offset: 3, limit: 4 });
        expect(ids(page)).toEqual(["ID3", "ID4", "ID5", "ID6"]);
        expect(page.total).toBe(10);
        expect(await list({ offset: 8, limit: 4 })).toMatchObject({ total: 10 });
        expect(ids(await list({ offset: 8, limit: 4 }))).toEqual(["ID8", "ID9"]);
        expect(await list({ offset: 10, limit: 4 })).toEqual({ items: [], total: 10 });
        expect(await list({ offset: 50, limit: 4 })).toEqual({ items: [], total: 10 });
        expect(await list({ offset: 0, limit: 0 })).toEqual({ items: [], total: 10 });
        const windowed = await list({ date_from: "2024-01-01T00:00:02Z", date_to: "2024-01-01T00:00:08Z", offset: 1, limit: 2 });
        expect(ids(windowed)).toEqual(["ID3", "ID4"]);
        expect(windowed.total).toBe(6);
      });

      it("pages stably through objects that share one last_updated", async () => {
        const all = Array.from({ length: 25 }, (_, i) => objectOf(`ID${String(i).padStart(2, "0")}`, "2024-01-01T00:00:00Z"));
        await putAll(store, [...all].reverse());
        const { items, totals } = await pageThrough(store, { module: "locations" }, 4);
        expect(items.map((o) => o.id)).toEqual(all.map((o) => o.id));
        expect(totals).toEqual([25]);
      });

      it("returns an empty page for a module it has nothing of", async () => {
        expect(await list({ module: "cdrs" })).toEqual({ items: [], total: 0 });
      });

      it("rejects invalid paging and dates", async () => {
        await expect(list({ offset: -1 })).rejects.toThrow();
        await expect(list({ limit: -1 })).rejects.toThrow();
        await expect(list({ limit: 1.5 })).rejects.toThrow();
        await expect(list({ offset: Number.NaN })).rejects.toThrow();
        await expect(list({ date_from: "last week" })).rejects.toThrow();
        await expect(list({ date_to: "2024-01-01T25:00:00Z" })).rejects.toThrow();
      });

      it("follows changes of last_updated in its order", async () => {
        await putAll(
          store,
          ["1", "2", "3"].map((id) => objectOf(id, `2024-01-0${id}T00:00:00Z`)),
        );
        await store.putObject(objectOf("1", "2024-01-05T00:00:00Z"));
        expect(ids(await list())).toEqual(["2", "3", "1"]);
        await store.updateObject(keyOf("3"), (current) => current && { ...current, last_updated: "2023-12-31T00:00:00Z" });
        expect(ids(await list())).toEqual(["3", "2", "1"]);
        expect(ids(await list({ date_from: "2024-01-03T00:00:00Z" }))).toEqual(["1"]);
        await store.deleteObject(keyOf("2"));
        expect(ids(await list({ ...NL }))).toEqual(["3", "1"]);
      });

      it("pages through 10,000 objects without duplicates or gaps", { timeout: 300_000 }, async () => {
        const parties = [NL, DE, { country_code: "BE", party_id: "XYZ" }];
        // 2,000 distinct instants over 10,000 objects: many ties that only country_code, party_id and id break.
        const instant = (i: number) => new Date(Date.UTC(2024, 0, 1) + ((i * 7919) % 2000) * 1500).toISOString();
        const objects = Array.from({ length: 10_000 }, (_, i) => objectOf(`OBJ-${i}`, instant(i), { n: i }, parties[i % parties.length]));
        await putAll(store, objects);

        const { items, totals } = await pageThrough(store, { module: "locations" }, 137);
        expect(totals).toEqual([10_000]);
        expect(items).toHaveLength(10_000);
        expect(new Set(items.map(keyText)).size).toBe(10_000);
        const order = (a: StoredObject, b: StoredObject) =>
          Date.parse(a.last_updated) - Date.parse(b.last_updated) ||
          byCodePoint(a.country_code, b.country_code) ||
          byCodePoint(a.party_id, b.party_id) ||
          byCodePoint(a.id, b.id);
        expect(items.map(keyText)).toEqual([...objects].sort(order).map(keyText));

        const from = instant(100);
        const to = instant(200);
        const expected = objects.filter((o) => o.country_code === "DE" && o.last_updated >= from && o.last_updated < to).sort(order);
        const scoped = await pageThrough(store, { module: "locations", ...DE, date_from: from, date_to: to }, 50);
        expect(scoped.totals).toEqual([expected.length]);
        expect(scoped.items).toEqual(expected);
      });
    });

    describe("updateObject", () => {
      const counter = (value: number) => objectOf("COUNTER", "2024-01-01T00:00:00Z", { value });
      const increment = (current: StoredObject<{ value: number }> | undefined) => counter((current?.data.value ?? 0) + 1);

      it("creates an object when there is none", async () => {
        const seen: unknown[] = [];
        const result = await store.updateObject<{ value: number }>(keyOf("COUNTER"), (current) => {
          seen.push(current);
          return increment(current);
        });
        expect(seen).toEqual([undefined]);
        expect(result).toEqual(counter(1));
        expect(await store.getObject(keyOf("COUNTER"))).toEqual(counter(1));
      });

      it("changes an existing object and returns what is stored", async () => {
        await store.putObject(counter(41));
        const result = await store.updateObject(keyOf("COUNTER"), increment);
        expect(result).toEqual(counter(42));
        expect(await store.getObject(keyOf("COUNTER"))).toEqual(counter(42));
      });

      it("leaves the store unchanged when change returns undefined", async () => {
        expect(await store.updateObject(keyOf("missing"), () => undefined)).toBeUndefined();
        expect(await store.getObject(keyOf("missing"))).toBeUndefined();
        expect((await list()).total).toBe(0);

        await store.putObject(counter(7));
        const result = await store.updateObject<{ value: number }>(keyOf("COUNTER"), (current) => {
          current!.data.value = 1000;
          return undefined;
        });
        expect(result).toEqual(counter(7));
        expect(await store.getObject(keyOf("COUNTER"))).toEqual(counter(7));
        expect((await list()).total).toBe(1);
      });

      it("leaves the store unchanged when change throws", async () => {
        await store.putObject(counter(7));
        await expect(
          store.updateObject(keyOf("COUNTER"), () => {
            throw new Error("no");
          }),
        ).rejects.toThrow("no");
        await expect(
          store.updateObject(keyOf("new"), () => {
            throw new Error("no");
          }),
        ).rejects.toThrow("no");
        expect(await store.getObject(keyOf("COUNTER"))).toEqual(counter(7));
        expect(await store.getObject(keyOf("new"))).toBeUndefined();
        expect((await list()).total).toBe(1);
      });

      it("rejects a change to another key or to an invalid object, leaving the store unchanged", async () => {
        await store.putObject(counter(7));
        await expect(store.updateObject(keyOf("COUNTER"), (c) => c && { ...c, id: "other" })).rejects.toThrow();
        await expect(store.updateObject(keyOf("COUNTER"), (c) => c && { ...c, last_updated: "soon" })).rejects.toThrow();
        await expect(store.updateObject(keyOf("fresh"), () => objectOf("other", "2024-01-01T00:00:00Z"))).rejects.toThrow();
        expect(await store.getObject(keyOf("COUNTER"))).toEqual(counter(7));
        expect(ids(await list())).toEqual(["COUNTER"]);
      });

      it("loses no update when 50 increments of one object run at once", { timeout: 60_000 }, async () => {
        await store.putObject(counter(0));
        const results = await Promise.all(Array.from({ length: 50 }, () => store.updateObject(keyOf("COUNTER"), increment)));
        expect(await store.getObject(keyOf("COUNTER"))).toEqual(counter(50));
        expect(results.map((r) => r?.data.value).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      });

      it("loses no update when 50 increments of a missing object run at once", { timeout: 60_000 }, async () => {
        await Promise.all(Array.from({ length: 50 }, () => store.updateObject(keyOf("COUNTER"), increment)));
        expect(await store.getObject(keyOf("COUNTER"))).toEqual(counter(50));
        expect((await list()).total).toBe(1);
      });

      it("serializes updates with puts and deletes of the same key", { timeout: 60_000 }, async () => {
        await store.putObject(counter(0));
        await Promise.all([
          ...Array.from({ length: 20 }, () => store.updateObject(keyOf("COUNTER"), increment)),
          store.putObject(objectOf("other", "2024-01-01T00:00:00Z")),
          store.deleteObject(keyOf("other")),
        ]);
        expect((await store.getObject<{ value: number }>(keyOf("COUNTER")))?.data.value).toBe(20);
      });
    });

    describe("CiString keys", () => {
      // Each case writes with one spelling of a key and reads, updates, deletes and lists with another.
      const cases = [
        { name: "lower, then upper", written: ["nl", "aaa", "loc-x"], other: ["NL", "AAA", "LOC-X"] },
        { name: "upper, then lower", written: ["NL", "AAA", "LOC-X"], other: ["nl", "aaa", "loc-x"] },
        { name: "mixed, then mixed", written: ["Nl", "aAa", "Loc-x"], other: ["nL", "AaA", "lOC-X"] },
        { name: "lower, then lower", written: ["nl", "aaa", "loc-x"], other: ["nl", "aaa", "loc-x"] },
      ] as const;
      const canonical = { module: "locations", country_code: "NL", party_id: "AAA", id: "LOC-X" };
      const key = ([country_code, party_id, id]: readonly string[], module = "locations"): ObjectKey => ({
        module,
        country_code: country_code!,
        party_id: party_id!,
        id: id!,
      });
      // The OCPI object as its sender wrote it: its own keys in the sender's case.
      const sent = (parts: readonly string[], last_updated = "2024-01-01T00:00:00Z", extra: object = {}): StoredObject => {
        const [country_code, party_id, id] = parts;
        return { ...key(parts), last_updated, data: { country_code, party_id, id, last_updated, ...extra } };
      };

      describe.each(cases)("$name", ({ written, other }) => {
        it("finds an object under its key in another case, giving back the canonical key and the data as sent", async () => {
          const object = sent(written);
          await store.putObject(object);
          expect(await store.getObject(key(other))).toEqual({ ...canonical, last_updated: object.last_updated, data: object.data });
          expect(await store.getObject(key(written))).toEqual({ ...canonical, last_updated: object.last_updated, data: object.data });
        });

        it("keeps one object when the key is put in two cases; the later put replaces the first", async () => {
          await store.putObject(sent(written, "2024-01-01T00:00:00Z", { name: "first" }));
          const second = sent(other, "2024-01-02T00:00:00Z", { name: "second" });
          await store.putObject(second);
          expect(await list()).toEqual({ items: [{ ...canonical, last_updated: second.last_updated, data: second.data }], total: 1 });
          expect((await store.getObject<{ name: string; id: string }>(key(written)))?.data).toEqual(second.data);
        });

        it("updates the object under its key in another case, accepting a result with the key in any case", async () => {
          await store.putObject(sent(written, "2024-01-01T00:00:00Z", { n: 1 }));
          const seen: unknown[] = [];
          const result = await store.updateObject<{ n: number }>(key(other), (current) => {
            seen.push(current && { ...current, data: undefined });
            // The result has the key as the sender wrote it.
            return current && (sent(written, "2024-01-02T00:00:00Z", { n: current.data.n + 1 }) as StoredObject<{ n: number }>);
          });
          expect(seen).toEqual([{ ...canonical, last_updated: "2024-01-01T00:00:00Z", data: undefined }]);
          const expected = sent(written, "2024-01-02T00:00:00Z", { n: 2 });
          expect(result).toEqual({ ...canonical, last_updated: expected.last_updated, data: expected.data });
          expect(await store.getObject(canonical)).toEqual(result);
          expect((await list()).total).toBe(1);
          // Another id is still another key.
          await expect(store.updateObject(key(other), (c) => c && { ...c, id: "LOC-Y" })).rejects.toThrow();
        });

        it("creates an object through updateObject under the canonical key", async () => {
          const created = await store.updateObject(key(written), () => sent(other));
          expect(created).toMatchObject(canonical);
          expect(await store.getObject(key(other))).toEqual(created);
          expect((await list()).total).toBe(1);
        });

        it("deletes the object under its key in another case", async () => {
          await store.putObject(sent(written));
          expect(await store.deleteObject(key(other))).toBe(true);
          expect(await store.getObject(key(written))).toBeUndefined();
          expect(await store.deleteObject(key(written))).toBe(false);
          expect((await list()).total).toBe(0);
        });

        it("lists the party's objects with country_code and party_id in another case", async () => {
          await putAll(store, [
            sent(written),
            { ...sent(written), id: "loc-y" },
            objectOf("elsewhere", "2024-01-01T00:00:00Z", undefined, { country_code: "NL", party_id: "AAB" }),
          ]);
          const query = { module: "locations", country_code: other[0], party_id: other[1], offset: 0, limit: 10 };
          const page = await store.listObjects(query);
          expect(page.total).toBe(2);
          expect(page.items.map(keyText)).toEqual([keyText(canonical), keyText({ ...canonical, id: "LOC-Y" })]);
          expect(page.items.map((o) => o.data)).toEqual([sent(written).data, sent(written).data]);
          if (store.listObjectsJson) {
            const json = await store.listObjectsJson(query);
            expect(json.items.map(({ json: text, ...rest }) => ({ ...rest, data: JSON.parse(text) as unknown }))).toEqual(page.items);
          }
        });
      });

      it("keeps module names case-sensitive", async () => {
        await store.putObject(sent(["nl", "aaa", "loc-x"]));
        expect(await store.getObject({ ...canonical, module: "Locations" })).toBeUndefined();
        expect(await store.deleteObject({ ...canonical, module: "LOCATIONS" })).toBe(false);
        await store.putObject({ ...sent(["NL", "AAA", "LOC-X"]), module: "Locations" });
        expect((await list()).total).toBe(1);
        expect((await list({ module: "Locations" })).total).toBe(1);
      });

      it.each([
        ["é", "É"],
        ["straße", "STRASSE"],
        ["loc-x", "loc_x"],
        ["loc-x", "loc-x "],
      ])("keeps %j and %j apart (only ASCII letters fold)", async (a, b) => {
        await store.putObject(objectOf(a, "2024-01-01T00:00:00Z", { name: a }));
        await store.putObject(objectOf(b, "2024-01-01T00:00:00Z", { name: b }));
        expect((await list()).total).toBe(2);
        expect((await store.getObject<{ name: string }>(keyOf(b)))?.data.name).toBe(b);
        expect((await store.getObject<{ name: string }>(keyOf(canon(a))))?.data.name).toBe(a);
      });

      it("loses no update when 50 increments of one key in several cases run at once", { timeout: 60_000 }, async () => {
        const spellings = [
          ["nl", "aaa", "loc-x"],
          ["NL", "AAA", "LOC-X"],
          ["Nl", "aAa", "Loc-X"],
        ] as const;
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            store.updateObject<{ n: number }>(key(spellings[i % 3]!), (current) => ({
              ...key(spellings[(i + 1) % 3]!),
              last_updated: "2024-01-01T00:00:00Z",
              data: { n: (current?.data.n ?? 0) + 1 },
            })),
          ),
        );
        expect(await store.getObject(canonical)).toEqual({ ...canonical, last_updated: "2024-01-01T00:00:00Z", data: { n: 50 } });
        expect(results.map((r) => r?.data.n).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
        expect((await list()).total).toBe(1);
      });
    });

    describe("parties", () => {
      it("returns undefined for a party or token it does not have", async () => {
        expect(await store.getParty("nope")).toBeUndefined();
        expect(await store.findPartyByToken("nope")).toBeUndefined();
        expect(await store.listParties()).toEqual([]);
      });

      it("finds a party by id and by incomingToken", async () => {
        const party = partyOf("p1", "token-a", {
          outgoingToken: "token-b",
          versionsUrl: "https://peer.example/ocpi/versions",
          version: "2.2.1",
          endpoints: [{ identifier: "locations", role: "SENDER", url: "https://peer.example/ocpi/2.2.1/locations" }],
          roles: [{ role: "CPO", country_code: "NL", party_id: "EXM", business_details: { name: "Example", website: "https://e.example" } }],
          status: "registered",
          incomingTokenKind: "C",
        });
        await store.putParty(party);
        expect(await store.getParty("p1")).toEqual(party);
        expect(await store.findPartyByToken("token-a")).toEqual(party);
        expect(await store.findPartyByToken("token-b")).toBeUndefined();
      });

      it("replaces a party; its old token no longer finds it", async () => {
        await store.putParty(partyOf("p1", "token-a"));
        const registered = partyOf("p1", "token-c", { incomingTokenKind: "C", status: "registered" });
        await store.putParty(registered);
        expect(await store.getParty("p1")).toEqual(registered);
        expect(await store.findPartyByToken("token-a")).toBeUndefined();
        expect(await store.findPartyByToken("token-c")).toEqual(registered);
        expect(await store.listParties()).toHaveLength(1);
        // Putting a party again with its own token is fine.
        await store.putParty({ ...registered, status: "unregistered" });
        expect((await store.findPartyByToken("token-c"))?.status).toBe("unregistered");
      });

      it("rejects a second party with the same incomingToken, changing nothing", async () => {
        const first = partyOf("p1", "shared");
        await store.putParty(first);
        await expect(store.putParty(partyOf("p2", "shared"))).rejects.toThrow();
        expect(await store.getParty("p2")).toBeUndefined();
        expect(await store.findPartyByToken("shared")).toEqual(first);

        await store.putParty(partyOf("p2", "own"));
        await expect(store.putParty(partyOf("p2", "shared"))).rejects.toThrow();
        expect(await store.getParty("p2")).toEqual(partyOf("p2", "own"));
        expect(await store.findPartyByToken("own")).toEqual(partyOf("p2", "own"));
      });

      it("lets only one of two parties racing for one token have it", async () => {
        const results = await Promise.allSettled([store.putParty(partyOf("p1", "race")), store.putParty(partyOf("p2", "race"))]);
        expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
        expect(await store.listParties()).toHaveLength(1);
        expect(await store.findPartyByToken("race")).toBeDefined();
      });

      it("deletes a party, freeing its token", async () => {
        await store.putParty(partyOf("p1", "token-a"));
        expect(await store.deleteParty("nope")).toBe(false);
        expect(await store.deleteParty("p1")).toBe(true);
        expect(await store.deleteParty("p1")).toBe(false);
        expect(await store.getParty("p1")).toBeUndefined();
        expect(await store.findPartyByToken("token-a")).toBeUndefined();
        await store.putParty(partyOf("p2", "token-a"));
        expect((await store.findPartyByToken("token-a"))?.id).toBe("p2");
      });

      it("keeps a party's profile as given, and drops it when a party without one is put", async () => {
        const profile: NonNullable<PartyRecord["profile"]> = {
          validation: "lenient",
          detailsAsList: true,
          pagination: "offset",
          urlRewrites: [{ from: "http://10.0.0.5:8080/ocpi", to: "https://peer.example/ocpi" }],
          queryRenames: { "*": { date_from: "dateFrom" }, tokensSenderList: { limit: "size" } },
          endpoints: [{ identifier: "tariffs", role: "SENDER", url: "https://peer.example/ocpi/2.2.1/tariffs", version: "2.2.1" }],
          authErrors: { statusCodes: [2000, 2001], messagePattern: "token (is )?(invalid|unknown) – é" },
        };
        const party = partyOf("p1", "token-a", { profile });
        await store.putParty(party);
        expect(await store.getParty("p1")).toEqual(party);
        expect(await store.findPartyByToken("token-a")).toEqual(party);
        expect(await store.listParties()).toEqual([party]);
        // Registering or rotating replaces the record: the profile goes along with it.
        const registered = { ...party, incomingToken: "token-c", incomingTokenKind: "C" as const, status: "registered" as const };
        await store.putParty(registered);
        expect((await store.findPartyByToken("token-c"))?.profile).toEqual(profile);
        const { profile: _dropped, ...without } = registered;
        await store.putParty(without);
        expect(await store.getParty("p1")).toEqual(without);
        expect((await store.getParty("p1"))?.profile).toBeUndefined();
      });

      it("lists every party", async () => {
        const parties = ["p3", "p1", "日本", "p2"].map((id) => partyOf(id, `token-${id}`));
        for (const party of parties) await store.putParty(party);
        const listed = await store.listParties();
        expect(listed).toHaveLength(4);
        expect(listed).toEqual(expect.arrayContaining(parties));
      });

      it("hands out copies of parties", async () => {
        const party = partyOf("p1", "token-a", { endpoints: [{ identifier: "locations", role: "SENDER", url: "https://x" }] });
        await store.putParty(party);
        party.endpoints.push({ identifier: "tariffs", role: "SENDER", url: "https://y" });
        const got = await store.getParty("p1");
        got!.status = "registered";
        got!.endpoints[0]!.url = "changed";
        const found = await store.findPartyByToken("token-a");
        found!.incomingToken = "changed";
        (await store.listParties())[0]!.roles.push({ role: "CPO", country_code: "NL", party_id: "X", business_details: { name: "x" } });
        expect(await store.getParty("p1")).toEqual(partyOf("p1", "token-a", { endpoints: [{ identifier: "locations", role: "SENDER", url: "https://x" }] }));
        expect(await store.findPartyByToken("changed")).toBeUndefined();
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The outbox
// ---------------------------------------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A delivery whose body carries `n`, so tests can tell deliveries of one key apart. */
const deliveryOf = (partyId: string, orderKey: string, { body: n = 0, ...extra }: Partial<NewDelivery> = {}): NewDelivery => ({
  partyId,
  orderKey,
  operationId: "locationsReceiverPut",
  version: "2.2.1",
  params: { country_code: "NL", party_id: "EXM", location_id: orderKey },
  body: { id: orderKey, n },
  ...extra,
});

const failure: DeliveryFailure = { error: "HTTP 503", httpStatus: 503 };
const soon = (ms: number) => new Date(Date.now() + ms).toISOString();
const past = () => new Date(Date.now() - 1000).toISOString();

/**
 * The outbox every Store keeps (see NewDelivery and the outbox methods of Store). `reopen`, if given, closes a
 * store and opens it again on the same data: deliveries must survive it.
 */
export function outboxContract(
  name: string,
  open: () => Promise<Store>,
  options: { cleanup?: (store: Store) => Promise<void>; reopen?: (store: Store) => Promise<Store> } = {},
): void {
  describe(name, () => {
    let store: Store;

    beforeEach(async () => {
      store = await open();
    });

    afterEach(async () => {
      await store.close();
      await options.cleanup?.(store);
    });

    const claim = (worker = "w1", limit = 100, leaseMs = 60_000, partyId?: string) =>
      store.claimDeliveries({ worker, limit, leaseMs, ...(partyId === undefined ? {} : { partyId }) });
    const keysOf = (deliveries: Delivery[]) => deliveries.map((d) => `${d.partyId}:${d.orderKey}:${(d.body as { n: number }).n}`);

    describe("enqueueing", () => {
      it("keeps deliveries in the order given, pending and due, with increasing seq and distinct ids", async () => {
        const before = Date.now();
        const enqueued = await store.enqueueDeliveries([
          deliveryOf("p1", "L1"),
          deliveryOf("p2", "L1"),
          deliveryOf("p1", "L2", { url: "https://peer.example/r/1" }),
        ]);
        expect(enqueued.map((d) => d.state)).toEqual(["pending", "pending", "pending"]);
        expect(enqueued.map((d) => d.attempts)).toEqual([0, 0, 0]);
        expect(new Set(enqueued.map((d) => d.id)).size).toBe(3);
        expect(enqueued[0]!.seq).toBeLessThan(enqueued[1]!.seq);
        expect(enqueued[1]!.seq).toBeLessThan(enqueued[2]!.seq);
        expect(Date.parse(enqueued[0]!.nextAttemptAt)).toBeLessThanOrEqual(Date.now());
        expect(Date.parse(enqueued[0]!.createdAt)).toBeGreaterThanOrEqual(before - 1000);
        const listed = await store.listDeliveries({ offset: 0, limit: 10 });
        expect(listed.total).toBe(3);
        expect(listed.items).toEqual(enqueued);
        expect(listed.items[2]).toMatchObject({
          url: "https://peer.example/r/1",
          operationId: "locationsReceiverPut",
          version: "2.2.1",
          params: { location_id: "L2" },
        });
      });

      it("keeps the party a delivery is for (its routing headers), and refuses a malformed one", async () => {
        const [routed] = await store.enqueueDeliveries([deliveryOf("hub", "C1", { to: { country_code: "DE", party_id: "MSP" } })]);
        expect(routed).toMatchObject({ to: { country_code: "DE", party_id: "MSP" } });
        expect((await claim())[0]).toMatchObject({ to: { country_code: "DE", party_id: "MSP" } });
        await expect(store.enqueueDeliveries([deliveryOf("hub", "C2", { to: { country_code: "DE" } as never })])).rejects.toThrow(/to must name/);
      });

      it("lists by party and state, paged", async () => {
        await store.enqueueDeliveries(["a", "b", "c", "d"].map((id, i) => deliveryOf(i % 2 ? "p2" : "p1", id)));
        const p1 = await store.listDeliveries({ partyId: "p1", offset: 0, limit: 10 });
        expect(p1.items.map((d) => d.orderKey)).toEqual(["a", "c"]);
        const page = await store.listDeliveries({ offset: 1, limit: 2 });
        expect({ total: page.total, keys: page.items.map((d) => d.orderKey) }).toEqual({ total: 4, keys: ["b", "c"] });
        expect((await store.listDeliveries({ state: "dead", offset: 0, limit: 10 })).total).toBe(0);
      });

      it("stores an object change and its deliveries together", async () => {
        const object = objectOf("L1", "2024-01-01T00:00:00Z");
        await store.putObject(object, { deliveries: [deliveryOf("p1", "L1"), deliveryOf("p2", "L1")] });
        expect(await store.getObject(object)).toEqual(object);
        expect((await store.listDeliveries({ offset: 0, limit: 10 })).items.map((d) => d.partyId)).toEqual(["p1", "p2"]);
      });

      it("enqueues nothing when the object change is refused", async () => {
        await expect(store.putObject({ ...objectOf("L1", "not a date") }, { deliveries: [deliveryOf("p1", "L1")] })).rejects.toThrow();
        expect((await store.listDeliveries({ offset: 0, limit: 10 })).total).toBe(0);
      });

      it("enqueues with updateObject only when the change writes an object", async () => {
        const key = keyOf("L1");
        await store.updateObject(key, () => undefined, { deliveries: [deliveryOf("p1", "L1", { body: 1 })] });
        expect((await store.listDeliveries({ offset: 0, limit: 10 })).total).toBe(0);
        await store.updateObject(key, () => objectOf("L1", "2024-01-01T00:00:00Z"), { deliveries: [deliveryOf("p1", "L1", { body: 2 })] });
        expect(keysOf((await store.listDeliveries({ offset: 0, limit: 10 })).items)).toEqual(["p1:L1:2"]);
        await expect(
          store.updateObject(
            key,
            () => {
              throw new Error("refused");
            },
            { deliveries: [deliveryOf("p1", "L1", { body: 3 })] },
          ),
        ).rejects.toThrow("refused");
        expect(keysOf((await store.listDeliveries({ offset: 0, limit: 10 })).items)).toEqual(["p1:L1:2"]);
      });

      it("drops earlier pending deliveries of the key for one that replaces them, but not one being delivered", async () => {
        await store.enqueueDeliveries([
          deliveryOf("p1", "L1", { body: 1 }),
          deliveryOf("p1", "L1", { body: 2 }),
          deliveryOf("p2", "L1", { body: 3 }),
          deliveryOf("p1", "L2", { body: 4 }),
        ]);
        expect(keysOf(await claim("w1", 1))).toEqual(["p1:L1:1"]);
        await store.enqueueDeliveries([deliveryOf("p1", "L1", { body: 5, replaces: true })]);
        expect(keysOf((await store.listDeliveries({ offset: 0, limit: 10 })).items)).toEqual(["p1:L1:1", "p2:L1:3", "p1:L2:4", "p1:L1:5"]);
      });
    });

    describe("claiming", () => {
      it("hands out the oldest first, one per party and order key, up to the limit", async () => {
        await store.enqueueDeliveries([
          deliveryOf("p1", "L1", { body: 1 }),
          deliveryOf("p1", "L1", { body: 2 }),
          deliveryOf("p2", "L1", { body: 3 }),
          deliveryOf("p1", "L2", { body: 4 }),
          deliveryOf("p1", "L3", { body: 5 }),
        ]);
        const first = await claim("w1", 2);
        expect(keysOf(first)).toEqual(["p1:L1:1", "p2:L1:3"]);
        expect(first.map((d) => [d.attempts, d.leasedBy])).toEqual([
          [1, "w1"],
          [1, "w1"],
        ]);
        expect(Date.parse(first[0]!.leaseUntil!)).toBeGreaterThan(Date.now());
        expect(keysOf(await claim("w2"))).toEqual(["p1:L2:4", "p1:L3:5"]);
        expect(await claim("w3")).toEqual([]);
      });

      it("hands out the next of an order key once the one before is delivered", async () => {
        await store.enqueueDeliveries([deliveryOf("p1", "L1", { body: 1 }), deliveryOf("p1", "L1", { body: 2 })]);
        const [first] = await claim();
        expect(await store.finishDelivery(first!.id, "w1", { state: "delivered" })).toBe(true);
        expect(keysOf((await store.listDeliveries({ offset: 0, limit: 10 })).items)).toEqual(["p1:L1:2"]);
        expect(keysOf(await claim())).toEqual(["p1:L1:2"]);
      });

      it("claims only a party's deliveries when asked", async () => {
        await store.enqueueDeliveries([deliveryOf("p1", "L1", { body: 1 }), deliveryOf("p2", "L1", { body: 2 })]);
        expect(keysOf(await claim("w1", 10, 60_000, "p2"))).toEqual(["p2:L1:2"]);
      });

      it("keeps a delivery to retry until it is due, and holds back the later ones of its key", async () => {
        await store.enqueueDeliveries([deliveryOf("p1", "L1", { body: 1 }), deliveryOf("p1", "L1", { body: 2 }), deliveryOf("p1", "L2", { body: 3 })]);
        const claimed = await claim("w1", 1);
        expect(await store.finishDelivery(claimed[0]!.id, "w1", { state: "retry", nextAttemptAt: soon(60_000), failure })).toBe(true);
        expect(keysOf(await claim())).toEqual(["p1:L2:3"]);
        const [waiting] = (await store.listDeliveries({ offset: 0, limit: 1 })).items;
        expect(waiting).toMatchObject({ state: "pending", attempts: 1, lastFailure: failure });
        expect(waiting!.leasedBy).toBeUndefined();
        expect(await store.nextDeliveryAt()).toBe(waiting!.nextAttemptAt);
      });

      it("claims a delivery to retry again once it is due, counting the attempts", async () => {
        await store.enqueueDeliveries([deliveryOf("p1", "L1")]);
        const [first] = await claim();
        await store.finishDelivery(first!.id, "w1", { state: "retry", nextAttemptAt: past(), failure });
        const [again] = await claim("w2");
        expect(again).toMatchObject({ id: first!.id, attempts: 2, leasedBy: "w2" });
      });

      it("lets another worker take a delivery whose lease ran out; the first can no longer finish it", async () => {
        await store.enqueueDeliveries([deliveryOf("p1", "L1")]);
        const [first] = await claim("w1", 10, 50);
        expect(await claim("w2")).toEqual([]);
        await sleep(120);
        const [taken] = await claim("w2");
        expect(taken).toMatchObject({ id: first!.id, attempts: 2, leasedBy: "w2" });
        expect(await store.finishDelivery(first!.id, "w1", { state: "delivered" })).toBe(false);
        expect(await store.finishDelivery(first!.id, "w2", { state: "delivered" })).toBe(true);
        expect((await store.listDeliveries({ offset: 0, limit: 10 })).total).toBe(0);
      });

      it("never hands one delivery to two workers claiming at once", async () => {
        await store.enqueueDeliveries(Array.from({ length: 40 }, (_, i) => deliveryOf(`p${i % 4}`, `L${i}`, { body: i })));
        const claims = await Promise.all(["a", "b", "c", "d"].map((worker) => claim(worker, 15)));
        const ids = claims.flat().map((d) => d.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.length).toBe(40);
      });

      it("says when the next pending delivery can be claimed", async () => {
        expect(await store.nextDeliveryAt()).toBeUndefined();
        const later = soon(60_000);
        await store.enqueueDeliveries([deliveryOf("p1", "L1")]);
        const [claimed] = await claim("w1", 1, 30_000);
        expect(Date.parse((await store.nextDeliveryAt())!)).toBe(Date.parse(claimed!.leaseUntil!));
        await store.finishDelivery(claimed!.id, "w1", { state: "retry", nextAttemptAt: later, failure });
        expect(Date.parse((await store.nextDeliveryAt())!)).toBe(Date.parse(later));
      });
    });

    describe("dead letters", () => {
      it("keeps a dead delivery with the answer, and lets the later ones of its key go", async () => {
        await store.enqueueDeliveries([deliveryOf("p1", "L1", { body: 1 }), deliveryOf("p1", "L1", { body: 2 })]);
        const [first] = await claim();
        const refused: DeliveryFailure = { error: "refused", httpStatus: 400, statusCode: 2001, statusMessage: "/evses/0/uid is required" };
        expect(await store.finishDelivery(first!.id, "w1", { state: "dead", failure: refused })).toBe(true);
        const dead = await store.listDeliveries({ state: "dead", offset: 0, limit: 10 });
        expect(dead.items).toHaveLength(1);
        expect(dead.items[0]).toMatchObject({ id: first!.id, state: "dead", lastFailure: refused, attempts: 1 });
        expect(dead.items[0]!.leasedBy).toBeUndefined();
        expect(keysOf(await claim())).toEqual(["p1:L1:2"]);
      });

      it("counts deliveries per party and state", async () => {
        await store.enqueueDeliveries([deliveryOf("p1", "L1"), deliveryOf("p1", "L2"), deliveryOf("p1", "L3"), deliveryOf("p2", "L1")]);
        const claimed = await claim("w1", 2, 60_000, "p1");
        await store.finishDelivery(claimed[0]!.id, "w1", { state: "dead", failure });
        const counts = await store.countDeliveries();
        const sorted = [...counts].sort((a, b) => (a.partyId + a.state).localeCompare(b.partyId + b.state));
        expect(sorted).toEqual([
          { partyId: "p1", state: "dead", count: 1 },
          { partyId: "p1", state: "leased", count: 1 },
          { partyId: "p1", state: "pending", count: 1 },
          { partyId: "p2", state: "pending", count: 1 },
        ]);
      });

      it("makes dead letters pending again, by party or by id", async () => {
        await store.enqueueDeliveries([deliveryOf("p1", "L1"), deliveryOf("p1", "L2"), deliveryOf("p2", "L1")]);
        for (const d of await claim()) await store.finishDelivery(d.id, "w1", { state: "dead", failure });
        const [, second] = (await store.listDeliveries({ offset: 0, limit: 10 })).items;
        expect(await store.retryDeadDeliveries({ ids: [second!.id] })).toBe(1);
        expect(await store.retryDeadDeliveries({ partyId: "p2" })).toBe(1);
        expect((await store.listDeliveries({ state: "pending", offset: 0, limit: 10 })).items.map((d) => [d.partyId, d.orderKey, d.attempts])).toEqual([
          ["p1", "L2", 0],
          ["p2", "L1", 0],
        ]);
        expect(keysOf(await claim())).toHaveLength(2);
        expect(await store.retryDeadDeliveries()).toBe(1);
        expect(await store.retryDeadDeliveries()).toBe(0);
      });

      it("holds back a dead letter sent again while a later delivery of its key is being delivered", async () => {
        await store.enqueueDeliveries([deliveryOf("p1", "L1", { body: 1 }), deliveryOf("p1", "L1", { body: 2 })]);
        const [first] = await claim();
        await store.finishDelivery(first!.id, "w1", { state: "dead", failure });
        const [second] = await claim("w1", 10, 30_000);
        expect(keysOf([second!])).toEqual(["p1:L1:2"]);
        expect(await store.retryDeadDeliveries()).toBe(1);
        expect(await claim("w2")).toEqual([]);
        expect(Date.parse((await store.nextDeliveryAt())!)).toBe(Date.parse(second!.leaseUntil!));
        await store.finishDelivery(second!.id, "w1", { state: "delivered" });
        expect(keysOf(await claim("w2"))).toEqual(["p1:L1:1"]);
      });

      it("finishes nothing it does not know", async () => {
        expect(await store.finishDelivery("12345", "w1", { state: "delivered" })).toBe(false);
      });
    });

    if (options.reopen) {
      const reopen = options.reopen;
      it("keeps deliveries, their attempts and dead letters when reopened", async () => {
        await store.putObject(objectOf("L1", "2024-01-01T00:00:00Z"), {
          deliveries: [
            deliveryOf("p1", "L1", { body: 1 }),
            deliveryOf("p1", "L2", { body: 2 }),
            deliveryOf("p1", "L3", { body: 3, to: { country_code: "DE", party_id: "MSP" } }),
          ],
        });
        const [a, b] = await claim("w1", 2);
        await store.finishDelivery(a!.id, "w1", { state: "dead", failure });
        await store.finishDelivery(b!.id, "w1", { state: "retry", nextAttemptAt: past(), failure });
        const before = (await store.listDeliveries({ offset: 0, limit: 10 })).items;
        store = await reopen(store);
        expect((await store.listDeliveries({ offset: 0, limit: 10 })).items).toEqual(before);
        const [next] = await store.enqueueDeliveries([deliveryOf("p1", "L4", { body: 4 })]);
        expect(next!.seq).toBeGreaterThan(Math.max(...before.map((d) => d.seq)));
        expect(keysOf(await claim())).toEqual(["p1:L2:2", "p1:L3:3", "p1:L4:4"]);
      });
    }
  });
}
