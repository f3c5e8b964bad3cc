import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseMetadata } from '../git-tuf/tuf/metadata.js';
import { formatMetadata } from '../git-tuf/tuf/json.js';
import { checkSignatures, foreignSignatures, KeyRing, type Authority } from '../git-tuf/tuf/verify.js';
import { signDocument, testKey, type TestKey } from './helpers/tuf-repo.js';

const signed = { _type: 'targets', expires: '2030-01-01T00:00:00Z', spec_version: '1.0', targets: {}, version: 1 };
const alice = testKey('ecdsa-p256', { owner: '@alice' });
const bob = testKey('ed25519', { owner: '@bob' });
const carol = testKey('rsa', { owner: '@carol' });

function metadataSignedBy(signers: TestKey[], placeholders: TestKey[] = []) {
  return parseMetadata(formatMetadata(signDocument(signed, signers, placeholders)), 'metadata/targets.json', 'targets');
}

function authority(keys: TestKey[], threshold: number, extraKeys: Record<string, Record<string, unknown>> = {}): Authority {
  const entries = { ...Object.fromEntries(keys.map((key) => [key.keyid, key.entry])), ...extraKeys };
  return { label: 'root', role: { keyids: Object.keys(entries), threshold }, ring: new KeyRing(entries) };
}

test('a threshold of distinct keys is met; missing lists who can still sign', () => {
  const report = checkSignatures(metadataSignedBy([alice, bob], [carol]), authority([alice, bob, carol], 2));
  assert.ok(report.met);
  assert.equal(report.signed.map((key) => key.owner), ['@alice', '@bob']);
  assert.equal(report.missing.map((key) => key.owner), ['@carol']);
  assert.equal(report.invalid, []);
});

test('the same public key under two keyids counts once', () => {
  // Same key, one extra field: a different keyid for the same public key.
  const twinEntry = { ...alice.entry, 'x-note': 'imported again' };
  const twin: TestKey = { ...alice, entry: twinEntry, keyid: `${alice.keyid.slice(0, -4)}beef` };
  const report = checkSignatures(metadataSignedBy([alice, twin]), authority([alice], 2, { [twin.keyid]: twinEntry }));
  assert.is(report.signed.length, 1);
  assert.not.ok(report.met, 'two signatures by one key must not reach a threshold of 2');
});

test('a tampered signature is invalid and does not count', () => {
  const metadata = metadataSignedBy([alice, bob]);
  const sig = metadata.signatures[0]!.sig;
  metadata.signatures[0]!.sig = sig.slice(0, -2) + (sig.endsWith('00') ? '01' : '00');
  const report = checkSignatures(metadata, authority([alice, bob], 2));
  assert.equal(report.invalid.map((key) => key.owner), ['@alice']);
  assert.not.ok(report.met);
});

test('a signature over other bytes does not verify', () => {
  const document = signDocument(signed, [carol]) as { signed: { version: number } };
  document.signed.version = 2; // the file says version 2; carol signed version 1
  const metadata = parseMetadata(formatMetadata(document), 'metadata/targets.json', 'targets');
  const report = checkSignatures(metadata, authority([carol], 1));
  assert.is(report.invalid.length, 1);
  assert.not.ok(report.met);
});

test('unknown keytypes and undefined keyids are reported as unusable, not skipped silently', () => {
  const strange = { keytype: 'foo', keyval: { public: 'x' }, scheme: 'foo' };
  const ring = new KeyRing({ [alice.keyid]: alice.entry, strange });
  const report = checkSignatures(metadataSignedBy([alice]), { label: 'root', role: { keyids: [alice.keyid, 'strange', 'ghost'], threshold: 1 }, ring });
  assert.ok(report.met);
  assert.equal(report.unusable.map((entry) => entry.keyid), ['strange', 'ghost']);
  assert.match(report.unusable[0]!.reason, /unknown keytype "foo"|keytype/);
});

test('signatures by keys outside every authority are foreign; placeholders are not', () => {
  const metadata = metadataSignedBy([alice, bob], [carol]);
  assert.equal(foreignSignatures(metadata, [authority([alice], 1)]), [bob.keyid]);
  assert.equal(foreignSignatures(metadata, [authority([alice], 1), authority([bob], 1)]), []);
});

test('keyid mismatches are found', () => {
  const ring = new KeyRing({ [alice.keyid]: alice.entry, wrongid: bob.entry });
  assert.equal(ring.keyidMismatches([alice.keyid, 'wrongid']), ['wrongid']);
});

test('a large targets file (its signed bytes read off the text) verifies, and one changed entry does not', () => {
  const targets: Record<string, unknown> = {};
  for (let i = 0; i < 40000; i++) targets[`dir${i % 97}/file-${i}.txt`] = { hashes: { sha256: (i % 16).toString(16).repeat(64) }, length: i };
  const document = signDocument({ ...signed, targets, 'x-note': 'line one\nline "two"' }, [bob]) as { signed: { targets: Record<string, { length: number }> } };
  const bytes = formatMetadata(document);
  assert.ok(bytes.length >= 4 * 1024 * 1024, `${bytes.length} bytes: large enough for the text path`);
  assert.ok(checkSignatures(parseMetadata(bytes, 'metadata/targets.json', 'targets'), authority([bob], 1)).met);
  document.signed.targets['dir5/file-5.txt']!.length = 6;
  const tampered = parseMetadata(formatMetadata(document), 'metadata/targets.json', 'targets');
  assert.not.ok(checkSignatures(tampered, authority([bob], 1)).met);
});

test.run();
