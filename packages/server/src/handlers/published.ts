/**
 * The published Locations of ours (`publish: true`), for open data: an in-process index in the store's list order
 * (last_updated, then keys), holding each one's key, last_updated and JSON text. A page is a slice of it, so
 * X-Total-Count counts published Locations only and offsets page over them alone, without reading the store.
 *
 * The index is built by one scan of every Location (pages of SCAN_PAGE), again whenever the store says that anything
 * changed (`objectsRevision`, MemoryStore), or, for a store that cannot say (PostgresStore), once it is older than
 * `maxAgeMs`: open data from such a store may be that much behind.
 */
import type { Store } from "../store/store.js";
import { instantOf } from "../store/memory.js";
import { RawJsonList, type Page } from "../runtime/routes.js";

const SCAN_PAGE = 1000;

interface Entry {
  /** instantOf(last_updated): sorts and compares as the store does. */
  instant: string;
  json: string;
}

interface Built {
  entries: Entry[];
  revision: number | undefined;
  builtAt: number;
}

export interface PublishedIndexOptions {
  /** Longest an index is used on a store without objectsRevision (default 10 s). */
  maxAgeMs?: number;
}

export class PublishedIndex {
  private built?: Built;
  private building?: Promise<Built>;
  private readonly maxAgeMs: number;

  constructor(
    private readonly store: Store,
    private readonly module: string,
    options: PublishedIndexOptions = {},
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 10_000;
  }

  /** One page of the published objects in the window [date_from, date_to), and how many the window holds. */
  async page(page: { offset: number; limit: number; date_from?: string; date_to?: string }): Promise<Page<never>> {
    const { entries } = await this.current();
    const from = page.date_from === undefined ? 0 : lowerBound(entries, instantOf(page.date_from));
    const to = page.date_to === undefined ? entries.length : lowerBound(entries, instantOf(page.date_to));
    const total = Math.max(0, to - from);
    const slice = entries.slice(from + page.offset, Math.min(to, from + page.offset + page.limit));
    return { items: new RawJsonList(`[${slice.map((e) => e.json).join(",")}]`, slice.length), total };
  }

  private async current(): Promise<Built> {
    const revision = this.store.objectsRevision?.();
    const built = this.built;
    const fresh = built && (revision !== undefined ? built.revision === revision : Date.now() - built.builtAt < this.maxAgeMs);
    if (fresh) return built;
    // Requests that find the index out of date share one scan.
    this.building ??= this.scan().finally(() => (this.building = undefined));
    return this.building;
  }

  private async scan(): Promise<Built> {
    const revision = this.store.objectsRevision?.();
    const builtAt = Date.now();
    const seen = new Set<string>();
    const entries: Entry[] = [];
    for (let offset = 0; ; offset += SCAN_PAGE) {
      const query = { module: this.module, offset, limit: SCAN_PAGE };
      const items = this.store.listObjectsJson
        ? (await this.store.listObjectsJson(query)).items.map((o) => ({
            key: keyOf(o),
            last_updated: o.last_updated,
            json: o.json,
            data: undefined as unknown,
          }))
        : (await this.store.listObjects(query)).items.map((o) => ({
            key: keyOf(o),
            last_updated: o.last_updated,
            json: undefined as string | undefined,
            data: o.data,
          }));
      for (const item of items) {
        // A write during the scan shifts the pages by one: an object seen twice is kept once.
        if (seen.has(item.key)) continue;
        seen.add(item.key);
        const data = item.json === undefined ? item.data : (JSON.parse(item.json) as unknown);
        if ((data as { publish?: unknown } | null)?.publish !== true) continue;
        entries.push({ instant: instantOf(item.last_updated), json: item.json ?? JSON.stringify(data) });
      }
      if (items.length < SCAN_PAGE) break;
    }
    // The order the pages came in, unless a write moved an object meanwhile: sorted again by the store's first key.
    entries.sort((a, b) => (a.instant < b.instant ? -1 : a.instant > b.instant ? 1 : 0));
    const built = { entries, revision, builtAt };
    // A scan that saw the store change is used by the requests that waited for it, and not kept.
    if (revision === undefined || this.store.objectsRevision?.() === revision) this.built = built;
    return built;
  }
}

const keyOf = (o: { country_code: string; party_id: string; id: string }) => `${o.country_code}\u0000${o.party_id}\u0000${o.id}`;

/** The first index whose instant is not before `instant`. */
function lowerBound(entries: readonly Entry[], instant: string): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]!.instant < instant) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
