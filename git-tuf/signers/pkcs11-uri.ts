/**
 * Which key on which PKCS#11 token a key URI names. Two forms:
 *
 * - securesystemslib's HSMSigner form, which tuf-on-ci keyholders already use:
 *   `hsm:`, `hsm:<n>`, `hsm:<n>?label=<token label>&serialNumber=<token serial>`.
 *   `<n>` is a decimal number, the one-byte CKA_ID (default 2, YubiKey PIV slot 9c "Digital
 *   Signature"), as securesystemslib reads it; `hsm:0x<hex>` names a CKA_ID of any length (our
 *   extension). The query is form-encoded (`+` is a space); its keys are token fields:
 *   `label`, `serialNumber` (also `serial`), `manufacturerID`, `model`.
 * - RFC 7512 `pkcs11:` URIs, the subset `token`, `serial`, `manufacturer`, `model`, `id`, `object`
 *   and `type=private|public` (ignored: the signer always uses the key pair).
 */
import { GitTufError } from '../errors.js';

export interface TokenFilter {
  label?: string;
  serial?: string;
  manufacturer?: string;
  model?: string;
}

export interface Pkcs11KeyRef {
  token: TokenFilter;
  /** CKA_ID of the key pair. */
  id?: Buffer;
  /** CKA_LABEL of the key pair. */
  object?: string;
}

/** securesystemslib's default: PIV slot 9c, the slot meant for signing. */
export const DEFAULT_HSM_KEY_ID = Buffer.from([2]);

const HINT = 'use hsm:[<key id>][?label=<token label>] or pkcs11:token=<label>;id=%02';

export function parsePkcs11Uri(uri: string): Pkcs11KeyRef {
  if (uri.startsWith('hsm:')) return parseHsm(uri);
  if (uri.startsWith('pkcs11:')) return parseRfc7512(uri);
  throw new GitTufError('key', `${show(uri)} is not a PKCS#11 key URI`, { hint: HINT });
}

/** The `hsm:` URI for a key: readable by securesystemslib when the id is a single byte. */
export function formatHsmUri(id: Buffer, token: TokenFilter): string {
  const path = id.length === 1 ? String(id[0]) : `0x${id.toString('hex')}`;
  const query = new URLSearchParams();
  if (token.label !== undefined) query.set('label', token.label);
  if (token.serial !== undefined) query.set('serialNumber', token.serial);
  if (token.manufacturer !== undefined) query.set('manufacturerID', token.manufacturer);
  if (token.model !== undefined) query.set('model', token.model);
  const text = query.toString();
  return `hsm:${path}${text === '' ? '' : `?${text}`}`;
}

/** An RFC 7512 URI for a key that has a label but no CKA_ID (which `hsm:` cannot name). */
export function formatRfc7512Uri(object: string, token: TokenFilter): string {
  const parts: string[] = [];
  if (token.label !== undefined) parts.push(`token=${percentEncode(token.label)}`);
  if (token.serial !== undefined) parts.push(`serial=${percentEncode(token.serial)}`);
  parts.push(`object=${percentEncode(object)}`);
  return `pkcs11:${parts.join(';')}`;
}

function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

const HSM_FIELDS = new Map<string, keyof TokenFilter>([
  ['label', 'label'],
  ['serialNumber', 'serial'],
  ['serial', 'serial'],
  ['manufacturerID', 'manufacturer'],
  ['model', 'model'],
]);

function parseHsm(uri: string): Pkcs11KeyRef {
  const fail = (problem: string): GitTufError => new GitTufError('key', `key URI ${show(uri)}: ${problem}`, { hint: HINT });
  const rest = uri.slice('hsm:'.length);
  const question = rest.indexOf('?');
  const path = question === -1 ? rest : rest.slice(0, question);
  let id = DEFAULT_HSM_KEY_ID;
  if (/^0x(?:[0-9a-fA-F]{2})+$/.test(path)) {
    id = Buffer.from(path.slice(2), 'hex');
  } else if (/^[0-9]+$/.test(path)) {
    const n = Number(path);
    if (n > 255) throw fail(`key id ${path} does not fit in one byte (write longer ids as 0x<hex>)`);
    id = Buffer.from([n]);
  } else if (path !== '') {
    throw fail(`key id ${show(path)} is neither a decimal number nor 0x<hex>`);
  }
  const token: TokenFilter = {};
  if (question !== -1) {
    for (const [name, value] of new URLSearchParams(rest.slice(question + 1))) {
      const field = HSM_FIELDS.get(name);
      if (field === undefined) throw fail(`unknown token field ${show(name)} (known: ${[...HSM_FIELDS.keys()].join(', ')})`);
      if (token[field] !== undefined) throw fail(`token field ${show(name)} given twice`);
      token[field] = value;
    }
  }
  return { token, id };
}

const RFC7512_TOKEN = new Map<string, keyof TokenFilter>([
  ['token', 'label'],
  ['serial', 'serial'],
  ['manufacturer', 'manufacturer'],
  ['model', 'model'],
]);

function parseRfc7512(uri: string): Pkcs11KeyRef {
  const rest = uri.slice('pkcs11:'.length);
  const question = rest.indexOf('?');
  // The query may hold a PIN (pin-value): messages show the path only.
  const shown = question === -1 ? uri : uri.slice(0, 'pkcs11:'.length + question);
  const fail = (problem: string): GitTufError => new GitTufError('key', `key URI ${show(shown)}: ${problem}`, { hint: HINT });
  if (question !== -1) {
    // A PIN in a URI would end up in git config and shell history: refuse it outright.
    const query = rest.slice(question + 1);
    if (/(?:^|&)pin-value=/.test(query)) throw fail('a PIN does not belong in a key URI (it is asked for when signing)');
    throw fail('query attributes are not supported (set the module with git config tuf.pkcs11-module)');
  }
  const ref: Pkcs11KeyRef = { token: {} };
  const seen = new Set<string>();
  for (const part of rest.split(';')) {
    if (part === '' && rest === '') continue;
    const equals = part.indexOf('=');
    if (equals <= 0) throw fail(`${show(part)} is not an attribute=value pair`);
    const name = part.slice(0, equals);
    const raw = part.slice(equals + 1);
    if (seen.has(name)) throw fail(`attribute ${show(name)} given twice`);
    seen.add(name);
    const value = percentDecode(raw, () => fail(`attribute ${show(name)} is not valid percent-encoding`));
    const field = RFC7512_TOKEN.get(name);
    if (field !== undefined) {
      ref.token[field] = value.toString('utf8');
    } else if (name === 'id') {
      if (value.length === 0) throw fail('attribute "id" is empty');
      ref.id = value;
    } else if (name === 'object') {
      ref.object = value.toString('utf8');
    } else if (name === 'type') {
      const type = value.toString('utf8');
      if (type !== 'private' && type !== 'public') throw fail(`type ${show(type)} is not a key pair part (use private or public)`);
    } else {
      throw fail(`attribute ${show(name)} is not supported (supported: token, serial, manufacturer, model, id, object, type)`);
    }
  }
  return ref;
}

/** RFC 3986 percent-decoding to bytes (`id` values are binary). */
function percentDecode(text: string, fail: () => GitTufError): Buffer {
  const parts = text.split(/(%[0-9a-fA-F]{2})/);
  return Buffer.concat(
    parts.map((part, index) => {
      if (index % 2 === 1) return Buffer.from([parseInt(part.slice(1), 16)]);
      if (part.includes('%')) throw fail();
      return Buffer.from(part, 'utf8');
    }),
  );
}

function show(text: string): string {
  return JSON.stringify(text);
}
