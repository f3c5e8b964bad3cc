// The thread of hashBlobsInWorker (blob-hashing.ts): hashes the blobs, reading each from the work
// tree when the file there has the blob's exact bytes (its git id proves it) and from git
// otherwise, and posts every length and sha256 back at once.
import { createHash, hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { GitTufError } from '../errors.js';
import { hashBlobs, type WorkerReply } from './blob-hashing.js';
import { streamBlobsAt } from './repository.js';

const { root, oids, files } = workerData as { root: string; oids: string[]; files: (string | null)[] | null };
const lengths = new Float64Array(oids.length);
const digests = Buffer.alloc(oids.length * 32);
const algorithm = oids[0]?.length === 64 ? 'sha256' : 'sha1';

/** The file's bytes when they are the blob `oid` (git's id of them matches), else null. */
function sameBlob(file: string, oid: string): Buffer | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return null; // absent, a directory, unreadable: git has it
  }
  return createHash(algorithm).update(`blob ${bytes.length}\0`).update(bytes).digest('hex') === oid ? bytes : null;
}

let reply: WorkerReply;
try {
  const fromGit: number[] = [];
  for (let index = 0; index < oids.length; index++) {
    const file = files?.[index];
    const bytes = file ? sameBlob(file, oids[index]!) : null;
    if (bytes === null) {
      fromGit.push(index);
      continue;
    }
    lengths[index] = bytes.length;
    digests.write(hash('sha256', bytes, 'hex'), index * 32, 'hex');
  }
  await hashBlobs((request, receiver) => streamBlobsAt(root, request, receiver), fromGit.map((index) => oids[index]!), (at, length, sha256) => {
    lengths[fromGit[at]!] = length;
    digests.write(sha256, fromGit[at]! * 32, 'hex');
  });
  reply = { lengths, digests };
} catch (error) {
  const known = error instanceof GitTufError ? error : new GitTufError('internal', error instanceof Error ? error.message : String(error));
  reply = { error: { code: known.code, message: known.message, ...(known.hint === undefined ? {} : { hint: known.hint }) } };
}
parentPort!.postMessage(reply, 'error' in reply ? [] : [lengths.buffer, digests.buffer]);
