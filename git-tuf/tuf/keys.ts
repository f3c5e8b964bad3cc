import { constants, createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { GitTufError } from '../errors.js';
import { canonicalJson, isPlainObject } from './canonical.js';

export interface PublicKey {
  /** The keyid it is listed under. */
  readonly keyid: string;
  readonly keytype: string;
  readonly scheme: string;
  /** `x-tuf-on-ci-keyowner`, e.g. "@jku". */
  readonly owner: string | undefined;
  /** `x-tuf-on-ci-online-uri`, e.g. "gcpkms:projects/…". */
  readonly onlineUri: string | undefined;
  /** sha256 hex of the key's SPKI DER: the same public key under two keyids has one identity,
   *  so thresholds count keys, not keyids. */
  readonly identity: string;
  /** true only if sigHex is a valid signature over data; never throws (malformed hex/DER -> false). */
  verify(data: Buffer, sigHex: string): boolean;
}

/** The keyid TUF derives: sha256 of the canonical JSON of the whole key object, extra fields included. */
export function computeKeyid(key: unknown): string {
  return createHash('sha256').update(canonicalJson(key)).digest('hex');
}

type Verifier = (data: Buffer, sig: Buffer) => boolean;

const EC_SCHEMES = new Map([
  ['ecdsa-sha2-nistp256', { curve: 'prime256v1', jwkCurve: 'P-256', size: 32, hash: 'sha256' }],
  ['ecdsa-sha2-nistp384', { curve: 'secp384r1', jwkCurve: 'P-384', size: 48, hash: 'sha384' }],
  ['ecdsa-sha2-nistp521', { curve: 'secp521r1', jwkCurve: 'P-521', size: 66, hash: 'sha512' }],
]);
const RSA_SCHEMES = new Map([
  ['rsassa-pss-sha224', { hash: 'sha224', pss: true }],
  ['rsassa-pss-sha256', { hash: 'sha256', pss: true }],
  ['rsassa-pss-sha384', { hash: 'sha384', pss: true }],
  ['rsassa-pss-sha512', { hash: 'sha512', pss: true }],
  ['rsa-pkcs1v15-sha224', { hash: 'sha224', pss: false }],
  ['rsa-pkcs1v15-sha256', { hash: 'sha256', pss: false }],
  ['rsa-pkcs1v15-sha384', { hash: 'sha384', pss: false }],
  ['rsa-pkcs1v15-sha512', { hash: 'sha512', pss: false }],
]);
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Validates a key object as stored in root or delegations metadata and makes it usable. */
export function parsePublicKey(keyid: string, key: unknown): PublicKey {
  const name = /^[0-9a-f]+$/.test(keyid) ? keyid.slice(0, 8) : q(keyid);
  const fail = (problem: string): GitTufError => new GitTufError('key', `key ${name}: ${problem}`);
  if (typeof key !== 'object' || key === null || Array.isArray(key) || !isPlainObject(key)) {
    throw fail('not a JSON object');
  }
  const fields = key as Record<string, unknown>;
  const { keytype, scheme, keyval } = fields;
  if (typeof keytype !== 'string') throw fail('keytype is not a string');
  if (typeof scheme !== 'string') throw fail('scheme is not a string');
  if (typeof keyval !== 'object' || keyval === null || Array.isArray(keyval)) throw fail('keyval is not an object');
  const pub = (keyval as Record<string, unknown>)['public'];
  if (typeof pub !== 'string') throw fail('keyval.public is not a string');
  const owner = optionalString(fields, 'x-tuf-on-ci-keyowner', fail);
  const onlineUri = optionalString(fields, 'x-tuf-on-ci-online-uri', fail);
  // Every root version lists the same few keys again: import each public key once per process.
  const cacheKey = `${keytype}\0${scheme}\0${pub}`;
  let material = importedKeys.get(cacheKey);
  if (!material) {
    material = importMaterial(keytype, scheme, pub, fail);
    importedKeys.set(cacheKey, material);
  }
  const { check, identity } = material;
  return {
    keyid,
    keytype,
    scheme,
    owner,
    onlineUri,
    identity,
    verify(data: Buffer, sigHex: string): boolean {
      if (typeof sigHex !== 'string' || sigHex === '' || !HEX.test(sigHex)) return false;
      try {
        return check(data, Buffer.from(sigHex, 'hex'));
      } catch {
        return false;
      }
    },
  };
}

interface KeyMaterial {
  check: Verifier;
  identity: string;
}

const importedKeys = new Map<string, KeyMaterial>();

function importMaterial(keytype: string, scheme: string, pub: string, fail: (problem: string) => GitTufError): KeyMaterial {
  let keyObject: KeyObject;
  let check: Verifier;
  if (keytype === 'ed25519') {
    if (scheme !== 'ed25519') throw fail(`unknown scheme ${q(scheme)} for keytype "ed25519"`);
    if (!/^[0-9a-fA-F]{64}$/.test(pub)) throw fail('ed25519 public key is not 64 hex characters');
    keyObject = importKey(() => createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(pub) }, format: 'jwk' }), fail);
    check = (data, sig) => verify(null, data, keyObject, sig);
  } else if (keytype === 'ecdsa' || EC_SCHEMES.has(keytype)) {
    const ec = EC_SCHEMES.get(scheme);
    if (ec === undefined) throw fail(`unknown scheme ${q(scheme)} for keytype ${q(keytype)}`);
    // The older keytypes name their scheme (securesystemslib accepts no other pairing).
    if (keytype !== 'ecdsa' && keytype !== scheme) throw fail(`keytype ${q(keytype)} does not match scheme ${q(scheme)}`);
    if (pub.startsWith('-----')) {
      keyObject = importPem(pub, fail);
    } else {
      // go-tuf era: hex of the uncompressed point 04 || x || y.
      if (!HEX.test(pub) || pub.length !== 2 + 4 * ec.size || !/^04/.test(pub)) {
        throw fail(`public key is neither PEM nor a hex uncompressed ${ec.jwkCurve} point`);
      }
      const x = b64url(pub.slice(2, 2 + 2 * ec.size));
      const y = b64url(pub.slice(2 + 2 * ec.size));
      keyObject = importKey(() => createPublicKey({ key: { kty: 'EC', crv: ec.jwkCurve, x, y }, format: 'jwk' }), fail);
    }
    if (keyObject.asymmetricKeyType !== 'ec') throw fail(`public key is ${keyObject.asymmetricKeyType ?? 'unknown'}, not ec`);
    const curve = keyObject.asymmetricKeyDetails?.namedCurve;
    if (curve !== ec.curve) throw fail(`public key is on curve ${curve ?? 'unknown'}, but scheme ${q(scheme)} needs ${ec.curve}`);
    check = (data, sig) => verify(ec.hash, data, { key: keyObject, dsaEncoding: 'der' }, sig);
  } else if (keytype === 'rsa') {
    const rsa = RSA_SCHEMES.get(scheme);
    if (rsa === undefined) throw fail(`unknown scheme ${q(scheme)} for keytype "rsa"`);
    keyObject = importPem(pub, fail);
    if (keyObject.asymmetricKeyType !== 'rsa') throw fail(`public key is ${keyObject.asymmetricKeyType ?? 'unknown'}, not rsa`);
    // Signers use salt length = digest length; verifiers (python-tuf via securesystemslib, tuf-js)
    // accept any salt length (PSS.AUTO), and so must we, or we would reject what they accept.
    const options = rsa.pss
      ? { key: keyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }
      : { key: keyObject, padding: constants.RSA_PKCS1_PADDING };
    check = (data, sig) => verify(rsa.hash, data, options, sig);
  } else {
    throw fail(`unknown keytype ${q(keytype)}`);
  }

  const identity = createHash('sha256').update(keyObject.export({ type: 'spki', format: 'der' })).digest('hex');
  return { check, identity };
}

function optionalString(fields: Record<string, unknown>, name: string, fail: (problem: string) => GitTufError): string | undefined {
  const value = fields[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw fail(`${name} is not a string`);
  return value;
}

function importKey(load: () => KeyObject, fail: (problem: string) => GitTufError): KeyObject {
  let keyObject: KeyObject;
  try {
    keyObject = load();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw fail(`cannot read the public key (${reason})`);
  }
  return keyObject;
}

// createPublicKey would quietly derive a public key from a private one: accept public PEM only.
const PUBLIC_PEM = /^-----BEGIN (?:RSA )?PUBLIC KEY-----\r?\n/;

function importPem(pem: string, fail: (problem: string) => GitTufError): KeyObject {
  if (!PUBLIC_PEM.test(pem)) throw fail('keyval.public is not a PEM public key');
  return importKey(() => createPublicKey({ key: pem, format: 'pem' }), fail);
}

/** Quotes a string from metadata for a message, escaping control characters. */
function q(s: string): string {
  return JSON.stringify(s);
}

function b64url(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64url');
}
