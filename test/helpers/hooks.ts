/**
 * A world for the git hooks: a bare upstream whose main holds a valid repository, and clones
 * where `git tuf hooks install` put the hooks, so that plain `git push` and `git pull` run them.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { binPath, commitTree, gitTuf } from './cli.js';
import { git, gitEnv, initRepo, tempDir } from './git.js';
import { RepoModel, testKey, type Json, type TestKey } from './tuf-repo.js';

export const NOW = '2026-06-01T00:00:00Z';

/** The environment git runs hooks in: `git-tuf` on PATH, a fixed clock, no colour. */
export const hookEnv: NodeJS.ProcessEnv = { ...gitEnv, PATH: `${path.dirname(binPath)}${path.delimiter}${gitEnv.PATH ?? ''}`, NO_COLOR: '1', GIT_TUF_NOW: NOW };

export interface HookWorld {
  base: string;
  upstream: string;
  model: RepoModel;
  alice: TestKey;
  online: TestKey;
}

/** main: root and targets signed by @alice (threshold 1), snapshot and timestamp online; one artifact. */
export function hookWorld(): HookWorld {
  const base = tempDir('hooks-world');
  // Ed25519 signs deterministically: files() re-serializes the same history to the same bytes.
  const alice = testKey('ed25519', { owner: '@alice' });
  const online = testKey('ed25519', { onlineUri: 'file:online.pem' });
  const model = new RepoModel({ rootKeys: [alice], targetsKeys: [alice], onlineKey: online, artifacts: { 'hello.txt': 'hello' } });
  const upstream = initRepo(path.join(base, 'upstream.git'), { bare: true });
  const seed = initRepo(path.join(base, 'seed'));
  git(seed, 'remote', 'add', 'origin', upstream);
  commitTree(seed, model.files(), 'Initial repository', '2026-01-01T00:00:00Z');
  git(seed, 'push', '-q', 'origin', 'main');
  return { base, upstream, model, alice, online };
}

/** A clone of the upstream with git tuf's hooks installed (and tuf.handle set, if given). */
export function hookedClone(world: HookWorld, name: string, handle?: string): string {
  const dir = path.join(world.base, name);
  git(world.base, 'clone', '-q', world.upstream, dir);
  git(dir, 'config', 'user.name', name);
  git(dir, 'config', 'user.email', `${name}@example.com`);
  if (handle) git(dir, 'config', 'tuf.handle', handle);
  const installed = gitTuf(dir, ['hooks', 'install']);
  if (installed.code !== 0) throw new Error(`git tuf hooks install failed: ${installed.stderr}`);
  return dir;
}

/** Runs git with the hook environment; never throws: the exit code and all output are the result. */
export function gitHooked(dir: string, ...args: string[]): { code: number; output: string } {
  const result = spawnSync('git', args, { cwd: dir, env: hookEnv, encoding: 'utf8' });
  if (result.error) throw result.error;
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

/** git push with the hooks; output is git's stderr, where hook messages go. */
export function push(dir: string, ...args: string[]): { code: number; output: string } {
  return gitHooked(dir, 'push', ...args);
}

/** Commits root v2 whose only signer is a stranger who signed it alone: a takeover root v1 never approved. */
export function commitRootTakeover(world: HookWorld, clone: string, kind: 'ed25519' | 'ecdsa-p256' = 'ed25519'): void {
  const mallory = testKey(kind, { owner: '@mallory' });
  const root = world.model.newRoot([mallory]);
  (root.signed.keys as Json)[mallory.keyid] = mallory.entry;
  (root.signed.roles as Json).root = { keyids: [mallory.keyid], threshold: 1 };
  root.placeholders = [mallory];
  commitTree(clone, world.model.files(), 'Root v2 by mallory alone');
}
