// Writing to git without touching anyone's checkout: commits are built in a private index from
// blobs and a parent tree; branches move only from the commit they were seen at; pushes never force.
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { GitTufError } from '../errors.js';
import { gitError } from './exec.js';
import type { GitRepository } from './repository.js';

export interface FileChange {
  /** Path from the top of the repository, `/`-separated. */
  path: string;
  /** The new bytes; null deletes the file. */
  content: Buffer | null;
}

export interface CommitRequest {
  /** The commit to build on; null for the first commit of a new history. */
  parent: string | null;
  changes: readonly FileChange[];
  message: string;
}

/**
 * Writes the commit `parent` + `changes` and returns its id, or null when the changes leave the
 * tree as it was (nothing to commit). The author and committer come from git config, as for
 * `git commit`. No ref moves.
 */
export async function writeCommit(git: GitRepository, request: CommitRequest): Promise<string | null> {
  const dir = path.join(git.commonDir, 'git-tuf');
  await mkdir(dir, { recursive: true });
  const env = { GIT_INDEX_FILE: path.join(dir, `index.${process.pid}.${randomBytes(6).toString('hex')}`) };
  try {
    let parentTree: string | null = null;
    if (request.parent !== null) {
      parentTree = await git.output(['rev-parse', '--verify', '--end-of-options', `${request.parent}^{tree}`]);
      await git.output(['read-tree', parentTree], { env });
    }
    const lines: string[] = [];
    const zero = '0'.repeat(git.oidLength);
    for (const change of request.changes) {
      if (change.path.startsWith('/') || change.path.split('/').some((part) => part === '' || part === '.' || part === '..' || part === '.git')) {
        throw new GitTufError('internal', `refusing to write the unsafe path ${JSON.stringify(change.path)}`);
      }
      const oid = change.content === null ? zero : await git.output(['hash-object', '-w', '--stdin'], { input: change.content });
      lines.push(`${change.content === null ? '0' : '100644'} ${oid}\t${change.path}\0`);
    }
    if (lines.length > 0) {
      const result = await git.run(['update-index', '-z', '--index-info'], { env, input: lines.join('') });
      if (result.code !== 0) throw gitError(['update-index', '--index-info'], result);
    }
    const tree = await git.output(['write-tree'], { env });
    if (tree === parentTree) return null;
    const args = ['commit-tree', tree, ...(request.parent === null ? [] : ['-p', request.parent]), '-F', '-'];
    const result = await git.run(args, { input: request.message.endsWith('\n') ? request.message : `${request.message}\n` });
    if (result.code !== 0) {
      if (/identity unknown|empty ident|user\.email/i.test(result.stderr)) {
        throw new GitTufError('usage', 'git does not know who you are, so it cannot write the commit', { hint: 'set git config user.name and user.email' });
      }
      throw gitError(['commit-tree'], result);
    }
    return result.stdout.toString('utf8').trim();
  } finally {
    await rm(env.GIT_INDEX_FILE, { force: true });
  }
}

/**
 * Moves the local branch `branch` from `expected` (null: the branch must not exist yet) to
 * `commit`. When the branch is checked out here, the work tree and index follow the way
 * `git merge --ff` would: files the move does not touch keep their local changes, and a local
 * change the move would overwrite makes it refuse before anything changes. A branch checked out
 * in another work tree is refused.
 */
export async function advanceBranch(git: GitRepository, branch: string, commit: string, expected: string | null): Promise<void> {
  const ref = `refs/heads/${branch}`;
  const checkedOut = await worktreeOf(git, ref);
  if (checkedOut !== null && path.resolve(checkedOut) !== path.resolve(git.root)) {
    throw new GitTufError('usage', `${branch} is checked out in ${checkedOut}`, { hint: 'switch that work tree to another branch first' });
  }
  if (checkedOut !== null && expected !== null) {
    const result = await git.run(['read-tree', '-m', '-u', expected, commit]);
    if (result.code !== 0) {
      throw new GitTufError('usage', `cannot update ${branch}: your uncommitted changes touch the files this changes`, { hint: 'commit or stash them, then run again' });
    }
  }
  const zero = '0'.repeat(git.oidLength);
  const result = await git.run(['update-ref', '-m', 'git tuf', ref, commit, expected ?? zero]);
  if (result.code !== 0) {
    throw new GitTufError('usage', `${branch} moved while git tuf was working on it`, { hint: 'run the command again' });
  }
}

