// The PKCS#11 signer against real SoftHSM2 tokens (no mocks): signatures verify with git tuf's own
// verifier, tokens and keys are found by label, serial and id, and every failure is one line.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GitTufError } from '../git-tuf/errors.js';
import { CK, loadBinding } from '../git-tuf/signers/pkcs11-module.js';
import { formatHsmUri, parsePkcs11Uri } from '../git-tuf/signers/pkcs11-uri.js';
import { listPkcs11Keys, openPkcs11Signer, type Pkcs11Signer, type Pkcs11SignerOptions } from '../git-tuf/signers/pkcs11.js';
import { ecdsaRawToDer, tufKeyOf, type TufKey } from '../git-tuf/signers/signer.js';
import { computeKeyid, parsePublicKey } from '../git-tuf/tuf/keys.js';
import { createSoftHsm } from './helpers/softhsm.js';

const hsm = createSoftHsm();
// One token with a key of each kind TUF signs with.
const alpha = hsm.createToken('alpha', { pin: '1111' });
alpha.generateKey('EC:prime256v1', '01', 'p256');
alpha.generateKey('EC:secp384r1', '02', 'p384');
alpha.generateKey('EC:edwards25519', '03', 'ed25519');
// Two tokens with the same label: only the serial tells them apart.
const twinA = hsm.createToken('twin');
twinA.generateKey('EC:prime256v1', '02', 'signing');
const twinB = hsm.createToken('twin');
twinB.generateKey('EC:prime256v1', '02', 'signing');
// A token for wrong PINs, so that no other test depends on its retry counter.
const guarded = hsm.createToken('guarded', { pin: '246810' });
guarded.generateKey('EC:prime256v1', '02', 'signing');
// A key that wants the PIN before every signature (CKA_ALWAYS_AUTHENTICATE).
const always = hsm.createToken('always', { pin: '5555' });
always.generateKey('EC:prime256v1', '02', 'signing', ['--always-auth']);

const payload = Buffer.from('{"_type":"root","version":2}');
const tampered = Buffer.from('{"_type":"root","version":3}');

const verifies = (key: TufKey, data: Buffer, signature: Buffer): boolean => parsePublicKey(computeKeyid(key), key).verify(data, signature.toString('hex'));

interface Counters {
  pins: number;
  touches: number;
}

function options(uri: string, pin: string, counters: Counters = { pins: 0, touches: 0 }, extra: Partial<Pkcs11SignerOptions> = {}): Pkcs11SignerOptions {
  return {
    uri,
    module: hsm.module,
    pin: async () => {
      counters.pins++;
      return pin;
    },
    onTouch: () => {
      counters.touches++;
    },
    ...extra,
  };
}

const noPin = async (): Promise<string> => {
  throw new Error('the PIN must not be asked for');
};

async function withSigner<T>(opts: Pkcs11SignerOptions, fn: (signer: Pkcs11Signer) => Promise<T>): Promise<T> {
  const signer = await openPkcs11Signer(opts);
  try {
    return await fn(signer);
  } finally {
    await signer.close();
  }
}

async function keyError(fn: () => Promise<unknown>): Promise<GitTufError> {
  try {
    await fn();
  } catch (error) {
    if (!(error instanceof GitTufError)) throw error;
    assert.is(error.code, 'key');
    assert.not.match(error.message, /\n/);
    return error;
  }
  throw new Error('expected a GitTufError');
}

