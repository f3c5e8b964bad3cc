/**
 * `status` as a function: which ref, which known good, which states to load, which checks to run.
 * Returns a StatusReport; printing is the command's job.
 */
import { now } from './clock.js';
import { GitTufError } from './errors.js';
import { loadEvent } from './event/event-report.js';
import { BlobDigests } from './git/blob-digests.js';
import { GitRepository } from './git/repository.js';
import { withRepositoryFacts } from './git/fact-memo.js';
import { recordArtifactsMatch, scopedLoad } from './repo/artifact-match.js';
import { checkRoles, prepareFilesCheck } from './repo/check-repository.js';
import { EXIT_CODES, resultOf, sortProblems, type StatusReport } from './repo/report.js';
import { openState } from './repo/state.js';
import { formatExpires } from './tuf/expires.js';

export interface StatusOptions {
  cwd: string;
  /** Branch, tag or commit; the current branch (or HEAD) when omitted. */
  ref?: string;
  /** When to evaluate expiry; the clock (GIT_TUF_NOW) when omitted. */
  at?: Date;
}

export const EVENT_PREFIX = 'sign/';

/** The remote whose `main` is known good: git config tuf.pull-remote, else origin if present. */
export async function pullRemote(git: GitRepository, remotes: string[]): Promise<string | null> {
  const configured = await git.config('tuf.pull-remote');
  if (configured) {
    if (!remotes.includes(configured)) {
      throw new GitTufError('usage', `tuf.pull-remote is "${configured}", which is not a remote of this repository`, { hint: 'fix it with git config tuf.pull-remote <remote>' });
    }
    return configured;
  }
  return remotes.includes('origin') ? 'origin' : null;
}

/** The event name when `ref` names a signing-event branch (local or remote-tracking). */
export function eventName(ref: string, remotes: string[]): string | null {
  let name = ref.replace(/^refs\/heads\//, '').replace(/^refs\/remotes\//, '');
  for (const remote of remotes) {
    if (name.startsWith(`${remote}/${EVENT_PREFIX}`)) name = name.slice(remote.length + 1);
  }
  return name.startsWith(EVENT_PREFIX) && name.length > EVENT_PREFIX.length ? name.slice(EVENT_PREFIX.length) : null;
}

/** Known good's ref: the pull remote's main when there is one, else the local main. */
export async function mainRef(git: GitRepository, remotes: string[]): Promise<{ ref: string; commit: string } | null> {
  const remote = await pullRemote(git, remotes);
  const candidates = remote ? [`refs/remotes/${remote}/main`, 'refs/heads/main'] : ['refs/heads/main'];
  const commits = await git.refCommits(candidates);
  for (const ref of candidates) {
    const commit = commits.get(ref);
    if (commit) return { ref: ref.replace(/^refs\/(heads|remotes)\//, ''), commit };
  }
  return null;
}

export async function status(options: StatusOptions): Promise<StatusReport> {
  const git = await GitRepository.open(options.cwd);
  try {
    return await withRepositoryFacts(git.commonDir, () => checkRef(git, options));
  } finally {
    git.close();
  }
}

async function checkRef(git: GitRepository, options: StatusOptions): Promise<StatusReport> {
  const at = options.at ?? now();
  // Independent git calls go out together: startup is most of the time on a small repository.
  const remoteList = git.remotes();
  remoteList.catch(() => {}); // awaited below; an error before that must not go unhandled
  const head = options.ref === undefined ? await git.head() : null;
  const ref = options.ref ?? head?.branch ?? 'HEAD';
  const commit = head ? head.commit : await git.resolveCommit(ref);
  if (!commit) {
    throw new GitTufError('missing-ref', `"${ref}" is not a branch, tag or commit of this repository`, { hint: 'fetch it first, or name another ref' });
  }
  const digests = new BlobDigests(git);
  const remotes = await remoteList;
  const event = eventName(ref, remotes);
  // The checked-out commit's files are read from the work tree where they are its bytes.
  const workTree = head?.commit === commit && git.workTree !== null ? git.workTree : undefined;
  if (event === null) {
    // Only what changed since a commit whose artifacts matched is read and checked. Artifacts
    // are hashed while the roles are checked.
    const { state, digested } = await openState(git, commit, { scoped: await scopedLoad(git, commit, workTree), digests, ...(workTree ? { workTree } : {}) });
    const roles = checkRoles(state, at);
    const finish = prepareFilesCheck(state);
    await digested;
    const check = finish(roles);
    if (check.artifactsMatch) recordArtifactsMatch(state);
    const problems = sortProblems([...check.roles.flatMap((role) => role.problems), ...check.problems]);
    const result = resultOf(problems);
    return {
      schema: 'git-tuf-status/1',
      ref,
      commit,
      at: formatExpires(at),
      kind: 'repository',
      event: null,
      knownGood: null,
      result,
      exitCode: EXIT_CODES[result],
      roles: check.roles,
      artifacts: { total: state.artifactCount, changes: [] },
      invitations: [],
      problems,
    };
  }

  const main = await mainRef(git, remotes);
  if (!main) {
    throw new GitTufError('missing-ref', `the event ${ref} has no main branch to compare with`, { hint: 'fetch main from the pull remote (git fetch origin main)' });
  }
  const knownGoodCommit = await git.mergeBase(commit, main.commit);
  if (!knownGoodCommit) {
    throw new GitTufError('missing-ref', `${ref} does not share history with ${main.ref}`, { hint: `start signing events from ${main.ref}` });
  }
  return (await loadEvent(git, { name: event, ref, commit, knownGoodCommit, ...(workTree ? { workTree } : {}) }, at, digests, { reportOnly: true })).report;
}
