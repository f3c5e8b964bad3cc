// One long-lived `git cat-file --batch` per repository: reading 100k blobs costs one process, not 100k.
// Answers are parsed as they stream and handed to a receiver chunk by chunk, so a caller that only
// hashes never holds a whole object, and git unpacks the next objects while node handles the last.
import type { ChildProcess } from 'node:child_process';
import { GitTufError } from '../errors.js';
import { spawnGit } from './exec.js';

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

/** Takes the objects of one request as they stream from git, in request order. */
export interface ObjectReceiver {
  /** Object `index` of the request begins; `size` bytes follow (none when 0). */
  begin(index: number, size: number, type: ObjectType): void;
  /** The next bytes of the current object: a view into git's output, valid only during the call. */
  data(bytes: Buffer): void;
  /** Object `index` is complete. */
  end(index: number): void;
  /** Object `index` is not in the repository. Without this method, that fails the request. */
  missing?(index: number): void;
}

interface Batch {
  readonly oids: readonly string[];
  readonly expected: ObjectType | undefined;
  readonly receiver: ObjectReceiver;
  /** Next index to answer, and next index to write to git's stdin. */
  answered: number;
  written: number;
  failed: boolean;
  resolve(): void;
  reject(error: Error): void;
}

interface Refable {
  ref(): void;
  unref(): void;
}

const OBJECT_ID = /^[0-9a-f]+$/i;
const NOT_HEX = /[^0-9a-f]/i;

/** Object ids per stdin write: the input is joined a slice at a time, as git takes it. */
const WRITE_SLICE = 2048;

export interface CatFileOptions {
  env?: NodeJS.ProcessEnv;
  /**
   * For a reader that takes one request: git buffers its output (fewer, larger writes; about 10%
   * faster on many small blobs) and its input is closed once the request is written, which flushes
   * the rest. A long-lived reader must not buffer: an answer could sit in git's buffer forever.
   */
  oneRequest?: boolean;
}

export class CatFile {
  readonly #cwd: string;
  readonly #env: NodeJS.ProcessEnv | undefined;
  readonly #oneRequest: boolean;
  #child: ChildProcess | null = null;
  #stderr = '';
  // Batches in the order they were queued; git answers in the same order.
  #batches: Batch[] = [];
  /** How many of #batches have all their ids written to git. */
  #writing = 0;
  #draining = false;
  // Stream parser state.
  #headerParts: Buffer[] = [];
  /** Bytes of the current object still to come; -1 between objects. */
  #remaining = -1;
  /** The current object goes nowhere (its batch failed, or it has the wrong type). */
  #discard = false;
  #skipNewline = false;

  constructor(cwd: string, options: CatFileOptions = {}) {
    this.#cwd = cwd;
    this.#env = options.env;
    this.#oneRequest = options.oneRequest ?? false;
  }

  /** The content of one object; with `expected`, an object of another type is an error. */
  async read(oid: string, expected?: ObjectType): Promise<Buffer> {
    const [content] = await this.readMany([oid], expected);
    return content!;
  }

  /** The contents of many objects, in order (all held in memory: bound `oids` to bound memory). */
  async readMany(oids: readonly string[], expected?: ObjectType): Promise<Buffer[]> {
    const results = new Array<Buffer>(oids.length);
    let content = Buffer.alloc(0);
    let filled = 0;
    await this.stream(oids, expected, {
      begin(_index, size) {
        content = Buffer.allocUnsafe(size);
        filled = 0;
      },
      data(bytes) {
        filled += bytes.copy(content, filled);
      },
      end(index) {
        results[index] = content;
      },
    });
    return results;
  }