for (const [id, label, scheme, keytype] of [
  ['01', 'p256', 'ecdsa-sha2-nistp256', 'ecdsa'],
  ['02', 'p384', 'ecdsa-sha2-nistp384', 'ecdsa'],
  ['03', 'ed25519', 'ed25519', 'ed25519'],
] as const) {
  test(`${label}: signs on the token, the signature verifies, a tampered payload does not`, async () => {
    const counters = { pins: 0, touches: 0 };
    await withSigner(options(`hsm:${Number(id)}?label=alpha`, '1111', counters), async (signer) => {
      assert.is(signer.publicKey.scheme, scheme);
      assert.is(signer.publicKey.keytype, keytype);
      // The same key pkcs11-tool exports, decoded independently of git tuf's CKA_EC_POINT reading.
      assert.equal(signer.publicKey, tufKeyOf(alpha.publicKey(id)));
      assert.is(signer.keyId, id);
      assert.is(signer.keyLabel, label);
      assert.equal(signer.token.label, 'alpha');
      assert.is(counters.pins, 0, 'no PIN before the first signature');
      const first = await signer.sign(payload);
      const second = await signer.sign(tampered);
      assert.ok(verifies(signer.publicKey, payload, first));
      assert.ok(verifies(signer.publicKey, tampered, second));
      assert.not.ok(verifies(signer.publicKey, tampered, first));
      assert.is(counters.pins, 1, 'one login per signer');
      assert.is(counters.touches, 2, 'a touch hint before every signature');
    });
  });
}

test('ECDSA signatures are DER and hashed per curve (P-384 with SHA-384)', async () => {
  await withSigner(options('hsm:2?label=alpha', '1111'), async (signer) => {
    const signature = await signer.sign(payload);
    assert.is(signature[0], 0x30);
    const key = createPublicKey(signer.publicKey.keyval.public);
    assert.ok(verify('sha384', payload, { key, dsaEncoding: 'der' }, signature));
    assert.not.ok(verify('sha256', payload, { key, dsaEncoding: 'der' }, signature));
  });
});

test('Ed25519 signs the payload itself (CKM_EDDSA), checked with node crypto', async () => {
  await withSigner(options('pkcs11:token=alpha;id=%03', '1111'), async (signer) => {
    const signature = await signer.sign(payload);
    assert.is(signature.length, 64);
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(signer.publicKey.keyval.public, 'hex').toString('base64url') }, format: 'jwk' });
    assert.ok(verify(null, payload, key, signature));
  });
});

test('RFC 7512 URIs: by token label and object label, or id', async () => {
  const byObject = await withSigner(options('pkcs11:token=alpha;object=p384;type=private', '1111'), async (s) => s.publicKey);
  const byId = await withSigner(options('pkcs11:token=alpha;id=%02', '1111'), async (s) => s.publicKey);
  assert.equal(byObject, byId);
  assert.is(byObject.scheme, 'ecdsa-sha2-nistp384');
});

test('hsm: URIs pick one of two same-label tokens by serial (serialNumber=, or serial=)', async () => {
  const a = await withSigner(options(`hsm:2?label=twin&serialNumber=${twinA.serial}`, '123456'), async (s) => {
    assert.is(s.token.serial, twinA.serial);
    const signature = await s.sign(payload);
    assert.ok(verifies(s.publicKey, payload, signature));
    return s.publicKey;
  });
  const b = await withSigner(options(`hsm:2?serial=${twinB.serial}`, '123456'), async (s) => s.publicKey);
  assert.equal(a, tufKeyOf(twinA.publicKey('02')));
  assert.equal(b, tufKeyOf(twinB.publicKey('02')));
  assert.not.equal(a, b);
});

test('several matching tokens: an error that lists them and says how to choose', async () => {
  const error = await keyError(() => openPkcs11Signer(options('hsm:2?label=twin', '123456', undefined, { pin: noPin })));
  assert.match(error.message, /^2 tokens match labelled "twin": /);
  assert.ok(error.message.includes(twinA.serial) && error.message.includes(twinB.serial));
  assert.match(error.hint ?? '', /serialNumber=/);
  const bare = await keyError(() => openPkcs11Signer(options('hsm:', '123456', undefined, { pin: noPin })));
  assert.match(bare.message, /tokens match the key URI/);
});

test('missing token: the error names what exists', async () => {
  const error = await keyError(() => openPkcs11Signer(options('hsm:2?label=yubikey', '1111', undefined, { pin: noPin })));
  assert.match(error.message, /^no token labelled "yubikey"; tokens present: /);
  assert.ok(error.message.includes(`"alpha" (serial ${alpha.serial})`));
  assert.match(error.hint ?? '', /label or serial/);
});

