/**
 * Editing a signing event on its branch, as a workflow: fetch the pull remote, pick the commit to
 * build on, load the event and its known good, let a pure edit produce a draft, commit it without
 * touching any checkout, then push (re-doing the edit on the new tip after a lost race) and move
 * the local branch.
 *
 * Which commit an edit builds on: the newer of the local branch `sign/NAME` and the pull remote's
 * `sign/NAME` when one contains the other (so a maintainer who has not pulled still edits the
 * current event); diverged branches are refused. A new event starts from main (the pull remote's
 * main when there is one). Without --push the result stays on the local branch.
 */
import { GitTufError } from '../errors.js';
import { Draft, type DraftResult } from '../edit/draft.js';
import { BlobDigests } from '../git/blob-digests.js';
import type { GitRepository } from '../git/repository.js';
import { advanceBranch, fetchRemote, pushBranch, writeCommit, type FileChange } from '../git/write.js';
import { scopedLoad } from '../repo/artifact-match.js';
import { emptyState, openState, type RepositoryState } from '../repo/state.js';
import { EVENT_PREFIX, mainRef, pullRemote } from '../status.js';

const PUSH_ATTEMPTS = 5;

export interface EditContext {
  git: GitRepository;
  event: RepositoryState;
  knownGood: RepositoryState;
  digests: BlobDigests;
  /** The commit the edit builds on (null: a new history). */
  base: string | null;
}

export interface EditPlan {
  draft: Draft;
  /** Files the edit writes beside the draft's (e.g. .gitattributes). */
  extra?: FileChange[];
  message: (result: DraftResult) => string;
}

export interface EventEditResult {
  event: string;
  branch: string;
  /** The event tip afterwards. */
  commit: string | null;
  committed: boolean;
  created: boolean;
  pushedTo: string | null;
  draft: DraftResult;
}

export interface EventEditOptions {
  /** Start the event from main when it does not exist yet. */
  create: boolean;
  /** Refuse when the event exists already (renewal events, init). */
  mustBeNew?: boolean;
  push: boolean;
  at: Date;
  /** Remote refs were fetched already by the caller. */
  fetched?: boolean;
  /**
   * The edit looks only at the artifacts changed since a commit whose artifacts matched the same
   * targets metadata (artifact-match.ts), when there is one: only those are listed (the state's
   * `scope`), and only their entries of the targets metadata (the draft writes the others back
   * as they are).
   */
  changedArtifactsOnly?: boolean;
}

/** Refuses event names git would not take as a branch `sign/NAME`. */
export async function checkEventName(git: GitRepository, name: string): Promise<void> {
  const result = await git.run(['check-ref-format', '--branch', `${EVENT_PREFIX}${name}`]);
  if (result.code !== 0 || name.startsWith('-')) {
    throw new GitTufError('usage', `"${EVENT_PREFIX}${name}" is not a valid branch name`, { hint: 'choose an event name without spaces, "..", "~", "^", ":" or a trailing ".lock"' });
  }
}

/**
 * Fetches every branch of the pull remote (main and events), pruning deleted ones so that a
 * merged and deleted event no longer counts as existing; returns the remote, or null.
 */
export async function fetchPullRemote(git: GitRepository): Promise<string | null> {
  const remote = await pullRemote(git, await git.remotes());
  if (remote) await fetchRemote(git, remote, [`+refs/heads/*:refs/remotes/${remote}/*`], { prune: true });
  return remote;
}

async function isAncestor(git: GitRepository, ancestor: string, descendant: string): Promise<boolean> {
  return (await git.run(['merge-base', '--is-ancestor', ancestor, descendant])).code === 0;
}

/** The commit to build on, and the local branch's tip (to move it from). */
async function eventBase(git: GitRepository, branch: string, remote: string | null): Promise<{ base: string | null; local: string | null; tracking: string | null; exists: boolean }> {
  const refs = await git.refCommits([`refs/heads/${branch}`, ...(remote ? [`refs/remotes/${remote}/${branch}`] : [])]);
  const local = refs.get(`refs/heads/${branch}`) ?? null;
  const tracking = remote ? (refs.get(`refs/remotes/${remote}/${branch}`) ?? null) : null;
  if (local && tracking && local !== tracking) {
    if (await isAncestor(git, local, tracking)) return { base: tracking, local, tracking, exists: true };
    if (await isAncestor(git, tracking, local)) return { base: local, local, tracking, exists: true };
    throw new GitTufError('usage', `${branch} and ${remote}/${branch} have diverged`, { hint: `reconcile them first (e.g. git branch -f ${branch} ${remote}/${branch} to drop your local commits)` });
  }
  const base = local ?? tracking;
  return { base, local, tracking, exists: base !== null };
}

