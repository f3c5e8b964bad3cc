/**
 * New versions of the online roles a plan names: version + 1, expiry = now + the role's expiry
 * period, snapshot listing every targets role (no entry ever dropped), timestamp listing the new
 * snapshot; each signed by the role's online keys and checked against them before it is returned.
 */
import { createHash } from 'node:crypto';
import { GitTufError } from '../errors.js';
import { authoritiesFor, roleOrder } from '../repo/check-repository.js';
import { roleFile, roleMetadata, type RepositoryState } from '../repo/state.js';
import type { Signer, TufKey } from '../signers/signer.js';
import { canonicalJson } from '../tuf/canonical.js';
import { expiresAfter } from '../tuf/expires.js';
import { formatMetadata } from '../tuf/json.js';
import { parsePublicKey } from '../tuf/keys.js';
import { parseMetadata, rolePeriods, type JsonObject, type MetaFile, type RootSigned, type Signed } from '../tuf/metadata.js';
import type { OnlineTask } from './online-plan.js';

export interface OnlineKey {
  keyid: string;
  key: TufKey & JsonObject;
  /** `x-tuf-on-ci-online-uri` as the key entry carries it. */
  uri: string | null;
}

export interface SignedRole {
  role: string;
  file: string;
  bytes: Buffer;
  version: number;
  expires: string;
  keyids: string[];
}

/** Finds the signer for one online key (the caller knows about URIs, overrides and caching). */
export type SignerFor = (key: OnlineKey, role: string) => Promise<Signer>;

/** The keys that sign `role` online, in the order its delegator lists them. */
export function onlineKeys(state: RepositoryState, role: string): OnlineKey[] {
  const authorities = authoritiesFor(state, role);
  if (typeof authorities === 'string') throw new GitTufError('format', `cannot sign ${role} online: ${authorities}`);
  const { role: keys, ring } = authorities[0]!;
  return keys.keyids.map((keyid) => {
    const key = (Object.hasOwn(ring.keys, keyid) ? ring.keys[keyid] : undefined) as (TufKey & JsonObject) | undefined;
    if (!key) throw new GitTufError('format', `${role} names key ${keyid.slice(0, 8)}, which its delegator does not list`, { hint: 'fix the delegation in a signing event' });
    const uri = key['x-tuf-on-ci-online-uri'];
    return { keyid, key, uri: typeof uri === 'string' ? uri : null };
  });
}

/** A listing entry for `bytes` at `version`, in the form the old entry had (version only, or with length and hashes). */
function metaEntry(previous: MetaFile | undefined, version: number, bytes: Buffer): MetaFile {
  const entry: MetaFile = { ...previous, version };
  if (previous?.length !== undefined) entry.length = bytes.length;
  if (previous?.hashes) {
    entry.hashes = Object.fromEntries(Object.keys(previous.hashes).map((algorithm) => {
      if (algorithm !== 'sha256' && algorithm !== 'sha512') throw new GitTufError('format', `the listing of a role uses the hash ${algorithm}, which git tuf cannot compute`);
      return [algorithm, createHash(algorithm).update(bytes).digest('hex')];
    }));
  }
  return entry;
}

function expiryDays(state: RepositoryState, role: string, signed: Signed): number {
  const days = rolePeriods(role, signed, roleMetadata<'root'>(state, 'root')?.signed as RootSigned | undefined).expiryDays;
  if (days === undefined) {
    const where = role === 'snapshot' || role === 'timestamp' ? `root.signed.roles.${role}` : `${role}.signed`;
    throw new GitTufError('format', `${where} has no x-tuf-on-ci-expiry-period, so the expiry of a new ${role} is unknown`, { hint: 'set it in a signing event' });
  }
  return days;
}

/** The `signed` of the next version of `role`; `current` gives the newest bytes of every role so far. */
export function nextSigned(state: RepositoryState, role: string, at: Date, current: (role: string) => { version: number; bytes: Buffer } | undefined): JsonObject {
  const existing = roleMetadata(state, role);
  const root = roleMetadata<'root'>(state, 'root')!;
  const signed: JsonObject = existing
    ? structuredClone(existing.signed as unknown as JsonObject)
    : { _type: role, spec_version: root.signed.spec_version, version: 0, expires: '', meta: {} };
  signed.version = (signed.version as number) + 1;
  signed.expires = expiresAfter(at, expiryDays(state, role, signed as unknown as Signed));
  const meta = signed.meta as Record<string, MetaFile> | undefined;
  if (role === 'snapshot') {
    for (const listed of roleOrder(state)) {
      if (listed === 'root' || listed === 'snapshot' || listed === 'timestamp') continue;
      const file = current(listed);
      if (file) meta![`${listed}.json`] = metaEntry(Object.hasOwn(meta!, `${listed}.json`) ? meta![`${listed}.json`] : undefined, file.version, file.bytes);
    }
  } else if (role === 'timestamp') {
    const snapshot = current('snapshot');
    if (!snapshot) throw new GitTufError('format', 'there is no snapshot for the timestamp to list');
    signed.meta = { 'snapshot.json': metaEntry(meta?.['snapshot.json'], snapshot.version, snapshot.bytes) };
  }
  return signed;
}

/** Signs the planned roles in order; each signature is verified against the key it is listed under. */
export async function signOnline(state: RepositoryState, tasks: OnlineTask[], at: Date, signerFor: SignerFor): Promise<SignedRole[]> {
  const signedRoles = new Map<string, SignedRole>();
  const current = (role: string): { version: number; bytes: Buffer } | undefined => {
    const fresh = signedRoles.get(role);
    if (fresh) return fresh;
    const metadata = roleMetadata(state, role);
    return metadata && { version: metadata.signed.version, bytes: metadata.bytes };
  };
  for (const { role } of tasks) {
    const signed = nextSigned(state, role, at, current);
    const payload = canonicalJson(signed);
    const keys = onlineKeys(state, role);
    const signatures: { keyid: string; sig: string }[] = [];
    for (const key of keys) {
      const signer = await signerFor(key, role);
      const sig = (await signer.sign(payload)).toString('hex');
      // A signer that answers for another key, or signs other bytes, is caught here, not by clients.
      if (!parsePublicKey(key.keyid, key.key).verify(payload, sig)) {
        throw new GitTufError('key', `the signature for ${role} by ${key.uri ?? key.keyid} does not verify against key ${key.keyid.slice(0, 8)}`, { hint: 'check that the key URI names the key listed in root' });
      }
      signatures.push({ keyid: key.keyid, sig });
    }
    const existing = roleMetadata(state, role);
    const document = existing ? structuredClone(existing.document) : {};
    document.signatures = signatures;
    document.signed = signed;
    const file = roleFile(role);
    const bytes = formatMetadata(document);
    const type = role === 'snapshot' || role === 'timestamp' ? role : 'targets';
    parseMetadata(bytes, file, type);
    signedRoles.set(role, { role, file, bytes, version: signed.version as number, expires: signed.expires as string, keyids: signatures.map((entry) => entry.keyid) });
  }
  return [...signedRoles.values()];
}
