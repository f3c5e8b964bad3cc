// Real SoftHSM2 tokens in a temp directory, for the PKCS#11 path (`apt-get install softhsm2 opensc`).
// A setup never touches the system's tokens: its own softhsm2.conf with its own token directory,
// exported as SOFTHSM2_CONF in process.env (the library reads it when it is initialized) and in `env`
// for child processes. Missing tools fail loudly: a skipped hardware-key test would prove nothing.
import { execFileSync, spawnSync } from 'node:child_process';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './git.js';

export type SoftHsmKeyType = 'EC:prime256v1' | 'EC:secp384r1' | 'EC:edwards25519';

export interface SoftHsmToken {
  label: string;
  serial: string;
  /** The slot id softhsm2-util reassigned the token to. */
  slot: string;
  pin: string;
  soPin: string;
  /** Generates a key pair on the token (private key CKA_PRIVATE, public key readable without login). */
  generateKey(keyType: SoftHsmKeyType, id: string, label: string, extra?: string[]): void;
  /** The public key with this id, built from the EC_POINT that `pkcs11-tool --list-objects` prints
   *  (independently of git tuf's own reading of the token). */
  publicKey(id: string): KeyObject;
}

export interface SoftHsm {
  /** Path of libsofthsm2.so. */
  module: string;
  dir: string;
  /** Environment for child processes that should see these tokens. */
  env: NodeJS.ProcessEnv;
  createToken(label: string, options?: { pin?: string; soPin?: string }): SoftHsmToken;
}

const INSTALL = 'install them with: apt-get install softhsm2 opensc';

export function createSoftHsm(): SoftHsm {
  requireTool('softhsm2-util', ['--version']);
  requireTool('pkcs11-tool', ['--help']);
  const module = findModule();
  const dir = tempDir('git-tuf-softhsm');
  const tokens = path.join(dir, 'tokens');
  mkdirSync(tokens);
  const conf = path.join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  process.env['SOFTHSM2_CONF'] = conf;
  const env: NodeJS.ProcessEnv = { ...process.env, SOFTHSM2_CONF: conf };
  const run = (tool: string, args: string[]): string => {
    try {
      return execFileSync(tool, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
      throw new Error(`${tool} ${args.join(' ')} failed: ${stderr || String(error)}`, { cause: error });
    }
  };

  return {
    module,
    dir,
    env,
    createToken(label, options = {}) {
      const pin = options.pin ?? '123456';
      const soPin = options.soPin ?? '12345678';
      const out = run('softhsm2-util', ['--init-token', '--free', '--label', label, '--so-pin', soPin, '--pin', pin]);
      const slot = /reassigned to slot (\d+)/.exec(out)?.[1];
      if (slot === undefined) throw new Error(`softhsm2-util --init-token printed no slot: ${out}`);
      const serial = serialOf(run('softhsm2-util', ['--show-slots']), slot);
      return {
        label,
        serial,
        slot,
        pin,
        soPin,
        generateKey(keyType, id, keyLabel, extra = []) {
          run('pkcs11-tool', ['--module', module, '--slot', slot, '--login', '--pin', pin, '--keypairgen', '--key-type', keyType, '--id', id, '--label', keyLabel, ...extra]);
        },
        publicKey(id) {
          return publicKeyFromListing(run('pkcs11-tool', ['--module', module, '--slot', slot, '--list-objects', '--type', 'pubkey']), id);
        },
      };
    },
  };
}

function requireTool(tool: string, args: string[]): void {
  const result = spawnSync(tool, args, { stdio: 'ignore' });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error(`${tool} is not installed: the PKCS#11 tests need real SoftHSM2 tokens (${INSTALL})`);
  }
}

function findModule(): string {
  const candidates = [
    process.env['SOFTHSM2_MODULE'],
    '/usr/lib/softhsm/libsofthsm2.so',
    '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
    '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
    '/usr/lib64/pkcs11/libsofthsm2.so',
    '/usr/local/lib/softhsm/libsofthsm2.so',
    '/opt/homebrew/lib/softhsm/libsofthsm2.so',
  ];
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  for (const pkg of ['softhsm2', 'libsofthsm2']) {
    const listed = spawnSync('dpkg', ['-L', pkg], { encoding: 'utf8' });
    const found = (listed.stdout ?? '').split('\n').find((line) => line.endsWith('/libsofthsm2.so') && existsSync(line));
    if (found) return found;
  }
  throw new Error(`libsofthsm2.so not found (set SOFTHSM2_MODULE, or ${INSTALL})`);
}

/** The serial number `softhsm2-util --show-slots` lists for a slot. */
function serialOf(listing: string, slot: string): string {
  const block = listing.split(/^Slot /m).find((part) => part.startsWith(`${slot}\n`));
  const serial = block === undefined ? undefined : /Serial number:\s*(\S+)/.exec(block)?.[1];
  if (serial === undefined) throw new Error(`softhsm2-util --show-slots lists no serial for slot ${slot}`);
  return serial;
}

/** Finds the public key object with CKA_ID `id` in pkcs11-tool's listing and rebuilds it as a JWK. */
function publicKeyFromListing(listing: string, id: string): KeyObject {
  const blocks = listing.split(/^(?=Public Key Object)/m).filter((block) => new RegExp(`^\\s*ID:\\s*${id}\\s*$`, 'm').test(block));
  if (blocks.length !== 1) throw new Error(`pkcs11-tool lists ${blocks.length} public keys with id ${id}:\n${listing}`);
  const block = blocks[0]!;
  const hex = /EC_POINT:\s*([0-9a-f]+)/.exec(block)?.[1];
  if (hex === undefined) throw new Error(`no EC_POINT in:\n${block}`);
  // CKA_EC_POINT is a DER OCTET STRING (short length form for every curve used here).
  const wrapped = Buffer.from(hex, 'hex');
  const point = wrapped.subarray(2);
  if (wrapped[0] !== 0x04 || wrapped[1] !== point.length) throw new Error(`EC_POINT ${hex} is not an OCTET STRING`);
  const b64 = (bytes: Buffer): string => bytes.toString('base64url');
  if (/^Public Key Object; EC_EDWARDS/.test(block)) return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64(point) }, format: 'jwk' });
  const size = (point.length - 1) / 2;
  const crv = size === 32 ? 'P-256' : size === 48 ? 'P-384' : undefined;
  if (point[0] !== 0x04 || crv === undefined) throw new Error(`EC_POINT ${hex} is not an uncompressed P-256/P-384 point`);
  return createPublicKey({ key: { kty: 'EC', crv, x: b64(point.subarray(1, 1 + size)), y: b64(point.subarray(1 + size)) }, format: 'jwk' });
}
