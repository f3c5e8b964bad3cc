// Skimming a targets file gives what JSON.parse gives, for the entries asked for, whatever the
// layout, escapes or repeated keys; comparing two files' texts never misses a changed entry; and
// metadata read in part still verifies over the whole file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatMetadata, formatMetadataValue } from '../git-tuf/tuf/json.js';
import { parseMetadata, type JsonObject } from '../git-tuf/tuf/metadata.js';
import { useFactMemo } from '../git-tuf/tuf/memo.js';
import { changedTargetPaths, rewriteTargetsMap, skimTargets } from '../git-tuf/tuf/skim.js';
import { checkSignatures, KeyRing, type Authority } from '../git-tuf/tuf/verify.js';
import { signDocument, targetEntry, testKey } from './helpers/tuf-repo.js';

/** A deterministic generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
}

const ODD_PATHS = ['with "quotes".txt', 'back\\slash', 'ünïcödé/名前.txt', '__proto__', 'targets', 'signed', 'new\nline', 'tab\there', '{braces}[and]', 'emoji/😀.bin', 'a/b/c/d.txt'];

function document(next: () => number, count: number): JsonObject {
  const targets: JsonObject = {};
  for (let i = 0; i < count; i++) {
    const name = next() < 0.2 ? `${ODD_PATHS[Math.floor(next() * ODD_PATHS.length)]}-${i}` : `dir${i % 7}/file${i}.txt`;
    const entry = targetEntry(`content ${i}`) as JsonObject;
    if (next() < 0.3) entry.custom = { note: 'a "}" and a "]" inside', nested: { list: [1, [2, { three: '}' }]], empty: {} } };
    targets[name] = entry;
  }
  return {
    signatures: [{ keyid: 'ab'.repeat(32), sig: 'cd'.repeat(32) }],
    signed: {
      _type: 'targets',
      delegations: { keys: {}, roles: [{ name: 'targets', keyids: [], threshold: 1, terminating: false, paths: ['*'] }] },
      expires: '2030-01-01T00:00:00Z',
      spec_version: '1.0.31',
      targets,
      version: 3,
      'x-custom': { targets: { 'not/this.txt': { length: 1 } } },
    },
  };
}

const layouts: [string, (value: JsonObject) => string][] = [
  ['python-tuf layout', (value) => formatMetadata(value).toString('utf8')],
  ['compact', (value) => JSON.stringify(value)],
  ['indent 4', (value) => JSON.stringify(value, null, 4)],
  ['odd whitespace', (value) => JSON.stringify(value, null, '\t').replace(/: /g, ' :\r\n ').replace(/,\n/g, '\n,')],
  ['slashes escaped', (value) => JSON.stringify(value).replace(/\//g, '\\/')],
];

test('the entries asked for and the rest of the document equal what JSON.parse gives', () => {
  const next = random(7);
  for (let round = 0; round < 40; round++) {
    const value = document(next, Math.floor(next() * 60));
    const paths = Object.keys((value.signed as { targets: JsonObject }).targets);
    const wanted = new Set([...paths.filter(() => next() < 0.2), 'not/listed.txt', ...(next() < 0.5 ? ['not/this.txt'] : [])]);
    for (const [layout, write] of layouts) {
      const text = write(value);
      const full = JSON.parse(text) as { signed: { targets: JsonObject } };
      const skimmed = skimTargets(Buffer.from(text), wanted);
      assert.ok(skimmed, `${layout}, round ${round}: skimmed`);
      const expected = [...wanted].filter((path) => Object.hasOwn(full.signed.targets, path)).map((path) => [path, full.signed.targets[path]]);
      assert.equal([...skimmed.entries].sort(), expected.sort(), `${layout}, round ${round}: entries`);
      full.signed.targets = {};
      assert.equal(skimmed.document, full, `${layout}, round ${round}: the rest of the document`);
    }
  }
});

test('repeated keys count as JSON.parse counts them: the last one', () => {
  const text = '{"signed": {"targets": {"a": {"length": 1}}, "targets": {"a": {"length": 2}, "a": {"length": 3}}, "version": 1}, "signed": {"targets": {"b": {"length": 4}}, "version": 2}}';
  const skimmed = skimTargets(Buffer.from(text), new Set(['a', 'b']))!;
  assert.equal([...skimmed.entries], [['b', { length: 4 }]]);
  assert.equal(skimmed.document, { signed: { targets: {}, version: 2 } });
  const inner = skimTargets(Buffer.from('{"signed": {"targets": {"a": {"length": 2}, "a": {"length": 3}}}}'), new Set(['a']))!;
  assert.equal([...inner.entries], [['a', { length: 3 }]]);
});

test('text without a signed.targets object is not skimmed', () => {
  for (const text of ['{}', '[]', '{"signed": {}}', '{"signed": {"targets": []}}', '{"signed": []}']) assert.is(skimTargets(Buffer.from(text), new Set(['a'])), null, text);
});

/** The paths whose entries JSON.parse gives differently for the two texts (present in one only included). */
function parsedDifferences(before: string, after: string): Set<string> {
  const a = (JSON.parse(before) as { signed: { targets: JsonObject } }).signed.targets;
  const b = (JSON.parse(after) as { signed: { targets: JsonObject } }).signed.targets;
  const paths = new Set([...Object.keys(a), ...Object.keys(b)]);
  return new Set([...paths].filter((path) => !Object.hasOwn(a, path) || !Object.hasOwn(b, path) || JSON.stringify(a[path]) !== JSON.stringify(b[path])));
}

