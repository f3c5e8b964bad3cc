/**
 * `update` as a workflow: make an event's targets metadata match the files in `targets/` at the
 * event's tip (committed files only: the work tree is not read).
 */
import { Draft } from '../edit/draft.js';
import { syncTargets, type TargetsSync } from '../edit/targets.js';
import { GitTufError } from '../errors.js';
import type { GitRepository } from '../git/repository.js';
import { artifactsToMatch, matchCandidates } from '../repo/artifact-match.js';
import { digestArtifacts } from '../repo/state.js';
import { normaliseEventName } from '../sign.js';
import { eventName } from '../status.js';
import type { JsonObject } from '../tuf/metadata.js';
import { editEvent, type EventEditResult } from './event-branch.js';

export interface UpdateOptions {
  /** The event; the current branch when it is sign/*. */
  event?: string;
  push: boolean;
  at: Date;
  custom?: Map<string, JsonObject | null>;
}

export interface UpdateResult extends EventEditResult {
  artifacts: TargetsSync;
}

/** The event named, or the checked-out sign/* branch. */
export async function eventFromArguments(git: GitRepository, text: string | undefined): Promise<string> {
  const remotes = await git.remotes();
  if (text !== undefined) return normaliseEventName(text, remotes);
  const { branch } = await git.head();
  const name = branch ? eventName(branch, remotes) : null;
  if (name === null) throw new GitTufError('usage', `the current branch${branch ? ` (${branch})` : ''} is not a signing event`, { hint: 'name the event (git tuf update sign/NAME) or switch to its branch' });
  return name;
}

export async function updateEvent(git: GitRepository, options: UpdateOptions): Promise<UpdateResult> {
  const name = await eventFromArguments(git, options.event);
  let artifacts: TargetsSync = { added: [], modified: [], removed: [], removedRoles: [] };
  // Only files changed since a commit whose artifacts matched the same metadata can need an
  // update (--custom names paths outside those, so then every path is synced).
  const everyPath = options.custom !== undefined && options.custom.size > 0;
  const result = await editEvent(git, name, { create: false, push: options.push, at: options.at, changedArtifactsOnly: !everyPath }, async (context) => {
    const scope = everyPath || !context.base ? undefined : (context.event.scope ?? (await artifactsToMatch(git, context.event, matchCandidates(git, context.base))));
    await digestArtifacts(context.event, context.digests, scope);
    const draft = new Draft(context.event, context.knownGood);
    if (!draft.has('root') || !draft.has('targets')) {
      throw new GitTufError('usage', `sign/${name} has no root and targets metadata to update`, { hint: 'start a repository with git tuf init' });
    }
    artifacts = syncTargets(draft, context.event.artifacts.values(), options.custom, scope);
    return { draft, message: (done) => updateMessage(done.bumped.map((entry) => `${entry.role} v${entry.version}`), artifacts) };
  });
  return { ...result, artifacts };
}

function updateMessage(roles: string[], sync: TargetsSync): string {
  const counts = [`${sync.added.length} added`, `${sync.modified.length} modified`, `${sync.removed.length} removed`].join(', ');
  const lines = [`Update targets metadata: ${roles.join(', ')}`, '', `Artifacts: ${counts}.`];
  for (const [mark, list] of [['+', sync.added], ['~', sync.modified], ['-', sync.removed]] as const) for (const path of list) lines.push(`${mark} ${path}`);
  if (sync.removedRoles.length > 0) lines.push(`Removed metadata of roles no longer delegated: ${sync.removedRoles.join(', ')}.`);
  return `${lines.join('\n')}\n`;
}
