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

test('canonicalJson stays linear on a targets role with 100k entries', () => {
  const targets: Record<string, unknown> = {};
  for (let i = 0; i < 100_000; i++) {
    const hex = (i * 2654435761 >>> 0).toString(16).padStart(8, '0').repeat(8);
    targets[`dir${i % 100}/file-${i}.tar.gz`] = { hashes: { sha256: hex }, length: i };
  }
  const started = performance.now();
  const bytes = canonicalJson({ _type: 'targets', targets, version: 1 });
  const elapsed = performance.now() - started;
  assert.ok(bytes.length > 10_000_000);
  assert.ok(bytes.subarray(0, 60).toString().startsWith('{"_type":"targets","targets":{"dir0/file-0.tar.gz"'));
  // Measured ≈ 0.4 s; a quadratic encoder takes minutes. Generous for slow CI machines.
  assert.ok(elapsed < 10_000, `took ${elapsed.toFixed(0)} ms`);
});

test.run();
