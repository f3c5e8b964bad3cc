/**
 * The blob digest cache file, `<common dir>/git-tuf/blob-digests`: binary, read in one go, indexed
 * lazily, appended to in blocks.
 *
 *   file    = header block*
 *   header  = "git-tuf-bd2\n" u8(oid bytes: 20 or 32) u8[3](0)                          16 bytes
 *   block   = "gtbk" u32(record count) u32(crc32 of records) u32(crc32 of the 12 bytes before)
 *             record*
 *   record  = oid[oid bytes] u64(blob length) sha256[32]
 * All integers little-endian. A block is what one process appends with one write (O_APPEND): two
 * processes appending at once each land whole. A block whose checksums fail (torn by a crash,
 * damaged on disk, or a stray write) is never trusted; the reader skips to the next block that
 * checks out, and the next append rewrites the file without the damage. Anything else at this path
 * (an older text cache) is ignored and replaced.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { sameAt } from './tree.js';

export interface BlobDigest {
  length: number;
  sha256: string;
}

const FILE_MAGIC = Buffer.from('git-tuf-bd2\n', 'latin1');
const FILE_HEADER = 16;
const BLOCK_MAGIC = Buffer.from('gtbk', 'latin1');
const BLOCK_HEADER = 16;
/** Larger files (millions of blobs) are started afresh: their hex form would near V8's string limit. */
const MAX_FILE = 2 ** 28;
/** Lookups answered by searching the file before it is indexed. */
const FEW_LOOKUPS = 64;
/** Largest blob length kept: a u64 beyond this is not a safe JS integer (and not a real blob). */
const MAX_LENGTH_HIGH = 2 ** 21;

export class DigestCache {
  readonly file: string;
  readonly oidBytes: number;
  readonly recordBytes: number;
  /** The loaded file; `hex` is all of it in hex (made on first need), for slicing ids and digests without decoding each. */
  #data: Buffer = Buffer.alloc(0);
  #hexText: string | null = null;
  /** Lookups so far; the first few search the file instead of indexing it (one new blob in 100k). */
  #lookups = 0;
  /** Byte offset of every trusted record. */
  #offsets = new Int32Array(0);
  /**
   * Built on first use: a hash table of record numbers (open addressing, -1 = empty slot) keyed by
   * the oid's first four bytes, which git's hashing spreads evenly; `keys` holds each record's key.
   */
  #slots: Int32Array | null = null;
  #keys = new Int32Array(0);
  /** Append to the file as it is (true), or write a fresh file (absent, foreign, damaged). */
  #appendable = false;
  /** Blobs with records that disagree. */
  readonly #conflicts = new Set<string>();

  /** `data`: the cache file's bytes, or null when there is none. */
  constructor(file: string, oidBytes: number, data: Buffer | null) {
    this.file = file;
    this.oidBytes = oidBytes;
    this.recordBytes = oidBytes + 40;
    if (data !== null) this.#load(data);
  }

  /** Records in the file that passed their checks. */
  get size(): number {
    return this.#offsets.length;
  }

