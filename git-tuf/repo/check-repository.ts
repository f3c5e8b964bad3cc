/**
 * Full verification of a repository state, as `status` does on `main`: the root chain, every
 * role against its delegator, snapshot and timestamp against what they list, the targets
 * metadata against `targets/`, and expiry at a given time.
 */
import { createHash } from 'node:crypto';
import { delegationTree } from '../tuf/delegation.js';
import type { MetaFile, Metadata, RootSigned, SnapshotSigned, TimestampSigned } from '../tuf/metadata.js';
import type { Authority } from '../tuf/verify.js';
import { ARTIFACT_HINTS, prepareArtifactCheck, targetsSignedOf, unreadableTargetsRoles, type ArtifactScope } from './artifacts.js';
import { problem, resultOf, sortProblems, type Problem, type RoleStatus } from './report.js';
import { checkRootChain } from './root-chain.js';
import { delegatedAuthority, expiryFacts, rootAuthority, roleStatus, unmetMessage, verifySignatures } from './roles.js';
import { roleFile, type RepositoryState } from './state.js';

export type RootChainStart = { fromVersion: number; trusted: Metadata<RootSigned> };

export interface RepositoryCheck {
  roles: RoleStatus[];
  /** Problems that belong to no single role (artifacts, stray files). */
  problems: Problem[];
  /** Every artifact matched its targets metadata, with no issue at all (artifact-match.ts remembers it). */
  artifactsMatch: boolean;
}

/** The roles of a state in display order: top-level first, then delegations in search order. */
export function roleOrder(state: RepositoryState): string[] {
  return ['root', 'targets', ...delegationTree(targetsSignedOf(state)).keys(), 'snapshot', 'timestamp'];
}

/** The authorities a role's metadata answers to in `state`, or a reason there are none. */
export function authoritiesFor(state: RepositoryState, role: string): Authority[] | string {
  const root = state.root?.metadata;
  if (!root) return 'metadata/root.json is missing or invalid';
  if (role === 'targets' || role === 'snapshot' || role === 'timestamp') return [rootAuthority(root, role, 'root')];
  const link = delegationTree(targetsSignedOf(state)).get(role);
  if (!link) return `no role delegates ${role}`;
  const delegator = targetsSignedOf(state)(link.delegator);
  const authority = delegator && delegatedAuthority(link.delegator, delegator, role);
  return authority ? [authority] : `${link.delegator} metadata is missing or invalid`;
}

export function isOnlineRole(state: RepositoryState, role: string): boolean {
  if (role === 'snapshot' || role === 'timestamp') return true;
  const authorities = authoritiesFor(state, role);
  if (typeof authorities === 'string') return false;
  // tuf-on-ci marks online keys with x-tuf-on-ci-online-uri; a role signed only by them is online.
  return authorities.every((authority) =>
    authority.role.keyids.length > 0 && authority.role.keyids.every((keyid) => typeof authority.ring.keys[keyid]?.['x-tuf-on-ci-online-uri'] === 'string'),
  );
}

export interface CheckOptions {
  /**
   * The online roles are about to be re-signed (publish): their signatures, expiry and listings
   * are not held against the state, nor is a missing snapshot or timestamp. Their structure is.
   */
  resigningOnline?: boolean;
  /**
   * Where verification of the root chain starts when its beginning is already known to verify
   * (the hooks remember verified chains); from version 1 when omitted.
   */
  rootChain?: RootChainStart;
  /**
   * The only artifact paths that can disagree with the metadata, the others being known to match
   * (artifact-match.ts); every artifact is matched when omitted.
   */
  artifactScope?: ArtifactScope;
}

function checkRole(state: RepositoryState, role: string, at: Date, options: CheckOptions): RoleStatus {
  const file = role === 'root' ? 'metadata/root.json' : roleFile(role);
  const entry = role === 'root' ? state.root : state.roles.get(role);
  const online = isOnlineRole(state, role);
  const resigned = online && options.resigningOnline === true;
  if (!entry && resigned && (role === 'snapshot' || role === 'timestamp')) return finish(roleStatus(role, file, undefined, undefined, undefined, online));
  if (!entry) {
    const status = roleStatus(role, file, undefined, undefined, undefined, online);
    status.problems.push(problem('error', `${file} is missing`, { role, file, hint: role === 'root' ? 'this is not a TUF repository yet: run git tuf init' : `restore it, or remove the delegation of ${role}` }));
    return finish(status);
  }
  if (entry.error) {
    const status = roleStatus(role, file, undefined, undefined, undefined, online);
    status.problems.push(problem('error', entry.error.message, { role, file, hint: entry.error.hint }));
    return finish(status);
  }
  const metadata = entry.metadata!;
  const root = state.root?.metadata as Metadata<RootSigned> | undefined;
  const facts = expiryFacts(role, metadata, root?.signed, at);

  let status: RoleStatus;
  if (role === 'root') {
    const chain = checkRootChain(state, options.rootChain);
    const current = chain.current ?? verifySignatures('root', metadata, [rootAuthority(metadata as Metadata<RootSigned>, 'root', 'root')]);
    status = roleStatus(role, file, metadata, facts, current, online);
    status.problems.unshift(...chain.problems);
  } else {
    const authorities = authoritiesFor(state, role);
    if (typeof authorities === 'string') {
      status = roleStatus(role, file, metadata, facts, undefined, online);
      status.problems.push(problem('error', `cannot verify ${file}: ${authorities}`, { role, file }));
      return finish(status);
    }
    if (resigned) return finish(roleStatus(role, file, metadata, facts, undefined, online));
    const outcome = verifySignatures(role, metadata, authorities);
    status = roleStatus(role, file, metadata, facts, outcome, online);
    if (!outcome.met) {
      status.problems.push(problem('error', unmetMessage(role, outcome.signers), { role, file, hint: online ? 'run git tuf publish to re-sign it online' : 'collect the missing signatures in a signing event' }));
    }
  }
  if (facts.expired) {
    status.problems.push(
      problem('error', `${role} expired at ${facts.expires}`, {
        role,
        file,
        hint: online ? 'run git tuf publish to re-sign it' : `renew ${role} in a signing event`,
      }),
    );
  }
  return finish(status);
}

