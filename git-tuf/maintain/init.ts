/**
 * `init` as a workflow: a new TUF repository on the event branch `sign/init` (by default), built
 * from main: root and targets with their signers (the caller's key added, others invited),
 * thresholds and periods, the online key for snapshot and timestamp, and a .gitattributes that
 * keeps metadata/ and targets/ byte-exact.
 */
import { applyDelegation } from '../edit/delegate.js';
import { Draft } from '../edit/draft.js';
import { DEFAULT_PERIODS, newRoot, newTargets, setPeriods, type Periods } from '../edit/roles.js';
import { GitTufError } from '../errors.js';
import type { GitRepository } from '../git/repository.js';
import { normaliseEventName } from '../sign.js';
import { checkEventName, editEvent, type EventEditResult } from './event-branch.js';
import { callerOf, onlineKey } from './keys.js';

export interface InitOptions {
  event?: string;
  root: { signers: string[]; threshold: number; periods?: Partial<Periods> };
  targets: { signers: string[]; threshold: number; periods?: Partial<Periods> };
  online: { uri: string; publicKeyFile?: string };
  snapshotPeriods?: Partial<Periods>;
  timestampPeriods?: Partial<Periods>;
  push: boolean;
  at: Date;
  cwd: string;
}

export const GITATTRIBUTES = '.gitattributes';
/** No end-of-line conversion or filters: signatures and hashes cover the exact bytes. */
export const ATTRIBUTE_LINES = ['metadata/** -text', 'targets/** -text'];

function periods(role: keyof typeof DEFAULT_PERIODS, given: Partial<Periods> | undefined): Periods {
  return { ...DEFAULT_PERIODS[role], ...Object.fromEntries(Object.entries(given ?? {}).filter(([, value]) => value !== undefined)) };
}

/** The .gitattributes at `base` with our lines added (null: they are there already). */
async function attributes(git: GitRepository, base: string | null): Promise<Buffer | null> {
  const existing = base ? await git.run(['cat-file', 'blob', `${base}:${GITATTRIBUTES}`]) : null;
  const text = existing && existing.code === 0 ? existing.stdout.toString('utf8') : '';
  const present = new Set(text.split('\n').map((line) => line.trim()));
  const missing = ATTRIBUTE_LINES.filter((line) => !present.has(line));
  if (missing.length === 0) return null;
  return Buffer.from(`${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${missing.join('\n')}\n`);
}

export async function init(git: GitRepository, options: InitOptions): Promise<EventEditResult & { warnings: string[] }> {
  const name = normaliseEventName(options.event ?? 'sign/init', await git.remotes());
  await checkEventName(git, name);
  const caller = await callerOf(git);
  const online = await onlineKey(git, options.online.uri, options.online.publicKeyFile, options.cwd);
  const warnings: string[] = [];
  const result = await editEvent(git, name, { create: true, mustBeNew: true, push: options.push, at: options.at }, async (context) => {
    if (context.base === null) {
      // Known good is main: an event without it could never be checked or merged.
      throw new GitTufError('missing-ref', 'there is no main branch to start the repository from', { hint: 'commit something to main first (a README) and push it' });
    }
    if (context.event.root || context.event.roles.size > 0) {
      throw new GitTufError('usage', 'this repository has TUF metadata already (metadata/ on main)', { hint: 'change it with git tuf delegate instead' });
    }
    const draft = new Draft(context.event, context.knownGood);
    draft.create('root', newRoot(periods('root', options.root.periods)));
    setPeriods(draft, 'root', periods('root', options.root.periods));
    draft.create('targets', newTargets(periods('targets', options.targets.periods)));
    setPeriods(draft, 'targets', periods('targets', options.targets.periods));
    for (const role of ['snapshot', 'timestamp'] as const) {
      const { expiryDays, signingDays } = periods(role, role === 'snapshot' ? options.snapshotPeriods : options.timestampPeriods);
      await applyDelegation(draft, { role, onlineKey: online, expiryDays, signingDays }, caller);
    }
    for (const role of ['root', 'targets'] as const) {
      const outcome = await applyDelegation(draft, { role, signers: options[role].signers, threshold: options[role].threshold }, caller);
      warnings.push(...outcome.warnings);
    }
    const gitattributes = await attributes(git, context.base);
    return {
      draft,
      extra: gitattributes ? [{ path: GITATTRIBUTES, content: gitattributes }] : [],
      message: () => initMessage(options, [...draft.invites.keys()]),
    };
  });
  return { ...result, warnings };
}

function initMessage(options: InitOptions, invited: string[]): string {
  const lines = [
    'Initial TUF repository',
    '',
    `root: ${options.root.threshold} of ${options.root.signers.join(', ')}`,
    `targets: ${options.targets.threshold} of ${options.targets.signers.join(', ')}`,
    `snapshot, timestamp: online key ${options.online.uri}`,
  ];
  if (invited.length > 0) lines.push(`Invited: ${invited.join(', ')} (they accept with git tuf sign).`);
  return `${lines.join('\n')}\n`;
}
