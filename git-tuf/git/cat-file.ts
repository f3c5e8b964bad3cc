// One long-lived `git cat-file --batch` per repository: reading 100k blobs costs one process, not 100k.
import type { ChildProcess } from 'node:child_process';
import { GitTufError } from '../errors.js';
import { spawnGit } from './exec.js';

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

interface Batch {
  readonly results: Buffer[];
  readonly expected: ObjectType | undefined;
  remaining: number;
  failed: boolean;
  resolve(results: Buffer[]): void;
  reject(error: Error): void;
}

interface Request {
  readonly batch: Batch;
  readonly index: number;
  readonly oid: string;
}

interface Refable {
  ref(): void;
  unref(): void;
}

const OBJECT_ID = /^[0-9a-f]+$/i;
const ARGS = ['cat-file', '--batch'];

export class CatFile {
  readonly #cwd: string;
  readonly #env: NodeJS.ProcessEnv | undefined;
  #child: ChildProcess | null = null;
  #stderr = '';
  // Requests in the order they were written; git answers in the same order.
  #queue: Request[] = [];
  #head = 0;
  // Stream parser state.
  #headerParts: Buffer[] = [];
  #content: Buffer | null = null;
  #contentType = '';
  #filled = 0;
  #skipNewline = false;

  constructor(cwd: string, options: { env?: NodeJS.ProcessEnv } = {}) {
    this.#cwd = cwd;
    this.#env = options.env;
  }

  /** The content of one object; with `expected`, an object of another type is an error. */
  async read(oid: string, expected?: ObjectType): Promise<Buffer> {
    const [content] = await this.readMany([oid], expected);
    return content!;
  }

