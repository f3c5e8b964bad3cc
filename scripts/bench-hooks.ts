/**
 * The pre-push hook's cost: the same `git push` of main with the hook (installed by
 * `git tuf hooks install`, git running it) and without it (`--no-verify`), on a clone of
 * Sigstore's root-signing-staging (test/fixtures/root-signing-staging/head) pushing to a bare
 * upstream. Each run first moves the upstream's main back, so every push sends the same commit.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { elapsedMs, isolatedEnv, median } from './bench-common.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE_NOW = '2026-08-27T00:00:00Z';
const GOAL_MS = 100;

export interface HookBenchOptions {
  /** A scratch directory the bench may fill. */
  dir: string;
  runs: number;
  log: (line: string) => void;
}

/** Markdown lines: the table and how it was measured. */
export function benchHooks(options: HookBenchOptions): string[] {
  const bin = path.join(options.dir, 'bin');
  mkdirSync(bin, { recursive: true });
  symlinkSync(path.join(projectRoot, 'bin', 'git-tuf'), path.join(bin, 'git-tuf'));
  const env = isolatedEnv({
    GIT_AUTHOR_NAME: 'Bench',
    GIT_AUTHOR_EMAIL: 'bench@example.com',
    GIT_COMMITTER_NAME: 'Bench',
    GIT_COMMITTER_EMAIL: 'bench@example.com',
    GIT_TUF_NOW: FIXTURE_NOW,
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
  });
  const run = (cwd: string, args: string[]): { ms: number; output: string } => {
    const start = process.hrtime.bigint();
    const result = spawnSync('git', args, { cwd, env, encoding: 'utf8' });
    const ms = elapsedMs(start);
    if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}:\n${result.stdout}${result.stderr}`);
    return { ms, output: result.stdout.trim() };
  };

  options.log('bench: pre-push hook on root-signing-staging: building the clone and its upstream…');
  const upstream = path.join(options.dir, 'upstream.git');
  const clone = path.join(options.dir, 'clone');
  run(options.dir, ['init', '-q', '--bare', '-b', 'main', upstream]);
  run(options.dir, ['init', '-q', '-b', 'main', clone]);
  for (const dir of ['metadata', 'targets']) cpSync(path.join(projectRoot, 'test', 'fixtures', 'root-signing-staging', 'head', dir), path.join(clone, dir), { recursive: true });
  run(clone, ['add', '-A']);
  run(clone, ['commit', '-q', '-m', 'root-signing-staging head']);
  run(clone, ['remote', 'add', 'origin', upstream]);
  run(clone, ['push', '-q', 'origin', 'main']);
  run(clone, ['repack', '-adq']);
  const base = run(clone, ['rev-parse', 'HEAD']).output;
  // The pushed change: a commit on main, verified in full by the hook like any push of main.
  writeFileSync(path.join(clone, 'README.md'), 'root-signing-staging, benchmark copy\n');
  run(clone, ['add', 'README.md']);
  run(clone, ['commit', '-q', '-m', 'README']);
  run(clone, ['tuf', 'hooks', 'install']);

  const pushOnce = (hooked: boolean): number => {
    run(upstream, ['update-ref', 'refs/heads/main', base]);
    return run(clone, ['push', '-q', ...(hooked ? [] : ['--no-verify']), 'origin', 'main']).ms;
  };
  pushOnce(true); // untimed: fills the blob digest cache, as any earlier git tuf run in a clone has
  pushOnce(false);
  const withHook: number[] = [];
  const without: number[] = [];
  for (let i = 0; i < options.runs; i++) {
    without.push(pushOnce(false));
    withHook.push(pushOnce(true));
  }
  const hook = median(withHook);
  const plain = median(without);
  const added = hook - plain;
  options.log(`bench:   push without the hook ${Math.round(plain)} ms, with it ${Math.round(hook)} ms (+${Math.round(added)} ms)`);
  return [
    '## git tuf pre-push hook benchmark',
    '',
    '| repository | git push --no-verify | git push (hook) | added by the hook | goal |',
    '|---|---:|---:|---:|---|',
    `| Sigstore root-signing-staging | ${Math.round(plain)} ms | ${Math.round(hook)} ms | ${Math.round(added)} ms | < ${GOAL_MS} ms ${added < GOAL_MS ? '✅' : '❌'} |`,
    '',
    `Median of ${options.runs} run(s) each, alternating, of \`git push -q origin main\` from a packed clone of the fixture's head to a bare upstream on disk, ` +
      'one commit ahead (the upstream\'s main is moved back before each push). With the hook, git runs the shim installed by `git tuf hooks install`, ' +
      'which verifies the pushed main in full and its advance from the upstream\'s main; the blob digest cache is warm (one untimed push first). ' +
      `Evaluated at ${FIXTURE_NOW}.`,
  ];
}
