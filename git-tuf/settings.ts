/**
 * Who the signer is and where their keys are: git config `tuf.*` first, then an existing
 * tuf-on-ci `.tuf-on-ci-sign.ini` in the work tree, so current keyholders need no new setup.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { GitTufError } from './errors.js';
import type { GitConfig } from './git/config.js';
import type { GitRepository } from './git/repository.js';

export interface Settings {
  /** The signer's `@handle`, as written in `x-tuf-on-ci-keyowner`. */
  handle: string | null;
  /** The remote whose `main` and `sign/*` branches are the repository. */
  pullRemote: string | null;
  /** Where this signer pushes event branches (a fork when it differs from pullRemote). */
  pushRemote: string | null;
  /** The PKCS#11 module for `hsm:` and `pkcs11:` keys. */
  pkcs11Module: string | null;
  /** Key URIs this signer can sign with, in preference order (`hsm:` when only a module is set);
   *  each is used for the keyids its public key is listed under. */
  signingKeys: string[];
  /** Where each value came from, for error messages: `git config tuf.handle`, `.tuf-on-ci-sign.ini`. */
  sources: Partial<Record<'handle' | 'pullRemote' | 'pushRemote' | 'pkcs11Module' | 'signingKeys', string>>;
}

export const INI_FILE = '.tuf-on-ci-sign.ini';
const HANDLE = /^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;

/** The `[settings]` section of a tuf-on-ci ini file (other sections and comments ignored). */
export function parseSignIni(text: string): Map<string, string> {
  const values = new Map<string, string>();
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      continue;
    }
    const separator = line.search(/[=:]/);
    if (section !== 'settings' || separator <= 0) continue;
    values.set(line.slice(0, separator).trim().toLowerCase(), line.slice(separator + 1).trim());
  }
  return values;
}

/** A handle as tuf-on-ci writes it: `@` and a forge user name. */
export function handleProblem(handle: string): string | null {
  return HANDLE.test(handle) ? null : `"${handle}" is not a signer handle like @alice`;
}

export async function readSettings(git: GitRepository, config?: GitConfig): Promise<Settings> {
  const effective = config ?? (await git.readConfig());
  const ini = await readFile(path.join(git.root, INI_FILE), 'utf8').then(parseSignIni, () => new Map<string, string>());
  const sources: Settings['sources'] = {};
  const pick = (field: keyof Settings['sources'], key: string, iniKey: string): string | null => {
    const fromGit = effective.get(`tuf.${key}`);
    if (fromGit) {
      sources[field] = `git config tuf.${key}`;
      return fromGit;
    }
    const fromIni = ini.get(iniKey);
    if (fromIni) {
      sources[field] = INI_FILE;
      return fromIni;
    }
    return null;
  };
  const handle = pick('handle', 'handle', 'user-name');
  if (handle !== null) {
    const problem = handleProblem(handle);
    if (problem) throw new GitTufError('usage', `${problem} (from ${sources.handle})`, { hint: 'set it with git config tuf.handle @your-forge-name' });
  }
  const remotes = effective.remotes();
  const remote = (field: 'pullRemote' | 'pushRemote', key: string): string | null => {
    const name = pick(field, key, key);
    if (name !== null && !remotes.includes(name)) {
      throw new GitTufError('usage', `${key} is "${name}" (from ${sources[field]}), which is not a remote of this repository`, {
        hint: `add the remote with git remote add ${name} <url>, or set git config tuf.${key}`,
      });
    }
    return name;
  };
  const pullRemote = remote('pullRemote', 'pull-remote') ?? (remotes.includes('origin') ? 'origin' : null);
  const pushRemote = remote('pushRemote', 'push-remote') ?? pullRemote;
  let pkcs11Module = pick('pkcs11Module', 'pkcs11-module', 'pykcs11lib');
  if (pkcs11Module === null && process.env.PYKCS11LIB) {
    pkcs11Module = process.env.PYKCS11LIB;
    sources.pkcs11Module = 'PYKCS11LIB';
  }
  // tuf.signing-key lists keys to try on any role; tuf.key.<keyid>.uri says which key signs for a keyid.
  const perKeyid = effective.matching(/^tuf\.key\..+\.uri$/).map(([, uri]) => uri);
  let signingKeys = [...new Set([...effective.getAll('tuf.signing-key'), ...perKeyid])].filter((uri) => uri !== '');
  if (signingKeys.length > 0) sources.signingKeys = 'git config tuf.signing-key / tuf.key.<keyid>.uri';
  else if (pkcs11Module !== null) {
    // tuf-on-ci's only key: the PIV digital signature key of a hardware token.
    signingKeys = ['hsm:'];
    sources.signingKeys = `the default hardware key (module from ${sources.pkcs11Module})`;
  }
  return { handle, pullRemote, pushRemote, pkcs11Module, signingKeys, sources };
}
