// Read access to a git repository at any commit, without touching its work tree (a checked-out
// file is read only where git's id of its bytes proves it the committed blob).
import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { GitTufError } from '../errors.js';
import { CatFile, type ObjectReceiver } from './cat-file.js';
import { GitConfig } from './config.js';
import { gitError, gitOutput, runGit, type GitOptions, type GitResult } from './exec.js';
import { isTreeMode, parseTree, parseTreeObject, type TreeEntry, type TreeEntryLine } from './tree.js';

export type { TreeEntry };

/** A file that differs between two commits, with its entries in the earlier one (null: added) and the later one (null: removed). */
export interface ChangedFile {
  path: string;
  was: TreeEntry | null;
  now: TreeEntry | null;
}


export type ObjectFormat = 'sha1' | 'sha256';

const NOT_A_REPO_HINT = 'run git tuf inside a clone of the TUF repository';

// One call in the usual case; --show-toplevel fails (after printing the rest) outside a work tree.
const OPEN_ARGS = ['rev-parse', '--is-inside-work-tree', '--git-common-dir', '--show-object-format', '--show-toplevel'];
const HEAD_ARGS = ['rev-parse', 'HEAD', '--symbolic-full-name', 'HEAD'];
const CONFIG_ARGS = ['config', '--list', '-z'];

/** The first git calls of a command, started by GitRepository.prepare; each answer is used once. */
interface EarlyCalls {
  dir: string;
  /** OPEN_ARGS, with HEAD_ARGS after them when `withHead`. */
  open: Promise<GitResult>;
  withHead: boolean;
  config: Promise<GitResult> | undefined;
}

let early: EarlyCalls | null = null;

function started(args: string[], dir: string): Promise<GitResult> {
  const call = runGit(args, { cwd: dir });
  call.catch(() => {}); // whoever takes it awaits it; until then a failure must not go unhandled
  return call;
}

export class GitRepository {
  /** The top of the work tree; the git directory itself for a bare repository. */
  readonly root: string;
  /** The top of the work tree; null for a bare repository. */
  readonly workTree: string | null;
  /** The git directory shared by all work trees (where caches live). */
  readonly commonDir: string;
  /** The object format: object ids are 40 (sha1) or 64 (sha256) hex digits. */
  readonly objectFormat: ObjectFormat;
  readonly #catFile: CatFile;
  #config: Promise<GitConfig> | undefined;
  /** HEAD as read when the command started (GitRepository.prepare), for the first head() only. */
  #startHead: GitResult | undefined;

  private constructor(root: string, commonDir: string, objectFormat: ObjectFormat, workTree: string | null, calls: EarlyCalls | null, startHead: GitResult | undefined) {
    this.root = root;
    this.workTree = workTree;
    this.commonDir = commonDir;
    this.objectFormat = objectFormat;
    this.#catFile = new CatFile(root);
    this.#startHead = startHead;
    if (calls?.config) {
      this.#config = calls.config.then((result) => parseConfig(result));
      this.#config.catch(() => {}); // awaited by whoever reads configuration
    }
  }

  /**
   * Starts the git calls a command in `cwd` begins with (finding the repository and, with
   * `head`, HEAD in one call; with `config`, its configuration in another) while node is still
   * loading the command's modules. The next open(cwd) takes them; each answer is used once, as
   * if asked then.
   */
  static prepare(cwd: string, options: { head: boolean; config: boolean }): void {
    const dir = path.resolve(cwd);
    // HEAD in the same call: rev-parse answers each argument on its own line.
    const open = started(options.head ? [...OPEN_ARGS, ...HEAD_ARGS.slice(1)] : OPEN_ARGS, dir);
    early = { dir, open, withHead: options.head, config: options.config ? started(CONFIG_ARGS, dir) : undefined };
  }

  /** Hex digits in an object id of this repository. */
  get oidLength(): number {
    return this.objectFormat === 'sha256' ? 64 : 40;
  }

