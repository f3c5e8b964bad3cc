/**
 * Hardware keys through PKCS#11 (YubiKey via libykcs11, SoftHSM, smartcards via OpenSC), named by
 * `hsm:` or `pkcs11:` URIs (see pkcs11-uri.ts). ECDSA P-256/P-384 (hashed here, signed with
 * CKM_ECDSA, raw r‖s turned into DER) and Ed25519 (CKM_EDDSA over the payload itself).
 */
import { createHash } from 'node:crypto';
import { GitTufError } from '../errors.js';
import { computeKeyid, parsePublicKey, type PublicKey } from '../tuf/keys.js';
import { CKK_EC, CKK_EC_EDWARDS, CKK_RSA } from './pkcs11-key.js';
import { CK, Pkcs11Module, attribute, ckr, type Handle, type Pkcs11TokenInfo, type Token } from './pkcs11-module.js';
import { TokenSession, type PinCallback, type TokenKey } from './pkcs11-session.js';
import { formatHsmUri, formatRfc7512Uri, parsePkcs11Uri, type Pkcs11KeyRef, type TokenFilter } from './pkcs11-uri.js';
import { ecdsaRawToDer, type Signer, type TufKey } from './signer.js';

export type { Pkcs11TokenInfo } from './pkcs11-module.js';
export type { PinCallback } from './pkcs11-session.js';

export interface Pkcs11SignerOptions {
  /** `hsm:[<id>][?label=…&serialNumber=…]` or `pkcs11:token=…;id=…`. */
  uri: string;
  /** Path of the PKCS#11 library (the caller resolves git config tuf.pkcs11-module / PYKCS11LIB). */
  module: string;
  pin: PinCallback;
  /** Called right before the token is asked to sign: the moment to say "touch your key". */
  onTouch?: () => void;
  /** The key the caller means to sign with: a token holding another key is refused before the PIN is asked. */
  expectedKey?: TufKey;
}

/** A key pair on a token as listed for `git tuf key`. */
export interface Pkcs11KeyInfo {
  /** CKA_LABEL. */
  label: string;
  /** CKA_ID in hex ('' when the key has none). */
  id: string;
  /** The TUF scheme (ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ed25519), or what the key is when git tuf cannot use it. */
  keyType: string;
  /** undefined when git tuf cannot sign with this key (see `problem`). */
  tufKey?: TufKey;
  problem?: string;
  /** The key URI to configure for this key. */
  uri: string;
}

export interface Pkcs11TokenKeys {
  token: Pkcs11TokenInfo;
  keys: Pkcs11KeyInfo[];
}

export class Pkcs11Signer implements Signer {
  readonly publicKey: TufKey;
  readonly token: Pkcs11TokenInfo;
  /** CKA_ID (hex) and CKA_LABEL of the key on the token. */
  readonly keyId: string;
  readonly keyLabel: string;
  readonly #session: TokenSession;
  readonly #options: Pkcs11SignerOptions;
  readonly #verifier: PublicKey;
  #privateKey: { handle: Handle; alwaysAuthenticate: boolean } | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  /** @internal use openPkcs11Signer */
  constructor(session: TokenSession, key: TokenKey & { tufKey: TufKey }, options: Pkcs11SignerOptions) {
    this.#session = session;
    this.#options = options;
    this.publicKey = key.tufKey;
    this.token = session.token.info;
    this.keyId = key.id.toString('hex');
    this.keyLabel = key.label;
    this.#verifier = parsePublicKey(computeKeyid(key.tufKey), key.tufKey);
  }

  /** Logs in now (asking for the PIN) rather than at the first signature. */
  async login(): Promise<void> {
    this.#assertOpen();
    await this.#session.login(this.#options.pin);
  }

  /** Signs one payload at a time: a session runs one operation at a time. */
  sign(payload: Buffer): Promise<Buffer> {
    const run = this.#queue.then(() => this.#signNow(payload));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Logs out (when no other signer of this process uses the token) and unloads the module when unused. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    this.#session.close();
    this.#session.module.release();
  }

