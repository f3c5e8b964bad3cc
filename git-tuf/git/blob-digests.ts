// Length and sha256 of artifacts, cached by git blob id: a blob id fixes the content, so a file
// that did not change between two commits is never read or hashed again.
import { createHash, hash as hashOnce, type Hash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { GitTufError } from '../errors.js';
import { DigestCache, type BlobDigest } from './digest-cache.js';
import type { GitRepository } from './repository.js';

export type { BlobDigest };

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Blobs one call hashes: `digests[i]` is the digest of `oids[i]`, once known; `index` finds i. */
interface Pending {
  index: Map<string, number>;
  oids: string[];
  digests: BlobDigest[];
}

export interface BlobDigestsOptions {
  /** false: keep the cache in memory only, neither reading nor writing the cache file. */
  persist?: boolean;
}

export class BlobDigests {
  /** How many blobs this instance has read and hashed (the rest came from the cache). */
  hashedCount = 0;
  readonly #repo: GitRepository;
  readonly #persist: boolean;
  readonly #file: string;
  readonly #bytes: Promise<Buffer | null>;
  #cache: DigestCache | null = null;
  /** What this instance hashed, per call. */
  readonly #hashed: Pending[] = [];
  #writable = true;

  constructor(repo: GitRepository, options: BlobDigestsOptions = {}) {
    this.#repo = repo;
    this.#persist = options.persist ?? true;
    this.#file = path.join(repo.commonDir, 'git-tuf', 'blob-digests');
    // Read now, while the caller lists trees; indexed on first use. Unreadable: everything is computed.
    this.#bytes = this.#persist ? readFile(this.#file).catch(() => null) : Promise.resolve(null);
  }

  /** Length and sha256 of each blob (full object ids in, same ids as keys out). */
  async digests(oids: readonly string[]): Promise<Map<string, BlobDigest>> {
    const list = await this.digestList(oids);
    const result = new Map<string, BlobDigest>();
    for (let i = 0; i < oids.length; i++) result.set(oids[i]!, list[i]!);
    return result;
  }

  /** Length and sha256 of each blob, in the order of `oids` (no map to build or read: the fastest form). */
  async digestList(oids: readonly string[]): Promise<BlobDigest[]> {
    if (oids.length === 0) return [];
    const cache = (this.#cache ??= new DigestCache(this.#file, this.#repo.oidLength / 2, await this.#bytes));
    const list = new Array<BlobDigest>(oids.length);
    // Blobs to hash, each once; and where in `list` their digests go.
    const pending: Pending = { index: new Map(), oids: [], digests: [] };
    const holes: number[] = [];
    for (let i = 0; i < oids.length; i++) {
      const oid = oids[i]!;
      const known = this.#earlier(oid) ?? cache.get(oid);
      if (known !== undefined) {
        list[i] = known;
        continue;
      }
      let at = pending.index.get(oid);
      if (at === undefined) {
        // An abbreviated id would be resolved by git, and then cached under the wrong key.
        if (oid.length !== this.#repo.oidLength) throw new GitTufError('git', `not a full git object id: ${JSON.stringify(oid)}`);
        pending.index.set(oid, (at = pending.oids.length));
        pending.oids.push(oid);
      }
      holes.push(i, at);
    }
    if (pending.oids.length === 0) return list;
    await this.#hash(pending, cache);
    for (let h = 0; h < holes.length; h += 2) list[holes[h]!] = pending.digests[holes[h + 1]!]!;
    return list;
  }

  /**
   * Reads and hashes blobs, each as its bytes stream from git: git unpacks the next ones
   * meanwhile, and no blob is ever held whole. Whatever was hashed is kept, even if a later blob
   * is missing.
   */
  async #hash(pending: Pending, cache: DigestCache): Promise<void> {
    this.#hashed.push(pending);
    const records = this.#persist && this.#writable ? Buffer.allocUnsafe(pending.oids.length * cache.recordBytes) : null;
    let count = 0;
    try {
      await this.#repo.streamBlobs(pending.oids, () => {
        let length = 0;
        let hash: Hash | null = null;
        let sha256: string | null = null;
        return {
          begin(_index, size) {
            length = size;
            hash = null;
            sha256 = size === 0 ? EMPTY_SHA256 : null;
          },
          data(bytes) {
            // Most blobs arrive in one piece: hashed in one call, without a Hash object.
            if (hash === null && bytes.length === length) sha256 = hashOnce('sha256', bytes, 'hex');
            else (hash ??= createHash('sha256')).update(bytes);
          },
          end(index) {
            const digest = { length, sha256: sha256 ?? hash!.digest('hex') };
            pending.digests[index] = digest;
            if (records !== null) cache.writeRecord(records, count, pending.oids[index]!, length, digest.sha256);
            count++;
          },
        };
      });
    } finally {
      this.hashedCount += count;
      if (records !== null) this.#save(cache, records, count);
    }
  }

  #earlier(oid: string): BlobDigest | undefined {
    for (const hashed of this.#hashed) {
      const at = hashed.index.get(oid);
      if (at !== undefined && hashed.digests[at] !== undefined) return hashed.digests[at]; // not there when its read failed
    }
    return undefined;
  }

  /** A read-only repository (or a full disk) just goes without a persistent cache. */
  #save(cache: DigestCache, records: Buffer, count: number): void {
    try {
      cache.append(records, count);
    } catch {
      this.#writable = false;
    }
  }
}
