import { describe, expect, it } from "vitest";
import { MemoryStore } from "../store/memory.js";
import type { Store } from "../store/store.js";
import type { RawJsonList } from "../runtime/routes.js";
import { PublishedIndex } from "./published.js";

const at = (i: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString().replace(".000", "");
const put = (store: Store, i: number, publish: boolean) =>
  store.putObject({
    module: "locations",
    country_code: "NL",
    party_id: "CPO",
    id: `L${String(i).padStart(4, "0")}`,
    last_updated: at(i),
    data: { id: `L${String(i).padStart(4, "0")}`, publish, last_updated: at(i) },
  });

/** A store that cannot say when it changed, nor give JSON text: the index reads objects and goes by age. */
function blind(store: Store): Store {
  return new Proxy(store, {
    get(target, name, receiver) {
      if (name === "objectsRevision" || name === "listObjectsJson") return undefined;
      const value = Reflect.get(target, name, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const ids = (page: { items: unknown }) => (JSON.parse((page.items as RawJsonList).json) as { id: string }[]).map((l) => l.id);

describe("PublishedIndex", () => {
  it("pages over the published objects of a store larger than one scan page, in the store's order", async () => {
    const store = new MemoryStore();
    // Written out of order: the store orders by last_updated.
    for (let i = 2499; i >= 0; i--) await put(store, i, i % 5 === 0);
    const index = new PublishedIndex(store, "locations");
    const first = await index.page({ offset: 0, limit: 3 });
    expect([ids(first), first.total]).toEqual([["L0000", "L0005", "L0010"], 500]);
    const last = await index.page({ offset: 498, limit: 10 });
    expect(ids(last)).toEqual(["L2490", "L2495"]);
    const window = await index.page({ offset: 1, limit: 100, date_from: at(1000), date_to: at(1020) });
    expect([ids(window), window.total]).toEqual([["L1005", "L1010", "L1015"], 4]);
    expect((await index.page({ offset: 600, limit: 10 })).items).toHaveProperty("length", 0);
  });

  it.each([
    ["with a revision, follows every change", (s: Store) => s, {}, ["L0001"]],
    ["without one, keeps an index younger than maxAgeMs", blind, { maxAgeMs: 3_600_000 }, ["L0000"]],
    ["without one, reads again once it is older", blind, { maxAgeMs: 0 }, ["L0001"]],
  ] as const)("%s", async (_, view, options, expected) => {
    const store = new MemoryStore();
    await put(store, 0, true);
    await put(store, 1, false);
    const index = new PublishedIndex(view(store), "locations", options);
    expect(ids(await index.page({ offset: 0, limit: 10 }))).toEqual(["L0000"]);
    await put(store, 0, false);
    await put(store, 1, true);
    expect(ids(await index.page({ offset: 0, limit: 10 }))).toEqual(expected);
  });
});
