/**
 * Who signs a role, as a draft edit: keys in the delegating role's key ring, `@handle`s in
 * `x-tuf-on-ci-keyowner`, invitations in `.signing-event-state` for signers whose key is not
 * known yet. Pure.
 */
import { GitTufError } from '../errors.js';
import { computeKeyid } from '../tuf/keys.js';
import type { JsonObject, RoleKeys } from '../tuf/metadata.js';
import type { TufKey } from '../signers/signer.js';
import { setOwn, type Draft } from './draft.js';

const OWNER_FIELD = 'x-tuf-on-ci-keyowner';
const ONLINE_URI_FIELD = 'x-tuf-on-ci-online-uri';

/** A key entry as tuf-on-ci stores it for an offline signer. */
export function ownedKeyEntry(key: TufKey, handle: string): JsonObject {
  return { keytype: key.keytype, scheme: key.scheme, keyval: { public: key.keyval.public }, [OWNER_FIELD]: handle.toLowerCase() };
}

export function onlineKeyEntry(key: TufKey, uri: string): JsonObject {
  return { keytype: key.keytype, scheme: key.scheme, keyval: { public: key.keyval.public }, [ONLINE_URI_FIELD]: uri };
}

/** The key ring and keyids/threshold entry that decide who signs `role`. */
export function authorityOf(draft: Draft, role: string): { ring: Record<string, JsonObject>; keys: RoleKeys; holder: string } {
  if (role === 'root' || role === 'targets' || role === 'snapshot' || role === 'timestamp') {
    const root = draft.root();
    return { ring: root.keys, keys: root.roles[role], holder: 'root' };
  }
  const link = draft.delegations().get(role);
  if (!link) throw new GitTufError('usage', `no role delegates ${role}`, { hint: 'create it first with git tuf delegate EVENT ROLE --signers …' });
  const delegations = draft.targets(link.delegator).delegations!;
  const entry = delegations.roles.find((candidate) => candidate.name === role)!;
  return { ring: delegations.keys, keys: entry, holder: link.delegator };
}

function ownerOf(entry: JsonObject | undefined): string | undefined {
  const owner = entry?.[OWNER_FIELD];
  return typeof owner === 'string' ? owner.toLowerCase() : undefined;
}

/** The role's signers: handles with a key in it, and handles invited to it. */
export function signersOf(draft: Draft, role: string): { keyed: string[]; invited: string[]; online: boolean } {
  const { ring, keys } = authorityOf(draft, role);
  const keyed: string[] = [];
  let online = false;
  for (const keyid of keys.keyids) {
    const owner = ownerOf(ring[keyid]);
    if (owner && !keyed.includes(owner)) keyed.push(owner);
    if (typeof ring[keyid]?.[ONLINE_URI_FIELD] === 'string') online = true;
  }
  const invited = [...draft.invites].filter(([, roles]) => roles.includes(role)).map(([handle]) => handle);
  return { keyed, invited, online };
}

export interface SignerChange {
  /** The whole list of signers the role must have. */
  signers: string[];
  /** The caller: their key is added directly instead of inviting them. */
  caller: { handle: string; key: () => Promise<TufKey> } | null;
  /** Signers whose current key is replaced (they are invited again; the caller's new key is added). */
  rotate?: string[];
}

/** Drops keys that no role of the ring uses any more. */
export function pruneRing(ring: Record<string, JsonObject>, users: RoleKeys[]): void {
  const used = new Set(users.flatMap((role) => role.keyids));
  for (const keyid of Object.keys(ring)) if (!used.has(keyid)) delete ring[keyid];
}

function ringUsers(draft: Draft, holder: string): RoleKeys[] {
  if (holder === 'root') return Object.values(draft.root().roles);
  return draft.targets(holder).delegations?.roles ?? [];
}

