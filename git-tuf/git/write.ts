// Writing to git without touching anyone's checkout: commits are built in a private index from
// blobs and a parent tree; branches move only from the commit they were seen at; pushes never force.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { GitTufError } from '../errors.js';
import { gitError } from './exec.js';
import type { GitRepository, TreeEntry } from './repository.js';
import { isRegularFile, isTreeMode, parseTreeObject, type TreeEntryLine } from './tree.js';

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

/** From this size a new loose object is stored without compression, unless git config sets how. */
const STORE_FROM = 1024 * 1024;

/**
 * git's options for writing `content` as a loose object. Compressing a 12 MiB targets file takes
 * git some 80 ms of the 140 it spends writing it; stored as it is, the object is compressed when
 * git next packs it (gc, push). A level chosen in git config is kept.
 */
async function looseCompression(git: GitRepository, content: Buffer): Promise<string[]> {
  if (content.length < STORE_FROM) return [];
  const [loose, any] = await Promise.all([git.config('core.looseCompression'), git.config('core.compression')]);
  return loose === null && any === null ? ['-c', 'core.looseCompression=0'] : [];
}

/**
 * Writes the commit `parent` + `changes` and returns its id, or null when the changes leave the
 * tree as it was (nothing to commit). The author and committer come from git config, as for
 * `git commit`. No ref moves, and no index is involved: only the trees on the changed paths are
 * read (through `cat-file`) and rewritten (one `git mktree --batch`), so the cost does not grow
 * with the 100k files beside them.
 */
export async function writeCommit(git: GitRepository, request: CommitRequest): Promise<string | null> {
  const root: DirectoryEdit = { files: new Map(), dirs: new Map() };
  for (const change of request.changes) {
    const parts = change.path.split('/');
    if (change.path.startsWith('/') || parts.some((part) => part === '' || part === '.' || part === '..' || part === '.git')) {
      throw new GitTufError('internal', `refusing to write the unsafe path ${JSON.stringify(change.path)}`);
    }
    let dir = root;
    for (const part of parts.slice(0, -1)) {
      let next = dir.dirs.get(part);
      if (!next) dir.dirs.set(part, (next = { files: new Map(), dirs: new Map() }));
      dir = next;
    }
    const oid = change.content === null ? null : await git.output([...(await looseCompression(git, change.content)), 'hash-object', '-w', '--stdin'], { input: change.content });
    dir.files.set(parts[parts.length - 1]!, oid);
  }
  const parentTree = request.parent === null ? null : await git.commitTree(request.parent);
  const trees: TreeObject[] = [];
  const tree = (await editTree(git, parentTree, root, trees)) ?? (await writeTrees(git, [{ entries: [], oid: '' }]))[0]!;
  if (trees.length > 0) {
    const written = await writeTrees(git, trees);
    // git computed each tree from the same entries: a disagreement is a bug here, never committed.
    if (written.some((oid, index) => oid !== trees[index]!.oid)) throw new GitTufError('internal', 'git mktree wrote other trees than expected');
  }
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
}

/** What a commit changes in one directory: files (blob id; null deletes) and subdirectories. */
interface DirectoryEdit {
  files: Map<string, string | null>;
  dirs: Map<string, DirectoryEdit>;
}


/** A tree to write, with the id it must get. */
interface TreeObject {
  entries: TreeEntryLine[];
  oid: string;
}

/**
 * The id of `tree` (null: none) with `edit` applied; null when nothing is left in it. The trees
 * to write are added to `out`, children before their parents.
 */
async function editTree(git: GitRepository, tree: string | null, edit: DirectoryEdit, out: TreeObject[]): Promise<string | null> {
  // Keyed by the name's bytes (latin1 maps each byte to one character, so no name is altered).
  const entries = new Map((tree === null ? [] : parseTreeObject(await git.readObject(tree, 'tree'), git.oidLength / 2)).map((entry) => [entry.name.toString('latin1'), entry]));
  const keyOf = (name: string): string => Buffer.from(name, 'utf8').toString('latin1');
  for (const [name, oid] of edit.files) {
    const key = keyOf(name);
    if (entries.get(key) && isTreeMode(entries.get(key)!.mode)) throw new GitTufError('internal', `cannot write the file ${name}: a directory of that name exists`);
    if (oid === null) entries.delete(key);
    else entries.set(key, { mode: '100644', name: Buffer.from(name, 'utf8'), oid });
  }
  for (const [name, sub] of edit.dirs) {
    const key = keyOf(name);
    const current = entries.get(key);
    if (current && !isTreeMode(current.mode)) throw new GitTufError('internal', `cannot write into ${name}: a file of that name exists`);
    const oid = await editTree(git, current?.oid ?? null, sub, out);
    if (oid === null) entries.delete(key);
    else entries.set(key, { mode: '40000', name: Buffer.from(name, 'utf8'), oid });
  }
  if (entries.size === 0) return null;
  const sorted = [...entries.values()].sort((a, b) => Buffer.compare(sortKey(a), sortKey(b)));
  const oid = treeObjectId(git, sorted);
  if (oid === tree) return tree;
  out.push({ entries: sorted, oid });
  return oid;
}

