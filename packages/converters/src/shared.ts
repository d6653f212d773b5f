// Helpers the converter modules share: printable-ASCII transliteration and fitting to a length, six-decimal
// coordinates, id fitting, DisplayText down-conversion, the enum tables several modules check against, nesting and
// chaining conversions. Where modules did a thing in slightly different ways, a parameter keeps what each one does
// (the presets below say which module does what), so that no converter's output or notes change. Internal to the
// package: index.ts exports only sixDecimals and toPrintableAscii (through the locations module).
import type * as V211 from "@ocpi-sdk/types/2.1.1";
import type * as V221 from "@ocpi-sdk/types/2.2.1";
import { done, Notes, type Conversion, type ConversionNote } from "./conversion.js";

// ---------------------------------------------------------------------------------------------------------------------
// Enum tables (Record<Enum, true>: the compiler checks each list is complete and exact)

/** Whether `value` is a member of the enum whose table `members` is. @internal */
/**
 * A deep copy of JSON data (what every converter takes): several times faster than structuredClone on OCPI objects,
 * which matters where a server converts every object of a page.
 */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = cloneJson((value as Record<string, unknown>)[key]);
  return out as T;
}

export function isIn<T extends string>(members: Record<T, true>, value: string): value is T {
  return Object.hasOwn(members, value);
}

/** A type guard for the enum whose table `members` is. @internal */
export function memberOf<T extends string>(members: Record<T, true>): (value: string) => value is T {
  return (value: string): value is T => isIn(members, value);
}

/** @internal */
export const CONNECTOR_TYPES_211: Record<V211.ConnectorType, true> = {
  CHADEMO: true,
  DOMESTIC_A: true,
  DOMESTIC_B: true,
  DOMESTIC_C: true,
  DOMESTIC_D: true,
  DOMESTIC_E: true,
  DOMESTIC_F: true,
  DOMESTIC_G: true,
  DOMESTIC_H: true,
  DOMESTIC_I: true,
  DOMESTIC_J: true,
  DOMESTIC_K: true,
  DOMESTIC_L: true,
  IEC_60309_2_single_16: true,
  IEC_60309_2_three_16: true,
  IEC_60309_2_three_32: true,
  IEC_60309_2_three_64: true,
  IEC_62196_T1: true,
  IEC_62196_T1_COMBO: true,
  IEC_62196_T2: true,
  IEC_62196_T2_COMBO: true,
  IEC_62196_T3A: true,
  IEC_62196_T3C: true,
  TESLA_R: true,
  TESLA_S: true,
};

/** @internal */
export const CONNECTOR_TYPES_221: Record<V221.ConnectorType, true> = {
  ...CONNECTOR_TYPES_211,
  CHAOJI: true,
  DOMESTIC_M: true,
  DOMESTIC_N: true,
  DOMESTIC_O: true,
  GBT_AC: true,
  GBT_DC: true,
  NEMA_5_20: true,
  NEMA_6_30: true,
  NEMA_6_50: true,
  NEMA_10_30: true,
  NEMA_10_50: true,
  NEMA_14_30: true,
  NEMA_14_50: true,
  PANTOGRAPH_BOTTOM_UP: true,
  PANTOGRAPH_TOP_DOWN: true,
};

/** @internal */
export const TOKEN_TYPES_221: Record<V221.TokenType, true> = {
  AD_HOC_USER: true,
  APP_USER: true,
  OTHER: true,
  RFID: true,
};

/** @internal */
export const IMAGE_CATEGORIES_221: Record<V221.ImageCategory, true> = {
  CHARGER: true,
  ENTRANCE: true,
  LOCATION: true,
  NETWORK: true,
  OPERATOR: true,
  OTHER: true,
  OWNER: true,
};

/** @internal */
export const ENVIRONMENTAL_IMPACT_CATEGORIES_221: Record<V221.EnvironmentalImpactCategory, true> = {
  NUCLEAR_WASTE: true,
  CARBON_DIOXIDE: true,
};

// ---------------------------------------------------------------------------------------------------------------------
// Printable ASCII (2.1.1 strings)

const PRINTABLE_ASCII = /^[ -~]*$/;

/** Letters that Unicode decomposition does not reduce to ASCII, or that read better spelled out. */
const SPELLED_OUT: Readonly<Record<string, string>> = {
  ß: "ss",
  ẞ: "SS",
  ä: "ae",
  ö: "oe",
  ü: "ue",
  Ä: "Ae",
  Ö: "Oe",
  Ü: "Ue",
  æ: "ae",
  Æ: "AE",
  ø: "o",
  Ø: "O",
  œ: "oe",
  Œ: "OE",
  þ: "th",
  Þ: "Th",
  ð: "d",
  Ð: "D",
  đ: "d",
  Đ: "D",
  ħ: "h",
  Ħ: "H",
  ł: "l",
  Ł: "L",
  ı: "i",
  "\u00A0": " ",
  "\u2018": "'",
  "\u2019": "'",
  "\u201A": "'",
  "\u201C": '"',
  "\u201D": '"',
  "\u201E": '"',
  "\u2013": "-",
  "\u2014": "-",
  "\u2026": "...",
  "€": "EUR",
};

