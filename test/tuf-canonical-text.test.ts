// Reading the canonical bytes of `signed` off a file gives exactly what canonicalJson gives from
// the parsed document, or nothing: on real files, on generated ones in several layouts, and on
// text that is not canonical but for whitespace (unsorted or repeated keys, -0, lone surrogates).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalJson } from '../git-tuf/tuf/canonical.js';
import { canonicalSignedFromText } from '../git-tuf/tuf/canonical-text.js';
import { formatMetadata } from '../git-tuf/tuf/json.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));

function metadataFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return metadataFiles(file);
    return entry.name.endsWith('.json') && entry.name !== 'manifest.json' ? [file] : [];
  });
}

const expected = (text: Buffer | string): Buffer => canonicalJson((JSON.parse(text.toString()) as { signed: unknown }).signed);

test('every real metadata file of the fixtures: the same bytes, read off the text for tuf-on-ci written ones', () => {
  let readOff = 0;
  const files = metadataFiles(FIXTURES).filter((file) => (JSON.parse(readFileSync(file, 'utf8')) as { signed?: unknown }).signed !== undefined);
  for (const file of files) {
    const bytes = readFileSync(file);
    const fast = canonicalSignedFromText(bytes);
    if (fast === null) continue;
    readOff++;
    assert.ok(fast.equals(expected(bytes)), file);
  }
  assert.ok(readOff >= files.length / 2, `${readOff} of ${files.length} files read off the text`);
});

function random(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
}

const PIECES = ['a', 'Z', '0', '9', '10', '-', '/', ' ', '"', '\\', '\n', '\t', '\u0001', '\u007f', 'é', '名', '😀', '\ue000', '\uffff', '__proto__'];

function text(next: () => number, max: number): string {
  let value = '';
  const length = Math.floor(next() * max);
  for (let i = 0; i < length; i++) value += PIECES[Math.floor(next() * PIECES.length)];
  return value;
}

function value(next: () => number, depth: number): unknown {
  const roll = next();
  if (depth > 3 || roll < 0.3) {
    const scalar = next();
    if (scalar < 0.3) return text(next, 6);
    if (scalar < 0.6) return Math.floor((next() - 0.5) * 2 ** 40);
    if (scalar < 0.7) return 0;
    if (scalar < 0.8) return next() < 0.5;
    return null;
  }
  if (roll < 0.55) return Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1));
  const object: Record<string, unknown> = {};
  const keys = Math.floor(next() * 5);
  for (let i = 0; i < keys; i++) Object.defineProperty(object, next() < 0.7 ? text(next, 4).replace(/[^a-z0-9_]/gi, '') || 'k' : text(next, 4), { value: value(next, depth + 1), enumerable: true, writable: true, configurable: true });
  return object;
}

test('generated documents in several layouts: the same bytes as canonicalJson, or none', () => {
  const next = random(11);
  let readOff = 0;
  let total = 0;
  for (let round = 0; round < 300; round++) {
    const document = { signatures: [{ keyid: 'ab', sig: 'cd' }], signed: value(next, 0), 'x-after': value(next, 2) };
    const layouts = [formatMetadata(document).toString('utf8'), JSON.stringify(document), JSON.stringify(document, null, 3), JSON.stringify(document).replace(/,/g, ' ,\r\n\t')];
    for (const layout of layouts) {
      total++;
      const fast = canonicalSignedFromText(Buffer.from(layout, 'utf8'));
      if (fast === null) continue;
      readOff++;
      assert.ok(fast.equals(expected(layout)), `round ${round}: ${layout}`);
    }
  }
  // Sorted layouts (formatMetadata) of documents with plain keys are the common case.
  assert.ok(readOff > total / 8, `${readOff} of ${total} read off the text`);
});

test('what is not canonical but for whitespace is not read off', () => {
  const cases = [
    '{"signed": {"b": 1, "a": 2}}', // keys out of order
    '{"signed": {"a": 1, "a": 2}}', // a repeated key
    '{"signed": {"a": -0}}', // canonical JSON writes 0
    '{"signed": {"a": "\\ud800"}}', // a lone surrogate
    '{"signed": {"a": "\\udc00\\ud800"}}',
    '{"signed": {"\\u0061": 1}}', // an escaped key
    '{"signed": {"a": 1}, "signed": {"a": 2}}', // two signed
    '{"signatures": []}',
    '[1]',
  ];
  for (const text of cases) assert.is(canonicalSignedFromText(Buffer.from(text)), null, text);
  assert.equal(canonicalSignedFromText(Buffer.from('{"signed": {"a": "\\u00e9\\n\\"\\\\\\/", "b": [1, -2, true, null, {}]}}'))?.toString('utf8'), '{"a":"é\n\\"\\\\/","b":[1,-2,true,null,{}]}');
  assert.equal(canonicalSignedFromText(Buffer.from('{"signed": "\\ud83d\\ude00"}'))?.toString('utf8'), '"😀"');
});

test.run();
