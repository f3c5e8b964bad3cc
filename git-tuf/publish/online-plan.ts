/**
 * Which online roles a publish must re-sign, and why. Pure: a repository state and a time in,
 * a list out. Delegated online roles come first, then snapshot (it lists them), then timestamp
 * (it lists snapshot), the order in which they must be signed.
 */
import { GitTufError } from '../errors.js';
import { authoritiesFor, checkSnapshotAndTimestamp, isOnlineRole, roleOrder } from '../repo/check-repository.js';
import { expiryFacts, verifySignatures } from '../repo/roles.js';
import { roleMetadata, type RepositoryState } from '../repo/state.js';
import type { Metadata, RootSigned, SnapshotSigned } from '../tuf/metadata.js';

export type SigningReason = 'missing' | 'unsigned' | 'expired' | 'signing period' | 'listing behind' | 'listed role re-signed';

export interface OnlineTask {
  role: string;
  reasons: SigningReason[];
}

/** Why `role` needs a new online version on its own account (not counting what it lists). */
function ownReasons(state: RepositoryState, role: string, at: Date): SigningReason[] {
  const metadata = roleMetadata(state, role);
  if (!metadata) return ['missing'];
  const reasons: SigningReason[] = [];
  const authorities = authoritiesFor(state, role);
  if (typeof authorities === 'string' || !verifySignatures(role, metadata, authorities).met) reasons.push('unsigned');
  const facts = expiryFacts(role, metadata, roleMetadata<'root'>(state, 'root')?.signed as RootSigned | undefined, at);
  if (facts.expired) reasons.push('expired');
  else if (facts.inSigningPeriod) reasons.push('signing period');
  return reasons;
}

/** A snapshot listing a role at a higher version than the file is a rollback: never re-sign over it. */
function refuseRollback(state: RepositoryState, roles: string[]): void {
  const snapshot = roleMetadata<'snapshot'>(state, 'snapshot') as Metadata<SnapshotSigned> | undefined;
  if (!snapshot) return;
  for (const role of roles) {
    const metadata = roleMetadata(state, role);
    const listed = Object.hasOwn(snapshot.signed.meta, `${role}.json`) ? snapshot.signed.meta[`${role}.json`] : undefined;
    if (metadata && listed && listed.version > metadata.signed.version) {
      throw new GitTufError('format', `snapshot lists ${role}.json at version ${listed.version}, but metadata/${role}.json is version ${metadata.signed.version}: a rollback`, {
        hint: `restore ${role} version ${listed.version} or later on main; publish never lowers a version`,
      });
    }
  }
}

export function planOnlineSigning(state: RepositoryState, at: Date): OnlineTask[] {
  const targetsRoles = roleOrder(state).filter((role) => role !== 'root' && role !== 'snapshot' && role !== 'timestamp');
  refuseRollback(state, targetsRoles);
  const tasks: OnlineTask[] = [];
  for (const role of targetsRoles) {
    if (!isOnlineRole(state, role)) continue;
    const reasons = ownReasons(state, role, at);
    if (reasons.length > 0) tasks.push({ role, reasons });
  }
  const listings = checkSnapshotAndTimestamp(state, targetsRoles);
  const snapshotReasons = ownReasons(state, 'snapshot', at);
  if (tasks.length > 0) snapshotReasons.push('listed role re-signed');
  else if (listings.some((found) => found.role === 'snapshot')) snapshotReasons.push('listing behind');
  if (snapshotReasons.length > 0) tasks.push({ role: 'snapshot', reasons: snapshotReasons });
  const timestampReasons = ownReasons(state, 'timestamp', at);
  if (snapshotReasons.length > 0) timestampReasons.push('listed role re-signed');
  else if (listings.some((found) => found.role === 'timestamp')) timestampReasons.push('listing behind');
  if (timestampReasons.length > 0) tasks.push({ role: 'timestamp', reasons: timestampReasons });
  return tasks;
}