test('missing key on the token: the error lists the keys that are there', async () => {
  const error = await keyError(() => openPkcs11Signer(options('hsm:9?label=alpha', '1111', undefined, { pin: noPin })));
  assert.match(error.message, /^token "alpha" has no key with id 09; keys there: (id 0[123] "\w+"(, )?){3}$/);
  for (const key of ['id 01 "p256"', 'id 02 "p384"', 'id 03 "ed25519"']) assert.ok(error.message.includes(key), key);
});

test('missing or unusable module: the error names the path and where the path comes from', async () => {
  const missing = '/nonexistent/libykcs11.so';
  const error = await keyError(() => openPkcs11Signer({ ...options('hsm:', '1111'), module: missing }));
  assert.is(error.message, `the PKCS#11 module ${missing} does not exist`);
  assert.is(error.hint, 'set git config tuf.pkcs11-module or PYKCS11LIB');
  const unset = await keyError(() => listPkcs11Keys({ module: '' }));
  assert.is(unset.message, 'no PKCS#11 module is configured');
  const notALibrary = path.join(hsm.dir, 'not-a-library.so');
  writeFileSync(notALibrary, 'hello');
  const bad = await keyError(() => openPkcs11Signer({ ...options('hsm:', '1111'), module: notALibrary }));
  assert.ok(bad.message.startsWith(`cannot load the PKCS#11 module ${notALibrary} (`), bad.message);
});

test('wrong PIN: one line, code key, the token named, the PIN nowhere', async () => {
  const wrong = '97531';
  const error = await keyError(() => withSigner(options('hsm:2?label=guarded', wrong), (s) => s.sign(payload)));
  assert.is(error.message, 'wrong PIN for token "guarded"');
  assert.ok(error.hint);
  for (const text of [error.message, error.hint ?? '', String(error.stack), String((error.cause as Error | undefined)?.message)]) {
    assert.not.ok(text.includes(wrong), 'the PIN leaks into the error');
  }
  // Nothing is left half-open: the right PIN works afterwards.
  await withSigner(options('hsm:2?label=guarded', '246810'), async (s) => assert.ok(verifies(s.publicKey, payload, await s.sign(payload))));
});

test('a PIN of impossible length is a wrong PIN too', async () => {
  const error = await keyError(() => withSigner(options('hsm:2?label=guarded', '12'), (s) => s.login()));
  assert.match(error.message, /^wrong PIN for token "guarded"/);
  assert.not.ok(error.message.includes('12"') || (error.hint ?? '').includes('12 '));
});

test('expectedKey: another key on the token is refused, naming both, before any PIN is asked', async () => {
  const p384 = tufKeyOf(alpha.publicKey('02'));
  const p256 = tufKeyOf(alpha.publicKey('01'));
  const error = await keyError(() => openPkcs11Signer({ ...options('hsm:1?label=alpha', '1111'), pin: noPin, expectedKey: p384 }));
  assert.ok(error.message.includes(computeKeyid(p384).slice(0, 8)), error.message);
  assert.ok(error.message.includes(computeKeyid(p256).slice(0, 8)), error.message);
  assert.match(error.message, /^the key on token "alpha" \(id 01 "p256"\) is ecdsa-sha2-nistp256 key \w{8}, not the expected ecdsa-sha2-nistp384 key \w{8}$/);
  // The same key as metadata lists it (with tuf-on-ci's owner field) is accepted.
  const listed = { ...p256, 'x-tuf-on-ci-keyowner': '@alice' } as TufKey;
  await withSigner({ ...options('hsm:1?label=alpha', '1111'), expectedKey: listed }, async (s) => assert.ok(verifies(s.publicKey, payload, await s.sign(payload))));
});

