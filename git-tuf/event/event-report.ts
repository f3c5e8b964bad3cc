/**
 * One signing event, loaded and checked against its known good: the states (for commands that
 * change or sign the event) and the status report (for what people are shown).
 */
import { BlobDigests } from '../git/blob-digests.js';
import type { ChangedFile, GitRepository } from '../git/repository.js';
import { artifactCountAfter } from '../repo/artifact-match.js';
import { changedArtifacts, changedTargetEntries, type ArtifactScope } from '../repo/artifacts.js';
import { EXIT_CODES, resultOf, sortProblems, type StatusReport } from '../repo/report.js';
import { digestArtifacts, openState, readMetadata, TARGETS_DIR, withArtifacts, type MetadataRead, type RepositoryState } from '../repo/state.js';
import { formatExpires } from '../tuf/expires.js';
import { checkEvent } from './check-event.js';

export interface LoadedEvent {
  state: RepositoryState;
  /** Read for its metadata only: its artifacts are not listed. */
  knownGood: RepositoryState;
  /** The artifact paths the event can have changed (changedArtifacts); undefined: all. */
  artifactScope: ArtifactScope | undefined;
  report: StatusReport;
}

export interface EventLocation {
  /** The event name (the branch without `sign/`). */
  name: string;
  /** The ref shown to people, e.g. `origin/sign/new-key`. */
  ref: string;
  commit: string;
  knownGoodCommit: string;
  /** The work tree when it has `commit` checked out (its files are then read there; see OpenOptions.workTree). */
  workTree?: string;
}

export interface LoadEventOptions {
  /**
   * The states are for the report and its checks only (status, hooks): the targets files may be
   * read in part, only the entries the check looks at, as nothing here signs or edits them.
   */
  reportOnly?: boolean;
  /** With reportOnly: from which size a targets file is compared by its bytes (changedTargetEntries). */
  comparedFrom?: number;
}

export async function loadEvent(git: GitRepository, where: EventLocation, at: Date, digests = new BlobDigests(git), options: LoadEventOptions = {}): Promise<LoadedEvent> {
  const changing = git.changedFiles(where.knownGoodCommit, where.commit, TARGETS_DIR);
  changing.catch(() => {}); // awaited below
  // Metadata first: which artifacts need a look depends on what the event changes in it. Both
  // commits' files are asked for at once; known good's are read while the event's are parsed.
  const [eventRead, knownGoodRead] = (await readMetadata(git, [where.commit, where.knownGoodCommit], [where.workTree])) as [MetadataRead, MetadataRead];
  // For a report, the entries that can have changed are found by comparing the files' bytes, and
  // only those (and the changed files') are read, once the files are known to be well-formed: seen
  // before, proven from known good's (only what differs is checked), or once read in full.
  const entriesToRead = async (): Promise<{ entryChanges: Map<string, Set<string>>; onlyTargets: Set<string>; proven: Set<string> } | undefined> => {
    const found = options.reportOnly ? await changedTargetEntries(eventRead, knownGoodRead, options.comparedFrom) : undefined;
    if (!found) return undefined;
    const onlyTargets = new Set((await changing).map((change) => change.path));
    for (const paths of found.changes.values()) for (const path of paths) onlyTargets.add(path);
    return { entryChanges: found.changes, onlyTargets, proven: found.proven };
  };
  let partial = await entriesToRead();
  const readInPart = (): { onlyTargets?: Set<string>; provenWellFormed?: Set<string> } => (partial ? { onlyTargets: partial.onlyTargets, provenWellFormed: partial.proven } : {});
  const metadata = (await openState(git, where.commit, { metadataOnly: true, metadataRead: eventRead, ...readInPart() })).state;
  partial ??= await entriesToRead();
  const knownGood = (await openState(git, where.knownGoodCommit, { reuse: metadata, metadataOnly: true, metadataRead: knownGoodRead, ...readInPart() })).state;
  const files = await changing;
  const scope = changedArtifacts(metadata, knownGood, files, partial?.entryChanges);
  // Only what the event changed needs listing, hashing and matching; known good is main's to verify.
  const state = await eventArtifacts(git, where, metadata, knownGood, files, scope);
  await digestArtifacts(state, digests, scope);
  const check = checkEvent(state, knownGood, at, scope, files);
  const problems = sortProblems([...check.roles.flatMap((role) => role.problems), ...check.problems]);
  const result = check.roles.some((role) => role.result === 'invalid') ? 'invalid' : resultOf(problems, check.roles.some((role) => role.result === 'waiting'));
  const report: StatusReport = {
    schema: 'git-tuf-status/1',
    ref: where.ref,
    commit: where.commit,
    at: formatExpires(at),
    kind: 'event',
    event: where.name,
    knownGood: where.knownGoodCommit,
    result,
    exitCode: EXIT_CODES[result],
    roles: check.roles,
    artifacts: { total: state.artifactCount, changes: check.artifacts },
    invitations: check.invitations,
    problems,
  };
  return { state, knownGood, artifactScope: scope, report };
}

/**
 * The event's state with the artifacts its check needs: only the changed files when everything
 * the check looks at changed (diff-tree gives their entries; the count follows from known good's),
 * else every file under targets/.
 */
async function eventArtifacts(git: GitRepository, where: EventLocation, metadata: RepositoryState, knownGood: RepositoryState, files: readonly ChangedFile[], scope: ArtifactScope | undefined): Promise<RepositoryState> {
  const changed = new Set(files.map((change) => change.path));
  if (scope === undefined || [...scope].some((path) => !changed.has(path))) return (await openState(git, where.commit, { reuse: metadata })).state;
  const count = await artifactCountAfter(git, knownGood, files, where.commit);
  return withArtifacts(metadata, files.flatMap((change) => (change.now ? [change.now] : [])), scope, count);
}
