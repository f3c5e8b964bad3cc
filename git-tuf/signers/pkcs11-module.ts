/**
 * A PKCS#11 library loaded through the optional native `pkcs11js` binding, shared within the
 * process: a library may be initialized only once per process, and finalizing it ends every
 * session, so each user takes a reference and the last one to leave finalizes it.
 */
import { realpath, stat } from 'node:fs/promises';
import os from 'node:os';
import { GitTufError } from '../errors.js';

export type Handle = Buffer;
export interface Attribute {
  type: number;
  value?: number | boolean | string | Buffer;
}

/** The part of pkcs11js's PKCS11 class git tuf uses (declared here: the binding is optional). */
export interface Pkcs11Api {
  load(path: string): void;
  close(): void;
  C_Initialize(options?: { flags?: number }): void;
  C_Finalize(): void;
  C_GetSlotList(tokenPresent: boolean): Handle[];
  C_GetTokenInfo(slot: Handle): { label: string; serialNumber: string; manufacturerID: string; model: string; flags: number; minPinLen: number; maxPinLen: number };
  C_OpenSession(slot: Handle, flags: number): Handle;
  C_CloseSession(session: Handle): void;
  C_GetSessionInfo(session: Handle): { state: number };
  C_Login(session: Handle, userType: number, pin?: string): void;
  C_Logout(session: Handle): void;
  C_FindObjectsInit(session: Handle, template: Attribute[]): void;
  C_FindObjects(session: Handle, maxObjectCount: number): Handle[];
  C_FindObjectsFinal(session: Handle): void;
  C_GetAttributeValue(session: Handle, object: Handle, template: Attribute[]): { type: number; value?: Buffer }[];
  C_SignInit(session: Handle, mechanism: { mechanism: number }, key: Handle): void;
  C_SignAsync(session: Handle, data: Buffer, signature: Buffer): Promise<Buffer>;
}

/** PKCS#11 constants (values from the standard; pkcs11js lacks the Edwards-curve ones). */
export const CK = {
  CKF_OS_LOCKING_OK: 0x2,
  CKF_SERIAL_SESSION: 0x4,
  CKU_USER: 1,
  CKU_CONTEXT_SPECIFIC: 2,
  CKS_RO_USER_FUNCTIONS: 1,
  CKS_RW_USER_FUNCTIONS: 3,
  CKO_PUBLIC_KEY: 2,
  CKO_PRIVATE_KEY: 3,
  CKA_CLASS: 0x0,
  CKA_LABEL: 0x3,
  CKA_KEY_TYPE: 0x100,
  CKA_ID: 0x102,
  CKA_EC_PARAMS: 0x180,
  CKA_EC_POINT: 0x181,
  CKA_ALWAYS_AUTHENTICATE: 0x202,
  CKM_ECDSA: 0x1041,
  CKM_EDDSA: 0x1057,
  CKF_LOGIN_REQUIRED: 0x4,
  CKF_PROTECTED_AUTHENTICATION_PATH: 0x100,
  CKF_TOKEN_INITIALIZED: 0x400,
  CKF_USER_PIN_COUNT_LOW: 0x10000,
  CKF_USER_PIN_FINAL_TRY: 0x20000,
  CKF_USER_PIN_LOCKED: 0x40000,
  CKR_CANT_LOCK: 0xa,
  CKR_PIN_INCORRECT: 0xa0,
  CKR_PIN_INVALID: 0xa1,
  CKR_PIN_LEN_RANGE: 0xa2,
  CKR_PIN_EXPIRED: 0xa3,
  CKR_PIN_LOCKED: 0xa4,
  CKR_USER_ALREADY_LOGGED_IN: 0x100,
  CKR_USER_NOT_LOGGED_IN: 0x101,
  CKR_CRYPTOKI_ALREADY_INITIALIZED: 0x191,
} as const;

export const MODULE_HINT = 'set git config tuf.pkcs11-module or PYKCS11LIB';

/** What identifies a token to a person and in key URIs (PKCS#11 pads these fields: trimmed). */
export interface Pkcs11TokenInfo {
  label: string;
  serial: string;
  manufacturer: string;
  model: string;
}

export interface Token {
  slot: Handle;
  info: Pkcs11TokenInfo;
}

interface Binding {
  PKCS11: new () => Pkcs11Api;
}

/** Imports the native binding; `name` is only for tests of the message when it is missing. */
export async function loadBinding(name = 'pkcs11js'): Promise<Binding> {
  try {
    const imported = (await import(name)) as { default?: Binding } & Binding;
    return imported.default ?? imported;
  } catch (error) {
    throw new GitTufError('key', 'PKCS#11 signing is unavailable: the optional pkcs11js module is not installed', {
      hint: 'reinstall git-tuf with a C++ toolchain available, or use a file: key',
      cause: error,
    });
  }
}

interface Loaded {
  api: Pkcs11Api;
  users: number;
  /** Open sessions per slot: login state is per token, shared by every session on it. */
  sessions: Map<string, number>;
}
const loaded = new Map<string, Loaded>();

export class Pkcs11Module {
  #released = false;

  private constructor(
    readonly path: string,
    readonly api: Pkcs11Api,
    private readonly key: string,
    private readonly entry: Loaded,
  ) {}

