// A repository's life through the real binary, real git and a bare upstream, checked with
// `git tuf status` after each step: init (2-of-3 root, 1-of-2 targets, invitations) → invitees
// accept and everyone signs → merge → artifacts in targets/ and a delegated role's a/b/ → update
// → sign → merge → a new keyholder and a higher threshold → one keyholder's key rotated (by
// invitation, and by the keyholder herself) → a keyholder removed → the delegated role removed
// → renewal events at the right time, once.
import { Metadata, MetadataKind, type Root, type Targets } from '@tufjs/models';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gitTuf } from './helpers/cli.js';
import { git } from './helpers/git.js';
import { addPerson, cloneOf, maintainWorld, mergeEvent, ok, upstreamJson, upstreamStatus, type MaintainWorld } from './helpers/maintain.js';
import { keyholder } from './helpers/signing.js';
import { sha256 } from './helpers/tuf-repo.js';
import { computeKeyid } from '../git-tuf/tuf/keys.js';

const NOW = '2026-01-01T00:00:00Z';
const world: MaintainWorld = maintainWorld(['@alice', '@bob', '@carol'], NOW);
const alice = cloneOf(world, '@alice');

function roleOf(report: any, name: string): any {
  return report.roles.find((role: { name: string }) => role.name === name);
}

function keyidOf(handle: string, ref: string, role = 'root'): string[] {
  const root = upstreamJson(world, ref, 'metadata/root.json').signed;
  return root.roles[role].keyids.filter((keyid: string) => root.keys[keyid]['x-tuf-on-ci-keyowner'] === handle);
}

/** Every metadata file of `ref` parses with @tufjs/models, and root verifies itself. */
function crossCheck(ref: string): void {
  const root = Metadata.fromJSON(MetadataKind.Root, upstreamJson(world, ref, 'metadata/root.json')) as Metadata<Root>;
  root.verifyDelegate('root', root);
  const targets = Metadata.fromJSON(MetadataKind.Targets, upstreamJson(world, ref, 'metadata/targets.json')) as Metadata<Targets>;
  root.verifyDelegate('targets', targets);
}

test('init: root and targets with the caller\'s key, invitations for the others, .gitattributes', () => {
  const result = ok(world, '@alice', ['init', '--root-signers', '@alice,@bob,@carol', '--root-threshold', '2', '--targets-signers', '@alice,@bob', '--targets-threshold', '1', '--online-key', world.onlineUri, '--push']);
  assert.match(result.stdout, /created sign\/init \([0-9a-f]{7}\): root v1, targets v1/);
  assert.is(git(world.upstream, 'show', 'sign/init:.gitattributes'), 'metadata/** -text\ntargets/** -text');
  assert.equal(upstreamJson(world, 'sign/init', 'metadata/.signing-event-state'), { invites: { '@bob': ['root', 'targets'], '@carol': ['root'] } });
  assert.is(git(world.upstream, 'show', 'sign/init:metadata/root.json'), git(world.upstream, 'show', 'sign/init:metadata/root_history/1.root.json'));
  const root = upstreamJson(world, 'sign/init', 'metadata/root.json');
  assert.is(root.signed.roles.root.threshold, 2);
  assert.is(root.signed.expires, '2027-01-01T00:00:00Z');
  assert.equal(root.signed.roles.timestamp['x-tuf-on-ci-expiry-period'], 2);
  assert.is(root.signed.keys[root.signed.roles.timestamp.keyids[0]]['x-tuf-on-ci-online-uri'], world.onlineUri);
  assert.equal(root.signatures, [{ keyid: keyidOf('@alice', 'sign/init')[0], sig: '' }]);
  // The maintainer's checkout stays on main.
  assert.is(git(alice, 'symbolic-ref', '--short', 'HEAD'), 'main');

  const status = upstreamStatus(world, 'sign/init');
  assert.is(status.code, 1, status.stderr);
  assert.equal(status.report.invitations, [{ signer: '@bob', roles: ['root', 'targets'] }, { signer: '@carol', roles: ['root'] }]);
});

