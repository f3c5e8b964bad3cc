/**
 * pre-push for branches other than main: a signing event must be a valid event against main with
 * targets metadata matching targets/; another branch is checked the same way (without the
 * targets rule) only when it changes metadata/. Loaded only when such a branch is pushed.
 */
import { GitTufError } from '../errors.js';
import { loadEvent } from '../event/event-report.js';
import type { BlobDigests } from '../git/blob-digests.js';
import type { GitRepository } from '../git/repository.js';
import { checkArtifacts } from '../repo/artifacts.js';
import { problem, sortProblems, type Problem } from '../repo/report.js';
import { roleFile } from '../repo/state.js';
import { EVENT_PREFIX, mainRef } from '../status.js';
import { localCommit, type RefUpdate, type RefVerdict } from './pre-push.js';

/** Whether `to` changes metadata/ from `from` (has any metadata/ when there is no `from`). */
async function changesMetadata(git: GitRepository, from: string | null, to: string): Promise<boolean> {
  if (from === null) return (await git.listTree(to, 'metadata')).length > 0;
  const result = await git.run(['diff', '--quiet', from, to, '--', 'metadata']);
  if (result.code > 1) throw new GitTufError('git', `git diff ${from} ${to} failed: ${result.stderr.trim()}`);
  return result.code === 1;
}

/** Fills in `verdict` (kind `event` for sign/* branches, `branch` for the others). */
export async function checkBranchPush(git: GitRepository, update: RefUpdate, verdict: RefVerdict, remotes: string[], at: Date, digests: BlobDigests): Promise<void> {
  const ref = verdict.ref;
  const isEvent = ref.startsWith(EVENT_PREFIX);
  verdict.kind = isEvent ? 'event' : 'branch';
  const main = await mainRef(git, remotes);
  const knownGoodCommit = main ? await git.mergeBase(update.localOid, main.commit) : null;
  if (!isEvent && !(await changesMetadata(git, (await localCommit(git, update.remoteOid)) ?? knownGoodCommit, update.localOid))) return;
  if (!main) {
    verdict.problems.push(problem('error', `${ref} cannot be checked: this clone has no main branch`, { hint: 'fetch main first (git fetch origin main)' }));
  } else if (!knownGoodCommit) {
    verdict.problems.push(problem('error', `${ref} does not derive from ${main.ref}`, { hint: `start signing events from ${main.ref}` }));
  } else {
    verdict.problems = await eventProblems(git, ref, update.localOid, knownGoodCommit, at, digests, isEvent);
  }
}

/** An event's errors; for a signing event also targets metadata that does not match targets/ yet. */
async function eventProblems(git: GitRepository, ref: string, commit: string, knownGoodCommit: string, at: Date, digests: BlobDigests, isEvent: boolean): Promise<Problem[]> {
  const name = isEvent ? ref.slice(EVENT_PREFIX.length) : ref;
  const loaded = await loadEvent(git, { name, ref, commit, knownGoodCommit }, at, digests, { reportOnly: true });
  const problems = loaded.report.problems.filter((found) => found.level === 'error');
  if (isEvent) {
    const outOfDate = new Map<string, string[]>();
    for (const issue of checkArtifacts(loaded.state, loaded.artifactScope)) {
      if (issue.kind === 'unlisted' || issue.kind === 'differs' || issue.kind === 'no-file') outOfDate.set(issue.role, [...(outOfDate.get(issue.role) ?? []), issue.path]);
    }
    for (const [role, paths] of outOfDate) {
      const shown = `${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ` and ${paths.length - 3} more` : ''}`;
      problems.push(problem('error', `the ${role} metadata does not match targets/ (${shown})`, { role, file: roleFile(role), hint: `run git tuf update ${ref}, then push again` }));
    }
  }
  return sortProblems(problems);
}
