/**
 * A static file server on 127.0.0.1 for one directory, so real clients can fetch a build before it
 * goes out. It runs in a worker thread: the clients' hashing and file handling keep the main
 * thread busy, and a server sharing that thread would make every request wait for it.
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

export interface LocalServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

/** Files up to this size are read whole and sent in one write; larger ones are streamed. */
const READ_WHOLE = 1 << 20;

/**
 * Sends `file`. Synchronous reads: this thread does nothing else, and a small file read at once
 * costs a few system calls where a stream costs a trip through libuv's threads for each step.
 */
function sendFile(file: string, response: ServerResponse): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return false;
  }
  const info = fstatSync(fd);
  if (!info.isFile()) {
    closeSync(fd);
    return false;
  }
  const size = info.size;
  response.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
  if (size > READ_WHOLE) {
    createReadStream(file, { fd }).pipe(response);
    return true;
  }
  const bytes = Buffer.allocUnsafe(size);
  let done = 0;
  for (let read = -1; done < size && read !== 0; done += read) read = readSync(fd, bytes, done, size - done, done);
  closeSync(fd);
  // A file that shrank while read: the client sees a cut-off response, never padding.
  if (done < size) response.destroy();
  else response.end(bytes);
  return true;
}

/** The worker's side: serve `workerData.dir`, report the port, stop when told. */
function runServer(dir: string): void {
  const root = path.resolve(dir);
  const server = createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    const file = path.resolve(root, `.${pathname}`);
    const inside = file === root || file.startsWith(`${root}${path.sep}`);
    if (request.method !== 'GET' || !inside || !sendFile(file, response)) response.writeHead(404).end();
  });
  // Idle connections stay open: a client busy for seconds (parsing a large targets file) would
  // otherwise reuse a connection the server has just closed, and fail with "socket hang up".
  server.keepAliveTimeout = 0;
  server.listen(0, '127.0.0.1', () => parentPort!.postMessage((server.address() as { port: number }).port));
  parentPort!.on('message', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

if (!isMainThread && (workerData as { serve?: string } | null)?.serve) runServer((workerData as { serve: string }).serve);

export async function serveDirectory(dir: string): Promise<LocalServer> {
  const worker = new Worker(new URL('./serve.js', import.meta.url), { workerData: { serve: dir } });
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
