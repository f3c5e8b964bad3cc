// The thread of hashBlobsInWorker (blob-hashing.ts): streams the blobs from git, hashes them,
// and posts every length and sha256 back at once.
import { parentPort, workerData } from 'node:worker_threads';
import { GitTufError } from '../errors.js';
import { hashBlobs, type WorkerReply } from './blob-hashing.js';
import { streamBlobsAt } from './repository.js';

const { root, oids } = workerData as { root: string; oids: string[] };
const lengths = new Float64Array(oids.length);
const digests = Buffer.alloc(oids.length * 32);
let reply: WorkerReply;
try {
  await hashBlobs((request, receiver) => streamBlobsAt(root, request, receiver), oids, (index, length, sha256) => {
    lengths[index] = length;
    digests.write(sha256, index * 32, 'hex');
  });
  reply = { lengths, digests };
} catch (error) {
  const known = error instanceof GitTufError ? error : new GitTufError('internal', error instanceof Error ? error.message : String(error));
  reply = { error: { code: known.code, message: known.message, ...(known.hint === undefined ? {} : { hint: known.hint }) } };
}
parentPort!.postMessage(reply, 'error' in reply ? [] : [lengths.buffer, digests.buffer]);
