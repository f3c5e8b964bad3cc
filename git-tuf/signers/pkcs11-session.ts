/**
 * One session on one PKCS#11 token: login (at most once, the PIN never kept or shown) and the
 * token's keys.
 */
import { GitTufError } from '../errors.js';
import { tufKeyFromAttributes } from './pkcs11-key.js';
import { CK, attribute, ckr, findObjects, isUserSession, ulong, type Attribute, type Handle, type Pkcs11Module, type Pkcs11TokenInfo, type Token } from './pkcs11-module.js';
import type { TufKey } from './signer.js';

/** Returns the user PIN of a token. Asked at most once per signer (more only for keys whose
 *  token demands the PIN before every signature); git tuf never keeps or prints it. */
export type PinCallback = (token: Pkcs11TokenInfo) => Promise<string>;

export interface TokenKey {
  id: Buffer;
  label: string;
  keyType: number | undefined;
  tufKey?: TufKey;
  problem?: string;
}

/** One session on one token; logs in at most once. */
export class TokenSession {
  private constructor(
    readonly module: Pkcs11Module,
    readonly token: Token,
    readonly handle: Handle,
  ) {}

  static open(module: Pkcs11Module, token: Token): TokenSession {
    return new TokenSession(module, token, module.openSession(token.slot));
  }

  get name(): string {
    return JSON.stringify(this.token.info.label);
  }

  flags(): number {
    return this.module.call('reading token information', () => this.module.api.C_GetTokenInfo(this.token.slot)).flags;
  }

  loginRequired(): boolean {
    return (this.flags() & CK.CKF_LOGIN_REQUIRED) !== 0;
  }

  loggedIn(): boolean {
    return isUserSession(this.module.call('reading the session state', () => this.module.api.C_GetSessionInfo(this.handle)).state);
  }

  /** Logs the user in (CKU_USER), or re-authenticates for one operation (CKU_CONTEXT_SPECIFIC). */
  async login(askPin: PinCallback, userType: number = CK.CKU_USER): Promise<void> {
    if (userType === CK.CKU_USER && (this.loggedIn() || !this.loginRequired())) return;
    const flags = this.flags();
    if (flags & CK.CKF_USER_PIN_LOCKED) throw this.locked();
    // A PIN pad or biometric reader: the token asks for itself.
    const pin = flags & CK.CKF_PROTECTED_AUTHENTICATION_PATH ? undefined : await askPin(this.token.info);
    if (pin !== undefined && typeof pin !== 'string') throw new GitTufError('internal', 'the PIN callback did not return a string');
    try {
      this.module.api.C_Login(this.handle, userType, pin);
    } catch (error) {
      const code = ckr(error);
      if (code === CK.CKR_USER_ALREADY_LOGGED_IN) return;
      // The error names the token and the failure, never the PIN.
      throw this.loginError(code, error);
    }
  }

  private loginError(code: number | undefined, cause: unknown): GitTufError {
    let info: { flags: number; minPinLen: number; maxPinLen: number } | undefined;
    try {
      info = this.module.api.C_GetTokenInfo(this.token.slot);
    } catch {
      info = undefined;
    }
    if (code === CK.CKR_PIN_LOCKED || (info !== undefined && info.flags & CK.CKF_USER_PIN_LOCKED)) return this.locked();
    if (code === CK.CKR_PIN_INCORRECT || code === CK.CKR_PIN_INVALID) {
      const flags = info?.flags ?? 0;
      const hint =
        flags & CK.CKF_USER_PIN_FINAL_TRY ? 'careful: one more wrong PIN locks the token' : flags & CK.CKF_USER_PIN_COUNT_LOW ? 'careful: few tries remain before the token locks' : 'try again';
      return new GitTufError('key', `wrong PIN for token ${this.name}`, { hint });
    }
    if (code === CK.CKR_PIN_LEN_RANGE) {
      const range = info === undefined ? '' : ` (it has ${info.minPinLen} to ${info.maxPinLen} characters)`;
      return new GitTufError('key', `wrong PIN for token ${this.name}: wrong length${range}`, { hint: 'try again' });
    }
    if (code === CK.CKR_PIN_EXPIRED) return new GitTufError('key', `the PIN of token ${this.name} has expired`, { hint: "set a new PIN with the token's own tool" });
    const what = cause instanceof Error ? cause.message : String(cause);
    return new GitTufError('key', `cannot log in to token ${this.name} (${what})`, { cause });
  }

  private locked(): GitTufError {
    return new GitTufError('key', `the PIN of token ${this.name} is locked`, { hint: 'unblock it with the PUK or SO PIN (YubiKey: ykman piv access unblock-pin)' });
  }

  find(cls: number, ref: { id?: Buffer | undefined; object?: string | undefined }): Handle[] {
    const template: Attribute[] = [{ type: CK.CKA_CLASS, value: cls }];
    if (ref.id !== undefined && ref.id.length > 0) template.push({ type: CK.CKA_ID, value: ref.id });
    if (ref.object !== undefined) template.push({ type: CK.CKA_LABEL, value: ref.object });
    return findObjects(this.module, this.handle, template);
  }

  publicKeys(ref: { id?: Buffer | undefined; object?: string | undefined } = {}): TokenKey[] {
    return this.find(CK.CKO_PUBLIC_KEY, ref).map((handle) => this.describe(handle));
  }

  private describe(handle: Handle): TokenKey {
    const get = (type: number): Buffer | undefined => attribute(this.module, this.handle, handle, type);
    const key: TokenKey = { id: get(CK.CKA_ID) ?? Buffer.alloc(0), label: get(CK.CKA_LABEL)?.toString('utf8') ?? '', keyType: ulong(get(CK.CKA_KEY_TYPE)) };
    try {
      key.tufKey = tufKeyFromAttributes(key.keyType ?? -1, get(CK.CKA_EC_PARAMS), get(CK.CKA_EC_POINT));
    } catch (error) {
      if (!(error instanceof GitTufError)) throw error;
      key.problem = error.message;
    }
    return key;
  }

  close(): void {
    this.module.closeSession(this.token.slot, this.handle);
  }
}
