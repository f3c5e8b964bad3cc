// The post-merge hook as git runs it on `git pull`: a main that does not verify from the main
// trusted before is a loud warning; a good one is followed by what awaits the configured signer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { commitTree } from './helpers/cli.js';
import { git } from './helpers/git.js';
import { gitHooked, hookWorld, hookedClone, type HookWorld } from './helpers/hooks.js';
import type { Json } from './helpers/tuf-repo.js';

/** A maintainer's clone without hooks, pushing whatever the test makes. */
function maintainer(world: HookWorld): string {
  const dir = path.join(world.base, 'maintainer');
  git(world.base, 'clone', '-q', world.upstream, dir);
  return dir;
}

function bump(world: HookWorld, ...roles: string[]): void {
  for (const role of roles) {
    const signed = world.model.role(role).signed;
    signed.version = (signed.version as number) + 1;
  }
}

test('pulling a valid main: verified, then the events and signing periods that await @alice', () => {
  const world = hookWorld();
  const alice = hookedClone(world, 'alice', '@alice');
  const other = maintainer(world);

  world.model.setArtifact('new.txt', 'new artifact');
  world.model.role('targets').signed.expires = '2026-07-20T00:00:00Z';
  bump(world, 'targets', 'snapshot', 'timestamp');
  commitTree(other, world.model.files(), 'targets v2');
  git(other, 'push', '-q', 'origin', 'main');

  // An event that waits for @alice's signature on targets v3.
  git(other, 'checkout', '-q', '-b', 'sign/more');
  world.model.setArtifact('more.txt', 'more');
  bump(world, 'targets');
  world.model.role('targets').signers = [];
  world.model.autoSnapshot = false;
  const files = world.model.files();
  for (const online of ['metadata/snapshot.json', 'metadata/timestamp.json']) files.set(online, Buffer.from(git(other, 'show', `main:${online}`)));
  commitTree(other, files, 'More, awaiting @alice');
  git(other, 'push', '-q', 'origin', 'sign/more');

  const pulled = gitHooked(alice, 'pull', '--ff-only');
  assert.is(pulled.code, 0, pulled.output);
  assert.match(pulled.output, /git tuf: main verified \([0-9a-f]{7}\.\.[0-9a-f]{7}\)/);
  assert.not.match(pulled.output, /WARNING/);
  assert.match(pulled.output, /git tuf: waiting for @alice:/);
  assert.match(pulled.output, /- sign\/more needs your signature on targets: git tuf sign sign\/more/);
  assert.match(pulled.output, /- targets v2 is in its signing period since 2026-05-21T00:00:00Z \(expires 2026-07-20T00:00:00Z\)/);

  // Someone who signs nothing here is told so.
  const bob = hookedClone(world, 'bob', '@bob');
  git(bob, 'reset', '-q', '--hard', 'HEAD~1');
  const bobPull = gitHooked(bob, 'pull', '--ff-only');
  assert.is(bobPull.code, 0, bobPull.output);
  assert.match(bobPull.output, /git tuf: nothing awaits @bob on origin \(as last fetched\)\./);
});

test('pulling a tampered main prints the failure and what to do; the pull itself is done', () => {
  const world = hookWorld();
  const alice = hookedClone(world, 'alice', '@alice');
  const before = git(alice, 'rev-parse', 'HEAD');
  const other = maintainer(world);
  world.model.setArtifact('new.txt', 'new artifact');
  bump(world, 'targets', 'snapshot', 'timestamp');
  const files = world.model.files();
  const targets = JSON.parse(files.get('metadata/targets.json')!.toString()) as { signed: Json };
  (targets.signed.targets as Json)['new.txt'] = { hashes: { sha256: 'f'.repeat(64) }, length: 12 };
  files.set('metadata/targets.json', Buffer.from(JSON.stringify(targets)));
  commitTree(other, files, 'Tampered');
  git(other, 'push', '-q', 'origin', 'main');

  const pulled = gitHooked(alice, 'pull', '--ff-only');
  assert.is(pulled.code, 0, pulled.output);
  assert.match(pulled.output, /git tuf: WARNING: the main you just merged \([0-9a-f]{7}\.\.[0-9a-f]{7}\) does not verify from the main you trusted before:/);
  assert.match(pulled.output, /- targets: the signature by @alice on metadata\/targets\.json does not verify/);
  assert.match(pulled.output, new RegExp(`git reset --keep ${before.slice(0, 7)}`));
});

test('pulling a main whose root does not chain from the trusted root is a warning', () => {
  const world = hookWorld();
  const alice = hookedClone(world, 'alice', '@alice');
  const other = maintainer(world);
  // A rewritten history: root v1 replaced by a different (self-signed) root.
  const root = world.model.root.signed;
  root.expires = '2098-01-01T00:00:00Z';
  commitTree(other, world.model.files(), 'Rewrite root v1');
  git(other, 'push', '-q', 'origin', 'main');
  const pulled = gitHooked(alice, 'pull', '--ff-only');
  assert.match(pulled.output, /WARNING/);
  assert.match(pulled.output, /root: metadata\/root_history\/1\.root\.json differs from main before the merge/);
});

test.run();
