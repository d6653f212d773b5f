/** JSON Pointer (RFC 6901) reference tokens, as the validators' issues and the unknown-fields walk write and read them. */

/** `~` as `~0`, `/` as `~1`. */
export const escapeToken = (token: string): string => token.replace(/~/g, "~0").replace(/\//g, "~1");

/** The token's text: `~1` as `/`, `~0` as `~`. */
export const unescapeToken = (token: string): string => token.replace(/~1/g, "/").replace(/~0/g, "~");
