/**
 * The pre-push check: git's ref lines (`<local ref> <local oid> <remote ref> <remote oid>`) in,
 * a verdict per ref out. main must verify and advance cleanly from the remote's main; other
 * branches (signing events first of all) are branch-push.ts's; deletions and tags pass.
 */
import { GitTufError } from '../errors.js';
import { BlobDigests } from '../git/blob-digests.js';
import type { GitRepository } from '../git/repository.js';
import type { Problem } from '../repo/report.js';
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

export const isZero = (oid: string): boolean => /^0+$/.test(oid);

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
  // Signing events are told apart from other branches by branch-push.ts, loaded only for them.
  if (update.remoteRef.startsWith('refs/heads/')) return 'branch';
  return 'not-checked';
}

/** The commit `oid` when this clone has it (the remote's old tip may never have been fetched). */
export async function localCommit(git: GitRepository, oid: string): Promise<string | null> {
  return isZero(oid) ? null : git.commitById(oid);
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
      const remoteMain = localCommit(git, update.remoteOid).then((found) => {
        if (!isZero(update.remoteOid) && !found) verdict.notes.push(`not checked against the remote's main (${update.remoteOid.slice(0, 7)}), which is not in this clone: fetch it to check that too`);
        return found ? { commit: found, label: `the remote's main ${found.slice(0, 7)}` } : null;
      });
      const check = await checkMain(git, update.localOid, at, digests, remoteMain);
      verdict.problems = check.blocking;
      verdict.deferred = check.deferred;
    } else {
      const { checkBranchPush } = await import('./branch-push.js');
      remotes ??= await git.remotes();
      await checkBranchPush(git, update, verdict, remotes, at, digests);
    }
    verdict.rejected = verdict.problems.length > 0;
  }
  return verdicts;
}
