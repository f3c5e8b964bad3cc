import { isUtf8 } from 'node:buffer';
import { GitTufError } from '../errors.js';
import { at, isPlainObject, sortedKeys } from './canonical.js';

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
  checkNumbers(text, file);
  return value;
}

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
 */
export function formatMetadata(value: unknown): Buffer {
  const parts: string[] = [];
  write(value, '\n', parts, []);
  return Buffer.from(parts.join(''), 'latin1');
}

function write(value: unknown, indent: string, parts: string[], path: (string | number)[]): void {
  switch (typeof value) {
    case 'string':
      pushPyQuoted(value, parts);
      return;
    case 'boolean':
      parts.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new GitTufError('format', `metadata: ${String(value)} is not a safe integer${at(path)}`);
      }
      parts.push(String(value));
      return;
    case 'object': {
      if (value === null) {
        parts.push('null');
        return;
      }
      const inner = indent + ' ';
      if (Array.isArray(value)) {
        if (value.length === 0) {
          parts.push('[]');
          return;
        }
        parts.push('[');
        for (let i = 0; i < value.length; i++) {
          parts.push(i === 0 ? inner : ',' + inner);
          path.push(i);
          write(value[i], inner, parts, path);
          path.pop();
        }
        parts.push(indent, ']');
        return;
      }
      if (isPlainObject(value)) {
        const keys = sortedKeys(value);
        if (keys.length === 0) {
          parts.push('{}');
          return;
        }
        parts.push('{');
        let first = true;
        for (const key of keys) {
          parts.push(first ? inner : ',' + inner);
          pushPyQuoted(key, parts);
          parts.push(': ');
          first = false;
          path.push(key);
          write((value as Record<string, unknown>)[key], inner, parts, path);
          path.pop();
        }
        parts.push(indent, '}');
        return;
      }
    }
  }
  throw new GitTufError('format', `metadata: cannot write ${value === undefined ? 'undefined' : `a ${typeof value}`}${at(path)}`);
}

// Python's ensure_ascii: everything outside printable ASCII (0x20..0x7e) is escaped, per UTF-16
// unit, which is exactly Python's surrogate-pair form for astral characters.
const NEEDS_PY_ESCAPE = /[\\"\u0000-\u001f\u007f-\uffff]/;
const PY_ESCAPE = /[\\"\u0000-\u001f\u007f-\uffff]/g;
const SHORT_ESCAPES = new Map([
  ['\\', '\\\\'],
  ['"', '\\"'],
  ['\b', '\\b'],
  ['\f', '\\f'],
  ['\n', '\\n'],
  ['\r', '\\r'],
  ['\t', '\\t'],
]);

function pushPyQuoted(s: string, parts: string[]): void {
  parts.push('"', NEEDS_PY_ESCAPE.test(s) ? s.replace(PY_ESCAPE, pyEscape) : s, '"');
}

function pyEscape(ch: string): string {
  return SHORT_ESCAPES.get(ch) ?? '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0');
}
