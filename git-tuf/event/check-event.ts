/**
 * A signing event: the changes on a `sign/*` branch against known good (its merge-base with
 * main). Changed roles must be version-bumped once, fresh and signed by their thresholds;
 * unchanged roles only matter where the event changed who may sign them.
 */
import type { ChangedFile } from '../git/repository.js';
import { DAY_MS } from '../tuf/expires.js';
import type { Metadata, RootSigned } from '../tuf/metadata.js';
import { ARTIFACT_HINTS, artifactChanges, checkArtifacts, unreadableTargetsRoles, type ArtifactIssue, type ArtifactScope } from '../repo/artifacts.js';
import { authoritiesFor, isOnlineRole, roleOrder, strayProblems } from '../repo/check-repository.js';
import { problem, resultOf, sortProblems, type ArtifactChange, type Change, type Problem, type RoleStatus } from '../repo/report.js';
import { checkRootChain, historyFile } from '../repo/root-chain.js';
import { expiryFacts, roleStatus, unmetMessage, verifySignatures } from '../repo/roles.js';
import { roleFile, type MetadataFile, type RepositoryState } from '../repo/state.js';

export interface EventCheck {
  roles: RoleStatus[];
  problems: Problem[];
  artifacts: ArtifactChange[];
  invitations: { signer: string; roles: string[] }[];
}

function entryOf(state: RepositoryState, role: string): MetadataFile | undefined {
  return role === 'root' ? state.root : state.roles.get(role);
}

function changeOf(event: RepositoryState, knownGood: RepositoryState, role: string): Change {
  const before = entryOf(knownGood, role);
  const after = entryOf(event, role);
  if (!before) return after ? 'added' : 'unchanged';
  if (!after) return 'deleted';
  return before.oid === after.oid ? 'unchanged' : 'modified';
}

/** The file whose change changes who may sign `role`. */
function delegatorFile(state: RepositoryState, role: string): string | undefined {
  if (role === 'root') return undefined;
  if (role === 'targets' || role === 'snapshot' || role === 'timestamp') return 'root';
  const authorities = authoritiesFor(state, role);
  return typeof authorities === 'string' ? undefined : authorities[0]!.label;
}

function checkChangedRole(event: RepositoryState, knownGood: RepositoryState, role: string, change: Change, at: Date): RoleStatus {
  const entry = entryOf(event, role)!;
  const file = entry.file;
  const online = isOnlineRole(event, role);
  const where = { role, file };
  if (entry.error) {
    const status = roleStatus(role, file, undefined, undefined, undefined, online);
    status.problems.push(problem('error', entry.error.message, { ...where, hint: entry.error.hint }));
    return status;
  }
  const metadata = entry.metadata!;
  const root = event.root?.metadata as Metadata<RootSigned> | undefined;
  const facts = expiryFacts(role, metadata, root?.signed, at);
  const knownGoodMetadata = entryOf(knownGood, role)?.metadata;
  const knownGoodVersion = knownGoodMetadata?.signed.version ?? null;
  const problems: Problem[] = [];
  let status: RoleStatus;

  if (role === 'snapshot' || role === 'timestamp') {
    status = roleStatus(role, file, metadata, facts, undefined, online);
    problems.push(problem('error', `the event changes ${file}; ${role} is signed online after the event is merged`, { ...where, hint: `restore ${file} from main` }));
  } else if (role === 'root') {
    const trusted = knownGood.root?.metadata as Metadata<RootSigned> | undefined;
    const expected = (trusted?.signed.version ?? 0) + 1;
    if (metadata.signed.version !== expected) {
      problems.push(problem('error', `root version is ${metadata.signed.version}; this event must make it exactly ${expected}`, { ...where, hint: 'root versions go up by one per signing event' }));
    }
    const chain = checkRootChain(event, trusted ? { fromVersion: expected, trusted, pendingVersion: metadata.signed.version } : { pendingVersion: metadata.signed.version });
    problems.push(...chain.problems);
    status = roleStatus(role, file, metadata, facts, chain.current, online);
    if (!event.rootHistory.has(metadata.signed.version)) {
      problems.push(problem('error', `${historyFile(metadata.signed.version)} is missing`, { ...where, hint: 'every root version is also kept in root_history' }));
    }
  } else {
    const authorities = authoritiesFor(event, role);
    if (typeof authorities === 'string') {
      status = roleStatus(role, file, metadata, facts, undefined, online);
      problems.push(problem('error', `cannot verify ${file}: ${authorities}`, where));
    } else {
      status = roleStatus(role, file, metadata, facts, verifySignatures(role, metadata, authorities), online);
    }
    if (knownGoodVersion !== null && metadata.signed.version <= knownGoodVersion) {
      problems.push(problem('error', `${role} version ${metadata.signed.version} does not go above known good version ${knownGoodVersion}`, { ...where, hint: `a changed role must be version ${knownGoodVersion + 1}` }));
    } else if (knownGoodVersion !== null && metadata.signed.version > knownGoodVersion + 1) {
      problems.push(problem('warning', `${role} version ${metadata.signed.version} skips versions (known good is ${knownGoodVersion})`, where));
    }
  }
  if (facts.expired) problems.push(problem('error', `${role} expires at ${facts.expires}, which is already past`, { ...where, hint: 'renew the expiry date (git tuf update)' }));
  else if (facts.expiryDays !== undefined && metadata.expires.getTime() > at.getTime() + (facts.expiryDays + 1) * DAY_MS) {
    problems.push(problem('warning', `${role} expires at ${facts.expires}, later than its ${facts.expiryDays}-day expiry period allows`, where));
  }
  status.problems = sortProblems([...status.problems, ...problems]);
  status.knownGoodVersion = knownGoodVersion;
  return status;
}

