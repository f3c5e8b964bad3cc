import { constants, createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Key, Metadata, MetadataKind } from '@tufjs/models';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GitTufError } from '../git-tuf/errors.js';
import { canonicalJson } from '../git-tuf/tuf/canonical.js';
import { computeKeyid, parsePublicKey } from '../git-tuf/tuf/keys.js';

// Compiled to dist/test/, so the fixtures are two levels up.
const FORMAT = fileURLToPath(new URL('../../test/fixtures/format/', import.meta.url));

type Json = Record<string, unknown>;
interface Signed {
  signatures: { keyid: string; sig: string }[];
  signed: Json & { keys?: Record<string, Json>; roles?: Record<string, { keyids: string[] }>; delegations?: { keys: Record<string, Json> } };
}
const load = (name: string): Signed => JSON.parse(readFileSync(FORMAT + name, 'utf8')) as Signed;

const ed = generateKeyPairSync('ed25519');
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 3072 });

const pem = (key: KeyObject): string => key.export({ type: 'spki', format: 'pem' }).toString();
const hexOf = (b64url: string | undefined): string => Buffer.from(b64url ?? '', 'base64url').toString('hex');

const edKey = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: hexOf(ed.publicKey.export({ format: 'jwk' }).x) } };
const p256Key = { keytype: 'ecdsa', scheme: 'ecdsa-sha2-nistp256', keyval: { public: pem(p256.publicKey) }, 'x-tuf-on-ci-keyowner': '@alice' };
const p384Key = { keytype: 'ecdsa', scheme: 'ecdsa-sha2-nistp384', keyval: { public: pem(p384.publicKey) } };
const rsaKey = (scheme: string): Json => ({ keytype: 'rsa', scheme, keyval: { public: pem(rsa.publicKey) } });

const data = canonicalJson({ _type: 'targets', version: 3, targets: { 'a.txt': { length: 1 } } });
const other = canonicalJson({ _type: 'targets', version: 4, targets: { 'a.txt': { length: 1 } } });
const hex = (signature: Buffer): string => signature.toString('hex');
const flip = (sigHex: string): string => sigHex.slice(0, -2) + (sigHex.endsWith('00') ? '01' : '00');

function keyError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.instance(error, GitTufError);
    assert.is((error as GitTufError).code, 'key');
    return (error as GitTufError).message;
  }
  return assert.unreachable('expected a GitTufError') as never;
}

test('ed25519: a signature over the data verifies; other data, a flipped byte or another key do not', () => {
  const key = parsePublicKey(computeKeyid(edKey), edKey);
  const sig = hex(sign(null, data, ed.privateKey));
  assert.ok(key.verify(data, sig));
  assert.ok(key.verify(data, sig.toUpperCase()), 'hex case does not matter');
  assert.not.ok(key.verify(other, sig));
  assert.not.ok(key.verify(data, flip(sig)));
  assert.not.ok(key.verify(data, hex(sign(null, data, generateKeyPairSync('ed25519').privateKey))));
});

test('ecdsa P-256: a DER signature verifies, raw r||s and tampered ones do not', () => {
  const key = parsePublicKey(computeKeyid(p256Key), p256Key);
  const der = hex(sign('sha256', data, p256.privateKey));
  assert.ok(key.verify(data, der));
  assert.not.ok(key.verify(other, der));
  assert.not.ok(key.verify(data, flip(der)));
  assert.not.ok(key.verify(data, hex(sign('sha256', data, { key: p256.privateKey, dsaEncoding: 'ieee-p1363' }))));
});

test('ecdsa P-384 is verified with SHA-384: a SHA-256 signature over P-384 does not verify', () => {
  const key = parsePublicKey(computeKeyid(p384Key), p384Key);
  assert.ok(key.verify(data, hex(sign('sha384', data, p384.privateKey))));
  assert.not.ok(key.verify(data, hex(sign('sha256', data, p384.privateKey))));
});

test('ecdsa P-521 (securesystemslib ecdsa-sha2-nistp521) is verified with SHA-512', () => {
  const p521Key = { keytype: 'ecdsa', scheme: 'ecdsa-sha2-nistp521', keyval: { public: pem(p521.publicKey) } };
  const key = parsePublicKey('k', p521Key);
  assert.ok(key.verify(data, hex(sign('sha512', data, p521.privateKey))));
  assert.not.ok(key.verify(data, hex(sign('sha256', data, p521.privateKey))));
});

