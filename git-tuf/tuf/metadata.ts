/**
 * TUF metadata as typed views over the plain JSON it was parsed from. The JSON object itself is
 * kept (never rebuilt), so unknown fields and list order survive any round trip: signatures cover
 * them. `parseMetadata` is the one place where structure is checked; code downstream relies on it.
 */
import { GitTufError } from '../errors.js';
import { parseExpires } from './expires.js';
import { parseJson } from './json.js';
import { knownFact, learnFact } from './memo.js';
import { skimTargets, targetsBesideCommon } from './skim.js';

export type JsonObject = { [key: string]: unknown };

export type RoleType = 'root' | 'targets' | 'snapshot' | 'timestamp';
export const TOP_LEVEL_ROLES: readonly RoleType[] = ['root', 'targets', 'snapshot', 'timestamp'];
export const ONLINE_ROLES: readonly RoleType[] = ['snapshot', 'timestamp'];

export interface Signature {
  keyid: string;
  sig: string;
}

export interface RoleKeys {
  keyids: string[];
  threshold: number;
  'x-tuf-on-ci-expiry-period'?: number;
  'x-tuf-on-ci-signing-period'?: number;
}

export interface DelegatedRole extends RoleKeys {
  name: string;
  terminating: boolean;
  paths?: string[];
  path_hash_prefixes?: string[];
}

export interface TargetFile {
  length: number;
  hashes: Record<string, string>;
  custom?: JsonObject;
}

export interface MetaFile {
  version: number;
  length?: number;
  hashes?: Record<string, string>;
}

interface CommonSigned {
  spec_version: string;
  version: number;
  expires: string;
  'x-tuf-on-ci-expiry-period'?: number;
  'x-tuf-on-ci-signing-period'?: number;
}

export interface RootSigned extends CommonSigned {
  _type: 'root';
  consistent_snapshot?: boolean;
  keys: Record<string, JsonObject>;
  roles: Record<RoleType, RoleKeys>;
}

export interface TargetsSigned extends CommonSigned {
  _type: 'targets';
  targets: Record<string, TargetFile>;
  delegations?: { keys: Record<string, JsonObject>; roles: DelegatedRole[] };
}

export interface SnapshotSigned extends CommonSigned {
  _type: 'snapshot';
  meta: Record<string, MetaFile>;
}

export interface TimestampSigned extends CommonSigned {
  _type: 'timestamp';
  meta: Record<string, MetaFile>;
}

export type Signed = RootSigned | TargetsSigned | SnapshotSigned | TimestampSigned;

export interface SignedByType {
  root: RootSigned;
  targets: TargetsSigned;
  snapshot: SnapshotSigned;
  timestamp: TimestampSigned;
}

/** One parsed metadata file; never edited in place (signatures are checked over `bytes`: edit a copy). */
export interface Metadata<T extends Signed = Signed> {
  /** Path in the repository, e.g. `metadata/targets.json`: errors name it. */
  readonly file: string;
  /** The exact bytes as stored (snapshot and timestamp hashes cover these). */
  readonly bytes: Buffer;
  /** The whole parsed document; `signed` and `signatures` are views into it. */
  readonly document: JsonObject;
  readonly signed: T;
  readonly signatures: Signature[];
  readonly expires: Date;
  /** The git blob id of `bytes`, when read from git: it names these exact bytes. */
  readonly blobId?: string;
  /**
   * Set when `signed.targets` holds only the entries of these paths (parseMetadata's `onlyTargets`):
   * the file's other entries were not read. signedDocument gives the whole `signed`.
   */
  readonly targetsRead?: ReadonlySet<string>;
  /** With targetsRead: how many entries the file's `signed.targets` holds (a repeated key counts each time). */
  readonly targetCount?: number;
}