/** A copy of `value` with some of its entries changed, added, removed or moved. */
function edited(next: () => number, value: JsonObject): JsonObject {
  const copy = JSON.parse(JSON.stringify(value)) as JsonObject;
  const signed = copy.signed as { targets: JsonObject };
  const entries = Object.entries(signed.targets);
  const edits = Math.floor(next() * 4);
  for (let e = 0; e < edits && entries.length > 0; e++) {
    const at = Math.floor(next() * entries.length);
    const kind = next();
    if (kind < 0.3) entries[at] = [entries[at]![0], targetEntry(`changed ${e} ${next()}`)];
    else if (kind < 0.5) entries.splice(at, 0, [`added/${e}-${Math.floor(next() * 1000)}.txt`, targetEntry(`new ${e}`)]);
    else if (kind < 0.7) entries.splice(at, 1);
    else if (kind < 0.85) entries.push(entries.splice(at, 1)[0]!); // moved: the same entry elsewhere
    else entries[at] = [entries[at]![0], { ...(entries[at]![1] as JsonObject), custom: { note: 'added field' } }];
  }
  signed.targets = Object.fromEntries(entries);
  return copy;
}

test('the text comparison of two targets files never misses a changed entry, whatever the layouts', () => {
  const next = random(11);
  for (let round = 0; round < 40; round++) {
    const value = document(next, Math.floor(next() * 60));
    const other = edited(next, value);
    for (const [layoutA, writeA] of layouts) {
      for (const [layoutB, writeB] of layouts) {
        const before = writeA(value);
        const after = writeB(other);
        const found = changedTargetPaths(Buffer.from(before), Buffer.from(after));
        assert.ok(found, `${layoutA} → ${layoutB}, round ${round}: compared`);
        for (const path of parsedDifferences(before, after)) assert.ok(found.has(path), `${layoutA} → ${layoutB}, round ${round}: ${JSON.stringify(path)} changed`);
        if (layoutA === layoutB) assert.equal(found, parsedDifferences(before, after), `${layoutA}, round ${round}: only the changed entries when both are written alike`);
      }
    }
  }
});

test('the text comparison counts the last of repeated keys, however they are written', () => {
  const compare = (before: string, after: string): string[] => [...changedTargetPaths(Buffer.from(before), Buffer.from(after))!].sort();
  const wrap = (targets: string): string => `{"signed": {"targets": {${targets}}, "version": 1}}`;
  // The same two entries in the other order: the last "a" (\u0061 is "a") is now 1, not 2.
  assert.equal(compare(wrap('"a": 1, "\\u0061": 2'), wrap('"\\u0061": 2, "a": 1')), ['a']);
  assert.equal(compare(wrap('"a": 1, "b": 2, "a": 3'), wrap('"a": 1, "b": 2, "a": 3')), []);
  // An earlier "a" dropped: the parsed maps are equal, and the answer may name "a" or not.
  assert.ok(compare(wrap('"a": 1, "b": 2, "a": 3'), wrap('"b": 2, "a": 3')).every((path) => path === 'a'));
  assert.equal(compare(wrap('"a": 1, "b": 2'), wrap('"a": 1, "b": 2, "a": 3')), ['a']);
  // Only the last signed.targets counts.
  assert.equal(compare('{"signed": {"targets": {"a": 1}}, "signed": {"targets": {"b": 1}}}', '{"signed": {"targets": {"b": 1}}}'), []);
  assert.is(changedTargetPaths(Buffer.from('{"signed": {}}'), Buffer.from(wrap('"a": 1'))), null);
});

