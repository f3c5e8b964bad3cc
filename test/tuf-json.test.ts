import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GitTufError } from '../git-tuf/errors.js';
import { canonicalJson } from '../git-tuf/tuf/canonical.js';
import { formatMetadata, parseJson, sameJson } from '../git-tuf/tuf/json.js';

// Compiled to dist/test/, so the fixtures are two levels up.
const FORMAT = fileURLToPath(new URL('../../test/fixtures/format/', import.meta.url));
const fixtures = readdirSync(FORMAT).filter((name) => name.endsWith('.json'));

function formatError(fn: () => unknown): GitTufError {
  try {
    fn();
  } catch (error) {
    assert.instance(error, GitTufError);
    assert.is((error as GitTufError).code, 'format');
    return error as GitTufError;
  }
  return assert.unreachable('expected a GitTufError') as never;
}

test('parseJson gives what JSON.parse gives for real metadata', () => {
  for (const name of fixtures) {
    const bytes = readFileSync(FORMAT + name);
    assert.equal(parseJson(bytes, name), JSON.parse(bytes.toString('utf8')), name);
    assert.equal(parseJson(bytes.toString('utf8'), name), JSON.parse(bytes.toString('utf8')), name);
  }
});

test('parseJson names the file and the parser problem for invalid JSON', () => {
  const error = formatError(() => parseJson(Buffer.from('{"signed": {'), 'metadata/targets.json'));
  assert.match(error.message, /^metadata\/targets\.json: not valid JSON \(.+\)$/);
  assert.match(formatError(() => parseJson('', 'x.json')).message, /^x\.json: not valid JSON/);
  assert.match(formatError(() => parseJson('{"a":1,}', 'x.json')).message, /^x\.json: not valid JSON/);
});

test('parseJson rejects a number with a fraction or exponent, naming file, token and path', () => {
  const error = formatError(() => parseJson('{"signatures": [], "signed": {"_type": "root", "version": 1.5}}', 'metadata/root.json'));
  assert.is(error.message, 'metadata/root.json: a number that is not an integer (1.5) at signed.version');
  assert.is(formatError(() => parseJson('{"a": [1, 2, 3.0]}', 'f')).message, 'f: a number that is not an integer (3.0) at a[2]');
  assert.is(formatError(() => parseJson('[1e3]', 'f')).message, 'f: a number that is not an integer (1e3) at [0]');
  assert.is(formatError(() => parseJson('{"x": {"y-z": -2E+2}}', 'f')).message, 'f: a number that is not an integer (-2E+2) at x.y-z');
  assert.is(formatError(() => parseJson('{"k\\"1": 0.5}', 'f')).message, 'f: a number that is not an integer (0.5) at ["k\\"1"]');
  assert.is(formatError(() => parseJson('-0.0', 'f')).message, 'f: a number that is not an integer (-0.0)');
});

test('parseJson rejects integers beyond 2^53 - 1 and accepts the largest safe ones', () => {
  assert.equal(parseJson('[9007199254740991, -9007199254740991, 0, -0, 1234567890123456]', 'f'), [9007199254740991, -9007199254740991, 0, -0, 1234567890123456]);
  assert.is(
    formatError(() => parseJson('{"length": 9007199254740992}', 'targets.json')).message,
    'targets.json: an integer beyond 2^53 - 1 (9007199254740992) at length',
  );
  assert.match(formatError(() => parseJson('[-9007199254740992]', 'f')).message, /\(-9007199254740992\) at \[0\]/);
  assert.match(formatError(() => parseJson('[123456789012345678901234567890]', 'f')).message, /beyond/);
});

test('parseJson ignores number-like text inside strings and finds numbers after escaped backslashes', () => {
  // {"a\"1.5": "2.5e3 \" 3.5 \\", "b": "\\", "c": "x\\\"1.5", "n": 7}
  const valid = '{"a\\"1.5": "2.5e3 \\" 3.5 \\\\", "b": "\\\\", "c": "x\\\\\\"1.5", "n": 7}';
  assert.equal(parseJson(valid, 'f'), { 'a"1.5': '2.5e3 " 3.5 \\', b: '\\', c: 'x\\"1.5', n: 7 });
  // A string ending in an escaped backslash must not hide the float after it.
  assert.is(formatError(() => parseJson('{"s": "\\\\", "f": 1.5}', 'f')).message, 'f: a number that is not an integer (1.5) at f');
});

