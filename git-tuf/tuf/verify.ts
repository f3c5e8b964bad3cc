/**
 * Threshold verification (spec §5.3.4, §5.4.3, …). It returns what happened rather than throwing,
 * so `status` can report who signed and who is missing while hooks enforce `met`.
 */
import { GitTufError } from '../errors.js';
import { canonicalJson } from './canonical.js';
import { canonicalSignedFromText } from './canonical-text.js';
import { computeKeyid, parsePublicKey, type PublicKey } from './keys.js';
import { knownFact, learnFact } from './memo.js';
import { signedDocument, type JsonObject, type Metadata, type RoleKeys } from './metadata.js';

/** A delegator's keys, parsed once. Unusable keys are kept with the reason, for reporting. */
export class KeyRing {
  private readonly parsed = new Map<string, PublicKey | GitTufError>();

  constructor(readonly keys: Record<string, JsonObject>) {}

  get(keyid: string): PublicKey | GitTufError | undefined {
    if (!Object.hasOwn(this.keys, keyid)) return undefined;
    let key = this.parsed.get(keyid);
    if (!key) {
      try {
        key = parsePublicKey(keyid, this.keys[keyid]);
      } catch (error) {
        key = error instanceof GitTufError ? error : new GitTufError('key', `key ${keyid}: ${String(error)}`);
      }
      this.parsed.set(keyid, key);
    }
    return key;
  }

  /** Keyids whose stored id is not the sha256 of the key (a warning: real repositories have them). */
  keyidMismatches(keyids: Iterable<string>): string[] {
    const mismatched: string[] = [];
    for (const keyid of keyids) {
      if (Object.hasOwn(this.keys, keyid) && computeKeyid(this.keys[keyid]) !== keyid) mismatched.push(keyid);
    }
    return mismatched;
  }
}

/** One set of keys with a threshold that a payload must satisfy. */
export interface Authority {
  /** What the authority is, for messages: `root v13`, `targets`, … */
  label: string;
  role: RoleKeys;
  ring: KeyRing;
}

export interface SignatureReport {
  threshold: number;
  /** Distinct keys of the role with a valid signature. */
  signed: PublicKey[];
  /** Keys of the role that have not (validly) signed; one entry per distinct key. */
  missing: PublicKey[];
  /** Keys of the role whose non-empty signature does not verify. */
  invalid: PublicKey[];
  /** Role keyids that are absent from the key list or unusable (unknown keytype, bad key). */
  unusable: { keyid: string; reason: string }[];
  /** Valid signatures that did not count: their key had already signed under another keyid. */
  repeated: PublicKey[];
  met: boolean;
}

/**
 * The signed bytes of `metadata`, computed on first use: canonicalizing a large targets file is
 * the costliest step of a check, and an unsigned file never needs it.
 */
export const READ_OFF_FROM = 4 * 1024 * 1024;

/** canonicalSignedFromText's answers for files, worked out ahead (repo/signed-payloads.ts). */
const readOffAhead = new WeakMap<Buffer, Buffer>();

/** Gives canonicalSignedFromText(`bytes`), computed elsewhere, to the checks of the file with these bytes. */
export function provideSignedPayload(bytes: Buffer, payload: Buffer): void {
  readOffAhead.set(bytes, payload);
}

export function signedPayload(metadata: Metadata): () => Buffer {
  let payload: Buffer | undefined;
  // A large file is read off its bytes when they are canonical but for whitespace, as tuf-on-ci's
  // are: that walk beats re-encoding only once it runs long enough for the JIT (measured: 2.5×
  // faster at 12 MiB, slower at 1 MiB).
  const fromText = metadata.bytes.length >= READ_OFF_FROM;
  const readOff = (): Buffer | null => readOffAhead.get(metadata.bytes) ?? canonicalSignedFromText(metadata.bytes);
  return () => (payload ??= (fromText ? readOff() : null) ?? canonicalJson(signedDocument(metadata)));
}

/** The memo's fact that `sig` by `key` verifies over the file with blob id `blobId`. */
export function signatureFact(blobId: string, key: PublicKey, sig: string): string {
  return `signature\0${blobId}\0${key.identity}\0${key.scheme}\0${sig.toLowerCase()}`;
}

function verifies(metadata: Metadata, key: PublicKey, sig: string, payload: () => Buffer): boolean {
  const fact = metadata.blobId === undefined ? null : signatureFact(metadata.blobId, key, sig);
  if (fact !== null && knownFact(fact)) return true;
  if (!key.verify(payload(), sig)) return false;
  if (fact !== null) learnFact(fact);
  return true;
}

/**
 * Checks the signatures on `metadata` against one authority. Keys are counted by public-key
 * identity: the same key listed under two keyids counts once, and so does a repeated keyid.
 */
export function checkSignatures(metadata: Metadata, authority: Authority, payload = signedPayload(metadata)): SignatureReport {
  const byKeyid = new Map(metadata.signatures.map((signature) => [signature.keyid, signature.sig]));
  const signedIdentities = new Set<string>();
  const signed: PublicKey[] = [];
  const invalid: PublicKey[] = [];
  const unusable: { keyid: string; reason: string }[] = [];
  const roleKeys: PublicKey[] = [];
  const repeated: PublicKey[] = [];

  for (const keyid of new Set(authority.role.keyids)) {
    const key = authority.ring.get(keyid);
    if (key === undefined) {
      unusable.push({ keyid, reason: `key ${keyid} is listed for the role but not defined` });
      continue;
    }
    if (key instanceof GitTufError) {
      unusable.push({ keyid, reason: key.message });
      continue;
    }
    roleKeys.push(key);
    const sig = byKeyid.get(keyid);
    if (!sig) continue;
    if (!verifies(metadata, key, sig, payload)) {
      invalid.push(key);
      continue;
    }
    if (signedIdentities.has(key.identity)) repeated.push(key);
    else {
      signedIdentities.add(key.identity);
      signed.push(key);
    }
  }

  const missingIdentities = new Set<string>();
  const missing = roleKeys.filter((key) => {
    if (signedIdentities.has(key.identity) || missingIdentities.has(key.identity)) return false;
    missingIdentities.add(key.identity);
    return true;
  });
  return { threshold: authority.role.threshold, signed, missing, invalid, unusable, repeated, met: signed.length >= authority.role.threshold };
}

/**
 * Keyids with a non-empty signature that no authority recognises: signatures by keys that are
 * not signers of the role. Clients ignore them, but they mean someone signed the wrong role.
 */
export function foreignSignatures(metadata: Metadata, authorities: Authority[]): string[] {
  return metadata.signatures
    .filter((signature) => signature.sig !== '')
    .map((signature) => signature.keyid)
    .filter((keyid) => !authorities.some((authority) => authority.role.keyids.includes(keyid)));
}

/** How a key is named to people: its owner's handle, "online key", or a short keyid. */
export function keyLabel(key: PublicKey): string {
  if (key.owner) return key.owner;
  if (key.onlineUri) return `online key ${key.keyid.slice(0, 8)}`;
  return `key ${key.keyid.slice(0, 8)}`;
}
