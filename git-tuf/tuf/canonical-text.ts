/**
 * The canonical JSON of a metadata file's `signed`, read off the file's bytes instead of built
 * from the parsed document, when the file is already canonical but for whitespace: keys in
 * code-point order at every level (UTF-8 byte order is code-point order) and strictly increasing
 * (no repeats), keys without escapes, no `-0`. Dropping the whitespace outside strings and
 * decoding the escapes in strings (canonical JSON writes every character raw but `"` and `\`)
 * then gives exactly canonicalJson(signed): one pass over the bytes, no objects built, several
 * times faster on a large targets file. Anything else (unsorted keys, a key with an escape such
 * as python-tuf's `\uXXXX` for non-ASCII, a lone surrogate) gives null, and the caller
 * canonicalizes the parsed document. The bytes must be JSON that parseJson accepted.
 */

import { BACKSLASH, closingQuote, CLOSE_ARRAY, CLOSE_OBJECT, COLON, COMMA, isSpace, OPEN_ARRAY, OPEN_OBJECT, QUOTE, skipValue } from './json-codes.js';

const MINUS = 0x2d;
const ZERO = 0x30;

function hex4(bytes: Buffer, at: number): number {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const c = bytes[at + i];
    const digit = c === undefined ? -1 : c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/**
 * Writes the string whose content is bytes[start, end) to out at w as canonical JSON does: every
 * character raw (escapes decoded to UTF-8) but `"` and `\`, escaped. Returns the new w, or -1.
 */
function writeUnescaped(bytes: Buffer, start: number, end: number, out: Buffer, w: number): number {
  out[w++] = QUOTE;
  let at = start;
  while (at < end) {
    const c = bytes[at]!;
    if (c !== BACKSLASH) {
      out[w++] = c;
      at++;
      continue;
    }
    const kind = bytes[at + 1];
    at += 2;
    let point: number;
    if (kind === QUOTE || kind === BACKSLASH || kind === 0x2f) point = kind;
    else if (kind === 0x62) point = 0x08;
    else if (kind === 0x66) point = 0x0c;
    else if (kind === 0x6e) point = 0x0a;
    else if (kind === 0x72) point = 0x0d;
    else if (kind === 0x74) point = 0x09;
    else if (kind === 0x75) {
      point = hex4(bytes, at);
      at += 4;
      if (point >= 0xd800 && point <= 0xdfff) {
        // A high surrogate escape and a low one make a character; a lone half is refused by
        // canonicalJson, whose message the slow path gives.
        if (point > 0xdbff || bytes[at] !== BACKSLASH || bytes[at + 1] !== 0x75) return -1;
        const low = hex4(bytes, at + 2);
        if (low < 0xdc00 || low > 0xdfff) return -1;
        at += 6;
        point = 0x10000 + ((point - 0xd800) << 10) + (low - 0xdc00);
      }
    } else return -1;
    if (point < 0) return -1;
    if (point === QUOTE || point === BACKSLASH) {
      out[w++] = BACKSLASH;
      out[w++] = point;
    } else if (point < 0x80) out[w++] = point;
    else if (point < 0x800) {
      out[w++] = 0xc0 | (point >> 6);
      out[w++] = 0x80 | (point & 0x3f);
    } else if (point < 0x10000) {
      out[w++] = 0xe0 | (point >> 12);
      out[w++] = 0x80 | ((point >> 6) & 0x3f);
      out[w++] = 0x80 | (point & 0x3f);
    } else {
      out[w++] = 0xf0 | (point >> 18);
      out[w++] = 0x80 | ((point >> 12) & 0x3f);
      out[w++] = 0x80 | ((point >> 6) & 0x3f);
      out[w++] = 0x80 | (point & 0x3f);
    }
  }
  out[w++] = QUOTE;
  return w;
}

/** Whether the key bytes[a, aEnd) sorts strictly before bytes[b, bEnd) (bytewise: code-point order). */
function keyBefore(bytes: Buffer, a: number, aEnd: number, b: number, bEnd: number): boolean {
  for (;;) {
    if (a === aEnd) return b !== bEnd;
    if (b === bEnd) return false;
    const x = bytes[a]!;
    const y = bytes[b]!;
    if (x !== y) return x < y;
    a++;
    b++;
  }
}

/** Copies bytes[from, to) to out at w; returns the new w. A loop: most runs are a few bytes, where a native copy costs more. */
function copyRun(bytes: Buffer, from: number, to: number, out: Buffer, w: number): number {
  if (to - from > 64) return w + bytes.copy(out, w, from, to);
  for (let i = from; i < to; i++) out[w++] = bytes[i]!;
  return w;
}

/**
 * The canonical bytes of the value at `start`, or null when they cannot be read off the text.
 * One loop with an explicit stack (a value, then what may follow it) and no closures: this runs
 * over every byte of a 12 MiB file, so its variables stay locals.
 */
function canonicalValue(bytes: Buffer, start: number): { canonical: Buffer; end: number } | null {
  const out = Buffer.allocUnsafe(bytes.length);
  let w = 0;
  let at = start;
  // Per open container: is it an object, and where its previous key is (-1: none yet).
  const isObject: boolean[] = [];
  const keyStart: number[] = [];
  const keyEnd: number[] = [];
  let depth = 0;
  let wantKey = false;
  // Strings are found with indexOf (native) rather than byte by byte; the next backslash is
  // looked up once and again only when passed, so a file without escapes costs one search.
  let nextSlash = bytes.indexOf(BACKSLASH, start);
  const stringEnd = (from: number): number => {
    const quote = bytes.indexOf(QUOTE, from);
    if (nextSlash === -1 || quote < nextSlash) return quote;
    const end = closingQuote(bytes, from);
    nextSlash = bytes.indexOf(BACKSLASH, end);
    return end;
  };
  for (;;) {
    if (wantKey) {
      // `"key":`, sorting after the container's previous key.
      wantKey = false;
      while (isSpace(bytes[at])) at++;
      if (bytes[at] !== QUOTE) return null;
      const slash = nextSlash;
      const end = stringEnd(at + 1);
      if (end === -1) return null;
      // A key with an escape is not its bytes: leave its ordering to the slow path.
      if (slash !== -1 && slash < end) return null;
      const level = depth - 1;
      if (keyStart[level]! !== -1 && !keyBefore(bytes, keyStart[level]!, keyEnd[level]!, at + 1, end)) return null;
      keyStart[level] = at + 1;
      keyEnd[level] = end;
      w += bytes.copy(out, w, at, end + 1);
      at = end + 1;
      while (isSpace(bytes[at])) at++;
      if (bytes[at] !== COLON) return null;
      out[w++] = COLON;
      at++;
    }
    // A value.
    while (isSpace(bytes[at])) at++;
    let c = bytes[at];
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      out[w++] = c;
      at++;
      while (isSpace(bytes[at])) at++;
      const object = c === OPEN_OBJECT;
      if (bytes[at] === (object ? CLOSE_OBJECT : CLOSE_ARRAY)) {
        out[w++] = bytes[at++]!;
      } else {
        isObject[depth] = object;
        keyStart[depth] = -1;
        keyEnd[depth] = -1;
        depth++;
        wantKey = object;
        continue;
      }
    } else if (c === QUOTE) {
      const slash = nextSlash;
      const end = stringEnd(at + 1);
      if (end === -1) return null;
      if (slash !== -1 && slash < end) {
        w = writeUnescaped(bytes, at + 1, end, out, w);
        if (w < 0) return null;
      } else w += bytes.copy(out, w, at, end + 1);
      at = end + 1;
    } else {
      // A number (parseJson let only integers through), true, false or null.
      const begin = at;
      while (bytes[at] !== undefined && bytes[at] !== COMMA && bytes[at] !== CLOSE_OBJECT && bytes[at] !== CLOSE_ARRAY && !isSpace(bytes[at])) at++;
      if (at === begin) return null;
      if (bytes[begin] === MINUS && bytes[begin + 1] === ZERO) return null; // canonical JSON writes -0 as 0
      w = copyRun(bytes, begin, at, out, w);
    }
    // What follows a value: a comma and the next member, or closing brackets.
    for (;;) {
      if (depth === 0) return { canonical: out.subarray(0, w), end: at };
      while (isSpace(bytes[at])) at++;
      c = bytes[at++];
      const object = isObject[depth - 1]!;
      if (c === COMMA) {
        out[w++] = COMMA;
        wantKey = object;
        break;
      }
      if (c !== (object ? CLOSE_OBJECT : CLOSE_ARRAY)) return null;
      out[w++] = c;
      depth--;
    }
  }
}

