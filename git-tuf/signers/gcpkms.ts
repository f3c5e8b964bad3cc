/**
 * `gcpkms:` keys: a Cloud KMS CryptoKeyVersion (`gcpkms:projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N`),
 * as tuf-on-ci names online keys. Credentials are Google's ambient ones (application default
 * credentials, a workload identity, the metadata server). Every request carries a CRC32C of what it
 * sends and every response's CRC32C is checked: KMS documents this as the way to detect corruption.
 */
import { createHash } from 'node:crypto';
import { GitTufError } from '../errors.js';
import { crc32c } from './crc32c.js';
import { tufKeyFromSpki, type Signer, type TufKey } from './signer.js';

/**
 * For tests and emulators only: `host:port` of a KMS endpoint spoken to in plaintext gRPC, without
 * Google credentials. Unset, the client uses KMS itself with TLS and ambient credentials.
 */
export const ENDPOINT_VARIABLE = 'GIT_TUF_GCPKMS_ENDPOINT';

/** The digest each KMS algorithm signs, by algorithm name; Ed25519 signs the data itself. */
const DIGESTS: Record<string, 'sha256' | 'sha384' | null> = {
  EC_SIGN_P256_SHA256: 'sha256',
  EC_SIGN_P384_SHA384: 'sha384',
  RSA_SIGN_PSS_2048_SHA256: 'sha256',
  RSA_SIGN_PSS_3072_SHA256: 'sha256',
  RSA_SIGN_PSS_4096_SHA256: 'sha256',
  EC_SIGN_ED25519: null,
};

interface Int64Value {
  value?: number | string | { toString(): string } | null;
}

interface KmsClient {
  getPublicKey(request: { name: string }): Promise<[{ pem?: string | null; pemCrc32c?: Int64Value | null; algorithm?: string | number | null; name?: string | null }]>;
  asymmetricSign(request: Record<string, unknown>): Promise<[{ signature?: Uint8Array | null; signatureCrc32c?: Int64Value | null; verifiedDigestCrc32c?: boolean | null; verifiedDataCrc32c?: boolean | null; name?: string | null }]>;
  close(): Promise<void>;
}

function checksum(value: Int64Value | null | undefined): number | null {
  const raw = value?.value;
  return raw === undefined || raw === null ? null : Number(raw.toString());
}

function kmsError(name: string, error: unknown): GitTufError {
  const message = (error as Error).message?.split('\n')[0] ?? String(error);
  return new GitTufError('key', `Cloud KMS refused ${name}: ${message}`, {
    hint: 'check the key name and that the ambient Google credentials may use it (gcloud auth application-default login, or the CI workload identity)',
    cause: error,
  });
}

export function keyVersionName(uri: string): string {
  const name = uri.slice('gcpkms:'.length);
  if (!/^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+\/cryptoKeyVersions\/[^/]+$/.test(name)) {
    throw new GitTufError('usage', `"${uri}" is not a Cloud KMS key version`, { hint: 'write gcpkms:projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N' });
  }
  return name;
}

async function createClient(): Promise<KmsClient> {
  let kms: typeof import('@google-cloud/kms');
  try {
    kms = await import('@google-cloud/kms');
  } catch (error) {
    throw new GitTufError('key', 'the Cloud KMS client (@google-cloud/kms) is not installed', { hint: 'install git-tuf with its optional dependencies', cause: error });
  }
  const endpoint = process.env[ENDPOINT_VARIABLE];
  if (!endpoint) return new kms.KeyManagementServiceClient() as unknown as KmsClient;
  const match = /^([^:]+):(\d+)$/.exec(endpoint);
  if (!match) throw new GitTufError('usage', `${ENDPOINT_VARIABLE} is "${endpoint}", not host:port`, { hint: 'unset it to use Cloud KMS itself' });
  // The credentials must come from the grpc-js instance the client uses.
  const { grpc } = await import('google-gax');
  return new kms.KeyManagementServiceClient({
    apiEndpoint: match[1]!,
    port: Number(match[2]),
    sslCreds: grpc.credentials.createInsecure(),
    universeDomain: 'googleapis.com',
  }) as unknown as KmsClient;
}

class GcpKmsSigner implements Signer {
  constructor(
    private readonly client: KmsClient,
    private readonly name: string,
    private readonly digest: 'sha256' | 'sha384' | null,
    readonly publicKey: TufKey,
  ) {}

  async sign(payload: Buffer): Promise<Buffer> {
    const request: Record<string, unknown> = { name: this.name };
    if (this.digest === null) Object.assign(request, { data: payload, dataCrc32c: { value: crc32c(payload) } });
    else {
      const digest = createHash(this.digest).update(payload).digest();
      Object.assign(request, { digest: { [this.digest]: digest }, digestCrc32c: { value: crc32c(digest) } });
    }
    let response;
    try {
      [response] = await this.client.asymmetricSign(request);
    } catch (error) {
      throw kmsError(this.name, error);
    }
    const verified = this.digest === null ? response.verifiedDataCrc32c : response.verifiedDigestCrc32c;
    if (verified !== true) {
      throw new GitTufError('key', `Cloud KMS did not confirm the checksum of the request to ${this.name}: it may have been corrupted in transit`, { hint: 'run again' });
    }
    if (response.name !== this.name) {
      throw new GitTufError('key', `Cloud KMS answered a request to ${this.name} for ${response.name ?? 'no key version'}`, { hint: 'run again; report it if it persists' });
    }
    const signature = Buffer.from(response.signature ?? []);
    if (signature.length === 0 || checksum(response.signatureCrc32c) !== crc32c(signature)) {
      throw new GitTufError('key', `the signature from Cloud KMS for ${this.name} does not match its CRC32C: it was corrupted in transit`, { hint: 'run again' });
    }
    return signature;
  }
}

export interface GcpKmsSignerHandle {
  signer: Signer;
  close(): Promise<void>;
}

/** Opens the key version: fetches and checks its public key, so a wrong key is refused before signing. */
export async function openGcpKmsSigner(uri: string): Promise<GcpKmsSignerHandle> {
  const name = keyVersionName(uri);
  const client = await createClient();
  try {
    let publicKey;
    try {
      [publicKey] = await client.getPublicKey({ name });
    } catch (error) {
      throw kmsError(name, error);
    }
    const pem = publicKey.pem ?? '';
    if (pem === '' || checksum(publicKey.pemCrc32c) !== crc32c(Buffer.from(pem, 'utf8'))) {
      throw new GitTufError('key', `the public key from Cloud KMS for ${name} does not match its CRC32C: it was corrupted in transit`, { hint: 'run again' });
    }
    const algorithm = String(publicKey.algorithm);
    if (!Object.hasOwn(DIGESTS, algorithm)) {
      throw new GitTufError('key', `${name} uses ${algorithm}, which TUF cannot verify`, { hint: 'use EC_SIGN_P256_SHA256, EC_SIGN_P384_SHA384, EC_SIGN_ED25519 or RSA_SIGN_PSS_*_SHA256' });
    }
    const signer = new GcpKmsSigner(client, name, DIGESTS[algorithm]!, tufKeyFromSpki(pem));
    return { signer, close: () => client.close() };
  } catch (error) {
    await client.close();
    throw error;
  }
}
