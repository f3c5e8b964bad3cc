// Two people change the same event at once. `update --push` that loses the race is done again on
// the new tip (nothing of the other push is lost); accepting an invitation that loses the race is
// re-applied only when the bytes signed are unchanged, and otherwise nothing is pushed.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { git } from './helpers/git.js';
import { cloneOf, maintainWorld, mergeEvent, ok, pushEventWithArtifact, tufAs, upstreamJson, upstreamStatus, type MaintainWorld } from './helpers/maintain.js';
import { installOneShotPrePush } from './helpers/signing.js';

function started(): MaintainWorld {
  const world = maintainWorld(['@alice', '@bob', '@carol'], '2026-01-01T00:00:00Z');
  ok(world, '@alice', ['init', '--root-signers', '@alice', '--targets-signers', '@alice', '--online-key', world.onlineUri, '--push']);
  ok(world, '@alice', ['sign', '--yes']);
  mergeEvent(world, 'init');
  return world;
}

/** `handle` commits `files` onto the upstream's event branch from a clone of their own. */
function prepareCommit(world: MaintainWorld, handle: string, event: string, files: Record<string, string>): string {
  const dir = cloneOf(world, handle);
  git(dir, 'fetch', '-q', 'origin');
  git(dir, 'checkout', '-q', '-B', `sign/${event}`, `origin/sign/${event}`);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', `${handle} adds ${Object.keys(files).join(', ')}`);
  return dir;
}

/** Another clone of alice's, configured like her first (a maintainer on two machines). */
function secondCloneOfAlice(world: MaintainWorld): string {
  const other = path.join(world.base, `alice-${Math.random().toString(36).slice(2, 8)}`);
  git(world.base, 'clone', '-q', world.upstream, other);
  const settings = { 'user.name': 'alice', 'user.email': 'alice@example.com', 'tuf.handle': '@alice', 'tuf.signing-key': `file:${world.holders.get('@alice')!.keyFile}` };
  for (const [key, value] of Object.entries(settings)) git(other, 'config', key, value);
  return other;
}

test('update --push that loses the race is done again on the new tip: both artifacts are listed', () => {
  const world = started();
  const alice = cloneOf(world, '@alice');
  pushEventWithArtifact(alice, 'files', 'one.txt', 'one');
  git(alice, 'checkout', '-q', 'main');
  // Bob pushes a second artifact to the event while alice's update is being pushed.
  const bob = prepareCommit(world, '@bob', 'files', { 'targets/two.txt': 'two' });
  installOneShotPrePush(alice, `git -C '${bob}' push -q origin sign/files`);

  const result = ok(world, '@alice', ['update', 'files', '--push', '--json']);
  const report = JSON.parse(result.stdout);
  assert.equal(report.artifacts.added, ['one.txt', 'two.txt']);
  assert.is(report.pushedTo, 'origin/sign/files');
  assert.equal(Object.keys(upstreamJson(world, 'sign/files', 'metadata/targets.json').signed.targets), ['one.txt', 'two.txt']);
  assert.is(git(world.upstream, 'log', '-1', '--format=%s', 'sign/files^'), '@bob adds targets/two.txt');
  assert.is(git(alice, 'rev-parse', 'sign/files'), git(world.upstream, 'rev-parse', 'sign/files'));
  assert.is(upstreamStatus(world, 'sign/files').code, 1);
});

test('an invitation accepted while an unrelated commit lands is re-applied on top of it', () => {
  const world = started();
  ok(world, '@alice', ['delegate', 'add-bob', 'targets', '--signers', '@alice,@bob', '--push']);
  const carol = prepareCommit(world, '@carol', 'add-bob', { 'docs/notes.md': 'why bob' });
  installOneShotPrePush(cloneOf(world, '@bob'), `git -C '${carol}' push -q origin sign/add-bob`);

  const result = ok(world, '@bob', ['sign', '--yes']);
  assert.match(result.stdout, /re-applied on top of 1 newer push/);
  assert.is(git(world.upstream, 'log', '-1', '--format=%s', 'sign/add-bob^'), '@carol adds docs/notes.md');
  const targets = upstreamJson(world, 'sign/add-bob', 'metadata/targets.json');
  assert.is(targets.signatures.filter((entry: { sig: string }) => entry.sig !== '').length, 1);
  assert.throws(() => git(world.upstream, 'cat-file', '-e', 'sign/add-bob:metadata/.signing-event-state'));
});

test('an invitation accepted while the maintainer changes the role to sign is not pushed', () => {
  const world = started();
  ok(world, '@alice', ['delegate', 'add-bob', 'targets', '--signers', '@alice,@bob', '--push']);
  // The maintainer changes targets' expiry period from another clone while bob's push is under way.
  const other = secondCloneOfAlice(world);
  installOneShotPrePush(cloneOf(world, '@bob'), `git -C '${other}' tuf delegate add-bob targets --expiry-period 200 --push`);
  const before = git(cloneOf(world, '@bob'), 'for-each-ref', 'refs/heads');

  const result = tufAs(world, '@bob', ['sign', '--yes']);
  assert.is(result.code, 3, result.stdout);
  assert.match(result.stderr, /^git tuf: targets changed in sign\/add-bob while you were signing; your signature was not pushed \(review the new version: git tuf sign add-bob\)\n$/);
  assert.is(upstreamJson(world, 'sign/add-bob', 'metadata/targets.json').signed['x-tuf-on-ci-expiry-period'], 200);
  assert.equal(upstreamJson(world, 'sign/add-bob', 'metadata/.signing-event-state'), { invites: { '@bob': ['targets'] } });
  assert.is(git(cloneOf(world, '@bob'), 'for-each-ref', 'refs/heads'), before);
});

test('an invitation that grows while it is being accepted is not pushed', () => {
  const world = started();
  ok(world, '@alice', ['delegate', 'add-bob', 'targets', '--signers', '@alice,@bob', '--push']);
  const other = secondCloneOfAlice(world);
  installOneShotPrePush(cloneOf(world, '@bob'), `git -C '${other}' tuf delegate add-bob root --signers @alice,@bob --push`);
  const result = tufAs(world, '@bob', ['sign', '--yes']);
  assert.is(result.code, 3, result.stdout);
  assert.is(result.stderr, 'git tuf: your invitation in sign/add-bob changed while you were signing; nothing was pushed (review the event again: git tuf sign add-bob)\n');
  assert.equal(upstreamJson(world, 'sign/add-bob', 'metadata/.signing-event-state'), { invites: { '@bob': ['targets', 'root'] } });
});

test.run();
