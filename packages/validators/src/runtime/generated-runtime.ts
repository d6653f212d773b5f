/**
 * What the precompiled validators call at run time. Plain functions with no dependency, so the generated
 * code runs in any JavaScript runtime (no `require`, no schema compilation).
 */

/** Length of a string in Unicode code points, as JSON Schema counts `maxLength` (a surrogate pair is one). */
export function ucs2length(str: string): number {
  let length = 0;
  for (let i = 0; i < str.length; i++) {
    length++;
    const code = str.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < str.length) {
      const next = str.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return length;
}

/** An absolute URL with a scheme and a host, and no white space (OCPI URLs are endpoint addresses). */
const ABSOLUTE_URL = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/?#@]+(?:@[^\s/?#]+)?(?:[/?#]\S*)?$/;

/**
 * A URL as the spec's URL type allows (absolute or relative, per the w3.org URL spec): no white space, no control
 * characters, none of the characters URLs never carry unescaped.
 */
const URL_REFERENCE = /^[^\s\x00-\x1F\x7F<>"{}|\\^`]+$/;

/** The OCPI DateTime: the same grammar as the schemas' pattern. */
const OCPI_DATE_TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?Z?$/;
/** A calendar date (YYYY-MM-DD), as the tariff restrictions' start_date and end_date. */
const OCPI_DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

const isLeapYear = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Whether the day exists in the (proleptic) Gregorian calendar: year 0001 to 9999 (RFC 3339 and ISO 8601 without
 * expansion have no year 0000), month 01 to 12, day within the month, February 29 only in leap years.
 */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  const days = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  return day <= days;
}

/** The number the ASCII digits at `from` (inclusive) to `to` (exclusive) write. */
function digitsAt(value: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (value.charCodeAt(i) - 48);
  return n;
}

/**
 * Whether a value the grammar accepted (YYYY-MM-DD at its start) names a day that exists. Read from the characters,
 * not from regular expression captures: every DateTime of every object passes here, and a crawl validates many.
 */
const dateExists = (value: string) => isCalendarDate(digitsAt(value, 0, 4), digitsAt(value, 5, 7), digitsAt(value, 8, 10));

/** `ocpi-date`: a calendar date (YYYY-MM-DD) on a day that exists. */
export const formatOcpiDate = (value: string): boolean => OCPI_DATE.test(value) && dateExists(value);
/** `ocpi-date-time`: the OCPI DateTime grammar, on a day that exists. */
export const formatOcpiDateTime = (value: string): boolean => OCPI_DATE_TIME.test(value) && dateExists(value);
/** `uri`: an absolute URL with a scheme and a host. */
export const formatUri = (value: string): boolean => ABSOLUTE_URL.test(value);
/** `uri-reference`: a URL (absolute or relative) without white space. */
export const formatUriReference = (value: string): boolean => URL_REFERENCE.test(value);

/**
 * String format checks by format name. The generated code imports each by its own name (`format` and the format's
 * name in camel case), so that a bundle keeps only the checks its validators use.
 *
 * `ocpi-date-time` and `ocpi-date` stand beside the schemas' patterns: a pattern cannot tell 2024-02-30 or year 0000
 * from a real day, the format can. Each checks the whole grammar too, so that it means the same on its own; when a
 * value fails both, the issues report it once, by the pattern (see `issues.ts`).
 */
export const formats: Record<string, (value: string) => boolean> = {
  "ocpi-date": formatOcpiDate,
  "ocpi-date-time": formatOcpiDateTime,
  uri: formatUri,
  "uri-reference": formatUriReference,
};
