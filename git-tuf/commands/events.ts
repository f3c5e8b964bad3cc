/** `git tuf events`: open renewal events for roles inside their signing period. */
import type { CommandSpec, ParsedArgs } from '../cli/args.js';
import { now } from '../clock.js';
import { GitRepository } from '../git/repository.js';
import { renewalEvents } from '../maintain/renewals.js';

export const spec: CommandSpec = {
  name: 'events',
  summary: 'Create renewal signing events for offline roles that are due to be re-signed.',
  positionals: [],
  options: [
    { name: 'push', description: 'push each new event branch to the pull remote' },
    { name: 'json', description: 'print the events as JSON' },
  ],
  details: `For every offline role on main (root, targets, delegated roles) whose expiry is within its
signing period (x-tuf-on-ci-signing-period days), creates the branch sign/<role>-v<N> from main:
version bumped, expiry = now + the expiry period, placeholder signatures for every expected key.
An event whose branch exists already, here or on the pull remote, is left alone, so running it
again (from CI on a schedule) creates nothing twice. Set GIT_TUF_NOW to see what a day brings.

examples:
  git tuf events                 create the due events locally
  git tuf events --push          and push them (CI, on a schedule)
  GIT_TUF_NOW=2026-09-01 git tuf events --json`,
};

export async function run(args: ParsedArgs): Promise<number> {
  const git = await GitRepository.open(process.cwd());
  try {
    const events = await renewalEvents(git, { push: args.options.has('push'), at: now() });
    if (args.options.has('json')) {
      process.stdout.write(`${JSON.stringify({ schema: 'git-tuf-events/1', events }, null, 2)}\n`);
      return 0;
    }
    if (events.length === 0) process.stdout.write('no role is due to be renewed\n');
    for (const event of events) {
      if (event.status === 'exists') process.stdout.write(`sign/${event.event}: exists already (${event.role} expires ${event.expires})\n`);
      else process.stdout.write(`sign/${event.event}: created (${event.role} v${event.version}, expires ${event.renewedExpires})${event.pushedTo ? `, pushed to ${event.pushedTo}` : ''}\n`);
    }
    return 0;
  } finally {
    git.close();
  }
}
