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

/** String format checks the generated code looks up by format name. */
export const formats: Record<string, (value: string) => boolean> = {
  uri: (value) => ABSOLUTE_URL.test(value),
  "uri-reference": (value) => URL_REFERENCE.test(value),
};
