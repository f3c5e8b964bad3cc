/**
 * One `delegate` request applied to a draft: who signs a role, its threshold and periods, its
 * online key, its delegation rules, or its removal. Pure; the caller's key and the online key come
 * in already read.
 */
import { GitTufError } from '../errors.js';
import { handleProblem } from '../settings.js';
import type { JsonObject } from '../tuf/metadata.js';
import type { Draft } from './draft.js';
import { addDelegation, checkRoleName, DEFAULT_PERIODS, periodsOf, setDelegationRules, setPeriods, removeDelegation, type Periods } from './roles.js';
import { setOnlineKey, setSigners, setThreshold, signersOf, type SignerChange } from './signers.js';

export interface DelegateRequest {
  role: string;
  signers?: string[];
  /** Signers whose key is replaced by a new one (invited again, or the caller's configured key). */
  rotate?: string[];
  threshold?: number;
  expiryDays?: number;
  signingDays?: number;
  /** The online key entry (with x-tuf-on-ci-online-uri). */
  onlineKey?: JsonObject;
  paths?: string[];
  terminating?: boolean;
  /** Where a new delegated role is delegated from (default targets). */
  delegator?: string;
  remove?: boolean;
}

export interface DelegateOutcome {
  summary: string[];
  warnings: string[];
}

const TOP = new Set(['root', 'targets', 'snapshot', 'timestamp']);

export function checkHandles(handles: readonly string[]): void {
  for (const handle of handles) {
    const problem = handleProblem(handle);
    if (problem) throw new GitTufError('usage', problem, { hint: 'signers are forge handles: @alice,@bob' });
  }
  if (new Set(handles.map((handle) => handle.toLowerCase())).size !== handles.length) throw new GitTufError('usage', `a signer is listed twice in ${handles.join(',')}`);
}

function refuse(role: string, what: string): never {
  throw new GitTufError('usage', `${role} cannot have ${what}`, { hint: 'see git tuf delegate -h for what each kind of role takes' });
}

export async function applyDelegation(draft: Draft, request: DelegateRequest, caller: SignerChange['caller']): Promise<DelegateOutcome> {
  const { role } = request;
  const outcome: DelegateOutcome = { summary: [], warnings: [] };
  if (request.signers) checkHandles(request.signers);
  if (request.rotate) checkHandles(request.rotate);
  const online = role === 'snapshot' || role === 'timestamp';
  const delegated = !TOP.has(role);
  if (!delegated && (request.paths || request.terminating !== undefined || request.delegator || request.remove)) refuse(role, 'delegation paths, terminating, a delegator or removal');
  if (online && (request.signers || request.rotate || request.threshold !== undefined)) refuse(role, 'signers or a threshold (it is signed online: use --online-key)');
  if (role === 'root' && request.onlineKey) refuse(role, 'an online key');
  if (request.onlineKey && (request.signers || request.rotate)) throw new GitTufError('usage', `${role} cannot have both signers and an online key`, { hint: 'choose one' });

  if (delegated) {
    checkRoleName(role);
    if (request.remove) {
      removeDelegation(draft, role);
      outcome.summary.push(`remove ${role}`);
      return outcome;
    }
    const link = draft.delegations().get(role);
    if (!link) {
      if (!request.signers && !request.onlineKey) {
        throw new GitTufError('usage', `unknown role ${role}`, { hint: `create it by naming its signers: git tuf delegate EVENT ${role} --signers @a,@b` });
      }
      const defaults = DEFAULT_PERIODS.delegated;
      addDelegation(draft, request.delegator ?? 'targets', role, { expiryDays: request.expiryDays ?? defaults.expiryDays, signingDays: request.signingDays ?? defaults.signingDays }, request);
      outcome.summary.push(`delegate ${role} from ${request.delegator ?? 'targets'}`);
    } else {
      if (request.delegator && request.delegator !== link.delegator) throw new GitTufError('usage', `${role} is delegated by ${link.delegator}, not ${request.delegator}`, { hint: 'remove it and delegate it again to move it' });
      if (request.paths || request.terminating !== undefined) {
        setDelegationRules(draft, role, request);
        outcome.summary.push(`${role}: delegation rules`);
      }
    }
  } else if (request.remove) refuse(role, 'removal');

  if (request.expiryDays !== undefined || request.signingDays !== undefined) {
    const current = periodsOf(draft, role);
    const fallback: Periods = DEFAULT_PERIODS[delegated ? 'delegated' : (role as keyof typeof DEFAULT_PERIODS)];
    setPeriods(draft, role, { expiryDays: request.expiryDays ?? current.expiryDays ?? fallback.expiryDays, signingDays: request.signingDays ?? current.signingDays ?? fallback.signingDays });
    outcome.summary.push(`${role}: periods`);
  }
  if (request.onlineKey) {
    for (const name of online ? ['snapshot', 'timestamp'] : [role]) setOnlineKey(draft, name, request.onlineKey);
    outcome.summary.push(`${online ? 'snapshot, timestamp' : role}: online key ${String(request.onlineKey['x-tuf-on-ci-online-uri'])}`);
  }
  if (request.signers || request.rotate) {
    const signers = request.signers ?? (() => {
      const current = signersOf(draft, role);
      return [...current.keyed, ...current.invited];
    })();
    await setSigners(draft, role, { signers, caller, ...(request.rotate ? { rotate: request.rotate } : {}) });
    outcome.summary.push(`${role}: signers ${signers.join(', ')}${request.rotate ? ` (new key for ${request.rotate.join(', ')})` : ''}`);
  }
  if (!online) {
    const { warning } = setThreshold(draft, role, request.threshold);
    if (warning) outcome.warnings.push(warning);
    if (request.threshold !== undefined) outcome.summary.push(`${role}: threshold ${request.threshold}`);
  }
  return outcome;
}