/** The work tree that has `ref` checked out, or null. */
async function worktreeOf(git: GitRepository, ref: string): Promise<string | null> {
  const result = await git.run(['worktree', 'list', '--porcelain', '-z']);
  if (result.code !== 0) return null; // a bare repository without work trees
  let worktree: string | null = null;
  for (const field of result.stdout.toString('utf8').split('\0')) {
    if (field.startsWith('worktree ')) worktree = field.slice('worktree '.length);
    else if (field === `branch ${ref}`) return worktree;
  }
  return null;
}

/**
 * Fetches `refspecs` from `remote` (no tags); errors name the remote and git's reason. `prune`
 * also drops remote-tracking refs the refspecs cover whose branch is gone (a merged event).
 */
export async function fetchRemote(git: GitRepository, remote: string, refspecs: readonly string[] = [], options: { prune?: boolean } = {}): Promise<void> {
  const args = ['fetch', '--quiet', '--no-tags', ...(options.prune ? ['--prune'] : []), '--end-of-options', remote, ...refspecs];
  const result = await git.run(args);
  if (result.code !== 0) {
    const reason = result.stderr.split('\n').find((line) => line.trim() !== '')?.replace(/^fatal: /, '') ?? `exit code ${result.code}`;
    throw new GitTufError('git', `cannot fetch from ${remote}: ${reason}`, { hint: 'check the remote and your network, then run again' });
  }
}

/** What a push did: landed, or refused because the branch moved on the remote (fetch and retry). */
export type PushOutcome = 'pushed' | 'behind';

/**
 * Pushes `commit` to `refs/heads/<branch>` on `remote`, never forcing: another signer's newer
 * commit makes it return 'behind'. `replacing` (the remote branch's last seen commit, null when
 * absent) allows replacing a branch of one's own fork, and only if it is still at that commit.
 * Any other refusal (a hook, permissions, the network) throws with the remote's reason.
 */
export async function pushBranch(git: GitRepository, remote: string, commit: string, branch: string, options: { replacing?: string | null } = {}): Promise<PushOutcome> {
  const lease = 'replacing' in options ? [`--force-with-lease=refs/heads/${branch}:${options.replacing ?? ''}`] : [];
  const args = ['push', '--porcelain', ...lease, '--end-of-options', remote, `${commit}:refs/heads/${branch}`];
  const result = await git.run(args);
  const stdout = result.stdout.toString('utf8');
  const status = stdout.split('\n').find((line) => /^[ +\-*=!]\t/.test(line));
  if (result.code === 0 && status !== undefined && status[0] !== '!') return 'pushed';
  if (status !== undefined && /\[rejected\].*\((fetch first|non-fast-forward|stale info)\)/.test(status)) return 'behind';
  // Two pushes at the same moment: the remote checked ours, then found the ref moved under it (or,
  // for a new branch, created by the other push).
  if (status !== undefined && /\(failed to update ref\)/.test(status) && /is at [0-9a-f]+ but expected|reference already exists/.test(result.stderr)) return 'behind';
  const remoteSays = result.stderr
    .split('\n')
    .filter((line) => line.startsWith('remote: ') && line.length > 'remote: '.length)
    .map((line) => line.slice('remote: '.length).trim())
    .join(' ');
  const reason = status?.split('\t').at(-1) ?? result.stderr.split('\n').find((line) => line.trim() !== '') ?? `exit code ${result.code}`;
  throw new GitTufError('git', `${remote} refused the push to ${branch}: ${reason}${remoteSays ? ` — ${remoteSays}` : ''}`, {
    hint: 'fix what the remote says, then run again',
  });
}
