/**
 * Makes the targets metadata of a draft describe exactly the files in `targets/`: each file goes
 * to the role a client would ask for it, changed files get their new length and sha256 (their
 * `custom` and other fields stay), entries without a file are dropped. Pure: the artifacts come digested.
 */
import { GitTufError } from '../errors.js';
import { isRegularFile, type Artifact } from '../repo/state.js';
import { lookupTarget } from '../tuf/delegation.js';
import { targetPathProblem, type JsonObject, type TargetFile, type TargetsSigned } from '../tuf/metadata.js';
import { setOwn, type Draft } from './draft.js';

export interface TargetsSync {
  added: string[];
  modified: string[];
  removed: string[];
  /** Role metadata removed because no role delegates it any more. */
  removedRoles: string[];
}

/** Why an artifact cannot be published, or null. */
export function artifactProblem(artifact: Artifact): string | null {
  if (artifact.mode === '120000') return 'is a symlink';
  if (artifact.mode === '160000') return 'is a submodule';
  if (!isRegularFile(artifact)) return `has unsupported mode ${artifact.mode}`;
  return targetPathProblem(artifact.path);
}

/**
 * `custom`: target path → the custom object to set on its entry (null removes it). `scope`: the
 * only paths whose files or entries can disagree (artifact-match.ts); `artifacts` then need hold
 * only those. Every path is synced when omitted.
 */
export function syncTargets(draft: Draft, artifacts: Iterable<Artifact>, custom: Map<string, JsonObject | null> = new Map(), scope?: ReadonlySet<string>): TargetsSync {
  const result: TargetsSync = { added: [], modified: [], removed: [], removedRoles: [] };
  const tree = draft.delegations();
  for (const role of draft.event.roles.keys()) {
    if (role === 'targets' || role === 'snapshot' || role === 'timestamp' || tree.has(role) || !draft.has(role)) continue;
    draft.remove(role);
    result.removedRoles.push(role);
  }
  const roles = ['targets', ...tree.keys()].filter((role) => draft.has(role));
  const signedOf = (role: string): TargetsSigned | undefined => (roles.includes(role) ? draft.targets(role) : undefined);
  const wanted = new Map<string, Map<string, Artifact>>(roles.map((role) => [role, new Map()]));
  const all = scope ? [...artifacts].filter((artifact) => scope.has(artifact.path)) : [...artifacts];
  const files = new Set(all.map((artifact) => artifact.path));
  for (const path of custom.keys()) {
    const unsafe = targetPathProblem(path);
    if (unsafe) throw new GitTufError('usage', `the target path "${path}" ${unsafe}`, { hint: 'name a file under targets/ by its path there, e.g. dir/file.txt' });
    if (scope && !scope.has(path)) throw new GitTufError('internal', `custom metadata for ${path}, outside the paths being synced`);
    if (!files.has(path)) throw new GitTufError('usage', `cannot set custom metadata on ${path}: targets/${path} does not exist`, { hint: 'add the file to targets/ and commit it first' });
  }
  for (const artifact of all) {
    const problem = artifactProblem(artifact);
    if (problem) throw new GitTufError('usage', `targets/${artifact.path} ${problem}: artifacts must be regular files at safe paths`, { hint: `remove targets/${artifact.path} and commit, then run again` });
    if (artifact.length === undefined || artifact.sha256 === undefined) throw new GitTufError('internal', `targets/${artifact.path} was not digested`);
    const lookup = lookupTarget(artifact.path, signedOf);
    wanted.get(lookup.role ?? lookup.expectedRole)?.set(artifact.path, artifact);
  }
  for (const role of roles) {
    const targets = draft.targets(role).targets;
    const mine = wanted.get(role)!;
    for (const path of scope ? [...scope].filter((listed) => Object.hasOwn(targets, listed)) : Object.keys(targets)) {
      if (mine.has(path)) continue;
      delete targets[path];
      result.removed.push(path);
    }
    for (const [path, artifact] of mine) {
      const entry = Object.hasOwn(targets, path) ? targets[path] : undefined;
      const same = entry !== undefined && entry.length === artifact.length && entry.hashes.sha256 === artifact.sha256;
      // A changed file keeps its entry's other fields (custom and unknown ones), as tuf-on-ci does.
      // An entry is replaced, never changed in place: the draft shares entries with the parsed file.
      const next: TargetFile = same ? (custom.has(path) ? { ...entry } : entry) : { ...entry, length: artifact.length!, hashes: { sha256: artifact.sha256! } };
      if (custom.has(path)) {
        const value = custom.get(path)!;
        if (value === null) delete next.custom;
        else next.custom = value;
      }
      if (next !== entry) setOwn(targets as unknown as JsonObject, path, next);
      if (!entry) result.added.push(path);
      else if (!same) result.modified.push(path);
    }
  }
  return result;
}