export async function editEvent(git: GitRepository, name: string, options: EventEditOptions, edit: (context: EditContext) => Promise<EditPlan>): Promise<EventEditResult> {
  const branch = `${EVENT_PREFIX}${name}`;
  const [remotes] = await Promise.all([git.remotes(), checkEventName(git, name)]);
  const remote = options.fetched ? await pullRemote(git, remotes) : await fetchPullRemote(git);
  if (options.push && !remote) throw new GitTufError('usage', `--push needs a remote to push ${branch} to`, { hint: 'add one (git remote add origin <url>) or set git config tuf.pull-remote' });
  const digests = new BlobDigests(git);
  for (let attempt = 0; ; attempt++) {
    const [found, main] = await Promise.all([eventBase(git, branch, remote), mainRef(git, remotes)]);
    if (found.exists && options.mustBeNew) {
      throw new GitTufError('usage', `the event ${branch} exists already`, { hint: `choose another name, or change it with git tuf delegate ${name} …` });
    }
    if (!found.exists && !options.create) {
      throw new GitTufError('missing-ref', `there is no signing event ${branch}${remote ? ` here or on ${remote}` : ''}`, { hint: 'name an existing event (git branch -a --list "*sign/*")' });
    }
    const base = found.exists ? found.base : (main?.commit ?? null);
    const knownGoodCommit = base && main ? await git.mergeBase(base, main.commit) : null;
    // The metadata of a checked-out event is read from its files (git's id of them proves them).
    const workTree = base !== null && git.workTree !== null && (await git.head()).commit === base ? git.workTree : undefined;
    const scoped = base && options.changedArtifactsOnly ? await scopedLoad(git, base, workTree) : undefined;
    const event = base ? (await openState(git, base, { scoped })).state : emptyState();
    // Edits look at known good's metadata (versions, root keys), never at its artifacts.
    const knownGood = knownGoodCommit ? (await openState(git, knownGoodCommit, { reuse: event, metadataOnly: true, ...(scoped ? { onlyTargets: scoped.paths } : {}) })).state : emptyState();
    const plan = await edit({ git, event, knownGood, digests, base });
    const result = plan.draft.finish(options.at);
    const changes = [...result.changes, ...(plan.extra ?? [])];
    const commit = changes.length === 0 ? null : await writeCommit(git, { parent: base, changes, message: plan.message(result) });
    const outcome = { event: name, branch, created: !found.exists && commit !== null, committed: commit !== null, draft: result };
    const tip = commit ?? (found.exists ? base : null);
    // --push publishes the event even when this run added nothing (a local branch not pushed yet).
    const toPush = options.push && remote && tip !== null && tip !== found.tracking;
    if (tip === null || (commit === null && !toPush)) return { ...outcome, commit: tip, pushedTo: null };
    // The local branch moves first, so that a checkout refusing the move stops everything before
    // a push; a push that fails or loses the race moves it back.
    const moved = tip !== found.local;
    if (moved) await advanceBranch(git, branch, tip, found.local);
    if (toPush) {
      const restore = async (): Promise<void> => {
        if (!moved) return;
        if (found.local === null) await git.output(['update-ref', '-d', `refs/heads/${branch}`, tip]);
        else await advanceBranch(git, branch, found.local, tip);
      };
      let pushed: Awaited<ReturnType<typeof pushBranch>>;
      try {
        pushed = await pushBranch(git, remote, tip, branch);
      } catch (error) {
        await restore();
        throw error;
      }
      if (pushed === 'behind') {
        await restore();
        if (attempt + 1 >= PUSH_ATTEMPTS) throw new GitTufError('git', `${branch} kept moving on ${remote} (${PUSH_ATTEMPTS} attempts); nothing was pushed`, { hint: 'run the command again' });
        await fetchRemote(git, remote, [`+refs/heads/${branch}:refs/remotes/${remote}/${branch}`]);
        continue;
      }
      await git.output(['update-ref', `refs/remotes/${remote}/${branch}`, tip]);
    }
    return { ...outcome, commit: tip, pushedTo: toPush ? `${remote}/${branch}` : null };
  }
}
