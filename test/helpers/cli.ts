/**
 * Runs the real `git tuf` as a user does: git finds `git-tuf` on PATH. The compiled entry point
 * is linked as `git-tuf` into a temp bin directory put in front of PATH.
 */
import { spawnSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commitFiles, gitEnv, tempDir } from './git.js';

/** The project root (tests run compiled, from dist/test/helpers). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const binDir = tempDir('git-tuf-bin');
/** The `git-tuf` link that git finds on PATH in tests. */
export const binPath = path.join(binDir, 'git-tuf');
symlinkSync(path.join(projectRoot, 'bin', 'git-tuf'), binPath);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function gitTuf(cwd: string, args: string[], env: Record<string, string | undefined> = {}, input = ''): CliResult {
  const result = spawnSync('git', ['tuf', ...args], {
    cwd,
    input,
    env: { ...gitEnv, PATH: `${binDir}${path.delimiter}${gitEnv.PATH ?? ''}`, NO_COLOR: '1', FORCE_COLOR: undefined, ...env },
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (result.error) throw result.error;
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** `git tuf status --json` parsed, with the exit code. */
export function statusJson(cwd: string, args: string[], env: Record<string, string | undefined> = {}): { code: number; report: any; stderr: string } {
  const result = gitTuf(cwd, ['status', '--json', ...args], env);
  let report: unknown = null;
  try {
    report = JSON.parse(result.stdout);
  } catch {
    // Left null: the caller's assertions show stderr.
  }
  return { code: result.code, report, stderr: result.stderr };
}

/** Commits `files` as the whole of metadata/ and targets/ (anything else there is removed). */
export function commitTree(dir: string, files: Map<string, Buffer>, message: string, date?: string): string {
  // Deletions come first: object keys keep insertion order.
  return commitFiles(dir, { metadata: null, targets: null, ...Object.fromEntries(files) }, message, date);
}