test('listPkcs11Keys: every token, its keys with their TUF keys, and a URI that opens each', async () => {
  const tokens = await listPkcs11Keys({ module: hsm.module });
  assert.equal(tokens.map((t) => t.token.label).sort(), ['alpha', 'always', 'guarded', 'twin', 'twin']);
  const listed = tokens.find((t) => t.token.label === 'alpha')!;
  assert.is(listed.token.serial, alpha.serial);
  assert.equal(
    listed.keys.map((k) => [k.id, k.label, k.keyType, k.uri]).sort(),
    [
      ['01', 'p256', 'ecdsa-sha2-nistp256', 'hsm:1?label=alpha'],
      ['02', 'p384', 'ecdsa-sha2-nistp384', 'hsm:2?label=alpha'],
      ['03', 'ed25519', 'ed25519', 'hsm:3?label=alpha'],
    ],
  );
  for (const key of listed.keys) assert.equal(key.tufKey, tufKeyOf(alpha.publicKey(key.id)));
  // Same-label tokens get the serial in their URI; each URI opens that very key.
  const twins = tokens.filter((t) => t.token.label === 'twin');
  for (const twin of twins) {
    const [key] = twin.keys;
    assert.is(key!.uri, `hsm:2?label=twin&serialNumber=${twin.token.serial}`);
    const opened = await withSigner(options(key!.uri, '123456', undefined, { pin: noPin }), async (s) => s.publicKey);
    assert.equal(opened, key!.tufKey);
  }
  // Logging in first (for tokens that hide public keys) asks each token's PIN once.
  const asked: string[] = [];
  const pins = new Map([['alpha', '1111'], ['twin', '123456'], ['guarded', '246810'], ['always', '5555']]);
  const again = await listPkcs11Keys({ module: hsm.module, pin: async (token) => (asked.push(token.label), pins.get(token.label)!) });
  assert.equal(asked, tokens.map((t) => t.token.label));
  assert.equal(again.map((t) => t.keys.length), tokens.map((t) => t.keys.length));
});

test('two signers on one token (a root key rotation on one YubiKey): one PIN, and closing one keeps the other working', async () => {
  const counters = { pins: 0, touches: 0 };
  const first = await openPkcs11Signer(options('hsm:1?label=alpha', '1111', counters));
  const second = await openPkcs11Signer(options('hsm:3?label=alpha', '1111', counters));
  try {
    assert.ok(verifies(first.publicKey, payload, await first.sign(payload)));
    assert.ok(verifies(second.publicKey, payload, await second.sign(payload)));
    assert.is(counters.pins, 1, 'the token is logged in for the whole process');
    await first.close();
    assert.ok(verifies(second.publicKey, tampered, await second.sign(tampered)));
  } finally {
    await first.close();
    await second.close();
  }
});

test('concurrent sign() calls on one signer are serialized and all verify', async () => {
  await withSigner(options('hsm:2?label=alpha', '1111'), async (signer) => {
    const payloads = [0, 1, 2, 3].map((n) => Buffer.from(`payload ${n}`));
    const signatures = await Promise.all(payloads.map((p) => signer.sign(p)));
    signatures.forEach((signature, n) => assert.ok(verifies(signer.publicKey, payloads[n]!, signature)));
  });
});

test('a key that wants the PIN before every signature (CKA_ALWAYS_AUTHENTICATE) signs after a context-specific login', async () => {
  const counters = { pins: 0, touches: 0 };
  await withSigner(options('hsm:2?label=always', '5555', counters), async (signer) => {
    assert.ok(verifies(signer.publicKey, payload, await signer.sign(payload)));
    assert.ok(verifies(signer.publicKey, tampered, await signer.sign(tampered)));
    assert.is(counters.pins, 3, 'login, then the PIN again for each signature');
  });
});

test('close() is idempotent and a closed signer refuses to sign', async () => {
  const signer = await openPkcs11Signer(options('hsm:1?label=alpha', '1111'));
  await signer.close();
  await signer.close();
  try {
    await signer.sign(payload);
    assert.unreachable('signed after close');
  } catch (error) {
    assert.instance(error, GitTufError);
  }
});

test('without the native binding: one clear error', async () => {
  try {
    await loadBinding('pkcs11js-that-is-not-installed');
    assert.unreachable();
  } catch (error) {
    assert.instance(error, GitTufError);
    assert.is((error as GitTufError).message, 'PKCS#11 signing is unavailable: the optional pkcs11js module is not installed');
    assert.is((error as GitTufError).hint, 'reinstall git-tuf with a C++ toolchain available, or use a file: key');
  }
});