function finish(status: RoleStatus): RoleStatus {
  status.problems = sortProblems(status.problems);
  status.result = resultOf(status.problems);
  return status;
}

/** Compares a snapshot/timestamp `meta` entry with the metadata it describes. */
function metaMismatch(listed: MetaFile, metadata: Metadata): string | null {
  if (listed.version !== metadata.signed.version) return `version ${listed.version}, but the file is version ${metadata.signed.version}`;
  if (listed.length !== undefined && listed.length !== metadata.bytes.length) return `length ${listed.length}, but the file has ${metadata.bytes.length} bytes`;
  for (const [algorithm, digest] of Object.entries(listed.hashes ?? {})) {
    if (algorithm !== 'sha256' && algorithm !== 'sha512') continue;
    if (createHash(algorithm).update(metadata.bytes).digest('hex') !== digest) return `a ${algorithm} that does not match the file`;
  }
  return null;
}

/** Snapshot lists every targets role at its current version; timestamp lists the snapshot. */
export function checkSnapshotAndTimestamp(state: RepositoryState, roles: Iterable<string>): Problem[] {
  const problems: Problem[] = [];
  const snapshot = state.roles.get('snapshot')?.metadata as Metadata<SnapshotSigned> | undefined;
  const timestamp = state.roles.get('timestamp')?.metadata as Metadata<TimestampSigned> | undefined;
  if (snapshot) {
    for (const role of roles) {
      if (role === 'root' || role === 'snapshot' || role === 'timestamp') continue;
      const metadata = state.roles.get(role)?.metadata;
      if (!metadata) continue;
      const name = `${role}.json`;
      const listed = Object.hasOwn(snapshot.signed.meta, name) ? snapshot.signed.meta[name] : undefined;
      const where = { role: 'snapshot', file: snapshot.file, hint: 'run git tuf publish to re-sign the snapshot' };
      if (!listed) problems.push(problem('error', `snapshot does not list ${name}`, where));
      else {
        const mismatch = metaMismatch(listed, metadata);
        if (mismatch) problems.push(problem('error', `snapshot lists ${name} with ${mismatch}`, where));
      }
    }
  }
  if (snapshot && timestamp) {
    const listed = timestamp.signed.meta['snapshot.json']!;
    const mismatch = metaMismatch(listed, snapshot);
    if (mismatch) problems.push(problem('error', `timestamp lists snapshot.json with ${mismatch}`, { role: 'timestamp', file: timestamp.file, hint: 'run git tuf publish to re-sign the timestamp' }));
  }
  return problems;
}

export function checkRepository(state: RepositoryState, at: Date, options: CheckOptions = {}): RepositoryCheck {
  return prepareFilesCheck(state, options)(checkRoles(state, at, options));
}

/** The part of checkRepository that needs no artifact digests: every role, and snapshot and timestamp against what they list. */
export function checkRoles(state: RepositoryState, at: Date, options: CheckOptions = {}): RoleStatus[] {
  const order = roleOrder(state);
  const roles = order.map((role) => checkRole(state, role, at, options));
  const byName = new Map(roles.map((status) => [status.name, status]));
  for (const found of options.resigningOnline ? [] : checkSnapshotAndTimestamp(state, order)) {
    const status = byName.get(found.role!)!;
    status.problems.push(found);
    finish(status);
  }
  return roles;
}

/**
 * The rest of checkRepository: artifacts against metadata, stray files. Prepared before the
 * artifacts are digested (prepareArtifactCheck); the result finishes it, given the roles' checks.
 */
export function prepareFilesCheck(state: RepositoryState, options: CheckOptions = {}): (roles: RoleStatus[]) => RepositoryCheck {
  const artifactIssues = unreadableTargetsRoles(state).length === 0 ? prepareArtifactCheck(state, options.artifactScope ?? state.scope) : null;
  return (roles) => {
    const problems: Problem[] = [];
    const issues = artifactIssues?.() ?? null;
    for (const issue of issues ?? []) {
      const level = issue.kind === 'shadowed' ? 'warning' : 'error';
      problems.push(problem(level, issue.message, { role: issue.role, file: `targets/${issue.path}`, hint: ARTIFACT_HINTS[issue.kind] }));
    }
    problems.push(...strayProblems(state, roleOrder(state)));
    return { roles, problems, artifactsMatch: issues !== null && issues.length === 0 };
  };
}

export function strayProblems(state: RepositoryState, order: string[]): Problem[] {
  const problems: Problem[] = [];
  for (const role of state.roles.keys()) {
    if (!order.includes(role)) problems.push(problem('warning', `${roleFile(role)} is not delegated by any role`, { role, file: roleFile(role), hint: 'remove the file if the role was deleted' }));
  }
  for (const file of state.strayFiles) problems.push(problem('warning', `${file} is not TUF metadata`, { file }));
  if (state.inviteError) problems.push(problem('error', state.inviteError.message, { file: 'metadata/.signing-event-state' }));
  return problems;
}
