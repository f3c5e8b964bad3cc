/**
 * A repository state: everything under `metadata/` and `targets/` at one commit, read straight
 * from git objects (no checkout). Metadata is parsed here, once; a file that does not parse is kept
 * with its error so that checks can report it by name instead of stopping at the first one.
 */
import { GitTufError } from '../errors.js';
import type { BlobDigests } from '../git/blob-digests.js';
import type { GitRepository, TreeEntry } from '../git/repository.js';
import { isRegularFile } from '../git/tree.js';
import { parseJson } from '../tuf/json.js';
import { delegationTree } from '../tuf/delegation.js';
import { startSignedPayloads, type MetadataBlob } from './signed-payloads.js';
import { parseMetadata, targetPathProblem, type Metadata, type RoleType, type SignedByType, type TargetsSigned } from '../tuf/metadata.js';

export const METADATA_DIR = 'metadata';
export const TARGETS_DIR = 'targets';
export const EVENT_STATE_FILE = '.signing-event-state';

export interface MetadataFile<T extends RoleType = RoleType> {
  /** Repository path, e.g. `metadata/root_history/3.root.json`. */
  file: string;
  oid: string;
  metadata?: Metadata<SignedByType[T]>;
  error?: GitTufError;
}

export interface Artifact {
  /** Path under `targets/`, '/'-separated: the target path in metadata. */
  path: string;
  mode: string;
  oid: string;
  /** Set for regular files once digested. */
  length?: number;
  sha256?: string;
}

export interface RepositoryState {
  commit: string;
  root: MetadataFile<'root'> | undefined;
  /** `root_history/<N>.root.json` by N. */
  rootHistory: Map<number, MetadataFile<'root'>>;
  /** Every other role file by role name: targets, snapshot, timestamp and delegated roles. */
  roles: Map<string, MetadataFile>;
  /** Files under `metadata/` that are none of the above. */
  strayFiles: string[];
  /** Open invitations of a signing event: handle → roles. */
  invites: Map<string, string[]>;
  inviteError?: GitTufError;
  /** Every file under targets/ by path, or only those of `scope` when it is set. */
  artifacts: Map<string, Artifact>;
  /** How many files targets/ holds; -1 when targets/ was not read (OpenOptions.metadataOnly). */
  artifactCount: number;
  /**
   * Set when only these artifact paths were read, files and targets entries alike, the others
   * being known to match their metadata (artifact-match.ts). Checks then look at these only.
   */
  scope?: ReadonlySet<string>;
}

/** What loadState reads of a commit whose artifacts are known to match outside `paths`. */
export interface ScopedLoad {
  /** The listing of metadata/, already made. */
  metadataEntries: TreeEntry[];
  /** The only artifact paths to read. */
  paths: ReadonlySet<string>;
  /** The files at those paths that exist at the commit. */
  files: TreeEntry[];
  /**
   * The number of files under targets/, given how many entries the targets metadata lists (the
   * delegated roles' included): known from that when the artifacts matched, else counted by git.
   */
  count: (listed: number) => Promise<number>;
  /** The metadata blobs' bytes by blob id, asked for as soon as metadata/ was listed. */
  metadataBlobs: Promise<Map<string, Buffer>>;
}

/** The state of a commit without metadata or targets (or of no commit: a new history). */
export function emptyState(): RepositoryState {
  return { commit: '', root: undefined, rootHistory: new Map(), roles: new Map(), strayFiles: [], invites: new Map(), artifacts: new Map(), artifactCount: 0 };
}

/** `root_history/<N>.root.json`, under metadata/; N is group 1. */
const ROOT_HISTORY_FILE = /^root_history\/([1-9]\d{0,8})\.root\.json$/;

/** The metadata type of the file at `path` under metadata/ (null: no role file). */
export function metadataType(path: string): RoleType | null {
  if (path === 'root.json' || ROOT_HISTORY_FILE.test(path)) return 'root';
  return !path.includes('/') && path.endsWith('.json') ? roleTypeOf(path.slice(0, -'.json'.length)) : null;
}

function roleTypeOf(name: string): RoleType {
  return name === 'root' || name === 'snapshot' || name === 'timestamp' ? name : 'targets';
}

export function roleFile(role: string): string {
  return `${METADATA_DIR}/${role}.json`;
}

export function roleMetadata<T extends RoleType>(state: RepositoryState, role: string): Metadata<SignedByType[T]> | undefined {
  const entry = role === 'root' ? state.root : state.roles.get(role);
  return entry?.metadata as Metadata<SignedByType[T]> | undefined;
}

