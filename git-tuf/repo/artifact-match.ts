/**
 * Artifacts already matched against their targets metadata at an earlier commit are not matched
 * again. A fact of the memo (tuf/memo.ts) records each commit whose artifacts all matched, with
 * the blob ids of the targets metadata they matched. A later commit with the same targets
 * metadata can disagree with it only where its files changed since (git diff-tree), so only
 * those are hashed and checked: on a repository of 100k artifacts, one new artifact costs one
 * lookup instead of 100k.
 */
import type { ChangedFile, GitRepository, TreeEntry } from '../git/repository.js';
import { knownFact, learnFact } from '../tuf/memo.js';
import type { ArtifactScope } from './artifacts.js';
import { listedTargets, METADATA_DIR, readAll, TARGETS_DIR, type RepositoryState, type ScopedLoad } from './state.js';

/** How far back along first parents a matched commit is looked for. */
const ANCESTORS = 32;

/**
 * The blob ids of every targets-type role file (root, snapshot and timestamp do not bear on
 * artifacts), as `role NUL oid` sorted by role; null when there is none.
 */
function targetsMetadataKey(roleFiles: Iterable<[string, string]>): string | null {
  const parts: string[] = [];
  for (const [role, oid] of roleFiles) if (role !== 'snapshot' && role !== 'timestamp') parts.push(`${role}\0${oid}`);
  return parts.length === 0 ? null : parts.sort().join('\0');
}

/** The key of a loaded state; null when some targets metadata is unreadable or uncommitted. */
function stateKey(state: RepositoryState): string | null {
  const files: [string, string][] = [];
  for (const [role, entry] of state.roles) {
    if (!entry.metadata || entry.oid.startsWith('uncommitted:')) return null;
    files.push([role, entry.oid]);
  }
  return targetsMetadataKey(files);
}

const matchFact = (commit: string, key: string): string => `artifacts-match\0${commit}\0${key}`;
/** How many files the commit's targets/ held when its artifacts matched. */
const countFact = (commit: string, count: number): string => `artifacts-count\0${commit}\0${count}`;
/** That some targets metadata matched at the commit: asked first, before metadata/ is listed to know which. */
const matchedCommitFact = (commit: string): string => `artifacts-matched\0${commit}`;

/** The newest of `commits` whose artifacts matched the targets metadata of `key`. */
function matchedBaseline(commits: string[], key: string): string | undefined {
  return commits.find((commit) => knownFact(matchFact(commit, key)));
}

/** The first-parent ancestors (the commit first) among which a matched commit is looked for. */
export const matchCandidates = (git: GitRepository, commit: string): Promise<string[]> => git.firstParents(commit, ANCESTORS);

/**
 * For a state loaded in full: the artifact paths that still need matching, those changed since
 * the newest candidate commit whose artifacts matched the same targets metadata. Undefined (match
 * everything) when there is none.
 */
export async function artifactsToMatch(git: GitRepository, state: RepositoryState, candidates: Promise<string[]>): Promise<ArtifactScope | undefined> {
  const key = stateKey(state);
  const baseline = key === null ? undefined : matchedBaseline(await candidates, key);
  if (baseline === undefined) return undefined;
  if (baseline === state.commit) return new Set();
  return new Set((await git.changedFiles(baseline, state.commit, TARGETS_DIR)).map((change) => change.path));
}

/**
 * What loadState needs to read only the artifacts of `commit` that changed since a matched
 * candidate, and only their entries in the targets metadata; undefined when there is no such
 * candidate (then everything is read). `workTree`: the checkout of `commit` (see readAll).
 */
export async function scopedLoad(git: GitRepository, commit: string, workTree?: string): Promise<ScopedLoad | undefined> {
  const candidates = await matchCandidates(git, commit);
  if (!candidates.some((candidate) => knownFact(matchedCommitFact(candidate)))) return undefined;
  const metadataEntries = await git.listSmallTree(commit, METADATA_DIR);
  const roleFiles = metadataEntries.flatMap((entry): [string, string][] =>
    entry.type === 'blob' && entry.mode !== '120000' && !entry.path.includes('/') && entry.path.endsWith('.json') && entry.path !== 'root.json' ? [[entry.path.slice(0, -'.json'.length), entry.oid]] : [],
  );
  const key = targetsMetadataKey(roleFiles);
  const baseline = key === null ? undefined : matchedBaseline(candidates, key);
  if (baseline === undefined) return undefined;
  // git reads the metadata while it diffs the trees.
  const metadataBlobs = readAll(git, metadataEntries.filter((entry) => entry.type === 'blob'), workTree);
  metadataBlobs.catch(() => {}); // awaited by openState
  const changes = baseline === commit ? [] : await git.changedFiles(baseline, commit, TARGETS_DIR);
  const added = changes.filter((change) => change.was === null).length;
  const removed = changes.filter((change) => change.now === null).length;
  // The matched baseline had exactly one file per listed entry; learned with its count, so a
  // count from entries that repeat a key (or anything else off) is never taken for it.
  const count = async (listed: number): Promise<number> =>
    knownFact(countFact(baseline, listed)) ? listed + added - removed : git.countFiles(commit, TARGETS_DIR);
  return {
    metadataEntries,
    paths: new Set(changes.map((change) => change.path)),
    files: changes.flatMap((change): TreeEntry[] => (change.now ? [change.now] : [])),
    count,
    metadataBlobs,
  };
}

/** Remembers that every artifact of `state` matched its targets metadata. */
export function recordArtifactsMatch(state: RepositoryState): void {
  const key = stateKey(state);
  if (key === null || state.commit === '') return;
  learnFact(matchFact(state.commit, key));
  learnFact(matchedCommitFact(state.commit));
  learnFact(countFact(state.commit, state.artifactCount));
}

/**
 * How many files targets/ holds at `commit`, which differs from `baseline` (read in full or for
 * its metadata) by `changes`: from the baseline's count when its artifacts matched, else counted.
 */
export async function artifactCountAfter(git: GitRepository, baseline: RepositoryState, changes: readonly ChangedFile[], commit: string): Promise<number> {
  const listed = listedTargets(baseline);
  if (!knownFact(countFact(baseline.commit, listed))) return git.countFiles(commit, TARGETS_DIR);
  return listed + changes.filter((change) => change.was === null).length - changes.filter((change) => change.now === null).length;
}
