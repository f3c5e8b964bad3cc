/**
 * A signing world on disk: a bare upstream whose main holds a valid TUF repository, a signing
 * event pushed by a maintainer, and keyholder clones configured as real keyholders are.
 */
import { spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatMetadata } from '../../git-tuf/tuf/json.js';
import { binPath, commitTree } from './cli.js';
import { git, gitEnv, initRepo, tempDir } from './git.js';
import { RepoModel, signDocument, testKey, type Json, type KeyKind, type TestKey } from './tuf-repo.js';

export interface Keyholder {
  handle: string;
  key: TestKey;
  /** PEM file of the private key (PKCS#8); null for a key on a token. */
  keyFile: string | null;
}

export interface SigningWorld {
  base: string;
  upstream: string;
  model: RepoModel;
  holders: Map<string, Keyholder>;
  /** The commit of the event branch as the maintainer pushed it. */
  eventCommit: string;
  /** A maintainer's clone (on the event branch). */
  maintainer: string;
}

export function keyholder(base: string, handle: string, kind: KeyKind): Keyholder {
  const key = testKey(kind, { owner: handle });
  const keyFile = path.join(base, `${handle.slice(1)}.pem`);
  writeFileSync(keyFile, key.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return { handle, key, keyFile };
}

export interface RotationOptions {
  event?: string;
  /** Root v1's signers (threshold 1); default @alice (P-256) and @bob (Ed25519) key files. */
  current?: Keyholder[];
  /** Signers root v2 adds; default @carol (P-384). */
  added?: Keyholder[];
}

/**
 * main: root v1 signed by the current signers (threshold 1). Event `sign/<event>`: root v2 adds
 * signers and needs every one of them (threshold = all), with placeholders for every signer.
 */
export function rootRotationWorld(options: RotationOptions = {}): SigningWorld {
  const base = tempDir('sign-world');
  const event = options.event ?? 'rotate';
  const current = options.current ?? [keyholder(base, '@alice', 'ecdsa-p256'), keyholder(base, '@bob', 'ed25519')];
  const added = options.added ?? [keyholder(base, '@carol', 'ecdsa-p384')];
  const online = testKey('ed25519', { onlineUri: 'file:online.pem' });
  const model = new RepoModel({ rootKeys: current.map((holder) => holder.key), rootThreshold: 1, targetsKeys: [current[0]!.key], onlineKey: online, artifacts: { 'hello.txt': 'hello' } });
  const upstream = initRepo(path.join(base, 'upstream.git'), { bare: true });
  const maintainer = initRepo(path.join(base, 'maintainer'));
  git(maintainer, 'remote', 'add', 'origin', upstream);
  commitTree(maintainer, model.files(), 'Initial repository', '2026-01-01T00:00:00Z');
  git(maintainer, 'push', '-q', 'origin', 'main');

  git(maintainer, 'checkout', '-q', '-b', `sign/${event}`);
  const everyone = [...current, ...added];
  const root = model.newRoot([]);
  const signed = root.signed;
  for (const holder of added) (signed.keys as Json)[holder.key.keyid] = holder.key.entry;
  (signed.roles as Json).root = { keyids: everyone.map((holder) => holder.key.keyid), threshold: everyone.length };
  root.placeholders = everyone.map((holder) => holder.key);
  const rootBytes = formatMetadata(signDocument(signed, [], root.placeholders));
  const files = new Map([
    ['metadata/root.json', rootBytes],
    ['metadata/root_history/2.root.json', rootBytes],
  ]);
  const eventCommit = commitChanges(maintainer, files, `Rotate root: add ${added.map((holder) => holder.handle).join(', ')}, threshold ${everyone.length}`);
  git(maintainer, 'push', '-q', 'origin', `sign/${event}`);
  return { base, upstream, model, holders: new Map(everyone.map((holder) => [holder.handle, holder])), eventCommit, maintainer };
}

/** Writes `files` into a clone and commits them (the maintainer's way of changing an event). */
export function commitChanges(dir: string, files: Map<string, Buffer>, message: string): string {
  for (const [file, content] of files) writeFileSync(path.join(dir, file), content);
  git(dir, 'add', '--', ...files.keys());
  git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

/** A keyholder's clone of the upstream, configured with handle and key (git config tuf.*). */
export function cloneFor(world: SigningWorld, handle: string, config: Record<string, string> = {}): string {
  const dir = path.join(world.base, `clone-${handle.slice(1)}-${Math.random().toString(36).slice(2, 8)}`);
  git(world.base, 'clone', '-q', world.upstream, dir);
  git(dir, 'config', 'user.name', handle.slice(1));
  git(dir, 'config', 'user.email', `${handle.slice(1)}@example.com`);
  git(dir, 'config', 'tuf.handle', handle);
  const holder = world.holders.get(handle);
  if (holder?.keyFile) git(dir, 'config', 'tuf.signing-key', `file:${holder.keyFile}`);
  for (const [key, value] of Object.entries(config)) git(dir, 'config', key, value);
  return dir;
}

/** Runs the real binary without blocking the test process (for keyholders signing at once). */
export function gitTufAsync(cwd: string, args: string[], env: Record<string, string | undefined> = {}, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['tuf', ...args], {
      cwd,
      env: { ...gitEnv, PATH: `${path.dirname(binPath)}${path.delimiter}${gitEnv.PATH ?? ''}`, NO_COLOR: '1', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** A pre-push hook that runs `command` on the first push only (then removes itself). */
export function installOneShotPrePush(clone: string, command: string): void {
  const hook = path.join(clone, '.git', 'hooks', 'pre-push');
  writeFileSync(hook, `#!/bin/sh\nrm -f "$0"\nunset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE\n${command} >&2 || exit 1\n`);
  chmodSync(hook, 0o755);
}

