/**
 * What main must be for the hooks: every check `git tuf status` runs on main (the root chain from
 * where this clone last verified it), plus a clean advance from the main trusted before. Problems that `git tuf publish` repairs on its own
 * (stale or expired snapshot and timestamp right after a merge) are deferred, not blocking: CI
 * re-signs them once main has moved.
 */
import type { BlobDigests } from '../git/blob-digests.js';
import type { GitRepository } from '../git/repository.js';
import { artifactsToMatch, matchCandidates, recordArtifactsMatch } from '../repo/artifact-match.js';
import { checkRepository, isOnlineRole } from '../repo/check-repository.js';
import { sortProblems, type Problem, type RoleStatus } from '../repo/report.js';
import { digestArtifacts, loadState, type RepositoryState } from '../repo/state.js';
import { checkAdvance } from './advance.js';
import { recordVerifiedChain, verifiedChainStart } from './chain-cache.js';

export interface MainCheck {
  state: RepositoryState;
  roles: RoleStatus[];
  /** Errors: main must not become this. */
  blocking: Problem[];
  /** Errors on online roles that the next `git tuf publish` fixes. */
  deferred: Problem[];
}

/** From how many artifacts only those changed since a matched commit are hashed and checked. */
const MATCH_CHANGES_FROM = 2000;

/** The hints check-repository gives exactly the problems that online re-signing fixes. */
const fixedByPublish = (state: RepositoryState, found: Problem): boolean =>
  found.role !== null && isOnlineRole(state, found.role) && (found.hint ?? '').startsWith('run git tuf publish');

export interface TrustedMain {
  commit: string;
  label: string;
}

/**
 * Checks main at `commit`; with `previous` (the commit main was trusted at, or null), also the
 * advance from it. `previous` may still be being looked up: git works on both at once.
 */
export async function checkMain(git: GitRepository, commit: string, at: Date, digests: BlobDigests, previous?: TrustedMain | null | Promise<TrustedMain | null>): Promise<MainCheck> {
  const [state, trusted] = await Promise.all([loadState(git, commit), previous]);
  // Matching only what changed since a matched commit pays for its git calls on large repositories only.
  const artifactScope = state.artifacts.size >= MATCH_CHANGES_FROM ? await artifactsToMatch(git, state, matchCandidates(git, commit)) : undefined;
  // git reads the previous state while the artifacts are digested.
  const [before] = await Promise.all([trusted && trusted.commit !== commit ? loadState(git, trusted.commit, state) : undefined, digestArtifacts(state, digests, artifactScope)]);
  const check = checkRepository(state, at, { rootChain: verifiedChainStart(state), artifactScope });
  recordVerifiedChain(state, check.roles.find((role) => role.name === 'root')?.problems ?? []);
  if (check.artifactsMatch) recordArtifactsMatch(state);
  const problems = [...check.roles.flatMap((role) => role.problems), ...check.problems];
  if (before) problems.push(...checkAdvance(before, state, trusted!.label));
  const errors = sortProblems(problems).filter((found) => found.level === 'error');
  return {
    state,
    roles: check.roles,
    blocking: errors.filter((found) => !fixedByPublish(state, found)),
    deferred: errors.filter((found) => fixedByPublish(state, found)),
  };
}