/** The whole `signed` of the file, as signed: re-read from the bytes when only part was read. */
export function signedDocument(metadata: Metadata): Signed {
  if (metadata.targetsRead === undefined) return metadata.signed;
  return (JSON.parse(metadata.bytes.toString('utf8')) as JsonObject).signed as Signed;
}

class Checker {
  constructor(private readonly file: string) {}

  fail(where: string, what: string): never {
    throw new GitTufError('format', `${this.file}: ${where ? `${where} ` : ''}${what}`, {
      hint: 'fix or regenerate the file; git tuf reads only well-formed TUF metadata',
    });
  }

  object(value: unknown, where: string): JsonObject {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(where, 'must be an object');
    return value as JsonObject;
  }

  string(value: unknown, where: string): string {
    if (typeof value !== 'string') this.fail(where, `must be a string, not ${describe(value)}`);
    return value;
  }

  integer(value: unknown, where: string, minimum: number): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      this.fail(where, `must be an integer, not ${describe(value)}`);
    }
    if (value < minimum) this.fail(where, `must be at least ${minimum}, not ${value}`);
    return value;
  }

  boolean(value: unknown, where: string): boolean {
    if (typeof value !== 'boolean') this.fail(where, `must be true or false, not ${describe(value)}`);
    return value;
  }

  stringList(value: unknown, where: string, unique: boolean): string[] {
    if (!Array.isArray(value)) this.fail(where, `must be a list, not ${describe(value)}`);
    value.forEach((item, index) => this.string(item, `${where}[${index}]`));
    if (unique && new Set(value).size !== value.length) this.fail(where, 'lists a value twice');
    return value as string[];
  }

  optionalPeriod(container: JsonObject, field: 'x-tuf-on-ci-expiry-period' | 'x-tuf-on-ci-signing-period', where: string): void {
    if (field in container) this.integer(container[field], `${where}${field}`, 1);
  }

  hashes(value: unknown, where: string): void {
    const hashes = this.object(value, where);
    const names = Object.keys(hashes);
    if (names.length === 0) this.fail(where, 'lists no hash');
    for (const name of names) {
      const digest = this.string(hashes[name], `${where}.${name}`);
      if (!/^[0-9a-f]+$/.test(digest)) this.fail(`${where}.${name}`, 'must be lower-case hex');
    }
  }

  roleKeys(value: unknown, where: string): RoleKeys {
    const role = this.object(value, where);
    this.stringList(role.keyids, `${where}.keyids`, true);
    this.integer(role.threshold, `${where}.threshold`, 1);
    this.optionalPeriod(role, 'x-tuf-on-ci-expiry-period', `${where}.`);
    this.optionalPeriod(role, 'x-tuf-on-ci-signing-period', `${where}.`);
    return role as unknown as RoleKeys;
  }

  keys(value: unknown, where: string): void {
    const keys = this.object(value, where);
    for (const keyid of Object.keys(keys)) this.object(keys[keyid], `${where}.${keyid}`);
  }

  metaFiles(value: unknown, where: string): void {
    const meta = this.object(value, where);
    for (const name of Object.keys(meta)) {
      const entry = this.object(meta[name], `${where}["${name}"]`);
      this.integer(entry.version, `${where}["${name}"].version`, 1);
      if ('length' in entry) this.integer(entry.length, `${where}["${name}"].length`, 0);
      if ('hashes' in entry) this.hashes(entry.hashes, `${where}["${name}"].hashes`);
    }
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return String(value);
  return `a ${typeof value}`;
}

function wellFormedFact(type: RoleType, blobId: string): string {
  return `well-formed\0${type}\0${blobId}`;
}

/** Whether the file with blob id `blobId` is known (tuf/memo.ts) to be well-formed metadata of this type. */
export function knownWellFormed(type: RoleType, blobId: string): boolean {
  return knownFact(wellFormedFact(type, blobId));
}

/**
 * Parses and checks one metadata file. `expectedType` is the type its file name implies; a file
 * holding another type is an error (a targets file renamed to snapshot.json must not pass).
 */
