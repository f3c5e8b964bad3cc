import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GitTufError } from '../git-tuf/errors.js';
import { verifyWithClients } from '../git-tuf/publish/verify.js';
import { gitTuf } from './helpers/cli.js';
import { tempDir } from './helpers/git.js';
import { env, publisher, publishWorld } from './helpers/publish-world.js';
import { sha256, testKey } from './helpers/tuf-repo.js';

const ARTIFACTS = { 'a.txt': 'first artifact', 'pkg/b.txt': 'second artifact', 'pkg/deep/c.txt': 'third artifact' };

/** One published site with a delegated role, built by the real binary; each test tampers with a copy. */
const site = (() => {
  const world = publishWorld({ artifacts: ARTIFACTS, delegations: [{ name: 'pkg', keys: [testKey('ed25519', { owner: '@bob' })] }] });
  const ci = publisher(world);
  const published = gitTuf(ci, ['publish', '--out', 'site'], env);
  assert.is(published.code, 0, published.stderr);
  return path.join(ci, 'site');
})();

const root = readFileSync(path.join(site, '1.root.json'));

function copyOfSite(): string {
  const copy = path.join(tempDir('site-copy'), 'site');
  cpSync(site, copy, { recursive: true });
  return copy;
}

const artifactFile = (dir: string, target: string): string => {
  const { dir: sub, base } = path.posix.parse(target);
  return path.join(dir, 'targets', sub, `${sha256(ARTIFACTS[target as keyof typeof ARTIFACTS])}.${base}`);
};

function verify(dir: string, clients?: number) {
  const starts = [{ label: '1.root.json', bytes: root }, { label: 'the published 1.root.json', bytes: root }];
  return verifyWithClients(dir, { starts, targets: Object.keys(ARTIFACTS), scratch: tempDir('verify-scratch'), clients });
}

async function rejection(dir: string, clients?: number): Promise<string> {
  try {
    await verify(dir, clients);
  } catch (error) {
    assert.instance(error, GitTufError);
    return (error as Error).message;
  }
  throw new Error('the client accepted a tampered build');
}

test('tuf-js downloads and verifies every artifact of an intact build, and a second start refreshes the metadata', async () => {
  const checks = await verify(copyOfSite());
  assert.equal(checks, [
    { client: 'tuf-js', from: '1.root.json', downloaded: 3 },
    { client: 'tuf-js', from: 'the published 1.root.json', downloaded: 0 },
  ]);
});

test('clients in threads share the downloads; an altered artifact in a thread\'s share is refused with tuf-js\'s message', async () => {
  assert.equal((await verify(copyOfSite(), 3)).map((check) => check.downloaded), [3, 0]);
  const dir = copyOfSite();
  writeFileSync(artifactFile(dir, 'pkg/deep/c.txt'), 'Third artifact');
  assert.match(await rejection(dir, 3), /^tuf-js rejects the build \(trusting 1\.root\.json\): Expected hash [0-9a-f]{64} but got [0-9a-f]{64}$/);
});

test('an artifact longer than its metadata says is cut off while downloading', async () => {
  const dir = copyOfSite();
  writeFileSync(artifactFile(dir, 'pkg/b.txt'), `${ARTIFACTS['pkg/b.txt']}!`);
  assert.is(await rejection(dir), 'tuf-js rejects the build (trusting 1.root.json): Max length reached');
});

test('an artifact shorter than its metadata says is refused by tuf-js with its message', async () => {
  const dir = copyOfSite();
  writeFileSync(artifactFile(dir, 'pkg/deep/c.txt'), 'third');
  assert.is(await rejection(dir), `tuf-js rejects the build (trusting 1.root.json): Expected length ${ARTIFACTS['pkg/deep/c.txt'].length} but got 5`);
});

test('an artifact with the right length and other bytes is refused for its hash', async () => {
  const dir = copyOfSite();
  writeFileSync(artifactFile(dir, 'a.txt'), 'First artifact');
  assert.match(await rejection(dir), /^tuf-js rejects the build \(trusting 1\.root\.json\): Expected hash [0-9a-f]{64} but got [0-9a-f]{64}$/);
});

test('a missing artifact fails the download', async () => {
  const dir = copyOfSite();
  rmSync(artifactFile(dir, 'pkg/b.txt'));
  assert.is(await rejection(dir), 'tuf-js rejects the build (trusting 1.root.json): Failed to download');
});

test('a delegated role changed after signing is refused for its signature', async () => {
  const dir = copyOfSite();
  const file = path.join(dir, '1.pkg.json');
  const metadata = JSON.parse(readFileSync(file, 'utf8'));
  metadata.signed.expires = '2098-01-01T00:00:00Z';
  writeFileSync(file, JSON.stringify(metadata));
  assert.is(await rejection(dir), 'tuf-js rejects the build (trusting 1.root.json): Unable to load targets error Error: pkg was signed by 0/1 keys');
});

test.run();