  /**
   * Streams many objects to `receiver`, in order; memory stays bounded however many there are.
   * Rejects at the first missing object or object of another type than `expected`; the receiver
   * has then seen every object before it, and sees nothing more.
   */
  stream(oids: readonly string[], expected: ObjectType | undefined, receiver: ObjectReceiver): Promise<void> {
    if (oids.length === 0) return Promise.resolve();
    const bad = notAnObjectId(oids);
    if (bad !== undefined) return Promise.reject(new GitTufError('git', `not a git object id: ${JSON.stringify(bad)}`));
    if (this.#oneRequest && this.#child !== null) return Promise.reject(new GitTufError('internal', 'this git cat-file reader takes one request'));
    return new Promise<void>((resolve, reject) => {
      const child = this.#process();
      if (this.#batches.length === 0) setRef(child, true);
      this.#batches.push({ oids, expected, receiver, answered: 0, written: 0, failed: false, resolve, reject });
      this.#write(child);
    });
  }

  /** The type of object `oid`; null when the repository does not have it. */
  async typeOf(oid: string): Promise<ObjectType | null> {
    let found: ObjectType | null = null;
    await this.stream([oid], undefined, { begin: (_index, _size, type) => (found = type), data() {}, end() {}, missing() {} });
    return found;
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
    const child = spawnGit(['cat-file', '--batch', ...(this.#oneRequest ? ['--buffer'] : [])], { cwd: this.#cwd, env: this.#env });
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

  /** Writes queued object ids to git until its stdin pushes back, then continues on 'drain'. */
  #write(child: ChildProcess): void {
    if (this.#draining) return;
    const stdin = child.stdin!;
    while (this.#writing < this.#batches.length) {
      const batch = this.#batches[this.#writing]!;
      const end = Math.min(batch.oids.length, batch.written + WRITE_SLICE);
      const text = batch.oids.slice(batch.written, end).join('\n') + '\n';
      batch.written = end;
      if (end === batch.oids.length) this.#writing++;
      if (!stdin.write(text)) {
        this.#draining = true;
        stdin.once('drain', () => {
          if (this.#child !== child) return;
          this.#draining = false;
          this.#write(child);
        });
        return;
      }
    }
    if (this.#oneRequest) stdin.end();
  }

  #parse(chunk: Buffer, child: ChildProcess): void {
    let pos = 0;
    const end = chunk.length;
    // A protocol error forgets the process: stop parsing its output then.
    while (pos < end && this.#child === child) {
      if (this.#remaining > 0) {
        const n = Math.min(this.#remaining, end - pos);
        if (!this.#discard) {
          const batch = this.#batches[0]!;
          try {
            batch.receiver.data(chunk.subarray(pos, pos + n));
          } catch (error) {
            this.#receiverFailed(batch, error);
          }
        }
        this.#remaining -= n;
        pos += n;
        if (this.#remaining === 0) this.#endObject();
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
    const batch = this.#batches[0];
    if (batch === undefined) return this.#protocolError('an answer nobody asked for');
    const space = header.indexOf(' ');
    const space2 = header.indexOf(' ', space + 1);
    if (space2 === -1) {
      const what = header.slice(space + 1);
      if (space === -1 || (what !== 'missing' && what !== 'ambiguous')) return this.#protocolError(`unexpected header ${JSON.stringify(header)}`);
      if (what === 'missing' && batch.receiver.missing && !batch.failed) {
        try {
          batch.receiver.missing(batch.answered);
        } catch (error) {
          this.#receiverFailed(batch, error);
        }
        return this.#next(batch);
      }
      this.#failBatch(batch, new GitTufError('git', `git object ${batch.oids[batch.answered]} is ${what}`));
      return this.#next(batch);
    }
    const sizeText = header.slice(space2 + 1);
    const size = Number(sizeText);
    if (sizeText === '' || !Number.isSafeInteger(size) || size < 0) return this.#protocolError(`unexpected header ${JSON.stringify(header)}`);
    const type = header.slice(space + 1, space2);
    if (!batch.failed && batch.expected !== undefined && type !== batch.expected) {
      this.#failBatch(batch, new GitTufError('git', `git object ${batch.oids[batch.answered]} is a ${type}, not a ${batch.expected}`));
    }
    this.#discard = batch.failed;
    if (!this.#discard) {
      try {
        batch.receiver.begin(batch.answered, size, type as ObjectType);
      } catch (error) {
        this.#receiverFailed(batch, error);
      }
    }
    this.#remaining = size;
    if (size === 0) this.#endObject();
  }

  #endObject(): void {
    const batch = this.#batches[0]!;
    this.#remaining = -1;
    this.#skipNewline = true;
    if (!this.#discard) {
      try {
        batch.receiver.end(batch.answered);
      } catch (error) {
        this.#receiverFailed(batch, error);
      }
    }
    this.#next(batch);
  }

  /** The oldest batch got one more answer; settles it after its last. */
  #next(batch: Batch): void {
    if (++batch.answered < batch.oids.length) return;
    this.#batches.shift();
    this.#writing--;
    if (!batch.failed) batch.resolve();
    if (this.#batches.length === 0 && this.#child !== null) setRef(this.#child, false);
  }

  /** A receiver that throws fails its own request, not the stream. */
  #receiverFailed(batch: Batch, error: unknown): void {
    this.#discard = true;
    this.#failBatch(batch, error instanceof Error ? error : new Error(String(error)));
  }

  #failBatch(batch: Batch, error: Error): void {
    if (batch.failed) return;
    batch.failed = true;
    batch.reject(error);
  }

  #protocolError(what: string): void {
    const child = this.#child;
    this.#fail(new GitTufError('git', `git cat-file --batch: ${what}`));
    child?.kill();
  }

  /** Rejects everything pending and forgets the process. */
  #fail(error: GitTufError): void {
    const pending = this.#batches;
    this.#child = null;
    this.#batches = [];
    this.#writing = 0;
    this.#draining = false;
    this.#headerParts = [];
    this.#remaining = -1;
    this.#discard = false;
    this.#skipNewline = false;
    for (const batch of pending) this.#failBatch(batch, error);
  }
}

/**
 * The first of `oids` that is no object id, if any. Only object ids: a name like `HEAD:path`
 * would be resolved by git, and a newline would desynchronise the protocol. Checked a slice at a
 * time: ids of one length whose concatenation is all hex digits are all object ids.
 */
function notAnObjectId(oids: readonly string[]): string | undefined {
  for (let start = 0; start < oids.length; start += WRITE_SLICE) {
    const slice = oids.slice(start, start + WRITE_SLICE);
    const length = slice[0]!.length;
    if (length > 0 && slice.every((oid) => oid.length === length) && !NOT_HEX.test(slice.join(''))) continue;
    const bad = slice.findIndex((oid) => !OBJECT_ID.test(oid));
    if (bad !== -1) return slice[bad];
  }
  return undefined;
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
