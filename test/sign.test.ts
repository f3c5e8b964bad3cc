// `git tuf sign` through the real binary and real git, with key files: keyholders in separate
// clones of a bare upstream sign a root rotation; races, forks and every refusal leave no trace.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalJson } from '../git-tuf/tuf/canonical.js';
import { formatMetadata } from '../git-tuf/tuf/json.js';
import { gitTuf, statusJson } from './helpers/cli.js';
import { git, initRepo } from './helpers/git.js';
import { cloneFor, commitChanges, gitTufAsync, installOneShotPrePush, keyholder, rootRotationWorld, type SigningWorld } from './helpers/signing.js';
import { signBytes } from './helpers/tuf-repo.js';

function upstreamRoot(world: SigningWorld, ref = 'sign/rotate'): { signatures: { keyid: string; sig: string }[]; signed: unknown } {
  return JSON.parse(git(world.upstream, 'show', `${ref}:metadata/root.json`));
}

function signedBy(world: SigningWorld, ref = 'sign/rotate'): string[] {
  const root = upstreamRoot(world, ref);
  return [...world.holders.values()].filter((holder) => root.signatures.some((entry) => entry.keyid === holder.key.keyid && entry.sig !== '')).map((holder) => holder.handle);
}

/** What must not change when signing fails: the upstream event, and the clone's branch, index and files. */
function snapshotOf(world: SigningWorld, clone: string): string {
  return [git(world.upstream, 'rev-parse', 'sign/rotate'), git(clone, 'symbolic-ref', 'HEAD'), git(clone, 'status', '--porcelain'), git(clone, 'for-each-ref', 'refs/heads')].join('\n');
}

test('a keyholder signs from a dirty clone on another branch: signature pushed, checkout untouched', () => {
  const world = rootRotationWorld();
  const alice = cloneFor(world, '@alice');
  git(alice, 'checkout', '-q', '-b', 'my-work');
  writeFileSync(path.join(alice, 'notes.txt'), 'uncommitted');
  writeFileSync(path.join(alice, 'targets', 'hello.txt'), 'local edit');

  const result = gitTuf(alice, ['sign', '--yes']);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /root\s+v1 → v2/);
  assert.match(result.stdout, /~ root: 1 of @alice, @bob → 3 of @alice, @bob, @carol/);
  assert.match(result.stdout, /signed root v2 in sign\/rotate/);
  assert.equal(signedBy(world), ['@alice']);
  // root_history carries the same bytes.
  assert.is(git(world.upstream, 'show', 'sign/rotate:metadata/root_history/2.root.json'), git(world.upstream, 'show', 'sign/rotate:metadata/root.json'));
  assert.is(git(world.upstream, 'log', '-1', '--format=%s', 'sign/rotate'), 'Signature from @alice');
  assert.is(git(world.upstream, 'rev-parse', 'sign/rotate^'), world.eventCommit);

  assert.is(git(alice, 'symbolic-ref', '--short', 'HEAD'), 'my-work');
  assert.is(readFileSync(path.join(alice, 'targets', 'hello.txt'), 'utf8'), 'local edit');
  assert.is(git(alice, 'status', '--porcelain'), ' M targets/hello.txt\n?? notes.txt');

  const status = statusJson(alice, ['origin/sign/rotate']);
  assert.is(status.report.result, 'waiting');
  const root = status.report.roles.find((role: { name: string }) => role.name === 'root');
  assert.equal(root.missing.sort(), ['@bob', '@carol']);

  // Nothing left for alice: signing again says so and changes nothing.
  const again = gitTuf(alice, ['sign', '--yes']);
  assert.is(again.code, 0, again.stderr);
  assert.match(again.stdout, /nothing awaits @alice/);
});

test('three keyholders sign the same event at the same moment: every signature lands', async () => {
  const world = rootRotationWorld();
  const clones = ['@alice', '@bob', '@carol'].map((handle) => cloneFor(world, handle));
  const results = await Promise.all(clones.map((clone) => gitTufAsync(clone, ['sign', 'rotate', '--yes'])));
  for (const result of results) assert.is(result.code, 0, result.stderr);
  assert.equal(signedBy(world).sort(), ['@alice', '@bob', '@carol']);
  const status = statusJson(clones[0]!, ['sign/rotate'], {});
  git(clones[0]!, 'fetch', '-q', 'origin');
  const complete = statusJson(clones[0]!, ['origin/sign/rotate']);
  assert.ok(status.report !== undefined);
  assert.is(complete.report.result, 'valid', JSON.stringify(complete.report.problems));
  assert.is(complete.code, 0);
});

