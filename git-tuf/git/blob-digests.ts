// Length and sha256 of artifacts, cached by git blob id: a blob id fixes the content, so a file
// that did not change between two commits is never read or hashed again.
import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { GitRepository } from './repository.js';

export interface BlobDigest {
  length: number;
  sha256: string;
}

export interface BlobDigestsOptions {
  /** Blobs read per cat-file request (bounds memory); default 2000. */
  batchSize?: number;
  /** false: keep the cache in memory only, neither reading nor writing the cache file. */
  persist?: boolean;
}

const HEX = /^[0-9a-f]+$/;
const LENGTH = /^(?:0|[1-9][0-9]{0,15})$/;

export class BlobDigests {
  /** How many blobs this instance has read and hashed (the rest came from the cache). */
  hashedCount = 0;
  readonly #repo: GitRepository;
  readonly #file: string;
  readonly #batchSize: number;
  readonly #persist: boolean;
  #cache: Promise<Map<string, BlobDigest>> | null = null;
  #fileEndsWithNewline = true;
  #writable = true;

  constructor(repo: GitRepository, options: BlobDigestsOptions = {}) {
    this.#repo = repo;
    this.#file = path.join(repo.commonDir, 'git-tuf', 'blob-digests');
    this.#batchSize = Math.max(1, options.batchSize ?? 2000);
    this.#persist = options.persist ?? true;
  }

  /** Length and sha256 of each blob (object ids in, same ids as keys out). */
  async digests(oids: readonly string[]): Promise<Map<string, BlobDigest>> {
    const cache = await (this.#cache ??= this.#load());
    const result = new Map<string, BlobDigest>();
    const unknown = new Set<string>();
    for (const oid of oids) {
      const known = cache.get(oid);
      if (known !== undefined) result.set(oid, known);
      else unknown.add(oid);
    }
    if (unknown.size === 0) return result;
    const missing = [...unknown];

    let lines = '';
    // The next batch is requested before the current one is hashed: git reads while node hashes.
    try {
      let next = this.#repo.readBlobs(missing.slice(0, this.#batchSize));
      for (let start = 0; start < missing.length; start += this.#batchSize) {
        const batch = missing.slice(start, start + this.#batchSize);
        const contents = await next;
        if (start + this.#batchSize < missing.length) {
          next = this.#repo.readBlobs(missing.slice(start + this.#batchSize, start + 2 * this.#batchSize));
          next.catch(() => {}); // reported when awaited; not an unhandled rejection meanwhile
        }
        batch.forEach((oid, i) => {
          const content = contents[i]!;
          const digest = { length: content.length, sha256: createHash('sha256').update(content).digest('hex') };
          cache.set(oid, digest);
          result.set(oid, digest);
          lines += `${oid} ${digest.length} ${digest.sha256}\n`;
        });
        this.hashedCount += batch.length;
      }
    } finally {
      await this.#append(lines); // what was hashed is kept even if a later blob is missing
    }
    return result;
  }

  async #load(): Promise<Map<string, BlobDigest>> {
    const cache = new Map<string, BlobDigest>();
    if (!this.#persist) return cache;
    let text: string;
    try {
      text = await readFile(this.#file, 'latin1');
    } catch {
      return cache; // no cache yet (or unreadable): everything is computed
    }
    this.#fileEndsWithNewline = text === '' || text.endsWith('\n');
    const conflicting = new Set<string>();
    for (const line of text.split('\n')) {
      const entry = parseLine(line);
      if (entry === null) continue;
      const known = cache.get(entry.oid);
      if (known !== undefined && (known.length !== entry.length || known.sha256 !== entry.sha256)) conflicting.add(entry.oid);
      cache.set(entry.oid, { length: entry.length, sha256: entry.sha256 });
    }
    // Two different answers for one blob: the file was damaged, trust neither.
    for (const oid of conflicting) cache.delete(oid);
    return cache;
  }

  /** One append per call; a read-only repository just goes without a persistent cache. */
  async #append(lines: string): Promise<void> {
    if (!this.#persist || !this.#writable || lines === '') return;
    try {
      await mkdir(path.dirname(this.#file), { recursive: true });
      // After a torn last line, start on a fresh line so the new entries stay parseable.
      await appendFile(this.#file, (this.#fileEndsWithNewline ? '' : '\n') + lines, 'latin1');
      this.#fileEndsWithNewline = true;
    } catch {
      this.#writable = false;
    }
  }
}

/** `<oid> <length> <sha256hex>`; anything else (a torn append, garbage) is not trusted: null. */
function parseLine(line: string): { oid: string; length: number; sha256: string } | null {
  const space = line.indexOf(' ');
  const space2 = line.indexOf(' ', space + 1);
  if (space < 40 || space2 === -1 || line.length - space2 - 1 !== 64) return null;
  const oid = line.slice(0, space);
  const length = line.slice(space + 1, space2);
  const sha256 = line.slice(space2 + 1);
  if (!HEX.test(oid) || !LENGTH.test(length) || !HEX.test(sha256)) return null;
  return { oid, length: Number(length), sha256 };
}
