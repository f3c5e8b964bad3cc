/**
 * A static file server on 127.0.0.1 for one directory, so real clients can fetch a build before it
 * goes out. It runs in a worker thread: the clients' hashing and file handling keep the main
 * thread busy, and a server sharing that thread would make every request wait for it.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

export interface LocalServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

/** The worker's side: serve `workerData.dir`, report the port, stop when told. */
function runServer(dir: string): void {
  const root = path.resolve(dir);
  const server = createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    const file = path.resolve(root, `.${pathname}`);
    const notFound = (): void => {
      response.writeHead(404).end();
    };
    if (request.method !== 'GET' || (file !== root && !file.startsWith(`${root}${path.sep}`))) return notFound();
    stat(file).then(
      (info) => {
        if (!info.isFile()) return notFound();
        response.writeHead(200, { 'content-length': info.size, 'content-type': 'application/octet-stream' });
        createReadStream(file).pipe(response);
      },
      notFound,
    );
  });
  server.listen(0, '127.0.0.1', () => parentPort!.postMessage((server.address() as { port: number }).port));
  parentPort!.on('message', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

if (!isMainThread && (workerData as { serve?: string } | null)?.serve) runServer((workerData as { serve: string }).serve);

export async function serveDirectory(dir: string): Promise<LocalServer> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { serve: dir } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the local server stopped (exit ${code})`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        worker.once('exit', () => resolve());
        worker.postMessage('close');
      }),
  };
}
