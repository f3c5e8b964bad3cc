// Bad input to init, delegate and update: one line on stderr, a non-zero exit, and nothing
// committed, pushed or moved — upstream refs, local refs, the branch, index and files as before.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gitTuf } from './helpers/cli.js';
import { git } from './helpers/git.js';
import { cloneOf, maintainWorld, mergeEvent, ok, pushEventWithArtifact, tufAs } from './helpers/maintain.js';

const world = maintainWorld(['@alice', '@bob'], '2026-01-01T00:00:00Z');
const alice = cloneOf(world, '@alice');
ok(world, '@alice', ['init', '--root-signers', '@alice', '--targets-signers', '@alice', '--online-key', world.onlineUri, '--push']);
ok(world, '@alice', ['sign', '--yes']);
mergeEvent(world, 'init');
// An open event with a symlink among its artifacts, and a dirty checkout of it.
git(alice, 'checkout', '-q', '-b', 'sign/links', 'origin/main');
mkdirSync(path.join(alice, 'targets'));
writeFileSync(path.join(alice, 'targets', 'real.txt'), 'real');
symlinkSync('real.txt', path.join(alice, 'targets', 'link.txt'));
git(alice, 'add', '-A');
git(alice, 'commit', '-q', '-m', 'A symlink');
writeFileSync(path.join(alice, 'notes.txt'), 'uncommitted');

function snapshot(): string {
  return [git(world.upstream, 'for-each-ref'), git(alice, 'for-each-ref'), git(alice, 'symbolic-ref', 'HEAD'), git(alice, 'status', '--porcelain')].join('\n');
}

