// The thread of startSignedPayloads (signed-payloads.ts): canonicalSignedFromText of each file.
import { parentPort, workerData } from 'node:worker_threads';
import { canonicalSignedFromText } from '../tuf/canonical-text.js';
import type { PayloadJob, PayloadReply } from './signed-payloads.js';

const { signedPayloads } = workerData as PayloadJob;
const reply: PayloadReply = signedPayloads.map((bytes) => canonicalSignedFromText(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
parentPort!.postMessage(reply);