function parseFile<T extends RoleType>(file: string, oid: string, bytes: Buffer, type: T, onlyTargets?: ReadonlySet<string>, proven = false): MetadataFile<T> {
  try {
    return { file, oid, metadata: parseMetadata(bytes, file, type, oid, onlyTargets, proven) };
  } catch (error) {
    if (error instanceof GitTufError) return { file, oid, error };
    throw error;
  }
}

function parseInvites(bytes: Buffer, file: string): Map<string, string[]> {
  const document = parseJson(bytes, file);
  const invites = new Map<string, string[]>();
  const raw = (document as { invites?: unknown } | null)?.invites ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new GitTufError('format', `${file}: "invites" must be an object`);
  }
  for (const [handle, roles] of Object.entries(raw)) {
    if (!Array.isArray(roles) || !roles.every((role) => typeof role === 'string')) {
      throw new GitTufError('format', `${file}: invites for ${handle} must be a list of role names`);
    }
    invites.set(handle, roles as string[]);
  }
  return invites;
}

/**
 * Parsed metadata files by blob id, so that a file two states share is read and parsed once.
 * Metadata read in part is no stand-in for the whole file, only for the same part (`onlyTargets`).
 */
function parsedByOid(state: RepositoryState | undefined, onlyTargets: ReadonlySet<string> | undefined): Map<string, MetadataFile> {
  const files = new Map<string, MetadataFile>();
  if (!state) return files;
  for (const entry of [state.root, ...state.rootHistory.values(), ...state.roles.values()]) {
    const read = entry?.metadata?.targetsRead;
    if (entry && (read === undefined || read === onlyTargets)) files.set(`${entry.file}\0${entry.oid}`, entry);
  }
  return files;
}

/**
 * Reads a commit's metadata and artifact tree. Artifact lengths and digests are filled in later
 * (digestArtifacts), only for the artifacts a check needs. Metadata files identical to those of
 * `reuse` (same path, same blob) are taken from it instead of being read and parsed again.
 */
export async function loadState(git: GitRepository, commit: string, reuse?: RepositoryState, scoped?: ScopedLoad): Promise<RepositoryState> {
  return (await openState(git, commit, { reuse, scoped })).state;
}

export interface OpenOptions {
  reuse?: RepositoryState | undefined;
  scoped?: ScopedLoad | undefined;
  /** Digest every artifact read, starting as soon as they are listed. */
  digests?: BlobDigests;
  /** Read metadata/ only (for a known good whose artifacts nothing looks at): no artifact is read. */
  metadataOnly?: boolean;
  /**
   * The work tree when it has this commit checked out: digests then read the files there that
   * have the committed bytes (git's id of them proves it) instead of unpacking them.
   */
  workTree?: string;
  /** metadata/ already listed and its blobs asked for (metadataOnly): see readMetadata. */
  metadataRead?: MetadataRead;
  /**
   * metadataOnly: read only the entries of these paths from targets files known to be well-formed
   * (parseMetadata's `onlyTargets`), for a state whose checks look at no other artifact.
   */
  onlyTargets?: ReadonlySet<string>;
  /** Blob ids of files new to the fact memo but proven well-formed (see provenWellFormed): read as known ones are. */
  provenWellFormed?: ReadonlySet<string>;
}

/** A commit's metadata/ listing and the bytes of its blobs (by blob id), read ahead. */
export interface MetadataRead {
  entries: TreeEntry[];
  blobs: Promise<Map<string, Buffer>>;
}

/**
 * Lists metadata/ at several commits at once and asks for all their blobs in one go, so that
 * the reads of one overlap the parsing of another. A blob at the same path in an earlier
 * commit of the list is read once (openState with `reuse` takes the parsed file from there).
 * `workTrees[i]`: the work tree when commit i is checked out there (see OpenOptions.workTree).
 * The first commit is the one whose signatures the caller checks.
 */
export async function readMetadata(git: GitRepository, commits: readonly string[], workTrees: readonly (string | undefined)[] = []): Promise<MetadataRead[]> {
  const listings = await Promise.all(commits.map((commit) => git.listSmallTree(commit, METADATA_DIR)));
  const seen = new Set<string>();
  return listings.map((entries, index) => {
    const toRead = entries.filter((entry) => entry.type === 'blob' && !seen.has(`${entry.path}\0${entry.oid}`));
    for (const entry of toRead) seen.add(`${entry.path}\0${entry.oid}`);
    const blobs = readAll(git, toRead, workTrees[index]);
    // The first commit's files are the ones whose signatures get checked (an event's; known good
    // is the baseline): the signed bytes of its large new files are read off on another thread
    // as soon as they are here, while this one looks at them (openState takes over the job).
    if (index === 0) blobs.then((contents) => startSignedPayloads(metadataBlobs(toRead, contents)), () => {});
    blobs.catch(() => {}); // awaited by openState; an error meanwhile must not go unhandled
    return { entries, blobs };
  });
}

