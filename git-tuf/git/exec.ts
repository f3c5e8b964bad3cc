// The one git executor: every git process git tuf starts goes through here, so every call gets
// the same environment and the same kind of error.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { GitTufError } from '../errors.js';

export interface GitOptions {
  cwd: string;
  input?: string | Buffer;
  /** Merged over process.env (a key set to undefined removes that variable). */
  env?: NodeJS.ProcessEnv;
}

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/**
 * The environment of every git call. `LC_ALL=C` keeps messages stable; ignoring `refs/replace`
 * matters for security: a replace ref would let a local ref silently swap the objects we verify
 * and sign; no prompt may ever block a hook or CI job.
 */
export function gitEnvironment(env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...process.env, ...env, LC_ALL: 'C', GIT_NO_REPLACE_OBJECTS: '1', GIT_TERMINAL_PROMPT: '0' };
}

/** Starts a long-lived git process (e.g. `cat-file --batch`) with the executor's environment. */
export function spawnGit(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): ChildProcess {
  return spawn('git', args, { cwd: options.cwd, env: gitEnvironment(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs git to completion. Never throws for a non-zero exit: the caller decides what an exit code means. */
export function runGit(args: string[], options: GitOptions): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: gitEnvironment(options.env),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => {
      reject(new GitTufError('git', `cannot run ${describe(args)} in ${options.cwd}: ${error.message}`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      resolve({
        code: code ?? 128 + (signal === null ? 0 : constants.signals[signal]),
        stdout: out.length === 1 ? out[0]! : Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    if (options.input !== undefined) {
      // git may exit before reading all of its input; the exit code reports that, not EPIPE.
      child.stdin!.on('error', () => {});
      child.stdin!.end(options.input);
    }
  });
}

/** Runs git and returns its stdout as text without the final newline; throws on a non-zero exit. */
export async function gitOutput(args: string[], options: GitOptions): Promise<string> {
  const result = await runGit(args, options);
  if (result.code !== 0) throw gitError(args, result);
  const text = result.stdout.toString('utf8');
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

/** The error for a failed git call: the argv and the first line of git's stderr. */
export function gitError(args: string[], result: GitResult): GitTufError {
  const firstLine = result.stderr.split('\n').find((line) => line.trim() !== '') ?? '';
  const detail = firstLine === '' ? `exit code ${result.code}` : firstLine.trim();
  return new GitTufError('git', `${describe(args)} failed: ${detail}`);
}

export function describe(args: string[]): string {
  return ['git', ...args].map((arg) => (/^[\w./:=@^{}+-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(' ');
}
