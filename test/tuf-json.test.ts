import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GitTufError } from '../git-tuf/errors.js';
import { formatMetadata, parseJson } from '../git-tuf/tuf/json.js';

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

test('parseJson handles a 20 MB document in one pass', () => {
  const targets: Record<string, unknown> = {};
  for (let i = 0; i < 100_000; i++) {
    targets[`path/with "quotes" and \\ 1.5e3/file-${i}`] = { hashes: { sha256: 'ab'.repeat(32) }, length: i, custom: { n: -i, s: '0.5' } };
  }
  const bytes = formatMetadata({ signed: { targets } });
  assert.ok(bytes.length > 20_000_000);
  const started = performance.now();
  const value = parseJson(bytes, 'targets.json') as { signed: { targets: Record<string, unknown> } };
  const elapsed = performance.now() - started;
  assert.is(Object.keys(value.signed.targets).length, 100_000);
  // Measured ≈ 0.3 s, about JSON.parse's own time plus a quarter.
  assert.ok(elapsed < 10_000, `took ${elapsed.toFixed(0)} ms`);
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

test.run();