export function parseMetadata<K extends RoleType>(bytes: Buffer, file: string, expectedType: K, blobId?: string, onlyTargets?: ReadonlySet<string>, proven = false): Metadata<SignedByType[K]> {
  // These exact bytes passed every check below on an earlier run (tuf/memo.ts), or were `proven`
  // well-formed by provenWellFormed in this one: only parse them.
  const fact = blobId === undefined ? null : wellFormedFact(expectedType, blobId);
  if (fact !== null && proven) learnFact(fact);
  if (fact !== null && knownFact(fact)) {
    // A caller that needs only some target entries of a large targets file gets only those.
    const skimmed = expectedType === 'targets' && onlyTargets !== undefined ? skimTargets(bytes, onlyTargets) : null;
    if (skimmed !== null) {
      const signed = skimmed.document.signed as SignedByType[K];
      (signed as TargetsSigned).targets = Object.fromEntries(skimmed.entries) as Record<string, TargetFile>;
      const { document } = skimmed;
      return { file, bytes, document, signed, signatures: document.signatures as Signature[], expires: parseExpires(signed.expires)!, blobId: blobId!, targetsRead: onlyTargets, targetCount: skimmed.count };
    }
    const document = JSON.parse(bytes.toString('utf8')) as JsonObject;
    const signed = document.signed as SignedByType[K];
    return { file, bytes, document, signed, signatures: document.signatures as Signature[], expires: parseExpires(signed.expires)!, blobId: blobId! };
  }
  const { metadata, targetPaths } = checkedMetadata(bytes, file, expectedType, blobId);
  if (fact !== null) learnFact(fact);
  if (blobId !== undefined && targetPaths !== null) learnFact(targetPathsFact(blobId, targetPaths));
  return metadata;
}

/** That the well-formed targets file with this blob id lists `count` different paths. */
function targetPathsFact(blobId: string, count: number): string {
  return `target-paths\0${blobId}\0${count}`;
}

/**
 * Whether targets metadata `bytes` (blob id `blobId`), new to the fact memo, is well-formed, as
 * proven from `basis`: a file known to be well-formed that repeats no path, and whose entries
 * `bytes` shares but for a run of them (tuf/skim.ts targetsBesideCommon). The shared entries are
 * the basis's own, each of which passed when the basis was checked (it repeats none, so none was
 * hidden by a later one), and so is the space between them; the rest of the file, that run
 * included, is checked here as a file of its own. False when any of that does not hold, or the
 * rest fails: the caller then checks the file in full, which words what is wrong.
 */
export function provenWellFormed(bytes: Buffer, file: string, basis: Buffer, basisId: string): boolean {
  if (!knownWellFormed('targets', basisId)) return false;
  const beside = targetsBesideCommon(basis, bytes);
  if (beside === null || !knownFact(targetPathsFact(basisId, beside.beforeCount))) return false;
  try {
    checkedMetadata(beside.rest, file, 'targets', undefined);
    return true;
  } catch (error) {
    if (error instanceof GitTufError) return false;
    throw error;
  }
}

