/** `git tuf init`: start a TUF repository in this git repository, as the signing event sign/init. */
import type { CommandSpec, ParsedArgs } from '../cli/args.js';
import { integerOption, listOption, stringOption } from '../cli/values.js';
import { now } from '../clock.js';
import { GitTufError } from '../errors.js';
import { GitRepository } from '../git/repository.js';
import { init } from '../maintain/init.js';

export const spec: CommandSpec = {
  name: 'init',
  summary: 'Start a TUF repository here: root and targets signers, thresholds, periods, online key.',
  positionals: [],
  options: [
    { name: 'event', value: 'NAME', description: 'the signing event to create (default sign/init)' },
    { name: 'root-signers', value: '@A,@B', description: 'root\'s signers (you: your configured key is added; others are invited)' },
    { name: 'root-threshold', value: 'N', description: 'signatures root needs (default 1)' },
    { name: 'targets-signers', value: '@A,@B', description: 'targets\' signers (default: root\'s)' },
    { name: 'targets-threshold', value: 'N', description: 'signatures targets needs (default 1)' },
    { name: 'online-key', value: 'URI', description: 'the key that signs snapshot and timestamp (gcpkms:…, file:…)' },
    { name: 'online-public-key', value: 'FILE', description: 'its public key as PEM (needed for gcpkms: and other remote keys)' },
    { name: 'root-expiry-period', value: 'DAYS', description: 'default 365' },
    { name: 'root-signing-period', value: 'DAYS', description: 'default 60' },
    { name: 'targets-expiry-period', value: 'DAYS', description: 'default 365' },
    { name: 'targets-signing-period', value: 'DAYS', description: 'default 60' },
    { name: 'snapshot-expiry-period', value: 'DAYS', description: 'default 365' },
    { name: 'snapshot-signing-period', value: 'DAYS', description: 'default 60' },
    { name: 'timestamp-expiry-period', value: 'DAYS', description: 'default 2' },
    { name: 'timestamp-signing-period', value: 'DAYS', description: 'default 1' },
    { name: 'push', description: 'push the event branch to the pull remote' },
    { name: 'json', description: 'print the result as JSON' },
  ],
  details: `Creates the branch sign/init from main with metadata/root.json (and root_history/1.root.json),
metadata/targets.json, invitations in metadata/.signing-event-state and a .gitattributes that
keeps metadata/ and targets/ byte-exact. Your own key (git config tuf.handle, tuf.signing-key) is
added directly; other signers are invited and accept with git tuf sign. It asks nothing: root
signers and the online key are required flags, everything else has a default.

examples:
  git tuf init --root-signers @alice,@bob,@carol --root-threshold 2 \\
               --targets-signers @alice,@bob --online-key gcpkms:projects/p/…/cryptoKeyVersions/1 \\
               --online-public-key kms.pub.pem --push`,
};

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new GitTufError('usage', `--${name} is required`, { hint: 'see git tuf init -h' });
  return value;
}

function periods(args: ParsedArgs, role: string): { expiryDays?: number; signingDays?: number } {
  const expiryDays = integerOption(args, `${role}-expiry-period`);
  const signingDays = integerOption(args, `${role}-signing-period`);
  return { ...(expiryDays !== undefined ? { expiryDays } : {}), ...(signingDays !== undefined ? { signingDays } : {}) };
}

export async function run(args: ParsedArgs): Promise<number> {
  const rootSigners = required(listOption(args, 'root-signers'), 'root-signers');
  const onlineUri = required(stringOption(args, 'online-key'), 'online-key');
  const publicKeyFile = stringOption(args, 'online-public-key');
  const git = await GitRepository.open(process.cwd());
  try {
    const result = await init(git, {
      ...(stringOption(args, 'event') !== undefined ? { event: stringOption(args, 'event')! } : {}),
      root: { signers: rootSigners, threshold: integerOption(args, 'root-threshold') ?? 1, periods: periods(args, 'root') },
      targets: { signers: listOption(args, 'targets-signers') ?? rootSigners, threshold: integerOption(args, 'targets-threshold') ?? 1, periods: periods(args, 'targets') },
      online: { uri: onlineUri, ...(publicKeyFile !== undefined ? { publicKeyFile } : {}) },
      snapshotPeriods: periods(args, 'snapshot'),
      timestampPeriods: periods(args, 'timestamp'),
      push: args.options.has('push'),
      at: now(),
      cwd: process.cwd(),
    });
    for (const warning of result.warnings) process.stderr.write(`git tuf: warning: ${warning}\n`);
    if (args.options.has('json')) {
      process.stdout.write(`${JSON.stringify({ schema: 'git-tuf-init/1', event: result.event, branch: result.branch, commit: result.commit, pushedTo: result.pushedTo, roles: result.draft.bumped, warnings: result.warnings }, null, 2)}\n`);
      return 0;
    }
    process.stdout.write(`created ${result.branch} (${result.commit!.slice(0, 7)}): ${result.draft.bumped.map((bump) => `${bump.role} v${bump.version}`).join(', ')}\n`);
    process.stdout.write(result.pushedTo ? `pushed to ${result.pushedTo}; signers sign with git tuf sign\n` : `push it when ready: git push <remote> ${result.branch} (or run with --push)\n`);
    return 0;
  } finally {
    git.close();
  }
}
