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

const SURROGATE = /[\ud800-\udfff]/;
// With the u flag a surrogate class matches only unpaired halves, which UTF-8 cannot encode.
const LONE_SURROGATE = /[\ud800-\udfff]/u;
const CONTROL = /[\u0000-\u001f]/;
const CONTROL_OR_SURROGATE = /[\u0000-\u001f\ud800-\udfff]/;
const CANONICAL_ESCAPE = /["\\]/g;
// Keys a JS object always enumerates first, in numeric order, whatever the insertion order (array
// indices; this also takes bigger numbers, which only costs them the slower, hand-written path).
const INDEX_LIKE = /^(?:0|[1-9][0-9]*)$/;

/**
 * OLPC canonical JSON, byte-identical to securesystemslib's `encode_canonical`: keys in code-point
 * order, no whitespace, only `"` and `\` escaped (every other character written raw), integers
 * only, UTF-8. This is what TUF signatures cover.
 */
export function canonicalJson(value: unknown): Buffer {
  const parts: string[] = [];
  writeCanonical(prepareForStringify(value, CANONICAL), parts);
  return Buffer.from(parts.join(''), 'utf8');
}

function writeCanonical(prepared: unknown, parts: string[]): void {
  if (prepared instanceof ManualObject) {
    parts.push('{');
    for (let i = 0; i < prepared.keys.length; i++) {
      parts.push(i === 0 ? '"' : ',"', (prepared.keys[i] as string).replace(CANONICAL_ESCAPE, '\\$&'), '":');
      writeCanonical(prepared.values[i], parts);
    }
    parts.push('}');
  } else if (prepared instanceof ManualArray) {
    parts.push('[');
    for (let i = 0; i < prepared.values.length; i++) {
      if (i > 0) parts.push(',');
      writeCanonical(prepared.values[i], parts);
    }
    parts.push(']');
  } else if (prepared instanceof ManualString) {
    parts.push('"', prepared.value.replace(CANONICAL_ESCAPE, '\\$&'), '"');
  } else {
    // Outside control characters (ManualString) and lone surrogates (rejected), JSON.stringify
    // escapes exactly `"` and `\`, as canonical JSON does.
    parts.push(JSON.stringify(prepared));
  }
}

/**
 * The encoders leave the writing to the native JSON.stringify, several times faster than building
 * the text in JS, but it writes keys in each object's own enumeration order and escapes control
 * characters. So they first validate the value and turn it into something stringify writes
 * exactly as wanted: the value itself where every object's keys are already in code-point order
 * (as in metadata read from disk), else copies with the keys inserted in that order; and where no
 * JS object can hold the order (array-index keys, which objects always enumerate first) or
 * stringify would escape what must stay raw, Manual nodes, which the encoder writes by hand
 * around stringified children.
 */
export interface Dialect {
  /** Starts error messages: "canonical JSON", "metadata". */
  readonly name: string;
  /** "cannot <verb> a function". */
  readonly verb: string;
  /** Control characters are written raw and lone surrogates rejected (canonical JSON). */
  readonly raw: boolean;
}

const CANONICAL: Dialect = { name: 'canonical JSON', verb: 'encode', raw: true };

export class ManualObject {
  /** `keys` in code-point order, `values` prepared. */
  constructor(
    readonly keys: readonly string[],
    readonly values: readonly unknown[],
  ) {}
}

export class ManualArray {
  constructor(readonly values: readonly unknown[]) {}
}

/** A string with a control character, which canonical JSON writes raw (Dialect.raw only). */
export class ManualString {
  constructor(readonly value: string) {}
}

/** See Dialect. Throws a `format` GitTufError naming the path to anything JSON cannot hold. */
export function prepareForStringify(value: unknown, dialect: Dialect): unknown {
  // After prototype pollution, JSON.stringify would call an inherited toJSON on every object and
  // for-in would list inherited keys: refuse rather than write other bytes than the value's.
  if ('toJSON' in Array.prototype || hasEnumerableKeys(Object.prototype)) {
    throw new GitTufError('internal', `${dialect.name}: Object.prototype or Array.prototype has been extended`);
  }
  try {
    return prepare(value, dialect);
  } catch (error) {
    if (!(error instanceof Unencodable)) throw error;
    throw new GitTufError('format', `${dialect.name}: ${error.reason}${at(error.path)}`);
  }
}

/** Thrown up through prepare, which adds each key or index on the way (the walk keeps no path). */
class Unencodable {
  readonly path: (string | number)[] = [];
  constructor(readonly reason: string) {}
}

function within(error: unknown, step: string | number): unknown {
  if (error instanceof Unencodable) error.path.unshift(step);
  return error;
}

function prepare(value: unknown, dialect: Dialect): unknown {
  switch (typeof value) {
    case 'string':
      if (dialect.raw && CONTROL_OR_SURROGATE.test(value)) {
        if (LONE_SURROGATE.test(value)) throw new Unencodable(UNPAIRED_IN_STRING);
        if (CONTROL.test(value)) return new ManualString(value);
      }
      return value;
    case 'object':
      if (value === null) return value;
      if (Array.isArray(value)) return prepareArray(value, dialect);
      if (isPlainObject(value)) return prepareObject(value as Record<string, unknown>, dialect);
      break;
    case 'number':
      if (Number.isSafeInteger(value)) return value;
      throw new Unencodable(`${String(value)} is not a safe integer`);
    case 'boolean':
      return value;
  }
  throw new Unencodable(`cannot ${dialect.verb} ${describe(value)}`);
}

const UNPAIRED_IN_STRING = 'a string holds an unpaired surrogate, which UTF-8 cannot encode';
const UNPAIRED_IN_KEY = 'a key holds an unpaired surrogate, which UTF-8 cannot encode';

function prepareArray(array: readonly unknown[], dialect: Dialect): unknown {
  let values: unknown[] | undefined; // copied on the first element that changes
  let manual = false;
  for (let i = 0; i < array.length; i++) {
    const item = array[i];
    let prepared: unknown;
    try {
      prepared = prepare(item, dialect);
    } catch (error) {
      throw within(error, i);
    }
    if (prepared !== item) {
      values ??= copyOf(array, i);
      if (isManual(prepared)) manual = true;
    }
    values?.push(prepared);
  }
  if (manual) return new ManualArray(values as unknown[]);
  return values ?? array;
}

function prepareObject(object: Record<string, unknown>, dialect: Dialect): unknown {
  let ordered = true;
  /** How many keys came in order before the first that did not. */
  let inOrder = 0;
  let indexLike = false;
  let manual = false;
  let previous: string | undefined;
  // Until a key holds a surrogate, the native `<` (UTF-16 order) is code-point order.
  let surrogates = false;
  let count = 0;
  // Collected only once the object turns out to need a copy or a Manual node.
  let keys: string[] | undefined;
  let values: unknown[] | undefined;
  // for-in is the fastest walk over keys and values; prepareForStringify made sure it sees only
  // own keys, in Object.keys order.
  for (const key in object) {
    if (CONTROL_OR_SURROGATE.test(key)) {
      if (SURROGATE.test(key)) surrogates = true;
      if (dialect.raw && LONE_SURROGATE.test(key)) throw new Unencodable(UNPAIRED_IN_KEY);
      if (dialect.raw && CONTROL.test(key)) manual = true;
    }
    // Keys are distinct: out of order means the previous one sorts after this one.
    if (ordered && previous !== undefined && (surrogates ? compareCodePoints(previous, key) > 0 : previous > key)) {
      ordered = false;
      inOrder = count;
    }
    previous = key;
    const first = key.charCodeAt(0);
    if (first >= 0x30 && first <= 0x39 && INDEX_LIKE.test(key)) indexLike = true;
    const child = object[key];
    let prepared: unknown;
    try {
      prepared = prepare(child, dialect);
    } catch (error) {
      throw within(error, key);
    }
    if (prepared !== child && isManual(prepared)) manual = true;
    if (keys === undefined && (prepared !== child || !ordered || manual)) {
      keys = [];
      values = [];
      if (count > 0) collect(object, count, keys, values);
    }
    if (keys !== undefined) {
      keys.push(key);
      (values as unknown[]).push(prepared);
    }
    count++;
  }
  if (keys === undefined || values === undefined) return object;
  if (!ordered) {
    sortTogether(keys, values, inOrder);
    // A copy would put these keys first again; in an ordered object they already are first.
    if (indexLike) manual = true;
  }
  if (manual) return new ManualObject(keys, values);
  // A copy built in this key order enumerates in it: an ordered object's index keys came first
  // in numeric order, which a copy repeats; an unordered one has none (else it is manual).
  const copy: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    // Plain assignment to "__proto__" would set the copy's prototype, not add a key.
    if (key === '__proto__') Object.defineProperty(copy, key, { value: values[i], enumerable: true, writable: true, configurable: true });
    else copy[key] = values[i];
  }
  return copy;
}