/** The metadata files among `entries` (no symlinks), with their bytes, for startSignedPayloads. */
function metadataBlobs(entries: readonly TreeEntry[], contents: Map<string, Buffer>): MetadataBlob[] {
  return entries.flatMap((entry) => {
    const type = entry.mode === '120000' ? null : metadataType(entry.path);
    const bytes = contents.get(entry.oid);
    return type && bytes ? [{ bytes, type, blobId: entry.oid }] : [];
  });
}

/**
 * loadState, and with `digests` the artifacts digested too: hashing starts before the metadata
 * is parsed and goes on while the caller checks it (on a worker thread when there are many), so
 * `digested` may still be pending when the state is returned.
 */
export async function openState(git: GitRepository, commit: string, options: OpenOptions): Promise<{ state: RepositoryState; digested: Promise<void> }> {
  const { reuse, scoped } = options;
  const [metadataEntries, targetEntries] = scoped
    ? [scoped.metadataEntries, scoped.files]
    : options.metadataOnly
      ? [options.metadataRead?.entries ?? (await git.listSmallTree(commit, METADATA_DIR)), []]
      : ((await git.listTrees(commit, [METADATA_DIR, TARGETS_DIR])) as [TreeEntry[], TreeEntry[]]);
  const artifacts = new Map<string, Artifact>();
  for (const entry of targetEntries) artifacts.set(entry.path, { path: entry.path, mode: entry.mode, oid: entry.oid });
  const digested = options.digests ? digestAll(artifacts.values(), options.digests, options.workTree) : Promise.resolve();
  digested.catch(() => {}); // the caller awaits it; an error meanwhile must not go unhandled
  const onlyTargets = scoped?.paths ?? (options.metadataOnly ? options.onlyTargets : undefined);
  const known = parsedByOid(reuse, onlyTargets);
  const blobs = metadataEntries.filter((entry) => entry.type === 'blob');
  const toRead = blobs.filter((entry) => !known.has(`${METADATA_DIR}/${entry.path}\0${entry.oid}`));
  const preRead = scoped?.metadataBlobs ?? (options.metadataOnly ? options.metadataRead?.blobs : undefined);
  const contents = preRead ? await preRead : await readAll(git, toRead, options.workTree);

  const state: RepositoryState = {
    commit,
    root: undefined,
    rootHistory: new Map(),
    roles: new Map(),
    strayFiles: [],
    invites: new Map(),
    artifacts,
    artifactCount: options.metadataOnly ? -1 : targetEntries.length,
    ...(scoped ? { scope: scoped.paths } : options.metadataOnly ? { scope: new Set<string>() } : {}),
  };
  // Large files new to the fact memo have their signed bytes read off on another thread meanwhile,
  // unless artifacts are being hashed on a thread per core already.
  const payloads = await startSignedPayloads(options.digests?.hashingInThreads ? [] : metadataBlobs(blobs.filter((entry) => !known.has(`${METADATA_DIR}/${entry.path}\0${entry.oid}`)), contents));
  for (const entry of blobs) {
    const file = `${METADATA_DIR}/${entry.path}`;
    const parse = <T extends RoleType>(type: T): MetadataFile<T> =>
      (known.get(`${file}\0${entry.oid}`) as MetadataFile<T> | undefined) ?? parseFile(file, entry.oid, contents.get(entry.oid)!, type, onlyTargets, options.provenWellFormed?.has(entry.oid));
    const history = ROOT_HISTORY_FILE.exec(entry.path);
    if (entry.mode === '120000') state.strayFiles.push(file);
    else if (entry.path === 'root.json') state.root = parse('root');
    else if (history) state.rootHistory.set(Number(history[1]), parse('root'));
    else if (entry.path === EVENT_STATE_FILE) {
      try {
        state.invites = parseInvites(contents.get(entry.oid)!, file);
      } catch (error) {
        if (!(error instanceof GitTufError)) throw error;
        state.inviteError = error;
      }
    } else if (!entry.path.includes('/') && entry.path.endsWith('.json')) {
      const role = entry.path.slice(0, -'.json'.length);
      state.roles.set(role, parse(roleTypeOf(role)));
    } else state.strayFiles.push(file);
  }
  for (const entry of metadataEntries) if (entry.type !== 'blob') state.strayFiles.push(`${METADATA_DIR}/${entry.path}`);

  if (scoped) state.artifactCount = await scoped.count(listedTargets(state));
  await payloads.done;
  return { state, digested };
}

