/**
 * Reads and writes a targets file without building its whole `signed.targets` map. One scan over
 * the bytes (allocating almost nothing) finds where each entry is written; from that come the
 * document with an empty map plus the entries of the few paths asked for, the paths whose
 * entries differ from another version of the file, the file with only those entries (to check
 * it), and the map rewritten with some entries replaced. On a 12 MiB file with 100k entries each
 * costs a fraction of JSON.parse. Only for bytes known to be valid JSON of well-formed targets
 * metadata (parseMetadata's fact), but targetsBesideCommon, which also takes bytes not yet
 * checked; anything unexpected gives null.
 */
import { BACKSLASH, closingQuote, CLOSE_OBJECT, COLON, COMMA, isSpace, OPEN_OBJECT, QUOTE, skipValue } from './json-codes.js';
import type { JsonObject } from './metadata.js';

export interface SkimmedTargets {
  /** The document, `signed.targets` emptied. */
  document: JsonObject;
  /** The entries of the wanted paths that the file lists. */
  entries: Map<string, unknown>;
  /** How many entries `signed.targets` holds (a repeated key counts each time). */
  count: number;
}

/** Where a file's `signed.targets` and its entries are written, as byte offsets. */
interface TargetsLayout {
  /** The object that counts: from its `{` to just past its `}`. */
  start: number;
  end: number;
  /** Per entry, three offsets: its key's opening quote, just past the key's closing quote, just past its value. */
  spans: number[];
}

function skipSpace(bytes: Buffer, at: number): number {
  while (isSpace(bytes[at])) at++;
  return at;
}

/**
 * The keys of the object opening at `start` with the offset of each value, read one after the
 * other (`visit` returns where the value ends, or -1 to skip it). Returns the end of the object.
 */
function walkObject(bytes: Buffer, start: number, visit: (keyStart: number, keyEnd: number, valueStart: number) => number): number {
  let at = skipSpace(bytes, start + 1);
  if (bytes[at] === CLOSE_OBJECT) return at + 1;
  for (;;) {
    if (bytes[at] !== QUOTE) return -1;
    const closing = closingQuote(bytes, at + 1);
    if (closing === -1) return -1;
    const keyEnd = closing + 1;
    const colon = skipSpace(bytes, keyEnd);
    if (bytes[colon] !== COLON) return -1;
    const valueStart = skipSpace(bytes, colon + 1);
    let valueEnd = visit(at, keyEnd, valueStart);
    if (valueEnd === -1) valueEnd = skipValue(bytes, valueStart);
    if (valueEnd === -1) return -1;
    at = skipSpace(bytes, valueEnd);
    const c = bytes[at];
    if (c === CLOSE_OBJECT) return at + 1;
    if (c !== COMMA) return -1;
    at = skipSpace(bytes, at + 1);
  }
}

function hasEscape(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start + 1; i < end - 1; i++) if (bytes[i] === BACKSLASH) return true;
  return false;
}

/** The string a JSON key literal names (only decoded as JSON when it has escapes). */
function keyText(bytes: Buffer, start: number, end: number): string {
  return hasEscape(bytes, start, end) ? (JSON.parse(bytes.toString('utf8', start, end)) as string) : bytes.toString('utf8', start + 1, end - 1);
}

/** Whether the key bytes[start, end) is the literal "name" (unescaped: the ones tuf-on-ci and git tuf write). */
function isKey(bytes: Buffer, start: number, end: number, name: string): boolean {
  return end - start >= name.length + 2 && keyText(bytes, start, end) === name;
}

const layouts = new WeakMap<Buffer, TargetsLayout | null>();

/**
 * The layout of a file's `signed.targets`, worked out once per buffer: as for JSON.parse, the last
 * of repeated `signed` and `targets` keys counts. Bytes that are not JSON give null or a layout
 * of no use, never an error (provenWellFormed reads bytes not yet checked).
 */
function layoutOf(bytes: Buffer): TargetsLayout | null {
  const known = layouts.get(bytes);
  if (known !== undefined) return known;
  let result: TargetsLayout | null;
  try {
    result = walkLayout(bytes);
  } catch {
    result = null; // an escape JSON.parse refuses in a key
  }
  layouts.set(bytes, result);
  return result;
}

