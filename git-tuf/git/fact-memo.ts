/**
 * The fact memo (tuf/memo.ts) of a repository, `<common dir>/git-tuf/facts`: the sha256 of each
 * fact learned on earlier runs, so that an unchanged 10 MB targets file is not validated and
 * canonicalized again on every status.
 *
 *   file = "git-tuf-fm1\n" sha256[32]*      (oldest first)
 *
 * A damaged entry can only fail to match (no one finds a sha256 preimage by accident), a
 * trailing partial entry is ignored, and anything else at the path is replaced. Writes go to a
 * temporary file renamed into place, so readers never see a torn file; two processes saving at
 * once lose one's new entries, which are simply verified again next time.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { useFactMemo, type FactMemo } from '../tuf/memo.js';

const MAGIC = Buffer.from('git-tuf-fm1\n', 'latin1');
const ENTRY = 32;
/** Entries kept (2 MiB); the oldest go first. A repository's live metadata needs a few hundred. */
const MAX_ENTRIES = 65536;

export class RepositoryFacts implements FactMemo {
  readonly #file: string;
  readonly #known = new Set<string>();
  readonly #added: string[] = [];

  private constructor(file: string) {
    this.#file = file;
  }

  /** The memo of the repository whose common git directory is `commonDir` (empty if unreadable). */
  static async open(commonDir: string): Promise<RepositoryFacts> {
    const memo = new RepositoryFacts(path.join(commonDir, 'git-tuf', 'facts'));
    const data = await readFile(memo.#file).catch(() => null);
    if (data !== null && data.subarray(0, MAGIC.length).equals(MAGIC)) {
      for (let offset = MAGIC.length; offset + ENTRY <= data.length; offset += ENTRY) {
        memo.#known.add(data.toString('hex', offset, offset + ENTRY));
      }
    }
    return memo;
  }

  has(fact: string): boolean {
    return this.#known.has(digest(fact));
  }

  add(fact: string): void {
    const entry = digest(fact);
    if (this.#known.has(entry)) return;
    this.#known.add(entry);
    this.#added.push(entry);
  }

  /** Writes what this run learned; a memo that cannot be written is only a lost speed-up. */
  async save(): Promise<void> {
    if (this.#added.length === 0) return;
    const entries = [...this.#known].slice(-MAX_ENTRIES);
    const temporary = `${this.#file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    try {
      await mkdir(path.dirname(this.#file), { recursive: true });
      await writeFile(temporary, Buffer.concat([MAGIC, Buffer.from(entries.join(''), 'hex')]));
      await rename(temporary, this.#file);
      this.#added.length = 0;
    } catch {
      await rm(temporary, { force: true });
    }
  }
}

function digest(fact: string): string {
  return createHash('sha256').update(fact).digest('hex');
}

/** Runs `work` with the repository's fact memo in use, then saves what it learned. */
export async function withRepositoryFacts<T>(commonDir: string, work: () => Promise<T>): Promise<T> {
  const facts = await RepositoryFacts.open(commonDir);
  useFactMemo(facts);
  try {
    return await work();
  } finally {
    useFactMemo(null);
    await facts.save();
  }
}
