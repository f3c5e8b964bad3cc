// `git tuf events` on a replay of Sigstore's staging repository: at the instant tuf-on-ci opened
// its root renewal, git tuf opens the same event with a byte-identical root.json; never twice,
// never early, and the same through a bare remote and from a subdirectory.
import { Metadata, MetadataKind, type Root } from '@tufjs/models';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commitTree, gitTuf, statusJson } from './helpers/cli.js';
import { filesOf, stagingFixtures } from './helpers/fixtures.js';
import { git, initRepo, tempDir } from './helpers/git.js';
import { installOneShotPrePush } from './helpers/signing.js';

const event = path.join(stagingFixtures, 'event-root-v14');
const mainState = path.join(event, '00-5377311');
const renewed = path.join(event, '01-0b037b0');
// tuf-on-ci made root v14 at this instant: its expiry minus root's 182-day expiry period.
const RENEWED_AT = '2026-04-17T19:39:43Z';

function world(): { upstream: string; clone: string } {
  const base = tempDir('events');
  const upstream = initRepo(path.join(base, 'upstream.git'), { bare: true });
  const clone = initRepo(path.join(base, 'maintainer'));
  git(clone, 'remote', 'add', 'origin', upstream);
  commitTree(clone, filesOf(mainState), 'Online sign (timestamp)', '2026-04-17T01:55:12Z');
  git(clone, 'push', '-q', 'origin', 'main');
  return { upstream, clone };
}

