/**
 * The post-merge check: after a pull or merge moved main, verify the new main from the one
 * trusted before (ORIG_HEAD, else main's reflog), then collect what awaits this signer: events
 * on the pull remote (as last fetched) that need their signature or answer, and roles of theirs
 * whose signing period starts soon.
 */
import { loadEvent } from '../event/event-report.js';
import { tasksFor, type SignerTasks } from '../event/pending.js';
import { BlobDigests } from '../git/blob-digests.js';
import type { GitRepository } from '../git/repository.js';
import type { Problem } from '../repo/report.js';
import { readSettings } from '../settings.js';
import { EVENT_PREFIX, mainRef } from '../status.js';
import { DAY_MS } from '../tuf/expires.js';
import { checkMain } from './main-check.js';

/** How far ahead a signing period counts as "soon". */
export const SOON_DAYS = 14;

export interface RoleDue {
  role: string;
  version: number | null;
  signingPeriodStart: string;
  expires: string | null;
  inSigningPeriod: boolean;
}

export interface PullCheck {
  previous: string;
  current: string;
  problems: Problem[];
  deferred: Problem[];
  /** null when no signer is configured (git config tuf.handle). */
  handle: string | null;
  pullRemote: string | null;
  events: ({ event: string; commit: string } & SignerTasks)[];
  due: RoleDue[];
}

/** The commit main was at before the merge; null when it cannot be told. */
async function previousMain(git: GitRepository, current: string): Promise<string | null> {
  for (const ref of ['ORIG_HEAD', 'refs/heads/main@{1}']) {
    const commit = await git.resolveCommit(ref);
    if (commit && commit !== current) return commit;
  }
  return null;
}

/** null when the merge did not move main (another branch is checked out, or nothing changed). */
export async function checkPull(git: GitRepository, at: Date): Promise<PullCheck | null> {
  const head = await git.head();
  if (head.branch !== 'main' || head.commit === null) return null;
  const previous = await previousMain(git, head.commit);
  if (!previous) return null;
  const digests = new BlobDigests(git);
  const main = await checkMain(git, head.commit, at, digests, { commit: previous, label: `main before the merge (${previous.slice(0, 7)})` });

  const settings = await readSettings(git);
  const check: PullCheck = { previous, current: head.commit, problems: main.blocking, deferred: main.deferred, handle: settings.handle, pullRemote: settings.pullRemote, events: [], due: [] };
  const handle = settings.handle;
  if (handle === null) return check;

  const soon = at.getTime() + SOON_DAYS * DAY_MS;
  for (const role of main.roles) {
    const theirs = [...role.signed, ...role.missing].includes(handle);
    if (role.online || !theirs || role.signingPeriodStart === null || Date.parse(role.signingPeriodStart) > soon) continue;
    check.due.push({ role: role.name, version: role.version, signingPeriodStart: role.signingPeriodStart, expires: role.expires, inSigningPeriod: role.inSigningPeriod });
  }

  const remote = settings.pullRemote;
  const known = remote === null ? null : await mainRef(git, await git.remotes());
  if (remote === null || known === null) return check;
  const prefix = `refs/remotes/${remote}/${EVENT_PREFIX}`;
  const listing = await git.output(['for-each-ref', '--format=%(refname) %(objectname)', prefix]);
  for (const line of listing.split('\n')) {
    if (line === '') continue;
    const [ref, commit] = line.split(' ') as [string, string];
    const name = ref.slice(prefix.length);
    const knownGoodCommit = await git.mergeBase(commit, known.commit);
    if (!knownGoodCommit) continue;
    const { report } = await loadEvent(git, { name, ref: `${remote}/${EVENT_PREFIX}${name}`, commit, knownGoodCommit }, at, digests, { reportOnly: true });
    if (report.result === 'invalid') continue;
    const tasks = tasksFor(report, handle);
    if (tasks) check.events.push({ event: `${EVENT_PREFIX}${name}`, commit, ...tasks });
  }
  return check;
}