  /** The contents of many objects, in order: all requests are written at once and answers parsed as they stream. */
  readMany(oids: readonly string[], expected?: ObjectType): Promise<Buffer[]> {
    if (oids.length === 0) return Promise.resolve([]);
    for (const oid of oids) {
      // Only object ids: a name like `HEAD:path` would be resolved by git, and a newline would desynchronise the protocol.
      if (!OBJECT_ID.test(oid)) return Promise.reject(new GitTufError('git', `not a git object id: ${JSON.stringify(oid)}`));
    }
    return new Promise<Buffer[]>((resolve, reject) => {
      const batch: Batch = { results: new Array<Buffer>(oids.length), expected, remaining: oids.length, failed: false, resolve, reject };
      const child = this.#process();
      if (this.#head === this.#queue.length) setRef(child, true);
      for (let index = 0; index < oids.length; index++) this.#queue.push({ batch, index, oid: oids[index]! });
      child.stdin!.write(oids.join('\n') + '\n');
    });
  }

  /** Stops the git process; pending reads are rejected. A later read starts a new process. */
  close(): void {
    const child = this.#child;
    if (child === null) return;
    this.#fail(new GitTufError('git', 'git cat-file was closed before answering'));
    child.stdin!.end();
    child.kill();
  }

  #process(): ChildProcess {
    if (this.#child !== null) return this.#child;
    const child = spawnGit(ARGS, { cwd: this.#cwd, env: this.#env });
    this.#child = child;
    this.#stderr = '';
    child.stdin!.on('error', () => {}); // EPIPE when git dies: reported by 'close' with git's stderr.
    child.stdout!.on('data', (chunk: Buffer) => {
      if (this.#child === child) this.#parse(chunk, child);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (this.#child === child && this.#stderr.length < 4096) this.#stderr += chunk.toString('utf8');
    });
    const ended = (error?: Error): void => {
      if (this.#child !== child) return;
      const detail = this.#stderr.split('\n').find((line) => line.trim() !== '')?.trim() ?? error?.message ?? 'exited';
      this.#fail(new GitTufError('git', `git cat-file --batch in ${this.#cwd} failed: ${detail}`, { cause: error }));
    };
    child.on('error', ended);
    child.on('close', () => ended());
    // An idle reader must not keep node alive; it is referenced only while answers are pending.
    setRef(child, false);
    (child.stderr as unknown as Refable).unref();
    (child.stdin as unknown as Refable).unref();
    return child;
  }

  #parse(chunk: Buffer, child: ChildProcess): void {
    let pos = 0;
    const end = chunk.length;
    // A protocol error forgets the process: stop parsing its output then.
    while (pos < end && this.#child === child) {
      const content = this.#content;
      if (content !== null) {
        const n = Math.min(content.length - this.#filled, end - pos);
        chunk.copy(content, this.#filled, pos, pos + n);
        this.#filled += n;
        pos += n;
        if (this.#filled === content.length) {
          this.#content = null;
          this.#skipNewline = true;
          this.#settle(content, this.#contentType);
        }
      } else if (this.#skipNewline) {
        if (chunk[pos] !== 0x0a) return this.#protocolError('no newline after object content');
        this.#skipNewline = false;
        pos++;
      } else {
        const newline = chunk.indexOf(0x0a, pos);
        if (newline === -1) {
          this.#headerParts.push(chunk.subarray(pos));
          return;
        }
        let header: string;
        if (this.#headerParts.length === 0) {
          header = chunk.toString('latin1', pos, newline);
        } else {
          this.#headerParts.push(chunk.subarray(pos, newline));
          header = Buffer.concat(this.#headerParts).toString('latin1');
          this.#headerParts = [];
        }
        pos = newline + 1;
        this.#header(header);
      }
    }
  }

  /** Handles `<oid> <type> <size>` or `<name> missing`. */
  #header(header: string): void {
    const fields = header.split(' ');
    if (fields.length === 2 && (fields[1] === 'missing' || fields[1] === 'ambiguous')) {
      return this.#settle(null, fields[1]);
    }
    const size = Number(fields[2]);
    if (fields.length !== 3 || fields[2] === '' || !Number.isSafeInteger(size) || size < 0) {
      return this.#protocolError(`unexpected header ${JSON.stringify(header)}`);
    }
    const type = fields[1]!;
    if (size === 0) {
      this.#skipNewline = true;
      this.#settle(Buffer.alloc(0), type);
    } else {
      this.#content = Buffer.allocUnsafe(size);
      this.#contentType = type;
      this.#filled = 0;
    }
  }

  /** Completes the oldest request with content, or with an error when `content` is null (missing/ambiguous). */
  #settle(content: Buffer | null, type: string): void {
    const request = this.#queue[this.#head];
    if (request === undefined) return this.#protocolError('an answer nobody asked for');
    this.#queue[this.#head++] = undefined as unknown as Request; // release for GC
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
      if (this.#child !== null) setRef(this.#child, false);
    } else if (this.#head >= 65536 && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    const { batch } = request;
    batch.remaining--;
    if (batch.failed) return;
    if (content === null) {
      batch.failed = true;
      batch.reject(new GitTufError('git', `git object ${request.oid} is ${type}`));
    } else if (batch.expected !== undefined && type !== batch.expected) {
      batch.failed = true;
      batch.reject(new GitTufError('git', `git object ${request.oid} is a ${type}, not a ${batch.expected}`));
    } else {
      batch.results[request.index] = content;
      if (batch.remaining === 0) batch.resolve(batch.results);
    }
  }

  #protocolError(what: string): void {
    const child = this.#child;
    this.#fail(new GitTufError('git', `git cat-file --batch: ${what}`));
    child?.kill();
  }

  /** Rejects everything pending and forgets the process. */
  #fail(error: GitTufError): void {
    const pending = this.#queue.slice(this.#head);
    this.#child = null;
    this.#queue = [];
    this.#head = 0;
    this.#headerParts = [];
    this.#content = null;
    this.#skipNewline = false;
    for (const { batch } of pending) {
      if (batch.failed) continue;
      batch.failed = true;
      batch.reject(error);
    }
  }
}

function setRef(child: ChildProcess, ref: boolean): void {
  const stdout = child.stdout as unknown as Refable;
  if (ref) {
    child.ref();
    stdout.ref();
  } else {
    child.unref();
    stdout.unref();
  }
}
