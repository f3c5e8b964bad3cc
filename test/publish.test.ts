import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gitTuf, statusJson } from './helpers/cli.js';
import { git } from './helpers/git.js';
import { addArtifact, env, publisher, publishWorld, pushModel } from './helpers/publish-world.js';
import { sha256 } from './helpers/tuf-repo.js';

function publishJson(cwd: string, args: string[], extra: Record<string, string> = {}) {
  const result = gitTuf(cwd, ['publish', '--json', ...args], { ...env, ...extra });
  let report: any = null;
  try {
    report = JSON.parse(result.stdout);
  } catch {
    // null: the assertions show stderr
  }
  return { ...result, report };
}

test('an artifact merged to main: publish signs snapshot and timestamp once, commits on main, builds a consistent-snapshot directory', () => {
  const world = publishWorld();
  addArtifact(world, 'new.txt', 'new artifact');
  pushModel(world, 'Add new.txt');
  const ci = publisher(world);
  const before = git(ci, 'rev-parse', 'main');
  const out = path.join(ci, 'site');
  const result = publishJson(ci, ['--out', 'site']);
  assert.is(result.code, 0, result.stderr);
  assert.is(result.report.schema, 'git-tuf-publish/1');
  assert.equal(result.report.signed.map((role: any) => [role.role, role.version, role.reasons]), [
    ['snapshot', 2, ['listing behind']],
    ['timestamp', 2, ['listed role re-signed']],
  ]);
  assert.is(git(ci, 'log', '-1', '--format=%s', 'main'), 'Online sign (snapshot v2, timestamp v2)');
  assert.is(git(ci, 'rev-parse', 'main^'), before);
  assert.is(result.report.main, git(ci, 'rev-parse', 'main'));
  assert.is(git(ci, 'status', '--porcelain', '--untracked-files=no'), '', 'the checkout follows main cleanly');
  assert.is(statusJson(ci, ['main']).code, 0, 'main is valid and complete after online signing');
  assert.equal(readdirSync(out).sort(), ['1.root.json', '2.snapshot.json', '2.targets.json', 'index.html', 'targets', 'timestamp.json']);
  assert.equal(readdirSync(path.join(out, 'targets')).sort(), [`${sha256('hello')}.hello.txt`, `${sha256('new artifact')}.new.txt`].sort());
  assert.equal(readFileSync(path.join(out, 'timestamp.json')), Buffer.from(git(ci, 'show', 'main:metadata/timestamp.json')));
  assert.equal(result.report.checks.map((check: any) => [check.client, check.from, check.downloaded]), [['tuf-js', '1.root.json', 2]]);
  const index = readFileSync(path.join(out, 'index.html'), 'utf8');
  for (const text of ['snapshot', '@alice', '1 of 1', 'online key']) assert.ok(index.includes(text), `index.html shows ${text}`);
  assert.is(git(world.upstream, 'rev-parse', 'main'), before, 'without --push nothing leaves the clone');

  const again = publishJson(ci, ['--out', 'site']);
  assert.is(again.code, 0, again.stderr);
  assert.equal(again.report.signed, [], 'a second run has nothing to sign');
  assert.is(again.report.commit, null);
  assert.equal(again.report.checks.map((check: any) => check.from), ['1.root.json', 'the published 1.root.json']);
});

test('snapshot and timestamp in their signing period are renewed: version + 1, expiry = now + period', () => {
  const world = publishWorld({ onlineExpiresInDays: 1 });
  const ci = publisher(world);
  const result = publishJson(ci, ['--out', 'site']);
  assert.is(result.code, 0, result.stderr);
  assert.equal(result.report.signed.map((role: any) => [role.role, role.reasons]), [
    ['snapshot', ['signing period']],
    ['timestamp', ['signing period', 'listed role re-signed']],
  ]);
  const expiry = (days: number): string => new Date(Date.parse(env.GIT_TUF_NOW) + days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  assert.equal(result.report.signed.map((role: any) => role.expires), [expiry(365), expiry(7)]);
});

test('--dry-run says what it would sign and build, and commits and writes nothing', () => {
  const world = publishWorld();
  addArtifact(world, 'new.txt', 'new artifact');
  pushModel(world, 'Add new.txt');
  const ci = publisher(world);
  const before = git(ci, 'rev-parse', 'main');
  const result = gitTuf(ci, ['publish', '--dry-run', '--out', 'site'], env);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /would sign: snapshot \(listing behind\); timestamp \(listed role re-signed\)/);
  assert.match(result.stdout, /would build .*site: 4 metadata files, 2 artifacts/);
  assert.is(git(ci, 'rev-parse', 'main'), before);
  assert.not.ok(existsSync(path.join(ci, 'site')));
});

test('an invalid main is refused before anything is signed or built', () => {
  const world = publishWorld();
  // An artifact changed without a signing event: targets no longer describes it.
  git(world.maintainer, 'pull', '-q', 'origin', 'main');
  writeFileSync(path.join(world.maintainer, 'targets/hello.txt'), 'tampered');
  git(world.maintainer, 'commit', '-q', '-am', 'Change hello.txt behind the signers\' backs');
  git(world.maintainer, 'push', '-q', 'origin', 'main');
  const ci = publisher(world);
  const before = git(ci, 'rev-parse', 'main');
  const result = gitTuf(ci, ['publish', '--out', 'site'], env);
  assert.is(result.code, 2, result.stderr);
  assert.match(result.stderr, /^git tuf: main \([0-9a-f]{7}\) is not valid: .*hello\.txt.* \(see git tuf status main; publish signs and builds only a valid main\)\n$/);
  assert.is(git(ci, 'rev-parse', 'main'), before);
  assert.not.ok(existsSync(path.join(ci, 'site')));
});

test('--push lands the online signature on the upstream main', () => {
  const world = publishWorld();
  addArtifact(world, 'new.txt', 'new artifact');
  pushModel(world, 'Add new.txt');
  const ci = publisher(world);
  const result = publishJson(ci, ['--push', '--out', 'site']);
  assert.is(result.code, 0, result.stderr);
  assert.is(result.report.pushedTo, 'origin/main');
  assert.is(git(world.upstream, 'rev-parse', 'main'), result.report.commit);
  assert.is(git(world.upstream, 'log', '-1', '--format=%s', 'main'), 'Online sign (snapshot v2, timestamp v2)');
});

test('an output directory that holds the repository or other files is refused before anything is signed', () => {
  const world = publishWorld();
  addArtifact(world, 'new.txt', 'new artifact');
  pushModel(world, 'Add new.txt');
  const ci = publisher(world);
  const before = git(ci, 'rev-parse', 'main');
  const top = gitTuf(path.join(ci, 'targets'), ['publish', '--out', '..'], env);
  assert.is(top.code, 3, top.stderr);
  assert.is(top.stderr, `git tuf: the output directory ${ci} holds the repository itself (choose another --out, e.g. build)\n`);
  const other = path.join(world.base, 'documents');
  mkdirSync(other);
  writeFileSync(path.join(other, 'notes.txt'), 'mine');
  const foreign = gitTuf(ci, ['publish', '--out', other], env);
  assert.is(foreign.code, 3, foreign.stderr);
  assert.match(foreign.stderr, /holds files that are not a published TUF repository, and publish replaces it whole/);
  assert.is(readFileSync(path.join(other, 'notes.txt'), 'utf8'), 'mine');
  assert.is(git(ci, 'rev-parse', 'main'), before);
});

test.run();
