/** `git tuf delegate EVENT ROLE …`: change who signs a role, and how, in a signing event. */
import type { CommandSpec, ParsedArgs } from '../cli/args.js';
import { integerOption, listOption, stringOption } from '../cli/values.js';
import { now } from '../clock.js';
import { GitTufError } from '../errors.js';
import { GitRepository } from '../git/repository.js';
import { delegate } from '../maintain/delegate.js';

export const spec: CommandSpec = {
  name: 'delegate',
  summary: 'Change a role in a signing event: signers, threshold, periods, online key, delegations.',
  positionals: [
    { name: 'EVENT', description: 'the event (sign/NAME or NAME); created from main when new', required: true },
    { name: 'ROLE', description: 'root, targets, snapshot, timestamp, or a delegated role (created when new)', required: true },
  ],
  options: [
    { name: 'signers', value: '@A,@B', description: 'the role\'s signers (all of them): you are added with your key, others are invited' },
    { name: 'rotate', value: '@A,…', description: 'replace these signers\' keys: you with your configured key, others are invited again' },
    { name: 'threshold', value: 'N', description: 'signatures needed (at most the number of signers)' },
    { name: 'expiry-period', value: 'DAYS', description: 'a new version expires this many days after it is made' },
    { name: 'signing-period', value: 'DAYS', description: 're-signing is due this many days before expiry (less than the expiry period)' },
    { name: 'online-key', value: 'URI', description: 'sign the role online with this key (snapshot and timestamp share it)' },
    { name: 'online-public-key', value: 'FILE', description: 'the online key\'s public key (PEM), for URIs git tuf cannot read (gcpkms:)' },
    { name: 'paths', value: 'P,P', description: 'delegated role: the target path patterns it may sign (default ROLE/* … ROLE/*/*/*/*)' },
    { name: 'terminating', description: 'delegated role: a matching path is never looked up further (default for new roles)' },
    { name: 'no-terminating', description: 'delegated role: later delegations are searched too' },
    { name: 'delegator', value: 'ROLE', description: 'new delegated role: the role that delegates it (default targets)' },
    { name: 'remove', description: 'delegated role: remove it (its delegation, metadata and unused keys)' },
    { name: 'push', description: 'push the event branch to the pull remote' },
    { name: 'json', description: 'print the result as JSON' },
  ],
  details: `Every changed role gets version = known good + 1 (once per event), a renewed expiry and a
placeholder signature for every expected key; a role whose signers change is bumped too, so its
new signers sign it. Invitations go to metadata/.signing-event-state; invitees accept with
git tuf sign. A threshold above the number of signers is refused; one equal to it is warned about.

examples:
  git tuf delegate add-carol root --signers @alice,@bob,@carol --threshold 2
  git tuf delegate new-key root --rotate @alice        (alice's new key: she accepts with git tuf sign)
  git tuf delegate npm npm-packages --signers @alice --paths 'npm/*,npm/*/*'
  git tuf delegate nested team-b --delegator npm-packages --signers @bob
  git tuf delegate drop-npm npm-packages --remove
  git tuf delegate new-kms timestamp --online-key gcpkms:projects/p/…/cryptoKeyVersions/2 --online-public-key kms.pem`,
};

export async function run(args: ParsedArgs): Promise<number> {
  const [event, role] = args.positionals as [string, string];
  if (args.options.has('terminating') && args.options.has('no-terminating')) throw new GitTufError('usage', '--terminating and --no-terminating contradict each other');
  const onlineUri = stringOption(args, 'online-key');
  const publicKeyFile = stringOption(args, 'online-public-key');
  if (publicKeyFile !== undefined && onlineUri === undefined) throw new GitTufError('usage', '--online-public-key needs --online-key URI');
  const optional = {
    signers: listOption(args, 'signers'),
    rotate: listOption(args, 'rotate'),
    threshold: integerOption(args, 'threshold'),
    expiryDays: integerOption(args, 'expiry-period'),
    signingDays: integerOption(args, 'signing-period'),
    paths: listOption(args, 'paths'),
    terminating: args.options.has('terminating') ? true : args.options.has('no-terminating') ? false : undefined,
    delegator: stringOption(args, 'delegator'),
    online: onlineUri === undefined ? undefined : { uri: onlineUri, ...(publicKeyFile !== undefined ? { publicKeyFile } : {}) },
  };
  const git = await GitRepository.open(process.cwd());
  try {
    const result = await delegate(git, {
      event,
      role,
      ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
      ...(args.options.has('remove') ? { remove: true } : {}),
      push: args.options.has('push'),
      at: now(),
      cwd: process.cwd(),
    });
    for (const warning of result.warnings) process.stderr.write(`git tuf: warning: ${warning}\n`);
    if (args.options.has('json')) {
      process.stdout.write(`${JSON.stringify({ schema: 'git-tuf-delegate/1', event: result.event, branch: result.branch, commit: result.commit, committed: result.committed, created: result.created, pushedTo: result.pushedTo, changes: result.summary, roles: result.draft.bumped, deletedRoles: result.draft.deleted, warnings: result.warnings }, null, 2)}\n`);
      return 0;
    }
    if (!result.committed) {
      process.stdout.write(`${result.branch}: nothing changes\n`);
      if (result.pushedTo) process.stdout.write(`pushed to ${result.pushedTo}\n`);
      return 0;
    }
    process.stdout.write(`${result.created ? 'created' : 'updated'} ${result.branch} (${result.commit!.slice(0, 7)}): ${result.summary.join('; ')}\n`);
    if (result.draft.bumped.length > 0) process.stdout.write(`new versions: ${result.draft.bumped.map((bump) => `${bump.role} v${bump.version}`).join(', ')}\n`);
    process.stdout.write(result.pushedTo ? `pushed to ${result.pushedTo}\n` : `push it when ready: git push <remote> ${result.branch} (or run with --push)\n`);
    return 0;
  } finally {
    git.close();
  }
}
