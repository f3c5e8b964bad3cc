// Real git repositories in temp dirs, isolated from the developer's own git setup.
// Importing this module also isolates git calls made by the code under test (it runs with
// process.env): no global/system config, fixed identity, no inherited repository location.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const isolation: NodeJS.ProcessEnv = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Committer',
  GIT_COMMITTER_EMAIL: 'committer@example.com',
};

// Set when tests run from inside a git hook or `git rebase --exec`: they would redirect every call.
const inherited = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_COMMON_DIR', 'GIT_PREFIX', 'GIT_NAMESPACE', 'GIT_CEILING_DIRECTORIES', 'GIT_CONFIG', 'GIT_CONFIG_PARAMETERS', 'GIT_CONFIG_COUNT'];
for (const name of inherited) delete process.env[name];
Object.assign(process.env, isolation);

/** The environment for git in tests (process.env, already isolated by this module). */
export const gitEnv: NodeJS.ProcessEnv = { ...process.env, ...isolation };

const tempDirs: string[] = [];
process.on('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A new empty directory under os.tmpdir(), removed when the process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix.endsWith('-') ? prefix : `${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

/** Runs git synchronously in `dir`; returns stdout without the final newline, throws with git's stderr. */
export function git(dir: string, ...args: string[]): string {
  return gitWith(dir, args, {});
}

/** Like git(), with extra environment variables and optional stdin. */
export function gitWith(dir: string, args: string[], extra: { env?: NodeJS.ProcessEnv; input?: string | Buffer }): string {
  try {
    const out = execFileSync('git', args, {
      cwd: dir,
      env: { ...gitEnv, ...extra.env },
      input: extra.input,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 1 << 30,
    });
    return out.endsWith('\n') ? out.slice(0, -1) : out;
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`git ${args.join(' ')} (in ${dir}) failed: ${stderr || String(error)}`, { cause: error });
  }
}

/** Creates a repository in `dir` (created if needed) on branch main with a local identity; returns `dir`. */
export function initRepo(dir: string, options: { bare?: boolean; objectFormat?: 'sha1' | 'sha256' } = {}): string {
  mkdirSync(dir, { recursive: true });
  const args = ['init', '-q', '-b', 'main', `--object-format=${options.objectFormat ?? 'sha1'}`];
  if (options.bare) args.push('--bare');
  git(dir, ...args, '.');
  git(dir, 'config', 'commit.gpgSign', 'false');
  git(dir, 'config', 'tag.gpgSign', 'false');
  git(dir, 'config', 'user.name', 'Test User');
  git(dir, 'config', 'user.email', 'test@example.com');
  return dir;
}

/**
 * Writes `files` into the work tree (null deletes; parent directories are created), stages
 * everything (`git add -A`) and commits. With `date`, it is both author and committer date.
 * Returns the new commit id.
 */
export function commitFiles(dir: string, files: Record<string, string | Buffer | null>, message: string, date?: string): string {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    if (content === null) {
      rmSync(file, { recursive: true, force: true });
    } else {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
  }
  git(dir, 'add', '-A');
  const env = date === undefined ? {} : { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
  gitWith(dir, ['commit', '-q', '--allow-empty', '-m', message], { env });
  return git(dir, 'rev-parse', 'HEAD');
}

/** Stores `contents` as blobs with one `git fast-import` (fast for thousands); returns their ids in order. */
export function writeBlobs(dir: string, contents: readonly (string | Buffer)[]): string[] {
  const marks = path.join(tempDir('git-tuf-marks'), 'marks');
  const parts: Buffer[] = [];
  contents.forEach((content, i) => {
    const bytes = Buffer.from(content);
    parts.push(Buffer.from(`blob\nmark :${i + 1}\ndata ${bytes.length}\n`), bytes, Buffer.from('\n'));
  });
  gitWith(dir, ['fast-import', '--quiet', `--export-marks=${marks}`], { input: Buffer.concat(parts) });
  const oids = new Array<string>(contents.length);
  for (const line of readFileSync(marks, 'latin1').split('\n')) {
    const [mark, oid] = line.split(' ');
    if (mark && oid) oids[Number(mark.slice(1)) - 1] = oid;
  }
  return oids;
}