test('a push that loses a race to an unchanged payload is re-applied on top', () => {
  const world = rootRotationWorld();
  const alice = cloneFor(world, '@alice');
  // Bob's signature lands on the upstream while alice's push is under way (from her pre-push hook).
  const bob = cloneFor(world, '@bob');
  git(bob, 'checkout', '-q', 'sign/rotate');
  const root = JSON.parse(readFileSync(path.join(bob, 'metadata/root.json'), 'utf8'));
  const bobKey = world.holders.get('@bob')!.key;
  root.signatures.find((entry: { keyid: string }) => entry.keyid === bobKey.keyid).sig = signBytes(bobKey, canonicalJson(root.signed));
  const bytes = formatMetadata(root);
  commitChanges(bob, new Map([['metadata/root.json', bytes], ['metadata/root_history/2.root.json', bytes]]), 'Signature from @bob');
  installOneShotPrePush(alice, `git -C '${bob}' push -q origin sign/rotate`);

  const result = gitTuf(alice, ['sign', '--yes']);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /re-applied on top of 1 newer push/);
  assert.equal(signedBy(world).sort(), ['@alice', '@bob']);
});

test('a payload that changes between review and push is never signed blindly', () => {
  const world = rootRotationWorld();
  const alice = cloneFor(world, '@alice');
  // The maintainer changes root (threshold 2) while alice's push is under way.
  git(world.maintainer, 'checkout', '-q', 'sign/rotate');
  const root = JSON.parse(readFileSync(path.join(world.maintainer, 'metadata/root.json'), 'utf8'));
  root.signed.roles.root.threshold = 2;
  const bytes = formatMetadata(root);
  const moved = commitChanges(world.maintainer, new Map([['metadata/root.json', bytes], ['metadata/root_history/2.root.json', bytes]]), 'Threshold 2');
  installOneShotPrePush(alice, `git -C '${world.maintainer}' push -q origin sign/rotate`);

  const result = gitTuf(alice, ['sign', '--yes']);
  assert.is(result.code, 3, result.stdout);
  assert.match(result.stderr, /^git tuf: root changed in sign\/rotate while you were signing; your signature was not pushed \(review the new version: git tuf sign rotate\)\n$/);
  assert.is(git(world.upstream, 'rev-parse', 'sign/rotate'), moved);
  assert.equal(signedBy(world), []);
});

