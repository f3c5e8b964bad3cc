/** A unified-style line diff for reviews: small inputs exactly (LCS), huge ones as one replacement. */

/** Lines of `before` and `after`, each prefixed with ' ', '-' or '+'; unchanged runs longer than `context` lines are elided. */
export function lineDiff(before: string[], after: string[], context = 3): string[] {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before[endBefore - 1] === after[endAfter - 1]) {
    endBefore--;
    endAfter--;
  }
  const middle = diffMiddle(before.slice(start, endBefore), after.slice(start, endAfter));
  const lines = [...before.slice(0, start).map((line) => ` ${line}`), ...middle, ...before.slice(endBefore).map((line) => ` ${line}`)];
  return elide(lines, context);
}

// An LCS table costs (n+1)·(m+1) cells; beyond this the change is shown as a whole replacement.
const MAX_CELLS = 4_000_000;

function diffMiddle(a: string[], b: string[]): string[] {
  if (a.length === 0 || b.length === 0 || (a.length + 1) * (b.length + 1) > MAX_CELLS) {
    return [...a.map((line) => `-${line}`), ...b.map((line) => `+${line}`)];
  }
  const width = b.length + 1;
  const table = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i * width + j] = a[i] === b[j] ? table[(i + 1) * width + j + 1]! + 1 : Math.max(table[(i + 1) * width + j]!, table[i * width + j + 1]!);
    }
  }
  const lines: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      lines.push(` ${a[i++]}`);
      j++;
    } else if (table[(i + 1) * width + j]! >= table[i * width + j + 1]!) lines.push(`-${a[i++]}`);
    else lines.push(`+${b[j++]}`);
  }
  while (i < a.length) lines.push(`-${a[i++]}`);
  while (j < b.length) lines.push(`+${b[j++]}`);
  return lines;
}

function elide(lines: string[], context: number): string[] {
  const keep = new Uint8Array(lines.length);
  lines.forEach((line, index) => {
    if (line[0] === ' ') return;
    for (let k = Math.max(0, index - context); k <= Math.min(lines.length - 1, index + context); k++) keep[k] = 1;
  });
  const result: string[] = [];
  let skipped = 0;
  lines.forEach((line, index) => {
    if (keep[index]) {
      if (skipped > 0) result.push(`  … ${skipped} unchanged line${skipped === 1 ? '' : 's'}`);
      skipped = 0;
      result.push(line);
    } else skipped++;
  });
  if (skipped > 0) result.push(`  … ${skipped} unchanged line${skipped === 1 ? '' : 's'}`);
  return result;
}
