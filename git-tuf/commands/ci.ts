/** `git tuf ci install github|gitlab [--force]`: write the CI pipeline that runs git tuf. */
import type { CommandSpec, ParsedArgs } from '../cli/args.js';
import { FORGES, installCi, isForge } from '../ci-templates.js';
import { GitTufError } from '../errors.js';
import { GitRepository } from '../git/repository.js';

export const spec: CommandSpec = {
  name: 'ci',
  summary: 'Write the CI pipeline (GitHub Actions or GitLab CI) that runs git tuf, and .gitattributes.',
  positionals: [
    { name: 'ACTION', description: 'install', required: true },
    { name: 'FORGE', description: 'github or gitlab', required: true },
  ],
  options: [
    { name: 'force', description: 'replace an existing pipeline file that differs' },
    { name: 'json', description: 'print the files written as JSON (schema git-tuf-ci/1)' },
  ],
  details: `github writes ${FORGES.github.file}, gitlab writes ${FORGES.gitlab.file}; both add git tuf's
lines to .gitattributes (nothing there is removed). The pipelines only call git tuf:
  push to sign/**   git tuf update --push; git tuf status --markdown as the pull/merge request comment
  push to main      git tuf publish --push --out DIR, then the forge's static hosting (Pages)
  schedule          git tuf publish (as on main) and git tuf events --push
Nothing is committed: review the files, then commit and push them.

examples:
  git tuf ci install github
  git tuf ci install gitlab --force`,
};

export async function run(args: ParsedArgs): Promise<number> {
  const [action, forge] = args.positionals as [string, string];
  if (action !== 'install') throw new GitTufError('usage', `git tuf ci ${action} is not a ci action`, { hint: 'use git tuf ci install github|gitlab' });
  if (!isForge(forge)) throw new GitTufError('usage', `git tuf has no pipeline for "${forge}"`, { hint: 'use github or gitlab' });
  const git = await GitRepository.open(process.cwd());
  git.close();
  if (git.root === git.commonDir) throw new GitTufError('usage', 'this repository has no work tree to write the pipeline into', { hint: 'run git tuf ci install in a clone' });
  const files = await installCi(git.root, forge, { force: args.options.has('force') });
  if (args.options.has('json')) process.stdout.write(`${JSON.stringify({ schema: 'git-tuf-ci/1', forge, files }, null, 2)}\n`);
  else {
    for (const entry of files) process.stdout.write(`${entry.file}: ${entry.action}\n`);
    if (files.some((entry) => entry.action !== 'unchanged')) {
      process.stdout.write(`review, then commit: git add ${files.map((entry) => entry.file).join(' ')} && git commit -m "CI: git tuf"\n`);
    }
  }
  return 0;
}
