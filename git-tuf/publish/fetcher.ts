/**
 * How tuf-js fetches from the local server during publish: a `Fetcher` (tuf-js's own extension
 * point) over keep-alive connections, writing each download into a file its caller names.
 *
 * tuf-js's default fetcher makes a new temporary directory, a fetch() request and a web stream
 * for every file, and deletes the directory afterwards; tuf-js then copies the file to the target
 * path. At 10k artifacts that file-system churn cost more than everything else the client does.
 * This fetcher keeps the contract of tuf-js's `BaseFetcher`: it refuses a response longer than
 * the caller's `maxLength` while it reads, raises tuf-js's `DownloadHTTPError` for a non-200 answer
 * (the root update stops at a 404 on it), and hands the complete file to tuf-js's handler, which
 * checks length and hashes itself and then copies the file to the target path.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { closeSync, constants, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { Agent, get, type IncomingMessage } from 'node:http';
import path from 'node:path';
import type { Fetcher } from 'tuf-js';
import { DownloadHTTPError, DownloadLengthMismatchError } from 'tuf-js/dist/error.js';

export class LocalFetcher implements Fetcher {
  readonly #agent: Agent;
  readonly #dir: string;
  readonly #into = new AsyncLocalStorage<string>();
  /** Files for downloads made outside `into`, not in use. */
  readonly #free: string[] = [];
  #made = 0;
  /** Open descriptors of the download files, kept for the fetcher's life: a few system calls less per file. */
  readonly #fds = new Map<string, number>();

  /** `dir`: where downloads outside `into` go (made if missing); `connections`: kept open at most. */
  constructor(dir: string, connections: number) {
    this.#dir = dir;
    this.#agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  /**
   * Runs `download` with the file downloads it makes written to `file`. Given the same path as
   * target path, tuf-js verifies the download in place, and its copy to the target path is a
   * no-op (a copy onto the same file): each artifact is written once and read once.
   */
  into<T>(file: string, download: () => Promise<T>): Promise<T> {
    return this.#into.run(file, download);
  }

  async downloadFile<T>(url: string, maxLength: number, handler: (file: string) => Promise<T>): Promise<T> {
    const given = this.#into.getStore();
    const file = given ?? this.#free.pop() ?? this.#newFile();
    try {
      const response = await this.#get(url);
      // Overwritten in place and cut to length, never truncated to 0 first: on ext4 truncating a
      // file that has data forces its writeback, which made reused files slower than new ones.
      // Synchronous writes: they go to the page cache, quicker than a trip through libuv's threads.
      const fd = this.#fd(file);
      let length = 0;
      for await (const chunk of limited(response, maxLength)) {
        for (let done = 0; done < chunk.length; ) done += writeSync(fd, chunk, done, chunk.length - done, length + done);
        length += chunk.length;
      }
      ftruncateSync(fd, length);
      return await handler(file);
    } finally {
      if (given === undefined) this.#free.push(file);
    }
  }

  async downloadBytes(url: string, maxLength: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of limited(await this.#get(url), maxLength)) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  /** Closes the kept-open connections and files. */
  close(): void {
    this.#agent.destroy();
    for (const fd of this.#fds.values()) closeSync(fd);
    this.#fds.clear();
  }

  #newFile(): string {
    mkdirSync(this.#dir, { recursive: true });
    return path.join(this.#dir, `download-${this.#made++}`);
  }

  #fd(file: string): number {
    let fd = this.#fds.get(file);
    if (fd === undefined) this.#fds.set(file, (fd = openSync(file, constants.O_WRONLY | constants.O_CREAT)));
    return fd;
  }

  #get(url: string): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      get(url, { agent: this.#agent }, (response) => {
        if (response.statusCode === 200) return resolve(response);
        response.resume();
        reject(new DownloadHTTPError('Failed to download', response.statusCode ?? 0));
      }).on('error', reject);
    });
  }
}

/** The response's chunks, failing as tuf-js's BaseFetcher does once more than `maxLength` bytes came. */
async function* limited(response: IncomingMessage, maxLength: number): AsyncGenerator<Buffer> {
  let received = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > maxLength) throw new DownloadLengthMismatchError('Max length reached');
      yield chunk;
    }
  } finally {
    if (!response.complete) response.destroy();
  }
}
