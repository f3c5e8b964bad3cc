/**
 * Installs git tuf's hook shims into the repository's hooks directory (`git rev-parse --git-path
 * hooks`, which honours core.hooksPath). A hook that is already there is kept: it is renamed to
 * `<name>.git-tuf-chained` (bytes and mode unchanged), and `git tuf hook` runs it before its own
 * checks. Uninstalling renames it back.
 */
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GitTufError } from '../errors.js';
import type { GitRepository } from '../git/repository.js';
import { SHIMS_DIR } from '../package-files.js';

export const HOOK_NAMES = ['pre-push', 'post-merge'] as const;
export type HookName = (typeof HOOK_NAMES)[number];

/** Where a replaced hook is kept; git itself never runs a file of that name. */
export const chainedHookFile = (hooksDir: string, name: string): string => path.join(hooksDir, `${name}.git-tuf-chained`);

/** Every shim, of any git tuf version, carries this line. */
const SHIM_MARK = 'exec git tuf hook ';

export type HookAction = 'installed' | 'chained' | 'updated' | 'unchanged' | 'removed' | 'restored' | 'absent' | 'foreign';

export interface HookChange {
  hook: HookName;
  file: string;
  action: HookAction;
  /** The kept hook, when there is one. */
  chained: string | null;
}

/** The hooks directory of the repository, absolute. */
export async function hooksDir(git: GitRepository): Promise<string> {
  const dir = await git.output(['rev-parse', '--git-path', 'hooks']);
  return path.resolve(git.root, dir);
}

async function readIfExists(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new GitTufError('git', `cannot read ${file}: ${(error as Error).message}`);
  }
}

const exists = (file: string): Promise<boolean> => stat(file).then(() => true, () => false);
const isShim = (bytes: Buffer): boolean => bytes.toString('utf8').includes(SHIM_MARK);

export async function installHooks(git: GitRepository, options: { force?: boolean } = {}): Promise<HookChange[]> {
  const dir = await hooksDir(git);
  const shims = new Map<HookName, Buffer>();
  for (const name of HOOK_NAMES) shims.set(name, await readFile(path.join(SHIMS_DIR, name)));
  // Decide everything before writing anything: a refusal leaves the directory as it was.
  const plans: { name: HookName; file: string; current: Buffer | null; chained: string }[] = [];
  for (const name of HOOK_NAMES) {
    const file = path.join(dir, name);
    const current = await readIfExists(file);
    const chained = chainedHookFile(dir, name);
    if (current && !isShim(current) && (await exists(chained)) && !options.force) {
      throw new GitTufError('usage', `${file} is not git tuf's hook, and ${path.basename(chained)} already holds a hook that git tuf runs`, {
        hint: `move one of them away, or use --force to keep ${name} in its place and delete the older ${path.basename(chained)}`,
      });
    }
    plans.push({ name, file, current, chained });
  }
  await mkdir(dir, { recursive: true });
  const changes: HookChange[] = [];
  for (const { name, file, current, chained } of plans) {
    const shim = shims.get(name)!;
    let action: HookAction;
    if (current === null) action = 'installed';
    else if (current.equals(shim)) action = 'unchanged';
    else if (isShim(current)) action = 'updated';
    else {
      await rm(chained, { force: true });
      await rename(file, chained);
      action = 'chained';
    }
    if (action !== 'unchanged') {
      await writeFile(file, shim);
      await chmod(file, 0o755);
    }
    changes.push({ hook: name, file, action, chained: (await exists(chained)) ? chained : null });
  }
  return changes;
}

export async function uninstallHooks(git: GitRepository): Promise<HookChange[]> {
  const dir = await hooksDir(git);
  const changes: HookChange[] = [];
  for (const name of HOOK_NAMES) {
    const file = path.join(dir, name);
    const chained = chainedHookFile(dir, name);
    const current = await readIfExists(file);
    if (current !== null && !isShim(current)) {
      // Someone put another hook here after installing: it is theirs, and so is the kept one.
      changes.push({ hook: name, file, action: 'foreign', chained: (await exists(chained)) ? chained : null });
      continue;
    }
    if (current !== null) await rm(file);
    if (await exists(chained)) {
      await rename(chained, file);
      changes.push({ hook: name, file, action: 'restored', chained: null });
    } else changes.push({ hook: name, file, action: current === null ? 'absent' : 'removed', chained: null });
  }
  return changes;
}
