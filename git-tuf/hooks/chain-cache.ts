/**
 * Root chains this clone has verified, so that a hook verifies only the root versions it has not
 * seen yet. An entry is the sha256 of the history's blob ids from version 1 to N: a chain with the
 * same bytes up to N verified before, so verification can start at N + 1 from version N (as a TUF
 * client does from its trusted root). Kept as facts of the repository's fact memo (tuf/memo.ts).
 */
import { createHash } from 'node:crypto';
import type { RootChainStart } from '../repo/check-repository.js';
import type { Problem } from '../repo/report.js';
import type { RepositoryState } from '../repo/state.js';
import { knownFact, learnFact } from '../tuf/memo.js';
import type { Metadata, RootSigned } from '../tuf/metadata.js';

/** The key of versions 1…`version` of the history; null when one is missing or does not parse. */
function chainKey(state: RepositoryState, version: number): string | null {
  const hash = createHash('sha256');
  for (let v = 1; v <= version; v++) {
    const entry = state.rootHistory.get(v);
    if (!entry?.metadata) return null;
    hash.update(`${v} ${entry.oid}\n`);
  }
  return `verified-root-chain\0${hash.digest('hex')}`;
}

/** Where verification can start for `state`: after the longest already verified prefix. */
export function verifiedChainStart(state: RepositoryState): RootChainStart | undefined {
  const newest = state.root?.metadata?.signed.version;
  if (newest === undefined) return undefined;
  for (let version = newest; version >= 1; version--) {
    const key = chainKey(state, version);
    if (key !== null && knownFact(key)) {
      return { fromVersion: version + 1, trusted: state.rootHistory.get(version)!.metadata as Metadata<RootSigned> };
    }
  }
  return undefined;
}

/** Records the state's chain when the check found no error in it. */
export function recordVerifiedChain(state: RepositoryState, rootProblems: Problem[]): void {
  if (rootProblems.some((found) => found.level === 'error')) return;
  const version = state.root?.metadata?.signed.version;
  const key = version === undefined ? null : chainKey(state, version);
  if (key !== null) learnFact(key);
}
