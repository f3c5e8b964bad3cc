import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gitTuf, projectRoot, statusJson } from './helpers/cli.js';
import { git, initRepo, tempDir } from './helpers/git.js';
import { addArtifact, env, publisher, publishWorld, pushModel } from './helpers/publish-world.js';
import { testKey, type Json } from './helpers/tuf-repo.js';

function publishJson(cwd: string, args: string[] = []) {
  const result = gitTuf(cwd, ['publish', '--json', '--out', 'site', ...args], env);
  return { ...result, report: result.code === 0 ? JSON.parse(result.stdout) : null };
}

test('an online-signed delegated role changed on main is signed online, then listed by a new snapshot', () => {
  const world = publishWorld({ onlineDelegations: ['nightly'] });
  addArtifact(world, 'nightly/build.tar', 'tarball');
  world.model.role('nightly').signers = []; // merged unsigned: its key is online
  pushModel(world, 'Add nightly/build.tar');
  const ci = publisher(world);
  assert.is(statusJson(ci, ['main']).code, 2, 'main awaits the online signature');
  const result = publishJson(ci);
  assert.is(result.code, 0, result.stderr);
  assert.equal(result.report.signed.map((role: any) => [role.role, role.version, role.reasons]), [
    ['nightly', 3, ['unsigned']],
    ['snapshot', 2, ['listed role re-signed']],
    ['timestamp', 2, ['listed role re-signed']],
  ]);
  assert.is(git(ci, 'log', '-1', '--format=%s', 'main'), 'Online sign (nightly v3, snapshot v2, timestamp v2)');
  assert.is(statusJson(ci, ['main']).code, 0);
  const snapshot = JSON.parse(git(ci, 'show', 'main:metadata/snapshot.json'));
  assert.equal(snapshot.signed.meta, { 'nightly.json': { version: 3 }, 'targets.json': { version: 1 } });
  assert.is(result.report.checks[0].downloaded, 2, 'the client downloads the delegated artifact too');
});

test('a main without snapshot and timestamp (after init) gets version 1 of each, from anywhere in the work tree', () => {
  const world = publishWorld({ withoutOnlineRoles: true });
  const ci = publisher(world);
  const result = gitTuf(path.join(ci, 'targets'), ['publish', '--json'], env);
  assert.is(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.equal(report.signed.map((role: any) => [role.role, role.version, role.reasons]), [
    ['snapshot', 1, ['missing']],
    ['timestamp', 1, ['missing', 'listed role re-signed']],
  ]);
  assert.is(report.out, path.join(ci, 'build'), 'the default output is build/ at the top of the repository');
  assert.is(statusJson(ci, ['main']).code, 0);
});

test('a snapshot that lists a higher version than the role file is a rollback: nothing is signed', () => {
  const world = publishWorld();
  world.model.autoSnapshot = false;
  (world.model.role('snapshot').signed.meta as Json)['targets.json'] = { version: 5 };
  const files = world.model.files();
  git(world.maintainer, 'pull', '-q', 'origin', 'main');
  writeFileSync(path.join(world.maintainer, 'metadata/snapshot.json'), files.get('metadata/snapshot.json')!);
  git(world.maintainer, 'commit', '-q', '-am', 'Snapshot claims targets v5');
  git(world.maintainer, 'push', '-q', 'origin', 'main');
  const ci = publisher(world);
  const before = git(ci, 'rev-parse', 'main');
  const result = gitTuf(ci, ['publish', '--out', 'site'], env);
  assert.is(result.code, 2, result.stderr);
  assert.is(result.stderr, 'git tuf: snapshot lists targets.json at version 5, but metadata/targets.json is version 1: a rollback (restore targets version 5 or later on main; publish never lowers a version)\n');
  assert.is(git(ci, 'rev-parse', 'main'), before);
});

test('an online key with no URI, or a URI holding another key, is refused before anything is committed', () => {
  const world = publishWorld({ onlineUri: '', onlineExpiresInDays: 1 });
  const ci = publisher(world, 'ci', false);
  const before = git(ci, 'rev-parse', 'main');
  const noUri = gitTuf(ci, ['publish', '--out', 'site'], env);
  assert.is(noUri.code, 3, noUri.stderr);
  assert.is(noUri.stderr, `git tuf: the online key ${world.online.keyid.slice(0, 8)} of snapshot has no x-tuf-on-ci-online-uri (set git config tuf.key.${world.online.keyid}.uri <URI>)\n`);

  const other = path.join(world.base, 'other.pem');
  writeFileSync(other, testKey('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
  git(ci, 'config', `tuf.key.${world.online.keyid}.uri`, `file:${other}`);
  const wrongKey = gitTuf(ci, ['publish', '--out', 'site'], env);
  assert.is(wrongKey.code, 2, wrongKey.stderr);
  assert.match(wrongKey.stderr, /^git tuf: file:.*other\.pem holds another key than the online key [0-9a-f]{8} of snapshot \(point the key URI at the key listed in root\)\n$/);
  assert.is(git(ci, 'rev-parse', 'main'), before);
});

test('on Sigstore\'s staging repository, --dry-run plans what tuf-on-ci would: the timestamp in its signing period, then expired', () => {
  const dir = initRepo(tempDir('publish-staging'));
  cpSync(path.join(projectRoot, 'test/fixtures/root-signing-staging/head'), dir, { recursive: true });
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'root-signing-staging head');
  const before = git(dir, 'rev-parse', 'main');
  const plan = (at: string): string => {
    const result = gitTuf(dir, ['publish', '--dry-run'], { GIT_TUF_NOW: at });
    assert.is(result.code, 0, result.stderr);
    return result.stdout.split('\n')[0]!;
  };
  assert.is(plan('2026-08-20T00:00:00Z'), 'nothing to sign online');
  assert.is(plan('2026-08-25T00:00:00Z'), 'would sign: timestamp (signing period)');
  assert.is(plan('2026-08-29T00:00:00Z'), 'would sign: timestamp (expired)');
  const expiredRoot = gitTuf(dir, ['publish', '--dry-run'], { GIT_TUF_NOW: '2026-10-17T00:00:00Z' });
  assert.is(expiredRoot.code, 2);
  assert.match(expiredRoot.stderr, /is not valid: root expired at 2026-10-16T19:39:43Z/);
  assert.is(git(dir, 'rev-parse', 'main'), before);
});

test('publish -h shows usage and examples', () => {
  const world = publishWorld();
  const result = gitTuf(world.maintainer, ['publish', '-h']);
  assert.is(result.code, 0);
  assert.match(result.stdout, /^usage: git tuf publish \[options\]/);
  assert.match(result.stdout, /--dry-run/);
  assert.match(result.stdout, /git tuf publish --push --out site/);
});

test.run();
