/**
 * Accepting invitations, as a draft edit: the invitee's key goes into the ring of each role they
 * are invited to (root's for root and targets, the delegator's for a delegated role), with
 * `x-tuf-on-ci-keyowner`, and the invitation is cleared. The roles whose signers changed get a new
 * version like any other edit. Pure.
 */
import { GitTufError } from '../errors.js';
import type { TufKey } from '../signers/signer.js';
import { computeKeyid } from '../tuf/keys.js';
import { setOwn, type Draft } from './draft.js';
import { authorityOf, ownedKeyEntry, removeInvite } from './signers.js';

export interface Acceptance {
  handle: string;
  keyid: string;
  roles: string[];
}

export function acceptInvitations(draft: Draft, handle: string, key: TufKey): Acceptance {
  const roles = [...(draft.invites.get(handle) ?? [])];
  if (roles.length === 0) throw new GitTufError('usage', `${handle} has no open invitation in this event`);
  const entry = ownedKeyEntry(key, handle);
  const keyid = computeKeyid(entry);
  for (const role of roles) {
    const { ring, keys } = authorityOf(draft, role);
    setOwn(ring, keyid, entry);
    if (!keys.keyids.includes(keyid)) keys.keyids.push(keyid);
    removeInvite(draft, handle, role);
    if (role !== 'root' && draft.has(role)) draft.renew(role);
  }
  return { handle, keyid, roles };
}
