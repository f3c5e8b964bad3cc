// `git tuf sign` with hardware keys: real SoftHSM2 tokens holding ECDSA P-256, P-384 and Ed25519
// keys sign a root rotation through the real binary (PIN from stdin, as in automation); the result
// is complete for `git tuf status` and verifies with @tufjs/models. Token failures are one line.
import { Metadata, MetadataKind, type Root } from '@tufjs/models';
import { verify, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tufKeyOf } from '../git-tuf/signers/signer.js';
import { canonicalJson } from '../git-tuf/tuf/canonical.js';
import { computeKeyid } from '../git-tuf/tuf/keys.js';
import { gitTuf, statusJson } from './helpers/cli.js';
import { git } from './helpers/git.js';
import { cloneFor, keyholder, rootRotationWorld, type Keyholder } from './helpers/signing.js';
import { createSoftHsm, type SoftHsmKeyType } from './helpers/softhsm.js';
import type { TestKey } from './helpers/tuf-repo.js';

const hsm = createSoftHsm();

/** A keyholder whose key lives on their own token (key id 02: what `hsm:` means by default). */
function tokenHolder(handle: string, keyType: SoftHsmKeyType, pin: string): Keyholder & { label: string; pin: string } {
  const label = handle.slice(1);
  const token = hsm.createToken(label, { pin });
  token.generateKey(keyType, '02', 'signing');
  const publicKey: KeyObject = token.publicKey('02');
  const entry = { ...tufKeyOf(publicKey), 'x-tuf-on-ci-keyowner': handle };
  const key: TestKey = { kind: keyType === 'EC:secp384r1' ? 'ecdsa-p384' : keyType === 'EC:prime256v1' ? 'ecdsa-p256' : 'ed25519', keyid: computeKeyid(entry), entry, privateKey: publicKey };
  return { handle, key, keyFile: null, label, pin };
}

const p256 = tokenHolder('@p256', 'EC:prime256v1', '1111');
const p384 = tokenHolder('@p384', 'EC:secp384r1', '2222');
const ed = tokenHolder('@ed', 'EC:edwards25519', '3333');
const env = { SOFTHSM2_CONF: hsm.env.SOFTHSM2_CONF! };

function tokenClone(world: ReturnType<typeof rootRotationWorld>, holder: typeof p256, config: Record<string, string> = {}): string {
  return cloneFor(world, holder.handle, { 'tuf.pkcs11-module': hsm.module, 'tuf.signing-key': `hsm:?label=${holder.label}`, ...config });
}

test('three tokens (P-256, P-384, Ed25519) and the old root key complete a root rotation', () => {
  const base = path.dirname(hsm.dir);
  const alice = keyholder(base, '@alice', 'ecdsa-p256');
  const world = rootRotationWorld({ current: [alice], added: [p256, p384, ed] });
  for (const holder of [p256, p384, ed]) {
    const clone = tokenClone(world, holder);
    const result = gitTuf(clone, ['sign', '--yes'], env, `${holder.pin}\n`);
    assert.is(result.code, 0, `${holder.handle}: ${result.stderr}`);
    assert.match(result.stderr, /touch your key/);
  }
  const aliceClone = cloneFor(world, '@alice');
  assert.is(gitTuf(aliceClone, ['sign', '--yes']).code, 0);

  git(aliceClone, 'fetch', '-q', 'origin');
  const status = statusJson(aliceClone, ['origin/sign/rotate']);
  assert.is(status.report.result, 'valid', JSON.stringify(status.report.problems));

  // Independent verifiers agree. @tufjs/models checks every ECDSA signature with SHA-256, so it
  // cannot check P-384 signatures (which TUF and securesystemslib make with SHA-384): node:crypto
  // checks that one.
  const v1 = Metadata.fromJSON(MetadataKind.Root, JSON.parse(git(world.upstream, 'show', 'sign/rotate:metadata/root_history/1.root.json'))) as Metadata<Root>;
  const v2 = Metadata.fromJSON(MetadataKind.Root, JSON.parse(git(world.upstream, 'show', 'sign/rotate:metadata/root.json'))) as Metadata<Root>;
  v1.verifyDelegate('root', v2);
  for (const holder of [alice, p256, ed]) v2.signed.keys[holder.key.keyid]!.verifySignature(v2);
  const payload = canonicalJson(JSON.parse(git(world.upstream, 'show', 'sign/rotate:metadata/root.json')).signed);
  assert.ok(verify('sha384', payload, p384.key.privateKey, Buffer.from(v2.signatures[p384.key.keyid]!.sig, 'hex')));
});

test('wrong PIN, missing token, missing module: one line each, nothing pushed, checkout untouched', () => {
  const world = rootRotationWorld({ added: [p256] });
  const clone = tokenClone(world, p256);
  git(clone, 'checkout', '-q', '-b', 'elsewhere');
  writeFileSync(path.join(clone, 'scratch.txt'), 'wip');
  const before = (): string => [git(world.upstream, 'rev-parse', 'sign/rotate'), git(clone, 'symbolic-ref', 'HEAD'), git(clone, 'status', '--porcelain')].join('\n');
  const snapshot = before();
  const cases: { name: string; args: string[]; input: string; error: RegExp }[] = [
    { name: 'wrong PIN', args: ['sign', 'rotate', '--yes'], input: '0000\n', error: /PIN/i },
    { name: 'no PIN at all', args: ['sign', 'rotate', '--yes'], input: '', error: /no PIN on standard input/ },
    { name: 'missing token', args: ['sign', 'rotate', '--yes', '--key', 'hsm:?label=absent'], input: '1111\n', error: /absent/ },
  ];
  for (const entry of cases) {
    const result = gitTuf(clone, entry.args, env, entry.input);
    assert.ok(result.code !== 0, entry.name);
    assert.match(result.stderr, entry.error, `${entry.name}: ${result.stderr}`);
    assert.match(result.stderr, /^(touch your key if it blinks…\n)?git tuf: [^\n]+\n$/, `${entry.name}: ${result.stderr}`);
    assert.is(before(), snapshot, entry.name);
  }
  git(clone, 'config', 'tuf.pkcs11-module', '/nonexistent/libykcs11.so');
  const missingModule = gitTuf(clone, ['sign', 'rotate', '--yes'], env, '1111\n');
  assert.ok(missingModule.code !== 0);
  assert.match(missingModule.stderr, /^git tuf: [^\n]*libykcs11\.so[^\n]*\n$/);
  assert.is(before(), snapshot);
});

test.run();
