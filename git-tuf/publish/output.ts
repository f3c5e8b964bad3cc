/**
 * Putting a build in place atomically: it is made in a hidden sibling of the output directory and
 * swapped in by renames, so a failed or killed publish leaves the previous output as it was. Should
 * a run die between the two renames, the next run puts the previous output back first.
 */
import { existsSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { GitTufError } from '../errors.js';

/**
 * The output directory is replaced whole, so it must be one publish made (or new, or empty):
 * never the repository, a directory holding it, or a directory of other files.
 */
export function checkOutputDir(out: string, repositoryTop: string): void {
  const relative = path.relative(out, repositoryTop);
  if (relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))) {
    throw new GitTufError('usage', `the output directory ${out} holds the repository itself`, { hint: 'choose another --out, e.g. build' });
  }
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new GitTufError('usage', `the output ${out} is not a directory`, { hint: 'choose another --out' });
  const names = readdirSync(out);
  if (names.length > 0 && !names.includes('timestamp.json')) {
    throw new GitTufError('usage', `${out} holds files that are not a published TUF repository, and publish replaces it whole`, { hint: 'choose another --out, or empty that directory' });
  }
}

const previousPrefix = (out: string): string => `.${path.basename(out)}.previous-`;

/** A new directory name next to `out` (same file system, so it can be renamed into place). */
export function stagingDir(out: string): string {
  return path.join(path.dirname(out), `.${path.basename(out)}.publish-${process.pid}-${randomBytes(4).toString('hex')}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes staging directories of publishes that died (killed, power loss) before finishing. */
export async function removeAbandoned(out: string): Promise<void> {
  if (!existsSync(path.dirname(out))) return;
  const prefix = `.${path.basename(out)}.publish-`;
  for (const name of readdirSync(path.dirname(out))) {
    const pid = name.startsWith(prefix) ? Number(name.slice(prefix.length).split('-')[0]) : NaN;
    if (Number.isSafeInteger(pid) && pid > 0 && !alive(pid)) await rm(path.join(path.dirname(out), name), { recursive: true, force: true });
  }
}

/** Undoes a swap that was interrupted after the old output was moved aside. */
export function restoreInterrupted(out: string): void {
  if (existsSync(out) || !existsSync(path.dirname(out))) return;
  const aside = readdirSync(path.dirname(out)).filter((name) => name.startsWith(previousPrefix(out))).sort();
  if (aside.length > 0) renameSync(path.join(path.dirname(out), aside.at(-1)!), out);
}

/** The newest `N.root.json` of a previous publish in `out`, if any. */
export function publishedRoot(out: string): { version: number; bytes: Buffer } | null {
  if (!existsSync(out)) return null;
  const versions = readdirSync(out).flatMap((name) => /^([1-9]\d*)\.root\.json$/.exec(name)?.[1] ?? []).map(Number);
  if (versions.length === 0) return null;
  const version = Math.max(...versions);
  return { version, bytes: readFileSync(path.join(out, `${version}.root.json`)) };
}

/** Swaps `staging` in as `out`; the old output is removed only once the new one is in place. */
export async function replaceDirectory(staging: string, out: string): Promise<void> {
  if (!existsSync(out)) {
    renameSync(staging, out);
    return;
  }
  const aside = path.join(path.dirname(out), `${previousPrefix(out)}${Date.now()}-${process.pid}`);
  renameSync(out, aside);
  renameSync(staging, out);
  await rm(aside, { recursive: true, force: true });
}
