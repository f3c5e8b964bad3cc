// The pre-push hook as git runs it: clones with `git tuf hooks install` push to a bare upstream;
// invalid pushes are refused with the reason and leave the upstream as it was.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commitTree, gitTuf } from './helpers/cli.js';
import { git } from './helpers/git.js';
import { NOW, commitRootTakeover, hookWorld, hookedClone, push, type HookWorld } from './helpers/hooks.js';
import { cloneFor, rootRotationWorld } from './helpers/signing.js';
import type { Json } from './helpers/tuf-repo.js';

function refused(world: HookWorld, clone: string, ref: string, pattern: RegExp): string {
  const before = git(world.upstream, 'for-each-ref');
  const result = push(clone, 'origin', ref);
  assert.is.not(result.code, 0, result.output);
  assert.match(result.output, /git tuf: refusing to push/);
  assert.match(result.output, pattern);
  assert.is(git(world.upstream, 'for-each-ref'), before, 'the upstream is unchanged');
  return result.output;
}

/** targets version + 1, and snapshot and timestamp re-signed at new versions (as publish does). */
function bumpTargets(world: HookWorld): void {
  for (const role of ['targets', 'snapshot', 'timestamp']) {
    const signed = world.model.role(role).signed;
    signed.version = (signed.version as number) + 1;
  }
}

test('a valid push to main goes through, and so does a merge whose snapshot CI has yet to re-sign', () => {
  const world = hookWorld();
  const clone = hookedClone(world, 'maintainer');
  world.model.setArtifact('new.txt', 'new artifact');
  bumpTargets(world);
  const commit = commitTree(clone, world.model.files(), 'Add new.txt');
  const result = push(clone, 'origin', 'main');
  assert.is(result.code, 0, result.output);
  assert.is(git(world.upstream, 'rev-parse', 'main'), commit);

  // targets v3, snapshot still listing v2: publish re-signs it after the push.
  world.model.setArtifact('later.txt', 'later');
  world.model.role('targets').signed.version = 3;
  const files = world.model.files();
  const stale = new Map([...files].filter(([file]) => file !== 'metadata/snapshot.json' && file !== 'metadata/timestamp.json'));
  stale.set('metadata/snapshot.json', Buffer.from(git(clone, 'show', 'HEAD:metadata/snapshot.json')));
  stale.set('metadata/timestamp.json', Buffer.from(git(clone, 'show', 'HEAD:metadata/timestamp.json')));
  commitTree(clone, stale, 'Merge a targets event');
  const merged = push(clone, 'origin', 'main');
  assert.is(merged.code, 0, merged.output);
  assert.match(merged.output, /left to git tuf publish/);
  assert.match(merged.output, /snapshot lists targets\.json with version 2, but the file is version 3/);
});

test('a tampered signature on main is refused, naming the role and the file', () => {
  const world = hookWorld();
  const clone = hookedClone(world, 'maintainer');
  world.model.setArtifact('new.txt', 'new artifact');
  bumpTargets(world);
  const files = world.model.files();
  const targets = JSON.parse(files.get('metadata/targets.json')!.toString()) as { signatures: { sig: string }[]; signed: Json };
  (targets.signed.targets as Json)['new.txt'] = { hashes: { sha256: '0'.repeat(64) }, length: 12 };
  files.set('metadata/targets.json', Buffer.from(JSON.stringify(targets)));
  commitTree(clone, files, 'Tampered targets');
  const output = refused(world, clone, 'main', /targets: the signature by @alice on metadata\/targets\.json does not verify/);
  assert.match(output, /Fix: /);
});

test('a tampered snapshot signature is refused: only what publish re-signs anyway is left to it', () => {
  const world = hookWorld();
  const clone = hookedClone(world, 'maintainer');
  world.model.setArtifact('new.txt', 'new artifact');
  bumpTargets(world);
  const files = world.model.files();
  const snapshot = JSON.parse(files.get('metadata/snapshot.json')!.toString()) as { signatures: { sig: string }[] };
  const sig = snapshot.signatures[0]!.sig;
  snapshot.signatures[0]!.sig = `${sig[0] === '0' ? '1' : '0'}${sig.slice(1)}`;
  files.set('metadata/snapshot.json', Buffer.from(JSON.stringify(snapshot)));
  commitTree(clone, files, 'Tampered snapshot signature');
  refused(world, clone, 'main', /snapshot: the signature by online key [0-9a-f]{8} on metadata\/snapshot\.json does not verify/);
});

