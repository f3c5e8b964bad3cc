// Entries of a git tree listing (`git ls-tree -r -z`), parsed from git's output.
import { GitTufError } from '../errors.js';

export interface TreeEntry {
  /** Relative to the listed directory, '/'-separated. */
  path: string;
  /** '100644', '100755', '120000' (symlink), '160000' (submodule) or '040000'. */
  mode: string;
  type: 'blob' | 'commit' | 'tree';
  oid: string;
}

const TYPES = { 0x62: 'blob', 0x63: 'commit', 0x74: 'tree' } as Record<number, TreeEntry['type'] | undefined>;

/**
 * Parses `ls-tree -z` output: `<mode> SP <type> SP <oid> TAB <path> NUL`, git printing the mode
 * as exactly six octal digits. `dirs` are the listed directories (no slashes around them; '' for
 * the whole tree; none inside another): entries come back grouped by directory, in the order of
 * `dirs`, with paths relative to it. The output is decoded once; fields are slices of it.
 */
export function parseTree(text: string, dirs: readonly string[], oidLength: number): TreeEntry[][] {
  const groups = dirs.map((): TreeEntry[] => []);
  const heads = dirs.map((dir) => (dir === '' ? '' : `${dir}/`));
  const end = text.length;
  let pos = 0;
  while (pos < end) {
    const typeStart = pos + 7;
    const type = TYPES[text.charCodeAt(typeStart)] ?? 'tree';
    const oidStart = typeStart + type.length + 1;
    const tab = oidStart + oidLength;
    const nul = text.indexOf('\0', tab);
    const group = heads.length === 1 ? 0 : heads.findIndex((head) => sameAt(text, tab + 1, head));
    if (nul === -1 || group === -1 || text.charCodeAt(pos + 6) !== 0x20 || !sameAt(text, typeStart, type) || text.charCodeAt(oidStart - 1) !== 0x20 || text.charCodeAt(tab) !== 0x09) {
      throw new GitTufError('git', `unexpected git ls-tree output: ${JSON.stringify(text.slice(pos, nul === -1 ? pos + 200 : nul))}`);
    }
    // Regular files are nearly all entries: share one mode string.
    const mode = sameAt(text, pos, '100644') ? '100644' : text.slice(pos, pos + 6);
    groups[group]!.push({ path: text.slice(tab + 1 + heads[group]!.length, nul), mode, type, oid: text.slice(oidStart, tab) });
    pos = nul + 1;
  }
  return groups;
}

/** Whether `text` holds `part` at `at` (startsWith(part, at) is slow on a long string). */
export function sameAt(text: string, at: number, part: string): boolean {
  for (let i = 0; i < part.length; i++) if (text.charCodeAt(at + i) !== part.charCodeAt(i)) return false;
  return true;
}

/** One entry of a tree object. */
export interface TreeEntryLine {
  mode: string;
  /** The name's bytes as git stores them (not necessarily UTF-8: kept as they are). */
  name: Buffer;
  oid: string;
}

/** A tree object's entries (`<mode> <name>` NUL `<raw id>`, repeated). */
export function parseTreeObject(bytes: Buffer, oidBytes: number): TreeEntryLine[] {
  const entries: TreeEntryLine[] = [];
  for (let at = 0; at < bytes.length; ) {
    const space = bytes.indexOf(0x20, at);
    const nul = bytes.indexOf(0, space);
    if (space === -1 || nul === -1 || nul + 1 + oidBytes > bytes.length) throw new GitTufError('git', 'a tree object git gave could not be read');
    entries.push({ mode: bytes.toString('latin1', at, space), name: Buffer.from(bytes.subarray(space + 1, nul)), oid: bytes.toString('hex', nul + 1, nul + 1 + oidBytes) });
    at = nul + 1 + oidBytes;
  }
  return entries;
}

export const isTreeMode = (mode: string): boolean => mode === '40000' || mode === '040000';

/** A regular file (plain or executable): no symlink, submodule or directory. */
export function isRegularFile(entry: { mode: string }): boolean {
  return entry.mode === '100644' || entry.mode === '100755';
}
