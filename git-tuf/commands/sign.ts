/** `git tuf sign`: pick the event, show what it changes, confirm, sign, push. */
import type { CommandSpec, ParsedArgs } from '../cli/args.js';
import { GitTufError } from '../errors.js';
import { SigningSession, type PendingEvent, type SignResult } from '../sign.js';
import { palette, wantsColour } from '../ui/colour.js';
import { choose, confirm, isInteractive } from '../ui/prompt.js';
import { renderReview } from '../ui/review.js';

export const spec: CommandSpec = {
  name: 'sign',
  summary: 'Review a signing event and sign it with your key (YubiKey, key file).',
  positionals: [{ name: 'EVENT', description: 'the event to sign (sign/NAME or NAME); default: the one awaiting you, or a choice' }],
  options: [
    { name: 'yes', alias: 'y', description: 'sign without asking (required without a terminal)' },
    { name: 'key', value: 'URI', description: 'sign with this key instead of git config tuf.signing-key (hsm:, pkcs11:, file:)' },
    { name: 'no-push', description: 'commit to the local branch sign/NAME instead of pushing' },
    { name: 'show-bytes', description: 'also show the exact canonical bytes to be signed, their sha256 and a diff against known good' },
    { name: 'json', description: 'print the result as JSON (implies no prompts: use with --yes)' },
  ],
  details: `Fetches the pull remote, shows what the event changes against known good, asks, signs
every role where your key is expected, verifies the signatures, commits "Signature from @you" on
top of the event branch and pushes it. Your checkout (branch, index, work tree) is not touched.
If another keyholder pushes first, the signatures are re-applied on top when the signed bytes are
unchanged; if the event changed, nothing is pushed and you review again.

setup (once per clone; an existing .tuf-on-ci-sign.ini works too):
  git config tuf.handle @your-forge-name
  git config tuf.pkcs11-module /usr/lib/x86_64-linux-gnu/libykcs11.so   (YubiKey: signs with hsm:)
  git config tuf.signing-key file:/path/to/key.pem                      (or a key file)
  git config tuf.push-remote my-fork                                    (if you push to a fork)

examples:
  git tuf sign                        sign the event that awaits you
  git tuf sign sign/root-v14 --show-bytes
  echo "$PIN" | git tuf sign new-key --yes     (no terminal: PIN from stdin)`,
};

function eventLine(event: PendingEvent): string {
  const parts = [event.roles.length > 0 ? `sign ${event.roles.join(', ')}` : null, event.invitations.length > 0 ? `invitation to ${event.invitations.join(', ')}` : null];
  return `sign/${event.name}: ${parts.filter(Boolean).join('; ')}`;
}

async function pickEvent(session: SigningSession): Promise<string | null> {
  const pending = await session.pendingEvents();
  if (pending.length === 0) return null;
  if (pending.length === 1) return pending[0]!.name;
  if (!isInteractive()) {
    throw new GitTufError('usage', `${pending.length} events await you: ${pending.map((event) => `sign/${event.name}`).join(', ')}`, { hint: 'name the one to sign: git tuf sign EVENT' });
  }
  return pending[await choose('Several events await you:', pending.map(eventLine))]!.name;
}

function resultText(result: SignResult): string {
  const roles = result.signed.map((entry) => `${entry.role} v${entry.version}`).join(', ');
  const lines = [`signed ${roles} in sign/${result.event} (${result.commit.slice(0, 7)})`];
  if (result.accepted) lines.unshift(`accepted the invitation to ${result.accepted.roles.join(', ')} with key ${result.accepted.keyid.slice(0, 8)}`);
  if (result.retries > 0) lines.push(`re-applied on top of ${result.retries} newer push${result.retries === 1 ? '' : 'es'} by other signers`);
  if (result.pushedTo) lines.push(`pushed to ${result.pushedTo}`);
  if (result.localBranch) lines.push(`committed to your local branch ${result.localBranch}; push it when ready: git push <remote> ${result.localBranch}`);
  if (result.pullRequest) lines.push(`open a pull request from ${result.pullRequest.from} to ${result.pullRequest.to} so the signature reaches the event`);
  return `${lines.join('\n')}\n`;
}

export async function run(args: ParsedArgs): Promise<number> {
  const json = args.options.has('json');
  const key = args.options.get('key');
  const session = await SigningSession.open({
    cwd: process.cwd(),
    ...(typeof key === 'string' ? { keyUri: key } : {}),
    onTouch: () => process.stderr.write('touch your key if it blinks…\n'),
  });
  try {
    const event = args.positionals[0] ?? (await pickEvent(session));
    if (event === null) {
      if (json) process.stdout.write(`${JSON.stringify({ schema: 'git-tuf-sign/1', signed: [], pending: [] }, null, 2)}\n`);
      else process.stdout.write(`nothing awaits ${session.settings.handle} on ${session.settings.pullRemote}\n`);
      return 0;
    }
    const plan = await session.plan(event);
    const colour = palette(!json && wantsColour(process.stderr));
    // The review goes to stderr with --json so stdout stays machine-readable.
    (json ? process.stderr : process.stdout).write(renderReview(plan, colour, args.options.has('show-bytes')));
    if (!args.options.has('yes')) {
      if (json || !isInteractive()) {
        throw new GitTufError('usage', 'refusing to sign without confirmation: there is no terminal to ask on', { hint: 'review the event above, then run again with --yes' });
      }
      if (!(await confirm(`Sign sign/${plan.event} as ${session.settings.handle}?`))) {
        process.stderr.write('nothing signed\n');
        return 1;
      }
    }
    const result = await session.sign(plan, { push: !args.options.has('no-push') });
    if (json) process.stdout.write(`${JSON.stringify({ schema: 'git-tuf-sign/1', ...result }, null, 2)}\n`);
    else process.stdout.write(resultText(result));
    return 0;
  } finally {
    await session.close();
  }
}