test('invitees accept with git tuf sign, showing their key first; with the caller that makes the event complete', () => {
  const bob = ok(world, '@bob', ['sign', '--yes']);
  const bobKey = world.holders.get('@bob')!.key.keyid;
  assert.match(bob.stdout, new RegExp(`accepting your invitation to root, targets: adds your key ${bobKey} \\(@bob\\)[\\s\\S]*you will sign:`));
  assert.match(bob.stdout, new RegExp(`accepted the invitation to root, targets with key ${bobKey.slice(0, 8)}\nsigned root v1, targets v1 in sign/init`));
  assert.match(git(world.upstream, 'log', '-1', '--format=%B', 'sign/init'), /^Signature from @bob\n\nAccepted the invitation to root, targets with key /);
  assert.equal(upstreamJson(world, 'sign/init', 'metadata/.signing-event-state'), { invites: { '@carol': ['root'] } });
  assert.equal(keyidOf('@bob', 'sign/init', 'targets'), [bobKey]);

  ok(world, '@carol', ['sign', '--yes']);
  // Carol's key is the last invitation: the state file is gone.
  assert.throws(() => git(world.upstream, 'cat-file', '-e', 'sign/init:metadata/.signing-event-state'));
  ok(world, '@alice', ['sign', '--yes']);
  const status = upstreamStatus(world, 'sign/init');
  assert.is(status.code, 0, JSON.stringify(status.report?.problems));
  assert.equal(roleOf(status.report, 'root').signers[0].signed.sort(), ['@alice', '@carol']);
  crossCheck('sign/init');

  mergeEvent(world, 'init');
  const main = upstreamStatus(world, 'main');
  assert.is(main.code, 0, JSON.stringify(main.report?.problems));
});

test('artifacts in targets/ and in a new delegated role\'s a/b/: delegate, update (twice: once per event), sign, merge', () => {
  git(alice, 'checkout', '-q', '-b', 'sign/artifacts', 'origin/main');
  mkdirSync(path.join(alice, 'targets', 'pkgs', 'a', 'b'), { recursive: true });
  writeFileSync(path.join(alice, 'targets', 'hello.txt'), 'hello\n');
  writeFileSync(path.join(alice, 'targets', 'pkgs', 'a', 'b', 'c.txt'), 'deep\n');
  git(alice, 'add', '-A');
  git(alice, 'commit', '-q', '-m', 'Add artifacts');
  const delegated = ok(world, '@alice', ['delegate', 'artifacts', 'pkgs', '--signers', '@alice']);
  assert.match(delegated.stdout, /updated sign\/artifacts \([0-9a-f]{7}\): delegate pkgs from targets; pkgs: signers @alice/);
  assert.match(delegated.stderr, /warning: pkgs has a single signer: one lost key would lock the role/);

  const sub = path.join(alice, 'targets', 'pkgs');
  const update = gitTuf(sub, ['update', '--json', '--custom', 'hello.txt={"usage":"greeting"}'], { GIT_TUF_NOW: NOW });
  assert.is(update.code, 0, update.stderr);
  const report = JSON.parse(update.stdout);
  assert.is(report.schema, 'git-tuf-update/1');
  assert.equal(report.artifacts, { added: ['hello.txt', 'pkgs/a/b/c.txt'], modified: [], removed: [], removedRoles: [] });
  assert.equal(report.roles.map((entry: { role: string; version: number }) => [entry.role, entry.version]).sort(), [['pkgs', 1], ['targets', 2]]);
  // The checked-out event branch moved with its work tree; nothing is left to commit.
  assert.is(git(alice, 'status', '--porcelain'), '');
  assert.is(git(alice, 'log', '-1', '--format=%s'), 'Update targets metadata: targets v2, pkgs v1');

  writeFileSync(path.join(alice, 'targets', 'hello.txt'), 'hello again\n');
  git(alice, 'commit', '-q', '-am', 'Change hello');
  ok(world, '@alice', ['update']);
  const targets = JSON.parse(git(alice, 'show', 'sign/artifacts:metadata/targets.json'));
  assert.is(targets.signed.version, 2, 'still known good + 1');
  assert.equal(targets.signed.targets['hello.txt'], { custom: { usage: 'greeting' }, hashes: { sha256: sha256('hello again\n') }, length: 12 });
  assert.equal(targets.signatures.map((entry: { sig: string }) => entry.sig), ['', '']);
  const head = git(alice, 'rev-parse', 'HEAD');
  assert.match(ok(world, '@alice', ['update']).stdout, /sign\/artifacts is up to date with targets\/: nothing to commit/);
  assert.is(git(alice, 'rev-parse', 'HEAD'), head);

  ok(world, '@alice', ['update', '--push']);
  const waiting = upstreamStatus(world, 'sign/artifacts');
  assert.is(waiting.code, 1, JSON.stringify(waiting.report?.problems));
  ok(world, '@alice', ['sign', '--yes']);
  const signed = upstreamStatus(world, 'sign/artifacts');
  assert.is(signed.code, 0, JSON.stringify(signed.report?.problems));
  assert.equal(upstreamJson(world, 'sign/artifacts', 'metadata/pkgs.json').signed.targets, { 'pkgs/a/b/c.txt': { hashes: { sha256: sha256('deep\n') }, length: 5 } });
  crossCheck('sign/artifacts');
  mergeEvent(world, 'artifacts');
  git(alice, 'checkout', '-q', 'main');
  assert.is(upstreamStatus(world, 'main').code, 0);
});

