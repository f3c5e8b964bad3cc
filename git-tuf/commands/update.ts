/** `git tuf update`: make an event's targets metadata match targets/. */
import type { CommandSpec, ParsedArgs } from '../cli/args.js';
import { now } from '../clock.js';
import { GitTufError } from '../errors.js';
import { withRepositoryFacts } from '../git/fact-memo.js';
import { GitRepository } from '../git/repository.js';
import { updateEvent } from '../maintain/update.js';
import { parseJson } from '../tuf/json.js';
import type { JsonObject } from '../tuf/metadata.js';

export const spec: CommandSpec = {
  name: 'update',
  summary: 'Make the metadata of a signing event match the files in targets/.',
  positionals: [{ name: 'EVENT', description: 'the event (sign/NAME or NAME); default: the current branch when it is sign/*' }],
  options: [
    { name: 'custom', value: 'PATH=JSON', description: 'set the custom metadata of the artifact targets/PATH (JSON object; null removes it)' },
    { name: 'push', description: 'push the event branch to the pull remote' },
    { name: 'json', description: 'print the result as JSON' },
  ],
  details: `Reads the committed files in targets/ at the event's tip (commit them first). For every role
whose artifacts changed: new length and sha256 (entries that did not change keep their custom
data), entries without a file removed, version = known good + 1 (once per event), expiry = now +
the role's expiry period, and a placeholder signature for every expected key. Metadata of roles
no longer delegated is removed. Commits "Update targets metadata" on the event branch (the local
branch moves; a newer sign/NAME of the pull remote is built on). Nothing to do: no commit.

examples:
  git tuf update                                 on a checked-out sign/* branch
  git tuf update sign/new-artifacts --push
  git tuf update --custom 'ctfe.pub={"sigstore":{"usage":"CTFE"}}'`,
};

function parseCustom(text: string): Map<string, JsonObject | null> {
  const separator = text.indexOf('=');
  if (separator <= 0) throw new GitTufError('usage', `--custom takes PATH=JSON, not ${JSON.stringify(text)}`, { hint: 'e.g. --custom \'file.txt={"usage":"demo"}\'' });
  const path = text.slice(0, separator).replace(/^targets\//, '');
  const value = parseJson(text.slice(separator + 1), '--custom');
  if (value !== null && (typeof value !== 'object' || Array.isArray(value))) throw new GitTufError('usage', `--custom for ${path} must be a JSON object or null`);
  return new Map([[path, value as JsonObject | null]]);
}

export async function run(args: ParsedArgs): Promise<number> {
  const custom = args.options.get('custom');
  const git = await GitRepository.open(process.cwd());
  try {
    // The clone's fact memo: metadata proven before is not validated again, and artifacts
    // matched before are not synced again.
    const result = await withRepositoryFacts(git.commonDir, () =>
      updateEvent(git, {
        ...(args.positionals[0] !== undefined ? { event: args.positionals[0] } : {}),
        push: args.options.has('push'),
        at: now(),
        ...(typeof custom === 'string' ? { custom: parseCustom(custom) } : {}),
      }),
    );
    if (args.options.has('json')) {
      process.stdout.write(`${JSON.stringify({ schema: 'git-tuf-update/1', event: result.event, branch: result.branch, commit: result.commit, committed: result.committed, pushedTo: result.pushedTo, roles: result.draft.bumped, deletedRoles: result.draft.deleted, artifacts: result.artifacts }, null, 2)}\n`);
      return 0;
    }
    if (!result.committed) {
      process.stdout.write(`${result.branch} is up to date with targets/: nothing to commit\n`);
      if (result.pushedTo) process.stdout.write(`pushed to ${result.pushedTo}\n`);
      return 0;
    }
    const { added, modified, removed } = result.artifacts;
    process.stdout.write(`updated ${result.draft.bumped.map((bump) => `${bump.role} v${bump.version}`).join(', ') || 'metadata'} in ${result.branch} (${result.commit!.slice(0, 7)}): ${added.length} added, ${modified.length} modified, ${removed.length} removed\n`);
    if (result.draft.deleted.length > 0) process.stdout.write(`removed the metadata of ${result.draft.deleted.join(', ')}\n`);
    process.stdout.write(result.pushedTo ? `pushed to ${result.pushedTo}\n` : `push it when ready: git push <remote> ${result.branch} (or run with --push)\n`);
    return 0;
  } finally {
    git.close();
  }
}