  async #signNow(payload: Buffer): Promise<Buffer> {
    this.#assertOpen();
    await this.#session.login(this.#options.pin);
    const key = (this.#privateKey ??= this.#findPrivateKey());
    const scheme = this.publicKey.scheme;
    const ecdsa = scheme !== 'ed25519';
    // Tokens (SoftHSM, YubiKey) lack CKM_ECDSA_SHA384 and friends: hash here, per the scheme's curve.
    const data = ecdsa ? createHash(scheme === 'ecdsa-sha2-nistp384' ? 'sha384' : 'sha256').update(payload).digest() : payload;
    const mechanism = ecdsa ? CK.CKM_ECDSA : CK.CKM_EDDSA;
    let raw: Buffer;
    try {
      raw = await this.#tokenSign(key.handle, mechanism, data);
    } catch (error) {
      // Keys that demand the PIN before every signature (CKA_ALWAYS_AUTHENTICATE): libykcs11 does
      // this itself, other modules (SoftHSM, OpenSC) want a context-specific login.
      if (!(key.alwaysAuthenticate && ckr(error) === CK.CKR_USER_NOT_LOGGED_IN)) throw this.#signError(error);
      try {
        raw = await this.#tokenSign(key.handle, mechanism, data, true);
      } catch (retryError) {
        throw this.#signError(retryError);
      }
    }
    const signature = ecdsa ? ecdsaRawToDer(raw) : Buffer.from(raw);
    // Never hand out a signature that does not verify: a token could pair a private key with the
    // wrong public key object, and the signature would only fail later, for everyone else.
    if (!this.#verifier.verify(payload, signature.toString('hex'))) {
      throw new GitTufError('key', `token ${this.#session.name} made a signature that does not verify with its public key (id ${this.keyId})`, {
        hint: 'check that the private and public key objects with this id belong together',
      });
    }
    return signature;
  }

  async #tokenSign(key: Handle, mechanism: number, data: Buffer, contextLogin = false): Promise<Buffer> {
    const { api } = this.#session.module;
    const session = this.#session.handle;
    api.C_SignInit(session, { mechanism }, key);
    if (contextLogin) await this.#session.login(this.#options.pin, CK.CKU_CONTEXT_SPECIFIC);
    this.#options.onTouch?.();
    // The async variant runs in a worker thread: a token waiting for a touch does not block the process.
    return api.C_SignAsync(session, data, Buffer.alloc(1024));
  }

  #signError(error: unknown): GitTufError {
    if (error instanceof GitTufError) return error;
    const what = error instanceof Error ? error.message : String(error);
    return new GitTufError('key', `token ${this.#session.name} did not sign (${what})`, { hint: 'check the key, touch it when it blinks, and try again', cause: error });
  }

  #findPrivateKey(): { handle: Handle; alwaysAuthenticate: boolean } {
    const id = Buffer.from(this.keyId, 'hex');
    const found = this.#session.find(CK.CKO_PRIVATE_KEY, id.length > 0 ? { id } : { object: this.keyLabel });
    const what = id.length > 0 ? `id ${this.keyId}` : `label ${JSON.stringify(this.keyLabel)}`;
    if (found.length === 0) throw new GitTufError('key', `token ${this.#session.name} has a public key but no private key with ${what}`);
    if (found.length > 1) throw new GitTufError('key', `token ${this.#session.name} has ${found.length} private keys with ${what}`, { hint: 'give each key pair its own id' });
    const handle = found[0]!;
    const flag = attribute(this.#session.module, this.#session.handle, handle, CK.CKA_ALWAYS_AUTHENTICATE);
    return { handle, alwaysAuthenticate: flag !== undefined && flag[0] === 1 };
  }

  #assertOpen(): void {
    if (this.#closed) throw new GitTufError('internal', 'the PKCS#11 signer is closed');
  }
}

/**
 * Finds the token and key a URI names and returns a signer for it. Nothing is asked for yet:
 * the PIN is asked at the first signature (or `login()`), unless the token shows its public keys
 * only after login. Call `close()` when done.
 */
export async function openPkcs11Signer(options: Pkcs11SignerOptions): Promise<Pkcs11Signer> {
  const ref = parsePkcs11Uri(options.uri);
  const module = await Pkcs11Module.open(options.module);
  let session: TokenSession | undefined;
  try {
    session = TokenSession.open(module, selectToken(module, ref.token));
    const key = await findKey(session, ref, options.pin);
    if (options.expectedKey !== undefined) checkExpected(options.expectedKey, key.tufKey, session, key);
    return new Pkcs11Signer(session, key, options);
  } catch (error) {
    session?.close();
    module.release();
    throw error;
  }
}

/** Every initialized token with its key pairs (from the public key objects). With `pin`, logs in
 *  first, for tokens that show public keys only then. */
export async function listPkcs11Keys(options: { module: string; pin?: PinCallback }): Promise<Pkcs11TokenKeys[]> {
  const module = await Pkcs11Module.open(options.module);
  try {
    const tokens = module.tokens();
    const result: Pkcs11TokenKeys[] = [];
    for (const token of tokens) {
      const session = TokenSession.open(module, token);
      try {
        if (options.pin !== undefined) await session.login(options.pin);
        // The label alone names the token unless another token has the same label.
        const filter: TokenFilter = { label: token.info.label };
        if (tokens.filter((other) => other.info.label === token.info.label).length > 1) filter.serial = token.info.serial;
        const keys = session.publicKeys().map((key): Pkcs11KeyInfo => {
          const info: Pkcs11KeyInfo = {
            label: key.label,
            id: key.id.toString('hex'),
            keyType: key.tufKey?.scheme ?? keyTypeName(key.keyType),
            uri: key.id.length > 0 ? formatHsmUri(key.id, filter) : formatRfc7512Uri(key.label, filter),
          };
          if (key.tufKey !== undefined) info.tufKey = key.tufKey;
          if (key.problem !== undefined) info.problem = key.problem;
          return info;
        });
        result.push({ token: token.info, keys });
      } finally {
        session.close();
      }
    }
    return result;
  } finally {
    module.release();
  }
}

