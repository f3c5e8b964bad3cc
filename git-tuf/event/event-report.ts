/**
 * One signing event, loaded and checked against its known good: the states (for commands that
 * change or sign the event) and the status report (for what people are shown).
 */
import { BlobDigests } from '../git/blob-digests.js';
import type { GitRepository } from '../git/repository.js';
import { changedArtifacts } from '../repo/artifacts.js';
import { EXIT_CODES, resultOf, sortProblems, type StatusReport } from '../repo/report.js';
import { digestArtifacts, loadState, TARGETS_DIR, type RepositoryState } from '../repo/state.js';
import { formatExpires } from '../tuf/expires.js';
import { checkEvent } from './check-event.js';

export interface LoadedEvent {
  state: RepositoryState;
  knownGood: RepositoryState;
  report: StatusReport;
}

export interface EventLocation {
  /** The event name (the branch without `sign/`). */
  name: string;
  /** The ref shown to people, e.g. `origin/sign/new-key`. */
  ref: string;
  commit: string;
  knownGoodCommit: string;
}

export async function loadEvent(git: GitRepository, where: EventLocation, at: Date, digests = new BlobDigests(git)): Promise<LoadedEvent> {
  const changedFiles = git.changedFiles(where.knownGoodCommit, where.commit, TARGETS_DIR).then((changes) => changes.map((change) => change.path));
  const state = await loadState(git, where.commit);
  const knownGood = await loadState(git, where.knownGoodCommit, state);
  // Only what the event changed needs hashing and matching; known good is main's to verify.
  const files = await changedFiles;
  const scope = changedArtifacts(state, knownGood, files);
  await digestArtifacts(state, digests, scope);
  const check = checkEvent(state, knownGood, at, scope, files);
  const problems = sortProblems([...check.roles.flatMap((role) => role.problems), ...check.problems]);
  const result = check.roles.some((role) => role.result === 'invalid') ? 'invalid' : resultOf(problems, check.roles.some((role) => role.result === 'waiting'));
  const report: StatusReport = {
    schema: 'git-tuf-status/1',
    ref: where.ref,
    commit: where.commit,
    at: formatExpires(at),
    kind: 'event',
    event: where.name,
    knownGood: where.knownGoodCommit,
    result,
    exitCode: EXIT_CODES[result],
    roles: check.roles,
    artifacts: { total: state.artifactCount, changes: check.artifacts },
    invitations: check.invitations,
    problems,
  };
  return { state, knownGood, report };
}