/** Printable ASCII for any text: special letters spelled out (ä → ae), accents stripped, anything else becomes "?". */
export function toPrintableAscii(text: string): string {
  let spelled = "";
  for (const char of text.normalize("NFC")) spelled += SPELLED_OUT[char] ?? char;
  return spelled
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^ -~]/gu, "?");
}

/** Signs and letters decomposition leaves outside ASCII, for {@link decomposeToAscii}. */
// prettier-ignore
const SPELLED_AFTER_DECOMPOSITION: Readonly<Record<string, string>> = {
  "€": "EUR",
  "£": "GBP",
  "¥": "JPY",
  ß: "ss",
  Æ: "AE",
  æ: "ae",
  Ø: "O",
  ø: "o",
  Œ: "OE",
  œ: "oe",
  Ł: "L",
  ł: "l",
  Đ: "D",
  đ: "d",
  Þ: "Th",
  þ: "th",
  "‘": "'",
  "’": "'",
  "‚": ",",
  "“": '"',
  "”": '"',
  "„": '"',
  "–": "-",
  "—": "-",
};

/**
 * Printable ASCII for any text, decomposing first: accents stripped (ä → a), white space as " ", a few signs spelled
 * out, anything else "?". @internal
 */
export function decomposeToAscii(text: string): string {
  let out = "";
  for (const ch of text.normalize("NFKD")) {
    if (ch >= " " && ch <= "~") out += ch;
    else if (/\p{M}/u.test(ch)) continue;
    else if (/\s/u.test(ch)) out += " ";
    else out += SPELLED_AFTER_DECOMPOSITION[ch] ?? "?";
  }
  return out;
}

/** How a module fits free text into a 2.1.1 string. @internal */
export interface AsciiFit {
  /** Makes any text printable ASCII. */
  transliterate: (text: string) => string;
  /** Whether text that is printable ASCII already is shortened to the limit too, or goes as it is. */
  shortensAscii: boolean;
  /** The detail of the `changed` note; without one, the note says what was done (transliterated, shortened, both). */
  detail?: string;
}

/** The locations module's fit: spelled out, ASCII shortened too, the note saying what was done. @internal */
export const SPELLED_ASCII: AsciiFit = { transliterate: toPrintableAscii, shortensAscii: true };

/** The CDRs module's fit: as {@link SPELLED_ASCII}, with one note whatever was done. @internal */
export const SPELLED_ASCII_TERSE: AsciiFit = {
  transliterate: toPrintableAscii,
  shortensAscii: true,
  detail: "2.1.1 strings are printable ASCII: transliterated",
};

/** The tariffs, tokens and credentials modules' fit: decomposed, ASCII text never shortened. @internal */
export const DECOMPOSED_ASCII: AsciiFit = {
  transliterate: decomposeToAscii,
  shortensAscii: false,
  detail: "non-ASCII characters transliterated (2.1.1 strings are printable ASCII)",
};

/** A free text as a 2.1.1 string (printable ASCII) of at most `max` characters, noted when it changes. @internal */
export function fitAscii(value: string, max: number, field: string, notes: Notes, fit: AsciiFit): string {
  const printable = PRINTABLE_ASCII.test(value);
  if (printable && (!fit.shortensAscii || value.length <= max)) return value;
  const folded = printable ? value : fit.transliterate(value);
  const fitted = folded.slice(0, max);
  const what = [
    printable ? "" : "transliterated to printable ASCII, as 2.1.1 strings are",
    fitted.length < folded.length ? `shortened to ${max} characters` : "",
  ];
  notes.changed(field, fit.detail ?? what.filter(Boolean).join(", then "));
  return fitted;
}

/** An identifier 2.1.1 cannot hold (not printable ASCII, or too long) is dropped rather than altered. @internal */
export function asciiId<K extends string>(value: string | undefined, max: number, field: K, notes: Notes): { [P in K]?: string } {
  if (value === undefined) return {};
  if (PRINTABLE_ASCII.test(value) && value.length <= max) return { [field]: value } as { [P in K]?: string };
  notes.dropped(field, "not ASCII, which 2.1.1 requires; an identifier is not altered");
  return {};
}

/**
 * A 2.2.1 DisplayText as 2.1.1: `language` (2) and `text` (512) fitted to printable ASCII. Unknown fields stay where
 * they were, or come after the two with `knownFieldsFirst` (the locations module's order). @internal
 */
export function displayTextDown(text: V221.DisplayText, notes: Notes, fit: AsciiFit, knownFieldsFirst = false): V211.DisplayText {
  const { language, text: words, ...rest } = text;
  const fitted = {
    language: fitAscii(language, 2, "language", notes, fit),
    text: fitAscii(words, 512, "text", notes, fit),
  };
  return knownFieldsFirst ? { ...fitted, ...rest } : { ...text, ...fitted };
}

// ---------------------------------------------------------------------------------------------------------------------
// Coordinates

/**
 * A decimal degree string with exactly six decimals (2.1.1), padded or rounded half away from zero. A negative value
 * that rounds to zero loses its minus unless `keepMinusOnZero`.
 */
