/**
 * The signed bytes of large metadata files, read off their text on another thread while this one
 * reads and checks them: for a 12 MiB targets file, about 80 ms off an event's status. The
 * thread runs canonicalSignedFromText on the same bytes and verify.ts takes its answer as its
 * own; when the thread fails or finds the text not canonical, the check works them out itself.
 */
import type { Worker } from 'node:worker_threads';
import { knownWellFormed, type RoleType } from '../tuf/metadata.js';
import { provideSignedPayload, READ_OFF_FROM } from '../tuf/verify.js';

export interface PayloadJob {
  signedPayloads: Uint8Array[];
}

/** What the thread posts back: one payload per file (null: not canonical but for whitespace). */
export type PayloadReply = (Uint8Array | null)[];

/** A metadata file about to be parsed. */
export interface MetadataBlob {
  bytes: Buffer;
  type: RoleType;
  blobId: string;
}

/** The payload jobs under way or done, by the bytes they read: a file is given to one thread only. */
const jobs = new WeakMap<Buffer, Promise<void>>();

/**
 * Starts the thread for the files among `files` of at least READ_OFF_FROM bytes that no earlier
 * run found well-formed (those were verified then, and their signatures are known facts), unless
 * a thread has them already. It is running once this resolves; `done` resolves once their
 * payloads are given to the checks, and never rejects.
 */
export async function startSignedPayloads(files: readonly MetadataBlob[]): Promise<{ done: Promise<void> }> {
  const wanted = files.filter((file) => file.bytes.length >= READ_OFF_FROM && !knownWellFormed(file.type, file.blobId)).map((file) => file.bytes);
  const started = wanted.flatMap((bytes) => jobs.get(bytes) ?? []);
  const large = wanted.filter((bytes) => !jobs.has(bytes));
  if (large.length === 0) return { done: Promise.all(started).then(() => {}) };
  let worker: Worker;
  try {
    const { Worker } = await import('node:worker_threads');
    worker = new Worker(new URL('./signed-payloads-thread.js', import.meta.url), { workerData: { signedPayloads: large } satisfies PayloadJob });
  } catch {
    return { done: Promise.all(started).then(() => {}) }; // only a lost speed-up: verify.ts reads them off itself
  }
  const reply = new Promise<PayloadReply>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the payload thread stopped (exit ${code})`)));
  });
  const done = reply.then(
    (payloads) => {
      payloads.forEach((payload, index) => {
        if (payload) provideSignedPayload(large[index]!, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
      });
    },
    () => {},
  );
  for (const bytes of large) jobs.set(bytes, done);
  return { done: Promise.all([done, ...started]).then(() => {}) };
}
