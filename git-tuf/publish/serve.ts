/** A static file server on 127.0.0.1 for one directory, so real clients can fetch a build before it goes out. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';

export interface LocalServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

export async function serveDirectory(dir: string): Promise<LocalServer> {
  const root = path.resolve(dir);
  const server: Server = createServer((request, response) => {
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