/** The checked metadata, and for targets metadata how many different paths it lists (else null). */
function checkedMetadata<K extends RoleType>(bytes: Buffer, file: string, expectedType: K, blobId: string | undefined): { metadata: Metadata<SignedByType[K]>; targetPaths: number | null } {
  const check: Checker = new Checker(file);
  const document = check.object(parseJson(bytes, file), '');
  if (!Array.isArray(document.signatures)) check.fail('signatures', 'must be a list');
  const signatures = document.signatures as unknown[];
  const seen = new Set<string>();
  signatures.forEach((entry, index) => {
    const signature = check.object(entry, `signatures[${index}]`);
    const keyid = check.string(signature.keyid, `signatures[${index}].keyid`);
    const sig = check.string(signature.sig, `signatures[${index}].sig`);
    if (sig !== '' && !/^[0-9a-fA-F]+$/.test(sig)) check.fail(`signatures[${index}].sig`, 'must be hex');
    // python-tuf rejects this too; counting it once would hide a malformed file.
    if (seen.has(keyid)) check.fail('signatures', `has two entries for key ${keyid.slice(0, 8)}`);
    seen.add(keyid);
  });

  const signed = check.object(document.signed, 'signed');
  const type = check.string(signed._type, 'signed._type');
  if (type !== expectedType) check.fail('signed._type', `is "${type}" where "${expectedType}" was expected`);
  const spec = check.string(signed.spec_version, 'signed.spec_version');
  if (!/^1\.\d+(\.\d+)?$/.test(spec)) check.fail('signed.spec_version', `"${spec}" is not a 1.x specification version`);
  check.integer(signed.version, 'signed.version', 1);
  const expiresText = check.string(signed.expires, 'signed.expires');
  const expires = parseExpires(expiresText);
  if (!expires) check.fail('signed.expires', `"${expiresText}" is not a date of the form 2030-01-01T00:00:00Z`);
  check.optionalPeriod(signed, 'x-tuf-on-ci-expiry-period', 'signed.');
  check.optionalPeriod(signed, 'x-tuf-on-ci-signing-period', 'signed.');

  let targetPaths: number | null = null;
  switch (expectedType) {
    case 'root':
      checkRoot(check, signed);
      break;
    case 'targets':
      targetPaths = checkTargets(check, signed);
      break;
    case 'snapshot':
      check.metaFiles(signed.meta, 'signed.meta');
      break;
    case 'timestamp': {
      check.metaFiles(signed.meta, 'signed.meta');
      const names = Object.keys(signed.meta as JsonObject);
      if (names.length !== 1 || names[0] !== 'snapshot.json') check.fail('signed.meta', 'must list exactly snapshot.json');
      break;
    }
  }

  const metadata = {
    file,
    bytes,
    document,
    signed: signed as unknown as SignedByType[K],
    signatures: signatures as Signature[],
    expires,
    ...(blobId === undefined ? {} : { blobId }),
  };
  return { metadata, targetPaths };
}

function checkRoot(check: Checker, signed: JsonObject): void {
  if ('consistent_snapshot' in signed) check.boolean(signed.consistent_snapshot, 'signed.consistent_snapshot');
  check.keys(signed.keys, 'signed.keys');
  const roles = check.object(signed.roles, 'signed.roles');
  for (const name of TOP_LEVEL_ROLES) {
    if (!(name in roles)) check.fail('signed.roles', `has no "${name}" role`);
    check.roleKeys(roles[name], `signed.roles.${name}`);
  }
  for (const name of Object.keys(roles)) {
    if (!(TOP_LEVEL_ROLES as readonly string[]).includes(name)) check.fail('signed.roles', `has an unknown role "${name}"`);
  }
}

const isPlainObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);
const LOWER_HEX = /^[0-9a-f]+$/;

/** What checkTargets requires of an entry, without the words for what is wrong. */
function isWellFormedTarget(entry: unknown): boolean {
  if (!isPlainObject(entry)) return false;
  const length = entry.length;
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) return false;
  const hashes = entry.hashes;
  if (!isPlainObject(hashes)) return false;
  let count = 0;
  for (const name in hashes) {
    const digest = hashes[name];
    if (typeof digest !== 'string' || !LOWER_HEX.test(digest)) return false;
    count++;
  }
  return count > 0 && (!('custom' in entry) || isPlainObject(entry.custom));
}

