/**
 * Root chains this clone has verified, so that a hook verifies only the root versions it has not
 * seen yet. An entry is the sha256 of the history's blob ids from version 1 to N: a chain with the
 * same bytes up to N verified before, so verification can start at N + 1 from version N (as a TUF
 * client does from its trusted root). Kept in `<git dir>/git-tuf/`, next to the blob digest cache.
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { GitRepository } from '../git/repository.js';
import type { RootChainStart } from '../repo/check-repository.js';
import type { Problem } from '../repo/report.js';
import type { RepositoryState } from '../repo/state.js';
import type { Metadata, RootSigned } from '../tuf/metadata.js';

const cacheFile = (git: GitRepository): string => path.join(git.commonDir, 'git-tuf', 'verified-root-chains');

/** The key of versions 1…`version` of the history; null when one is missing or does not parse. */
function chainKey(state: RepositoryState, version: number): string | null {
  const hash = createHash('sha256');
  for (let v = 1; v <= version; v++) {
    const entry = state.rootHistory.get(v);
    if (!entry?.metadata) return null;
    hash.update(`${v} ${entry.oid}\n`);
  }
  return hash.digest('hex');
}

async function knownKeys(git: GitRepository): Promise<Set<string>> {
  const text = await readFile(cacheFile(git), 'utf8').catch(() => '');
  return new Set(text.split('\n').filter((line) => /^[0-9a-f]{64}$/.test(line)));
}

/** Where verification can start for `state`: after the longest already verified prefix. */
export async function verifiedChainStart(git: GitRepository, state: RepositoryState): Promise<RootChainStart | undefined> {
  const newest = state.root?.metadata?.signed.version;
  if (newest === undefined) return undefined;
  const known = await knownKeys(git);
  if (known.size === 0) return undefined;
  for (let version = newest; version >= 1; version--) {
    const key = chainKey(state, version);
    if (key !== null && known.has(key)) {
      return { fromVersion: version + 1, trusted: state.rootHistory.get(version)!.metadata as Metadata<RootSigned> };
    }
  }
  return undefined;
}

/** Records the state's chain when the check found no error in it. */
export async function recordVerifiedChain(git: GitRepository, state: RepositoryState, rootProblems: Problem[]): Promise<void> {
  if (rootProblems.some((found) => found.level === 'error')) return;
  const version = state.root?.metadata?.signed.version;
  const key = version === undefined ? null : chainKey(state, version);
  if (key === null || (await knownKeys(git)).has(key)) return;
  try {
    await mkdir(path.dirname(cacheFile(git)), { recursive: true });
    await appendFile(cacheFile(git), `${key}\n`);
  } catch {
    // A cache that cannot be written only costs time on the next run.
  }
}