/** The first `count` keys of `object` and their (unchanged) values. */
function collect(object: Record<string, unknown>, count: number, keys: string[], values: unknown[]): void {
  for (const key in object) {
    if (keys.length === count) return;
    keys.push(key);
    values.push(object[key]);
  }
}

/**
 * Puts keys in code-point order and values in the same order. The first `inOrder` keys are in
 * order already (an edited map with a few entries added at its end): only the rest is sorted,
 * then merged with them.
 */
function sortTogether(keys: string[], values: unknown[], inOrder: number): void {
  // Keys are distinct; without surrogates UTF-16 order is code-point order.
  const before = keys.some((key) => SURROGATE.test(key)) ? (a: string, b: string): boolean => compareCodePoints(a, b) < 0 : (a: string, b: string): boolean => a < b;
  const rest = Array.from({ length: keys.length - inOrder }, (_, i) => inOrder + i);
  rest.sort((a, b) => (before(keys[a] as string, keys[b] as string) ? -1 : 1));
  const oldKeys = keys.slice();
  const oldValues = values.slice();
  let head = 0;
  let tail = 0;
  for (let i = 0; i < keys.length; i++) {
    const next = tail === rest.length || (head < inOrder && before(oldKeys[head] as string, oldKeys[rest[tail] as number] as string)) ? head++ : (rest[tail++] as number);
    keys[i] = oldKeys[next] as string;
    values[i] = oldValues[next];
  }
}

function hasEnumerableKeys(object: object): boolean {
  for (const _ in object) return true;
  return false;
}

function copyOf(array: readonly unknown[], length: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < length; i++) out.push(array[i]);
  return out;
}

function isManual(value: unknown): boolean {
  return value instanceof ManualObject || value instanceof ManualArray || value instanceof ManualString;
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
