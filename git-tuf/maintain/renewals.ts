/**
 * `events` as a workflow: for every offline role on main inside its signing period, open the
 * renewal event `sign/<role>-v<N>` (version bumped, expiry renewed, placeholders), unless a branch
 * of that name exists here or on the pull remote.
 */
import { Draft } from '../edit/draft.js';
import { GitTufError } from '../errors.js';
import type { GitRepository } from '../git/repository.js';
import { isOnlineRole, roleOrder } from '../repo/check-repository.js';
import { loadState, roleMetadata } from '../repo/state.js';
import { EVENT_PREFIX, mainRef } from '../status.js';
import { DAY_MS, formatExpires } from '../tuf/expires.js';
import { rolePeriods, type RootSigned } from '../tuf/metadata.js';
import { editEvent, fetchPullRemote } from './event-branch.js';

export interface RenewalEvent {
  event: string;
  role: string;
  version: number;
  /** The expiry of the version on main, and of the renewed version. */
  expires: string;
  renewedExpires: string | null;
  /** Created now, or existing already (locally or on the remote). */
  status: 'created' | 'exists';
  commit: string | null;
  pushedTo: string | null;
}

export async function renewalEvents(git: GitRepository, options: { push: boolean; at: Date }): Promise<RenewalEvent[]> {
  const remote = await fetchPullRemote(git);
  const remotes = await git.remotes();
  const main = await mainRef(git, remotes);
  if (!main) throw new GitTufError('missing-ref', 'there is no main branch to renew roles of', { hint: 'merge the first signing event (sign/init) into main first' });
  const state = await loadState(git, main.commit);
  const root = roleMetadata<'root'>(state, 'root');
  if (!root) throw new GitTufError('format', `${main.ref} has no valid metadata/root.json`, { hint: 'see git tuf status main' });
  const events: RenewalEvent[] = [];
  for (const role of roleOrder(state)) {
    const metadata = roleMetadata(state, role);
    if (!metadata || isOnlineRole(state, role)) continue;
    const { signingDays } = rolePeriods(role, metadata.signed, root.signed as RootSigned);
    if (signingDays === undefined || metadata.expires.getTime() - options.at.getTime() > signingDays * DAY_MS) continue;
    const version = metadata.signed.version + 1;
    const name = `${role}-v${version}`;
    const branch = `${EVENT_PREFIX}${name}`;
    const refs = [`refs/heads/${branch}`, ...(remote ? [`refs/remotes/${remote}/${branch}`] : [])];
    const exists = async (): Promise<boolean> => (await git.refCommits(refs)).size > 0;
    const entry = { event: name, role, version, expires: formatExpires(metadata.expires) };
    const existing = { ...entry, renewedExpires: null, status: 'exists' as const, commit: null, pushedTo: null };
    if (await exists()) {
      events.push(existing);
      continue;
    }
    let result;
    try {
      result = await editEvent(git, name, { create: true, mustBeNew: true, push: options.push, at: options.at, fetched: true }, async (context) => {
        const draft = new Draft(context.event, context.knownGood);
        draft.renew(role);
        return { draft, message: (done) => `Periodic version bump: ${done.bumped.map((bump) => `${bump.role} v${bump.version}`).join(', ')}\n\n${role} expires at ${entry.expires}, within its ${signingDays}-day signing period.\n` };
      });
    } catch (error) {
      // Another run (CI on a schedule, a maintainer) pushed the same event first: it exists.
      if (error instanceof GitTufError && (await exists())) {
        events.push(existing);
        continue;
      }
      throw error;
    }
    const renewed = result.draft.bumped.find((bump) => bump.role === role);
    events.push({ ...entry, renewedExpires: renewed?.expires ?? null, status: 'created', commit: result.commit, pushedTo: result.pushedTo });
  }
  return events;
}
