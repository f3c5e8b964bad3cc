/**
 * Does the targets metadata describe exactly the files in `targets/`? Each file is looked up the
 * way a client would look it up (so the owning role follows the delegations, whatever the
 * directory), and each listed entry must be a real, safe file that its role may describe.
 */
import { delegationTree, lookupTarget, pathAllowed } from '../tuf/delegation.js';
import { knownWellFormed, provenWellFormed, targetPathProblem, type TargetFile, type TargetsSigned } from '../tuf/metadata.js';
import type { ChangedFile, TreeEntry } from '../git/repository.js';
import { changedTargetPaths } from '../tuf/skim.js';
import type { ArtifactChange } from './report.js';
import { isRegularFile, METADATA_DIR, metadataType, roleFile, TARGETS_DIR, type Artifact, type MetadataRead, type RepositoryState } from './state.js';

/**
 * unsafe: a symlink, submodule or unsafe path (never acceptable). unlisted / differs / no-file:
 * metadata and files disagree (`git tuf update` fixes it). not-delegated: a role lists a path
 * its delegation does not give it. shadowed: listed by a role no client will ever ask.
 */
export type ArtifactIssueKind = 'unsafe' | 'unlisted' | 'differs' | 'no-file' | 'not-delegated' | 'shadowed';

export interface ArtifactIssue {
  kind: ArtifactIssueKind;
  path: string;
  role: string;
  message: string;
}

export function targetsSignedOf(state: RepositoryState): (role: string) => TargetsSigned | undefined {
  return (role) => state.roles.get(role)?.metadata?.signed as TargetsSigned | undefined;
}

/** How to fix each kind of issue. */
export const ARTIFACT_HINTS: Record<ArtifactIssueKind, string> = {
  unsafe: 'artifacts must be regular files at safe paths inside targets/: remove it',
  unlisted: 'run git tuf update in a signing event',
  differs: 'run git tuf update in a signing event',
  'no-file': 'run git tuf update in a signing event',
  'not-delegated': 'move the artifact, or change the delegation paths',
  shadowed: 'remove the entry that clients never read',
};

/**
 * The targets roles whose metadata is unreadable. Artifacts cannot be matched against metadata
 * that did not parse; reporting every artifact as unlisted would bury the one real error.
 */
export function unreadableTargetsRoles(state: RepositoryState): string[] {
  const roles = ['targets', ...delegationTree(targetsSignedOf(state)).keys()];
  return roles.filter((role) => state.roles.get(role)?.error !== undefined || (role === 'targets' && !state.roles.has(role)));
}

/** Which artifact paths to check (files and metadata entries); everything when omitted. */
export type ArtifactScope = ReadonlySet<string>;

/** `scope` defaults to the state's own: a state read in part can only be checked in part. */
export function checkArtifacts(state: RepositoryState, scope: ArtifactScope | undefined = state.scope): ArtifactIssue[] {
  return prepareArtifactCheck(state, scope)();
}

/**
 * checkArtifacts in two steps: everything but the digests now (the lookups through the
 * delegations, the paths, the listed entries), the digests when the returned function is called,
 * once the artifacts are digested. Hashing can so run alongside the rest.
 */
