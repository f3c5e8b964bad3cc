/**
 * One tuf-js client: it trusts a root, refreshes the metadata from a server, and downloads (and so
 * verifies) the targets it is given. It runs in the calling thread or in a worker thread, so that
 * several clients can share a build's targets across the cores.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { LocalFetcher } from './fetcher.js';

export interface ClientJob {
  /** The server, `http://127.0.0.1:<port>`. */
  url: string;
  /** The trusted root this client starts from. */
  root: Uint8Array;
  /** Targets to look up and download, in the order given (none: refresh only). */
  targets: string[];
  /** A new directory for the client's metadata and downloads. */
  cache: string;
}

/** Downloads at once per client: enough to keep the server thread and the client busy. */
const DOWNLOADS_IN_FLIGHT = 16;

/** Runs the client here; returns how many targets it downloaded, or throws tuf-js's error. */
export async function runTufJs(job: ClientJob): Promise<number> {
  const { Updater } = await import('tuf-js');
  mkdirSync(path.join(job.cache, 'targets'), { recursive: true });
  writeFileSync(path.join(job.cache, 'root.json'), job.root);
  const fetcher = new LocalFetcher(path.join(job.cache, 'downloads'), DOWNLOADS_IN_FLIGHT);
  // tuf-js's default config: a client with defaults must accept what is published.
  const updater = new Updater({ metadataDir: job.cache, metadataBaseUrl: job.url, targetBaseUrl: `${job.url}/targets`, targetDir: path.join(job.cache, 'targets'), fetcher });
  try {
    await updater.refresh();
    // Lookups walk the delegations and load roles: one at a time. Downloads are independent.
    const infos: NonNullable<Awaited<ReturnType<typeof updater.getTargetInfo>>>[] = [];
    for (const target of job.targets) {
      const info = await updater.getTargetInfo(target);
      if (!info) throw new Error(`no role lists ${target}`);
      infos.push(info);
    }
    let next = 0;
    // Each worker's downloads land in one file, each overwriting the last once tuf-js has
    // verified it: a verified copy is not needed afterwards.
    const worker = async (slot: number): Promise<void> => {
      const file = path.join(job.cache, 'targets', String(slot));
      while (next < infos.length) {
        const info = infos[next++]!;
        await fetcher.into(file, () => updater.downloadTarget(info, file));
      }
    };
    await Promise.all(Array.from({ length: DOWNLOADS_IN_FLIGHT }, (_, slot) => worker(slot)));
    return infos.length;
  } finally {
    fetcher.close();
  }
}

type ThreadResult = { downloaded: number } | { error: string };

if (!isMainThread && (workerData as { tufJsClient?: ClientJob } | null)?.tufJsClient) {
  runTufJs((workerData as { tufJsClient: ClientJob }).tufJsClient).then(
    (downloaded) => parentPort!.postMessage({ downloaded } satisfies ThreadResult),
    (error: unknown) => parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) } satisfies ThreadResult),
  );
}

/** Runs the client in a worker thread; it rejects with an Error carrying tuf-js's message. */
export function runTufJsInThread(job: ClientJob): { done: Promise<number>; stop: () => Promise<void> } {
  const worker = new Worker(new URL('./tuf-js-client.js', import.meta.url), { workerData: { tufJsClient: job } });
  const done = new Promise<number>((resolve, reject) => {
    worker.once('message', (result: ThreadResult) => ('error' in result ? reject(new Error(result.error)) : resolve(result.downloaded)));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`a tuf-js client thread stopped (exit ${code})`)));
  });
  return { done, stop: async () => void (await worker.terminate()) };
}
