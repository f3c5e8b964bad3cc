/**
 * A publishing world on disk: a bare upstream whose main holds a valid repository with an online
 * key, and publisher clones (CI) that sign with that key through git config tuf.key.<keyid>.uri.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expiresAfter, formatExpires } from '../../git-tuf/tuf/expires.js';
import { binPath, commitTree } from './cli.js';
import { commitFiles, git, gitEnv, initRepo, tempDir } from './git.js';
import { RepoModel, testKey, type Json, type KeyKind, type ModelOptions, type TestKey } from './tuf-repo.js';

/** "Now" for a publish test: the real time to the second (clients check expiry at the real time). */
export const NOW = formatExpires(new Date());
export const env = { GIT_TUF_NOW: NOW };

export interface PublishWorld {
  base: string;
  upstream: string;
  model: RepoModel;
  online: TestKey;
  /** The online key's PEM file. */
  onlineFile: string;
  /** A maintainer clone on main, for changing the repository. */
  maintainer: string;
}

export interface WorldOptions {
  onlineKind?: KeyKind;
  onlineUri?: string;
  artifacts?: Record<string, string | Buffer>;
  delegations?: ModelOptions['delegations'];
  /** Delegations of `targets` signed by the online key. */
  onlineDelegations?: string[];
  /** Days until snapshot and timestamp expire (default: far away, nothing due). */
  onlineExpiresInDays?: number;
  /** Main starts without snapshot.json and timestamp.json (as after init). */
  withoutOnlineRoles?: boolean;
}

export function publishWorld(options: WorldOptions = {}): PublishWorld {
  const base = tempDir('publish-world');
  const uri = options.onlineUri ?? 'gcpkms:projects/p/locations/global/keyRings/tuf/cryptoKeys/online/cryptoKeyVersions/1';
  const online = testKey(options.onlineKind ?? 'ed25519', uri === '' ? {} : { onlineUri: uri });
  const onlineFile = path.join(base, 'online.pem');
  writeFileSync(onlineFile, online.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const model = new RepoModel({
    rootKeys: [testKey('ecdsa-p256', { owner: '@alice' })],
    onlineKey: online,
    artifacts: options.artifacts ?? { 'hello.txt': 'hello' },
    delegations: [...(options.delegations ?? []), ...(options.onlineDelegations ?? []).map((name) => ({ name, keys: [online] }))],
  });
  if (options.onlineExpiresInDays !== undefined) {
    const expires = expiresAfter(new Date(NOW), options.onlineExpiresInDays);
    model.role('snapshot').signed.expires = expires;
    model.role('timestamp').signed.expires = expires;
  }
  const upstream = initRepo(path.join(base, 'upstream.git'), { bare: true });
  const maintainer = initRepo(path.join(base, 'maintainer'));
  git(maintainer, 'remote', 'add', 'origin', upstream);
  const files = model.files();
  if (options.withoutOnlineRoles) for (const role of ['snapshot', 'timestamp']) files.delete(`metadata/${role}.json`);
  commitTree(maintainer, files, 'Initial repository');
  git(maintainer, 'push', '-q', 'origin', 'main');
  return { base, upstream, model, online, onlineFile, maintainer };
}

/** A CI clone of the upstream; it signs the online key with the key file unless `useKeyFile` is false. */
export function publisher(world: PublishWorld, name = 'ci', useKeyFile = true): string {
  const dir = path.join(world.base, `${name}-${Math.random().toString(36).slice(2, 8)}`);
  git(world.base, 'clone', '-q', world.upstream, dir);
  git(dir, 'config', 'user.name', name);
  git(dir, 'config', 'user.email', `${name}@example.com`);
  if (useKeyFile) git(dir, 'config', `tuf.key.${world.online.keyid}.uri`, `file:${world.onlineFile}`);
  return dir;
}

/** Commits the model's offline roles and artifacts on main and pushes them (a merged signing event); the online roles stay as publish left them. */
export function pushModel(world: PublishWorld, message: string): string {
  git(world.maintainer, 'pull', '-q', '--ff-only', 'origin', 'main');
  const files = Object.fromEntries([...world.model.files()].filter(([file]) => file !== 'metadata/snapshot.json' && file !== 'metadata/timestamp.json'));
  const commit = commitFiles(world.maintainer, files, message);
  git(world.maintainer, 'push', '-q', 'origin', 'main');
  return commit;
}

/** Adds an artifact as a merged event would: targets version + 1, snapshot left as online signing last saw it. */
export function addArtifact(world: PublishWorld, file: string, content: string): void {
  world.model.autoSnapshot = false;
  world.model.setArtifact(file, content);
  const owner = file.includes('/') && world.model.roles.has(file.split('/')[0]!) ? file.split('/')[0]! : 'targets';
  const signed = world.model.role(owner).signed as Json;
  signed.version = (signed.version as number) + 1;
}

/**
 * Starts `git-tuf publish` that stops at `point` (GIT_TUF_PUBLISH_PAUSE); `paused` resolves there,
 * with what it names (the commit, or the staging directory). The binary runs directly (not under git) so a kill hits the publisher.
 */
export function pausedPublish(cwd: string, args: string[], point: string) {
  const child = spawn(binPath, ['publish', ...args], {
    cwd,
    env: { ...gitEnv, ...env, PATH: `${path.dirname(binPath)}${path.delimiter}${gitEnv.PATH ?? ''}`, NO_COLOR: '1', FORCE_COLOR: undefined, GIT_TUF_PUBLISH_PAUSE: point },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  const paused = new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const match = new RegExp(`git tuf: paused at ${point}: (.*)\\n`).exec(stderr);
      if (match) resolve(match[1]!);
    });
    void exited.then(() => reject(new Error(`publish ended before ${point}: ${stderr}`)));
  });
  return { child, paused, exited };
}

