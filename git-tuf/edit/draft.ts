/**
 * A draft of a signing event: the event's metadata documents, edited in memory, then turned into
 * file changes. Pure (states in, file bytes out). Every role whose `signed` the draft changes (or
 * that is renewed) gets tuf-on-ci's treatment once: version = known good + 1 however often the
 * event is edited, expiry = now + its expiry period, and a placeholder signature for every
 * expected key, so that keyholders only review and sign.
 */
import { GitTufError } from '../errors.js';
import type { FileChange } from '../git/write.js';
import { EVENT_STATE_FILE, METADATA_DIR, roleFile, roleMetadata, type RepositoryState } from '../repo/state.js';
import { delegationTree } from '../tuf/delegation.js';
import { expiresAfter } from '../tuf/expires.js';
import { formatMetadata, formatMetadataValue, sameJson } from '../tuf/json.js';
import { rewriteTargetsMap } from '../tuf/skim.js';
import { rolePeriods, type DelegatedRole, type JsonObject, type RootSigned, type Signature, type Signed, type TargetsSigned } from '../tuf/metadata.js';

interface DraftDocument {
  document: { signed: Signed; signatures: Signature[] } & JsonObject;
  /** `signed` as the event had it, never edited (null: a new role). */
  original: Signed | null;
  renew: boolean;
  /**
   * Set for a targets file read in part (the entries of `read` paths only): its bytes, from which
   * the entries not read are written back unparsed. Edits may touch only the entries read.
   */
  readInPart?: { bytes: Buffer; read: ReadonlySet<string> };
}

export interface DraftResult {
  changes: FileChange[];
  /** Roles that got a new version, with it. */
  bumped: { role: string; version: number; expires: string }[];
  deleted: string[];
}