/** Sets the role's signers; returns whether its keys changed. */
export async function setSigners(draft: Draft, role: string, change: SignerChange): Promise<boolean> {
  const { ring, keys, holder } = authorityOf(draft, role);
  const before = JSON.stringify(keys.keyids);
  const wanted = change.signers.map((handle) => handle.toLowerCase());
  const rotate = new Set((change.rotate ?? []).map((handle) => handle.toLowerCase()));
  for (const handle of rotate) {
    if (!wanted.includes(handle)) throw new GitTufError('usage', `cannot rotate the key of ${handle}: not a signer of ${role}`, { hint: `${role}'s signers: ${wanted.join(', ')}` });
  }
  keys.keyids = keys.keyids.filter((keyid) => {
    const owner = ownerOf(ring[keyid]);
    return owner !== undefined && wanted.includes(owner) && !rotate.has(owner);
  });
  const keyed = new Set(keys.keyids.map((keyid) => ownerOf(ring[keyid])));
  for (const handle of wanted) {
    if (keyed.has(handle)) continue;
    if (change.caller && change.caller.handle.toLowerCase() === handle) {
      const entry = ownedKeyEntry(await change.caller.key(), handle);
      const keyid = computeKeyid(entry);
      setOwn(ring, keyid, entry);
      if (!keys.keyids.includes(keyid)) keys.keyids.push(keyid);
      removeInvite(draft, handle, role);
      continue;
    }
    const known = rotate.has(handle) ? undefined : Object.keys(ring).find((keyid) => ownerOf(ring[keyid]) === handle);
    if (known) {
      keys.keyids.push(known);
      continue;
    }
    const invited = draft.invites.get(handle) ?? [];
    if (!invited.includes(role)) draft.invites.set(handle, [...invited, role]);
  }
  for (const [handle] of draft.invites) if (!wanted.includes(handle)) removeInvite(draft, handle, role);
  pruneRing(ring, ringUsers(draft, holder));
  const changed = JSON.stringify(keys.keyids) !== before;
  // The role itself must be re-signed by its new signers (root is the holder of its own keys).
  if (changed && role !== 'root' && role !== 'snapshot' && role !== 'timestamp' && draft.has(role)) draft.renew(role);
  return changed;
}

export function removeInvite(draft: Draft, handle: string, role: string): void {
  const roles = draft.invites.get(handle);
  if (roles) draft.invites.set(handle, roles.filter((name) => name !== role));
}

/** An online role (or online delegated role): one key, threshold 1, no owners or invitations. */
export function setOnlineKey(draft: Draft, role: string, entry: JsonObject): void {
  const { ring, keys, holder } = authorityOf(draft, role);
  const keyid = computeKeyid(entry);
  setOwn(ring, keyid, entry);
  const changed = JSON.stringify(keys.keyids) !== JSON.stringify([keyid]);
  keys.keyids = [keyid];
  keys.threshold = 1;
  for (const [handle] of draft.invites) removeInvite(draft, handle, role);
  pruneRing(ring, ringUsers(draft, holder));
  if (changed && role !== 'snapshot' && role !== 'timestamp' && draft.has(role)) draft.renew(role);
}

/** Checks and sets the threshold against the role's signers (keys plus invitations). */
export function setThreshold(draft: Draft, role: string, threshold: number | undefined): { warning: string | null } {
  const { keys } = authorityOf(draft, role);
  const next = threshold ?? keys.threshold;
  const { keyed, invited, online } = signersOf(draft, role);
  const count = online ? keys.keyids.length : keyed.length + invited.length;
  if (!Number.isSafeInteger(next) || next < 1) throw new GitTufError('usage', `the threshold of ${role} must be at least 1, not ${next}`, { hint: 'pass --threshold N with N ≥ 1' });
  if (next > count) {
    throw new GitTufError('usage', `the threshold of ${role} would be ${next}, but it has only ${count} signer${count === 1 ? '' : 's'}`, { hint: 'add signers (--signers) or lower --threshold' });
  }
  keys.threshold = next;
  const who = count === 1 ? 'has a single signer' : `needs all ${count} of its signers`;
  const warning = !online && next === count ? `${role} ${who}: one lost key would lock the role` : null;
  return { warning };
}
