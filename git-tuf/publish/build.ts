/**
 * The static repository a client fetches, built from a verified repository state: every
 * `N.root.json`, `timestamp.json`, `N.snapshot.json`, `N.<role>.json` for the delegation tree
 * (consistent snapshots), artifacts as `targets/<dir>/<hash>.<name>` streamed from git objects,
 * and an `index.html`. It writes into a directory the caller chose (a temp dir to be renamed).
 */
import { closeSync, linkSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { GitTufError } from '../errors.js';
import type { GitRepository } from '../git/repository.js';
import { roleOrder } from '../repo/check-repository.js';
import { isRegularFile, roleMetadata, type RepositoryState } from '../repo/state.js';
import type { TargetsSigned } from '../tuf/metadata.js';
import { renderIndex } from './index-page.js';

export interface BuiltRepository {
  /** Metadata file names, as served (`1.root.json`, `timestamp.json`, …). */
  metadata: string[];
  /** Target paths (as clients ask for them), in role order. */
  targets: string[];
  /** Bytes of artifacts written. */
  artifactBytes: number;
}

interface ArtifactOutput {
  oid: string;
  /** Output paths under the build directory: one per distinct hash the entry lists. */
  files: string[];
}

/** The targets roles of the delegation tree, in client search order. */
export function targetsRoles(state: RepositoryState): string[] {
  return roleOrder(state).filter((role) => role !== 'root' && role !== 'snapshot' && role !== 'timestamp' && roleMetadata(state, role) !== undefined);
}

/** `N.root.json` for every root version, from the history (and root.json for the current one). */
function rootFiles(state: RepositoryState): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const versions = [...state.rootHistory.keys()].sort((a, b) => a - b);
  for (const version of versions) {
    const metadata = state.rootHistory.get(version)!.metadata;
    if (!metadata) throw new GitTufError('format', `metadata/root_history/${version}.root.json is not valid metadata`, { hint: 'run git tuf status main' });
    files.set(`${version}.root.json`, metadata.bytes);
  }
  const root = state.root!.metadata!;
  files.set(`${root.signed.version}.root.json`, root.bytes);
  return files;
}

export function metadataFiles(state: RepositoryState): Map<string, Buffer> {
  const files = rootFiles(state);
  for (const role of targetsRoles(state)) {
    const metadata = roleMetadata(state, role)!;
    files.set(`${metadata.signed.version}.${role}.json`, metadata.bytes);
  }
  const snapshot = roleMetadata(state, 'snapshot')!;
  files.set(`${snapshot.signed.version}.snapshot.json`, snapshot.bytes);
  files.set('timestamp.json', roleMetadata(state, 'timestamp')!.bytes);
  return files;
}

/** What a build of `state` holds: metadata files by name, artifact files by blob, target paths. */
export function buildPlan(state: RepositoryState): { metadata: Map<string, Buffer>; outputs: ArtifactOutput[]; targets: string[] } {
  const metadata = metadataFiles(state);
  const outputs: ArtifactOutput[] = [];
  const targets: string[] = [];
  const seen = new Set<string>();
  for (const role of targetsRoles(state)) {
    const signed = roleMetadata(state, role)!.signed as TargetsSigned;
    for (const [target, entry] of Object.entries(signed.targets)) {
      const artifact = state.artifacts.get(target);
      if (!artifact || !isRegularFile(artifact)) {
        throw new GitTufError('format', `${role} lists ${target}, but targets/${target} is not a file on main`, { hint: 'run git tuf status main' });
      }
      const { dir, base } = path.posix.parse(target);
      const files = [...new Set(Object.values(entry.hashes))]
        .map((hash) => path.posix.join('targets', dir, `${hash}.${base}`))
        .filter((file) => !seen.has(file));
      for (const file of files) seen.add(file);
      targets.push(target);
      if (files.length > 0) outputs.push({ oid: artifact.oid, files });
    }
  }
  return { metadata, outputs, targets };
}

export async function buildRepository(git: GitRepository, state: RepositoryState, dir: string, at: Date): Promise<BuiltRepository> {
  const { metadata, outputs, targets } = buildPlan(state);
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of metadata) writeFileSync(path.join(dir, name), bytes, { flag: 'wx' });
  const dirs = new Set(outputs.flatMap((output) => output.files.map((file) => path.dirname(path.join(dir, file)))));
  for (const directory of [...dirs].sort()) mkdirSync(directory, { recursive: true });

  let artifactBytes = 0;
  // Written as git streams the blobs: no artifact is held whole in memory.
  await git.streamBlobs(outputs.map((output) => output.oid), () => {
    let fd = -1;
    return {
      begin(index) {
        fd = openSync(path.join(dir, outputs[index]!.files[0]!), 'wx');
      },
      data(bytes) {
        artifactBytes += bytes.length;
        for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
      },
      end() {
        closeSync(fd);
        fd = -1;
      },
    };
  });
  for (const output of outputs) {
    for (const extra of output.files.slice(1)) linkSync(path.join(dir, output.files[0]!), path.join(dir, extra));
  }
  writeFileSync(path.join(dir, 'index.html'), renderIndex(state, at));
  return { metadata: [...metadata.keys()], targets, artifactBytes };
}
