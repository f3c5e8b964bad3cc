import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readSettings } from '../git-tuf/settings.js';
import { crc32c } from '../git-tuf/signers/crc32c.js';
import { ENDPOINT_VARIABLE } from '../git-tuf/signers/gcpkms.js';
import { openSigner } from '../git-tuf/signers/open.js';
import { computeKeyid, parsePublicKey } from '../git-tuf/tuf/keys.js';
import { GitRepository } from '../git-tuf/git/repository.js';
import { rejectsWith } from './helpers/assert.js';
import { startFakeKms, type FakeKms } from './helpers/fake-kms.js';
import { initRepo, tempDir } from './helpers/git.js';
import { testKey, type KeyKind } from './helpers/tuf-repo.js';

const KEY_PREFIX = 'projects/p/locations/global/keyRings/tuf/cryptoKeys';
let kms: FakeKms;
const payload = Buffer.from('{"_type":"timestamp","version":704}');

async function open(uri: string) {
  const dir = initRepo(tempDir('gcpkms'));
  const git = await GitRepository.open(dir);
  try {
    return await openSigner(uri, await readSettings(git), { baseDir: dir });
  } finally {
    git.close();
  }
}

test.before(async () => {
  kms = await startFakeKms();
  process.env[ENDPOINT_VARIABLE] = kms.endpoint;
  process.env.METADATA_SERVER_DETECTION = 'none';
});

test.after(async () => {
  delete process.env[ENDPOINT_VARIABLE];
  delete process.env.METADATA_SERVER_DETECTION;
  await kms.stop();
});

test.before.each(() => {
  kms.corruption = null;
  kms.calls.length = 0;
});

test('crc32c is CRC-32C (Castagnoli): the check value of "123456789" is e3069283', () => {
  assert.is(crc32c(Buffer.from('123456789')).toString(16), 'e3069283');
  assert.is(crc32c(Buffer.alloc(0)), 0);
});

for (const kind of ['ecdsa-p256', 'ecdsa-p384', 'ed25519', 'rsa'] as KeyKind[]) {
  test(`a ${kind} KMS key signs through the real client what verifies against its TUF key, and nothing else`, async () => {
    const key = testKey(kind);
    const uri = kms.addKey(`${KEY_PREFIX}/${kind}/cryptoKeyVersions/1`, key);
    const signer = await open(uri);
    try {
      const expected = { ...key.entry };
      assert.equal(signer.publicKey, expected);
      const signature = (await signer.sign(payload)).toString('hex');
      const publicKey = parsePublicKey(computeKeyid(signer.publicKey), signer.publicKey);
      assert.ok(publicKey.verify(payload, signature), 'the signature verifies');
      assert.not.ok(publicKey.verify(Buffer.from('{"_type":"timestamp","version":705}'), signature), 'and covers exactly the payload');
      assert.equal(kms.calls.map((call) => call.method), ['GetPublicKey', 'AsymmetricSign']);
    } finally {
      await signer.close();
    }
  });
}

test('a signature whose CRC32C does not match is refused', async () => {
  const uri = kms.addKey(`${KEY_PREFIX}/crc/cryptoKeyVersions/1`, testKey('ecdsa-p256'));
  const signer = await open(uri);
  try {
    kms.corruption = 'signature-crc';
    await rejectsWith(() => signer.sign(payload), /signature from Cloud KMS .* does not match its CRC32C/);
  } finally {
    await signer.close();
  }
});

test('a response that does not confirm the request checksum is refused', async () => {
  const uri = kms.addKey(`${KEY_PREFIX}/unverified/cryptoKeyVersions/1`, testKey('ed25519'));
  const signer = await open(uri);
  try {
    kms.corruption = 'unverified-request';
    await rejectsWith(() => signer.sign(payload), /did not confirm the checksum of the request/);
  } finally {
    await signer.close();
  }
});

test('a public key whose CRC32C does not match is refused before anything is signed', async () => {
  const uri = kms.addKey(`${KEY_PREFIX}/pem/cryptoKeyVersions/1`, testKey('ecdsa-p384'));
  kms.corruption = 'pem-crc';
  await rejectsWith(() => open(uri), /public key from Cloud KMS .* does not match its CRC32C/);
  assert.equal(kms.calls.map((call) => call.method), ['GetPublicKey']);
});

test('an unknown key version and a malformed URI name the key', async () => {
  await rejectsWith(() => open(`gcpkms:${KEY_PREFIX}/missing/cryptoKeyVersions/1`), /Cloud KMS refused .*missing.*not found/);
  await rejectsWith(() => open('gcpkms:projects/p/keyRings/x'), /"gcpkms:projects\/p\/keyRings\/x" is not a Cloud KMS key version/);
});

test.run();