function selectToken(module: Pkcs11Module, filter: TokenFilter): Token {
  const tokens = module.tokens();
  const matches = tokens.filter((token) => Object.entries(filter).every(([field, value]) => token.info[field as keyof TokenFilter] === value));
  const wanted = describeFilter(filter);
  if (matches.length === 1) return matches[0]!;
  if (tokens.length === 0) {
    throw new GitTufError('key', `no PKCS#11 token found through ${module.path}`, { hint: 'insert your key (for a YubiKey, its PIV application must be enabled)' });
  }
  const present = tokens.map(describeToken).join(', ');
  if (matches.length === 0) throw new GitTufError('key', `no token ${wanted}; tokens present: ${present}`, { hint: 'fix the token label or serial in the key URI, or insert the key' });
  throw new GitTufError('key', `${matches.length} tokens match ${wanted === '' ? 'the key URI' : wanted}: ${matches.map(describeToken).join(', ')}`, {
    hint: 'name one in the key URI, e.g. hsm:2?label=<label>&serialNumber=<serial>',
  });
}

async function findKey(session: TokenSession, ref: Pkcs11KeyRef, pin: PinCallback): Promise<TokenKey & { tufKey: TufKey }> {
  let keys = session.publicKeys(ref);
  // Some tokens show their public keys only to a logged-in user.
  if (keys.length === 0 && session.publicKeys().length === 0 && session.loginRequired() && !session.loggedIn()) {
    await session.login(pin);
    keys = session.publicKeys(ref);
  }
  const wanted = [ref.id === undefined ? '' : `id ${ref.id.toString('hex')}`, ref.object === undefined ? '' : `label ${JSON.stringify(ref.object)}`].filter(Boolean).join(' and ');
  if (keys.length === 0) {
    const present = session.publicKeys().map(describeKey);
    const listing = present.length === 0 ? 'it shows no public keys' : `keys there: ${present.join(', ')}`;
    throw new GitTufError('key', `token ${session.name} has no key with ${wanted || 'any id'}; ${listing}`, { hint: 'fix the key id in the key URI; git tuf key lists the keys' });
  }
  if (keys.length > 1) {
    throw new GitTufError('key', `token ${session.name} has ${keys.length} keys with ${wanted || 'any id'}: ${keys.map(describeKey).join(', ')}`, {
      hint: 'name one key by id (hsm:<id>, pkcs11:…;id=%NN) or label (pkcs11:…;object=<label>)',
    });
  }
  const key = keys[0]!;
  if (key.tufKey === undefined) throw new GitTufError('key', `key ${describeKey(key)} on token ${session.name}: ${key.problem ?? 'unusable'}`);
  return { ...key, tufKey: key.tufKey };
}

function checkExpected(expected: TufKey, actual: TufKey, session: TokenSession, key: TokenKey): void {
  const want = parsePublicKey(computeKeyid(expected), expected);
  const have = parsePublicKey(computeKeyid(actual), actual);
  if (want.identity === have.identity && want.scheme === have.scheme) return;
  throw new GitTufError('key', `the key on token ${session.name} (${describeKey(key)}) is ${have.scheme} key ${have.keyid.slice(0, 8)}, not the expected ${want.scheme} key ${want.keyid.slice(0, 8)}`, {
    hint: 'insert the right key, or fix the key URI',
  });
}

function describeFilter(filter: TokenFilter): string {
  const parts: string[] = [];
  if (filter.label !== undefined) parts.push(`labelled ${JSON.stringify(filter.label)}`);
  if (filter.serial !== undefined) parts.push(`with serial ${JSON.stringify(filter.serial)}`);
  if (filter.manufacturer !== undefined) parts.push(`from ${JSON.stringify(filter.manufacturer)}`);
  if (filter.model !== undefined) parts.push(`of model ${JSON.stringify(filter.model)}`);
  return parts.join(' ');
}

function describeToken(token: Token): string {
  return `${JSON.stringify(token.info.label)} (serial ${token.info.serial})`;
}

function describeKey(key: TokenKey): string {
  const id = key.id.length > 0 ? `id ${key.id.toString('hex')}` : 'no id';
  return key.label === '' ? id : `${id} ${JSON.stringify(key.label)}`;
}

function keyTypeName(keyType: number | undefined): string {
  if (keyType === CKK_RSA) return 'rsa';
  if (keyType === CKK_EC) return 'ecdsa (unsupported curve)';
  if (keyType === CKK_EC_EDWARDS) return 'eddsa (unsupported curve)';
  return keyType === undefined ? 'unknown' : `key type 0x${keyType.toString(16)}`;
}
