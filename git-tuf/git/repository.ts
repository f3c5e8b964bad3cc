// Read access to a git repository at any commit, without touching its work tree.
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { GitTufError } from '../errors.js';
import { CatFile } from './cat-file.js';
import { gitError, gitOutput, runGit, type GitOptions, type GitResult } from './exec.js';

export interface TreeEntry {
  /** Relative to the listed directory, '/'-separated. */
  path: string;
  /** '100644', '100755', '120000' (symlink), '160000' (submodule) or '040000'. */
  mode: string;
  type: 'blob' | 'commit' | 'tree';
  oid: string;
  /** Blob size in bytes; null for submodules and trees. */
  size: number | null;
}

const NOT_A_REPO_HINT = 'run git tuf inside a clone of the TUF repository';

export class GitRepository {
  /** The top of the work tree; the git directory itself for a bare repository. */
  readonly root: string;
  /** The git directory shared by all work trees (where caches live). */
  readonly commonDir: string;
  readonly #catFile: CatFile;

  private constructor(root: string, commonDir: string) {
    this.root = root;
    this.commonDir = commonDir;
    this.#catFile = new CatFile(root);
  }

  /** The repository containing `cwd` (any subdirectory works; bare repositories too). */
  static async open(cwd: string): Promise<GitRepository> {
    const dir = path.resolve(cwd);
    const isDir = await stat(dir).then((s) => s.isDirectory(), () => false);
    if (!isDir) throw new GitTufError('not-a-repo', `not a git repository: ${cwd}`, { hint: NOT_A_REPO_HINT });
    // One call in the usual case; --show-toplevel fails (after printing the rest) outside a work tree.
    let result = await runGit(['rev-parse', '--is-inside-work-tree', '--git-common-dir', '--show-toplevel'], { cwd: dir });
    if (result.code !== 0 && result.stdout.toString('utf8').startsWith('false\n')) {
      result = await runGit(['rev-parse', '--is-inside-work-tree', '--git-common-dir'], { cwd: dir });
    }
    if (result.code !== 0) {
      if (/not a git repository/i.test(result.stderr)) {
        throw new GitTufError('not-a-repo', `not a git repository: ${cwd}`, { hint: NOT_A_REPO_HINT });
      }
      throw gitError(['rev-parse', '--git-common-dir'], result); // e.g. "dubious ownership": git's words are the best hint
    }
    const [inWorkTree, commonDirOut, topLevel] = result.stdout.toString('utf8').split('\n');
    if (commonDirOut === undefined || commonDirOut === '') throw gitError(['rev-parse', '--git-common-dir'], result);
    // git prints relative paths relative to the physical working directory.
    const commonDir = path.isAbsolute(commonDirOut) ? commonDirOut : path.resolve(await realpath(dir), commonDirOut);
    const root = inWorkTree === 'true' && topLevel ? topLevel : commonDir;
    return new GitRepository(root, commonDir);
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
    const ref = result.stdout.toString('utf8').trim();
    return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
  }

  /** A configuration value (the last one if set several times); null when unset. */
  async config(key: string): Promise<string | null> {
    const args = ['config', '--get', '--end-of-options', key];
    const result = await this.run(args);
    if (result.code === 1) return null;
    if (result.code !== 0) throw gitError(args, result);
    const text = result.stdout.toString('utf8');
    return text.endsWith('\n') ? text.slice(0, -1) : text;
  }

  async remotes(): Promise<string[]> {
    const text = await this.output(['remote']);
    return text === '' ? [] : text.split('\n');
  }

  /**
   * Everything under `dir` at `commit`, recursively (blobs and submodules; trees are implied by
   * the paths). An absent `dir` gives []. `dir` '' lists the whole tree.
   */
  async listTree(commit: string, dir: string): Promise<TreeEntry[]> {
    if (commit === '' || commit.startsWith('-')) throw new GitTufError('missing-ref', `not a commit: ${JSON.stringify(commit)}`);
    const prefix = dir.replace(/^\/+|\/+$/g, '');
    const args = ['--literal-pathspecs', 'ls-tree', '-r', '-z', '--full-tree', '-l', commit];
    if (prefix !== '') args.push('--', `${prefix}/`);
    const result = await this.run(args);
    if (result.code !== 0) throw gitError(args, result);
    return parseTree(result.stdout.toString('utf8'), prefix === '' ? 0 : prefix.length + 1);
  }

  readBlob(oid: string): Promise<Buffer> {
    return this.#catFile.read(oid, 'blob');
  }

  /** Many blobs through one pipelined request; bound `oids` to bound memory. */
  readBlobs(oids: readonly string[]): Promise<Buffer[]> {
    return this.#catFile.readMany(oids, 'blob');
  }

  /** Stops the background `git cat-file`; the repository stays usable (a new one starts on demand). */
  close(): void {
    this.#catFile.close();
  }
}

/** Parses `ls-tree -z -l` output: `<mode> SP <type> SP <oid> SP+ <size>|- TAB <path> NUL`. */
function parseTree(text: string, strip: number): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\0', pos);
    if (end === -1) end = text.length;
    const space1 = text.indexOf(' ', pos);
    const space2 = text.indexOf(' ', space1 + 1);
    const space3 = text.indexOf(' ', space2 + 1);
    const tab = text.indexOf('\t', space3 + 1);
    const type = text.slice(space1 + 1, space2);
    const size = text.slice(space3 + 1, tab).trim();
    if (space1 === -1 || space2 === -1 || space3 === -1 || tab === -1 || tab > end || (type !== 'blob' && type !== 'commit' && type !== 'tree')) {
      throw new GitTufError('git', `unexpected git ls-tree output: ${JSON.stringify(text.slice(pos, end))}`);
    }
    entries.push({
      path: text.slice(tab + 1 + strip, end),
      mode: text.slice(pos, space1),
      type,
      oid: text.slice(space2 + 1, space3),
      size: size === '-' ? null : Number(size),
    });
    pos = end + 1;
  }
  return entries;
}
