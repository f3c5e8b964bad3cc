/** `git tuf hook pre-push|post-merge`: what the installed shims run. Kept light: no heavy imports. */
import type { CommandSpec, ParsedArgs } from '../cli/args.js';
import { now } from '../clock.js';
import { GitTufError } from '../errors.js';
import { withRepositoryFacts } from '../git/fact-memo.js';
import { GitRepository } from '../git/repository.js';
import { runChainedHook } from '../hooks/chained.js';
import { palette, wantsColour } from '../ui/colour.js';
import { renderPull, renderPush } from '../ui/hooks.js';

export const spec: CommandSpec = {
  name: 'hook',
  summary: 'Run a git hook\'s checks (the shims installed by git tuf hooks install call this).',
  positionals: [
    { name: 'HOOK', description: 'pre-push or post-merge', required: true },
    { name: 'ARG', description: 'what git passes the hook: pre-push REMOTE URL (ref lines on stdin), post-merge SQUASH' },
    { name: 'URL', description: '(pre-push) the remote\'s URL' },
  ],
  options: [{ name: 'json', description: 'print the verdict as JSON on stdout (schema git-tuf-hook/1)' }],
  details: `pre-push refuses (exit 1) a push of main that does not verify or rolls back the remote's main,
a push of a sign/* event that is invalid or whose targets metadata does not match targets/,
and a push of another branch that changes metadata/ into an invalid event. Deleting passes.
post-merge warns when the main just merged does not verify from the main before it, then lists
what awaits you (git config tuf.handle). A hook the shim replaced runs first, with the same input.

examples:
  git tuf hooks install                                    let git run these for you
  echo "refs/heads/main $(git rev-parse main) refs/heads/main 0000000000000000000000000000000000000000" \\
    | git tuf hook pre-push origin "$(git remote get-url origin)"`,
};

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function run(args: ParsedArgs): Promise<number> {
  const [hook, ...hookArgs] = args.positionals as [string, ...string[]];
  if (hook !== 'pre-push' && hook !== 'post-merge') {
    throw new GitTufError('usage', `git tuf has no ${hook} hook`, { hint: 'use pre-push or post-merge' });
  }
  const json = args.options.has('json');
  const colour = palette(wantsColour(process.stderr));
  // Each hook loads only its own checks (the push path stays small), while git finds the
  // repository and stdin is read: each would otherwise wait for the other.
  if (hook === 'pre-push') {
    const [git, checks, input] = await Promise.all([GitRepository.open(process.cwd()), import('../hooks/pre-push.js'), readStdin()]);
    return withRepository(git, async () => {
      const chained = await runChainedHook(git, hook, hookArgs, input);
      if (chained !== 0) return chained;
      const verdicts = await checks.checkPush(git, checks.parseRefUpdates(input.toString('utf8')), now());
      const rejected = verdicts.some((verdict) => verdict.rejected);
      if (json) process.stdout.write(`${JSON.stringify({ schema: 'git-tuf-hook/1', hook, rejected, refs: verdicts }, null, 2)}\n`);
      process.stderr.write(renderPush(verdicts, hookArgs[0] ?? 'the remote', colour));
      return rejected ? 1 : 0;
    });
  }
  const [git, checks] = await Promise.all([GitRepository.open(process.cwd()), import('../hooks/post-merge.js')]);
  return withRepository(git, async () => {
    // git ignores post-merge's exit code; a non-zero one still tells scripts that main failed.
    await runChainedHook(git, hook, hookArgs);
    const check = await checks.checkPull(git, now());
    if (json) process.stdout.write(`${JSON.stringify({ schema: 'git-tuf-hook/1', hook, check }, null, 2)}\n`);
    if (check) process.stderr.write(renderPull(check, colour));
    return check && check.problems.length > 0 ? 2 : 0;
  });
}

/** Runs `work` with the clone's fact memo, then stops git's background reader. */
async function withRepository(git: GitRepository, work: () => Promise<number>): Promise<number> {
  try {
    return await withRepositoryFacts(git.commonDir, work);
  } finally {
    git.close();
  }
}