test('PKCS#11 constants match the ones pkcs11js exports', async () => {
  const binding = (await loadBinding()) as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(CK)) {
    if (binding[name] !== undefined) assert.is(binding[name], value, name);
  }
  assert.is(binding['CKM_EDDSA'], undefined, 'pkcs11js still lacks CKM_EDDSA: our constant is the only source');
});

test('signers on different tokens sign at the same time (the library is initialized for locking)', async () => {
  const signers = await Promise.all([
    openPkcs11Signer(options('hsm:1?label=alpha', '1111')),
    openPkcs11Signer(options(`hsm:2?serialNumber=${twinA.serial}`, '123456')),
    openPkcs11Signer(options(`hsm:2?serialNumber=${twinB.serial}`, '123456')),
  ]);
  try {
    const signatures = await Promise.all(signers.flatMap((signer) => [signer.sign(payload), signer.sign(tampered)]));
    signers.forEach((signer, n) => {
      assert.ok(verifies(signer.publicKey, payload, signatures[2 * n]!));
      assert.ok(verifies(signer.publicKey, tampered, signatures[2 * n + 1]!));
    });
  } finally {
    await Promise.all(signers.map((signer) => signer.close()));
  }
});

// ---- URIs ----

test('hsm: URIs as securesystemslib reads them', () => {
  assert.equal(parsePkcs11Uri('hsm:'), { token: {}, id: Buffer.from([2]) });
  assert.equal(parsePkcs11Uri('hsm:2'), { token: {}, id: Buffer.from([2]) });
  assert.equal(parsePkcs11Uri('hsm:02'), { token: {}, id: Buffer.from([2]) });
  assert.equal(parsePkcs11Uri('hsm:10'), { token: {}, id: Buffer.from([10]) });
  assert.equal(parsePkcs11Uri('hsm:2?label=YubiKey+PIV+%2315835999'), { token: { label: 'YubiKey PIV #15835999' }, id: Buffer.from([2]) });
  assert.equal(parsePkcs11Uri('hsm:?label=a&serialNumber=0042'), { token: { label: 'a', serial: '0042' }, id: Buffer.from([2]) });
  assert.equal(parsePkcs11Uri('hsm:1?serial=7&manufacturerID=Yubico+%28www.yubico.com%29&model=YubiKey+YK5'), {
    token: { serial: '7', manufacturer: 'Yubico (www.yubico.com)', model: 'YubiKey YK5' },
    id: Buffer.from([1]),
  });
  assert.equal(parsePkcs11Uri('hsm:0x0a0B'), { token: {}, id: Buffer.from([0x0a, 0x0b]) });
});