test('main below its threshold is refused', () => {
  const world = hookWorld();
  const clone = hookedClone(world, 'maintainer');
  world.model.setArtifact('new.txt', 'new artifact');
  bumpTargets(world);
  world.model.role('targets').signers = [];
  commitTree(clone, world.model.files(), 'Unsigned targets');
  refused(world, clone, 'main', /targets: targets has 0 of 1 required signatures \(can sign: @alice\)/);
});

test('rolling main back to an older targets version is refused', () => {
  const world = hookWorld();
  const clone = hookedClone(world, 'maintainer');
  const v1 = world.model.files();
  world.model.setArtifact('new.txt', 'new artifact');
  bumpTargets(world);
  commitTree(clone, world.model.files(), 'targets v2');
  assert.is(push(clone, 'origin', 'main').code, 0);
  // A fast-forward commit that brings back the (validly signed) targets v1.
  commitTree(clone, v1, 'Back to targets v1');
  refused(world, clone, 'main', /targets: targets goes back from version 2 \(the remote's main [0-9a-f]{7}\) to 1/);
});

test('a root that does not chain from the remote\'s root is refused, even with a self-consistent history', () => {
  const world = hookWorld();
  const clone = hookedClone(world, 'maintainer');
  commitRootTakeover(world, clone, 'ecdsa-p256');
  refused(world, clone, 'main', /root: .*root v2 has 0 of 1 required signatures of root v1's keys/);
});

test('an artifact without metadata on main is refused with the fix', () => {
  const world = hookWorld();
  const clone = hookedClone(world, 'maintainer');
  const files = world.model.files();
  files.set('targets/unlisted.bin', Buffer.from('no metadata for me'));
  commitTree(clone, files, 'Add an artifact only');
  refused(world, clone, 'main', /unlisted\.bin.*Fix: run git tuf update in a signing event/);
});

test('a signing event that changes targets/ without its metadata is refused: run git tuf update', () => {
  const world = hookWorld();
  const clone = hookedClone(world, 'maintainer');
  git(clone, 'checkout', '-q', '-b', 'sign/new-artifact');
  const files = world.model.files();
  files.set('targets/new.txt', Buffer.from('new artifact'));
  commitTree(clone, files, 'New artifact, metadata not updated');
  refused(world, clone, 'sign/new-artifact', /targets: the targets metadata does not match targets\/ \(new\.txt\)\. Fix: run git tuf update sign\/new-artifact, then push again/);
});

test('a signing event still waiting for signatures is pushed; deleting a branch is allowed', () => {
  const world = hookWorld();
  const clone = hookedClone(world, 'maintainer');
  git(clone, 'checkout', '-q', '-b', 'sign/new-artifact');
  world.model.setArtifact('new.txt', 'new artifact');
  bumpTargets(world);
  const targets = world.model.role('targets');
  targets.signers = [];
  world.model.autoSnapshot = false;
  const files = world.model.files();
  for (const online of ['metadata/snapshot.json', 'metadata/timestamp.json']) files.set(online, Buffer.from(git(clone, 'show', `main:${online}`)));
  commitTree(clone, files, 'New artifact, awaiting @alice');
  const pushed = push(clone, 'origin', 'sign/new-artifact');
  assert.is(pushed.code, 0, pushed.output);
  assert.is(git(world.upstream, 'rev-parse', 'sign/new-artifact'), git(clone, 'rev-parse', 'HEAD'));

  const deleted = push(clone, 'origin', '--delete', 'sign/new-artifact');
  assert.is(deleted.code, 0, deleted.output);
  assert.is(git(world.upstream, 'for-each-ref', 'refs/heads/sign'), '');
});

test('a signing event that edits the snapshot is refused; other branches are checked only when they change metadata/', () => {
  const world = hookWorld();
  const clone = hookedClone(world, 'maintainer');
  git(clone, 'checkout', '-q', '-b', 'sign/bad');
  const snapshot = world.model.role('snapshot').signed;
  snapshot.version = 2;
  commitTree(clone, world.model.files(), 'Edit the snapshot');
  refused(world, clone, 'sign/bad', /snapshot: the event changes metadata\/snapshot\.json; snapshot is signed online/);

  refused(world, clone, 'sign/bad:refs/heads/feature', /refusing to push feature.*\n.*snapshot/);

  git(clone, 'checkout', '-q', '-b', 'docs', 'main');
  git(clone, 'commit', '-q', '--allow-empty', '-m', 'Docs only');
  const docs = push(clone, '-q', 'origin', 'docs');
  assert.is(docs.code, 0, docs.output);
  assert.is(docs.output, '');

  // A branch of unrelated history without metadata/ (a website, say) is not checked either.
  git(clone, 'checkout', '-q', '--orphan', 'pages');
  git(clone, 'rm', '-q', '-r', '--cached', '.');
  git(clone, 'commit', '-q', '--allow-empty', '-m', 'Website');
  const pages = push(clone, 'origin', 'pages');
  assert.is(pages.code, 0, pages.output);
});

test('a forced push over a main this clone never fetched is checked on its own, and says so', () => {
  const world = hookWorld();
  const clone = hookedClone(world, 'stale');
  const other = hookedClone(world, 'other');
  git(other, 'commit', '-q', '--allow-empty', '-m', 'Elsewhere');
  assert.is(push(other, 'origin', 'main').code, 0);
  const unseen = git(other, 'rev-parse', 'HEAD');
  git(clone, 'commit', '-q', '--allow-empty', '-m', 'Here');
  const result = push(clone, '--force', 'origin', 'main');
  assert.is(result.code, 0, result.output);
  assert.match(result.output, new RegExp(`git tuf: main: not checked against the remote's main \\(${unseen.slice(0, 7)}\\), which is not in this clone: fetch it to check that too`));
});

test('git tuf hook pre-push --json: the verdict per ref; a malformed ref line is a usage error', () => {
  const world = hookWorld();
  const clone = hookedClone(world, 'json');
  const head = git(clone, 'rev-parse', 'HEAD');
  const input = `refs/heads/main ${head} refs/heads/main ${head}\nrefs/heads/x ${'0'.repeat(40)} refs/heads/gone ${head}\n`;
  const result = gitTuf(clone, ['hook', 'pre-push', 'origin', world.upstream, '--json'], { GIT_TUF_NOW: NOW }, input);
  assert.is(result.code, 0, result.stderr);
  const verdict = JSON.parse(result.stdout);
  assert.is(verdict.schema, 'git-tuf-hook/1');
  assert.is(verdict.rejected, false);
  assert.equal(verdict.refs.map((ref: { ref: string; kind: string; rejected: boolean }) => `${ref.ref} ${ref.kind} ${ref.rejected}`), ['main main false', 'gone delete false']);

  const bad = gitTuf(clone, ['hook', 'pre-push', 'origin', world.upstream], {}, 'not a ref line\n');
  assert.is(bad.code, 3);
  assert.is(bad.stderr, 'git tuf: not a pre-push ref line: "not a ref line" (git tuf hook pre-push reads what git gives a pre-push hook)\n');
  const unknown = gitTuf(clone, ['hook', 'pre-commit']);
  assert.is(unknown.code, 3);
  assert.match(unknown.stderr, /^git tuf: git tuf has no pre-commit hook \(use pre-push or post-merge\)\n$/);
});

test('git tuf sign pushes its signature through the installed pre-push hook', () => {
  const world = rootRotationWorld();
  const alice = cloneFor(world, '@alice');
  // A hook of alice's own, kept by the install, shows that git ran the hooks during the signing push.
  const log = path.join(world.base, 'alice-pre-push.log');
  writeFileSync(path.join(alice, '.git', 'hooks', 'pre-push'), `#!/bin/sh\ncat > '${log}'\n`, { mode: 0o755 });
  assert.is(gitTuf(alice, ['hooks', 'install']).code, 0);
  const signed = gitTuf(alice, ['sign', '--yes']);
  assert.is(signed.code, 0, signed.stderr);
  assert.match(signed.stdout, /pushed to origin\/sign\/rotate/);
  const tip = git(world.upstream, 'rev-parse', 'sign/rotate');
  assert.is(git(world.upstream, 'log', '-1', '--format=%s', tip), 'Signature from @alice');
  assert.match(readFileSync(log, 'utf8'), new RegExp(`^${tip} ${tip} refs/heads/sign/rotate ${world.eventCommit}$`, 'm'));
});

test.run();