function artifactProblems(issues: ArtifactIssue[]): Problem[] {
  const problems: Problem[] = [];
  const outOfDate = new Map<string, ArtifactIssue[]>();
  for (const issue of issues) {
    if (issue.kind === 'unlisted' || issue.kind === 'differs' || issue.kind === 'no-file') {
      outOfDate.set(issue.role, [...(outOfDate.get(issue.role) ?? []), issue]);
    } else {
      const level = issue.kind === 'shadowed' ? 'warning' : 'error';
      problems.push(problem(level, issue.message, { role: issue.role, file: `targets/${issue.path}`, hint: ARTIFACT_HINTS[issue.kind] }));
    }
  }
  for (const [role, list] of outOfDate) {
    const shown = list.slice(0, 3).map((issue) => issue.path).join(', ');
    const more = list.length > 3 ? ` and ${list.length - 3} more` : '';
    problems.push(
      problem('action', `the ${role} metadata does not match targets/ yet (${shown}${more})`, {
        role,
        file: roleFile(role),
        hint: 'run git tuf update on the event branch to update it (CI does this on push)',
      }),
    );
  }
  return problems;
}

/**
 * `scope`: the artifact paths to match against metadata (see changedArtifacts); all when undefined.
 * `changedFiles`: the artifact files the event adds, changes or removes.
 */
export function checkEvent(event: RepositoryState, knownGood: RepositoryState, at: Date, scope: ArtifactScope | undefined, changedFiles: readonly ChangedFile[]): EventCheck {
  const order = roleOrder(event);
  for (const role of roleOrder(knownGood)) if (!order.includes(role)) order.push(role);
  const changes = new Map(order.map((role) => [role, changeOf(event, knownGood, role)]));
  const roles: RoleStatus[] = [];

  for (const role of order) {
    const change = changes.get(role)!;
    // A new repository's first event has no snapshot or timestamp yet: publish makes them.
    if (change === 'unchanged' && !entryOf(event, role)) continue;
    let status: RoleStatus;
    if (change === 'added' || change === 'modified') {
      status = checkChangedRole(event, knownGood, role, change, at);
    } else if (change === 'deleted') {
      const previous = entryOf(knownGood, role)!;
      status = roleStatus(role, previous.file, undefined, undefined, undefined, false);
      status.knownGoodVersion = previous.metadata?.signed.version ?? null;
    } else {
      status = checkUnchangedRole(event, changes, role, at);
    }
    status.change = change;
    if (change === 'added' || change === 'modified') {
      status.result = resultOf(status.problems, status.signers.some((set) => !set.met));
    } else status.result = resultOf(status.problems);
    roles.push(status);
  }

  const artifactsCheckable = unreadableTargetsRoles(event).length === 0;
  const problems = [...(artifactsCheckable ? artifactProblems(checkArtifacts(event, scope)) : []), ...strayProblems(event, roleOrder(event))];
  problems.push(...historyRewrites(event, knownGood, changes.get('root') !== 'unchanged'));
  const invitations = [...event.invites].map(([signer, invited]) => ({ signer, roles: invited }));
  for (const invitation of invitations) {
    problems.push(problem('action', `${invitation.signer} is invited to sign ${invitation.roles.join(', ')} and has not accepted yet`, { file: 'metadata/.signing-event-state', hint: `${invitation.signer} accepts with git tuf sign` }));
  }
  return { roles, problems, artifacts: artifactChanges(event, changedFiles), invitations };
}

/** An unchanged role still has to verify where the event changed its delegator's keys. */
function checkUnchangedRole(event: RepositoryState, changes: Map<string, Change>, role: string, at: Date): RoleStatus {
  const entry = entryOf(event, role)!;
  const metadata = entry.metadata;
  const online = isOnlineRole(event, role);
  const root = event.root?.metadata as Metadata<RootSigned> | undefined;
  const facts = metadata ? expiryFacts(role, metadata, root?.signed, at) : undefined;
  const status = roleStatus(role, entry.file, metadata, facts, undefined, online);
  status.knownGoodVersion = metadata?.signed.version ?? null;
  const delegator = delegatorFile(event, role);
  if (!metadata || online || !delegator || changes.get(delegator) === 'unchanged') return status;
  const authorities = authoritiesFor(event, role);
  if (typeof authorities === 'string') {
    status.problems.push(problem('error', `cannot verify ${entry.file}: ${authorities}`, { role, file: entry.file }));
    return status;
  }
  const outcome = verifySignatures(role, metadata, authorities);
  if (!outcome.met) {
    status.problems.push(
      problem('error', `${unmetMessage(role, outcome.signers)} after this event changes its signers`, {
        role,
        file: entry.file,
        hint: `include a new version of ${role} in this event so that its new signers can sign it`,
      }),
    );
  }
  return status;
}

/** Root history is append-only: an event must not rewrite versions known good already has. */
function historyRewrites(event: RepositoryState, knownGood: RepositoryState, rootChanged: boolean): Problem[] {
  const problems: Problem[] = [];
  for (const [version, entry] of knownGood.rootHistory) {
    if (event.rootHistory.get(version)?.oid !== entry.oid) {
      problems.push(problem('error', `the event changes or removes ${historyFile(version)}`, { role: 'root', file: historyFile(version), hint: 'root history is append-only: restore the file from main' }));
    }
  }
  for (const version of event.rootHistory.keys()) {
    if (!rootChanged && !knownGood.rootHistory.has(version)) {
      problems.push(problem('error', `the event adds ${historyFile(version)} without changing root.json`, { role: 'root', file: historyFile(version) }));
    }
  }
  return problems;
}
