/** Runs the hook that `git tuf hooks install` kept in place of the shim, as git would have run it. */
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { GitTufError } from '../errors.js';
import type { GitRepository } from '../git/repository.js';
import { chainedHookFile, hooksDir } from './install.js';

/**
 * The kept hook's exit code, or 0 when there is none. Like git, a kept hook that is not
 * executable is not run. `input` is what git gave the shim on stdin (undefined: pass stdin on).
 */
export async function runChainedHook(git: GitRepository, name: string, args: string[], input?: Buffer): Promise<number> {
  // The shim says where it is (no git call on the hook's path); run by hand, ask git.
  const shim = process.env.GIT_TUF_HOOK;
  const dir = shim && path.basename(shim) === name ? path.dirname(path.resolve(shim)) : await hooksDir(git);
  const file = chainedHookFile(dir, name);
  const runnable = await access(file, constants.X_OK).then(() => true, () => false);
  if (!runnable) return 0;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: [input === undefined ? 'inherit' : 'pipe', 'inherit', 'inherit'] });
    child.on('error', (error) => reject(new GitTufError('git', `cannot run the ${name} hook kept by git tuf (${file}): ${error.message}`, { hint: 'fix or remove that file' })));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    if (input !== undefined) {
      // A hook may exit without reading its input; its exit code says what happened, not EPIPE.
      child.stdin!.on('error', () => {});
      child.stdin!.end(input);
    }
  });
}
