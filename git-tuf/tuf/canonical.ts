import { GitTufError } from '../errors.js';

/**
 * Orders two strings by Unicode code point, as Python's `sorted` does. JavaScript's `<` compares
 * UTF-16 code units, which disagrees once an astral character (a surrogate pair, units
 * D800..DFFF) meets a character in U+E000..U+FFFF. Returns a negative, zero or positive number.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length - b.length;
  const ua = a.charCodeAt(i);
  const ub = b.charCodeAt(i);
  // Fast path: below the surrogates, code units are code points.
  if (ua < 0xd800 && ub < 0xd800) return ua - ub;
  // The strings may differ in the low half of a pair whose high half they share: compare the
  // whole code points starting at that high half (equal only if both halves stand alone).
  if (i > 0) {
    const prev = a.charCodeAt(i - 1);
    if (prev >= 0xd800 && prev <= 0xdbff) {
      const pa = a.codePointAt(i - 1) as number;
      const pb = b.codePointAt(i - 1) as number;
      if (pa !== pb) return pa - pb;
    }
  }
  return (a.codePointAt(i) as number) - (b.codePointAt(i) as number);
}

/** Object keys in code-point order; the default sort is UTF-16 order, correct without surrogates. */
export function sortedKeys(object: object): string[] {
  const keys = Object.keys(object);
  if (keys.length < 2) return keys;
  for (const key of keys) if (SURROGATE.test(key)) return keys.sort(compareCodePoints);
  return keys.sort();
}

const SURROGATE = /[\ud800-\udfff]/;
// With the u flag a surrogate class matches only unpaired halves, which UTF-8 cannot encode.
const LONE_SURROGATE = /[\ud800-\udfff]/u;
const NEEDS_ESCAPE = /["\\]/;
const CANONICAL_ESCAPE = /["\\]/g;

/**
 * OLPC canonical JSON, byte-identical to securesystemslib's `encode_canonical`: keys in code-point
 * order, no whitespace, only `"` and `\` escaped (every other character written raw), integers
 * only, UTF-8. This is what TUF signatures cover.
 */
export function canonicalJson(value: unknown): Buffer {
  const parts: string[] = [];
  const path: (string | number)[] = [];
  encode(value, parts, path);
  const text = parts.join('');
  if (LONE_SURROGATE.test(text)) {
    throw new GitTufError('format', 'canonical JSON: a string holds an unpaired surrogate, which UTF-8 cannot encode');
  }
  return Buffer.from(text, 'utf8');
}

function encode(value: unknown, parts: string[], path: (string | number)[]): void {
  switch (typeof value) {
    case 'string':
      pushQuoted(value, parts);
      return;
    case 'boolean':
      parts.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new GitTufError('format', `canonical JSON: ${String(value)} is not a safe integer${at(path)}`);
      }
      parts.push(String(value));
      return;
    case 'object':
      if (value === null) {
        parts.push('null');
        return;
      }
      if (Array.isArray(value)) {
        parts.push('[');
        for (let i = 0; i < value.length; i++) {
          if (i > 0) parts.push(',');
          path.push(i);
          encode(value[i], parts, path);
          path.pop();
        }
        parts.push(']');
        return;
      }
      if (isPlainObject(value)) {
        parts.push('{');
        let first = true;
        for (const key of sortedKeys(value)) {
          if (!first) parts.push(',');
          first = false;
          pushQuoted(key, parts);
          parts.push(':');
          path.push(key);
          encode((value as Record<string, unknown>)[key], parts, path);
          path.pop();
        }
        parts.push('}');
        return;
      }
  }
  throw new GitTufError('format', `canonical JSON: cannot encode ${describe(value)}${at(path)}`);
}

// Pushing the pieces instead of building `"${s}"` saves an allocation per string (~25% on big targets).
function pushQuoted(s: string, parts: string[]): void {
  parts.push('"', NEEDS_ESCAPE.test(s) ? s.replace(CANONICAL_ESCAPE, '\\$&') : s, '"');
}

export function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'object' && value !== null) return `an object of type ${value.constructor?.name ?? 'unknown'}`;
  return `a ${typeof value}`;
}

/** ` at signed.keys["a b"][0]`, or nothing at the top level. */
export function at(path: readonly (string | number)[]): string {
  if (path.length === 0) return '';
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return ` at ${out}`;
}