function walkLayout(bytes: Buffer): TargetsLayout | null {
  let layout: TargetsLayout | null = null;
  const top = skipSpace(bytes, 0);
  const end =
    bytes[top] !== OPEN_OBJECT
      ? -1
      : walkObject(bytes, top, (keyStart, keyEnd, valueStart) => {
          if (!isKey(bytes, keyStart, keyEnd, 'signed') || bytes[valueStart] !== OPEN_OBJECT) return -1;
          layout = null;
          return walkObject(bytes, valueStart, (innerStart, innerEnd, mapStart) => {
            if (!isKey(bytes, innerStart, innerEnd, 'targets') || bytes[mapStart] !== OPEN_OBJECT) return -1;
            layout = mapLayout(bytes, mapStart);
            return layout === null ? -1 : layout.end;
          });
        });
  return end === -1 ? null : layout;
}

/** walkObject for the targets object opening at `start`, as one loop: it runs over 100k entries. */
function mapLayout(bytes: Buffer, start: number): TargetsLayout | null {
  const spans: number[] = [];
  let at = skipSpace(bytes, start + 1);
  if (bytes[at] === CLOSE_OBJECT) return { start, end: at + 1, spans };
  for (;;) {
    if (bytes[at] !== QUOTE) return null;
    const keyStart = at;
    at = closingQuote(bytes, at + 1);
    if (at === -1) return null;
    const keyEnd = ++at;
    while (isSpace(bytes[at])) at++;
    if (bytes[at] !== COLON) return null;
    at = skipValue(bytes, at + 1);
    if (at === -1) return null;
    spans.push(keyStart, keyEnd, at);
    while (isSpace(bytes[at])) at++;
    const c = bytes[at];
    if (c === CLOSE_OBJECT) return { start, end: at + 1, spans };
    if (c !== COMMA) return null;
    at = skipSpace(bytes, at + 1);
  }
}

/** The value of the entry at `spans[i]`, parsed. */
function entryValue(bytes: Buffer, spans: number[], i: number): unknown {
  const colon = skipSpace(bytes, spans[i + 1]!);
  return JSON.parse(bytes.toString('utf8', colon + 1, spans[i + 2]!));
}

export function skimTargets(bytes: Buffer, wanted: ReadonlySet<string>): SkimmedTargets | null {
  const layout = layoutOf(bytes);
  if (layout === null) return null;
  const { spans } = layout;
  // Most keys are ruled out by their length alone; escaped keys are decoded to compare.
  const lengths = new Set([...wanted].map((path) => Buffer.byteLength(path)));
  const entries = new Map<string, unknown>();
  for (let i = 0; i < spans.length; i += 3) {
    const keyStart = spans[i]!;
    const keyEnd = spans[i + 1]!;
    if (!lengths.has(keyEnd - keyStart - 2) && !hasEscape(bytes, keyStart, keyEnd)) continue;
    const path = keyText(bytes, keyStart, keyEnd);
    if (wanted.has(path)) entries.set(path, entryValue(bytes, spans, i)); // the last of repeated keys counts
  }
  const document = JSON.parse(`${bytes.toString('utf8', 0, layout.start)}{}${bytes.toString('utf8', layout.end)}`) as JsonObject;
  return { document, entries, count: spans.length / 3 };
}

/** How many bytes `a` from `aFrom` and `b` from `bFrom` have in common, forward (step 1) or backward from there (step -1), up to `limit`. */
function commonRun(a: Buffer, aFrom: number, b: Buffer, bFrom: number, limit: number, step: 1 | -1): number {
  // A block at a time (a native comparison), then the last block byte by byte.
  const BLOCK = 4096;
  let run = 0;
  const same = (length: number): boolean =>
    step === 1 ? a.compare(b, bFrom + run, bFrom + run + length, aFrom + run, aFrom + run + length) === 0 : a.compare(b, bFrom - run - length, bFrom - run, aFrom - run - length, aFrom - run) === 0;
  while (run + BLOCK <= limit && same(BLOCK)) run += BLOCK;
  while (run < limit && same(1)) run++;
  return run;
}

