import { isUtf8 } from 'node:buffer';
import { GitTufError } from '../errors.js';
import { at, ManualArray, ManualObject, prepareForStringify, type Dialect } from './canonical.js';

/**
 * Parses metadata JSON strictly: only integers within the safe range (a float or a rounded big
 * integer would re-serialize to other canonical bytes than were signed), valid UTF-8, no BOM.
 * Errors name `file`. Objects come from JSON.parse, so `__proto__` stays an ordinary own key.
 */
export function parseJson(bytes: Buffer | string, file: string): unknown {
  let text: string;
  if (typeof bytes === 'string') {
    text = bytes;
  } else {
    if (!isUtf8(bytes)) throw new GitTufError('format', `${file}: not valid UTF-8`);
    text = bytes.toString('utf8');
  }
  if (text.charCodeAt(0) === 0xfeff) throw new GitTufError('format', `${file}: starts with a byte order mark`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new GitTufError('format', `${file}: not valid JSON (${reason})`, { cause: error });
  }
  if (SUSPECT_NUMBER.test(text) || TOP_LEVEL_NUMBER.test(text)) checkNumbers(text, file);
  return value;
}

// A number that is not a safe integer has a fraction, an exponent or 16 digits or more, and in JSON
// text every number is the whole document or follows `:`, `,` or `[` and whitespace. So where
// neither pattern matches anywhere (inside strings too, which only adds false alarms), no number
// needs a look; a match (say a path "v:1.5") costs the exact scan, which is linear too.
const SUSPECT_NUMBER = /[:,[]\s*-?\d(?:\d*[.eE]|\d{15})/;
const TOP_LEVEL_NUMBER = /^\s*[-\d]/;

/** One linear pass over text that JSON.parse accepted: skip strings, inspect every number token. */
function checkNumbers(text: string, file: string): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = endOfString(text, i);
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      i++;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      const next = text.charCodeAt(i);
      if (next === 0x2e || next === 0x65 || next === 0x45) {
        let end = i + 1;
        while (end < n && /[0-9eE+.-]/.test(text.charAt(end))) end++;
        const token = text.slice(start, end);
        throw new GitTufError('format', `${file}: a number that is not an integer (${token})${at(pathAt(text, start))}`);
      }
      // 16 digits can exceed 2^53 - 1; anything that does parses to 2^53 or more, never safe.
      if (i - start >= 16 && !Number.isSafeInteger(Number(text.slice(start, i)))) {
        const token = text.slice(start, i);
        throw new GitTufError('format', `${file}: an integer beyond 2^53 - 1 (${token})${at(pathAt(text, start))}`);
      }
    } else {
      i++;
    }
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Index just past the closing quote of the string literal opening at `start` (text is valid JSON). */
function endOfString(text: string, start: number): number {
  let j = text.indexOf('"', start + 1);
  for (;;) {
    let backslashes = 0;
    while (text.charCodeAt(j - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return j + 1;
    j = text.indexOf('"', j + 1);
  }
}

/** The key/index path to `offset` in valid JSON text; only run to word an error. */
function pathAt(text: string, offset: number): (string | number)[] {
  const stack: { array: boolean; key: string | number | undefined }[] = [];
  let i = 0;
  while (i < offset) {
    const c = text.charAt(i);
    const top = stack[stack.length - 1];
    if (c === '"') {
      const end = endOfString(text, i);
      if (top !== undefined && !top.array) {
        let j = end;
        while (/\s/.test(text.charAt(j))) j++;
        if (text.charAt(j) === ':') top.key = JSON.parse(text.slice(i, end)) as string;
      }
      i = end;
      continue;
    }
    if (c === '{') stack.push({ array: false, key: undefined });
    else if (c === '[') stack.push({ array: true, key: 0 });
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',' && top?.array === true) top.key = (top.key as number) + 1;
    i++;
  }
  return stack.flatMap((frame) => (frame.key === undefined ? [] : [frame.key]));
}

/**
 * The exact bytes python-tuf (and so tuf-on-ci) writes: `json.dumps(obj, indent=1,
 * sort_keys=True, ensure_ascii=True)`, no trailing newline. Arrays keep their order.
 *
 * JSON.stringify(value, null, 1) lays out exactly as that does (`": "`, `",\n"`, `{}`, `[]`) and
 * escapes the same way (`\"`, `\\`, `\b \f \n \r \t`, other controls and lone surrogates as
 * lowercase `\u00xx`, `\udxxx`), except that it writes U+007F and everything above raw, which
 * ensure_ascii escapes per UTF-16 unit (an astral character as its surrogate pair).
 */
export function formatMetadata(value: unknown): Buffer {
  return Buffer.from(formatMetadataValue(value, 0), 'latin1');
}

/**
 * The text formatMetadata writes for `value` where it stands `depth` levels down in a document
 * (its first line not indented), all ASCII: to write part of a file without the rest.
 */
export function formatMetadataValue(value: unknown, depth: number): string {
  const parts: string[] = [];
  write(prepareForStringify(value, METADATA), `\n${' '.repeat(depth)}`, parts);
  const text = parts.join('');
  // Every escape is ASCII, so all-ASCII output has as many UTF-8 bytes as UTF-16 units.
  return Buffer.byteLength(text, 'utf8') !== text.length || text.includes('\u007f') ? text.replace(NOT_ASCII, pyEscape) : text;
}

const METADATA: Dialect = { name: 'metadata', verb: 'write', raw: false };
const NOT_ASCII = /[\u007f-\uffff]/g;

/** `indent` is a newline and the spaces before the value's closing bracket. */
function write(prepared: unknown, indent: string, parts: string[]): void {
  const inner = indent + ' ';
  if (prepared instanceof ManualObject) {
    parts.push('{');
    for (let i = 0; i < prepared.keys.length; i++) {
      parts.push(i === 0 ? inner : ',' + inner, JSON.stringify(prepared.keys[i]), ': ');
      write(prepared.values[i], inner, parts);
    }
    parts.push(indent, '}');
  } else if (prepared instanceof ManualArray) {
    parts.push('[');
    for (let i = 0; i < prepared.values.length; i++) {
      parts.push(i === 0 ? inner : ',' + inner);
      write(prepared.values[i], inner, parts);
    }
    parts.push(indent, ']');
  } else {
    parts.push(stringifyAt(prepared, indent.length - 1));
  }
}

/**
 * JSON.stringify(value, null, 1) for a value `depth` levels down. Re-indenting its text would be
 * another pass over every line; instead nest the value that many arrays deep, whose brackets and
 * indentation are known, and cut them off again.
 */
function stringifyAt(value: unknown, depth: number): string {
  let wrapped = value;
  let head = '';
  let tail = '';
  for (let i = 0; i < depth; i++) {
    wrapped = [wrapped];
    head += ' '.repeat(i) + '[\n';
    tail = '\n' + ' '.repeat(i) + ']' + tail;
  }
  const text = JSON.stringify(wrapped, null, 1);
  return text.slice(head.length + depth, text.length - tail.length);
}

function pyEscape(ch: string): string {
  return '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0');
}

/**
 * Whether two JSON values are the same document, as their canonical forms would be: object keys
 * in any order, arrays in order. Far cheaper than canonicalizing a large targets file twice.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  // for…in and counting: no key arrays allocated for the 100k entries of a large targets map.
  let count = 0;
  for (const key in left) {
    if (!Object.hasOwn(left, key)) continue;
    if (!Object.hasOwn(right, key) || !sameJson(left[key], right[key])) return false;
    count++;
  }
  for (const key in right) if (Object.hasOwn(right, key) && --count < 0) return false;
  return count === 0;
}