export function prepareArtifactCheck(state: RepositoryState, scope: ArtifactScope | undefined = state.scope): () => ArtifactIssue[] {
  const read = state.scope;
  if (read !== undefined && (scope === undefined || [...scope].some((path) => !read.has(path)))) {
    throw new Error('checkArtifacts: the state holds only some artifacts, and the check asks for others');
  }
  const signedOf = targetsSignedOf(state);
  // In the order of the issues: an issue known now, or an artifact to compare with its entry.
  const found: (ArtifactIssue | { artifact: Artifact; entry: TargetFile; owner: string })[] = [];
  const file = (path: string): string => `${TARGETS_DIR}/${path}`;
  const artifacts = scope ? [...scope].flatMap((path) => state.artifacts.get(path) ?? []) : state.artifacts.values();

  for (const artifact of artifacts) {
    const lookup = lookupTarget(artifact.path, signedOf);
    const owner = lookup.role ?? lookup.expectedRole;
    const unsafe =
      artifact.mode === '120000'
        ? 'is a symlink'
        : artifact.mode === '160000'
          ? 'is a submodule'
          : !isRegularFile(artifact)
            ? `has unsupported mode ${artifact.mode}`
            : targetPathProblem(artifact.path);
    if (unsafe) {
      found.push({ kind: 'unsafe', path: artifact.path, role: owner, message: `${file(artifact.path)} ${unsafe}: artifacts must be regular files` });
      continue;
    }
    if (!lookup.entry) {
      found.push({ kind: 'unlisted', path: artifact.path, role: owner, message: `${file(artifact.path)} is not in the ${owner} metadata` });
      continue;
    }
    found.push({ artifact, entry: lookup.entry, owner });
  }

  const tree = delegationTree(signedOf);
  for (const role of ['targets', ...tree.keys()]) {
    const signed = signedOf(role);
    if (!signed) continue;
    const listed = scope ? [...scope].filter((path) => Object.hasOwn(signed.targets, path)) : Object.keys(signed.targets);
    for (const path of listed) {
      const unsafe = targetPathProblem(path);
      if (unsafe) {
        found.push({ kind: 'unsafe', path, role, message: `${roleFile(role)} lists the target path "${path}", which ${unsafe}` });
        continue;
      }
      if (role !== 'targets' && !pathAllowed(role, path, tree)) {
        found.push({ kind: 'not-delegated', path, role, message: `${roleFile(role)} lists ${path}, which its delegation does not give it` });
        continue;
      }
      if (!state.artifacts.has(path)) {
        found.push({ kind: 'no-file', path, role, message: `${roleFile(role)} lists ${path}, but ${file(path)} does not exist` });
        continue;
      }
      // targets is asked first, so nothing shadows its own entries.
      const resolved = role === 'targets' ? role : lookupTarget(path, signedOf).role;
      if (resolved !== role) {
        found.push({ kind: 'shadowed', path, role, message: `${roleFile(role)} lists ${path}, but clients take it from ${resolved}` });
      }
    }
  }
  return () => {
    const issues: ArtifactIssue[] = [];
    for (const item of found) {
      if (!('artifact' in item)) {
        issues.push(item);
        continue;
      }
      const { artifact, entry, owner } = item;
      const sha256 = entry.hashes.sha256;
      if (artifact.length !== entry.length || (sha256 !== undefined && artifact.sha256 !== sha256)) {
        issues.push({ kind: 'differs', path: artifact.path, role: owner, message: `${file(artifact.path)} does not match its entry in ${roleFile(owner)} (length or sha256 differ)` });
      }
    }
    return issues;
  };
}

/**
 * The artifact paths whose check an event can have changed: files added, changed or removed, and
 * metadata entries added, changed or removed. Everything else is as in known good, which main's
 * own status verifies. `changedFiles`: the changed files, from git (GitRepository.changedFiles).
 * `entryChanges`: for roles whose files differ, the entries that can differ (changedTargetEntries),
 * where the metadata may be read in part; other roles are compared entry by entry.
 * Undefined (check everything) when the event changes any delegation, since
 * that can move a file to another role, or when some targets metadata is unreadable.
 */
export function changedArtifacts(event: RepositoryState, knownGood: RepositoryState, changedFiles: readonly ChangedFile[], entryChanges?: ReadonlyMap<string, ReadonlySet<string>>): ArtifactScope | undefined {
  const paths = new Set(changedFiles.map((change) => change.path));

  const roles = new Set([...event.roles.keys(), ...knownGood.roles.keys()]);
  for (const role of roles) {
    if (role === 'snapshot' || role === 'timestamp') continue;
    const after = event.roles.get(role);
    const before = knownGood.roles.get(role);
    if (after?.oid === before?.oid) continue;
    const afterSigned = after?.metadata?.signed as TargetsSigned | undefined;
    const beforeSigned = before?.metadata?.signed as TargetsSigned | undefined;
    if (!afterSigned || !beforeSigned) return undefined;
    if (JSON.stringify(afterSigned.delegations ?? null) !== JSON.stringify(beforeSigned.delegations ?? null)) return undefined;
    const changed = entryChanges?.get(role);
    if (changed) {
      for (const path of changed) paths.add(path);
      continue;
    }
    if (after!.metadata!.targetsRead !== undefined || before!.metadata!.targetsRead !== undefined) return undefined;
    // for…in and counting instead of Object.entries/keys: these loops run over every entry of
    // files with 100k targets, and the arrays those allocate cost more than the comparisons.
    const afterTargets = afterSigned.targets;
    const beforeTargets = beforeSigned.targets;
    for (const path in afterTargets) {
      const previous = Object.hasOwn(beforeTargets, path) ? beforeTargets[path] : undefined;
      const entry = afterTargets[path]!;
      if (!previous || previous.length !== entry.length || !sameHashes(previous.hashes, entry.hashes)) paths.add(path);
    }
    for (const path in beforeTargets) if (!Object.hasOwn(afterTargets, path)) paths.add(path);
  }
  return paths;
}