  /** The repository containing `cwd` (any subdirectory works; bare repositories too). */
  static async open(cwd: string): Promise<GitRepository> {
    const dir = path.resolve(cwd);
    const isDir = await stat(dir).then((s) => s.isDirectory(), () => false);
    if (!isDir) throw new GitTufError('not-a-repo', `not a git repository: ${cwd}`, { hint: NOT_A_REPO_HINT });
    const calls = early?.dir === dir ? early : null;
    early = null;
    let result = await (calls?.open ?? runGit(OPEN_ARGS, { cwd: dir }));
    let startHead: GitResult | undefined;
    if (calls?.withHead) {
      // Outside a work tree, or before the first commit, HEAD's part fails the call: ask again without it.
      if (result.code !== 0) result = await runGit(OPEN_ARGS, { cwd: dir });
      else {
        const lines = result.stdout.toString('utf8').split('\n');
        startHead = { code: 0, stdout: Buffer.from(`${lines.slice(4, 6).join('\n')}\n`), stderr: '' };
        result = { ...result, stdout: Buffer.from(`${lines.slice(0, 4).join('\n')}\n`) };
      }
    }
    if (result.code !== 0 && result.stdout.toString('utf8').startsWith('false\n')) {
      result = await runGit(OPEN_ARGS.slice(0, -1), { cwd: dir });
    }
    if (result.code !== 0) {
      if (/not a git repository/i.test(result.stderr)) {
        throw new GitTufError('not-a-repo', `not a git repository: ${cwd}`, { hint: NOT_A_REPO_HINT });
      }
      throw gitError(['rev-parse', '--git-common-dir'], result); // e.g. "dubious ownership": git's words are the best hint
    }
    const [inWorkTree, commonDirOut, objectFormat, topLevel] = result.stdout.toString('utf8').split('\n');
    if (commonDirOut === undefined || commonDirOut === '') throw gitError(['rev-parse', '--git-common-dir'], result);
    if (objectFormat !== 'sha1' && objectFormat !== 'sha256') {
      throw new GitTufError('git', `unsupported git object format ${JSON.stringify(objectFormat)} in ${cwd}`);
    }
    // git prints relative paths relative to the physical working directory.
    const commonDir = path.isAbsolute(commonDirOut) ? commonDirOut : path.resolve(await realpath(dir), commonDirOut);
    const workTree = inWorkTree === 'true' && topLevel ? topLevel : null;
    return new GitRepository(workTree ?? commonDir, commonDir, objectFormat, workTree, calls, startHead);
  }

  /** Runs git in this repository; the caller interprets the exit code. */
  run(args: string[], options: Omit<GitOptions, 'cwd'> = {}): Promise<GitResult> {
    return runGit(args, { ...options, cwd: this.root });
  }

  /** Runs git in this repository and returns its output without the final newline; throws on failure. */
  output(args: string[], options: Omit<GitOptions, 'cwd'> = {}): Promise<string> {
    return gitOutput(args, { ...options, cwd: this.root });
  }

