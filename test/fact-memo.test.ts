// The fact memo: well-formed files and verified signatures are remembered per blob id, failures
// never are, and a damaged memo file is only a cold start, never trusted for more than it holds.
import { writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RepositoryFacts } from '../git-tuf/git/fact-memo.js';
import { GitTufError } from '../git-tuf/errors.js';
import { formatMetadata } from '../git-tuf/tuf/json.js';
import { parseMetadata } from '../git-tuf/tuf/metadata.js';
import { useFactMemo } from '../git-tuf/tuf/memo.js';
import { checkSignatures, KeyRing, signatureFact, type Authority } from '../git-tuf/tuf/verify.js';
import { commitTree, statusJson } from './helpers/cli.js';
import { initRepo, tempDir } from './helpers/git.js';
import { RepoModel, signDocument, testKey } from './helpers/tuf-repo.js';

const alice = testKey('ed25519', { owner: '@alice' });
const signed = { _type: 'targets', expires: '2030-01-01T00:00:00Z', spec_version: '1.0', targets: {}, version: 1 };
const authority: Authority = { label: 'root', role: { keyids: [alice.keyid], threshold: 1 }, ring: new KeyRing({ [alice.keyid]: alice.entry }) };

function facts(): { store: Set<string>; has: (fact: string) => boolean; add: (fact: string) => void } {
  const store = new Set<string>();
  return { store, has: (fact) => store.has(fact), add: (fact) => void store.add(fact) };
}

test('a verified signature and a well-formed file are remembered under the blob id; failures are not', () => {
  const memo = facts();
  useFactMemo(memo);
  try {
    const bytes = formatMetadata(signDocument(signed, [alice]));
    const good = parseMetadata(bytes, 'metadata/targets.json', 'targets', 'a'.repeat(40));
    // Well-formed, and how many paths it lists (for proving later versions of it: provenWellFormed).
    assert.equal([...memo.store], [`well-formed\0targets\0${'a'.repeat(40)}`, `target-paths\0${'a'.repeat(40)}\u{0}0`]);
    assert.ok(checkSignatures(good, authority).met);
    assert.is(memo.store.size, 3);
    // The second parse of the same blob takes the fast path and gives the same metadata.
    const again = parseMetadata(bytes, 'metadata/targets.json', 'targets', 'a'.repeat(40));
    assert.equal(again.document, good.document);
    assert.is(again.expires.getTime(), good.expires.getTime());
    assert.ok(checkSignatures(again, authority).met);

    const document = signDocument(signed, [alice]) as { signatures: { sig: string }[] };
    document.signatures[0]!.sig = document.signatures[0]!.sig.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    const tampered = parseMetadata(formatMetadata(document), 'metadata/targets.json', 'targets', 'b'.repeat(40));
    assert.not.ok(checkSignatures(tampered, authority).met);
    assert.is(memo.store.size, 5, 'the tampered file is well-formed, but its signature is never remembered');

    const malformed = Buffer.from(bytes.toString('utf8').replace('"version": 1', '"version": 1.0'));
    for (let i = 0; i < 2; i++) {
      assert.throws(() => parseMetadata(malformed, 'metadata/targets.json', 'targets', 'c'.repeat(40)), (error: unknown) => error instanceof GitTufError);
    }
    assert.is(memo.store.size, 5, 'a malformed file is never remembered');
    // Without a blob id (bytes not from git) nothing is remembered.
    checkSignatures(parseMetadata(bytes, 'metadata/targets.json', 'targets'), authority);
    assert.is(memo.store.size, 5);
  } finally {
    useFactMemo(null);
  }
});

test('the memo file round-trips, and a damaged or foreign file is only a cold start', async () => {
  const dir = tempDir('memo');
  const memo = await RepositoryFacts.open(dir);
  assert.not.ok(memo.has('fact one'));
  memo.add('fact one');
  memo.add('fact two');
  await memo.save();
  const again = await RepositoryFacts.open(dir);
  assert.ok(again.has('fact one') && again.has('fact two'));
  assert.not.ok(again.has('fact three'));

  const file = path.join(dir, 'git-tuf', 'facts');
  writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.from('torn')]));
  const torn = await RepositoryFacts.open(dir);
  assert.ok(torn.has('fact one') && torn.has('fact two'), 'a partial trailing entry is ignored');
  writeFileSync(file, 'an older or foreign file');
  const foreign = await RepositoryFacts.open(dir);
  assert.not.ok(foreign.has('fact one'));
});

test('status through the binary: the second run answers the same, and tampering is still caught', () => {
  const online = testKey('ed25519', { onlineUri: 'file:online.pem' });
  const model = new RepoModel({ rootKeys: [alice], onlineKey: online, artifacts: { 'a.txt': 'a' } });
  const repo = initRepo(tempDir('memo-repo'));
  commitTree(repo, model.files(), 'valid');
  const first = statusJson(repo, ['--at', '2026-01-01']);
  const second = statusJson(repo, ['--at', '2026-01-01']);
  assert.is(first.code, 0, first.stderr);
  assert.equal(second.report.roles, first.report.roles);
  const files = model.files();
  const targets = JSON.parse(files.get('metadata/targets.json')!.toString()) as { signed: { version: number } };
  targets.signed.version = 2; // the old signature no longer covers the payload
  files.set('metadata/targets.json', formatMetadata(targets));
  commitTree(repo, files, 'tampered');
  const tampered = statusJson(repo, ['--at', '2026-01-01']);
  assert.is(tampered.code, 2);
  assert.match(JSON.stringify(tampered.report.problems), /signature by @alice on metadata\/targets.json does not verify/);
});

test('a fact names the blob, the key, its scheme and the signature', () => {
  const key = authority.ring.get(alice.keyid);
  if (!key || key instanceof Error) throw new Error('test key did not parse');
  assert.is.not(signatureFact('a'.repeat(40), key, 'AB'), signatureFact('b'.repeat(40), key, 'ab'));
  assert.is(signatureFact('a'.repeat(40), key, 'AB'), signatureFact('a'.repeat(40), key, 'ab'));
});

test.run();