/** How many target entries the roles of the delegation tree list, in all (parsed in full or not). */
export function listedTargets(state: RepositoryState): number {
  const signedOf = (role: string): TargetsSigned | undefined => state.roles.get(role)?.metadata?.signed as TargetsSigned | undefined;
  let listed = 0;
  for (const role of ['targets', ...delegationTree(signedOf).keys()]) {
    const metadata = state.roles.get(role)?.metadata;
    if (metadata) listed += metadata.targetCount ?? Object.keys((metadata.signed as TargetsSigned).targets).length;
  }
  return listed;
}

/** A state read with metadataOnly, given the artifacts it needs: `files`, the only ones of `scope` that exist, and the count. */
export function withArtifacts(state: RepositoryState, files: readonly TreeEntry[], scope: ReadonlySet<string>, count: number): RepositoryState {
  const artifacts = new Map(files.map((entry): [string, Artifact] => [entry.path, { path: entry.path, mode: entry.mode, oid: entry.oid }]));
  return { ...state, artifacts, scope, artifactCount: count };
}

/** The bytes of metadata/ blobs by blob id, from the checked-out `workTree` where it has them. */
export async function readAll(git: GitRepository, entries: readonly TreeEntry[], workTree?: string): Promise<Map<string, Buffer>> {
  const oids = entries.map((entry) => entry.oid);
  const read = workTree === undefined ? await git.readBlobs(oids) : await git.readBlobsPreferring(oids, entries.map((entry) => `${workTree}/${METADATA_DIR}/${entry.path}`));
  return new Map(oids.map((oid, index) => [oid, read[index]!]));
}

export { isRegularFile };

/** Fills in length and sha256 of the regular artifacts in `paths` (all when omitted), from the blob-id cache where possible. */
export async function digestArtifacts(state: RepositoryState, digests: BlobDigests, paths?: Iterable<string>): Promise<void> {
  await digestAll(paths ? [...paths].flatMap((path) => state.artifacts.get(path) ?? []) : state.artifacts.values(), digests);
}

async function digestAll(artifacts: Iterable<Artifact>, digests: BlobDigests, workTree?: string): Promise<void> {
  const files = [...artifacts].filter(isRegularFile);
  // Only paths that stay inside targets/ are looked up there (the check reports the others).
  const checkedOut = workTree === undefined ? undefined : files.map((artifact) => (targetPathProblem(artifact.path) ? null : `${workTree}/${TARGETS_DIR}/${artifact.path}`));
  const known = await digests.digestList(files.map((artifact) => artifact.oid), checkedOut);
  for (let i = 0; i < files.length; i++) {
    const digest = known[i];
    if (digest) {
      files[i]!.length = digest.length;
      files[i]!.sha256 = digest.sha256;
    }
  }
}

/**
 * The state with `changes` applied to its metadata files, as if committed (targets/ is not
 * changed). Used to sign what an edit made in the same commit as the edit.
 */
export function withMetadataChanges(state: RepositoryState, changes: readonly { path: string; content: Buffer | null }[]): RepositoryState {
  const next: RepositoryState = { ...state, rootHistory: new Map(state.rootHistory), roles: new Map(state.roles), invites: new Map(state.invites) };
  for (const change of changes) {
    if (!change.path.startsWith(`${METADATA_DIR}/`)) continue;
    const name = change.path.slice(METADATA_DIR.length + 1);
    const history = ROOT_HISTORY_FILE.exec(name);
    const parse = <T extends RoleType>(type: T): MetadataFile<T> => parseFile(change.path, `uncommitted:${change.path}`, change.content!, type);
    if (name === EVENT_STATE_FILE) next.invites = change.content ? parseInvites(change.content, change.path) : new Map();
    else if (name === 'root.json') next.root = change.content ? parse('root') : undefined;
    else if (history) {
      if (change.content) next.rootHistory.set(Number(history[1]), parse('root'));
      else next.rootHistory.delete(Number(history[1]));
    } else if (!name.includes('/') && name.endsWith('.json')) {
      const role = name.slice(0, -'.json'.length);
      if (change.content) next.roles.set(role, parse(roleTypeOf(role)));
      else next.roles.delete(role);
    }
  }
  return next;
}