  /** Loads and initializes the library at `path`, or shares the instance already loaded. */
  static async open(path: string): Promise<Pkcs11Module> {
    const binding = await loadBinding();
    if (path === '') throw new GitTufError('key', 'no PKCS#11 module is configured', { hint: MODULE_HINT });
    try {
      if (!(await stat(path)).isFile()) throw new GitTufError('key', `the PKCS#11 module ${path} is not a file`, { hint: MODULE_HINT });
    } catch (error) {
      if (error instanceof GitTufError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      const problem = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(error)})`;
      throw new GitTufError('key', `the PKCS#11 module ${path} ${problem}`, { hint: MODULE_HINT });
    }
    // The dynamic loader shares one copy per file, so instances are shared per real path too.
    const key = await realpath(path);
    let entry = loaded.get(key);
    if (entry === undefined) {
      const api = new binding.PKCS11();
      try {
        api.load(path);
      } catch (error) {
        throw new GitTufError('key', `cannot load the PKCS#11 module ${path} (${reason(error)})`, { hint: `${MODULE_HINT} to a PKCS#11 library such as libykcs11.so`, cause: error });
      }
      try {
        initialize(api);
      } catch (error) {
        if (ckr(error) !== CK.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
          api.close();
          throw new GitTufError('key', `the PKCS#11 module ${path} failed to initialize (${reason(error)})`, { cause: error });
        }
      }
      entry = { api, users: 0, sessions: new Map() };
      loaded.set(key, entry);
    }
    entry.users++;
    return new Pkcs11Module(path, entry.api, key, entry);
  }

  /** The initialized tokens (SoftHSM always adds an empty one; readers without a card have none). */
  tokens(): Token[] {
    const tokens: Token[] = [];
    for (const slot of this.call('listing tokens', () => this.api.C_GetSlotList(true))) {
      const raw = this.call('reading token information', () => this.api.C_GetTokenInfo(slot));
      if ((raw.flags & CK.CKF_TOKEN_INITIALIZED) === 0) continue;
      tokens.push({ slot, info: { label: trim(raw.label), serial: trim(raw.serialNumber), manufacturer: trim(raw.manufacturerID), model: trim(raw.model) } });
    }
    return tokens;
  }

  /** Runs a PKCS#11 call, turning its failure into a one-line error. */
  call<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw new GitTufError('key', `PKCS#11 error while ${what} (${reason(error)})`, { cause: error });
    }
  }

  openSession(slot: Handle): Handle {
    const session = this.call('opening a session', () => this.api.C_OpenSession(slot, CK.CKF_SERIAL_SESSION));
    const key = slot.toString('hex');
    this.entry.sessions.set(key, (this.entry.sessions.get(key) ?? 0) + 1);
    return session;
  }

  /** Closes a session; the last one on a token logs out first (which would end the others' login). */
  closeSession(slot: Handle, session: Handle): void {
    const key = slot.toString('hex');
    const left = (this.entry.sessions.get(key) ?? 1) - 1;
    this.entry.sessions.set(key, left);
    try {
      if (left === 0 && isUserSession(this.api.C_GetSessionInfo(session).state)) this.api.C_Logout(session);
    } catch {
      // Closing the session below logs out anyway.
    }
    try {
      this.api.C_CloseSession(session);
    } catch {
      // The token may be gone already.
    }
  }

  /** Leaves the shared instance; the last user finalizes and unloads the library. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    const entry = loaded.get(this.key);
    if (entry === undefined || --entry.users > 0) return;
    loaded.delete(this.key);
    try {
      entry.api.C_Finalize();
      entry.api.close();
    } catch {
      // Nothing useful to do: the process keeps the library until it exits.
    }
  }
}

/** Signing runs in a worker thread (C_SignAsync) while other calls may run on the main one:
 *  ask the library to lock, or settle for no locking where it cannot. */
function initialize(api: Pkcs11Api): void {
  try {
    api.C_Initialize({ flags: CK.CKF_OS_LOCKING_OK });
  } catch (error) {
    if (ckr(error) !== CK.CKR_CANT_LOCK) throw error;
    api.C_Initialize();
  }
}

export function isUserSession(state: number): boolean {
  return state === CK.CKS_RO_USER_FUNCTIONS || state === CK.CKS_RW_USER_FUNCTIONS;
}

/** The CKR_ code of a pkcs11js error, if it is one. */
export function ckr(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && /^CKR_/.test(error.message) && typeof code === 'number' ? code : undefined;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

export function trim(text: string): string {
  return text.replace(/[\s\0]+$/, '');
}

export function findObjects(module: Pkcs11Module, session: Handle, template: Attribute[]): Handle[] {
  const { api } = module;
  return module.call('searching the token', () => {
    api.C_FindObjectsInit(session, template);
    try {
      const found: Handle[] = [];
      for (let batch = api.C_FindObjects(session, 32); batch.length > 0; batch = api.C_FindObjects(session, 32)) found.push(...batch);
      return found;
    } finally {
      api.C_FindObjectsFinal(session);
    }
  });
}

/** One attribute's value, or undefined when the object does not have it or will not reveal it. */
export function attribute(module: Pkcs11Module, session: Handle, object: Handle, type: number): Buffer | undefined {
  try {
    return module.api.C_GetAttributeValue(session, object, [{ type }])[0]?.value;
  } catch {
    return undefined;
  }
}

/** A CK_ULONG attribute (native byte order and size). */
export function ulong(value: Buffer | undefined): number | undefined {
  if (value === undefined || (value.length !== 4 && value.length !== 8)) return undefined;
  const low = os.endianness() === 'LE' ? value.readUInt32LE(0) : value.readUInt32BE(value.length - 4);
  return low;
}
