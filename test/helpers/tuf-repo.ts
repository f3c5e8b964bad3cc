/**
 * Builds signed TUF repositories in the tuf-on-ci layout with throwaway keys, for tests, the demo
 * repository and the benchmark. A `RepoModel` holds the `signed` parts and who signs them; `files()`
 * serializes and signs everything, so a test can change one thing and get a consistent repository,
 * or tamper with the bytes afterwards.
 */
import { constants, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../../git-tuf/tuf/canonical.js';
import { formatMetadata } from '../../git-tuf/tuf/json.js';
import { computeKeyid } from '../../git-tuf/tuf/keys.js';

export type KeyKind = 'ecdsa-p256' | 'ecdsa-p384' | 'ed25519' | 'rsa';
export type Json = Record<string, unknown>;

export interface TestKey {
  kind: KeyKind;
  keyid: string;
  /** The key object as stored in metadata. */
  entry: Json;
  privateKey: KeyObject;
}

const SCHEMES: Record<KeyKind, { keytype: string; scheme: string }> = {
  'ecdsa-p256': { keytype: 'ecdsa', scheme: 'ecdsa-sha2-nistp256' },
  'ecdsa-p384': { keytype: 'ecdsa', scheme: 'ecdsa-sha2-nistp384' },
  ed25519: { keytype: 'ed25519', scheme: 'ed25519' },
  rsa: { keytype: 'rsa', scheme: 'rsassa-pss-sha256' },
};

function generate(kind: KeyKind): KeyObject {
  switch (kind) {
    case 'ecdsa-p256':
      return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    case 'ecdsa-p384':
      return generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey;
    case 'ed25519':
      return generateKeyPairSync('ed25519').privateKey;
    case 'rsa':
      return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  }
}

/** A key in the form tuf-on-ci stores it: ed25519 as hex, others as PEM. */
export function testKey(kind: KeyKind, extra: { owner?: string; onlineUri?: string } = {}, privateKey = generate(kind)): TestKey {
  const publicKey = createPublicKey(privateKey);
  const { keytype, scheme } = SCHEMES[kind];
  const entry: Json = {
    keytype,
    keyval: { public: kind === 'ed25519' ? ed25519Hex(publicKey) : publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    scheme,
  };
  if (extra.owner) entry['x-tuf-on-ci-keyowner'] = extra.owner;
  if (extra.onlineUri) entry['x-tuf-on-ci-online-uri'] = extra.onlineUri;
  return { kind, keyid: computeKeyid(entry), entry, privateKey };
}

/** The raw 32-byte ed25519 key is the tail of its SPKI DER. */
function ed25519Hex(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return der.subarray(der.length - 32).toString('hex');
}

/** Loads a PKCS#8 PEM private key (the demo keys) as a TestKey. */
export function loadTestKey(kind: KeyKind, pem: string, extra: { owner?: string; onlineUri?: string } = {}): TestKey {
  return testKey(kind, extra, createPrivateKey(pem));
}

export function signBytes(key: TestKey, payload: Buffer): string {
  const hash = key.kind === 'ecdsa-p384' ? 'sha384' : key.kind === 'ed25519' ? null : 'sha256';
  const options =
    key.kind === 'rsa'
      ? { key: key.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
      : key.kind === 'ed25519'
        ? key.privateKey
        : { key: key.privateKey, dsaEncoding: 'der' as const };
  return cryptoSign(hash, payload, options).toString('hex');
}

/** A metadata document: signatures by `signers`, empty placeholders for `placeholders`. */
export function signDocument(signed: Json, signers: TestKey[], placeholders: TestKey[] = []): Json {
  const payload = canonicalJson(signed);
  const signatures = signers.map((key) => ({ keyid: key.keyid, sig: signBytes(key, payload) }));
  for (const key of placeholders) if (!signers.includes(key)) signatures.push({ keyid: key.keyid, sig: '' });
  return { signatures, signed };
}

export interface RoleModel {
  signed: Json;
  signers: TestKey[];
  /** Keys that get an empty placeholder signature (tuf-on-ci lists every expected key). */
  placeholders: TestKey[];
}

export interface ModelOptions {
  rootKeys: TestKey[];
  rootThreshold?: number;
  targetsKeys?: TestKey[];
  targetsThreshold?: number;
  onlineKey: TestKey;
  expires?: string;
  artifacts?: Record<string, string | Buffer>;
  delegations?: { name: string; keys: TestKey[]; threshold?: number; paths?: string[]; terminating?: boolean }[];
}

const periods = (expiry: number, signing: number): Json => ({ 'x-tuf-on-ci-expiry-period': expiry, 'x-tuf-on-ci-signing-period': signing });

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function targetEntry(content: Buffer | string): Json {
  const bytes = Buffer.from(content);
  return { hashes: { sha256: sha256(bytes) }, length: bytes.length };
}

/** A whole repository: root history, roles, artifacts. Mutate the parts, then call files(). */
export class RepoModel {
  /** Every root version in order; the last is root.json. */
  roots: RoleModel[] = [];
  roles = new Map<string, RoleModel>();
  artifacts = new Map<string, Buffer>();
  /** When false, snapshot and timestamp are written as they are instead of recomputed. */
  autoSnapshot = true;

  constructor(options: ModelOptions) {
    const expires = options.expires ?? '2099-01-01T00:00:00Z';
    const keyEntries = (keys: TestKey[]): Json => Object.fromEntries(keys.map((key) => [key.keyid, key.entry]));
    const targetsKeys = options.targetsKeys ?? options.rootKeys;
    const roleKeys = (keys: TestKey[], threshold: number, extra: Json = {}): Json => ({ keyids: keys.map((key) => key.keyid), threshold, ...extra });
    this.roots.push({
      signed: {
        _type: 'root',
        consistent_snapshot: true,
        expires,
        keys: keyEntries([...new Set([...options.rootKeys, ...targetsKeys, options.onlineKey])]),
        roles: {
          root: roleKeys(options.rootKeys, options.rootThreshold ?? 1),
          snapshot: roleKeys([options.onlineKey], 1, periods(365, 60)),
          targets: roleKeys(targetsKeys, options.targetsThreshold ?? 1),
          timestamp: roleKeys([options.onlineKey], 1, periods(7, 6)),
        },
        spec_version: '1.0.31',
        version: 1,
        ...periods(365, 60),
      },
      signers: options.rootKeys,
      placeholders: options.rootKeys,
    });
    const delegations = options.delegations ?? [];
    const targets: Json = { _type: 'targets', expires, spec_version: '1.0.31', targets: {}, version: 1, ...periods(365, 60) };
    if (delegations.length > 0) {
      targets.delegations = {
        keys: keyEntries(delegations.flatMap((delegation) => delegation.keys)),
        roles: delegations.map((delegation) => ({
          keyids: delegation.keys.map((key) => key.keyid),
          name: delegation.name,
          paths: delegation.paths ?? [`${delegation.name}/*`, `${delegation.name}/*/*`, `${delegation.name}/*/*/*`, `${delegation.name}/*/*/*/*`],
          terminating: delegation.terminating ?? true,
          threshold: delegation.threshold ?? 1,
        })),
      };
    }
    this.roles.set('targets', { signed: targets, signers: targetsKeys, placeholders: targetsKeys });
    for (const delegation of delegations) {
      this.roles.set(delegation.name, {
        signed: { _type: 'targets', expires, spec_version: '1.0.31', targets: {}, version: 1, ...periods(365, 60) },
        signers: delegation.keys,
        placeholders: delegation.keys,
      });
    }
    this.roles.set('snapshot', { signed: { _type: 'snapshot', expires, meta: {}, spec_version: '1.0.31', version: 1 }, signers: [options.onlineKey], placeholders: [] });
    this.roles.set('timestamp', { signed: { _type: 'timestamp', expires, meta: {}, spec_version: '1.0.31', version: 1 }, signers: [options.onlineKey], placeholders: [] });
    for (const [path, content] of Object.entries(options.artifacts ?? {})) this.setArtifact(path, content);
  }

  get root(): RoleModel {
    return this.roots[this.roots.length - 1]!;
  }

  role(name: string): RoleModel {
    const role = name === 'root' ? this.root : this.roles.get(name);
    if (!role) throw new Error(`no role ${name} in the model`);
    return role;
  }

  /** Adds or replaces an artifact and its entry in the owning role (`<role>/…` if delegated). */
  setArtifact(path: string, content: string | Buffer): void {
    const bytes = Buffer.from(content);
    this.artifacts.set(path, bytes);
    const owner = path.includes('/') && this.roles.has(path.split('/')[0]!) ? path.split('/')[0]! : 'targets';
    (this.role(owner).signed.targets as Json)[path] = targetEntry(bytes);
  }

  /** A new root version (a deep copy of the current one, version + 1); returns it to edit. */
  newRoot(signers?: TestKey[]): RoleModel {
    const signed = structuredClone(this.root.signed);
    signed.version = (signed.version as number) + 1;
    const next: RoleModel = { signed, signers: signers ?? this.root.signers, placeholders: this.root.placeholders };
    this.roots.push(next);
    return next;
  }

  /** Serializes every role (signing it), root history included, plus the artifacts. */
  files(): Map<string, Buffer> {
    const files = new Map<string, Buffer>();
    const write = (role: RoleModel): Buffer => formatMetadata(signDocument(role.signed, role.signers, role.placeholders));
    for (const root of this.roots) files.set(`metadata/root_history/${root.signed.version}.root.json`, write(root));
    files.set('metadata/root.json', files.get(`metadata/root_history/${this.root.signed.version}.root.json`)!);
    for (const [name, role] of this.roles) {
      if (name === 'snapshot' || name === 'timestamp') continue;
      files.set(`metadata/${name}.json`, write(role));
    }
    if (this.autoSnapshot) {
      const snapshot = this.role('snapshot').signed;
      const meta = snapshot.meta as Json;
      for (const [name, role] of this.roles) {
        if (name !== 'snapshot' && name !== 'timestamp') meta[`${name}.json`] = { version: role.signed.version };
      }
      (this.role('timestamp').signed.meta as Json)['snapshot.json'] = { version: snapshot.version };
    }
    files.set('metadata/snapshot.json', write(this.role('snapshot')));
    files.set('metadata/timestamp.json', write(this.role('timestamp')));
    for (const [path, bytes] of this.artifacts) files.set(`targets/${path}`, bytes);
    return files;
  }
}
