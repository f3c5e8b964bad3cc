/**
 * Questions to the person at the terminal. Prompts go to stderr (stdout belongs to the result,
 * e.g. --json). Secrets are never echoed; without a terminal a secret is read as one line of
 * stdin, so PINs can come from a pipe in automation, and questions that need a human refuse.
 */
import { GitTufError } from '../errors.js';

let stdinLines: AsyncIterator<string> | undefined;

/** The next line of a non-terminal stdin (lines are read as they are needed). */
async function nextStdinLine(what: string): Promise<string> {
  if (stdinLines === undefined) {
    const { createInterface } = await import('node:readline');
    stdinLines = createInterface({ input: process.stdin, crlfDelay: Infinity })[Symbol.asyncIterator]();
  }
  const next = await stdinLines.next();
  if (next.done) throw new GitTufError('usage', `no ${what} on standard input`, { hint: `pipe the ${what} as one line, or run in a terminal` });
  return next.value;
}

export function isInteractive(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

/** Asks for a secret (PIN, passphrase) without echoing it. */
export async function askSecret(question: string, what = 'secret'): Promise<string> {
  if (!process.stdin.isTTY) return nextStdinLine(what);
  process.stderr.write(question);
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      const onData = (chunk: Buffer) => {
        for (const char of chunk.toString('utf8')) {
          if (char === '\r' || char === '\n') {
            stdin.off('data', onData);
            resolve(value);
            return;
          }
          if (char === '\u0003' || char === '\u0004') {
            stdin.off('data', onData);
            reject(new GitTufError('usage', 'cancelled'));
            return;
          }
          if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
          else value += char;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}

/** Asks a yes/no question on the terminal; `no` is the default. */
export async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await terminal.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    terminal.close();
  }
}

/** Asks to pick one of `choices` by number; returns its index. */
export async function choose(question: string, choices: string[]): Promise<number> {
  const { createInterface } = await import('node:readline/promises');
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    process.stderr.write(`${question}\n${choices.map((choice, index) => `  ${index + 1}) ${choice}`).join('\n')}\n`);
    for (;;) {
      const answer = Number.parseInt((await terminal.question(`choose 1-${choices.length}: `)).trim(), 10);
      if (answer >= 1 && answer <= choices.length) return answer - 1;
    }
  } finally {
    terminal.close();
  }
}