/**
 * From this size of a file, comparing its bytes beats parsing it: below, JSON.parse of both files
 * is done before the byte walk, which starts cold on every run, has warmed up (measured: 1.2 MiB
 * files, 14 ms slower compared; 12 MiB, 150 ms faster).
 */
export const COMPARED_FROM = 4 * 1024 * 1024;

/**
 * For each targets role whose file differs between two commits' metadata, the paths whose
 * entries can differ, read off the files' bytes without parsing them (tuf/skim.ts); and the
 * event's files among them that were new to the fact memo but proven well-formed from known
 * good's (provenWellFormed), which openState may then read in part too. Undefined unless every
 * such pair is known or proven well-formed (only then are the bytes sure to be valid JSON) and
 * its event file has `comparedFrom` bytes or more: else the files are read and compared in full.
 */
export async function changedTargetEntries(event: MetadataRead, knownGood: MetadataRead, comparedFrom = COMPARED_FROM): Promise<{ changes: Map<string, Set<string>>; proven: Set<string> } | undefined> {
  const before = new Map(knownGood.entries.map((entry) => [entry.path, entry]));
  const pairs: { role: string; file: string; after: string; before: string }[] = [];
  for (const entry of event.entries) {
    const role = targetsRoleOf(entry);
    const previous = before.get(entry.path);
    if (role === null || !previous || previous.oid === entry.oid || targetsRoleOf(previous) === null) continue;
    // Known good's must be known before any bytes are awaited: a first look is not kept waiting.
    if (!knownWellFormed('targets', previous.oid)) return undefined;
    pairs.push({ role, file: `${METADATA_DIR}/${entry.path}`, after: entry.oid, before: previous.oid });
  }
  // Known good's bytes are awaited only for large files: small ones are parsed while they arrive.
  const eventBlobs = await event.blobs;
  if (pairs.some((pair) => (eventBlobs.get(pair.after)?.length ?? 0) < comparedFrom)) return undefined;
  const knownGoodBlobs = await knownGood.blobs;
  const changes = new Map<string, Set<string>>();
  const proven = new Set<string>();
  for (const pair of pairs) {
    const [afterBytes, beforeBytes] = [eventBlobs.get(pair.after)!, knownGoodBlobs.get(pair.before)];
    if (!beforeBytes) return undefined;
    if (!knownWellFormed('targets', pair.after)) {
      if (!provenWellFormed(afterBytes, pair.file, beforeBytes, pair.before)) return undefined;
      proven.add(pair.after);
    }
    const changed = changedTargetPaths(beforeBytes, afterBytes);
    if (changed === null) return undefined;
    changes.set(pair.role, changed);
  }
  return { changes, proven };
}

/** The targets-type role whose file a metadata/ entry is (null: root, snapshot, timestamp or no role file). */
function targetsRoleOf(entry: TreeEntry): string | null {
  if (entry.type !== 'blob' || entry.mode === '120000' || metadataType(entry.path) !== 'targets') return null;
  return entry.path.slice(0, -'.json'.length);
}

function sameHashes(a: Record<string, string>, b: Record<string, string>): boolean {
  let count = 0;
  for (const name in a) {
    if (!Object.hasOwn(b, name) || a[name] !== b[name]) return false;
    count++;
  }
  for (const name in b) if (--count < 0) return false;
  return count === 0;
}

/** Artifacts added, modified and removed by `changedFiles`, with their digests in `after`. */
export function artifactChanges(after: RepositoryState, changedFiles: readonly ChangedFile[]): ArtifactChange[] {
  const changes: ArtifactChange[] = [];
  for (const { path, was, now } of changedFiles) {
    const artifact = now === null ? undefined : after.artifacts.get(path);
    if (!artifact) {
      changes.push({ path, change: 'removed', length: null, sha256: null });
      continue;
    }
    changes.push({ path, change: was === null ? 'added' : 'modified', length: artifact.length ?? null, sha256: artifact.sha256 ?? null });
  }
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
