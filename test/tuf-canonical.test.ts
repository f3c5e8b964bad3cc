import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { canonicalize } from '@tufjs/canonical-json';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GitTufError } from '../git-tuf/errors.js';
import { canonicalJson, compareCodePoints } from '../git-tuf/tuf/canonical.js';

// Compiled to dist/test/, so the fixtures are two levels up.
const FORMAT = fileURLToPath(new URL('../../test/fixtures/format/', import.meta.url));

function throwsFormat(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (error) {
    assert.instance(error, GitTufError);
    assert.is((error as GitTufError).code, 'format');
    assert.match((error as GitTufError).message, pattern);
    return;
  }
  assert.unreachable('expected a GitTufError');
}

/** Reference order: compare arrays of code points (Array.from splits by code point). */
function referenceCompare(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) as number);
  const y = Array.from(b, (c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  }
  return x.length - y.length;
}

/** A small seeded generator so failures reproduce. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

test('compareCodePoints puts an astral character after U+FFFF, where UTF-16 order does not', () => {
  assert.ok('\u{1F600}' < '\uFFFF', 'premise: UTF-16 order puts the emoji first');
  assert.ok(compareCodePoints('\u{1F600}', '\uFFFF') > 0);
  assert.ok(compareCodePoints('\uFFFF', '\u{1F600}') < 0);
  assert.ok(compareCodePoints('\uE000', '\u{10000}') < 0);
  assert.ok(compareCodePoints('a\uD83D\uE000', 'a\u{1F600}') < 0, 'lone high surrogate then U+E000 sorts before the pair');
  assert.ok(compareCodePoints('\uD800', '\uE000') < 0, 'a lone surrogate is code point D800');
  assert.is(compareCodePoints('abc', 'abc'), 0);
  assert.ok(compareCodePoints('ab', 'abc') < 0);
  assert.ok(compareCodePoints('b', 'abc') > 0);
});

test('compareCodePoints agrees with a code-point reference on random strings', () => {
  const alphabet = ['a', 'z', '~', '\u00e9', '\ud7ff', '\ue000', '\uffff', '\u{10000}', '\u{1F600}', '\u{10FFFF}', '\ud800', '\udc00'];
  const next = random(42);
  const word = (): string => {
    let s = '';
    const length = Math.floor(next() * 4);
    for (let i = 0; i < length; i++) s += alphabet[Math.floor(next() * alphabet.length)];
    return s;
  };
  for (let i = 0; i < 5000; i++) {
    const a = word();
    const b = word();
    assert.is(Math.sign(compareCodePoints(a, b)), Math.sign(referenceCompare(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  }
});

test('canonicalJson sorts keys by code point', () => {
  const value = { '\uFFFF': 1, '\u{1F600}': 2, '\uE000': 3, b: 4, a: 5, B: 6, '': 7 };
  assert.is(canonicalJson(value).toString('utf8'), '{"":7,"B":6,"a":5,"b":4,"\uE000":3,"\uFFFF":1,"\u{1F600}":2}');
});

test('canonicalJson escapes only quote and backslash and writes everything else raw as UTF-8', () => {
  const bytes = canonicalJson({ s: 'q"b\\n\n\t\u0000\u007f/é\u2028\u{1F600}' });
  assert.equal(
    [...bytes],
    [...Buffer.from('{"s":"q\\"b\\\\n\n\t\u0000\u007f/é\u2028\u{1F600}"}', 'utf8')],
  );
  // The same bytes securesystemslib's encode_canonical gives (checked with python3).
  assert.is(bytes.toString('hex'), '7b2273223a22715c22625c5c6e0a09007f2fc3a9e280a8f09f9880227d');
});

test('canonicalJson writes no whitespace and keeps array order', () => {
  const value = { z: [3, 1, 2], a: { y: null, x: [true, false] }, n: -42, e: [], o: {} };
  assert.is(canonicalJson(value).toString(), '{"a":{"x":[true,false],"y":null},"e":[],"n":-42,"o":{},"z":[3,1,2]}');
  assert.is(canonicalJson('x').toString(), '"x"');
  assert.is(canonicalJson(9007199254740991).toString(), '9007199254740991');
  assert.is(canonicalJson(-0).toString(), '0');
});

test('canonicalJson encodes a __proto__ key that JSON.parse made an own property', () => {
  const value = JSON.parse('{"b":1,"__proto__":{"x":2}}') as unknown;
  assert.is(canonicalJson(value).toString(), '{"__proto__":{"x":2},"b":1}');
});

test('canonicalJson rejects floats, NaN, infinities and unsafe integers, naming where', () => {
  throwsFormat(() => canonicalJson({ signed: { version: 1.5 } }), /1\.5 is not a safe integer at signed\.version/);
  throwsFormat(() => canonicalJson([NaN]), /NaN.* at \[0\]/);
  throwsFormat(() => canonicalJson(Infinity), /Infinity/);
  throwsFormat(() => canonicalJson({ n: 2 ** 53 }), /9007199254740992 is not a safe integer at n/);
  throwsFormat(() => canonicalJson({ 'a b': [0, -1e300] }), /at \["a b"\]\[1\]/);
});

test('canonicalJson rejects values JSON cannot hold', () => {
  throwsFormat(() => canonicalJson(undefined), /cannot encode undefined/);
  throwsFormat(() => canonicalJson({ a: undefined }), /cannot encode undefined at a/);
  throwsFormat(() => canonicalJson([() => 1]), /cannot encode a function/);
  throwsFormat(() => canonicalJson(10n), /cannot encode a bigint/);
  throwsFormat(() => canonicalJson(Symbol('s')), /cannot encode a symbol/);
  throwsFormat(() => canonicalJson(new Date(0)), /object of type Date/);
  throwsFormat(() => canonicalJson(new Map()), /object of type Map/);
  // eslint-disable-next-line no-sparse-arrays
  throwsFormat(() => canonicalJson([1, , 3]), /undefined at \[1\]/);
});

test('canonicalJson rejects an unpaired surrogate (UTF-8 cannot encode it; Python raises too)', () => {
  throwsFormat(() => canonicalJson({ s: 'a\uD800b' }), /unpaired surrogate/);
  throwsFormat(() => canonicalJson({ '\uDC00': 1 }), /unpaired surrogate/);
  assert.is(canonicalJson({ s: '\u{1F600}' }).length, 12, 'a proper pair is fine');
});

test('canonicalJson matches @tufjs/canonical-json on generated objects with BMP keys below the surrogates', () => {
  const next = random(7);
  const chars = 'abcXYZ019 _-./"\\\n\u00e9\u4e2d\ud7ff';
  const str = (): string => {
    let s = '';
    const length = Math.floor(next() * 6);
    for (let i = 0; i < length; i++) s += chars.charAt(Math.floor(next() * chars.length));
    return s;
  };
  const gen = (depth: number): unknown => {
    const r = next();
    if (depth > 3 || r < 0.3) {
      const k = Math.floor(next() * 5);
      return [str(), Math.floor((next() - 0.5) * 1e12), true, false, null][k];
    }
    if (r < 0.6) return Array.from({ length: Math.floor(next() * 4) }, () => gen(depth + 1));
    const object: Record<string, unknown> = {};
    for (let i = Math.floor(next() * 5); i > 0; i--) object[str()] = gen(depth + 1);
    return object;
  };
  for (let i = 0; i < 300; i++) {
    const value = gen(0);
    assert.is(canonicalJson(value).toString('utf8'), canonicalize(value), JSON.stringify(value));
  }
});

test('canonicalJson matches @tufjs/canonical-json on every fixture file\'s signed part', () => {
  const files = readdirSync(FORMAT).filter((name) => name.endsWith('.json'));
  assert.ok(files.length >= 8);
  for (const name of files) {
    const metadata = JSON.parse(readFileSync(FORMAT + name, 'utf8')) as { signed: unknown };
    assert.equal(canonicalJson(metadata.signed), Buffer.from(canonicalize(metadata.signed), 'utf8'), name);
  }
});

test('canonicalJson orders array-index-like keys by code point, which no JS object enumerates in', () => {
  const value = JSON.parse('{"a":1,"9":2,"10":3,"-1":4," ":5,"0":6,"4294967295":7,"01":8}') as unknown;
  assert.equal(Object.keys(value as object).slice(0, 3), ['0', '9', '10'], 'premise: index keys enumerate first, numerically');
  assert.is(canonicalJson(value).toString(), '{" ":5,"-1":4,"0":6,"01":8,"10":3,"4294967295":7,"9":2,"a":1}');
  // Index keys that already enumerate in code-point order, in an object that needs a copy for a child.
  assert.is(canonicalJson({ 1: { b: 1, a: 2 }, 2: 'x', b: 0 }).toString(), '{"1":{"a":2,"b":1},"2":"x","b":0}');
  // Deep inside an unordered parent and next to stringified siblings.
  assert.is(canonicalJson({ z: [{ 10: 1, 9: 2 }], a: { c: 3, b: 4 } }).toString(), '{"a":{"b":4,"c":3},"z":[{"10":1,"9":2}]}');
});

test('canonicalJson writes control characters raw in keys and strings deep inside ordinary values', () => {
  const value = { targets: { 'b\n': { length: 1 }, a: { custom: { note: 'line 1\nline 2\u0000\u001f' }, length: 2 } }, version: 1 };
  assert.equal(
    canonicalJson(value),
    Buffer.from('{"targets":{"a":{"custom":{"note":"line 1\nline 2\u0000\u001f"},"length":2},"b\n":{"length":1}},"version":1}', 'utf8'),
  );
  assert.is(canonicalJson(['\t"\\', { '\r': ['\b'] }]).toString(), '["\t\\"\\\\",{"\r":["\b"]}]');
});

test('canonicalJson keeps __proto__ an ordinary key wherever the object is copied or rebuilt', () => {
  const own = (entries: [string, unknown][], proto: object | null = Object.prototype): object => {
    const object = Object.create(proto) as object;
    for (const [key, value] of entries) Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
    return object;
  };
  // Unordered: encoded from a sorted copy.
  assert.is(canonicalJson(own([['z', 1], ['__proto__', { y: 2, x: 1 }]])).toString(), '{"__proto__":{"x":1,"y":2},"z":1}');
  // Ordered, but its child needs a copy.
  assert.is(canonicalJson(own([['__proto__', { b: 1, a: 2 }], ['a', 0]])).toString(), '{"__proto__":{"a":2,"b":1},"a":0}');
  // Hand-written (an index key out of order) and null-prototype objects.
  assert.is(canonicalJson(own([['__proto__', 'p'], ['10', 1], ['9', 2]], null)).toString(), '{"10":1,"9":2,"__proto__":"p"}');
  assert.is(canonicalJson(own([['__proto__', own([['b', '\n'], ['a', 1]], null)]])).toString(), '{"__proto__":{"a":1,"b":"\n"}}');
  assert.is(({} as Record<string, unknown>)['x'], undefined, 'nothing polluted');
});

test('canonicalJson leaves its input as it was', () => {
  const value = { b: { d: 1, c: [{ f: 1, e: 2 }] }, a: 'x', 10: 1, 9: 2 };
  const before = JSON.stringify(value);
  canonicalJson(value);
  assert.is(JSON.stringify(value), before);
  assert.equal(Object.keys(value.b.c[0] as object), ['f', 'e']);
});

test('canonicalJson refuses to run once Object.prototype or Array.prototype has been extended', () => {
  const cases = [
    [Object.prototype, 'toJSON', false],
    [Array.prototype, 'toJSON', false],
    [Object.prototype, 'extra', true], // for-in would list it
  ] as const;
  for (const [proto, name, enumerable] of cases) {
    Object.defineProperty(proto, name, { value: name === 'toJSON' ? () => 'x' : 1, enumerable, configurable: true, writable: true });
    let error: unknown;
    try {
      canonicalJson({ a: [1] });
    } catch (caught) {
      error = caught;
    } finally {
      delete (proto as Record<string, unknown>)[name];
    }
    assert.instance(error, GitTufError, `${name} on a prototype`);
    assert.is((error as GitTufError).code, 'internal');
  }
  assert.is(canonicalJson({ a: [1] }).toString(), '{"a":[1]}');
});

test('canonicalJson matches the reference encoder on generated values', () => {
  const next = random(11);
  for (let i = 0; i < 2000; i++) {
    const value = generate(next, { errors: false, loneSurrogates: false });
    assert.equal(canonicalJson(value), referenceCanonical(value), show(value));
  }
});

test('canonicalJson rejects exactly what the reference encoder rejects', () => {
  const next = random(12);
  let rejected = 0;
  for (let i = 0; i < 2000; i++) {
    const value = generate(next, { errors: true, loneSurrogates: true });
    let expected: Buffer | undefined;
    try {
      expected = referenceCanonical(value);
    } catch {
      rejected++;
      throwsFormat(() => canonicalJson(value), /^canonical JSON: /);
      continue;
    }
    assert.equal(canonicalJson(value), expected, show(value));
  }
  assert.ok(rejected > 200 && rejected < 1800, `${rejected} rejected: the generator should make both kinds`);
});

test('canonicalJson matches the reference encoder on a targets role too big for fast JS objects', () => {
  for (const order of ['inserted', 'sorted', 'reversed'] as const) {
    const names = Array.from({ length: 2000 }, (_, i) => `dir${i % 37}/file-${i}.tar.gz`);
    if (order === 'sorted') names.sort();
    if (order === 'reversed') names.sort().reverse();
    const targets: Record<string, unknown> = {};
    names.forEach((name, i) => {
      const hex = ((i * 2654435761) >>> 0).toString(16).padStart(8, '0').repeat(8);
      targets[name] = i % 3 === 0 ? { length: i, hashes: { sha256: hex }, custom: { z: [i], a: 'é\n' } } : { hashes: { sha256: hex }, length: i };
    });
    targets['7'] = { hashes: {}, length: 0 }; // an index key among thousands
    const value = { _type: 'targets', version: 1, targets, expires: '2030-01-01T00:00:00Z' };
    assert.equal(canonicalJson(value), referenceCanonical(value), order);
  }
});

test('canonicalJson orders a sorted map with keys added at its end, as an edit leaves it', () => {
  const next = random(13);
  // Astral characters (surrogate pairs) and U+E000..U+FFFF, where UTF-16 order is not code-point order.
  const alphabet = ['a', 'b', 'z', '/', '0', '\u00e9', '\ue000', '\uffff', '\u{1f600}', '\u{10000}'];
  const name = (): string => Array.from({ length: 1 + Math.floor(next() * 6) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
  for (let round = 0; round < 200; round++) {
    const sorted = [...new Set(Array.from({ length: 1 + Math.floor(next() * 40) }, name))].sort(referenceCompare);
    const added = Array.from({ length: Math.floor(next() * 5) }, name).filter((key) => !sorted.includes(key));
    const value: Record<string, number> = {};
    for (const key of [...sorted, ...new Set(added)]) value[key] = round;
    assert.equal(canonicalJson({ targets: value }), referenceCanonical({ targets: value }), JSON.stringify(Object.keys(value)));
  }
});

// ---------------------------------------------------------------------------------------------
// The straightforward encoder canonicalJson replaced (it builds the text piece by piece in JS):
// the reference the fast one must equal byte for byte.

function referenceCanonical(value: unknown): Buffer {
  const parts: string[] = [];
  referenceEncode(value, parts);
  const text = parts.join('');
  if (/[\ud800-\udfff]/u.test(text)) throw new Error('unpaired surrogate');
  return Buffer.from(text, 'utf8');
}

function referenceEncode(value: unknown, parts: string[]): void {
  const quote = (s: string): string => `"${s.replace(/["\\]/g, '\\$&')}"`;
  if (typeof value === 'string') parts.push(quote(value));
  else if (typeof value === 'boolean') parts.push(String(value));
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error('not a safe integer');
    parts.push(String(value));
  } else if (value === null) parts.push('null');
  else if (Array.isArray(value)) {
    parts.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) parts.push(',');
      referenceEncode(value[i], parts);
    }
    parts.push(']');
  } else if (typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value) as object | null)) {
    parts.push('{');
    Object.keys(value)
      .sort(referenceCompare)
      .forEach((key, i) => {
        parts.push(i > 0 ? ',' : '', quote(key), ':');
        referenceEncode((value as Record<string, unknown>)[key], parts);
      });
    parts.push('}');
  } else throw new Error('cannot encode');
}

// ---------------------------------------------------------------------------------------------
// Generated values: keys and strings built from pieces that hit every special case (index-like
// keys, __proto__, escapes, control characters, astral and high-BMP characters), objects with
// keys inserted in random or sorted order, plain, null-prototype and JSON.parse-made objects,
// sometimes with hundreds of keys (V8 keeps those JSON.parse makes in dictionary mode).

const PIECES = ['a', 'b', 'B', 'z', '', '0', '1', '9', '10', '-1', '4294967294', '4294967295', '__proto__', 'toJSON', 'constructor', ' ', '/', '"', '\\', '\n', '\t', '\u0000', '\u001f', '\u007f', 'é', '\u2028', '\ud7ff', '\ue000', '\uffff', '\u{10000}', '\u{1F600}'];
const LONE = ['\ud800', '\udfff', '\ud83d'];

interface Options {
  errors: boolean;
  loneSurrogates: boolean;
}

function generate(next: () => number, options: Options, depth = 0): unknown {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const text = (): string => {
    let s = '';
    for (let n = Math.floor(next() * 3); n >= 0; n--) s += options.loneSurrogates && next() < 0.02 ? pick(LONE) : pick(PIECES);
    return s;
  };
  const r = next();
  if (options.errors && r < 0.01) return pick<unknown>([1.5, NaN, -Infinity, 2 ** 53, -(2 ** 60), undefined, new Date(0), () => 1, 10n]);
  if (depth > 3 || r < 0.4) {
    return pick<() => unknown>([
      text,
      () => Math.floor((next() - 0.5) * 2 ** 40),
      () => pick([0, -0, 9007199254740991, -9007199254740991]),
      () => next() < 0.5,
      () => null,
    ])();
  }
  if (r < 0.55) return Array.from({ length: Math.floor(next() * 4) }, () => generate(next, options, depth + 1));
  const size = depth === 0 && next() < 0.02 ? 150 + Math.floor(next() * 250) : Math.floor(next() * 6);
  const entries = new Map<string, unknown>();
  for (let i = 0; i < size; i++) entries.set(size > 100 ? `${text()}${i}` : text(), generate(next, options, depth + 1));
  let keys = [...entries.keys()];
  if (next() < 0.4) keys = keys.sort(referenceCompare);
  const kind = next();
  if (kind < 0.15) {
    // Made by JSON.parse, as metadata read from disk is; assigning to an own "__proto__" sets it.
    const object = JSON.parse(`{${keys.map((key) => `${JSON.stringify(key)}:0`).join(',')}}`) as Record<string, unknown>;
    for (const key of keys) object[key] = entries.get(key);
    return object;
  }
  const object = Object.create(kind < 0.3 ? null : Object.prototype) as object;
  for (const key of keys) Object.defineProperty(object, key, { value: entries.get(key), enumerable: true, writable: true, configurable: true });
  return object;
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value).slice(0, 300);
  } catch {
    return String(value);
  }
}

test.run();