const cases: [string, string[], RegExp][] = [
  ['unknown role', ['delegate', 'ev', 'nobody', '--threshold', '1'], /^git tuf: unknown role nobody \(create it by naming its signers/],
  ['threshold 0', ['delegate', 'ev', 'root', '--threshold', '0'], /^git tuf: the threshold of root must be at least 1, not 0 /],
  ['threshold above the signers', ['delegate', 'ev', 'targets', '--signers', '@alice,@bob', '--threshold', '3'], /^git tuf: the threshold of targets would be 3, but it has only 2 signers /],
  ['malformed handle', ['delegate', 'ev', 'root', '--signers', '@alice,bob'], /^git tuf: "bob" is not a signer handle like @alice /],
  ['negative period', ['delegate', 'ev', 'targets', '--expiry-period', '-5'], /^git tuf: the expiry period of targets must be a whole number of days ≥ 1, not -5 /],
  ['zero period', ['delegate', 'ev', 'root', '--signing-period', '0'], /^git tuf: the signing period of root must be a whole number of days ≥ 1, not 0 /],
  ['signing period not below expiry', ['delegate', 'ev', 'targets', '--expiry-period', '30', '--signing-period', '30'], /^git tuf: the signing period of targets \(30 days\) must be shorter than its expiry period \(30 days\) /],
  ['period that is no number', ['delegate', 'ev', 'targets', '--expiry-period', '1.5'], /^git tuf: --expiry-period must be a whole number, not "1\.5"/],
  ['event name that is no branch name', ['delegate', 'bad..name', 'root', '--threshold', '1'], /^git tuf: "sign\/bad\.\.name" is not a valid branch name /],
  ['init event name that is no branch name', ['init', '--event', 'a b', '--root-signers', '@alice', '--online-key', 'file:x.pem'], /^git tuf: "sign\/a b" is not a valid branch name /],
  ['init a second time', ['init', '--event', 'again', '--root-signers', '@alice', '--online-key', world.onlineUri], /^git tuf: this repository has TUF metadata already/],
  ['init without the online key', ['init', '--root-signers', '@alice'], /^git tuf: --online-key is required/],
  ['online key without a public key', ['delegate', 'ev', 'timestamp', '--online-key', 'gcpkms:projects/p/keyVersions/1'], /^git tuf: git tuf cannot read the public key of gcpkms:projects\/p\/keyVersions\/1 \(pass it as a PEM file with --online-public-key FILE\.pem\)/],
  ['signers for an online role', ['delegate', 'ev', 'snapshot', '--signers', '@alice'], /^git tuf: snapshot cannot have signers/],
  ['target path with ..', ['update', 'links', '--custom', '../outside.txt={}'], /^git tuf: the target path "\.\.\/outside\.txt" contains a "\." or "\.\." segment/],
  ['delegation path with ..', ['delegate', 'ev', 'pkgs', '--signers', '@alice', '--paths', 'pkgs/../*'], /^git tuf: the delegation path "pkgs\/\.\.\/\*" of pkgs contains a "\." or "\.\." segment/],
  ['custom metadata for a missing artifact', ['update', 'links', '--custom', 'missing.txt={"a":1}'], /^git tuf: cannot set custom metadata on missing\.txt: targets\/missing\.txt does not exist/],
  ['symlink in targets/', ['update'], /^git tuf: targets\/link\.txt is a symlink: artifacts must be regular files at safe paths \(remove targets\/link\.txt and commit, then run again\)/],
  ['update of an event that does not exist', ['update', 'sign/nothing-here'], /^git tuf: there is no signing event sign\/nothing-here here or on origin/],
  ['update off an event branch', ['update'], /./],
  ['removing a top-level role', ['delegate', 'ev', 'targets', '--remove'], /^git tuf: targets cannot have delegation paths, terminating, a delegator or removal/],
];

for (const [name, args, expected] of cases) {
  test(`${name}: one line, nothing changes`, () => {
    if (name === 'update off an event branch') git(alice, 'checkout', '-q', 'main');
    const before = snapshot();
    const result = tufAs(world, '@alice', args);
    if (name === 'update off an event branch') {
      assert.is(result.stderr, 'git tuf: the current branch (main) is not a signing event (name the event (git tuf update sign/NAME) or switch to its branch)\n');
      git(alice, 'checkout', '-q', 'sign/links');
    }
    assert.is(result.code, 3, `${result.stderr}${result.stdout}`);
    assert.match(result.stderr, expected);
    assert.is(result.stderr.split('\n').length, 2, `one line: ${result.stderr}`);
    assert.is(result.stdout, '');
    if (name !== 'update off an event branch') assert.is(snapshot(), before);
  });
}

test('init without a main branch is refused', () => {
  const dir = path.join(world.base, 'empty');
  git(world.base, 'init', '-q', '-b', 'main', dir);
  const result = gitTuf(dir, ['init', '--root-signers', '@alice', '--online-key', world.onlineUri]);
  assert.is(result.code, 3);
  assert.is(result.stderr, 'git tuf: there is no main branch to start the repository from (commit something to main first (a README) and push it)\n');
  assert.is(git(dir, 'for-each-ref'), '');
});

test('a threshold equal to the number of signers is accepted with a warning', () => {
  const result = tufAs(world, '@alice', ['delegate', 'all-needed', 'targets', '--signers', '@alice,@bob', '--threshold', '2']);
  assert.is(result.code, 0, result.stderr);
  assert.is(result.stderr, 'git tuf: warning: targets needs all 2 of its signers: one lost key would lock the role\n');
  assert.match(result.stdout, /created sign\/all-needed/);
});

test('uncommitted changes to the metadata of a checked-out event: nothing is committed or pushed', () => {
  const bob = cloneOf(world, '@bob');
  pushEventWithArtifact(bob, 'dirty', 'file.txt', 'content');
  writeFileSync(path.join(bob, 'metadata', 'targets.json'), 'my local edit');
  const before = [git(world.upstream, 'for-each-ref'), git(bob, 'for-each-ref'), git(bob, 'status', '--porcelain')].join('\n');
  const result = tufAs(world, '@bob', ['update', '--push']);
  assert.is(result.code, 3, result.stdout);
  assert.is(result.stderr, 'git tuf: cannot update sign/dirty: your uncommitted changes touch the files this changes (commit or stash them, then run again)\n');
  assert.is([git(world.upstream, 'for-each-ref'), git(bob, 'for-each-ref'), git(bob, 'status', '--porcelain')].join('\n'), before);
});

test('every maintainer command has help with examples', () => {
  for (const command of ['init', 'delegate', 'update', 'events']) {
    const result = tufAs(world, '@alice', [command, '-h']);
    assert.is(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^usage: git tuf ${command}`));
    assert.match(result.stdout, /examples:\n {2}git tuf /);
  }
});

test.run();