export function sixDecimals(value: string, keepMinusOnZero = false): string {
  const match = /^(-?)([0-9]+)\.([0-9]+)$/.exec(value);
  if (!match) return value;
  const [, sign = "", whole = "", fraction = ""] = match;
  if (fraction.length <= 6) return `${sign}${whole}.${fraction.padEnd(6, "0")}`;
  let scaled = BigInt(whole + fraction.slice(0, 6));
  if (fraction.charCodeAt(6) >= 0x35 /* "5" */) scaled += 1n;
  const digits = scaled.toString().padStart(7, "0");
  const rounded = `${digits.slice(0, -6)}.${digits.slice(-6)}`;
  return scaled === 0n && !keepMinusOnZero ? rounded : sign + rounded;
}

/** How a module writes a coordinate for 2.1.1 and notes it. @internal */
export interface CoordinateFit {
  keepMinusOnZero: boolean;
  /** The detail of the `changed` note, by whether the value was padded (else rounded). */
  detail: (padded: boolean) => string;
}

/** A latitude or longitude with the six decimals 2.1.1 requires, noted as changed when it changes. @internal */
export function coordinateDown(value: string, field: string, notes: Notes, fit: CoordinateFit): string {
  const six = sixDecimals(value, fit.keepMinusOnZero);
  if (six !== value) notes.changed(field, fit.detail(six.length > value.length));
  return six;
}

// ---------------------------------------------------------------------------------------------------------------------
// Ids

/** An id the target allows fewer characters for, cut to `max`; the note ends with `why`. @internal */
export function shorten(value: string, max: number, field: string, notes: Notes, why: string): string {
  if (value.length <= max) return value;
  notes.changed(field, `shortened from ${value.length} to ${max} characters, ${why}`);
  return value.slice(0, max);
}

/**
 * An id that must not be cut: itself, or a RangeError when it is longer than `max` (`<where>: "<id>" is longer than the
 * <max> characters <target> allows`). @internal
 */
export function refuseLonger(id: string, max: number, where: string, target = "the target version"): string {
  if (id.length > max) throw new RangeError(`${where}: "${id}" is longer than the ${max} characters ${target} allows`);
  return id;
}

// ---------------------------------------------------------------------------------------------------------------------
// Notes

/** Notes a `dropped` for every field present. @internal */
export function dropPresent(fields: object, notes: Notes, detail: string): void {
  for (const [field, value] of Object.entries(fields)) if (value !== undefined) notes.dropped(field, detail);
}

/**
 * A custom field of the source that has the name of a field the converter fills in the target cannot be carried
 * over: noted as dropped. @internal
 */
export function dropShadowed<T extends object>(custom: object, result: T, notes: Notes): T {
  for (const [key, value] of Object.entries(custom)) {
    if ((result as Record<string, unknown>)[key] !== value) {
      notes.dropped(key, "an unknown field with the name of a field the target version fills");
    }
  }
  return result;
}

/** The value of a nested object's conversion, its notes added to `notes` under `pointer` (e.g. "/token"). @internal */
export function nested<T>(notes: Notes, pointer: string, conversion: Conversion<T>): T {
  for (const note of conversion.notes) notes.list.push({ ...note, pointer: `${pointer}${note.pointer}` });
  return conversion.value;
}

// ---------------------------------------------------------------------------------------------------------------------
// Conversions

/** A copy of a value both versions hold alike: nothing lost, nothing noted. @internal */
export function unchanged<T>(value: T): Conversion<T> {
  return done(cloneJson(value), new Notes());
}

/** @internal */
export interface ChainOptions {
  /** Maps the pointer of a second-step dropped or changed note (into the object in between) to the source's. */
  toSource?: (pointer: string) => string;
  /** Keep every first-step note, also those on what the second step drops (the locations module does). */
  keepFirstNotes?: boolean;
}

/**
 * Two conversion steps as one: the second step's value, and the notes of both. Unless `keepFirstNotes`, first-step
 * notes (but defaulted ones) on fields the second step drops are left out: the drop says it all. When the first step
 * has no value (an object the middle version cannot hold), it is the result. @internal
 */
export function chain<B, C>(
  first: Conversion<B>,
  second: (value: Exclude<B, undefined>) => Conversion<C>,
  options: ChainOptions = {},
): Conversion<C | Extract<B, undefined>> {
  if (first.value === undefined) return { value: undefined as Extract<B, undefined>, notes: first.notes };
  const next = second(first.value as Exclude<B, undefined>);
  const { toSource, keepFirstNotes = false } = options;
  const mapped: ConversionNote[] =
    toSource === undefined ? next.notes : next.notes.map((n) => (n.kind === "defaulted" ? n : { ...n, pointer: toSource(n.pointer) }));
  if (keepFirstNotes) return { value: next.value, notes: [...first.notes, ...mapped] };
  const gone = mapped.filter((n) => n.kind === "dropped").map((n) => n.pointer);
  const kept = first.notes.filter((n) => n.kind === "defaulted" || !gone.some((p) => n.pointer === p || n.pointer.startsWith(`${p}/`)));
  return { value: next.value, notes: [...kept, ...mapped] };
}