test('parseJson rejects a byte order mark and invalid UTF-8', () => {
  assert.is(formatError(() => parseJson(Buffer.from('\uFEFF{}', 'utf8'), 'root.json')).message, 'root.json: starts with a byte order mark');
  assert.is(formatError(() => parseJson('\uFEFF{}', 'root.json')).message, 'root.json: starts with a byte order mark');
  assert.is(formatError(() => parseJson(Buffer.from([0x7b, 0x22, 0x61, 0xff, 0x22, 0x3a, 0x31, 0x7d]), 'root.json')).message, 'root.json: not valid UTF-8');
  // An overlong encoding of "/" is invalid UTF-8 too.
  assert.match(formatError(() => parseJson(Buffer.from([0x22, 0xc0, 0xaf, 0x22]), 'f')).message, /not valid UTF-8/);
  assert.equal(parseJson(Buffer.from('{"é":"\u{1F600}"}', 'utf8'), 'f'), { 'é': '\u{1F600}' });
});

test('parseJson keeps __proto__ as an own property and pollutes nothing', () => {
  const value = parseJson('{"__proto__": {"polluted": true}, "roles": {"__proto__": 1}}', 'f') as Record<string, unknown>;
  assert.is(Object.getPrototypeOf(value), Object.prototype);
  assert.ok(Object.hasOwn(value, '__proto__'));
  assert.equal(Object.keys(value), ['__proto__', 'roles']);
  assert.is(({} as Record<string, unknown>)['polluted'], undefined);
  assert.ok(Object.hasOwn(value['roles'] as object, '__proto__'));
});

test('parseJson accepts a large document whose strings are full of number-like text', () => {
  const targets: Record<string, unknown> = {};
  for (let i = 0; i < 20_000; i++) {
    targets[`path/with "quotes" and \\ 1.5e3, :2.5 [3E4/file-${i}`] = { hashes: { sha256: 'ab'.repeat(32) }, length: i, custom: { n: -i, s: ': 0.5, [1e9' } };
  }
  const bytes = formatMetadata({ signed: { targets } });
  const value = parseJson(bytes, 'targets.json') as { signed: { targets: Record<string, unknown> } };
  assert.is(Object.keys(value.signed.targets).length, 20_000);
});

