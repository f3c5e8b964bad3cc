import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GitTufError } from '../git-tuf/errors.js';
import { BlobDigests } from '../git-tuf/git/blob-digests.js';
import { DigestCache } from '../git-tuf/git/digest-cache.js';
import { GitRepository } from '../git-tuf/git/repository.js';
import { commitFiles, git, gitEnv, initRepo, tempDir, writeBlobs } from './helpers/git.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const here = path.dirname(fileURLToPath(import.meta.url));

async function setup(format: 'sha1' | 'sha256', count: number) {
  const dir = initRepo(tempDir('git-tuf-digests'), { objectFormat: format });
  const files: Record<string, string | Buffer> = { 'targets/empty': '', 'targets/big.bin': Buffer.alloc(1 << 20, 'big\n') };
  for (let i = 0; i < count; i++) files[`targets/f${i}.txt`] = `content ${i}\n`.repeat(1 + (i % 50));
  files['targets/same-as-f0.txt'] = files['targets/f0.txt']!; // one blob, two paths
  const head = commitFiles(dir, files, 'files');
  const repo = await GitRepository.open(dir);
  const entries = await repo.listTree(head, 'targets');
  const contentOf = new Map(entries.map((entry) => [entry.oid, files[`targets/${entry.path}`]!]));
  const oids = entries.map((entry) => entry.oid);
  const cacheFile = path.join(repo.commonDir, 'git-tuf', 'blob-digests');
  return { dir, repo, oids, contentOf, cacheFile };
}

const expected = (content: string | Buffer) => ({ length: Buffer.byteLength(content), sha256: sha256(content) });

function assertCorrect(result: Map<string, { length: number; sha256: string }>, contentOf: Map<string, string | Buffer>) {
  assert.is(result.size, contentOf.size);
  for (const [oid, content] of contentOf) assert.equal(result.get(oid), expected(content), oid);
}

/** The cache file's trusted records, by reading it the way BlobDigests does. */
function cached(file: string, oidBytes: number, oids: string[]) {
  const cache = new DigestCache(file, oidBytes, readFileSync(file));
  return { size: cache.size, known: [...new Set(oids)].filter((oid) => cache.get(oid) !== undefined) };
}

