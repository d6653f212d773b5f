/** JSON Pointer (RFC 6901), the form every issue, repair and note names its field in. */

/** One reference token of a JSON Pointer: `~` as `~0`, `/` as `~1`. */
export const escapePointerToken = (token: string): string => token.replace(/~/g, "~0").replace(/\//g, "~1");
