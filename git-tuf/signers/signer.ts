/**
 * What every key holder looks like to the rest of git tuf: a public key and a way to sign bytes.
 * Implementations (key files, PKCS#11 tokens, cloud KMS) are imported only when used.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { GitTufError } from '../errors.js';

/** The public part of a key as TUF metadata stores it. */
export interface TufKey {
  keytype: string;
  scheme: string;
  keyval: { public: string };
}

/**
 * A signer signs exactly the bytes it is given with one private key, per its key's scheme
 * (ECDSA: DER; Ed25519 and RSA-PSS: raw), and never exposes the private key.
 */
export interface Signer {
  readonly publicKey: TufKey;
  sign(payload: Buffer): Promise<Buffer>;
}

/** The TUF key for a public key, in the form tuf-on-ci writes (ed25519 as hex, others as PEM). */
export function tufKeyOf(publicKey: KeyObject): TufKey {
  const spki = (): string => publicKey.export({ type: 'spki', format: 'pem' }).toString();
  switch (publicKey.asymmetricKeyType) {
    case 'ed25519': {
      const der = publicKey.export({ type: 'spki', format: 'der' });
      return { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: der.subarray(der.length - 32).toString('hex') } };
    }
    case 'ec': {
      const curve = publicKey.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1') return { keytype: 'ecdsa', scheme: 'ecdsa-sha2-nistp256', keyval: { public: spki() } };
      if (curve === 'secp384r1') return { keytype: 'ecdsa', scheme: 'ecdsa-sha2-nistp384', keyval: { public: spki() } };
      throw new GitTufError('key', `ECDSA keys on curve ${curve ?? 'unknown'} are not supported`, { hint: 'use a P-256 or P-384 key' });
    }
    case 'rsa':
      return { keytype: 'rsa', scheme: 'rsassa-pss-sha256', keyval: { public: spki() } };
    default:
      throw new GitTufError('key', `${publicKey.asymmetricKeyType ?? 'unknown'} keys are not supported`, { hint: 'use an Ed25519, ECDSA P-256/P-384 or RSA key' });
  }
}

/** The TUF key for a PEM or DER SubjectPublicKeyInfo. */
export function tufKeyFromSpki(spki: Buffer | string): TufKey {
  return tufKeyOf(createPublicKey(typeof spki === 'string' ? spki : { key: spki, format: 'der', type: 'spki' }));
}

/** Raw r‖s (PKCS#11 and some KMSs) to the DER SEQUENCE TUF expects. */
export function ecdsaRawToDer(raw: Buffer): Buffer {
  if (raw.length % 2 !== 0 || raw.length === 0) throw new GitTufError('key', `an ECDSA signature of ${raw.length} bytes is not r‖s`);
  const integer = (bytes: Buffer): Buffer => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    let value = bytes.subarray(start);
    if (value[0]! & 0x80) value = Buffer.concat([Buffer.from([0]), value]);
    return Buffer.concat([Buffer.from([0x02, value.length]), value]);
  };
  const half = raw.length / 2;
  const body = Buffer.concat([integer(raw.subarray(0, half)), integer(raw.subarray(half))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}
