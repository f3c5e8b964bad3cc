/**
 * What a signing event changes, role by role, in the terms a keyholder decides on: versions,
 * expiry, who signs with which threshold, which delegations appear, change or go. Pure: two
 * states in, plain data out (artifact changes come from the status report, re-hashed from git).
 */
import { GitTufError } from '../errors.js';
import { canonicalJson } from '../tuf/canonical.js';
import { sameJson } from '../tuf/json.js';
import type { JsonObject, RoleKeys, RootSigned, TargetsSigned } from '../tuf/metadata.js';
import { keyLabel, type KeyRing } from '../tuf/verify.js';
import { roleOrder } from '../repo/check-repository.js';
import { keyRing } from '../repo/roles.js';
import { roleMetadata, type RepositoryState } from '../repo/state.js';

export interface SignerSummary {
  threshold: number;
  /** Handles of the signers (or `key <short id>`), in metadata order. */
  signers: string[];
  terminating?: boolean;
  paths?: string[];
}

export interface DelegationChange {
  role: string;
  change: 'added' | 'modified' | 'removed';
  before: SignerSummary | null;
  after: SignerSummary | null;
}

export interface RoleReview {
  role: string;
  change: 'added' | 'modified' | 'deleted';
  version: { before: number | null; after: number | null };
  expires: { before: string | null; after: string | null };
  /** Roles this role delegates to (root: the top-level roles), where their keys or rules change. */
  delegations: DelegationChange[];
}

function summaryOf(ring: KeyRing, role: RoleKeys & { terminating?: boolean; paths?: string[] }): SignerSummary {
  const signers = role.keyids.map((keyid) => {
    const key = ring.get(keyid);
    return key === undefined || key instanceof GitTufError ? `key ${keyid.slice(0, 8)}` : keyLabel(key);
  });
  return {
    threshold: role.threshold,
    signers,
    ...(role.terminating === undefined ? {} : { terminating: role.terminating }),
    ...(role.paths === undefined ? {} : { paths: role.paths }),
  };
}

/** The roles a role delegates to, with what decides who signs them (keys as stored, not keyids). */
function delegatedRoles(state: RepositoryState, role: string): Map<string, { summary: SignerSummary; identity: string }> {
  const result = new Map<string, { summary: SignerSummary; identity: string }>();
  const metadata = roleMetadata(state, role);
  if (!metadata) return result;
  let keys: Record<string, JsonObject>;
  let entries: [string, RoleKeys & { terminating?: boolean; paths?: string[]; path_hash_prefixes?: string[] }][];
  if (role === 'root') {
    const signed = metadata.signed as RootSigned;
    keys = signed.keys;
    entries = Object.entries(signed.roles);
  } else {
    const delegations = (metadata.signed as TargetsSigned).delegations;
    if (!delegations) return result;
    keys = delegations.keys;
    entries = delegations.roles.map((entry) => [entry.name, entry]);
  }
  const ring = keyRing(keys);
  for (const [name, rules] of entries) {
    // Keyids are hashes of the keys: comparing the keys themselves catches a key swapped under its id.
    const identity = canonicalJson({ rules, keys: rules.keyids.map((keyid) => keys[keyid] ?? null) }).toString('utf8');
    result.set(name, { summary: summaryOf(ring, rules), identity });
  }
  return result;
}

export function reviewEvent(event: RepositoryState, knownGood: RepositoryState): RoleReview[] {
  const names = [...new Set([...roleOrder(event), ...roleOrder(knownGood)])];
  const reviews: RoleReview[] = [];
  for (const role of names) {
    const before = roleMetadata(knownGood, role);
    const after = roleMetadata(event, role);
    if (!before && !after) continue;
    if (before && after && before.bytes.equals(after.bytes)) continue;
    if (before && after && sameJson(before.signed, after.signed)) continue; // only signatures differ
    const beforeRoles = delegatedRoles(knownGood, role);
    const afterRoles = delegatedRoles(event, role);
    const delegations: DelegationChange[] = [];
    for (const [name, now] of afterRoles) {
      const then = beforeRoles.get(name);
      if (!then) delegations.push({ role: name, change: 'added', before: null, after: now.summary });
      else if (then.identity !== now.identity) delegations.push({ role: name, change: 'modified', before: then.summary, after: now.summary });
    }
    for (const [name, then] of beforeRoles) {
      if (!afterRoles.has(name)) delegations.push({ role: name, change: 'removed', before: then.summary, after: null });
    }
    reviews.push({
      role,
      change: !before ? 'added' : !after ? 'deleted' : 'modified',
      version: { before: before?.signed.version ?? null, after: after?.signed.version ?? null },
      expires: { before: before?.signed.expires ?? null, after: after?.signed.expires ?? null },
      delegations,
    });
  }
  return reviews;
}
