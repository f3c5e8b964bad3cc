import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { getTrustedRoot } from '@sigstore/tuf';
import { Updater } from 'tuf-js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serveDirectory } from '../git-tuf/publish/serve.js';
import { projectRoot } from './helpers/cli.js';
import { gitTuf } from './helpers/cli.js';
import { startFakeKms } from './helpers/fake-kms.js';
import { git, tempDir } from './helpers/git.js';
import { addArtifact, env, publisher, publishWorld, pushModel } from './helpers/publish-world.js';
import { gitTufAsync } from './helpers/signing.js';
import { testKey, type Json } from './helpers/tuf-repo.js';

const TRUSTED_ROOT = readFileSync(path.join(projectRoot, 'test/fixtures/root-signing-staging/head/targets/trusted_root.json'));

/** A client of our own, outside publish: tuf-js with `root` as its trusted root. */
async function clientRefresh(site: string, root: Buffer, target: string): Promise<{ rootVersion: number; content: Buffer }> {
  const cache = tempDir('client');
  mkdirSync(path.join(cache, 'targets'));
  writeFileSync(path.join(cache, 'root.json'), root);
  const server = await serveDirectory(site);
  try {
    const updater = new Updater({ metadataDir: cache, metadataBaseUrl: server.url, targetBaseUrl: `${server.url}/targets`, targetDir: path.join(cache, 'targets') });
    await updater.refresh();
    const info = await updater.getTargetInfo(target);
    assert.ok(info, `a client finds ${target}`);
    const file = await updater.downloadTarget(info!, path.join(cache, 'download'));
    return { rootVersion: JSON.parse(readFileSync(path.join(cache, 'root.json'), 'utf8')).signed.version, content: readFileSync(file) };
  } finally {
    await server.close();
  }
}

test('after a root rotation, clients that trusted the old root update to the new one', async () => {
  const world = publishWorld();
  const ci = publisher(world);
  const site = path.join(ci, 'site');
  const first = gitTuf(ci, ['publish', '--out', 'site'], env);
  assert.is(first.code, 0, first.stderr);
  const oldRoot = readFileSync(path.join(site, '1.root.json'));

  const oldKey = world.model.root.signers[0]!;
  const newKey = testKey('ed25519', { owner: '@bob' });
  const root = world.model.newRoot([oldKey, newKey]);
  (root.signed.keys as Json)[newKey.keyid] = newKey.entry;
  (root.signed.roles as Json).root = { keyids: [newKey.keyid], threshold: 1 };
  root.placeholders = [newKey];
  addArtifact(world, 'after-rotation.txt', 'signed under root v2');
  pushModel(world, 'Rotate root to @bob');

  git(ci, 'pull', '-q', '--ff-only');
  const second = gitTuf(ci, ['publish', '--out', 'site', '--json'], env);
  assert.is(second.code, 0, second.stderr);
  const report = JSON.parse(second.stdout);
  assert.equal(report.checks.map((check: any) => check.from), ['1.root.json', 'the published 1.root.json']);
  assert.ok(report.metadata.includes('2.root.json'));
  const client = await clientRefresh(site, oldRoot, 'after-rotation.txt');
  assert.is(client.rootVersion, 2, 'the client now trusts root v2');
  assert.is(client.content.toString(), 'signed under root v2');
});

test('a trusted_root.json artifact is also checked with @sigstore/tuf, as a Sigstore client loads it', async () => {
  const world = publishWorld({ artifacts: { 'trusted_root.json': TRUSTED_ROOT } });
  const ci = publisher(world);
  const result = gitTuf(ci, ['publish', '--out', 'site', '--json'], env);
  assert.is(result.code, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).checks.map((check: any) => check.client), ['tuf-js', '@sigstore/tuf']);
  const site = path.join(ci, 'site');
  const server = await serveDirectory(site);
  try {
    const trusted = await getTrustedRoot({ mirrorURL: server.url, rootPath: path.join(site, '1.root.json'), cachePath: tempDir('sigstore'), forceInit: true, forceCache: false, retry: false });
    assert.ok(trusted.tlogs.length > 0 && trusted.certificateAuthorities.length > 0, 'the Sigstore trusted root loads');
  } finally {
    await server.close();
  }
});

test('an online key in Cloud KMS signs snapshot and timestamp through the real client (fake KMS on 127.0.0.1); a corrupted response stops the publish', async () => {
  const kms = await startFakeKms();
  try {
    const name = 'projects/p/locations/global/keyRings/tuf/cryptoKeys/online/cryptoKeyVersions/3';
    const world = publishWorld({ onlineKind: 'ecdsa-p256', onlineUri: `gcpkms:${name}` });
    kms.addKey(name, world.online);
    addArtifact(world, 'new.txt', 'new');
    pushModel(world, 'Add new.txt');
    const kmsEnv = { ...env, GIT_TUF_GCPKMS_ENDPOINT: kms.endpoint, METADATA_SERVER_DETECTION: 'none', FORCE_COLOR: undefined };

    const corrupted = publisher(world, 'ci-corrupted', false);
    kms.corruption = 'signature-crc';
    const refused = await gitTufAsync(corrupted, ['publish', '--out', 'site'], kmsEnv);
    assert.is(refused.code, 2, refused.stderr + refused.stdout);
    assert.match(refused.stderr, /^git tuf: the signature from Cloud KMS for projects\/p\/.* does not match its CRC32C: it was corrupted in transit \(run again\)\n$/, refused.stderr);
    assert.is(git(corrupted, 'rev-parse', 'main'), git(world.upstream, 'rev-parse', 'main'), 'nothing was committed');

    kms.corruption = null;
    kms.calls.length = 0;
    const ci = publisher(world, 'ci', false);
    const result = await gitTufAsync(ci, ['publish', '--out', 'site', '--json'], kmsEnv);
    assert.is(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).signed.map((role: any) => role.role), ['snapshot', 'timestamp']);
    assert.equal(kms.calls.map((call) => call.method), ['GetPublicKey', 'AsymmetricSign', 'AsymmetricSign'], 'the key is opened once and signs both roles');
  } finally {
    await kms.stop();
  }
});

test.run();
