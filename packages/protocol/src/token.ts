/**
 * `Authorization: Token <token>`. From OCPI 2.2 the token is base64-encoded in the header (it travels raw in the
 * credentials object); OCPI 2.1.1 sends it raw. Peers in the field do both, so reading is tolerant.
 */

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Base64 of the UTF-8 bytes of `text`, as OCPI 2.2 and later put a token in the `Authorization` header. */
export function base64Encode(text: string): string {
  let binary = "";
  for (const byte of utf8.encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The decoded text, or undefined when `value` is not base64 of UTF-8 text. */
export function base64Decode(value: string): string | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || value.length % 4 !== 0) return undefined;
  try {
    const binary = atob(value);
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return fromUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Whether a version sends the token base64-encoded (2.2 and later). */
export const usesBase64Token = (version: string): boolean => !/^2\.[01](\.|$)/.test(version);

/** The Authorization header value for a token in a version. */
export function authorizationHeader(token: string, version: string): string {
  return `Token ${usesBase64Token(version) ? base64Encode(token) : token}`;
}

/**
 * The tokens an Authorization header may carry, most likely first: the base64-decoded value (when the header
 * decodes to printable text) and the raw value. `undefined` when there is no `Token` credential at all.
 */
export function tokenCandidates(header: string | null | undefined): string[] | undefined {
  const match = /^Token\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match) return undefined;
  const raw = match[1]!;
  const decoded = base64Decode(raw);
  return decoded !== undefined && /^[\x20-\x7e]+$/.test(decoded) && decoded !== raw ? [decoded, raw] : [raw];
}