for (const format of ['sha1', 'sha256'] as const) {
  const oidBytes = format === 'sha1' ? 20 : 32;
  const recordBytes = oidBytes + 40;

  test(`[${format}] digests equal node's sha256, are hashed once and cached in one binary file`, async () => {
    const { repo, oids, contentOf, cacheFile } = await setup(format, 250);
    assert.is(contentOf.size, 252, 'distinct blobs (two paths share one)');

    const digests = new BlobDigests(repo);
    const first = await digests.digests(oids);
    assertCorrect(first, contentOf);
    assert.is(digests.hashedCount, 252, 'each distinct blob hashed once');
    assert.is(statSync(cacheFile).size, 16 + 16 + 252 * recordBytes, 'header, one block');
    assert.is(readFileSync(cacheFile).subarray(0, 12).toString('latin1'), 'git-tuf-bd2\n');

    const again = await digests.digests(oids);
    assert.equal(again, first);
    assert.is(digests.hashedCount, 252, 'nothing new hashed');

    const fresh = new BlobDigests(repo);
    assert.equal(await fresh.digests(oids), first);
    assert.is(fresh.hashedCount, 0, 'a new instance loads the cache file');
    assert.is(statSync(cacheFile).size, 16 + 16 + 252 * recordBytes, 'cache file did not grow');
    assert.equal(await fresh.digests([]), new Map());

    // One more blob: appended as a block of one. digestList answers in order, repeats included.
    const [extra] = writeBlobs(repo.root, ['one more\n']);
    const list = await new BlobDigests(repo).digestList([extra!, oids[1]!, extra!, ...oids]);
    assert.equal(list.slice(0, 3), [expected('one more\n'), first.get(oids[1]!), expected('one more\n')]);
    assert.equal(list.slice(3), oids.map((oid) => first.get(oid)));
    assert.is(statSync(cacheFile).size, 16 + 16 + 252 * recordBytes + 16 + recordBytes);
    assert.is(cached(cacheFile, oidBytes, [...oids, extra!]).known.length, contentOf.size + 1);
    repo.close();
  });

  test(`[${format}] a torn last block is ignored, recomputed, and the file rewritten whole`, async () => {
    const { repo, oids, contentOf, cacheFile } = await setup(format, 20);
    await new BlobDigests(repo).digests(oids.slice(0, 10));
    await new BlobDigests(repo).digests(oids);
    truncateSync(cacheFile, statSync(cacheFile).size - 7); // a crash in the middle of the second append

    assert.is(cached(cacheFile, oidBytes, oids).known.length, 10);
    const digests = new BlobDigests(repo);
    assertCorrect(await digests.digests(oids), contentOf);
    assert.is(digests.hashedCount, contentOf.size - 10, 'only the torn block is recomputed');
    assert.is(statSync(cacheFile).size, 16 + 16 + 10 * recordBytes + 16 + (contentOf.size - 10) * recordBytes, 'rewritten: what was trusted, then the new block');
    const reloaded = new BlobDigests(repo);
    assertCorrect(await reloaded.digests(oids), contentOf);
    assert.is(reloaded.hashedCount, 0, 'the rewritten file holds everything');
    repo.close();
  });

  test(`[${format}] a damaged record is never trusted; stray bytes and foreign files are skipped`, async () => {
    const { repo, oids, contentOf, cacheFile } = await setup(format, 30);
    await new BlobDigests(repo).digests(oids.slice(0, 5));
    await new BlobDigests(repo).digests(oids.slice(0, 15));
    await new BlobDigests(repo).digests(oids);
    const writer = new DigestCache(cacheFile, oidBytes, readFileSync(cacheFile)); // saw a clean file: appends
    const bytes = readFileSync(cacheFile);
    const secondBlock = 16 + 16 + 5 * recordBytes;
    // One bit of one digest in the second block (10 records) flips.
    const flip = secondBlock + 16 + 3 * recordBytes + oidBytes + 20;
    bytes[flip] = bytes[flip]! ^ 0x10;
    writeFileSync(cacheFile, bytes);
    appendFileSync(cacheFile, 'garbage from a stray writer\n');
    const [late] = writeBlobs(repo.root, ['after the garbage']);
    const record = Buffer.alloc(recordBytes);
    writer.writeRecord(record, 0, late!, 17, sha256('after the garbage'));
    writer.append(record, 1);

    const seen = cached(cacheFile, oidBytes, [...oids, late!]);
    assert.is(seen.known.length, contentOf.size - 10 + 1, 'the damaged block is dropped; the reader finds the block after the garbage');
    const digests = new BlobDigests(repo);
    assertCorrect(await digests.digests(oids), contentOf);
    assert.is(digests.hashedCount, 10, 'the damaged block is recomputed');
    const reloaded = new BlobDigests(repo);
    await reloaded.digests([...oids, late!]);
    assert.is(reloaded.hashedCount, 0);
    assert.ok(!readFileSync(cacheFile).includes('garbage'), 'the append after the damage rewrote the file without it');

    // An older text cache (or anything else) at this path is replaced.
    writeFileSync(cacheFile, `${oids[0]} 5 ${'0'.repeat(64)}\n`);
    const overText = new BlobDigests(repo);
    assertCorrect(await overText.digests(oids), contentOf);
    assert.is(overText.hashedCount, contentOf.size);
    assert.is(readFileSync(cacheFile).subarray(0, 12).toString('latin1'), 'git-tuf-bd2\n');
    repo.close();
  });

  test(`[${format}] two records that disagree about one blob: neither is trusted, and the next write drops both`, async () => {
    const { repo, oids, contentOf, cacheFile } = await setup(format, 3);
    await new BlobDigests(repo).digests(oids);
    const cache = new DigestCache(cacheFile, oidBytes, readFileSync(cacheFile));
    const records = Buffer.alloc(2 * recordBytes);
    cache.writeRecord(records, 0, oids[1]!, 5, '0'.repeat(64)); // well-formed, checksummed, wrong
    cache.writeRecord(records, 1, 'a'.repeat(2 * oidBytes), 5, '1'.repeat(64));
    cache.append(records, 2);
    const digests = new BlobDigests(repo);
    assertCorrect(await digests.digests(oids), contentOf);
    assert.is(digests.hashedCount, 1);
    const reloaded = new BlobDigests(repo);
    assertCorrect(await reloaded.digests(oids), contentOf);
    assert.is(reloaded.hashedCount, 0, 'the recomputed record is the only one left');
    assert.equal(cached(cacheFile, oidBytes, ['a'.repeat(2 * oidBytes)]).known.length, 1);
    repo.close();
  });

  test(`[${format}] many blobs are hashed on a worker thread: the same digests, cached alike, and a missing blob fails the same way`, async () => {
    const { repo, oids, contentOf, cacheFile } = await setup(format, 40);
    const inWorker = new BlobDigests(repo, { workerFrom: 1 });
    assertCorrect(await inWorker.digests(oids), contentOf);
    assert.is(inWorker.hashedCount, contentOf.size);
    assert.is(cached(cacheFile, oidBytes, oids).known.length, contentOf.size, 'what the worker hashed is cached');
    const missing = 'e'.repeat(2 * oidBytes);
    const error = await new BlobDigests(repo, { workerFrom: 1, persist: false }).digests([oids[0]!, missing]).then(
      () => assert.unreachable('a missing blob must fail'),
      (failure: unknown) => failure,
    );
    assert.instance(error, GitTufError);
    assert.is((error as GitTufError).code, 'git');
    assert.match((error as GitTufError).message, missing);
    repo.close();
  });

  test(`[${format}] checked-out files are read only when git's id of them is the blob's`, async () => {
    const { dir, repo, oids, contentOf } = await setup(format, 3);
    const entries = await repo.listTree(git(dir, 'rev-parse', 'HEAD'), 'targets');
    const fileOf = new Map(entries.map((entry) => [entry.oid, path.join(dir, 'targets', entry.path)]));
    writeFileSync(path.join(dir, 'targets', 'f1.txt'), 'edited in the work tree, not committed');
    rmSync(path.join(dir, 'targets', 'f2.txt'));
    const files = oids.map((oid, i) => (i === 0 ? dir : fileOf.get(oid)!)); // the first: a directory
    const digests = new BlobDigests(repo, { workerFrom: 1, persist: false });
    const list = await digests.digestList(oids, files);
    oids.forEach((oid, i) => assert.equal(list[i], expected(contentOf.get(oid)!), oid));
    repo.close();
  });

  test(`[${format}] the first lookups search the file, later ones use the index: the same answers, and ids inside other records are not found`, () => {
    const dir = tempDir('git-tuf-digests-lookup');
    const file = path.join(dir, 'blob-digests');
    const writer = new DigestCache(file, oidBytes, null);
    const ids = Array.from({ length: 200 }, (_, i) => sha256(`id ${i}`).slice(0, 2 * oidBytes));
    // A record whose sha256 holds the bytes of an id that has no record of its own.
    const hidden = sha256('hidden').slice(0, 2 * oidBytes);
    const records = Buffer.alloc(ids.length * recordBytes);
    ids.forEach((id, i) => writer.writeRecord(records, i, id, i, i === 7 ? hidden.padEnd(64, '0') : sha256(`content ${i}`)));
    writer.append(records, ids.length);
    const reader = new DigestCache(file, oidBytes, readFileSync(file));
    const answers = () => [hidden, ...ids, 'f'.repeat(2 * oidBytes)].map((id) => reader.get(id));
    const first = answers(); // 64 searches, then the index
    const again = answers(); // all from the index
    assert.equal(first, again);
    assert.is(first[0], undefined, 'bytes inside another record are no record');
    assert.is(first[first.length - 1], undefined);
    ids.forEach((_, i) => assert.equal(first[i + 1], { length: i, sha256: i === 7 ? hidden.padEnd(64, '0') : sha256(`content ${i}`) }));
  });

  test(`[${format}] two processes appending at once lose nothing`, async () => {
    const dir = initRepo(tempDir('git-tuf-digests-race'), { objectFormat: format });
    const contents = Array.from({ length: 2000 }, (_, i) => `blob ${i}\n`.repeat(1 + (i % 13)));
    const oids = writeBlobs(dir, contents);
    const repo = await GitRepository.open(dir);
    await new BlobDigests(repo).digests(oids.slice(0, 1)); // the file exists: both only append
    const module = path.resolve(here, '../git-tuf/git');
    // Each worker appends 50 blocks (one per call), interleaving with the other.
    const script = `const { GitRepository } = await import(${JSON.stringify(`${module}/repository.js`)});
      const { BlobDigests } = await import(${JSON.stringify(`${module}/blob-digests.js`)});
      const repo = await GitRepository.open(${JSON.stringify(dir)});
      const oids = JSON.parse(process.argv[1]);
      const digests = new BlobDigests(repo);
      for (let i = 0; i < oids.length; i += 20) await digests.digests(oids.slice(i, i + 20));
      repo.close();`;
    const run = (part: string[]) => promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(part)], { env: gitEnv });
    await Promise.all([run(oids.filter((_, i) => i % 2 === 0)), run(oids.filter((_, i) => i % 2 === 1))]);
    const seen = cached(path.join(repo.commonDir, 'git-tuf', 'blob-digests'), oidBytes, oids);
    assert.is(seen.known.length, oids.length);
    const digests = new BlobDigests(repo);
    const result = await digests.digests(oids);
    assert.is(digests.hashedCount, 0);
    oids.forEach((oid, i) => assert.equal(result.get(oid), expected(contents[i]!)));
    repo.close();
  });

  test(`[${format}] an unwritable cache still gives results; persist: false uses no file`, async () => {
    const { repo, oids, contentOf, cacheFile } = await setup(format, 5);
    // A file where the cache directory should be: mkdir fails even for root.
    writeFileSync(path.dirname(cacheFile), 'not a directory');
    const digests = new BlobDigests(repo);
    assertCorrect(await digests.digests(oids), contentOf);
    await digests.digests(oids);
    assert.is(digests.hashedCount, contentOf.size, 'still cached in memory');
    rmSync(path.dirname(cacheFile));

    const memoryOnly = new BlobDigests(repo, { persist: false });
    assertCorrect(await memoryOnly.digests(oids), contentOf);
    assert.is(memoryOnly.hashedCount, contentOf.size);
    assert.throws(() => readFileSync(cacheFile));
    repo.close();
  });

  test(`[${format}] a missing blob rejects; what was hashed before it is kept; abbreviated ids are refused`, async () => {
    const { repo, oids, contentOf, cacheFile } = await setup(format, 3);
    const digests = new BlobDigests(repo);
    for (const bad of [[...oids.slice(0, 2), 'f'.repeat(2 * oidBytes)], [oids[0]!.slice(0, 12)]]) {
      try {
        await digests.digests(bad);
        assert.unreachable('should reject');
      } catch (error) {
        assert.is((error as { code?: string }).code, 'git');
      }
    }
    assert.is(cached(cacheFile, oidBytes, oids).known.length, 2);
    assertCorrect(await digests.digests(oids), contentOf);
    assert.is(digests.hashedCount, contentOf.size, 'the rest is hashed once asked for again');
    repo.close();
  });
}

test.run();
