import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openFileSigner } from '../git-tuf/signers/file.js';
import { computeKeyid, parsePublicKey } from '../git-tuf/tuf/keys.js';
import { rejectsWith } from './helpers/assert.js';
import { tempDir } from './helpers/git.js';

const dir = tempDir('file-signer');
const payload = Buffer.from('{"_type":"targets","version":2}');

function keyFile(name: string, pair: { privateKey: import('node:crypto').KeyObject }, passphrase?: string): string {
  const file = path.join(dir, `${name}.pem`);
  const options = passphrase ? { type: 'pkcs8' as const, format: 'pem' as const, cipher: 'aes-256-cbc', passphrase } : { type: 'pkcs8' as const, format: 'pem' as const };
  writeFileSync(file, pair.privateKey.export(options));
  return file;
}

const kinds = {
  ed25519: () => generateKeyPairSync('ed25519'),
  p256: () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
  p384: () => generateKeyPairSync('ec', { namedCurve: 'secp384r1' }),
  rsa: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
};

for (const [name, generate] of Object.entries(kinds)) {
  test(`a ${name} key file signs what verifies against its TUF key, and nothing else`, async () => {
    const signer = await openFileSigner({ path: keyFile(name, generate()) });
    const key = parsePublicKey(computeKeyid(signer.publicKey), signer.publicKey);
    const signature = (await signer.sign(payload)).toString('hex');
    assert.ok(key.verify(payload, signature));
    assert.not.ok(key.verify(Buffer.from(`${payload} `), signature));
  });
}

test('an encrypted key asks for its passphrase; a wrong one is a one-line error', async () => {
  const file = keyFile('encrypted', kinds.p256(), 'correct horse');
  let asked = 0;
  const signer = await openFileSigner({ path: file, passphrase: async () => (asked++, 'correct horse') });
  assert.is(asked, 1);
  assert.is(signer.publicKey.scheme, 'ecdsa-sha2-nistp256');
  const wrong = await rejectsWith(() => openFileSigner({ path: file, passphrase: async () => 'wrong' }), /^wrong passphrase for /);
  assert.is(wrong.code, 'key');
  assert.not.match(wrong.message, /wrong'/);
  await rejectsWith(() => openFileSigner({ path: file }), /encrypted and no passphrase can be asked for/);
});

test('a missing file, or a file that is no private key, is a clear error', async () => {
  await rejectsWith(() => openFileSigner({ path: path.join(dir, 'absent.pem') }), /cannot read the key file .*absent\.pem \(ENOENT\)/);
  const publicOnly = path.join(dir, 'public.pem');
  writeFileSync(publicOnly, kinds.ed25519().publicKey.export({ type: 'spki', format: 'pem' }));
  await rejectsWith(() => openFileSigner({ path: publicOnly }), /is not a PEM private key/);
});

test.run();
