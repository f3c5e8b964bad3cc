// Length and sha256 of artifacts, cached by git blob id: a blob id fixes the content, so a file
// that did not change between two commits is never read or hashed again.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { GitTufError } from '../errors.js';
import { hashBlobs, hashBlobsInWorker } from './blob-hashing.js';
import { DigestCache, type BlobDigest } from './digest-cache.js';
import type { GitRepository } from './repository.js';

export type { BlobDigest };

/** Blobs one call hashes: `digests[i]` is the digest of `oids[i]`, once known; `index` finds i. */
interface Pending {
  index: Map<string, number>;
  oids: string[];
  digests: BlobDigest[];
  /** Where each blob may be checked out (null: not known). */
  files: (string | null)[];
}

export interface BlobDigestsOptions {
  /** false: keep the cache in memory only, neither reading nor writing the cache file. */
  persist?: boolean;
  /** From how many blobs to hash on a worker thread (starting one costs some 30 ms). */
  workerFrom?: number;
}

/** A worker pays for itself once hashing takes longer than starting it. */
const WORKER_FROM = 20000;

export class BlobDigests {
  /** How many blobs this instance has read and hashed (the rest came from the cache). */
  hashedCount = 0;
  readonly #repo: GitRepository;
  readonly #persist: boolean;
  readonly #workerFrom: number;
  readonly #file: string;
  readonly #bytes: Promise<Buffer | null>;
  #cache: DigestCache | null = null;
  /** What this instance hashed, per call. */
  readonly #hashed: Pending[] = [];
  #writable = true;
  /** Hashings running on worker threads now. */
  #inThreads = 0;

  constructor(repo: GitRepository, options: BlobDigestsOptions = {}) {
    this.#repo = repo;
    this.#persist = options.persist ?? true;
    this.#workerFrom = options.workerFrom ?? WORKER_FROM;
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

  /**
   * Length and sha256 of each blob, in the order of `oids` (no map to build or read: the fastest
   * form). `files[i]`, when given, is where blob `oids[i]` may be checked out (see hashBlobsInWorker).
   */
  async digestList(oids: readonly string[], files?: readonly (string | null)[]): Promise<BlobDigest[]> {
    if (oids.length === 0) return [];
    const cache = (this.#cache ??= new DigestCache(this.#file, this.#repo.oidLength / 2, await this.#bytes));
    const list = new Array<BlobDigest>(oids.length);
    // Blobs to hash, each once; and where in `list` their digests go.
    const pending: Pending = { index: new Map(), oids: [], digests: [], files: [] };
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
        pending.files.push(files?.[i] ?? null);
      }
      holes.push(i, at);
    }
    if (pending.oids.length === 0) return list;
    await this.#hash(pending, cache);
    for (let h = 0; h < holes.length; h += 2) list[holes[h]!] = pending.digests[holes[h + 1]!]!;
    return list;
  }

  /** Whether blobs are being hashed on worker threads (one per core) right now. */
  get hashingInThreads(): boolean {
    return this.#inThreads > 0;
  }

  /**
   * Reads and hashes blobs, each as its bytes stream from git: git unpacks the next ones
   * meanwhile, and no blob is ever held whole. Many blobs are hashed in a worker thread, which
   * keeps git busy while this thread goes on with other work. Whatever was hashed is kept, even
   * if a later blob is missing (a worker reports all or nothing).
   */
  async #hash(pending: Pending, cache: DigestCache): Promise<void> {
    this.#hashed.push(pending);
    const records = this.#persist && this.#writable ? Buffer.allocUnsafe(pending.oids.length * cache.recordBytes) : null;
    let count = 0;
    const hashed = (index: number, length: number, sha256: string): void => {
      pending.digests[index] = { length, sha256 };
      if (records !== null) cache.writeRecord(records, count, pending.oids[index]!, length, sha256);
      count++;
    };
    try {
      if (pending.oids.length >= this.#workerFrom) {
        this.#inThreads++;
        try {
          await hashBlobsInWorker(this.#repo.root, pending.oids, hashed, pending.files);
        } finally {
          this.#inThreads--;
        }
      } else await hashBlobs((oids, receiver) => this.#repo.streamBlobs(oids, receiver), pending.oids, hashed);
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