test('go-tuf era ecdsa-sha2-nistp256 key with a hex point verifies and is the same key as its PEM form', () => {
  const jwk = p256.publicKey.export({ format: 'jwk' });
  const point = '04' + hexOf(jwk.x) + hexOf(jwk.y);
  assert.is(point.length, 130);
  const hexKey = { keytype: 'ecdsa-sha2-nistp256', scheme: 'ecdsa-sha2-nistp256', keyval: { public: point } };
  const key = parsePublicKey(computeKeyid(hexKey), hexKey);
  assert.ok(key.verify(data, hex(sign('sha256', data, p256.privateKey))));
  assert.is(key.identity, parsePublicKey('pem', p256Key).identity);
  // A point that is not on the curve is refused when the key is read.
  const offCurve = '04' + hexOf(jwk.x) + (hexOf(jwk.y).slice(0, -2) + (hexOf(jwk.y).endsWith('00') ? '01' : '00'));
  assert.match(keyError(() => parsePublicKey('ab', { ...hexKey, keyval: { public: offCurve } })), /^key ab: cannot read the public key/);
});

test('rsa: every pss and pkcs1v15 scheme verifies with its own hash and padding only', () => {
  const hashes = ['sha224', 'sha256', 'sha384', 'sha512'];
  for (const hash of hashes) {
    const pss = hex(sign(hash, data, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }));
    const pkcs1 = hex(sign(hash, data, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PADDING }));
    const pssKey = parsePublicKey('k', rsaKey(`rsassa-pss-${hash}`));
    const pkcs1Key = parsePublicKey('k', rsaKey(`rsa-pkcs1v15-${hash}`));
    assert.ok(pssKey.verify(data, pss), `pss ${hash}`);
    assert.ok(pkcs1Key.verify(data, pkcs1), `pkcs1 ${hash}`);
    assert.not.ok(pssKey.verify(data, pkcs1), `pkcs1 signature under pss ${hash}`);
    assert.not.ok(pkcs1Key.verify(data, pss), `pss signature under pkcs1 ${hash}`);
    assert.not.ok(pssKey.verify(other, pss));
    for (const wrong of hashes.filter((h) => h !== hash)) {
      assert.not.ok(parsePublicKey('k', rsaKey(`rsassa-pss-${wrong}`)).verify(data, pss), `pss ${hash} under ${wrong}`);
      assert.not.ok(parsePublicKey('k', rsaKey(`rsa-pkcs1v15-${wrong}`)).verify(data, pkcs1), `pkcs1 ${hash} under ${wrong}`);
    }
  }
});

test('rsa-pss accepts any salt length, as python-tuf (PSS.AUTO) and tuf-js do', () => {
  const key = parsePublicKey('k', rsaKey('rsassa-pss-sha256'));
  for (const saltLength of [0, 20, constants.RSA_PSS_SALTLEN_MAX_SIGN]) {
    const sig = hex(sign('sha256', data, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }));
    assert.ok(key.verify(data, sig), `salt length ${saltLength}`);
  }
});

test('a signature checked under another scheme or key type does not verify', () => {
  const edSig = hex(sign(null, data, ed.privateKey));
  const p256Sig = hex(sign('sha256', data, p256.privateKey));
  assert.not.ok(parsePublicKey('k', p256Key).verify(data, edSig));
  assert.not.ok(parsePublicKey('k', edKey).verify(data, p256Sig));
  assert.not.ok(parsePublicKey('k', p384Key).verify(data, p256Sig));
  assert.not.ok(parsePublicKey('k', rsaKey('rsassa-pss-sha256')).verify(data, p256Sig));
});

test('verify never throws on malformed signatures', () => {
  const keys = [parsePublicKey('k', edKey), parsePublicKey('k', p256Key), parsePublicKey('k', p384Key), parsePublicKey('k', rsaKey('rsassa-pss-sha256'))];
  const bad: unknown[] = ['', 'zz', 'abc', '30', '3006020101020101', 'ff'.repeat(600), ' 3045', '0x30', null, 42, undefined];
  for (const key of keys) {
    for (const sig of bad) assert.is(key.verify(data, sig as string), false, `${key.keytype} ${String(sig).slice(0, 10)}`);
  }
});

