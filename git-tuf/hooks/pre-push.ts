/**
 * The pre-push check: git's ref lines (`<local ref> <local oid> <remote ref> <remote oid>`) in,
 * a verdict per ref out. main must verify and advance cleanly from the remote's main; a signing
 * event must be a valid event against main with targets metadata matching targets/; other
 * branches are checked like events when they change metadata/; deletions and tags pass.
 */
import { GitTufError } from '../errors.js';
import { loadEvent } from '../event/event-report.js';
import { BlobDigests } from '../git/blob-digests.js';
import type { GitRepository } from '../git/repository.js';
import { changedArtifacts, checkArtifacts } from '../repo/artifacts.js';
import { problem, sortProblems, type Problem } from '../repo/report.js';
import { roleFile } from '../repo/state.js';
import { EVENT_PREFIX, mainRef } from '../status.js';
import { checkMain } from './main-check.js';

export interface RefUpdate {
  localRef: string;
  localOid: string;
  remoteRef: string;
  remoteOid: string;
}

export type PushKind = 'main' | 'event' | 'branch' | 'delete' | 'not-checked';

export interface RefVerdict {
  /** The branch or ref pushed to, e.g. `main`, `sign/new-key`, `refs/tags/v1`. */
  ref: string;
  commit: string;
  kind: PushKind;
  rejected: boolean;
  /** Why the push is refused (errors). */
  problems: Problem[];
  /** Errors that CI's `git tuf publish` repairs after the push (online roles). */
  deferred: Problem[];
  /** What was not checked, and why. */
  notes: string[];
}

const isZero = (oid: string): boolean => /^0+$/.test(oid);

/** Parses what git writes to a pre-push hook's stdin. */
export function parseRefUpdates(text: string): RefUpdate[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const fields = line.trim().split(' ');
      const oid = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
      if (fields.length !== 4 || !oid.test(fields[1]!) || !oid.test(fields[3]!)) throw new GitTufError('usage', `not a pre-push ref line: ${JSON.stringify(line)}`, { hint: 'git tuf hook pre-push reads what git gives a pre-push hook' });
      const [localRef, localOid, remoteRef, remoteOid] = fields as [string, string, string, string];
      return { localRef, localOid, remoteRef, remoteOid };
    });
}

function kindOf(update: RefUpdate): PushKind {
  if (isZero(update.localOid)) return 'delete';
  if (update.remoteRef === 'refs/heads/main') return 'main';
  if (update.remoteRef.startsWith(`refs/heads/${EVENT_PREFIX}`)) return 'event';
  if (update.remoteRef.startsWith('refs/heads/')) return 'branch';
  return 'not-checked';
}

/** The pushed commit's id when it exists here (the remote's old tip may not have been fetched). */
async function localCommit(git: GitRepository, oid: string): Promise<string | null> {
  return isZero(oid) ? null : git.resolveCommit(oid);
}

/** Whether `to` changes metadata/ from `from` (has any metadata/ when there is no `from`). */
async function changesMetadata(git: GitRepository, from: string | null, to: string): Promise<boolean> {
  if (from === null) return (await git.listTree(to, 'metadata')).length > 0;
  const result = await git.run(['diff', '--quiet', from, to, '--', 'metadata']);
  if (result.code > 1) throw new GitTufError('git', `git diff ${from} ${to} failed: ${result.stderr.trim()}`);
  return result.code === 1;
}

export async function checkPush(git: GitRepository, updates: RefUpdate[], at: Date): Promise<RefVerdict[]> {
  const digests = new BlobDigests(git);
  let remotes: string[] | undefined; // asked for only when a branch other than main is pushed
  const verdicts: RefVerdict[] = [];
  for (const update of updates) {
    const kind = kindOf(update);
    const ref = update.remoteRef.replace(/^refs\/heads\//, '');
    const verdict: RefVerdict = { ref, commit: update.localOid, kind, rejected: false, problems: [], deferred: [], notes: [] };
    verdicts.push(verdict);
    if (kind === 'delete' || kind === 'not-checked') continue;

    if (kind === 'main') {
      const remoteMain = await localCommit(git, update.remoteOid);
      if (!isZero(update.remoteOid) && !remoteMain) verdict.notes.push(`not checked against the remote's main (${update.remoteOid.slice(0, 7)}), which is not in this clone: fetch it to check that too`);
      const check = await checkMain(git, update.localOid, at, digests, remoteMain ? { commit: remoteMain, label: `the remote's main ${remoteMain.slice(0, 7)}` } : undefined);
      verdict.problems = check.blocking;
      verdict.deferred = check.deferred;
    } else {
      const main = await mainRef(git, (remotes ??= await git.remotes()));
      const knownGoodCommit = main ? await git.mergeBase(update.localOid, main.commit) : null;
      if (kind === 'branch' && !(await changesMetadata(git, (await localCommit(git, update.remoteOid)) ?? knownGoodCommit, update.localOid))) continue;
      if (!main) {
        verdict.problems.push(problem('error', `${ref} cannot be checked: this clone has no main branch`, { hint: 'fetch main first (git fetch origin main)' }));
      } else if (!knownGoodCommit) {
        verdict.problems.push(problem('error', `${ref} does not derive from ${main.ref}`, { hint: `start signing events from ${main.ref}` }));
      } else {
        verdict.problems = await eventProblems(git, ref, update.localOid, knownGoodCommit, at, digests, kind === 'event');
      }
    }
    verdict.rejected = verdict.problems.length > 0;
  }
  return verdicts;
}

/** An event's errors; for a signing event also targets metadata that does not match targets/ yet. */
async function eventProblems(git: GitRepository, ref: string, commit: string, knownGoodCommit: string, at: Date, digests: BlobDigests, isEvent: boolean): Promise<Problem[]> {
  const name = isEvent ? ref.slice(EVENT_PREFIX.length) : ref;
  const loaded = await loadEvent(git, { name, ref, commit, knownGoodCommit }, at, digests);
  const problems = loaded.report.problems.filter((found) => found.level === 'error');
  if (isEvent) {
    const outOfDate = new Map<string, string[]>();
    for (const issue of checkArtifacts(loaded.state, changedArtifacts(loaded.state, loaded.knownGood))) {
      if (issue.kind === 'unlisted' || issue.kind === 'differs' || issue.kind === 'no-file') outOfDate.set(issue.role, [...(outOfDate.get(issue.role) ?? []), issue.path]);
    }
    for (const [role, paths] of outOfDate) {
      const shown = `${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ` and ${paths.length - 3} more` : ''}`;
      problems.push(problem('error', `the ${role} metadata does not match targets/ (${shown})`, { role, file: roleFile(role), hint: `run git tuf update ${ref}, then push again` }));
    }
  }
  return sortProblems(problems);
}
