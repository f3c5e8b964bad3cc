// Length and sha256 of blobs as their bytes stream from git, in this thread or in a worker
// thread (hash-worker.ts) that keeps git's pipes drained while this thread checks metadata.
import { createHash, hash as hashOnce, type Hash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { GitTufError, type ErrorCode } from '../errors.js';
import type { ObjectReceiver } from './cat-file.js';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Called once per blob hashed: its index into the request, length and sha256 (hex). */
export type Hashed = (index: number, length: number, sha256: string) => void;

export type BlobStream = (oids: readonly string[], receiver: () => ObjectReceiver) => Promise<void>;

/** Hashes each blob as it streams; no blob is ever held whole. */
export function hashBlobs(stream: BlobStream, oids: readonly string[], hashed: Hashed): Promise<void> {
  return stream(oids, () => {
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
        hashed(index, length, sha256 ?? hash!.digest('hex'));
      },
    };
  });
}

/** What the worker posts: the results in the order of the request, or why it failed. */
export type WorkerReply =
  | { lengths: Float64Array; digests: Uint8Array }
  | { error: { code: ErrorCode; message: string; hint?: string } };

/**
 * hashBlobs in a worker thread reading the repository at `root`. `files` (per blob, or null) are
 * where the blobs may be checked out: a file whose git id is the blob's is read instead of
 * unpacking the blob. All or nothing: on an error (a missing blob) nothing is reported hashed.
 */
export async function hashBlobsInWorker(root: string, oids: readonly string[], hashed: Hashed, files: readonly (string | null)[] | null = null): Promise<void> {
  // One thread per core, each with a slice: reading and hashing 100k files is mostly system calls.
  const threads = Math.max(1, Math.min(MAX_THREADS, availableParallelism(), Math.floor(oids.length / MIN_BLOBS_PER_THREAD)));
  const size = Math.ceil(oids.length / threads);
  const slices = Array.from({ length: threads }, (_, slice) => slice * size);
  const replies = await Promise.all(slices.map((start) => inWorker(root, oids.slice(start, start + size), files?.slice(start, start + size) ?? null)));
  replies.forEach((reply, slice) => {
    const digests = Buffer.from(reply.digests.buffer, reply.digests.byteOffset, reply.digests.byteLength);
    for (let i = 0; i < reply.lengths.length; i++) hashed(slices[slice]! + i, reply.lengths[i]!, digests.toString('hex', i * 32, i * 32 + 32));
  });
}

const MAX_THREADS = 4;
const MIN_BLOBS_PER_THREAD = 10000;

async function inWorker(root: string, oids: readonly string[], files: readonly (string | null)[] | null): Promise<{ lengths: Float64Array; digests: Uint8Array }> {
  // Loaded only here: most runs hash too little to start a thread.
  const { Worker } = await import('node:worker_threads');
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./hash-worker.js', import.meta.url), { workerData: { root, oids, files } });
    worker.once('message', (reply: WorkerReply) => {
      if ('error' in reply) reject(new GitTufError(reply.error.code, reply.error.message, reply.error.hint === undefined ? {} : { hint: reply.error.hint }));
      else resolve(reply);
    });
    worker.once('error', (error) => reject(new GitTufError('internal', `hashing artifacts failed: ${error.message}`, { cause: error })));
    worker.once('exit', (code) => {
      if (code !== 0) reject(new GitTufError('internal', `the hashing thread stopped (exit ${code})`));
    });
  });
}
