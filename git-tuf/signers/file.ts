/**
 * `file:` keys: a PKCS#8 PEM private key on disk (Ed25519, ECDSA P-256/P-384 or RSA), encrypted
 * or not. Meant for development, demos and automation; keyholders use hardware keys.
 */
import { constants, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { GitTufError } from '../errors.js';
import { tufKeyOf, type Signer, type TufKey } from './signer.js';

export interface FileSignerOptions {
  path: string;
  /** Asked only when the key file is encrypted. */
  passphrase?: () => Promise<string>;
}

class FileSigner implements Signer {
  readonly publicKey: TufKey;

  constructor(private readonly privateKey: KeyObject) {
    this.publicKey = tufKeyOf(createPublicKey(privateKey));
  }

  async sign(payload: Buffer): Promise<Buffer> {
    switch (this.publicKey.scheme) {
      case 'ed25519':
        return sign(null, payload, this.privateKey);
      case 'ecdsa-sha2-nistp256':
        return sign('sha256', payload, { key: this.privateKey, dsaEncoding: 'der' });
      case 'ecdsa-sha2-nistp384':
        return sign('sha384', payload, { key: this.privateKey, dsaEncoding: 'der' });
      default:
        // RSA-PSS with salt length = digest length, as securesystemslib signs.
        return sign('sha256', payload, { key: this.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
    }
  }
}

export async function openFileSigner(options: FileSignerOptions): Promise<Signer> {
  let pem: string;
  try {
    pem = await readFile(options.path, 'utf8');
  } catch (error) {
    throw new GitTufError('key', `cannot read the key file ${options.path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { hint: 'check the path in the key URI' });
  }
  const encrypted = pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----');
  if (!encrypted && !pem.includes('PRIVATE KEY-----')) {
    throw new GitTufError('key', `${options.path} is not a PEM private key`, { hint: 'use a PKCS#8 PEM file (openssl genpkey …)' });
  }
  const passphrase = encrypted ? await askPassphrase(options) : undefined;
  try {
    return new FileSigner(createPrivateKey(passphrase === undefined ? pem : { key: pem, passphrase }));
  } catch (error) {
    if (error instanceof GitTufError) throw error;
    if (encrypted) throw new GitTufError('key', `wrong passphrase for ${options.path}`, { hint: 'try again, or check GIT_TUF_KEY_PASSPHRASE' });
    throw new GitTufError('key', `${options.path} is not a usable private key (${(error as Error).message})`);
  }
}

async function askPassphrase(options: FileSignerOptions): Promise<string> {
  if (!options.passphrase) {
    throw new GitTufError('key', `${options.path} is encrypted and no passphrase can be asked for`, { hint: 'set GIT_TUF_KEY_PASSPHRASE, or run in a terminal' });
  }
  return options.passphrase();
}
