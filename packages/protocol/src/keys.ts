/**
 * OCPI object keys (country_code CiString(2), party_id CiString(3), Location.id, EVSE.uid, Connector.id, Session.id,
 * CDR.id, Tariff.id, Token.uid, ...) are CiStrings: case-insensitive. Whoever keeps or compares keys uses one
 * canonical form, so `NL/aaa/loc-x` and `nl/AAA/LOC-X` name the same object.
 */

const LOWER_ASCII = /[a-z]+/g;

/**
 * The canonical form of a CiString: ASCII letters a-z in upper case, every other character unchanged.
 *
 * Only ASCII letters, because a CiString is printable ASCII in the spec, and full Unicode case mapping
 * (String#toUpperCase) would do harm for the rest: it changes lengths ("ß" → "SS", breaking CiString(n) limits),
 * maps distinct strings to one ("ß" and "SS") and differs between Unicode versions, while this mapping is the same in
 * every runtime and in SQL (`translate(x, 'a…z', 'A…Z')`), and applying it twice changes nothing.
 */
export function canonicalCiString(value: string): string {
  return value.replace(LOWER_ASCII, (letters) => letters.toUpperCase());
}

/** Whether two CiStrings are equal: the same canonical form. */
export function sameCiString(a: string, b: string): boolean {
  return a === b || canonicalCiString(a) === canonicalCiString(b);
}