test('at the instant tuf-on-ci renewed root, git tuf opens sign/root-v14 with a byte-identical root.json, and only that', () => {
  const { clone } = world();
  writeFileSync(path.join(clone, 'targets', 'dirty.txt'), 'uncommitted');
  const result = gitTuf(path.join(clone, 'targets'), ['events', '--json'], { GIT_TUF_NOW: RENEWED_AT });
  assert.is(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.is(report.schema, 'git-tuf-events/1');
  assert.equal(report.events.map((entry: { event: string; status: string }) => [entry.event, entry.status]), [['root-v14', 'created']]);
  assert.is(report.events[0].renewedExpires, '2026-10-16T19:39:43Z');

  const expected = readFileSync(path.join(renewed, 'metadata', 'root.json'));
  assert.ok(Buffer.from(git(clone, 'show', 'sign/root-v14:metadata/root.json'), 'utf8').equals(expected), 'root.json differs from tuf-on-ci\'s');
  assert.ok(Buffer.from(git(clone, 'show', 'sign/root-v14:metadata/root_history/14.root.json'), 'utf8').equals(readFileSync(path.join(renewed, 'metadata', 'root_history', '14.root.json'))));
  assert.is(git(clone, 'diff', '--name-only', 'main', 'sign/root-v14'), 'metadata/root.json\nmetadata/root_history/14.root.json');
  assert.is(git(clone, 'log', '-1', '--format=%s', 'sign/root-v14'), 'Periodic version bump: root v14');
  const parsed = Metadata.fromJSON(MetadataKind.Root, JSON.parse(expected.toString())) as Metadata<Root>;
  assert.is(parsed.signed.version, 14);

  // The checkout is as it was: still on main, the dirty file still there, nothing staged.
  assert.is(git(clone, 'symbolic-ref', '--short', 'HEAD'), 'main');
  assert.is(git(clone, 'status', '--porcelain'), '?? targets/dirty.txt');

  const status = statusJson(clone, ['sign/root-v14'], { GIT_TUF_NOW: RENEWED_AT });
  assert.is(status.code, 1, status.stderr);
  assert.is(status.report.result, 'waiting');

  // Running again creates nothing.
  const again = gitTuf(clone, ['events'], { GIT_TUF_NOW: '2026-04-18T00:00:00Z' });
  assert.is(again.code, 0, again.stderr);
  assert.match(again.stdout, /sign\/root-v14: exists already/);
  assert.is(git(clone, 'for-each-ref', '--format=%(refname)', 'refs/heads/sign'), 'refs/heads/sign/root-v14');
});

test('before the signing period nothing is due; an event pushed by someone else is not created twice', () => {
  const { upstream, clone } = world();
  // root v13 expires 2026-05-22T19:23:14Z; its signing period (35 days) starts 2026-04-17T19:23:14Z.
  const early = gitTuf(clone, ['events'], { GIT_TUF_NOW: '2026-04-17T19:23:13Z' });
  assert.is(early.code, 0, early.stderr);
  assert.is(early.stdout, 'no role is due to be renewed\n');
  assert.is(git(clone, 'for-each-ref', 'refs/heads/sign'), '');

  const pushed = gitTuf(clone, ['events', '--push'], { GIT_TUF_NOW: '2026-04-17T19:23:14Z' });
  assert.is(pushed.code, 0, pushed.stderr);
  assert.match(pushed.stdout, /sign\/root-v14: created \(root v14, expires 2026-10-16T19:23:14Z\), pushed to origin\/sign\/root-v14/);
  assert.is(git(upstream, 'rev-parse', 'sign/root-v14'), git(clone, 'rev-parse', 'sign/root-v14'));

  // Another maintainer (or CI) with a fresh clone sees the remote event and leaves it alone.
  const other = path.join(tempDir('events-other'), 'clone');
  git(path.dirname(other), 'clone', '-q', upstream, other);
  const before = git(upstream, 'for-each-ref');
  const second = gitTuf(other, ['events', '--push', '--json'], { GIT_TUF_NOW: '2026-04-20T00:00:00Z' });
  assert.is(second.code, 0, second.stderr);
  assert.equal(JSON.parse(second.stdout).events.map((entry: { status: string }) => entry.status), ['exists']);
  assert.is(git(upstream, 'for-each-ref'), before);
  assert.is(git(other, 'for-each-ref', 'refs/heads/sign'), '');

  // Closed without merging (the branch deleted upstream): the stale tracking ref does not count.
  git(upstream, 'branch', '-D', 'sign/root-v14');
  const reopened = gitTuf(other, ['events', '--json'], { GIT_TUF_NOW: '2026-04-20T00:00:00Z' });
  assert.is(reopened.code, 0, reopened.stderr);
  assert.equal(JSON.parse(reopened.stdout).events.map((entry: { status: string }) => entry.status), ['created']);
  assert.is(git(other, 'for-each-ref', '--format=%(refname)', 'refs/remotes/origin/sign'), '');
});

test('two runs at once: the one that loses the push reports the event as existing, and keeps no branch of its own', () => {
  const { upstream, clone } = world();
  const other = path.join(tempDir('events-race'), 'clone');
  git(path.dirname(other), 'clone', '-q', upstream, other);
  assert.is(gitTuf(other, ['events'], { GIT_TUF_NOW: RENEWED_AT }).code, 0);
  installOneShotPrePush(clone, `git -C '${other}' push -q origin sign/root-v14`);
  const result = gitTuf(clone, ['events', '--push', '--json'], { GIT_TUF_NOW: RENEWED_AT });
  assert.is(result.code, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).events.map((entry: { status: string }) => entry.status), ['exists']);
  assert.is(git(upstream, 'rev-parse', 'sign/root-v14'), git(other, 'rev-parse', 'sign/root-v14'));
  assert.is(git(clone, 'for-each-ref', 'refs/heads/sign'), '');
});

test('without a main branch, events is a one-line error', () => {
  const dir = initRepo(tempDir('events-empty'));
  git(dir, 'commit', '-q', '--allow-empty', '-m', 'start');
  git(dir, 'branch', '-m', 'trunk');
  const result = gitTuf(dir, ['events']);
  assert.is(result.code, 3);
  assert.is(result.stderr, 'git tuf: there is no main branch to renew roles of (merge the first signing event (sign/init) into main first)\n');
});

test.run();