test('a targets map rewritten in place is what formatMetadata writes for the edited file, when the file has its layout', () => {
  const next = random(21);
  for (let round = 0; round < 40; round++) {
    const targets: JsonObject = {};
    for (let i = 0; i < Math.floor(next() * 50); i++) targets[`dir${i % 5}/file${i}.txt`] = targetEntry(`content ${i}`) as JsonObject;
    const value = { signatures: [], signed: { _type: 'targets', targets, version: 1 } };
    const bytes = formatMetadata(value);
    const paths = Object.keys(targets);
    const dropped = new Set([...paths.filter(() => next() < 0.2), 'a-new.txt', 'dir2/new.txt', 'zzz.txt']);
    const added = new Map([...dropped].filter(() => next() < 0.6).map((path): [string, JsonObject] => [path, { ...(targetEntry(path) as JsonObject), ...(next() < 0.3 ? { custom: { n: 1 } } : {}) }]));
    const pieces = rewriteTargetsMap(bytes, dropped, new Map([...added].map(([path, entry]) => [path, formatMetadataValue(entry, 3)])));
    assert.ok(pieces, `round ${round}: the python-tuf layout is rewritten in place`);
    const edited: JsonObject = Object.fromEntries(Object.entries(targets).filter(([path]) => !dropped.has(path)));
    for (const [path, entry] of added) edited[path] = entry;
    const expected = formatMetadata({ ...value, signed: { ...value.signed, targets: edited } }).toString('utf8');
    const header = formatMetadata({ ...value, signed: { ...value.signed, targets: {} } }).toString('utf8');
    const at = header.indexOf('"targets": {}') + '"targets": '.length;
    assert.is(`${header.slice(0, at)}${Buffer.concat(pieces).toString('utf8')}${header.slice(at + 2)}`, expected, `round ${round}`);
  }
});

test('a targets map in another layout, out of order, with repeated or escaped keys is not rewritten in place', () => {
  const targets = { 'a.txt': targetEntry('a'), 'b.txt': targetEntry('b') };
  const value = { signatures: [], signed: { _type: 'targets', targets, version: 1 } };
  const none = new Map<string, string>();
  assert.ok(rewriteTargetsMap(formatMetadata(value), new Set(), none), 'the layout itself is');
  const text = formatMetadata(value).toString('utf8');
  for (const [what, bytes] of [
    ['indent 4', Buffer.from(JSON.stringify(value, null, 4))],
    ['compact', Buffer.from(JSON.stringify(value))],
    ['out of order', Buffer.from(text.replace('"a.txt"', '"c.txt"'))],
    ['a repeated key', Buffer.from(text.replace('"b.txt"', '"a.txt"'))],
    ['an escaped key', Buffer.from(text.replace('"b.txt"', '"b\\u00fc.txt"'))],
  ] as const) {
    assert.is(rewriteTargetsMap(bytes, new Set(), none), null, what);
  }
  assert.is(rewriteTargetsMap(formatMetadata(value), new Set(), new Map([['ü.txt', '{}']])), null, 'an added key that needs an escape');
});

test('metadata read in part says so, and its signatures verify over the whole file', () => {
  const alice = testKey('ed25519');
  const authority: Authority = { label: 'root', role: { keyids: [alice.keyid], threshold: 1 }, ring: new KeyRing({ [alice.keyid]: alice.entry }) };
  const signed = { _type: 'targets', expires: '2030-01-01T00:00:00Z', spec_version: '1.0.31', targets: { 'a.txt': targetEntry('a'), 'b.txt': targetEntry('b') }, version: 1 };
  const bytes = formatMetadata(signDocument(signed, [alice]));
  const blobId = 'e'.repeat(40);
  const store = new Set<string>();
  useFactMemo({ has: (fact) => store.has(fact), add: (fact) => void store.add(fact) });
  try {
    const first = parseMetadata(bytes, 'metadata/targets.json', 'targets', blobId, new Set(['a.txt']));
    assert.is(first.targetsRead, undefined, 'bytes not yet known well-formed are read and checked in full');
    assert.equal(Object.keys(first.signed.targets), ['a.txt', 'b.txt']);
    store.clear();
    parseMetadata(bytes, 'metadata/targets.json', 'targets', blobId);
    assert.equal([...store], [`well-formed\0targets\0${blobId}`, `target-paths\0${blobId}\u{0}2`], 'only the facts of the file (well-formed, two paths) are known: signatures are checked afresh');
    const part = parseMetadata(bytes, 'metadata/targets.json', 'targets', blobId, new Set(['a.txt']));
    assert.equal(part.targetsRead, new Set(['a.txt']));
    assert.equal(part.signed.targets, { 'a.txt': targetEntry('a') });
    assert.is(part.signed.version, 1);
    assert.ok(checkSignatures(part, authority).met, 'the signature covers the whole file, not the part read');
  } finally {
    useFactMemo(null);
  }
});

test.run();
