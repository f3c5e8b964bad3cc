/** `git tuf status`: parse, call status(), render, exit with the result's code. */
import type { CommandSpec, ParsedArgs } from '../cli/args.js';
import { parseTime } from '../clock.js';
import { GitTufError } from '../errors.js';
import { status } from '../status.js';
import { wantsColour, palette } from '../ui/colour.js';
import { renderMarkdown } from '../ui/markdown.js';
import { renderText } from '../ui/text.js';

export const spec: CommandSpec = {
  name: 'status',
  summary: 'Verify the repository, or a signing event, and say who still has to do what.',
  positionals: [{ name: 'REF', description: 'branch, tag or commit to check (default: the current branch); sign/* branches are signing events' }],
  options: [
    { name: 'at', value: 'TIME', description: 'evaluate expiry at this ISO 8601 time (default: now, or GIT_TUF_NOW)' },
    { name: 'json', description: 'print the report as JSON (schema in README.md)' },
    { name: 'markdown', description: 'print the report as Markdown, for a pull-request comment' },
  ],
  details: `exit codes:
  0  valid and complete
  1  valid but waiting (signatures, invitations or git tuf update outstanding)
  2  invalid (bad or missing signatures, rollback, expiry, hash mismatch, malformed metadata)
  3  cannot run (usage, not a git repository, missing ref)

examples:
  git tuf status                      the current branch
  git tuf status sign/root-v14        a signing event: known good is its merge-base with main
  git tuf status main --at 2026-09-01 will main still be valid on that day?
  git tuf status --json | jq .result`,
};

export async function run(args: ParsedArgs): Promise<number> {
  if (args.options.has('json') && args.options.has('markdown')) {
    throw new GitTufError('usage', '--json and --markdown cannot be combined', { hint: 'choose one output format' });
  }
  const at = args.options.get('at');
  const report = await status({
    cwd: process.cwd(),
    ref: args.positionals[0],
    at: typeof at === 'string' ? parseTime(at, '--at') : undefined,
  });
  if (args.options.has('json')) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (args.options.has('markdown')) process.stdout.write(renderMarkdown(report));
  else process.stdout.write(renderText(report, palette(wantsColour(process.stdout))));
  return report.exitCode;
}
