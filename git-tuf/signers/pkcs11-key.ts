/**
 * The TUF public key of a PKCS#11 key from its attributes: CKA_KEY_TYPE, CKA_EC_PARAMS (the
 * curve) and CKA_EC_POINT (the point, which PKCS#11 wraps in a DER OCTET STRING, though some
 * tokens return it bare). Only what TUF signs with: ECDSA P-256/P-384 and Ed25519.
 */
import { GitTufError } from '../errors.js';
import { tufKeyFromSpki, type TufKey } from './signer.js';

export const CKK_RSA = 0x0;
export const CKK_EC = 0x3;
/** Not exported by pkcs11js. */
export const CKK_EC_EDWARDS = 0x40;

const OID_EC_PUBLIC_KEY = Buffer.from('06072a8648ce3d0201', 'hex');
const OID_ED25519 = Buffer.from('06032b6570', 'hex');
// Older tokens (SoftHSM, OpenSC) name the Edwards curve with a PrintableString instead of an OID.
const PRINTABLE_ED25519 = Buffer.concat([Buffer.from([0x13, 12]), Buffer.from('edwards25519')]);
const EC_CURVES = new Map([
  ['06082a8648ce3d030107', { name: 'P-256', size: 32 }],
  ['06052b81040022', { name: 'P-384', size: 48 }],
  ['06052b81040023', { name: 'P-521', size: 66 }],
  ['06052b8104000a', { name: 'secp256k1', size: 32 }],
]);

export function tufKeyFromAttributes(keyType: number, params: Buffer | undefined, point: Buffer | undefined): TufKey {
  const unsupported = (what: string): GitTufError =>
    new GitTufError('key', `${what} keys on PKCS#11 tokens are not supported`, { hint: 'use an ECDSA P-256/P-384 or Ed25519 key' });
  if (keyType === CKK_RSA) throw unsupported('RSA');
  if (keyType !== CKK_EC && keyType !== CKK_EC_EDWARDS) throw unsupported(`key type 0x${keyType.toString(16)}`);
  if (params === undefined || point === undefined) {
    throw new GitTufError('key', 'the token does not reveal the public key (no CKA_EC_PARAMS/CKA_EC_POINT)');
  }
  let spki: Buffer;
  if (keyType === CKK_EC_EDWARDS) {
    if (!params.equals(OID_ED25519) && !params.equals(PRINTABLE_ED25519)) throw unsupported('Edwards-curve keys other than Ed25519 (e.g. Ed448)');
    spki = der(0x30, der(0x30, OID_ED25519), bitString(unwrapPoint(point, [32])));
  } else {
    const curve = EC_CURVES.get(params.toString('hex'));
    if (curve === undefined) throw unsupported(`ECDSA (curve ${params.toString('hex')})`);
    spki = der(0x30, der(0x30, OID_EC_PUBLIC_KEY, params), bitString(unwrapPoint(point, [1 + 2 * curve.size, 1 + curve.size])));
  }
  try {
    return tufKeyFromSpki(spki);
  } catch (error) {
    if (error instanceof GitTufError) throw error;
    throw new GitTufError('key', `the token's public key is not a valid point (${(error as Error).message})`, { cause: error });
  }
}

/** The bare point: CKA_EC_POINT is a DER OCTET STRING per the standard, but some tokens omit it. */
function unwrapPoint(value: Buffer, lengths: number[]): Buffer {
  const inner = octetString(value);
  if (inner !== undefined && lengths.includes(inner.length)) return inner;
  if (lengths.includes(value.length)) return value;
  throw new GitTufError('key', `the token's CKA_EC_POINT (${value.length} bytes) is not a point of the key's curve`);
}

/** The content of a DER OCTET STRING that spans all of `value`, if it is one. */
function octetString(value: Buffer): Buffer | undefined {
  if (value[0] !== 0x04 || value.length < 2) return undefined;
  let length = value[1]!;
  let start = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 2 || value.length < 2 + count) return undefined;
    length = value.readUIntBE(2, count);
    start = 2 + count;
  }
  return start + length === value.length ? value.subarray(start) : undefined;
}

function bitString(content: Buffer): Buffer {
  return der(0x03, Buffer.from([0]), content);
}

function der(tag: number, ...parts: Buffer[]): Buffer {
  const content = Buffer.concat(parts);
  const n = content.length;
  const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, content]);
}
