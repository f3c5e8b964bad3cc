/** `git tuf hooks install [--force] | uninstall`: put git tuf's hook shims in place, or take them out. */
import path from 'node:path';
import type { CommandSpec, ParsedArgs } from '../cli/args.js';
import { GitTufError } from '../errors.js';
import { GitRepository } from '../git/repository.js';
import { installHooks, uninstallHooks, type HookChange } from '../hooks/install.js';

export const spec: CommandSpec = {
  name: 'hooks',
  summary: 'Install git tuf\'s pre-push and post-merge hooks in this repository, or remove them.',
  positionals: [{ name: 'ACTION', description: 'install or uninstall', required: true }],
  options: [
    { name: 'force', description: 'install: replace a leftover kept hook (<name>.git-tuf-chained) when the hook in place is not git tuf\'s' },
    { name: 'json', description: 'print what changed as JSON (schema git-tuf-hooks/1)' },
  ],
  details: `The hooks go where git looks for them (git rev-parse --git-path hooks, so core.hooksPath
is honoured). A hook already there is kept as <name>.git-tuf-chained and still runs first, with the
same arguments and input; uninstall puts it back byte for byte. Installing again changes nothing.

examples:
  git tuf hooks install
  git tuf hooks uninstall`,
};

const SAID: Record<HookChange['action'], string> = {
  installed: 'installed',
  chained: 'installed; your existing hook is kept and runs first',
  updated: 'updated to this version of git tuf',
  unchanged: 'already installed',
  removed: 'removed',
  restored: 'removed; your previous hook is back',
  absent: 'not installed',
  foreign: 'left alone: it is not git tuf\'s hook',
};

export async function run(args: ParsedArgs): Promise<number> {
  const action = args.positionals[0];
  if (action !== 'install' && action !== 'uninstall') {
    throw new GitTufError('usage', `git tuf hooks ${action} is not a hooks action`, { hint: 'use git tuf hooks install or git tuf hooks uninstall' });
  }
  if (action === 'uninstall' && args.options.has('force')) throw new GitTufError('usage', '--force goes with install only', { hint: 'see git tuf hooks -h' });
  const git = await GitRepository.open(process.cwd());
  try {
    const changes = action === 'install' ? await installHooks(git, { force: args.options.has('force') }) : await uninstallHooks(git);
    if (args.options.has('json')) {
      process.stdout.write(`${JSON.stringify({ schema: 'git-tuf-hooks/1', action, hooks: changes }, null, 2)}\n`);
    } else {
      for (const change of changes) {
        const kept = change.chained && change.action !== 'chained' ? ` (kept hook: ${path.basename(change.chained)})` : '';
        process.stdout.write(`${change.hook}: ${SAID[change.action]}${kept} — ${change.file}\n`);
      }
    }
    return 0;
  } finally {
    git.close();
  }
}
