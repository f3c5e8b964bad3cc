/** `git tuf publish`: parse, call publish(), render. */
import type { CommandSpec, ParsedArgs } from '../cli/args.js';
import { publish, type PublishResult } from '../publish/publish.js';

export const spec: CommandSpec = {
  name: 'publish',
  summary: 'Re-sign the online roles of main where needed, build the static repository, prove it with real TUF clients.',
  positionals: [],
  options: [
    { name: 'out', value: 'DIR', description: 'where to build the repository (default: build/ at the top of the repository)' },
    { name: 'push', description: 'fetch main from the pull remote first, and push the online signatures to it' },
    { name: 'dry-run', description: 'say what would be signed and built; commit and write nothing' },
    { name: 'json', description: 'print the result as JSON (schema in README.md)' },
  ],
  details: `Refuses to sign or build unless main is valid (git tuf status main), apart from the online
roles it is about to fix. Snapshot is re-signed when a targets role changed, when it is unsigned or
in its signing period; timestamp when snapshot changed or it is in its signing period; online
delegated roles likewise. The commit "Online sign (…)" goes on main without touching your work
tree. The build lands in DIR only after tuf-js (and @sigstore/tuf, if trusted_root.json is an
artifact) accepted it from 1.root.json and from DIR's previous root; until then DIR is unchanged.

Online keys are found through x-tuf-on-ci-online-uri in root (gcpkms:, file:), or
git config tuf.key.<keyid>.uri.

examples:
  git tuf publish --dry-run            what needs signing?
  git tuf publish --push --out site    CI: sign, push main, build site/
  git tuf publish --json | jq .signed`,
};

function resultText(result: PublishResult): string {
  const lines: string[] = [];
  if (result.dryRun) {
    lines.push(result.wouldSign.length === 0 ? 'nothing to sign online' : `would sign: ${result.wouldSign.map((task) => `${task.role} (${task.reasons.join(', ')})`).join('; ')}`);
    lines.push(`would build ${result.out}: ${result.metadata.length} metadata files, ${result.targets} artifacts`);
    return `${lines.join('\n')}\n`;
  }
  if (result.signed.length > 0) {
    lines.push(`signed ${result.signed.map((role) => `${role.role} v${role.version} (${role.reasons.join(', ')}; expires ${role.expires})`).join(', ')} in ${result.commit!.slice(0, 7)}`);
  } else lines.push(result.retries > 0 ? 'another publisher signed main first; nothing more to sign' : 'nothing to sign online');
  if (result.pushedTo) lines.push(`pushed to ${result.pushedTo}${result.retries > 0 ? ` after ${result.retries} lost race${result.retries === 1 ? '' : 's'}` : ''}`);
  if (result.localMainNote) lines.push(result.localMainNote);
  lines.push(`built ${result.out}: ${result.metadata.length} metadata files, ${result.targets} artifacts from main ${result.main.slice(0, 7)}`);
  for (const check of result.checks) lines.push(`verified with ${check.client} from ${check.from}${check.downloaded > 0 ? ` (${check.downloaded} downloaded)` : ''}`);
  return `${lines.join('\n')}\n`;
}

export async function run(args: ParsedArgs): Promise<number> {
  const out = args.options.get('out');
  const result = await publish({
    cwd: process.cwd(),
    ...(typeof out === 'string' ? { out } : {}),
    push: args.options.has('push'),
    dryRun: args.options.has('dry-run'),
  });
  if (args.options.has('json')) process.stdout.write(`${JSON.stringify({ schema: 'git-tuf-publish/1', ...result }, null, 2)}\n`);
  else process.stdout.write(resultText(result));
  return 0;
}
