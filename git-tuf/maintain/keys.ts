/**
 * The keys a maintainer command needs: the caller's own public key (git config tuf.handle and
 * tuf.signing-key, opened only when the caller is a signer) and the online key's public key.
 */
import { createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { onlineKeyEntry, type SignerChange } from '../edit/signers.js';
import { GitTufError } from '../errors.js';
import type { GitRepository } from '../git/repository.js';
import { readSettings } from '../settings.js';
import { fileUriPath, openSigner } from '../signers/open.js';
import { tufKeyOf, type TufKey } from '../signers/signer.js';
import type { JsonObject } from '../tuf/metadata.js';

/** The caller as a signer, or null without git config tuf.handle. The key opens on first use. */
export async function callerOf(git: GitRepository): Promise<SignerChange['caller']> {
  const settings = await readSettings(git);
  if (settings.handle === null) return null;
  let key: Promise<TufKey> | undefined;
  return {
    handle: settings.handle,
    key: () =>
      (key ??= (async () => {
        const uri = settings.signingKeys[0];
        if (uri === undefined) {
          throw new GitTufError('usage', `${settings.handle} is a signer, but no signing key is configured to add`, { hint: 'set git config tuf.signing-key <URI> (or tuf.pkcs11-module), or leave yourself out to be invited' });
        }
        const signer = await openSigner(uri, settings, { baseDir: git.root });
        try {
          return signer.publicKey;
        } finally {
          await signer.close();
        }
      })()),
  };
}

async function publicKeyFrom(file: string, what: string): Promise<TufKey> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (error) {
    throw new GitTufError('usage', `cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { hint: 'check the path' });
  }
  try {
    // A private key file gives its public key too (unencrypted PEM only).
    return tufKeyOf(createPublicKey(pem));
  } catch (error) {
    if (error instanceof GitTufError) throw error;
    throw new GitTufError('key', `${file} holds no usable PEM public key (an encrypted private key needs --online-public-key)`, { hint: 'pass the public key as a PEM file with --online-public-key' });
  }
}

/**
 * The online key entry for `uri`. Its public key comes from `publicKeyFile` (PEM), or for a
 * `file:` URI from the key file itself; a cloud KMS URI needs the public key file.
 */
export async function onlineKey(git: GitRepository, uri: string, publicKeyFile: string | undefined, cwd: string): Promise<JsonObject> {
  if (!/^[a-z0-9]+:./.test(uri)) throw new GitTufError('usage', `"${uri}" is not a key URI`, { hint: 'e.g. gcpkms:projects/…/cryptoKeyVersions/1 or file:online.pem' });
  if (publicKeyFile !== undefined) return onlineKeyEntry(await publicKeyFrom(path.resolve(cwd, publicKeyFile), '--online-public-key'), uri);
  if (uri.startsWith('file:')) return onlineKeyEntry(await publicKeyFrom(fileUriPath(uri, git.root), 'the online key file'), uri);
  throw new GitTufError('usage', `git tuf cannot read the public key of ${uri}`, { hint: 'pass it as a PEM file with --online-public-key FILE.pem' });
}
