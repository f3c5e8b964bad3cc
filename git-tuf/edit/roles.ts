/**
 * New role documents, periods and delegations, as tuf-on-ci lays them out. Pure.
 */
import { GitTufError } from '../errors.js';
import { roleNameProblem, targetPathProblem, type DelegatedRole, type RootSigned, type TargetsSigned } from '../tuf/metadata.js';
import type { Draft } from './draft.js';
import { authorityOf, pruneRing } from './signers.js';

const SPEC_VERSION = '1.0';
const EXPIRY_FIELD = 'x-tuf-on-ci-expiry-period';
const SIGNING_FIELD = 'x-tuf-on-ci-signing-period';

export interface Periods {
  expiryDays: number;
  signingDays: number;
}

/** tuf-on-ci's defaults (days). */
export const DEFAULT_PERIODS: Record<'root' | 'targets' | 'snapshot' | 'timestamp' | 'delegated', Periods> = {
  root: { expiryDays: 365, signingDays: 60 },
  targets: { expiryDays: 365, signingDays: 60 },
  delegated: { expiryDays: 365, signingDays: 60 },
  snapshot: { expiryDays: 365, signingDays: 60 },
  timestamp: { expiryDays: 2, signingDays: 1 },
};

export function checkPeriods(role: string, periods: Periods): void {
  for (const [what, days] of [['expiry', periods.expiryDays], ['signing', periods.signingDays]] as const) {
    if (!Number.isSafeInteger(days) || days < 1) {
      throw new GitTufError('usage', `the ${what} period of ${role} must be a whole number of days ≥ 1, not ${days}`, { hint: `pass --${what}-period DAYS` });
    }
  }
  if (periods.signingDays >= periods.expiryDays) {
    throw new GitTufError('usage', `the signing period of ${role} (${periods.signingDays} days) must be shorter than its expiry period (${periods.expiryDays} days)`, {
      hint: 'signing starts that many days before expiry: choose a smaller --signing-period',
    });
  }
}

/** A root with no signers yet; `finish` sets version and expiry. */
export function newRoot(periods: Periods): RootSigned {
  const empty = () => ({ keyids: [] as string[], threshold: 1 });
  return {
    _type: 'root',
    spec_version: SPEC_VERSION,
    version: 1,
    expires: '',
    consistent_snapshot: true,
    keys: {},
    roles: { root: empty(), targets: empty(), snapshot: empty(), timestamp: empty() },
    [EXPIRY_FIELD]: periods.expiryDays,
    [SIGNING_FIELD]: periods.signingDays,
  };
}

export function newTargets(periods: Periods): TargetsSigned {
  return { _type: 'targets', spec_version: SPEC_VERSION, version: 1, expires: '', targets: {}, [EXPIRY_FIELD]: periods.expiryDays, [SIGNING_FIELD]: periods.signingDays };
}

/** The role's current periods in the draft (online roles keep theirs in root). */
export function periodsOf(draft: Draft, role: string): Partial<Periods> {
  const holder = role === 'snapshot' || role === 'timestamp' ? draft.root().roles[role] : draft.signed(role);
  return { expiryDays: holder[EXPIRY_FIELD], signingDays: holder[SIGNING_FIELD] };
}

export function setPeriods(draft: Draft, role: string, periods: Periods): void {
  checkPeriods(role, periods);
  const holder = role === 'snapshot' || role === 'timestamp' ? draft.root().roles[role] : draft.signed(role);
  holder[EXPIRY_FIELD] = periods.expiryDays;
  holder[SIGNING_FIELD] = periods.signingDays;
}

/** Default delegation paths: the role's directory under targets/, four levels deep. */
export function defaultPaths(role: string): string[] {
  return [`${role}/*`, `${role}/*/*`, `${role}/*/*/*`, `${role}/*/*/*/*`];
}

export function checkRoleName(role: string): void {
  const problem = roleNameProblem(role);
  if (problem) throw new GitTufError('usage', `cannot delegate ${problem}`, { hint: 'choose another role name' });
}

/** Delegation path patterns must stay inside targets/ like target paths do. */
export function checkPaths(role: string, paths: readonly string[]): void {
  for (const pattern of paths) {
    const problem = targetPathProblem(pattern);
    if (problem) throw new GitTufError('usage', `the delegation path "${pattern}" of ${role} ${problem}`, { hint: 'use patterns relative to targets/, like pkgs/*' });
  }
}

/** Adds a delegated role under `delegator` with no signers yet, and its empty metadata. */
export function addDelegation(draft: Draft, delegator: string, role: string, periods: Periods, options: { paths?: string[]; terminating?: boolean }): void {
  checkRoleName(role);
  if (delegator !== 'targets' && !draft.delegations().has(delegator)) throw new GitTufError('usage', `there is no role ${delegator} to delegate ${role} from`, { hint: 'name an existing targets role with --delegator' });
  if (draft.delegations().has(role)) throw new GitTufError('usage', `${role} is delegated already`);
  if (options.paths) checkPaths(role, options.paths);
  const signed = draft.targets(delegator);
  signed.delegations ??= { keys: {}, roles: [] };
  const entry: DelegatedRole = { name: role, keyids: [], threshold: 1, terminating: options.terminating ?? true, paths: options.paths ?? defaultPaths(role) };
  signed.delegations.roles.push(entry);
  checkPeriods(role, periods);
  draft.create(role, newTargets(periods));
}

/** Changes paths or terminating of an existing delegation. */
export function setDelegationRules(draft: Draft, role: string, options: { paths?: string[]; terminating?: boolean }): void {
  const { keys } = authorityOf(draft, role);
  const entry = keys as DelegatedRole;
  if (options.paths) {
    checkPaths(role, options.paths);
    delete entry.path_hash_prefixes;
    entry.paths = options.paths;
  }
  if (options.terminating !== undefined) entry.terminating = options.terminating;
}

/** Removes a delegated role, its delegation and its now unused keys, and its invitations. */
export function removeDelegation(draft: Draft, role: string): void {
  const link = draft.delegations().get(role);
  if (!link) throw new GitTufError('usage', `no role delegates ${role}`, { hint: 'check the role name with git tuf status' });
  const own = draft.has(role) ? draft.targets(role).delegations?.roles ?? [] : [];
  if (own.length > 0) {
    throw new GitTufError('usage', `${role} still delegates to ${own.map((entry) => entry.name).join(', ')}`, { hint: 'remove those roles first' });
  }
  const delegations = draft.targets(link.delegator).delegations!;
  delegations.roles = delegations.roles.filter((entry) => entry.name !== role);
  pruneRing(delegations.keys, delegations.roles);
  if (delegations.roles.length === 0) delete (draft.targets(link.delegator) as { delegations?: unknown }).delegations;
  for (const [handle, roles] of draft.invites) draft.invites.set(handle, roles.filter((name) => name !== role));
  draft.remove(role);
}