test('identity: the same public key under two keyids has one identity, other keys another', () => {
  const a = parsePublicKey('aaaa', p256Key);
  const b = parsePublicKey('bbbb', { ...p256Key, 'x-tuf-on-ci-keyowner': '@bob', keytype: 'ecdsa-sha2-nistp256' });
  assert.is(a.identity, b.identity);
  assert.is(a.identity, createHash('sha256').update(p256.publicKey.export({ type: 'spki', format: 'der' })).digest('hex'));
  assert.is.not(a.identity, parsePublicKey('c', p384Key).identity);
  assert.is.not(parsePublicKey('d', edKey).identity, a.identity);
  assert.match(a.identity, /^[0-9a-f]{64}$/);
});

test('parsePublicKey exposes keyid, keytype, scheme, owner and online URI', () => {
  const key = parsePublicKey('1234', { ...p256Key, 'x-tuf-on-ci-online-uri': 'gcpkms:projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1' });
  assert.is(key.keyid, '1234');
  assert.is(key.keytype, 'ecdsa');
  assert.is(key.scheme, 'ecdsa-sha2-nistp256');
  assert.is(key.owner, '@alice');
  assert.is(key.onlineUri, 'gcpkms:projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1');
  const plain = parsePublicKey('5678', edKey);
  assert.is(plain.owner, undefined);
  assert.is(plain.onlineUri, undefined);
});

