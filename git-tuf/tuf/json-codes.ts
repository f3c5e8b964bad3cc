// The characters JSON's structure is made of, as char codes (the same in UTF-16 and in UTF-8
// bytes), and the byte scanners built on them, for reading JSON text without parsing it
// (skim.ts, canonical-text.ts). UTF-8 never uses these bytes inside a multi-byte character.
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;

/** JSON's whitespace: space, line feed, carriage return, tab. */
export const isSpace = (c: number | undefined): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Index of the closing quote of the string whose content starts at `at`; -1 past the end. */
export function closingQuote(bytes: Buffer, at: number): number {
  // A native search for the next quote, then a look back: an odd number of backslashes escapes it.
  for (;;) {
    const quote = bytes.indexOf(QUOTE, at);
    if (quote === -1) return -1;
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    at = quote + 1;
  }
}

/** What a byte is to skipValue's loop: a quote, an opening or a closing bracket, or (0) anything else. */
const STRING = 1;
const OPENING = 2;
const CLOSING = 3;
const STRUCTURE = new Uint8Array(256);
STRUCTURE[QUOTE] = STRING;
STRUCTURE[OPEN_OBJECT] = STRUCTURE[OPEN_ARRAY] = OPENING;
STRUCTURE[CLOSE_OBJECT] = STRUCTURE[CLOSE_ARRAY] = CLOSING;

/** Index just past the JSON value at `at` (after whitespace), any escapes or key order; -1 if malformed. */
export function skipValue(bytes: Buffer, at: number): number {
  while (isSpace(bytes[at])) at++;
  const first = bytes[at];
  if (first === undefined) return -1;
  if (first === QUOTE) {
    const end = closingQuote(bytes, at + 1);
    return end === -1 ? -1 : end + 1;
  }
  if (first !== OPEN_OBJECT && first !== OPEN_ARRAY) {
    // A scalar: up to the next delimiter.
    while (bytes[at] !== undefined && bytes[at] !== COMMA && bytes[at] !== CLOSE_OBJECT && bytes[at] !== CLOSE_ARRAY && !isSpace(bytes[at])) at++;
    return at;
  }
  // A table lookup per byte: most bytes of a large file are neither quotes nor brackets.
  let depth = 0;
  for (const length = bytes.length; at < length; at++) {
    const kind = STRUCTURE[bytes[at]!];
    if (kind === 0) continue;
    if (kind === STRING) {
      at = closingQuote(bytes, at + 1);
      if (at === -1) return -1;
    } else if (kind === OPENING) depth++;
    else if (--depth === 0) return at + 1;
  }
  return -1;
}
