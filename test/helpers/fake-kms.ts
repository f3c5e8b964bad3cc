/**
 * A small Cloud KMS on 127.0.0.1 for tests: the real `@google-cloud/kms` client talks gRPC to it
 * (no KMS emulator exists). It serves GetPublicKey and AsymmetricSign on the protos the client
 * ships, checks request CRC32Cs as KMS does, and signs precomputed digests as KMS does (Node's
 * crypto cannot: ECDSA through @noble/curves, RSA-PSS encoded here and raised with the raw key).
 */
import { constants, createHash, createPublicKey, privateEncrypt, randomBytes, sign as cryptoSign, type KeyObject } from 'node:crypto';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { p256, p384 } from '@noble/curves/nist.js';
import { crc32c } from '../../git-tuf/signers/crc32c.js';
import { projectRoot } from './cli.js';
import type { TestKey } from './tuf-repo.js';

const ALGORITHMS: Record<TestKey['kind'], string> = {
  'ecdsa-p256': 'EC_SIGN_P256_SHA256',
  'ecdsa-p384': 'EC_SIGN_P384_SHA384',
  ed25519: 'EC_SIGN_ED25519',
  rsa: 'RSA_SIGN_PSS_2048_SHA256',
};

/** What the fake does wrong on purpose, to prove the client side notices. */
export type Corruption = 'signature-crc' | 'pem-crc' | 'unverified-request' | null;

export interface FakeKms {
  /** `127.0.0.1:<port>`, for GIT_TUF_GCPKMS_ENDPOINT. */
  endpoint: string;
  /** Adds a key version; returns its `gcpkms:` URI. */
  addKey(name: string, key: TestKey): string;
  /** Requests received, by method. */
  calls: { method: string; name: string }[];
  corruption: Corruption;
  stop(): Promise<void>;
}

function mgf1(seed: Buffer, length: number): Buffer {
  const parts: Buffer[] = [];
  for (let counter = 0; parts.length * 32 < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    parts.push(createHash('sha256').update(seed).update(c).digest());
  }
  return Buffer.concat(parts).subarray(0, length);
}

/** RSASSA-PSS (SHA-256, salt = digest length) over a digest: EMSA-PSS encoding, then the raw RSA operation. */
function rsaPssSignDigest(key: KeyObject, digest: Buffer): Buffer {
  const modBits = key.asymmetricKeyDetails!.modulusLength!;
  const emLen = Math.ceil((modBits - 1) / 8);
  const salt = randomBytes(32);
  const h = createHash('sha256').update(Buffer.alloc(8)).update(digest).update(salt).digest();
  const db = Buffer.concat([Buffer.alloc(emLen - 32 - 32 - 2), Buffer.from([1]), salt]);
  const mask = mgf1(h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> (8 * emLen - (modBits - 1));
  const em = Buffer.concat([db, h, Buffer.from([0xbc])]);
  return privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, Buffer.concat([Buffer.alloc(modBits / 8 - emLen), em]));
}

function signFor(key: TestKey, request: { digest?: { sha256?: Buffer; sha384?: Buffer }; data?: Buffer }): Buffer {
  const secret = (): Uint8Array => Buffer.from(key.privateKey.export({ format: 'jwk' }).d!, 'base64url');
  switch (key.kind) {
    case 'ed25519':
      return cryptoSign(null, request.data!, key.privateKey);
    case 'ecdsa-p256':
      return Buffer.from(p256.sign(request.digest!.sha256!, secret(), { prehash: false, format: 'der', lowS: false }));
    case 'ecdsa-p384':
      return Buffer.from(p384.sign(request.digest!.sha384!, secret(), { prehash: false, format: 'der', lowS: false }));
    case 'rsa':
      return rsaPssSignDigest(key.privateKey, request.digest!.sha256!);
  }
}

const int64 = (value: number): { value: string } => ({ value: String(value) });

export async function startFakeKms(): Promise<FakeKms> {
  const kmsProtos = path.join(projectRoot, 'node_modules/@google-cloud/kms/build/protos');
  const gaxProtos = path.join(projectRoot, 'node_modules/google-gax/build/protos');
  const definition = await protoLoader.load('google/cloud/kms/v1/service.proto', {
    includeDirs: [kmsProtos, gaxProtos],
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as any;
  const keys = new Map<string, TestKey>();
  const server = new grpc.Server();
  const fake: FakeKms = {
    endpoint: '',
    calls: [],
    corruption: null,
    addKey(name, key) {
      keys.set(name, key);
      return `gcpkms:${name}`;
    },
    stop: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
  const notFound = (name: string): grpc.ServiceError => Object.assign(new Error(`CryptoKeyVersion ${name} not found`), { code: grpc.status.NOT_FOUND, details: `CryptoKeyVersion ${name} not found`, metadata: new grpc.Metadata() });
  server.addService(loaded.google.cloud.kms.v1.KeyManagementService.service, {
    GetPublicKey(call: any, callback: grpc.sendUnaryData<unknown>) {
      const name: string = call.request.name;
      fake.calls.push({ method: 'GetPublicKey', name });
      const key = keys.get(name);
      if (!key) return callback(notFound(name));
      const pem = createPublicKey(key.privateKey).export({ type: 'spki', format: 'pem' }).toString();
      const checksum = crc32c(Buffer.from(pem)) ^ (fake.corruption === 'pem-crc' ? 1 : 0);
      callback(null, { pem, pemCrc32c: int64(checksum >>> 0), algorithm: ALGORITHMS[key.kind], name, protectionLevel: 'HSM' });
    },
    AsymmetricSign(call: any, callback: grpc.sendUnaryData<unknown>) {
      const request = call.request;
      fake.calls.push({ method: 'AsymmetricSign', name: request.name });
      const key = keys.get(request.name);
      if (!key) return callback(notFound(request.name));
      const digest: Buffer | undefined = request.digest?.sha256 ?? request.digest?.sha384;
      const signed = key.kind === 'ed25519' ? request.data : digest;
      const claimed = key.kind === 'ed25519' ? request.dataCrc32c : request.digestCrc32c;
      if (!signed || signed.length === 0 || !claimed) {
        return callback(Object.assign(new Error('nothing to sign'), { code: grpc.status.INVALID_ARGUMENT, details: 'nothing to sign', metadata: new grpc.Metadata() }));
      }
      // KMS refuses a request whose checksum does not match what arrived.
      if (Number(claimed.value) !== crc32c(signed)) {
        return callback(Object.assign(new Error('checksum mismatch'), { code: grpc.status.INVALID_ARGUMENT, details: 'The checksum in field digest_crc32c did not match the data in field digest.', metadata: new grpc.Metadata() }));
      }
      const signature = signFor(key, request);
      const verified = fake.corruption !== 'unverified-request';
      callback(null, {
        signature,
        signatureCrc32c: int64((crc32c(signature) ^ (fake.corruption === 'signature-crc' ? 1 : 0)) >>> 0),
        verifiedDigestCrc32c: verified && key.kind !== 'ed25519',
        verifiedDataCrc32c: verified && key.kind === 'ed25519',
        name: request.name,
        protectionLevel: 'HSM',
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  fake.endpoint = `127.0.0.1:${port}`;
  return fake;
}