test('refusals are one line, exit non-zero, and leave upstream and checkout as they were', () => {
  const world = rootRotationWorld();
  const dave = keyholder(world.base, '@dave', 'ed25519');
  const cases: { name: string; clone: string; args: string[]; env?: Record<string, string>; error: RegExp }[] = [];
  const alice = cloneFor(world, '@alice');
  cases.push({ name: 'no terminal and no --yes', clone: alice, args: ['sign'], error: /refusing to sign without confirmation/ });
  cases.push({ name: 'an event that does not exist', clone: alice, args: ['sign', 'nope', '--yes'], error: /there is no signing event sign\/nope on origin/ });
  const anonymous = cloneFor(world, '@alice');
  git(anonymous, 'config', '--unset', 'tuf.handle');
  cases.push({ name: 'no identity', clone: anonymous, args: ['sign', '--yes'], error: /does not know which signer you are \(set git config tuf.handle/ });
  const keyless = cloneFor(world, '@erin');
  cases.push({ name: 'no key', clone: keyless, args: ['sign', 'rotate', '--yes'], error: /no signing key is configured for @erin/ });
  const daveClone = cloneFor(world, '@alice', { 'tuf.handle': '@dave' });
  git(daveClone, 'config', 'tuf.signing-key', `file:${dave.keyFile!}`);
  cases.push({ name: 'a key expected nowhere', clone: daveClone, args: ['sign', 'rotate', '--yes'], error: /is not expected to sign anything in sign\/rotate \(still to sign: root: @alice, @bob, @carol\)/ });
  const encrypted = path.join(world.base, 'alice-encrypted.pem');
  writeFileSync(encrypted, world.holders.get('@alice')!.key.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'right' }));
  cases.push({ name: 'wrong passphrase', clone: alice, args: ['sign', 'rotate', '--yes', '--key', `file:${encrypted}`], env: { GIT_TUF_KEY_PASSPHRASE: 'wrong' }, error: /wrong passphrase for .*alice-encrypted.pem/ });
  cases.push({ name: 'a missing key file', clone: alice, args: ['sign', 'rotate', '--yes', '--key', 'file:missing.pem'], error: /cannot read the key file .*missing.pem/ });
  cases.push({ name: 'an unknown key URI', clone: alice, args: ['sign', 'rotate', '--yes', '--key', 'vault:x'], error: /unsupported key URI "vault:x"/ });

  for (const clone of new Set(cases.map((entry) => entry.clone))) {
    git(clone, 'checkout', '-q', '-b', 'dirty');
    writeFileSync(path.join(clone, 'scratch.txt'), 'work in progress');
  }
  for (const entry of cases) {
    const before = snapshotOf(world, entry.clone);
    const result = gitTuf(entry.clone, entry.args, entry.env ?? {});
    assert.ok(result.code !== 0, `${entry.name}: exit ${result.code}`);
    assert.match(result.stderr, entry.error, entry.name);
    assert.match(result.stderr, /^git tuf: [^\n]+\n$/, `${entry.name}: one line`);
    assert.is(snapshotOf(world, entry.clone), before, entry.name);
  }
  // The encrypted key with the right passphrase works.
  const ok = gitTuf(alice, ['sign', 'rotate', '--yes', '--key', `file:${encrypted}`], { GIT_TUF_KEY_PASSPHRASE: 'right' });
  assert.is(ok.code, 0, ok.stderr);
  assert.equal(signedBy(world), ['@alice']);
});

test('a keyholder without push access signs through a fork; --no-push commits locally', () => {
  const world = rootRotationWorld();
  const fork = initRepo(path.join(world.base, 'bob-fork.git'), { bare: true });
  const bob = cloneFor(world, '@bob');
  git(bob, 'remote', 'add', 'fork', fork);
  git(bob, 'config', 'tuf.push-remote', 'fork');
  const result = gitTuf(bob, ['sign', '--yes']);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /pushed to fork\/sign\/rotate/);
  assert.match(result.stdout, /open a pull request from fork\/sign\/rotate to origin\/sign\/rotate/);
  assert.equal(signedBy(world, 'sign/rotate'), []);
  const forked = JSON.parse(git(fork, 'show', 'sign/rotate:metadata/root.json'));
  assert.ok(forked.signatures.some((entry: { keyid: string; sig: string }) => entry.keyid === world.holders.get('@bob')!.key.keyid && entry.sig !== ''));
  assert.is(git(fork, 'rev-parse', 'sign/rotate^'), world.eventCommit);

  const carol = cloneFor(world, '@carol');
  const local = gitTuf(carol, ['sign', 'rotate', '--yes', '--no-push']);
  assert.is(local.code, 0, local.stderr);
  assert.match(local.stdout, /committed to your local branch sign\/rotate/);
  assert.is(git(world.upstream, 'rev-parse', 'sign/rotate'), world.eventCommit);
  assert.is(git(carol, 'rev-parse', 'sign/rotate^'), world.eventCommit);
  assert.is(git(carol, 'symbolic-ref', '--short', 'HEAD'), 'main');
});

test('--show-bytes shows the exact canonical bytes, their sha256 and a diff against known good', () => {
  const world = rootRotationWorld();
  const alice = cloneFor(world, '@alice');
  const result = gitTuf(alice, ['sign', 'rotate', '--show-bytes', '--no-push', '--yes']);
  assert.is(result.code, 0, result.stderr);
  const payload = canonicalJson(upstreamRoot(world).signed);
  const sha256 = createHash('sha256').update(payload).digest('hex');
  assert.ok(result.stdout.includes(`root v2: ${payload.length} canonical bytes, sha256 ${sha256}`), result.stdout);
  assert.ok(result.stdout.includes(`\n${payload.toString('utf8')}\n`));
  assert.match(result.stdout, /\n- +"threshold": 1\n\+ +"threshold": 3\n/);
  assert.match(result.stdout, /\n- "version": 1,\n\+ "version": 2,\n/);
});

test.run();