/** Returns how many paths `signed.targets` lists. */
function checkTargets(check: Checker, signed: JsonObject): number {
  const targets = check.object(signed.targets, 'signed.targets');
  const paths = Object.keys(targets);
  for (const path of paths) {
    // A large file has 100k entries: test them as they nearly all are, and only word an error
    // (building the path to name it) for one that is not.
    if (isWellFormedTarget(targets[path])) continue;
    const where = `signed.targets["${path}"]`;
    const entry = check.object(targets[path], where);
    check.integer(entry.length, `${where}.length`, 0);
    check.hashes(entry.hashes, `${where}.hashes`);
    if ('custom' in entry) check.object(entry.custom, `${where}.custom`);
  }
  if (!('delegations' in signed)) return paths.length;
  const delegations = check.object(signed.delegations, 'signed.delegations');
  check.keys(delegations.keys, 'signed.delegations.keys');
  if (!Array.isArray(delegations.roles)) check.fail('signed.delegations.roles', 'must be a list');
  const names = new Set<string>();
  delegations.roles.forEach((value: unknown, index: number) => {
    const where = `signed.delegations.roles[${index}]`;
    const role = check.object(value, where);
    const name = check.string(role.name, `${where}.name`);
    const problem = roleNameProblem(name);
    if (problem) check.fail(`${where}.name`, problem);
    if (names.has(name)) check.fail('signed.delegations.roles', `delegates "${name}" twice`);
    names.add(name);
    check.roleKeys(role, where);
    check.boolean(role.terminating, `${where}.terminating`);
    if ('paths' in role && 'path_hash_prefixes' in role) check.fail(where, 'has both paths and path_hash_prefixes');
    if ('paths' in role) check.stringList(role.paths, `${where}.paths`, false);
    if ('path_hash_prefixes' in role) {
      const prefixes = check.stringList(role.path_hash_prefixes, `${where}.path_hash_prefixes`, false);
      for (const prefix of prefixes) if (!/^[0-9a-f]*$/.test(prefix)) check.fail(`${where}.path_hash_prefixes`, 'must be lower-case hex');
    }
  });
  return paths.length;
}

/**
 * Why a delegated role name is unusable, or null. The name becomes a file name
 * (`metadata/<name>.json`) and a directory under `targets/`, so it must not escape them.
 */
export function roleNameProblem(name: string): string | null {
  if ((TOP_LEVEL_ROLES as readonly string[]).includes(name)) return `"${name}" is a top-level role name`;
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name) || name.startsWith('.')) {
    return `"${name}" is not a usable role name (it becomes metadata/<name>.json)`;
  }
  return null;
}

/** A leading or trailing '/', '//', a '.' or '..' segment, a backslash or a NUL. */
const SUSPECT_TARGET_PATH = /^\/|\/$|\/\/|(?:^|\/)\.\.?(?:\/|$)|[\\\0]/;

/** Why a target path is unsafe, or null: it must stay inside targets/ on every platform. */
export function targetPathProblem(path: string): string | null {
  // One scan answers for almost every path; the messages below only run for the unsafe ones.
  if (path !== '' && !SUSPECT_TARGET_PATH.test(path)) return null;
  if (path === '') return 'is empty';
  if (path.startsWith('/')) return 'is absolute';
  if (path.includes('\\') || path.includes('\0')) return 'contains a backslash or NUL';
  const segments = path.split('/');
  if (segments.some((segment) => segment === '..' || segment === '.')) return 'contains a "." or ".." segment';
  if (segments.some((segment) => segment === '')) return 'contains an empty segment';
  return null;
}

/** The role's own expiry and signing periods (days), where tuf-on-ci keeps them. */
export function rolePeriods(
  role: string,
  signed: Signed,
  root: RootSigned | undefined,
): { expiryDays: number | undefined; signingDays: number | undefined } {
  const holder: { 'x-tuf-on-ci-expiry-period'?: number; 'x-tuf-on-ci-signing-period'?: number } | undefined =
    role === 'snapshot' || role === 'timestamp' ? root?.roles[role] : signed;
  return {
    expiryDays: holder?.['x-tuf-on-ci-expiry-period'],
    signingDays: holder?.['x-tuf-on-ci-signing-period'],
  };
}