test('a new keyholder and a higher threshold: @dave accepts the invitation, three sign', () => {
  addPerson(world, '@dave');
  ok(world, '@alice', ['delegate', 'add-dave', 'root', '--signers', '@alice,@bob,@carol,@dave', '--threshold', '3', '--push']);
  assert.equal(upstreamJson(world, 'sign/add-dave', 'metadata/.signing-event-state'), { invites: { '@dave': ['root'] } });
  const invited = upstreamStatus(world, 'sign/add-dave');
  assert.is(invited.code, 1);
  ok(world, '@dave', ['sign', '--yes']);
  ok(world, '@alice', ['sign', '--yes']);
  const two = upstreamStatus(world, 'sign/add-dave');
  assert.is(two.code, 1, 'two of the three signatures the new root needs');
  assert.equal(roleOf(two.report, 'root').missing.sort(), ['@bob', '@carol']);
  ok(world, '@bob', ['sign', '--yes']);
  const done = upstreamStatus(world, 'sign/add-dave');
  assert.is(done.code, 0, JSON.stringify(done.report?.problems));
  assert.is(upstreamJson(world, 'sign/add-dave', 'metadata/root.json').signed.roles.root.threshold, 3);
  crossCheck('sign/add-dave');
  mergeEvent(world, 'add-dave');
  assert.is(upstreamStatus(world, 'main').code, 0);
});

test('rotating @bob\'s key: bob is invited again and accepts with his new key; the old one leaves root', () => {
  const oldKey = world.holders.get('@bob')!.key.keyid;
  ok(world, '@alice', ['delegate', 'rotate-bob', 'root', '--rotate', '@bob', '--push']);
  assert.equal(upstreamJson(world, 'sign/rotate-bob', 'metadata/.signing-event-state'), { invites: { '@bob': ['root'] } });
  const fresh = keyholder(world.base, '@bob-new', 'ed25519');
  ok(world, '@bob', ['sign', '--yes', '--key', `file:${fresh.keyFile}`]);
  const freshKeyid = computeKeyid({ ...fresh.key.entry, 'x-tuf-on-ci-keyowner': '@bob' });
  assert.equal(keyidOf('@bob', 'sign/rotate-bob'), [freshKeyid]);
  assert.ok(!keyidOf('@bob', 'sign/rotate-bob').includes(oldKey));
  for (const handle of ['@alice', '@carol', '@dave']) ok(world, handle, ['sign', '--yes']);
  const done = upstreamStatus(world, 'sign/rotate-bob');
  assert.is(done.code, 0, JSON.stringify(done.report?.problems));
  crossCheck('sign/rotate-bob');
  mergeEvent(world, 'rotate-bob');
  git(cloneOf(world, '@bob'), 'config', 'tuf.signing-key', `file:${fresh.keyFile}`);
  assert.is(upstreamStatus(world, 'main').code, 0);
});

test('removing @carol (threshold back to 2)', () => {
  // From a subdirectory of alice's checkout (main, up to date), which stays as it was.
  git(alice, 'merge', '-q', '--ff-only', 'origin/main');
  const result = gitTuf(path.join(alice, 'targets'), ['delegate', 'remove-carol', 'root', '--signers', '@alice,@bob,@dave', '--threshold', '2', '--push', '--json'], { GIT_TUF_NOW: NOW });
  assert.is(result.code, 0, result.stderr);
  assert.is(git(alice, 'symbolic-ref', '--short', 'HEAD'), 'main');
  assert.is(git(alice, 'status', '--porcelain'), '');
  const report = JSON.parse(result.stdout);
  assert.is(report.schema, 'git-tuf-delegate/1');
  assert.equal(report.roles.map((entry: { role: string }) => entry.role), ['root']);
  assert.equal(keyidOf('@carol', 'sign/remove-carol'), []);
  // The old root needs 3 of its keys: alice, bob (new key) and dave sign.
  for (const handle of ['@alice', '@bob', '@dave']) ok(world, handle, ['sign', '--yes']);
  const done = upstreamStatus(world, 'sign/remove-carol');
  assert.is(done.code, 0, JSON.stringify(done.report?.problems));
  mergeEvent(world, 'remove-carol');
  assert.is(upstreamStatus(world, 'main').code, 0);
});

