// `git tuf key` through the real binary: token listing with the URIs to configure (SoftHSM2), and
// the public key entry a maintainer pastes into root, identical to what signing produces.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tufKeyOf } from '../git-tuf/signers/signer.js';
import { computeKeyid } from '../git-tuf/tuf/keys.js';
import { gitTuf } from './helpers/cli.js';
import { initRepo, tempDir } from './helpers/git.js';
import { createSoftHsm } from './helpers/softhsm.js';
import { testKey } from './helpers/tuf-repo.js';

const hsm = createSoftHsm();
const token = hsm.createToken('yubi', { pin: '4321' });
token.generateKey('EC:prime256v1', '02', 'PIV signature');
const env = { SOFTHSM2_CONF: hsm.env.SOFTHSM2_CONF! };

test('key list shows every token key with its URI; key show prints the entry with its keyid', () => {
  const dir = tempDir('key-command');
  const listed = gitTuf(dir, ['key', 'list', '--module', hsm.module], env);
  assert.is(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /token "yubi" \(serial [0-9a-f]+/);
  const uri = /\n {2}(\S+) {2}label "PIV signature" {2}ecdsa-sha2-nistp256, keyid [0-9a-f]{8}…/.exec(listed.stdout)?.[1];
  assert.ok(uri, listed.stdout);

  const shown = gitTuf(dir, ['key', 'show', uri!, '--module', hsm.module, '--handle', '@alice', '--json'], env);
  assert.is(shown.code, 0, shown.stderr);
  const result = JSON.parse(shown.stdout);
  const expected = { ...tufKeyOf(token.publicKey('02')), 'x-tuf-on-ci-keyowner': '@alice' };
  assert.equal(result.key, expected);
  assert.is(result.keyid, computeKeyid(expected));
});

test('key show reads the configured key and handle of a clone; errors are one line', () => {
  const dir = initRepo(tempDir('key-command'));
  const key = testKey('ed25519');
  const file = path.join(dir, 'dev.pem');
  writeFileSync(file, key.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const run = (args: string[]) => gitTuf(dir, args, { ...env, GIT_CONFIG_COUNT: '2', GIT_CONFIG_KEY_0: 'tuf.handle', GIT_CONFIG_VALUE_0: '@bob', GIT_CONFIG_KEY_1: 'tuf.signing-key', GIT_CONFIG_VALUE_1: 'file:dev.pem' });
  const shown = run(['key', 'show']);
  assert.is(shown.code, 0, shown.stderr);
  const entry = { ...key.entry, 'x-tuf-on-ci-keyowner': '@bob' };
  assert.ok(shown.stdout.startsWith(`keyid ${computeKeyid(entry)}\n`), shown.stdout);

  for (const [args, error] of [
    [['key', 'list'], /no PKCS#11 module is configured/],
    [['key', 'show', 'file:nope.pem'], /cannot read the key file/],
    [['key', 'show', '--handle', 'bob'], /"bob" is not a signer handle/],
    [['key', 'rotate'], /unknown action "rotate"/],
  ] as const) {
    const result = run([...args]);
    assert.ok(result.code !== 0, args.join(' '));
    assert.match(result.stderr, /^git tuf: [^\n]+\n$/);
    assert.match(result.stderr, error);
  }
});

test.run();