  /** The commit a ref, commit id or revision names; null when there is none. */
  async resolveCommit(ref: string): Promise<string | null> {
    if (ref === '' || ref.startsWith('-')) return null; // would be read as an option, and is no ref
    const args = ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`];
    const result = await this.run(args);
    if (result.code === 0) return result.stdout.toString('utf8').trim();
    if (result.code === 1) return null;
    throw gitError(args, result);
  }

  /**
   * The commit with object id `oid` when this repository has it (like resolveCommit), asked of
   * the long-lived `cat-file` instead of a git process of its own; a tag is peeled by rev-parse.
   */
  async commitById(oid: string): Promise<string | null> {
    if (!this.#isObjectId(oid)) return this.resolveCommit(oid);
    const type = await this.#catFile.typeOf(oid);
    if (type === 'tag') return this.resolveCommit(oid);
    return type === 'commit' ? oid : null;
  }

  /** HEAD in one git call: the checked-out branch (short name; null when detached) and its commit (null before the first commit). */
  async head(): Promise<{ branch: string | null; commit: string | null }> {
    const args = HEAD_ARGS;
    const startHead = this.#startHead;
    this.#startHead = undefined;
    const result = startHead ?? (await this.run(args));
    if (result.code !== 0) return { branch: await this.currentBranch(), commit: null }; // unborn, or an error currentBranch reports
    const [commit, ref] = result.stdout.toString('utf8').split('\n');
    if (commit === undefined || ref === undefined || commit.length !== this.oidLength) throw gitError(args, result);
    return { branch: ref === 'HEAD' ? null : shortBranch(ref), commit };
  }

  /**
   * The commits of several full ref names (`refs/heads/main`, `refs/remotes/origin/main`, tags)
   * in one git call; a ref that does not exist or names no commit is left out.
   */
  async refCommits(refs: readonly string[]): Promise<Map<string, string>> {
    const commits = new Map<string, string>();
    const wanted = new Set(refs.filter((ref) => ref.startsWith('refs/'))); // nothing git could read as an option
    if (wanted.size === 0) return commits;
    const args = ['for-each-ref', '--format=%(refname)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)', ...wanted];
    const result = await this.run(args);
    if (result.code !== 0) throw gitError(args, result);
    const deeper: string[] = [];
    for (const line of result.stdout.toString('utf8').split('\n')) {
      const [ref, type, oid, peeledType, peeled] = line.split('\0');
      // Patterns also match refs below them (refs/heads/main/x): only exact names count.
      if (ref === undefined || !wanted.has(ref)) continue;
      if (type === 'commit') commits.set(ref, oid!);
      else if (peeledType === 'commit') commits.set(ref, peeled!);
      else if (peeledType === 'tag') deeper.push(ref); // a tag of a tag: rare, peeled by rev-parse
    }
    for (const ref of deeper) {
      const commit = await this.resolveCommit(ref);
      if (commit !== null) commits.set(ref, commit);
    }
    return commits;
  }

  /** `commit` and up to `count - 1` of its first-parent ancestors, newest first. */
  async firstParents(commit: string, count: number): Promise<string[]> {
    if (commit === '' || commit.startsWith('-')) throw new GitTufError('missing-ref', `not a commit: ${JSON.stringify(commit)}`);
    const args = ['rev-list', '--first-parent', `--max-count=${count}`, commit];
    const result = await this.run(args);
    if (result.code !== 0) throw gitError(args, result);
    return result.stdout.toString('utf8').split('\n').filter((line) => line !== '');
  }

  /** The best common ancestor of two commits; null when their histories are unrelated. */
  async mergeBase(a: string, b: string): Promise<string | null> {
    for (const ref of [a, b]) {
      if (ref === '' || ref.startsWith('-')) throw new GitTufError('missing-ref', `not a revision: ${JSON.stringify(ref)}`);
    }
    const args = ['merge-base', a, b];
    const result = await this.run(args);
    if (result.code === 0) return result.stdout.toString('utf8').trim();
    if (result.code === 1) return null;
    throw gitError(args, result);
  }

  /** The checked-out branch's short name (e.g. 'main'); null when HEAD is detached. */
  async currentBranch(): Promise<string | null> {
    const args = ['symbolic-ref', '--quiet', 'HEAD'];
    const result = await this.run(args);
    if (result.code === 1) return null;
    if (result.code !== 0) throw gitError(args, result);
    return shortBranch(result.stdout.toString('utf8').trim());
  }

  /** A configuration value (the last one if set several times; '' when set without one); null when unset. */
  async config(key: string): Promise<string | null> {
    return (await this.readConfig()).get(key);
  }

  /** The remotes' names (as `git remote`). */
  async remotes(): Promise<string[]> {
    return (await this.readConfig()).remotes();
  }

  /**
   * The whole configuration, read once in one git call (git tuf never changes configuration
   * while it runs).
   */
  readConfig(): Promise<GitConfig> {
    this.#config ??= this.run(CONFIG_ARGS).then((result) => parseConfig(result));
    return this.#config;
  }

  /**
   * Everything under `dir` at `commit`, recursively (blobs and submodules; trees are implied by
   * the paths). An absent `dir` gives []. `dir` '' lists the whole tree.
   */
  async listTree(commit: string, dir: string): Promise<TreeEntry[]> {
    return (await this.listTrees(commit, [dir]))[0]!;
  }

  /**
   * listTree for a small directory (metadata/), read as tree objects through the long-lived
   * `cat-file`: a handful of reads instead of starting git. Anything but a full commit id goes to
   * listTree.
   */
  async listSmallTree(commit: string, dir: string): Promise<TreeEntry[]> {
    if (!this.#isObjectId(commit)) return this.listTree(commit, dir);
    let tree: string | undefined = await this.commitTree(commit);
    for (const name of dir.split('/').filter((part) => part !== '')) {
      if (tree === undefined) return [];
      const entry: TreeEntryLine | undefined = parseTreeObject(await this.readObject(tree, 'tree'), this.oidLength / 2).find((line) => line.name.toString('utf8') === name);
      tree = entry && isTreeMode(entry.mode) ? entry.oid : undefined;
    }
    if (tree === undefined) return [];
    const entries: TreeEntry[] = [];
    const walk = async (oid: string, prefix: string): Promise<void> => {
      for (const line of parseTreeObject(await this.readObject(oid, 'tree'), this.oidLength / 2)) {
        const path = prefix + line.name.toString('utf8');
        if (isTreeMode(line.mode)) await walk(line.oid, `${path}/`);
        // As ls-tree prints them: six digits, the type from the mode.
        else entries.push({ path, mode: line.mode.padStart(6, '0'), type: line.mode === '160000' ? 'commit' : 'blob', oid: line.oid });
      }
    };
    await walk(tree, '');
    return entries;
  }

  /**
   * Several directories of one commit in one git call (`listTree` of each, in the order of
   * `dirs`); the directories must not lie inside one another.
   */
  async listTrees(commit: string, dirs: readonly string[]): Promise<TreeEntry[][]> {
    if (commit === '' || commit.startsWith('-')) throw new GitTufError('missing-ref', `not a commit: ${JSON.stringify(commit)}`);
    const prefixes = dirs.map((dir) => dir.replace(/^\/+|\/+$/g, ''));
    const args = ['--literal-pathspecs', 'ls-tree', '-r', '-z', '--full-tree', commit];
    if (!prefixes.includes('')) args.push('--', ...prefixes.map((prefix) => `${prefix}/`));
    const result = await this.run(args);
    if (result.code !== 0) throw gitError(args, result);
    return parseTree(result.stdout.toString('utf8'), prefixes.includes('') ? [''] : prefixes, this.oidLength);
  }


  /**
   * The files under `dir` (paths relative to it; '' for the whole tree) that differ between two
   * commits: added, removed, or changed in content or mode, each with its entries at `from` and
   * `to`. git compares trees by id, so unchanged directories cost nothing.
   */
  async changedFiles(from: string, to: string, dir: string): Promise<ChangedFile[]> {
    for (const commit of [from, to]) if (commit === '' || commit.startsWith('-')) throw new GitTufError('missing-ref', `not a commit: ${JSON.stringify(commit)}`);
    const prefix = dir.replace(/^\/+|\/+$/g, '');
    const args = ['--literal-pathspecs', 'diff-tree', '-r', '-z', '--no-renames', '--no-abbrev', from, to, ...(prefix === '' ? [] : ['--', `${prefix}/`])];
    const result = await this.run(args);
    if (result.code !== 0) throw gitError(args, result);
    // `:<old mode> <new mode> <old oid> <new oid> <status>` NUL `<path>` NUL, for each file.
    const fields = result.stdout.toString('utf8').split('\0');
    const changes: ChangedFile[] = [];
    const entry = (path: string, mode: string, oid: string): TreeEntry | null => (/^0+$/.test(mode) ? null : { path, mode, type: mode === '160000' ? 'commit' : 'blob', oid });
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const [oldMode, mode, oldOid, oid] = fields[i]!.slice(1).split(' ');
      if (oldMode === undefined || mode === undefined || oldOid === undefined || oid === undefined || oid.length !== this.oidLength) throw gitError(args, result);
      const path = fields[i + 1]!.slice(prefix === '' ? 0 : prefix.length + 1);
      changes.push({ path, was: entry(path, oldMode, oldOid), now: entry(path, mode, oid) });
    }
    return changes;
  }

  /** How many files (blobs, symlinks, submodules) `dir` holds at `commit`, in all its subdirectories. */
  async countFiles(commit: string, dir: string): Promise<number> {
    if (commit === '' || commit.startsWith('-')) throw new GitTufError('missing-ref', `not a commit: ${JSON.stringify(commit)}`);
    const args = ['--literal-pathspecs', 'ls-tree', '-r', '-z', '--name-only', '--full-tree', commit, '--', `${dir.replace(/^\/+|\/+$/g, '')}/`];
    const result = await this.run(args);
    if (result.code !== 0) throw gitError(args, result);
    let count = 0;
    for (let at = result.stdout.indexOf(0); at !== -1; at = result.stdout.indexOf(0, at + 1)) count++;
    return count;
  }

  readBlob(oid: string): Promise<Buffer> {
    return this.#catFile.read(oid, 'blob');
  }

  /** The tree of a commit: read off the commit object through `cat-file` for a full id, else asked of rev-parse. */
  async commitTree(commit: string): Promise<string> {
    if (this.#isObjectId(commit)) {
      const match = /^tree ([0-9a-f]+)\n/.exec((await this.readObject(commit, 'commit')).toString('latin1'));
      if (match) return match[1]!;
    }
    return this.output(['rev-parse', '--verify', '--end-of-options', `${commit}^{tree}`]);
  }

  #isObjectId(text: string): boolean {
    return text.length === this.oidLength && /^[0-9a-f]+$/.test(text);
  }

  /** The raw content of a commit or tree object (full id), through the long-lived `cat-file`. */
  readObject(oid: string, type: 'commit' | 'tree'): Promise<Buffer> {
    return this.#catFile.read(oid, type);
  }

  /** Many blobs through one pipelined request; bound `oids` to bound memory. */
  readBlobs(oids: readonly string[]): Promise<Buffer[]> {
    return this.#catFile.readMany(oids, 'blob');
  }

  /**
   * readBlobs, taking a blob from `files[i]` (a checked-out copy) when git's id of that file's
   * bytes is the blob's: a read and a hash instead of unpacking 12 MiB. Otherwise from git.
   */
  async readBlobsPreferring(oids: readonly string[], files: readonly (string | null)[]): Promise<Buffer[]> {
    const checkedOut = await Promise.all(
      oids.map(async (oid, i) => {
        const file = files[i];
        if (!file) return null;
        const bytes = await readFile(file).catch(() => null);
        return bytes !== null && createHash(this.objectFormat).update(`blob ${bytes.length}\0`).update(bytes).digest('hex') === oid ? bytes : null;
      }),
    );
    const missing = oids.filter((_, i) => checkedOut[i] === null);
    const fromGit = await this.readBlobs(missing);
    let next = 0;
    return checkedOut.map((bytes) => bytes ?? fromGit[next++]!);
  }

  /**
   * Many blobs streamed chunk by chunk: memory stays bounded for any number. A large request is
   * split over several git processes (git's unpacking, not node, is the slow side), each slice
   * streaming in order to its own receiver from `receiver()`; indexes are into `oids`. Settles
   * once every slice is done; rejects with the first error (a missing blob, a non-blob).
   */
  streamBlobs(oids: readonly string[], receiver: () => ObjectReceiver): Promise<void> {
    return streamBlobsAt(this.root, oids, receiver, this.#catFile);
  }

  /** Stops the background `git cat-file`; the repository stays usable (a new one starts on demand). */
  close(): void {
    this.#catFile.close();
  }
}

function parseConfig(result: GitResult): GitConfig {
  if (result.code !== 0) throw gitError(CONFIG_ARGS, result);
  return GitConfig.parse(result.stdout);
}

/** Blob reads of one request are split over up to this many `git cat-file` processes… */
const MAX_READERS = Math.min(4, Math.max(2, availableParallelism()));
/** …each answering at least this many. */
const MIN_BLOBS_PER_READER = 4096;

/**
 * GitRepository.streamBlobs for the repository at `root` (also where no GitRepository is open:
 * a worker thread). `shared`, when given, answers a request too small to split.
 */
export async function streamBlobsAt(root: string, oids: readonly string[], receiver: () => ObjectReceiver, shared?: CatFile): Promise<void> {
  const slices = Math.max(1, Math.min(MAX_READERS, Math.floor(oids.length / MIN_BLOBS_PER_READER)));
  if (slices === 1 && shared) return shared.stream(oids, 'blob', receiver());
  const size = Math.ceil(oids.length / slices);
  const readers = Array.from({ length: slices }, () => new CatFile(root, { oneRequest: true }));
  try {
    const results = await Promise.allSettled(
      readers.map((reader, slice) => reader.stream(oids.slice(slice * size, (slice + 1) * size), 'blob', offset(receiver(), slice * size))),
    );
    const failed = results.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  } finally {
    for (const reader of readers) reader.close();
  }
}

function offset(receiver: ObjectReceiver, start: number): ObjectReceiver {
  if (start === 0) return receiver;
  return {
    begin: (index, size, type) => receiver.begin(start + index, size, type),
    data: (bytes) => receiver.data(bytes),
    end: (index) => receiver.end(start + index),
  };
}

function shortBranch(ref: string): string {
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
}
