/**
 * The root chain (spec §5.3): from `root_history/1.root.json`, each version N+1 must be
 * signed by a threshold of root N's root keys and of its own, and `root.json` must be the newest
 * entry, byte for byte.
 */
import type { Metadata, RootSigned } from '../tuf/metadata.js';
import { problem, type Problem } from './report.js';
import { keyidMismatchWarning, rootAuthority, unmetMessage, verifySignatures, type SignatureOutcome } from './roles.js';
import type { RepositoryState } from './state.js';

export const historyFile = (version: number): string => `metadata/root_history/${version}.root.json`;

export interface ChainOutcome {
  problems: Problem[];
  /** The signature outcome of `root.json` itself (previous root and its own keys). */
  current: SignatureOutcome | undefined;
}

/**
 * Verifies history entries from `fromVersion` (1 when undefined) up to root.json.
 * Steps whose signatures are incomplete are errors unless `pendingVersion` names that version
 * (a signing event still collecting root signatures): then they come back in `current` only.
 */
export function checkRootChain(state: RepositoryState, options: { fromVersion?: number; trusted?: Metadata<RootSigned>; pendingVersion?: number } = {}): ChainOutcome {
  const problems: Problem[] = [];
  const where = (file: string): { role: string; file: string } => ({ role: 'root', file });
  const root = state.root?.metadata;
  if (!root) return { problems, current: undefined };

  const versions = [...state.rootHistory.keys()].sort((a, b) => a - b);
  if (versions.length === 0) {
    problems.push(problem('error', 'metadata/root_history has no root versions', { ...where('metadata/root_history'), hint: 'restore every root version from the git history of metadata/root.json' }));
    return { problems, current: undefined };
  }
  const newest = versions.at(-1) ?? 0;
  // Root versions start at 1 and every one is kept: history that starts later is a gap.
  const oldest = options.fromVersion ?? 1;
  const last = Math.max(newest, root.signed.version);

  let previous: Metadata<RootSigned> | undefined = options.trusted;
  // Historic keyid mismatches are grouped into one warning per key, not one per version.
  const historicMismatches = new Map<string, number[]>();
  let current: SignatureOutcome | undefined;
  for (let version = oldest; version <= last; version++) {
    const entry = state.rootHistory.get(version);
    if (!entry) {
      problems.push(problem('error', `${historyFile(version)} is missing: the root chain has a gap`, { ...where(historyFile(version)), hint: 'restore the file from the git history of metadata/root.json' }));
      previous = undefined;
      continue;
    }
    if (entry.error) {
      problems.push(problem('error', entry.error.message, where(entry.file)));
      previous = undefined;
      continue;
    }
    const metadata = entry.metadata!;
    if (metadata.signed.version !== version) {
      problems.push(problem('error', `${entry.file} holds root version ${metadata.signed.version}`, { ...where(entry.file), hint: 'each history file must hold the version in its name' }));
      previous = undefined;
      continue;
    }
    // Version 1 (or the first after a gap) is the trust anchor: it must be signed by its own keys.
    const authorities = previous
      ? [rootAuthority(previous, 'root', `root v${previous.signed.version}`), rootAuthority(metadata, 'root', `root v${version}`)]
      : [rootAuthority(metadata, 'root', `root v${version}`)];
    const outcome = verifySignatures('root', metadata, authorities);
    problems.push(...outcome.problems.map((found) => ({ ...found, file: found.file ?? entry.file })));
    if (!outcome.met && version !== options.pendingVersion) {
      problems.push(problem('error', `${entry.file}: ${unmetMessage(`root v${version}`, outcome.signers)}`, { ...where(entry.file), hint: 'a root version needs a threshold of the previous root\'s keys and of its own' }));
    }
    if (version === root.signed.version) current = outcome;
    else for (const keyid of outcome.keyidMismatches) historicMismatches.set(keyid, [...(historicMismatches.get(keyid) ?? []), version]);
    previous = metadata;
  }
  if (historicMismatches.size > 0) {
    const versions = [...new Set([...historicMismatches.values()].flat())].sort((a, b) => a - b);
    const span = versions.length === 1 ? `v${versions[0]}` : `v${versions[0]}–v${versions.at(-1)}`;
    problems.push(keyidMismatchWarning('root', 'metadata/root_history', [...historicMismatches.keys()], `root history (${span})`));
  }

  const newestEntry = state.rootHistory.get(root.signed.version);
  if (root.signed.version < newest) {
    problems.push(problem('error', `metadata/root.json is version ${root.signed.version} but root_history goes up to ${newest}`, { ...where('metadata/root.json'), hint: `root.json must equal ${historyFile(newest)}` }));
  } else if (newestEntry && newestEntry.oid !== state.root!.oid) {
    problems.push(problem('error', `metadata/root.json differs from ${historyFile(root.signed.version)}`, { ...where('metadata/root.json'), hint: 'both must hold the same bytes' }));
  }
  return { problems, current };
}
