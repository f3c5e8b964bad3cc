import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BlobDigests } from '../git-tuf/git/blob-digests.js';
import { GitRepository } from '../git-tuf/git/repository.js';
import { commitFiles, initRepo, tempDir } from './helpers/git.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

async function setup(format: 'sha1' | 'sha256', count: number) {
  const dir = initRepo(tempDir('git-tuf-digests'), { objectFormat: format });
  const files: Record<string, string> = { 'targets/empty': '' };
  for (let i = 0; i < count; i++) files[`targets/f${i}.txt`] = `content ${i}\n`.repeat(1 + (i % 50));
  files['targets/same-as-f0.txt'] = files['targets/f0.txt']!; // one blob, two paths
  const head = commitFiles(dir, files, 'files');
  const repo = await GitRepository.open(dir);
  const entries = await repo.listTree(head, 'targets');
  const contentOf = new Map(entries.map((entry) => [entry.oid, files[`targets/${entry.path}`]!]));
  const cacheFile = path.join(repo.commonDir, 'git-tuf', 'blob-digests');
  return { dir, repo, entries, contentOf, cacheFile };
}

const lines = (file: string) => readFileSync(file, 'latin1').split('\n').filter((line) => line !== '');

for (const format of ['sha1', 'sha256'] as const) {
  test(`[${format}] digests equal node's sha256 and are hashed once`, async () => {
    const { repo, entries, contentOf, cacheFile } = await setup(format, 250);
    const oids = entries.map((entry) => entry.oid);
    assert.is(contentOf.size, 251, 'distinct blobs (two paths share one)');

    const digests = new BlobDigests(repo, { batchSize: 64 });
    const first = await digests.digests(oids);
    assert.is(first.size, 251);
    for (const [oid, content] of contentOf) assert.equal(first.get(oid), { length: Buffer.byteLength(content), sha256: sha256(content) });
    assert.is(first.get(oids.find((_, i) => entries[i]!.path === 'empty')!)!.sha256, sha256(''));
    assert.is(digests.hashedCount, 251, 'each distinct blob hashed once');
    assert.is(lines(cacheFile).length, 251);

    const again = await digests.digests(oids);
    assert.equal(again, first);
    assert.is(digests.hashedCount, 251, 'nothing new hashed');

    const fresh = new BlobDigests(repo);
    assert.equal(await fresh.digests(oids), first);
    assert.is(fresh.hashedCount, 0, 'a new instance loads the cache file');
    assert.is(lines(cacheFile).length, 251, 'cache file did not grow');
    assert.equal(await fresh.digests([]), new Map());
    repo.close();
  });

  test(`[${format}] a corrupted or torn cache line is ignored and recomputed`, async () => {
    const { repo, entries, contentOf, cacheFile } = await setup(format, 20);
    const oids = entries.map((entry) => entry.oid);
    await new BlobDigests(repo).digests(oids);
    const original = lines(cacheFile);
    const [victim, torn, conflicted] = [original[0]!, original[1]!, original[2]!];
    const [conflictOid, conflictLength] = conflicted.split(' ');
    const damaged = [
      victim.slice(0, -1) + 'z', // not hex
      ...original.slice(3),
      conflicted,
      `${conflictOid} ${conflictLength} ${'0'.repeat(64)}`, // two answers for one blob
      'garbage',
      `${oids[3]} -5 ${'0'.repeat(64)}`,
      torn.slice(0, 50), // torn append, no newline
    ];
    writeFileSync(cacheFile, damaged.join('\n'));

    const digests = new BlobDigests(repo);
    const result = await digests.digests(oids);
    assert.is(digests.hashedCount, 3, 'the damaged, torn and conflicting entries are recomputed');
    for (const [oid, content] of contentOf) assert.equal(result.get(oid), { length: Buffer.byteLength(content), sha256: sha256(content) });

    // The entries appended after the torn line are readable.
    const reloaded = new BlobDigests(repo);
    await reloaded.digests(oids);
    assert.is(reloaded.hashedCount, 1, 'only the conflicting blob stays untrusted');
    repo.close();
  });

  test(`[${format}] an unwritable cache still gives results; persist: false uses no file`, async () => {
    const { repo, entries, contentOf, cacheFile } = await setup(format, 5);
    const oids = entries.map((entry) => entry.oid);
    // A file where the cache directory should be: mkdir fails even for root.
    writeFileSync(path.dirname(cacheFile), 'not a directory');
    const digests = new BlobDigests(repo);
    const result = await digests.digests(oids);
    for (const [oid, content] of contentOf) assert.is(result.get(oid)!.sha256, sha256(content));
    await digests.digests(oids);
    assert.is(digests.hashedCount, contentOf.size, 'still cached in memory');
    rmSync(path.dirname(cacheFile));

    const memoryOnly = new BlobDigests(repo, { persist: false });
    assert.equal(await memoryOnly.digests(oids), result);
    assert.is(memoryOnly.hashedCount, contentOf.size);
    assert.throws(() => readFileSync(cacheFile));
    repo.close();
  });
}

test('a missing blob rejects', async () => {
  const { repo } = await setup('sha1', 1);
  const digests = new BlobDigests(repo);
  try {
    await digests.digests(['0'.repeat(40)]);
    assert.unreachable('should reject');
  } catch (error) {
    assert.is((error as { code?: string }).code, 'git');
  }
  repo.close();
});

test.run();