/** Sets an own key: a plain assignment to "__proto__" (a valid target path) would set the prototype. */
export function setOwn(target: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * `.signing-event-state` as tuf-on-ci writes it: `json.dumps(state, indent=2)` (keys in insertion
 * order, non-ASCII escaped, no trailing newline), unlike the metadata files.
 */
function formatEventState(invites: JsonObject): Buffer {
  const text = JSON.stringify({ invites }, null, 2).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return Buffer.from(text, 'latin1');
}

/**
 * A copy of a parsed document to edit. The entries of a targets map are shared with the parsed
 * file, as edits replace an entry and never change one in place (syncTargets): a role of 100k
 * targets is then copied as one map, not re-parsed, and comparing it with the original finds
 * the untouched entries identical at once. Everything else is copied deep.
 */
function copyToEdit(document: JsonObject): DraftDocument['document'] {
  const { targets, ...signed } = document.signed as JsonObject;
  const copy = JSON.parse(JSON.stringify({ ...document, signed })) as DraftDocument['document'];
  if (targets !== undefined) (copy.signed as unknown as JsonObject).targets = { ...(targets as JsonObject) };
  return copy;
}

/**
 * formatMetadata(document) for a targets file read in part, whose `signed.targets` holds the
 * entries of `read` paths only, as edited: the entries not read are the file's own. They are
 * copied from its bytes where its layout is formatMetadata's (python-tuf's), else the file is
 * parsed in full to write it.
 */
function formatReadInPart(role: string, document: DraftDocument['document'], { bytes, read }: NonNullable<DraftDocument['readInPart']>): Buffer {
  const targets = (document.signed as TargetsSigned).targets;
  const outside = Object.keys(targets).filter((path) => !read.has(path));
  if (outside.length > 0) throw new GitTufError('internal', `${roleFile(role)} was read in part, and the edit touched ${outside[0]}, which was not read`);
  const header = { ...document, signed: { ...document.signed, targets: {} } };
  const map = rewriteTargetsMap(bytes, read, new Map(Object.entries(targets).map(([path, entry]) => [path, formatMetadataValue(entry, 3)])));
  if (map !== null) {
    // The rest of the file written as formatMetadata writes it, the entries spliced in for `{}`.
    const text = formatMetadataValue(header, 0);
    const empty = text.indexOf(TARGETS_AT_TWO);
    if (empty !== -1 && text.indexOf(TARGETS_AT_TWO, empty + 1) === -1) {
      const at = empty + TARGETS_AT_TWO.length - 2;
      return Buffer.concat([Buffer.from(text.slice(0, at), 'latin1'), ...map, Buffer.from(text.slice(at + 2), 'latin1')]);
    }
  }
  const whole = (JSON.parse(bytes.toString('utf8')) as { signed: TargetsSigned }).signed.targets;
  for (const path of read) delete whole[path];
  for (const [path, entry] of Object.entries(targets)) setOwn(whole as unknown as JsonObject, path, entry);
  return formatMetadata({ ...header, signed: { ...header.signed, targets: whole } });
}

/** `signed.targets` emptied, as formatMetadata writes it: two levels down. */
const TARGETS_AT_TWO = '\n  "targets": {}';

export class Draft {
  readonly event: RepositoryState;
  readonly knownGood: RepositoryState;
  readonly invites: Map<string, string[]>;
  readonly #documents = new Map<string, DraftDocument>();
  readonly #deleted = new Set<string>();
  readonly #originalInvites: string;

  constructor(event: RepositoryState, knownGood: RepositoryState) {
    this.event = event;
    this.knownGood = knownGood;
    if (event.inviteError) throw event.inviteError;
    this.invites = new Map([...event.invites].map(([handle, roles]) => [handle, [...roles]]));
    this.#originalInvites = JSON.stringify([...this.invites]);
  }

  /** Whether the role has metadata in the draft. */
  has(role: string): boolean {
    if (this.#deleted.has(role)) return false;
    if (this.#documents.has(role)) return true;
    const entry = role === 'root' ? this.event.root : this.event.roles.get(role);
    if (entry?.error) throw entry.error;
    return entry?.metadata !== undefined;
  }

  #entry(role: string): DraftDocument {
    let draft = this.#documents.get(role);
    if (draft) return draft;
    if (this.#deleted.has(role)) throw new GitTufError('usage', `the role ${role} was removed in this event`);
    const entry = role === 'root' ? this.event.root : this.event.roles.get(role);
    if (entry?.error) throw entry.error;
    const metadata = entry?.metadata;
    if (!metadata) throw new GitTufError('usage', `there is no role ${role} in this event (${roleFile(role)} is missing)`, { hint: 'create it with git tuf delegate, or check the role name' });
    draft = { document: copyToEdit(metadata.document), original: metadata.signed, renew: false };
    if (metadata.targetsRead) draft.readInPart = { bytes: metadata.bytes, read: metadata.targetsRead };
    this.#documents.set(role, draft);
    return draft;
  }

  /** The role's `signed`, to edit in place. */
  signed<T extends Signed = Signed>(role: string): T {
    return this.#entry(role).document.signed as T;
  }

  root(): RootSigned {
    return this.signed<RootSigned>('root');
  }

  targets(role: string): TargetsSigned {
    return this.signed<TargetsSigned>(role);
  }

  /** Adds a new role (or replaces a removed one) with this `signed`. */
  create(role: string, signed: Signed): void {
    if (this.has(role)) throw new GitTufError('usage', `the role ${role} exists already`);
    this.#deleted.delete(role);
    this.#documents.set(role, { document: { signatures: [], signed }, original: null, renew: true });
  }

  remove(role: string): void {
    this.#documents.delete(role);
    this.#deleted.add(role);
  }

  /** A new version even if nothing in it changes (renewal, or its signers changed). */
  renew(role: string): void {
    this.#entry(role).renew = true;
  }

  /** The delegated roles in search order, with their delegators, as the draft has them now. */
  delegations(): Map<string, { delegator: string; delegation: DelegatedRole }> {
    return delegationTree((role) => (this.has(role) && role !== 'root' ? this.targets(role) : undefined));
  }

  /**
   * Keyids whose signatures the role's new version expects, in tuf-on-ci's order: for root, known
   * good root's keys first (they must sign the new version too), then its own new ones.
   */
  expectedKeyids(role: string): string[] {
    if (role === 'root') {
      const previous = roleMetadata<'root'>(this.knownGood, 'root')?.signed.roles.root.keyids ?? [];
      return [...previous, ...this.root().roles.root.keyids.filter((keyid) => !previous.includes(keyid))];
    }
    if (role === 'targets' || role === 'snapshot' || role === 'timestamp') return [...this.root().roles[role].keyids];
    const link = this.delegations().get(role);
    return link ? [...link.delegation.keyids] : [];
  }

  /** Online roles get no placeholders: `publish` signs them. */
  isOnline(role: string): boolean {
    if (role === 'snapshot' || role === 'timestamp') return true;
    const ring = role === 'targets' || role === 'root' ? this.root().keys : this.delegatorKeys(role);
    const keyids = this.expectedKeyids(role);
    return keyids.length > 0 && keyids.every((keyid) => typeof ring[keyid]?.['x-tuf-on-ci-online-uri'] === 'string');
  }

  delegatorKeys(role: string): Record<string, JsonObject> {
    const link = this.delegations().get(role);
    return link ? (this.targets(link.delegator).delegations?.keys ?? {}) : {};
  }

  /**
   * The file changes, after bumping every changed or renewed role. `at` is now; a role without an
   * expiry period keeps its expiry.
   */
  finish(at: Date): DraftResult {
    const result: DraftResult = { changes: [], bumped: [], deleted: [] };
    for (const [role, draft] of this.#documents) {
      const signed = draft.document.signed;
      if (!draft.renew && draft.original !== null && sameJson(signed, draft.original)) continue;
      if (role === 'snapshot' || role === 'timestamp') throw new GitTufError('internal', `${role} is signed online and cannot be edited in an event`);
      const knownGood = roleMetadata(this.knownGood, role);
      signed.version = (knownGood?.signed.version ?? 0) + 1;
      const { expiryDays } = rolePeriods(role, signed, role === 'root' ? (signed as RootSigned) : this.has('root') ? this.root() : undefined);
      if (expiryDays !== undefined) signed.expires = expiresAfter(at, expiryDays);
      if (!this.isOnline(role)) draft.document.signatures = this.expectedKeyids(role).map((keyid) => ({ keyid, sig: '' }));
      else draft.document.signatures = [];
      const bytes = draft.readInPart ? formatReadInPart(role, draft.document, draft.readInPart) : formatMetadata(draft.document);
      result.changes.push({ path: roleFile(role), content: bytes });
      if (role === 'root') result.changes.push({ path: `${METADATA_DIR}/root_history/${signed.version}.root.json`, content: bytes });
      result.bumped.push({ role, version: signed.version, expires: signed.expires });
    }
    for (const role of this.#deleted) {
      if (this.event.roles.has(role)) {
        result.changes.push({ path: roleFile(role), content: null });
        result.deleted.push(role);
      }
    }
    for (const [handle, roles] of this.invites) if (roles.length === 0) this.invites.delete(handle);
    if (JSON.stringify([...this.invites]) !== this.#originalInvites) {
      const invites: JsonObject = {};
      for (const [handle, roles] of this.invites) setOwn(invites, handle, roles);
      result.changes.push({ path: `${METADATA_DIR}/${EVENT_STATE_FILE}`, content: this.invites.size === 0 ? null : formatEventState(invites) });
    }
    return result;
  }
}