/** git orders a tree's entries by name, a subtree's name as if it ended in "/". */
const sortKey = (entry: TreeEntryLine): Buffer => (isTreeMode(entry.mode) ? Buffer.concat([entry.name, SLASH]) : entry.name);
const SLASH = Buffer.from('/');

function treeObjectId(git: GitRepository, entries: TreeEntryLine[]): string {
  const body = Buffer.concat(entries.flatMap((entry) => [Buffer.from(`${entry.mode} `), entry.name, Buffer.from([0]), Buffer.from(entry.oid, 'hex')]));
  return createHash(git.objectFormat).update(`tree ${body.length}\0`).update(body).digest('hex');
}

const NUL = Buffer.from([0]);

/** Writes the trees with one `git mktree --batch`; returns their ids in order. */
async function writeTrees(git: GitRepository, trees: TreeObject[]): Promise<string[]> {
  const typeOf = (mode: string): string => (isTreeMode(mode) ? 'tree' : mode === '160000' ? 'commit' : 'blob');
  // `<mode> <type> <id>` TAB `<name>` NUL per entry; an empty record ends each tree.
  const input = Buffer.concat(trees.flatMap((tree) => [...tree.entries.flatMap((entry) => [Buffer.from(`${entry.mode} ${typeOf(entry.mode)} ${entry.oid}\t`), entry.name, NUL]), NUL]));
  const result = await git.run(['mktree', '-z', '--batch'], { input });
  if (result.code !== 0) throw gitError(['mktree'], result);
  return result.stdout.toString('utf8').split('\n').filter((line) => line !== '');
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
  if (checkedOut !== null && expected !== null && !(await checkoutChangedFiles(git, expected, commit))) {
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

/** Up to how many changed files checkoutChangedFiles takes on (they go on one command line). */
const CHECKOUT_AT_MOST = 64;

/**
 * What `git read-tree -m -u from to` does to the index and work tree, for the common case where
 * `to` only changes the content of a few files whose index entries and work-tree files are as at
 * `from`: just those files are checked out. read-tree reads and rewrites the index entries of
 * every file (some 180 ms beside 100k artifacts), `git checkout` only the ones it writes.
 * Returns false, having changed nothing, for any other case (read-tree then does it).
 */
async function checkoutChangedFiles(git: GitRepository, from: string, to: string): Promise<boolean> {
  const changes = await git.changedFiles(from, to, '');
  const regular = (entry: TreeEntry | null): entry is TreeEntry => entry !== null && isRegularFile(entry);
  // Each path with what its index entry must be: `<mode> <oid> <stage 0>`, as ls-files -s shows it.
  const expected = new Map<string, string>();
  for (const { path, was, now } of changes) {
    if (!regular(was) || !regular(now)) return false;
    expected.set(path, `${was.mode} ${was.oid} 0`);
  }
  const paths = [...expected.keys()];
  if (paths.length === 0 || paths.length > CHECKOUT_AT_MOST) return false;
  // Each index entry as at `from`, with no skip-worktree or assume-unchanged flag (tag H) …
  const index = await git.run(['--literal-pathspecs', 'ls-files', '-s', '-v', '-z', '--', ...paths]);
  if (index.code !== 0) return false;
  const entries = index.stdout.toString('utf8').split('\0').filter((entry) => entry !== '');
  if (entries.length !== paths.length) return false;
  for (const entry of entries) {
    const tab = entry.indexOf('\t');
    if (!entry.startsWith('H ') || expected.get(entry.slice(tab + 1)) !== entry.slice(2, tab)) return false;
  }
  // … and each work-tree file as its index entry.
  if ((await git.run(['--literal-pathspecs', 'diff-files', '--quiet', '--', ...paths])).code !== 0) return false;
  // No hook runs, as for read-tree (checkout would run post-checkout).
  const checkout = await git.run(['-c', 'core.hooksPath=/dev/null', '--literal-pathspecs', 'checkout', '--quiet', to, '--', ...paths]);
  if (checkout.code !== 0) throw gitError(['checkout', to, '--', ...paths], checkout);
  return true;
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
