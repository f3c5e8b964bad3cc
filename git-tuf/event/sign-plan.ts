/**
 * Which signatures one signer owes a signing event, and how a signature goes into a metadata
 * file. Pure: the signer's key comes in as a TUF key, the event and known good as states.
 */
import { GitTufError } from '../errors.js';
import { canonicalJson } from '../tuf/canonical.js';
import { formatMetadata } from '../tuf/json.js';
import { computeKeyid, parsePublicKey } from '../tuf/keys.js';
import type { Metadata, RootSigned, Signature } from '../tuf/metadata.js';
import type { Authority } from '../tuf/verify.js';
import { authoritiesFor, isOnlineRole } from '../repo/check-repository.js';
import { rootAuthority } from '../repo/roles.js';
import { roleMetadata, type RepositoryState } from '../repo/state.js';
import type { TufKey } from '../signers/signer.js';

export interface SignatureTask {
  role: string;
  /** The metadata file to sign, e.g. `metadata/root.json`. */
  file: string;
  /** Every keyid this signer's key is listed under in the authorities of the role. */
  keyids: string[];
  /** Exactly the bytes to sign: the canonical form of `signed`. */
  payload: Buffer;
  signed: unknown;
  version: number;
}

/** The authorities an event's version of `role` must satisfy (root: known good's root and its own). */
export function eventAuthorities(event: RepositoryState, knownGood: RepositoryState, role: string): Authority[] {
  if (role === 'root') {
    const root = roleMetadata<'root'>(event, 'root');
    const trusted = roleMetadata<'root'>(knownGood, 'root');
    if (!root) return [];
    const own = rootAuthority(root as Metadata<RootSigned>, 'root', `root v${root.signed.version}`);
    return trusted ? [rootAuthority(trusted as Metadata<RootSigned>, 'root', `root v${trusted.signed.version}`), own] : [own];
  }
  const authorities = authoritiesFor(event, role);
  return typeof authorities === 'string' ? [] : authorities;
}

/** The public-key identity of a signer's key (the same key under any keyid has one). */
export function identityOf(key: TufKey): string {
  return parsePublicKey(computeKeyid(key), key).identity;
}

/**
 * The roles this signer still has to sign in the event: roles the event adds or changes, that are
 * signed offline, where the signer's key is expected under some keyid and has not signed yet.
 */
export function signatureTasks(event: RepositoryState, knownGood: RepositoryState, signerKey: TufKey, changedRoles: string[]): SignatureTask[] {
  const identity = identityOf(signerKey);
  const tasks: SignatureTask[] = [];
  for (const role of changedRoles) {
    const metadata = roleMetadata(event, role);
    if (!metadata || isOnlineRole(event, role)) continue;
    const keyids = new Set<string>();
    for (const authority of eventAuthorities(event, knownGood, role)) {
      for (const keyid of authority.role.keyids) {
        const key = authority.ring.get(keyid);
        if (key && !(key instanceof GitTufError) && key.identity === identity) keyids.add(keyid);
      }
    }
    if (keyids.size === 0) continue;
    const payload = canonicalJson(metadata.signed);
    const pending = [...keyids].filter((keyid) => {
      const existing = metadata.signatures.find((signature) => signature.keyid === keyid);
      const key = parsePublicKey(keyid, signerKey);
      return !existing || !key.verify(payload, existing.sig);
    });
    if (pending.length > 0) tasks.push({ role, file: metadata.file, keyids: pending, payload, signed: metadata.signed, version: metadata.signed.version });
  }
  return tasks;
}

/**
 * The file's new bytes with each signature in place: a placeholder or stale entry under the same
 * keyid is replaced where it stands (the order of signatures is kept), a new keyid is appended.
 */
export function withSignatures(metadata: Metadata, signatures: readonly Signature[]): Buffer {
  const document = structuredClone(metadata.document);
  const entries = document.signatures as Signature[];
  for (const { keyid, sig } of signatures) {
    const entry = entries.find((existing) => existing.keyid === keyid);
    if (entry) entry.sig = sig;
    else entries.push({ keyid, sig });
  }
  return formatMetadata(document);
}
