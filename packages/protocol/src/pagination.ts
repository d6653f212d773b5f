/** Pagination on the wire: `offset`/`limit`/`date_from`/`date_to` in, `Link`/`X-Total-Count`/`X-Limit` out. */

export interface PageQuery {
  /** Only objects with last_updated at or after this DateTime (inclusive). */
  date_from?: string;
  /** Only objects with last_updated before this DateTime (exclusive). */
  date_to?: string;
  offset?: number;
  limit?: number;
}

/** The Link header of nearly every page: one next link and nothing else (no comma anywhere, so no other entry). */
const ONLY_NEXT = /^\s*<([^>,]*)>\s*;\s*rel\s*=\s*"?next"?\s*$/i;

/** The URL of a `Link` header's `rel="next"` entry, if any. */
export function parseNextLink(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  // One match for the common header, read below in full otherwise (it is read for every page of a crawl).
  const only = ONLY_NEXT.exec(header);
  if (only) return only[1]!;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>\s*((?:;[^;]*)*)$/.exec(part);
    if (!match) continue;
    const rels = [...match[2]!.matchAll(/;\s*rel\s*=\s*"?([^";]+)"?/gi)].flatMap((m) => m[1]!.toLowerCase().split(/\s+/));
    if (rels.includes("next")) return match[1]!;
  }
  return undefined;
}

/** The `Link` header value naming `url` as the next page. */
export function formatNextLink(url: string): string {
  return `<${url}>; rel="next"`;
}

/** A non-negative integer header (`X-Total-Count`, `X-Limit`), or undefined when absent or malformed. */
export function parseCountHeader(value: string | null | undefined): number | undefined {
  if (value == null || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value);
}
