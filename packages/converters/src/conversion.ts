import { escapePointerToken } from "@ocpi-sdk/protocol";

/** What every converter returns: the converted object, and what it could not carry over as it was. */
export type ConversionNoteKind =
  /** The source field has no place in the target version; its value is lost. */
  | "dropped"
  /** The target version requires a field the source did not have; a default (or the caller's context) filled it. */
  | "defaulted"
  /** The value was carried over in another form (renamed, re-typed, split or merged, a value mapped). */
  | "changed";

/** One thing a converter could not carry over as it was: its kind, where, and why. */
export interface ConversionNote {
  kind: ConversionNoteKind;
  /** JSON pointer in the source object (dropped, changed) or in the result (defaulted). */
  pointer: string;
  /** What happened, in plain words. */
  detail: string;
}

/** A converter's result: the converted `value`, and `notes` on what was dropped, defaulted or changed on the way. */
export interface Conversion<T> {
  value: T;
  notes: ConversionNote[];
}

/** Collects notes while a converter walks an object; pointers are built from a base. */
export class Notes {
  constructor(
    private readonly base = "",
    readonly list: ConversionNote[] = [],
  ) {}

  /** Notes for a nested object or array item, sharing this list. */
  at(segment: string | number): Notes {
    return new Notes(`${this.base}/${escapePointerToken(String(segment))}`, this.list);
  }

  /** Notes that `field` has no place in the target version: its value is lost. */
  dropped(field: string, detail: string): void {
    this.list.push({ kind: "dropped", pointer: `${this.base}/${field}`, detail });
  }

  /** Notes that the target's `field` was filled by a default or from the caller's context. */
  defaulted(field: string, detail: string): void {
    this.list.push({ kind: "defaulted", pointer: `${this.base}/${field}`, detail });
  }

  /** Notes that `field` was carried over in another form (renamed, re-typed, a value mapped). */
  changed(field: string, detail: string): void {
    this.list.push({ kind: "changed", pointer: `${this.base}/${field}`, detail });
  }
}

export function done<T>(value: T, notes: Notes): Conversion<T> {
  return { value, notes: notes.list };
}

/** The party that owns an object, which OCPI 2.1.1 objects do not carry but 2.2 objects must. */
export interface Owner {
  country_code: string;
  party_id: string;
}
