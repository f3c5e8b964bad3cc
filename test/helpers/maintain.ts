/**
 * A maintainers' world on disk: a bare upstream with a plain main branch, one clone per person
 * configured as git tuf users are (tuf.handle, tuf.signing-key to a key file), an online key
 * file, and the two things that happen outside the commands under test: merging an event into
 * main, and the online signing of snapshot and timestamp after it (what `git tuf publish` does,
 * done here by the test with the online key).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expiresAfter } from '../../git-tuf/tuf/expires.js';
import { formatMetadata } from '../../git-tuf/tuf/json.js';
import { gitTuf, statusJson, type CliResult } from './cli.js';
import { commitFiles, git, initRepo, tempDir } from './git.js';
import { keyholder, type Keyholder } from './signing.js';
import { loadTestKey, signDocument, type Json, type TestKey } from './tuf-repo.js';

export interface MaintainWorld {
  base: string;
  upstream: string;
  holders: Map<string, Keyholder>;
  clones: Map<string, string>;
  online: TestKey;
  onlineUri: string;
  now: string;
}

export function maintainWorld(handles: string[], now: string): MaintainWorld {
  const base = tempDir('maintain');
  const upstream = initRepo(path.join(base, 'upstream.git'), { bare: true });
  const seed = initRepo(path.join(base, 'seed'));
  commitFiles(seed, { 'README.md': '# packages\n' }, 'Start');
  git(seed, 'push', '-q', upstream, 'main');
  const onlineHolder = keyholder(base, '@online', 'ed25519');
  const onlineUri = `file:${onlineHolder.keyFile}`;
  const online = loadTestKey('ed25519', readFileSync(onlineHolder.keyFile!, 'utf8'), { onlineUri });
  const world: MaintainWorld = { base, upstream, holders: new Map(), clones: new Map(), online, onlineUri, now };
  for (const handle of handles) addPerson(world, handle);
  return world;
}

/** A new keyholder with a key file and a configured clone. */
export function addPerson(world: MaintainWorld, handle: string): Keyholder {
  const holder = keyholder(world.base, handle, 'ed25519');
  world.holders.set(handle, holder);
  const dir = path.join(world.base, handle.slice(1));
  git(world.base, 'clone', '-q', world.upstream, dir);
  git(dir, 'config', 'user.name', handle.slice(1));
  git(dir, 'config', 'user.email', `${handle.slice(1)}@example.com`);
  git(dir, 'config', 'commit.gpgSign', 'false');
  git(dir, 'config', 'tuf.handle', handle);
  git(dir, 'config', 'tuf.signing-key', `file:${holder.keyFile}`);
  world.clones.set(handle, dir);
  return holder;
}

export function cloneOf(world: MaintainWorld, handle: string): string {
  const dir = world.clones.get(handle);
  if (!dir) throw new Error(`no clone for ${handle}`);
  return dir;
}

/** `git tuf ARGS` as `handle`, at the world's time unless `env` says otherwise. */
export function tufAs(world: MaintainWorld, handle: string, args: string[], env: Record<string, string> = {}): CliResult {
  return gitTuf(cloneOf(world, handle), args, { GIT_TUF_NOW: world.now, ...env });
}

/** Like tufAs, and the command must succeed. */
export function ok(world: MaintainWorld, handle: string, args: string[], env: Record<string, string> = {}): CliResult {
  const result = tufAs(world, handle, args, env);
  if (result.code !== 0) throw new Error(`git tuf ${args.join(' ')} as ${handle} exited ${result.code}: ${result.stderr}${result.stdout}`);
  return result;
}

/** `git tuf status --json REF` in the upstream (a bare repository works as well). */
export function upstreamStatus(world: MaintainWorld, ref: string): { code: number; report: any; stderr: string } {
  return statusJson(world.upstream, [ref], { GIT_TUF_NOW: world.now });
}

export function upstreamJson(world: MaintainWorld, ref: string, file: string): any {
  return JSON.parse(git(world.upstream, 'show', `${ref}:${file}`));
}

/**
 * Merges the event into main (fast-forward, as a merged pull request would), deletes the event
 * branch, then signs snapshot and timestamp online for the new main.
 */
export function mergeEvent(world: MaintainWorld, event: string): void {
  const dir = path.join(world.base, `ci-${event}`);
  git(world.base, 'clone', '-q', '--branch', 'main', world.upstream, dir);
  git(dir, 'config', 'commit.gpgSign', 'false');
  git(dir, 'merge', '-q', '--ff-only', `origin/sign/${event}`);
  onlineSign(world, dir);
  git(dir, 'push', '-q', 'origin', 'main', `:sign/${event}`);
  for (const clone of world.clones.values()) git(clone, 'fetch', '-q', '--prune', 'origin');
}

/** Snapshot (every targets role at its version) and timestamp, signed by the online key. */
function onlineSign(world: MaintainWorld, dir: string): void {
  const show = (file: string): any => JSON.parse(git(dir, 'show', `HEAD:${file}`));
  const names = git(dir, 'ls-tree', '--name-only', 'HEAD', 'metadata/').split('\n').map((file) => path.basename(file));
  const version = (file: string): number => (names.includes(file) ? show(`metadata/${file}`).signed.version : 0);
  const meta: Json = {};
  for (const name of names) {
    if (!name.endsWith('.json') || ['root.json', 'snapshot.json', 'timestamp.json'].includes(name)) continue;
    meta[name] = { version: show(`metadata/${name}`).signed.version };
  }
  const expires = (days: number): string => expiresAfter(new Date(world.now), days);
  const snapshotVersion = version('snapshot.json') + 1;
  const snapshot = { _type: 'snapshot', expires: expires(365), meta, spec_version: '1.0', version: snapshotVersion };
  const timestamp = { _type: 'timestamp', expires: expires(2), meta: { 'snapshot.json': { version: snapshotVersion } }, spec_version: '1.0', version: version('timestamp.json') + 1 };
  commitFiles(
    dir,
    {
      'metadata/snapshot.json': formatMetadata(signDocument(snapshot, [world.online])),
      'metadata/timestamp.json': formatMetadata(signDocument(timestamp, [world.online])),
    },
    'Online sign (snapshot, timestamp)',
  );
}

/** In `clone`: a new event `sign/<event>` from origin/main that adds targets/<file>, committed and pushed. */
export function pushEventWithArtifact(clone: string, event: string, file: string, content: string): void {
  git(clone, 'checkout', '-q', '-b', `sign/${event}`, 'origin/main');
  mkdirSync(path.join(clone, 'targets'), { recursive: true });
  writeFileSync(path.join(clone, 'targets', file), content);
  git(clone, 'add', '-A');
  git(clone, 'commit', '-q', '-m', file);
  git(clone, 'push', '-q', 'origin', `sign/${event}`);
}