/** canonicalJson(JSON.parse(bytes).signed), when the bytes allow reading it off directly; else null. */
export function canonicalSignedFromText(bytes: Buffer): Buffer | null {
  // Find the top-level "signed" (once: with two, JSON.parse keeps the last; leave that to it).
  let at = 0;
  while (isSpace(bytes[at])) at++;
  if (bytes[at] !== OPEN_OBJECT) return null;
  at++;
  let signed: Buffer | null = null;
  for (;;) {
    while (isSpace(bytes[at])) at++;
    if (bytes[at] !== QUOTE) return null;
    const end = closingQuote(bytes, at + 1);
    if (end === -1) return null;
    const isSigned = end - at - 1 === 6 && bytes.toString('latin1', at + 1, end) === 'signed';
    at = end + 1;
    while (isSpace(bytes[at])) at++;
    if (bytes[at] !== COLON) return null;
    at++;
    if (isSigned) {
      if (signed !== null) return null;
      const value = canonicalValue(bytes, at);
      if (value === null) return null;
      signed = value.canonical;
      at = value.end;
    } else {
      at = skipValue(bytes, at);
      if (at === -1) return null;
    }
    while (isSpace(bytes[at])) at++;
    const next = bytes[at++];
    if (next === CLOSE_OBJECT) break;
    if (next !== COMMA) return null;
  }
  return signed;
}