test('@alice rotates her own root key: her configured new key goes in directly, the others and she sign', () => {
  const oldFile = world.holders.get('@alice')!.keyFile!;
  const fresh = keyholder(world.base, '@alice-new', 'ed25519');
  // The new key first (the one delegate adds); the old one still signs targets.
  git(alice, 'config', '--replace-all', 'tuf.signing-key', `file:${fresh.keyFile}`);
  git(alice, 'config', '--add', 'tuf.signing-key', `file:${oldFile}`);
  const result = ok(world, '@alice', ['delegate', 'rotate-alice', 'root', '--rotate', '@alice', '--push']);
  assert.match(result.stdout, /root: signers .* \(new key for @alice\)\n/);
  const freshKeyid = computeKeyid({ ...fresh.key.entry, 'x-tuf-on-ci-keyowner': '@alice' });
  assert.equal(keyidOf('@alice', 'sign/rotate-alice'), [freshKeyid]);
  assert.throws(() => git(world.upstream, 'cat-file', '-e', 'sign/rotate-alice:metadata/.signing-event-state'));
  for (const handle of ['@alice', '@bob', '@dave']) ok(world, handle, ['sign', '--yes']);
  const done = upstreamStatus(world, 'sign/rotate-alice');
  assert.is(done.code, 0, JSON.stringify(done.report?.problems));
  crossCheck('sign/rotate-alice');
  mergeEvent(world, 'rotate-alice');
  assert.is(upstreamStatus(world, 'main').code, 0);
});

test('removing the delegated role with its files: delegate --remove, update, sign, merge', () => {
  git(alice, 'checkout', '-q', '-b', 'sign/drop-pkgs', 'origin/main');
  git(alice, 'rm', '-q', '-r', 'targets/pkgs');
  git(alice, 'commit', '-q', '-m', 'Drop pkgs');
  ok(world, '@alice', ['delegate', 'drop-pkgs', 'pkgs', '--remove']);
  assert.throws(() => git(alice, 'cat-file', '-e', 'sign/drop-pkgs:metadata/pkgs.json'));
  ok(world, '@alice', ['update', '--push']);
  const targets = upstreamJson(world, 'sign/drop-pkgs', 'metadata/targets.json').signed;
  assert.not.ok('delegations' in targets);
  assert.equal(Object.keys(targets.targets), ['hello.txt']);
  ok(world, '@alice', ['sign', '--yes']);
  const done = upstreamStatus(world, 'sign/drop-pkgs');
  assert.is(done.code, 0, JSON.stringify(done.report?.problems));
  assert.is(roleOf(done.report, 'pkgs').change, 'deleted');
  mergeEvent(world, 'drop-pkgs');
  git(alice, 'checkout', '-q', 'main');
  assert.is(upstreamStatus(world, 'main').code, 0);
});

test('renewal events: none before the signing period, root and targets inside it, never twice', () => {
  const root = upstreamJson(world, 'main', 'metadata/root.json').signed;
  const targets = upstreamJson(world, 'main', 'metadata/targets.json').signed;
  assert.is(root.expires, '2027-01-01T00:00:00Z');
  const early = ok(world, '@alice', ['events', '--push'], { GIT_TUF_NOW: '2026-11-01T23:59:59Z' });
  assert.is(early.stdout, 'no role is due to be renewed\n');
  const due = ok(world, '@alice', ['events', '--push', '--json'], { GIT_TUF_NOW: '2026-11-02T00:00:00Z' });
  const created = JSON.parse(due.stdout).events.map((entry: { event: string; status: string }) => `${entry.event} ${entry.status}`);
  assert.equal(created, [`root-v${root.version + 1} created`, `targets-v${targets.version + 1} created`]);
  const renewed = upstreamStatus(world, `sign/root-v${root.version + 1}`);
  assert.is(renewed.code, 1);
  assert.is(upstreamJson(world, `sign/root-v${root.version + 1}`, 'metadata/root.json').signed.expires, '2027-11-02T00:00:00Z');
  const refs = git(world.upstream, 'for-each-ref');
  const again = ok(world, '@bob', ['events', '--push'], { GIT_TUF_NOW: '2026-11-03T00:00:00Z' });
  assert.match(again.stdout, /root-v\d+: exists already[\s\S]*targets-v\d+: exists already/);
  assert.is(git(world.upstream, 'for-each-ref'), refs);
});

test.run();