test('hsm: URIs that cannot be right are refused', () => {
  for (const [uri, problem] of [
    ['hsm:256', /does not fit in one byte/],
    ['hsm:abc', /neither a decimal number nor 0x<hex>/],
    ['hsm:0x1', /neither a decimal number nor 0x<hex>/],
    ['hsm:2?slot=1', /unknown token field "slot"/],
    ['hsm:2?label=a&label=b', /given twice/],
    ['file:key.pem', /is not a PKCS#11 key URI/],
  ] as const) {
    try {
      parsePkcs11Uri(uri);
      assert.unreachable(uri);
    } catch (error) {
      assert.instance(error, GitTufError, uri);
      assert.match((error as Error).message, problem, uri);
    }
  }
});

test('RFC 7512 pkcs11: URIs (token, serial, manufacturer, model, id, object, type)', () => {
  assert.equal(parsePkcs11Uri('pkcs11:token=YubiKey%20PIV%20%2315835999;id=%02'), { token: { label: 'YubiKey PIV #15835999' }, id: Buffer.from([2]) });
  assert.equal(parsePkcs11Uri('pkcs11:serial=abc;object=my%20key;id=%01%02;type=private'), { token: { serial: 'abc' }, id: Buffer.from([1, 2]), object: 'my key' });
  assert.equal(parsePkcs11Uri('pkcs11:model=PKCS%2315%20emulated;manufacturer=piv_II;token=a+b'), { token: { model: 'PKCS#15 emulated', manufacturer: 'piv_II', label: 'a+b' } });
  assert.equal(parsePkcs11Uri('pkcs11:'), { token: {} });
  for (const [uri, problem] of [
    ['pkcs11:token=a?pin-value=1234', /a PIN does not belong in a key URI/],
    ['pkcs11:token=a?module-path=/x.so', /query attributes are not supported/],
    ['pkcs11:slot-id=1', /"slot-id" is not supported/],
    ['pkcs11:id=%zz', /not valid percent-encoding/],
    ['pkcs11:token', /not an attribute=value pair/],
    ['pkcs11:type=cert', /not a key pair part/],
    ['pkcs11:token=a;token=b', /given twice/],
  ] as const) {
    try {
      parsePkcs11Uri(uri);
      assert.unreachable(uri);
    } catch (error) {
      assert.instance(error, GitTufError, uri);
      assert.match((error as Error).message, problem, uri);
      assert.not.ok((error as Error).message.includes('1234'), 'a PIN in a URI is not repeated');
    }
  }
});

test('formatHsmUri round-trips through the parser (securesystemslib form for one-byte ids)', () => {
  const token = { label: 'YubiKey PIV #15835999', serial: '15835999' };
  assert.is(formatHsmUri(Buffer.from([2]), { label: token.label }), 'hsm:2?label=YubiKey+PIV+%2315835999');
  for (const id of [Buffer.from([2]), Buffer.from([0x9c]), Buffer.from([1, 2, 3])]) {
    assert.equal(parsePkcs11Uri(formatHsmUri(id, token)), { token, id });
  }
  assert.is(formatHsmUri(Buffer.from([1, 2]), {}), 'hsm:0x0102');
});

// ---- raw r‖s to DER ----

test('ecdsaRawToDer: hand-made edge cases', () => {
  const raw = (r: number[], s: number[], size: number): Buffer =>
    Buffer.concat([Buffer.alloc(size - r.length), Buffer.from(r), Buffer.alloc(size - s.length), Buffer.from(s)]);
  // Leading zero bytes are dropped; a set high bit gets a 0x00 so the INTEGER stays positive.
  assert.is(ecdsaRawToDer(raw([0x01], [0x7f], 32)).toString('hex'), '300602010102017f');
  assert.is(ecdsaRawToDer(raw([0x80], [0xff, 0x01], 32)).toString('hex'), '3009020200800203' + '00ff01');
  // Zero stays one zero byte.
  assert.is(ecdsaRawToDer(raw([], [0x05], 32)).toString('hex'), '3006020100020105');
  assert.throws(() => ecdsaRawToDer(Buffer.alloc(63)), (error: unknown) => error instanceof GitTufError);
  assert.throws(() => ecdsaRawToDer(Buffer.alloc(0)), (error: unknown) => error instanceof GitTufError);
});

for (const [curve, hash] of [
  ['P-256', 'sha256'],
  ['P-384', 'sha384'],
] as const) {
  test(`ecdsaRawToDer: node's ${curve} signatures in IEEE P1363 form convert to DER node accepts, leading zero and high bit included`, () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
    const key = createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const seen = { highBit: false, leadingZero: false, plain: false };
    // Random signatures: r or s starts with 0x00 once in ~128 signatures; OpenSSL rejects any
    // non-minimal DER, so verifying proves the encoding canonical.
    for (let n = 0; n < 4000 && !(seen.highBit && seen.leadingZero && seen.plain); n++) {
      const data = Buffer.from(`message ${n}`);
      const p1363 = sign(hash, data, { key, dsaEncoding: 'ieee-p1363' });
      const half = p1363.length / 2;
      for (const first of [p1363[0]!, p1363[half]!]) {
        if (first === 0) seen.leadingZero = true;
        else if (first & 0x80) seen.highBit = true;
        else seen.plain = true;
      }
      const der = ecdsaRawToDer(p1363);
      assert.ok(verify(hash, data, { key: publicKey, dsaEncoding: 'der' }, der), `signature ${n} (${p1363.toString('hex')})`);
      assert.equal(ecdsaRawToDer(p1363), der);
    }
    assert.equal(seen, { highBit: true, leadingZero: true, plain: true });
  });
}

test.run();