test('parsePublicKey refuses malformed and unsupported keys, naming the keyid and the problem', () => {
  const id = '1a2b3c4d5e6f';
  assert.is(keyError(() => parsePublicKey(id, { ...edKey, keytype: 'foo' })), 'key 1a2b3c4d: unknown keytype "foo"');
  assert.is(keyError(() => parsePublicKey(id, { ...edKey, scheme: 'ecdsa-sha2-nistp256' })), 'key 1a2b3c4d: unknown scheme "ecdsa-sha2-nistp256" for keytype "ed25519"');
  assert.is(keyError(() => parsePublicKey(id, { ...p256Key, scheme: 'ecdsa-sha2-nistp999' })), 'key 1a2b3c4d: unknown scheme "ecdsa-sha2-nistp999" for keytype "ecdsa"');
  assert.is(keyError(() => parsePublicKey(id, rsaKey('rsassa-pss-md5'))), 'key 1a2b3c4d: unknown scheme "rsassa-pss-md5" for keytype "rsa"');
  assert.match(keyError(() => parsePublicKey(id, { ...p256Key, scheme: 'ecdsa-sha2-nistp384' })), /curve prime256v1, but scheme "ecdsa-sha2-nistp384" needs secp384r1/);
  assert.match(keyError(() => parsePublicKey(id, { ...p256Key, keytype: 'ecdsa-sha2-nistp384' })), /keytype "ecdsa-sha2-nistp384" does not match scheme "ecdsa-sha2-nistp256"/);
  assert.match(keyError(() => parsePublicKey(id, { ...p256Key, keyval: { public: pem(rsa.publicKey) } })), /is rsa, not ec/);
  assert.match(keyError(() => parsePublicKey(id, { ...rsaKey('rsassa-pss-sha256'), keyval: { public: pem(p256.publicKey) } })), /is ec, not rsa/);
  assert.match(keyError(() => parsePublicKey(id, { ...edKey, keyval: { public: 'abcd' } })), /not 64 hex characters/);
  assert.match(keyError(() => parsePublicKey(id, { ...p256Key, keyval: { public: 'beef' } })), /neither PEM nor a hex uncompressed P-256 point/);
  const privatePem = p256.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  assert.match(keyError(() => parsePublicKey(id, { ...p256Key, keyval: { public: privatePem } })), /not a PEM public key/);
  assert.match(keyError(() => parsePublicKey(id, { ...p256Key, keyval: { public: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' } })), /cannot read the public key/);
  assert.match(keyError(() => parsePublicKey(id, { keytype: 'ed25519', scheme: 'ed25519' })), /keyval is not an object/);
  assert.match(keyError(() => parsePublicKey(id, { ...edKey, keyval: { public: 5 } })), /keyval\.public is not a string/);
  assert.match(keyError(() => parsePublicKey(id, { ...edKey, keytype: 1 })), /keytype is not a string/);
  assert.match(keyError(() => parsePublicKey(id, { ...edKey, scheme: null })), /scheme is not a string/);
  assert.match(keyError(() => parsePublicKey(id, { ...edKey, 'x-tuf-on-ci-keyowner': ['@a'] })), /x-tuf-on-ci-keyowner is not a string/);
  assert.match(keyError(() => parsePublicKey(id, [edKey])), /not a JSON object/);
  assert.match(keyError(() => parsePublicKey(id, null)), /not a JSON object/);
  assert.is(keyError(() => parsePublicKey('x\ny', { ...edKey, keytype: 'a\u001b[31m' })), 'key "x\\ny": unknown keytype "a\\u001b[31m"');
});

test('computeKeyid is sha256 of the canonical key object, extra fields included', () => {
  assert.is(computeKeyid(edKey), createHash('sha256').update(canonicalJson(edKey)).digest('hex'));
  assert.is.not(computeKeyid(p256Key), computeKeyid({ ...p256Key, 'x-tuf-on-ci-keyowner': '@bob' }));
  const { 'x-tuf-on-ci-keyowner': _owner, ...bare } = p256Key;
  assert.is.not(computeKeyid(p256Key), computeKeyid(bare));
  assert.is(computeKeyid({ keyval: p256Key.keyval, scheme: p256Key.scheme, keytype: 'ecdsa', 'x-tuf-on-ci-keyowner': '@alice' }), computeKeyid(p256Key), 'field order does not matter');
});

test('computeKeyid reproduces the real keyids, except the known stale ones of roots 5-8', () => {
  const files = ['1.root.json', '5.root.json', '8.root.json', '9.root.json', '14.root.json', 'targets.json'];
  const mismatched = new Set<string>();
  let matched = 0;
  for (const name of files) {
    const { signed } = load(name);
    for (const [keyid, key] of Object.entries(signed.keys ?? signed.delegations?.keys ?? {})) {
      if (computeKeyid(key) === keyid) matched++;
      else mismatched.add(keyid.slice(0, 8));
    }
  }
  // Roots 5-8 list keys whose keyids were computed before the x-tuf-on-ci-* fields were added.
  assert.equal([...mismatched].sort(), ['5416a7a3', '762cb22c', 'afd6a6eb', 'b78c9e4f', 'c8e09a68', 'd7d2d47a']);
  assert.is(matched, 2 + 5 + 5 + 1);
  const stale = load('8.root.json').signed.keys?.['762cb22caca65de5e9b7b6baecb84ca989d337280ce6914b6440aea95769ad93'] ?? {};
  const { 'x-tuf-on-ci-keyowner': _owner, ...withoutOwner } = stale;
  assert.is(computeKeyid(withoutOwner), '762cb22caca65de5e9b7b6baecb84ca989d337280ce6914b6440aea95769ad93');
  assert.is(computeKeyid(stale), 'aa61e09f6af7662ac686cf0c6364079f63d3e7a86836684eeced93eace3acd81', 'the keyid root 9 lists it under');
});

/** Verifies every non-empty signature of `file` with the keys `keys` lists for `role`, returns `keyid: ok`. */
function checkReal(file: string, root: string, role: string): string[] {
  const metadata = load(file);
  const rootSigned = load(root).signed;
  const keys = role === 'delegated' ? (load('targets.json').signed.delegations?.keys ?? {}) : (rootSigned.keys ?? {});
  const allowed = role === 'delegated' ? Object.keys(keys) : (rootSigned.roles?.[role]?.keyids ?? []);
  const bytes = canonicalJson(metadata.signed);
  const results: string[] = [];
  for (const { keyid, sig } of metadata.signatures) {
    if (sig === '' || !allowed.includes(keyid)) continue;
    results.push(`${keyid.slice(0, 8)}: ${parsePublicKey(keyid, keys[keyid]).verify(bytes, sig)}`);
  }
  return results;
}

test('real signatures from root-signing-staging verify over canonicalJson(signed)', () => {
  assert.equal(checkReal('5.root.json', '5.root.json', 'root'), ['c8e09a68: true', '762cb22c: true']);
  assert.equal(checkReal('14.root.json', '14.root.json', 'root'), ['aa61e09f: true', '61f9609d: true']);
  assert.equal(checkReal('root.json', '14.root.json', 'root'), ['aa61e09f: true', '61f9609d: true']);
  assert.equal(checkReal('targets.json', '14.root.json', 'targets'), ['aa61e09f: true', '61f9609d: true']);
  assert.equal(checkReal('snapshot.json', '14.root.json', 'snapshot'), ['c3479007: true']);
  assert.equal(checkReal('timestamp.json', '14.root.json', 'timestamp'), ['c3479007: true']);
  assert.equal(checkReal('registry.npmjs.org.json', '14.root.json', 'delegated'), ['5e3a4021: true']);
  // Root 9 is signed by the same three keyholders twice: under root 8's stale keyids and its own.
  assert.equal(checkReal('9.root.json', '8.root.json', 'root'), ['762cb22c: true', 'd7d2d47a: true', 'b78c9e4f: true']);
  assert.equal(checkReal('9.root.json', '9.root.json', 'root'), ['aa61e09f: true', '61f9609d: true', '9471fbda: true']);
});

test('a real signature does not verify over altered bytes', () => {
  const { signed, signatures } = load('14.root.json');
  const first = signatures[0];
  assert.ok(first !== undefined);
  const key = parsePublicKey(first.keyid, signed.keys?.[first.keyid]);
  assert.ok(key.verify(canonicalJson(signed), first.sig));
  assert.not.ok(key.verify(canonicalJson({ ...signed, version: 15 }), first.sig));
  assert.not.ok(key.verify(Buffer.from(JSON.stringify(signed)), first.sig), 'signatures cover canonical bytes, not other encodings');
});

test('identities in real roots: none shared within root 5; root 8 and root 9 list the same keys under other keyids', () => {
  const identities = (name: string): Map<string, string> => {
    const keys = load(name).signed.keys ?? {};
    return new Map(Object.entries(keys).map(([keyid, key]) => [keyid.slice(0, 8), parsePublicKey(keyid, key).identity]));
  };
  const v5 = identities('5.root.json');
  assert.is(v5.size, 3);
  assert.is(new Set(v5.values()).size, 3, 'c8e09a68 (@-repo-import), 762cb22c (@jku) and the online key 5416a7a3 are three keys');
  const v8 = identities('8.root.json');
  const v9 = identities('9.root.json');
  const pairs = [['762cb22c', 'aa61e09f'], ['d7d2d47a', '61f9609d'], ['b78c9e4f', '9471fbda'], ['afd6a6eb', '0374a9e1'], ['5416a7a3', 'c3479007']];
  for (const [old, renamed] of pairs) {
    assert.ok(v8.get(old as string) !== undefined);
    assert.is(v8.get(old as string), v9.get(renamed as string), `${old} = ${renamed}`);
  }
});

test('cross-check with @tufjs/models: it accepts our ed25519, P-256 and RSA-PSS signatures and rejects tampering', () => {
  const cases: [Json, (bytes: Buffer) => Buffer][] = [
    [edKey, (bytes) => sign(null, bytes, ed.privateKey)],
    [p256Key, (bytes) => sign('sha256', bytes, p256.privateKey)],
    [rsaKey('rsassa-pss-sha256'), (bytes) => sign('sha256', bytes, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST })],
  ];
  for (const [keyJson, signer] of cases) {
    const keyid = computeKeyid(keyJson);
    const signed = { _type: 'targets', spec_version: '1.0', version: 2, expires: '2030-01-01T00:00:00Z', targets: { 'é/ü.txt': { length: 3, hashes: { sha256: 'ab'.repeat(32) } } } };
    const sig = hex(signer(canonicalJson(signed)));
    const ours = parsePublicKey(keyid, keyJson);
    const theirs = Key.fromJSON(keyid, keyJson as Parameters<typeof Key.fromJSON>[1]);
    const good = Metadata.fromJSON(MetadataKind.Targets, { signed, signatures: [{ keyid, sig }] });
    assert.ok(ours.verify(canonicalJson(signed), sig));
    theirs.verifySignature(good);
    const tampered = Metadata.fromJSON(MetadataKind.Targets, { signed: { ...signed, version: 3 }, signatures: [{ keyid, sig }] });
    assert.not.ok(ours.verify(canonicalJson({ ...signed, version: 3 }), sig));
    assert.throws(() => theirs.verifySignature(tampered));
  }
});

test.run();
