/** `git tuf key list|show`: what keys a token holds, and the public key entry a maintainer needs. */
import type { CommandSpec, ParsedArgs } from '../cli/args.js';
import { GitTufError } from '../errors.js';
import { GitRepository } from '../git/repository.js';
import { handleProblem, readSettings, type Settings } from '../settings.js';
import { openSigner } from '../signers/open.js';
import { computeKeyid } from '../tuf/keys.js';
import { askSecret } from '../ui/prompt.js';

export const spec: CommandSpec = {
  name: 'key',
  summary: 'List the keys on your hardware tokens, or show the public key entry of a key.',
  positionals: [
    { name: 'ACTION', description: 'list (keys on the PKCS#11 tokens) or show (a key\'s TUF entry and keyid)', required: true },
    { name: 'URI', description: 'show: the key URI (default: git config tuf.signing-key, or hsm: with a PKCS#11 module)' },
  ],
  options: [
    { name: 'module', value: 'PATH', description: 'PKCS#11 module (default: git config tuf.pkcs11-module, .tuf-on-ci-sign.ini or PYKCS11LIB)' },
    { name: 'login', description: 'list: log in first (asks for the PIN), for tokens that show public keys only then' },
    { name: 'handle', value: '@NAME', description: 'show: the owner to write as x-tuf-on-ci-keyowner (default: git config tuf.handle)' },
    { name: 'json', description: 'print the result as JSON' },
  ],
  details: `examples:
  git tuf key list                                   keys on every token, with the URI to configure
  git tuf key show                                   your configured key's entry for root or targets
  git tuf key show hsm:?label=YubiKey%20PIV --handle @alice
  git tuf key show file:keys/dev.pem --json`,
};

async function settingsHere(): Promise<{ settings: Settings | null; root: string }> {
  try {
    const git = await GitRepository.open(process.cwd());
    try {
      return { settings: await readSettings(git), root: git.root };
    } finally {
      git.close();
    }
  } catch (error) {
    // Outside a repository the keys can still be listed and shown, from flags alone.
    if (error instanceof GitTufError && error.code === 'not-a-repo') return { settings: null, root: process.cwd() };
    throw error;
  }
}

function withModule(settings: Settings | null, module: string | true | undefined): Settings {
  const base: Settings = settings ?? { handle: null, pullRemote: null, pushRemote: null, pkcs11Module: process.env.PYKCS11LIB ?? null, signingKeys: [], sources: {} };
  return typeof module === 'string' ? { ...base, pkcs11Module: module, signingKeys: base.signingKeys.length > 0 ? base.signingKeys : ['hsm:'] } : base;
}

async function list(settings: Settings, json: boolean, login: boolean): Promise<number> {
  if (settings.pkcs11Module === null) {
    throw new GitTufError('usage', 'no PKCS#11 module is configured', { hint: 'pass --module /path/to/libykcs11.so or set git config tuf.pkcs11-module' });
  }
  const { listPkcs11Keys } = await import('../signers/pkcs11.js');
  const tokens = await listPkcs11Keys({
    module: settings.pkcs11Module,
    ...(login ? { pin: (token) => askSecret(`PIN for token ${JSON.stringify(token.label)}: `, 'PIN') } : {}),
  });
  if (json) {
    process.stdout.write(`${JSON.stringify({ schema: 'git-tuf-keys/1', module: settings.pkcs11Module, tokens }, null, 2)}\n`);
    return 0;
  }
  if (tokens.length === 0) process.stdout.write(`no tokens found through ${settings.pkcs11Module}\n`);
  for (const { token, keys } of tokens) {
    process.stdout.write(`token "${token.label}" (serial ${token.serial}, ${token.manufacturer.trim()} ${token.model.trim()})\n`);
    if (keys.length === 0) process.stdout.write('  no public keys visible (try --login)\n');
    for (const key of keys) {
      const what = key.tufKey ? `${key.keyType}, keyid ${computeKeyid(key.tufKey).slice(0, 8)}…` : `${key.keyType}: ${key.problem ?? 'not usable'}`;
      process.stdout.write(`  ${key.uri}  label "${key.label}"  ${what}\n`);
    }
  }
  return 0;
}

async function show(settings: Settings, root: string, uri: string | undefined, handle: string | null, json: boolean): Promise<number> {
  const chosen = uri ?? settings.signingKeys[0];
  if (chosen === undefined) {
    throw new GitTufError('usage', 'which key? none is configured', { hint: 'pass a key URI (git tuf key show hsm:…) or set git config tuf.signing-key' });
  }
  if (handle !== null) {
    const problem = handleProblem(handle);
    if (problem) throw new GitTufError('usage', problem, { hint: 'pass --handle @your-forge-name' });
  }
  const signer = await openSigner(chosen, settings, { baseDir: root });
  try {
    const entry = { ...signer.publicKey, ...(handle === null ? {} : { 'x-tuf-on-ci-keyowner': handle }) };
    const keyid = computeKeyid(entry);
    if (json) process.stdout.write(`${JSON.stringify({ schema: 'git-tuf-key/1', uri: chosen, keyid, key: entry }, null, 2)}\n`);
    else process.stdout.write(`keyid ${keyid}\n${JSON.stringify({ [keyid]: entry }, null, 1)}\n`);
    return 0;
  } finally {
    await signer.close();
  }
}

export async function run(args: ParsedArgs): Promise<number> {
  const [action, uri] = args.positionals;
  const json = args.options.has('json');
  const { settings: found, root } = await settingsHere();
  const settings = withModule(found, args.options.get('module'));
  if (action === 'list') {
    if (uri !== undefined) throw new GitTufError('usage', `git tuf key list takes no URI`, { hint: 'git tuf key show URI shows one key' });
    return list(settings, json, args.options.has('login'));
  }
  if (action === 'show') {
    const handle = args.options.get('handle');
    return show(settings, root, uri, typeof handle === 'string' ? handle : settings.handle, json);
  }
  throw new GitTufError('usage', `unknown action "${action}" for git tuf key`, { hint: 'use git tuf key list or git tuf key show' });
}