/**
 * The target paths whose entries can differ between two targets files. An entry written alike
 * in both (key, value and the space between) is the same entry; any other entry counts as
 * changed, so the answer may name entries that are only written differently, but never misses
 * one. Null when either file has no `signed.targets` object.
 */
export function changedTargetPaths(before: Buffer, after: Buffer): Set<string> | null {
  const a = layoutOf(before);
  const b = layoutOf(after);
  if (a === null || b === null) return null;
  const countA = a.spans.length / 3;
  const countB = b.spans.length / 3;
  const { head, tail } = commonEnds(before, a, after, b);
  // The rest by path, the last of repeated keys counting. A path whose last entry is in the head
  // or tail of one file has it in the same place, written alike, in the other (or else it is in
  // the rest of one of them, and so compared here).
  const rest = (bytes: Buffer, spans: number[], count: number): Map<string, string> => {
    const entries = new Map<string, string>();
    for (let i = 3 * head; i < 3 * (count - tail); i += 3) entries.set(keyText(bytes, spans[i]!, spans[i + 1]!), bytes.toString('latin1', spans[i + 1]!, spans[i + 2]!));
    return entries;
  };
  const restA = rest(before, a.spans, countA);
  const restB = rest(after, b.spans, countB);
  const changed = new Set<string>();
  for (const [path, value] of restA) if (restB.get(path) !== value) changed.add(path);
  for (const path of restB.keys()) if (!restA.has(path)) changed.add(path);
  return changed;
}

/**
 * How many entries two files' targets maps share at their start (`head`) and end (`tail`). Most
 * of two versions of a file is the same entries in the same places: the entries within the bytes
 * both maps start with are the same entries at the same index; likewise at the end, where the
 * bytes that follow an entry are the same and so are the entries they hold.
 */
function commonEnds(before: Buffer, a: TargetsLayout, after: Buffer, b: TargetsLayout): { head: number; tail: number } {
  const countA = a.spans.length / 3;
  const countB = b.spans.length / 3;
  const length = Math.min(a.end - a.start, b.end - b.start);
  const lead = commonRun(before, a.start, after, b.start, length, 1);
  let head = 0;
  while (head < countA && head < countB && a.spans[3 * head + 2]! - a.start <= lead) head++;
  const trail = commonRun(before, a.end, after, b.end, length, -1);
  let tail = 0;
  while (tail < countA - head && tail < countB - head && a.end - a.spans[3 * (countA - 1 - tail)]! <= trail) tail++;
  return { head, tail };
}

/**
 * `after` with its `signed.targets` holding only the entries it does not share with `before` at
 * the start and end (commonEnds), as they are written there; and how many entries `before`
 * holds. Checking that text checks everything of `after` but the shared entries. Null when
 * either has no `signed.targets` object.
 */
export function targetsBesideCommon(before: Buffer, after: Buffer): { rest: Buffer; beforeCount: number } | null {
  const a = layoutOf(before);
  const b = layoutOf(after);
  if (a === null || b === null) return null;
  const { head, tail } = commonEnds(before, a, after, b);
  const countB = b.spans.length / 3;
  const middle = head < countB - tail ? after.subarray(b.spans[3 * head]!, b.spans[3 * (countB - tail - 1) + 2]!) : Buffer.alloc(0);
  const rest = Buffer.concat([after.subarray(0, b.start), Buffer.from('{'), middle, Buffer.from('}'), after.subarray(b.end)]);
  return { rest, beforeCount: a.spans.length / 3 };
}

/** How formatMetadata lays out `signed.targets` (two levels down): its entries one per line, three spaces in. */
const MAP_OPEN = Buffer.from('{\n   ');
const MAP_BETWEEN = Buffer.from(',\n   ');
const MAP_CLOSE = Buffer.from('\n  }');

