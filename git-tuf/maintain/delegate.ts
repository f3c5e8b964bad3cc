/** `delegate` as a workflow: apply one request to an event (created from main if needed). */
import { applyDelegation, type DelegateOutcome, type DelegateRequest } from '../edit/delegate.js';
import { Draft } from '../edit/draft.js';
import { GitTufError } from '../errors.js';
import type { GitRepository } from '../git/repository.js';
import { normaliseEventName } from '../sign.js';
import { checkEventName, editEvent, type EventEditResult } from './event-branch.js';
import { callerOf, onlineKey } from './keys.js';

export interface DelegateOptions extends Omit<DelegateRequest, 'onlineKey'> {
  event: string;
  online?: { uri: string; publicKeyFile?: string };
  push: boolean;
  at: Date;
  cwd: string;
}

export async function delegate(git: GitRepository, options: DelegateOptions): Promise<EventEditResult & DelegateOutcome> {
  const name = normaliseEventName(options.event, await git.remotes());
  await checkEventName(git, name);
  const caller = await callerOf(git);
  const request: DelegateRequest = { ...options, ...(options.online ? { onlineKey: await onlineKey(git, options.online.uri, options.online.publicKeyFile, options.cwd) } : {}) };
  let outcome: DelegateOutcome = { summary: [], warnings: [] };
  const result = await editEvent(git, name, { create: true, push: options.push, at: options.at }, async (context) => {
    const draft = new Draft(context.event, context.knownGood);
    if (!draft.has('root')) throw new GitTufError('usage', 'there is no TUF repository here yet', { hint: 'start one with git tuf init' });
    outcome = await applyDelegation(draft, request, caller);
    return { draft, message: (done) => delegateMessage(options.role, outcome, done) };
  });
  return { ...result, ...outcome };
}

function delegateMessage(role: string, outcome: DelegateOutcome, done: { bumped: { role: string; version: number }[]; deleted: string[] }): string {
  const lines = [`Delegate ${role}: ${outcome.summary.join('; ') || 'no change'}`, ''];
  if (done.bumped.length > 0) lines.push(`New versions: ${done.bumped.map((bump) => `${bump.role} v${bump.version}`).join(', ')}.`);
  if (done.deleted.length > 0) lines.push(`Removed: ${done.deleted.map((entry) => `metadata/${entry}.json`).join(', ')}.`);
  return `${lines.join('\n')}\n`;
}