test('parseJson finds a fraction, exponent or long integer wherever JSON puts a number', () => {
  const bad = ['1.5', ' \r\n\t-0.0 ', '1e3', '[1.5]', '[1, 2.5]', '[\n\t2.5\n]', '{"a":\r\n 1e5}', '{"a": {"b": [0, 7, -1E-2]}}', '[12345678901234567]', '[1,\n 9007199254740992]', '{"a":-9007199254740993}'];
  for (const text of bad) assert.match(formatError(() => parseJson(text, 'f')).message, /^f: (a number that is not an integer|an integer beyond 2\^53 - 1) \(/, text);
  const good = ['1', ' -0 ', '[9007199254740991, -9007199254740991]', '{"a": "1.5", "b": ":1.5", "c": "[1e5", "d": ",12345678901234567"}', '{"1.5": 1}', '["\\\\", 2]', 'true', '"1.5"'];
  for (const text of good) assert.equal(parseJson(text, 'f'), JSON.parse(text), text);
});

test('parseJson rejects a number exactly when an independent tokenizer finds a non-integer or unsafe one', () => {
  const next = random(5);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const ws = (): string => pick(['', '', ' ', '\n  ', '\t', '\r\n']);
  const numbers = ['0', '-0', '7', '-12', '1.5', '-0.0', '1e3', '2E-2', '1.0e+2', '9007199254740991', '9007199254740992', '-9007199254740993', '1234567890123456', '12345678901234567890'];
  const strings = ['""', '"1.5"', '": 1.5"', '", 2e3"', '"[4.5"', '"\\\\"', '"\\"1.5"', '"a\\\\\\": 1.5"', '"\\u0031.5"'];
  const gen = (depth: number): string => {
    const r = next();
    if (depth > 3 || r < 0.4) return pick([...numbers, ...strings, 'true', 'null']);
    const items = Array.from({ length: Math.floor(next() * 4) }, () => ws() + gen(depth + 1) + ws());
    if (r < 0.7) return `[${items.join(',')}]`;
    return `{${items.map((item, i) => `${ws()}${pick(strings).slice(0, -1)}${i}"${ws()}:${item}`).join(',')}}`;
  };
  let rejected = 0;
  for (let i = 0; i < 3000; i++) {
    const text = ws() + gen(0) + ws();
    const tokens = text.match(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g) ?? [];
    const expectBad = tokens.some((token) => !token.startsWith('"') && (/[.eE]/.test(token) || !Number.isSafeInteger(Number(token))));
    if (expectBad) {
      rejected++;
      formatError(() => parseJson(text, 'f'));
    } else {
      assert.equal(parseJson(text, 'f'), JSON.parse(text), text);
    }
  }
  assert.ok(rejected > 300 && rejected < 2700, `${rejected} rejected`);
});

test('formatMetadata reproduces every tuf-on-ci written fixture byte for byte', () => {
  const written = fixtures.filter((name) => name !== '1.root.json');
  assert.ok(written.length >= 9);
  for (const name of written) {
    const bytes = readFileSync(FORMAT + name);
    assert.ok(formatMetadata(JSON.parse(bytes.toString('utf8'))).equals(bytes), name);
  }
});

test('formatMetadata does not reproduce the go-tuf era root 1 (tab-indented, unsorted)', () => {
  const bytes = readFileSync(FORMAT + '1.root.json');
  const out = formatMetadata(JSON.parse(bytes.toString('utf8')));
  assert.not.ok(out.equals(bytes));
  assert.ok(out.toString().startsWith('{\n "signatures": [\n  {\n   "keyid": "c8e09a68'));
});

test('formatMetadata matches Python json.dumps(indent=1, sort_keys=True) on tricky strings and keys', () => {
  const value = {
    'a\u007fb': '\u0000\u0001\b\t\n\u000b\f\r\u001f "\\/~\u007f\u0080\u00e9\u2028\uffff\u{1F600}\ud800',
    list: [3, 1, [], {}],
    '\uffff': 1,
    '\u{1F600}': 2,
    '\ue000': 3,
    'é': null,
  };
  // Output of python3 -c 'json.dumps(value, indent=1, sort_keys=True, ensure_ascii=True)'.
  const expected = [
    String.raw`{`,
    String.raw` "a\u007fb": "\u0000\u0001\b\t\n\u000b\f\r\u001f \"\\/~\u007f\u0080\u00e9\u2028\uffff\ud83d\ude00\ud800",`,
    String.raw` "list": [`,
    String.raw`  3,`,
    String.raw`  1,`,
    String.raw`  [],`,
    String.raw`  {}`,
    String.raw` ],`,
    String.raw` "\u00e9": null,`,
    String.raw` "\ue000": 3,`,
    String.raw` "\uffff": 1,`,
    String.raw` "\ud83d\ude00": 2`,
    String.raw`}`,
  ].join('\n');
  assert.is(formatMetadata(value).toString('latin1'), expected);
  // DEL is ASCII, but outside what ensure_ascii leaves alone.
  assert.is(formatMetadata('\u007f').toString('latin1'), '"\\u007f"');
});

test('formatMetadata writes empty containers, scalars and nesting as Python does, with no trailing newline', () => {
  assert.is(formatMetadata({}).toString(), '{}');
  assert.is(formatMetadata([]).toString(), '[]');
  assert.is(formatMetadata('x').toString(), '"x"');
  assert.is(formatMetadata(-7).toString(), '-7');
  assert.is(formatMetadata({ b: [true, false, null], a: { c: {} } }).toString(), '{\n "a": {\n  "c": {}\n },\n "b": [\n  true,\n  false,\n  null\n ]\n}');
});

test('formatMetadata keeps array order (signatures, delegations)', () => {
  const value = { signatures: [{ keyid: 'b', sig: '' }, { keyid: 'a', sig: '' }] };
  assert.match(formatMetadata(value).toString(), /"keyid": "b"[\s\S]*"keyid": "a"/);
});

test('formatMetadata rejects what python-tuf would not write as integers', () => {
  assert.match(formatError(() => formatMetadata({ signed: { version: 1.5 } })).message, /1\.5 is not a safe integer at signed\.version/);
  assert.match(formatError(() => formatMetadata([2 ** 60])).message, /not a safe integer at \[0\]/);
  assert.match(formatError(() => formatMetadata({ a: undefined })).message, /cannot write undefined at a/);
  assert.match(formatError(() => formatMetadata(new Date(0))).message, /cannot write/);
});

test('formatMetadata orders array-index-like keys as Python does, at any depth, with the right indentation', () => {
  const value = JSON.parse('{"signed": {"targets": {"b": {"length": 1, "custom": {"10": [], "9": {"x": [1, {}]}}}, "10": {"hashes": {"sha256": "ab"}}, "9": "\\ud800\\u00e9\\t"}}}') as unknown;
  // Output of python3 json.dumps(json.loads(same text), indent=1, sort_keys=True, ensure_ascii=True).
  const expected = [
    String.raw`{`,
    String.raw` "signed": {`,
    String.raw`  "targets": {`,
    String.raw`   "10": {`,
    String.raw`    "hashes": {`,
    String.raw`     "sha256": "ab"`,
    String.raw`    }`,
    String.raw`   },`,
    String.raw`   "9": "\ud800\u00e9\t",`,
    String.raw`   "b": {`,
    String.raw`    "custom": {`,
    String.raw`     "10": [],`,
    String.raw`     "9": {`,
    String.raw`      "x": [`,
    String.raw`       1,`,
    String.raw`       {}`,
    String.raw`      ]`,
    String.raw`     }`,
    String.raw`    },`,
    String.raw`    "length": 1`,
    String.raw`   }`,
    String.raw`  }`,
    String.raw` }`,
    String.raw`}`,
  ].join('\n');
  assert.is(formatMetadata(value).toString('latin1'), expected);
});

test('formatMetadata keeps __proto__ an ordinary key and leaves its input as it was', () => {
  const value = JSON.parse('{"z": {"b": 1, "a": 2}, "__proto__": {"y": [], "x": null}}') as Record<string, unknown>;
  const before = JSON.stringify(value);
  assert.is(formatMetadata(value).toString(), '{\n "__proto__": {\n  "x": null,\n  "y": []\n },\n "z": {\n  "a": 2,\n  "b": 1\n }\n}');
  assert.is(JSON.stringify(value), before);
});

test('formatMetadata matches the reference writer on generated values', () => {
  const next = random(9);
  for (let i = 0; i < 2000; i++) {
    const value = generate(next, 0);
    assert.equal(formatMetadata(value), referenceFormat(value), JSON.stringify(value).slice(0, 300));
  }
});

test('formatMetadata matches the reference writer on a targets role too big for fast JS objects', () => {
  for (const order of ['inserted', 'sorted', 'reversed'] as const) {
    const names = Array.from({ length: 2000 }, (_, i) => `dir${i % 37}/fïle-${i}.tar.gz`);
    if (order === 'sorted') names.sort();
    if (order === 'reversed') names.sort().reverse();
    const targets: Record<string, unknown> = {};
    names.forEach((name, i) => {
      const hex = ((i * 2654435761) >>> 0).toString(16).padStart(8, '0').repeat(8);
      targets[name] = i % 3 === 0 ? { length: i, hashes: { sha256: hex }, custom: { z: [i, {}], a: '\u{1F600}\n' } } : { hashes: { sha256: hex }, length: i };
    });
    targets['7'] = { hashes: {}, length: 0 }; // an index key among thousands
    const value = { signatures: [{ keyid: 'ab', sig: 'cd' }], signed: { _type: 'targets', version: 1, targets } };
    assert.equal(formatMetadata(value), referenceFormat(value), order);
  }
});

// ---------------------------------------------------------------------------------------------
// The straightforward writer formatMetadata replaced (it builds the text piece by piece in JS):
// the reference the fast one must equal byte for byte.

function referenceFormat(value: unknown): Buffer {
  const parts: string[] = [];
  referenceWrite(value, '\n', parts);
  return Buffer.from(parts.join(''), 'latin1');
}

function referenceWrite(value: unknown, indent: string, parts: string[]): void {
  const quote = (s: string): string =>
    `"${s.replace(/[\\"\u0000-\u001f\u007f-\uffff]/g, (ch) => ({ '\\': '\\\\', '"': '\\"', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
  const inner = indent + ' ';
  if (typeof value === 'string') parts.push(quote(value));
  else if (typeof value === 'boolean' || value === null) parts.push(String(value));
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error('not a safe integer');
    parts.push(String(value));
  } else if (Array.isArray(value)) {
    if (value.length === 0) return void parts.push('[]');
    parts.push('[');
    value.forEach((item, i) => {
      parts.push(i === 0 ? inner : ',' + inner);
      referenceWrite(item, inner, parts);
    });
    parts.push(indent, ']');
  } else if (typeof value === 'object') {
    const keys = Object.keys(value).sort(codePointOrder);
    if (keys.length === 0) return void parts.push('{}');
    parts.push('{');
    keys.forEach((key, i) => {
      parts.push(i === 0 ? inner : ',' + inner, quote(key), ': ');
      referenceWrite((value as Record<string, unknown>)[key], inner, parts);
    });
    parts.push(indent, '}');
  } else throw new Error('cannot write');
}

function codePointOrder(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) as number);
  const y = Array.from(b, (c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
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

// Keys and strings from pieces that hit every special case: index-like keys, __proto__, every
// escape, DEL and the first non-ASCII characters, astral characters and lone surrogates.
const PIECES = ['a', 'b', 'z', '', '0', '1', '9', '10', '-1', '4294967295', '__proto__', ' ', '~', '"', '\\', '/', '\n', '\b', '\u0000', '\u001f', '\u007f', '\u0080', 'é', '\u2028', '\ue000', '\uffff', '\u{1F600}', '\ud800', '\ude00'];

function generate(next: () => number, depth: number): unknown {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const text = (): string => Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(PIECES)).join('');
  const r = next();
  if (depth > 3 || r < 0.4) return pick<() => unknown>([text, () => Math.floor((next() - 0.5) * 2 ** 40), () => next() < 0.5, () => null])();
  if (r < 0.55) return Array.from({ length: Math.floor(next() * 4) }, () => generate(next, depth + 1));
  const size = depth === 0 && next() < 0.02 ? 150 + Math.floor(next() * 250) : Math.floor(next() * 6);
  let keys = Array.from({ length: size }, (_, i) => (size > 100 ? `${text()}${i}` : text()));
  if (next() < 0.4) keys = keys.sort(codePointOrder);
  const object = Object.create(next() < 0.2 ? null : Object.prototype) as object;
  for (const key of keys) Object.defineProperty(object, key, { value: generate(next, depth + 1), enumerable: true, writable: true, configurable: true });
  return object;
}

test('sameJson says two values are the same exactly when their canonical forms are', () => {
  const proto = JSON.parse('{"__proto__": {"a": 1}}');
  const values: unknown[] = [
    null, true, false, 0, 1, -1, '', '1', 'a', [], {}, [1, 2], [2, 1], [[1], 2], [1, [2]],
    { a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 }, { a: 1, b: [1, { c: {} }] }, { a: 1 }, { a: 1, b: [] },
    proto, JSON.parse('{"__proto__": {"a": 2}}'), { a: { b: { c: ['x', 'y'] } } }, { a: { b: { c: ['y', 'x'] } } }, { 0: 'a' }, ['a'],
  ];
  for (const a of values) {
    for (const b of values) {
      const expected = canonicalJson(a).equals(canonicalJson(b));
      assert.is(sameJson(a, b), expected, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }
  }
});

test.run();