function bytesAt(bytes: Buffer, at: number, expected: Buffer): boolean {
  return bytes.compare(expected, 0, expected.length, at, at + expected.length) === 0;
}

/** A key formatMetadata writes as it is and sorts as its bytes: printable ASCII, no quote or backslash. */
function isPlainKey(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) return false;
  }
  return true;
}

/**
 * The `signed.targets` object of `bytes`, in pieces to concatenate, with every entry of a path in `dropped` left out
 * (repeated keys too) and the `added` entries put in (path → the text formatMetadata writes for
 * the entry's value, three levels down): the entries in between are copied as they are, so a
 * file read in part is written without the rest being parsed. Null unless that gives what
 * formatMetadata gives for the whole file: the object laid out as it lays it out, with plain keys
 * in order, none repeated (and the entries' values as it writes them, which is not checked: a
 * file in another layout inside its entries keeps it there).
 */
export function rewriteTargetsMap(bytes: Buffer, dropped: ReadonlySet<string>, added: ReadonlyMap<string, string>): Buffer[] | null {
  const layout = layoutOf(bytes);
  if (layout === null) return null;
  const { spans, start, end } = layout;
  const count = spans.length / 3;
  if (count === 0 && end - start !== 2) return null;
  if (count > 0 && (spans[0] !== start + MAP_OPEN.length || !bytesAt(bytes, start, MAP_OPEN) || spans[spans.length - 1]! + MAP_CLOSE.length !== end || !bytesAt(bytes, end - MAP_CLOSE.length, MAP_CLOSE))) return null;
  // Keys compared in place (no buffer allocated per key: there are 100k of them).
  const keyStart = (i: number): number => spans[3 * i]! + 1;
  const keyEnd = (i: number): number => spans[3 * i + 1]! - 1;
  const lengths = new Set([...dropped].map((path) => Buffer.byteLength(path)));
  const drops: number[] = [];
  for (let i = 0; i < count; i++) {
    const [start, end] = [keyStart(i), keyEnd(i)];
    if (!isPlainKey(bytes, start, end)) return null;
    if (i > 0 && (spans[3 * i - 1]! + MAP_BETWEEN.length !== start - 1 || !bytesAt(bytes, spans[3 * i - 1]!, MAP_BETWEEN) || bytes.compare(bytes, start, end, keyStart(i - 1), keyEnd(i - 1)) >= 0)) return null;
    if (lengths.has(end - start) && dropped.has(bytes.toString('latin1', start, end))) drops.push(i);
  }
  const additions = [...added].map(([path, text]) => ({ path: Buffer.from(path), text }));
  if (additions.some(({ path }) => !isPlainKey(path, 0, path.length))) return null;
  additions.sort((a, b) => Buffer.compare(a.path, b.path));
  // Where each goes: before the first entry whose key sorts after it.
  const inserts = additions.map(({ path, text }) => {
    let low = 0;
    let high = count;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (path.compare(bytes, keyStart(middle), keyEnd(middle)) < 0) high = middle;
      else low = middle + 1;
    }
    return { at: low, text: Buffer.concat([Buffer.from('"'), path, Buffer.from(`": ${text}`)]) };
  });
  const parts: Buffer[] = [];
  const emit = (piece: Buffer): void => void parts.push(parts.length === 0 ? MAP_OPEN : MAP_BETWEEN, piece);
  let i = 0;
  let insert = 0;
  let drop = 0;
  while (i < count || insert < inserts.length) {
    const nextInsert = insert < inserts.length ? inserts[insert]!.at : count;
    const nextDrop = drop < drops.length ? drops[drop]! : count;
    const stop = Math.min(nextInsert, nextDrop, count);
    if (stop > i) {
      // A run of kept entries, copied with the separators between them.
      emit(bytes.subarray(spans[3 * i]!, spans[3 * (stop - 1) + 2]!));
      i = stop;
    } else if (insert < inserts.length && nextInsert === i) emit(inserts[insert++]!.text);
    else {
      i++;
      drop++;
    }
  }
  if (parts.length === 0) return [Buffer.from('{}')];
  parts.push(MAP_CLOSE);
  return parts;
}
