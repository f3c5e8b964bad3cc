/**
 * A key URI (`file:`, `hsm:`, `pkcs11:`, `gcpkms:`) to a signer. Each kind of signer is imported
 * only when a URI of its kind is opened, so signing with a key file never loads PKCS#11 or cloud
 * client libraries.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GitTufError } from '../errors.js';
import type { Settings } from '../settings.js';
import { askSecret } from '../ui/prompt.js';
import type { Signer, TufKey } from './signer.js';

export interface OpenedSigner extends Signer {
  /** The URI it was opened from. */
  readonly uri: string;
  close(): Promise<void>;
}

export interface OpenSignerOptions {
  /** `file:` paths that are not absolute resolve from here (the repository's top). */
  baseDir: string;
  /** A token or key file holding another key is refused before any PIN is asked, where possible. */
  expectedKey?: TufKey;
  /** Said right before a hardware key signs. */
  onTouch?: () => void;
}

export const PASSPHRASE_VARIABLE = 'GIT_TUF_KEY_PASSPHRASE';

/** `file:` URI to a path: `file:relative/key.pem`, `file:/abs/key.pem`, `file:///abs/key.pem`. */
export function fileUriPath(uri: string, baseDir: string): string {
  const rest = uri.slice('file:'.length);
  if (rest === '') throw new GitTufError('usage', `the key URI "${uri}" names no file`, { hint: 'write file:<path to a PEM key>' });
  const file = rest.startsWith('//') ? fileURLToPath(uri) : rest;
  return path.resolve(baseDir, file);
}

export async function openSigner(uri: string, settings: Settings, options: OpenSignerOptions): Promise<OpenedSigner> {
  const scheme = /^([a-z0-9]+):/.exec(uri)?.[1];
  switch (scheme) {
    case 'file': {
      const { openFileSigner } = await import('./file.js');
      const file = fileUriPath(uri, options.baseDir);
      const fromEnvironment = process.env[PASSPHRASE_VARIABLE];
      const signer = await openFileSigner({
        path: file,
        passphrase: async () => fromEnvironment ?? (await askSecret(`Passphrase for ${path.basename(file)}: `, 'passphrase')),
      });
      return { uri, publicKey: signer.publicKey, sign: (payload) => signer.sign(payload), close: async () => {} };
    }
    case 'hsm':
    case 'pkcs11': {
      if (settings.pkcs11Module === null) {
        throw new GitTufError('usage', `no PKCS#11 module is configured for ${uri}`, {
          hint: 'set git config tuf.pkcs11-module /path/to/libykcs11.so (or PYKCS11LIB)',
        });
      }
      const { openPkcs11Signer } = await import('./pkcs11.js');
      const signer = await openPkcs11Signer({
        uri,
        module: settings.pkcs11Module,
        pin: (token) => askSecret(`PIN for token ${JSON.stringify(token.label)}: `, 'PIN'),
        ...(options.onTouch ? { onTouch: options.onTouch } : {}),
        ...(options.expectedKey ? { expectedKey: options.expectedKey } : {}),
      });
      return { uri, publicKey: signer.publicKey, sign: (payload) => signer.sign(payload), close: () => signer.close() };
    }
    case 'gcpkms': {
      const { openGcpKmsSigner } = await import('./gcpkms.js');
      const { signer, close } = await openGcpKmsSigner(uri);
      return { uri, publicKey: signer.publicKey, sign: (payload) => signer.sign(payload), close };
    }
    default:
      throw new GitTufError('usage', `unsupported key URI "${uri}"`, { hint: 'use file:, hsm:, pkcs11: or gcpkms:' });
  }
}