  /** The cached digest of a blob (full hex id); undefined when unknown or when the file disagrees with itself. */
  get(oid: string): BlobDigest | undefined {
    if (oid.length !== 2 * this.oidBytes || this.#offsets.length === 0) return undefined;
    if (this.#slots === null && ++this.#lookups <= FEW_LOOKUPS) return this.#search(oid);
    const slots = (this.#slots ??= this.#index());
    const mask = slots.length - 1;
    const key = hexKey(oid);
    let found: BlobDigest | undefined;
    for (let slot = key & mask, k = slots[slot]!; k !== -1; slot = (slot + 1) & mask, k = slots[slot]!) {
      if (this.#keys[k] !== key) continue;
      const off = this.#offsets[k]!;
      if (!sameAt(this.#hex, 2 * off, oid)) continue; // the whole id: a 32-bit key is easily forged
      const lengthAt = off + this.oidBytes;
      const high = this.#data.readUInt32LE(lengthAt + 4);
      if (high >= MAX_LENGTH_HIGH) return undefined;
      const digest = { length: high * 2 ** 32 + this.#data.readUInt32LE(lengthAt), sha256: this.#hex.slice(2 * (lengthAt + 8), 2 * (lengthAt + 40)) };
      const agreed = this.#agreeing(oid, found, digest);
      if (agreed === null) return undefined;
      found = agreed;
    }
    return found;
  }

  /** get by searching the file's bytes for the id: no index or hex text built for a few lookups. */
  #search(oid: string): BlobDigest | undefined {
    const id = Buffer.from(oid, 'hex');
    if (id.length !== this.oidBytes) return undefined;
    let found: BlobDigest | undefined;
    for (let at = this.#data.indexOf(id, FILE_HEADER); at !== -1; at = this.#data.indexOf(id, at + 1)) {
      if (!isRecordStart(this.#offsets, at)) continue; // the bytes inside another record
      const lengthAt = at + this.oidBytes;
      const high = this.#data.readUInt32LE(lengthAt + 4);
      if (high >= MAX_LENGTH_HIGH) return undefined;
      const digest = { length: high * 2 ** 32 + this.#data.readUInt32LE(lengthAt), sha256: this.#data.toString('hex', lengthAt + 8, lengthAt + 40) };
      const agreed = this.#agreeing(oid, found, digest);
      if (agreed === null) return undefined;
      found = agreed;
    }
    return found;
  }

  /**
   * Two different answers for one blob (a bug, or damage the checksums missed): trust neither
   * (null), and leave both out when the file is next written.
   */
  #agreeing(oid: string, found: BlobDigest | undefined, digest: BlobDigest): BlobDigest | null {
    if (found !== undefined && (found.length !== digest.length || found.sha256 !== digest.sha256)) {
      this.#conflicts.add(oid);
      this.#appendable = false;
      return null;
    }
    return digest;
  }

  get #hex(): string {
    return (this.#hexText ??= this.#data.toString('hex'));
  }

  /** Writes `records[0..count)` (each `recordBytes` long, from writeRecord) with one write; throws on I/O errors. */
  append(records: Buffer, count: number): void {
    if (count === 0) return;
    const body = records.subarray(0, count * this.recordBytes);
    const block = blockHeader(body, count);
    if (this.#appendable) {
      let fd: number;
      try {
        fd = openSync(this.file, constants.O_WRONLY | constants.O_APPEND); // never O_CREAT: a new file needs its header
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        this.#appendable = false;
        return this.append(records, count);
      }
      try {
        writeAll(fd, Buffer.concat([block, body]));
      } finally {
        closeSync(fd);
      }
      return;
    }
    // A fresh file: the header, what was trusted of the old one, the new records; renamed into place whole.
    const header = Buffer.alloc(FILE_HEADER);
    FILE_MAGIC.copy(header, 0);
    header[FILE_MAGIC.length] = this.oidBytes;
    const parts = [header, ...this.#trustedBlock(), block, body];
    mkdirSync(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const fd = openSync(temp, 'wx');
      try {
        writeAll(fd, Buffer.concat(parts));
      } finally {
        closeSync(fd);
      }
      renameSync(temp, this.file);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
    this.#appendable = true;
  }

  /** Fills record `index` of `records` (sized for recordBytes each). */
  writeRecord(records: Buffer, index: number, oid: string, length: number, sha256: string): void {
    const off = index * this.recordBytes;
    records.write(oid, off, this.oidBytes, 'hex');
    records.writeUInt32LE(length % 2 ** 32, off + this.oidBytes);
    records.writeUInt32LE(Math.floor(length / 2 ** 32), off + this.oidBytes + 4);
    records.write(sha256, off + this.oidBytes + 8, 32, 'hex');
  }

  #load(data: Buffer): void {
    if (data.length < FILE_HEADER || data.length > MAX_FILE || !data.subarray(0, FILE_MAGIC.length).equals(FILE_MAGIC) || data[FILE_MAGIC.length] !== this.oidBytes) {
      return; // absent, foreign (an older text cache) or another object format: replaced on the next append
    }
    const offsets: number[] = [];
    let damaged = false;
    let pos = FILE_HEADER;
    while (pos < data.length) {
      const count = this.#checkedBlock(data, pos);
      if (count === -1) {
        // Torn or damaged: resume at the next block that checks out.
        damaged = true;
        const next = data.indexOf(BLOCK_MAGIC, pos + 1);
        if (next === -1) break;
        pos = next;
        continue;
      }
      for (let i = 0, off = pos + BLOCK_HEADER; i < count; i++, off += this.recordBytes) offsets.push(off);
      pos += BLOCK_HEADER + count * this.recordBytes;
    }
    this.#data = data;
    this.#offsets = Int32Array.from(offsets);
    this.#appendable = !damaged;
  }

  /** The record count of the block at `pos` when both its checksums hold, else -1. */
  #checkedBlock(data: Buffer, pos: number): number {
    if (pos + BLOCK_HEADER > data.length || data.compare(BLOCK_MAGIC, 0, 4, pos, pos + 4) !== 0) return -1;
    if (crc32(data.subarray(pos, pos + 12)) !== data.readUInt32LE(pos + 12)) return -1;
    const count = data.readUInt32LE(pos + 4);
    const end = pos + BLOCK_HEADER + count * this.recordBytes;
    if (count === 0 || end > data.length || crc32(data.subarray(pos + BLOCK_HEADER, end)) !== data.readUInt32LE(pos + 8)) return -1;
    return count;
  }

  #index(): Int32Array {
    const offsets = this.#offsets;
    let size = 1;
    while (size < 2 * offsets.length) size *= 2;
    const slots = new Int32Array(size).fill(-1);
    const keys = new Int32Array(offsets.length);
    const mask = size - 1;
    for (let k = 0; k < offsets.length; k++) {
      const key = this.#data.readInt32BE(offsets[k]!);
      keys[k] = key;
      let slot = key & mask;
      while (slots[slot] !== -1) slot = (slot + 1) & mask;
      slots[slot] = k;
    }
    this.#keys = keys;
    return slots;
  }

  /** Every trusted record as one block (for a rewrite); nothing when there are none. */
  #trustedBlock(): Buffer[] {
    const kept = this.#offsets.filter((off) => this.#conflicts.size === 0 || !this.#conflicts.has(this.#hex.slice(2 * off, 2 * (off + this.oidBytes))));
    if (kept.length === 0) return [];
    const body = Buffer.allocUnsafe(kept.length * this.recordBytes);
    kept.forEach((off, k) => this.#data.copy(body, k * this.recordBytes, off, off + this.recordBytes));
    return [blockHeader(body, kept.length), body];
  }
}

/** Whether `at` is one of the ascending record `offsets`. */
function isRecordStart(offsets: Int32Array, at: number): boolean {
  let low = 0;
  let high = offsets.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const off = offsets[mid]!;
    if (off === at) return true;
    if (off < at) low = mid + 1;
    else high = mid - 1;
  }
  return false;
}

function blockHeader(body: Buffer, count: number): Buffer {
  const header = Buffer.allocUnsafe(BLOCK_HEADER);
  BLOCK_MAGIC.copy(header, 0);
  header.writeUInt32LE(count, 4);
  header.writeUInt32LE(crc32(body), 8);
  header.writeUInt32LE(crc32(header.subarray(0, 12)), 12);
  return header;
}

/** The first four bytes of a hex object id as a signed 32-bit integer (what readInt32BE gives for the raw bytes). */
function hexKey(oid: string): number {
  let key = 0;
  for (let i = 0; i < 8; i++) {
    const c = oid.charCodeAt(i);
    key = (key << 4) | (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57);
  }
  return key;
}

function writeAll(fd: number, bytes: Buffer): void {
  // One write() in practice; a short write (disk full) continues, and the checksums catch a torn block.
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
}
