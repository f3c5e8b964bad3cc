/** What the hooks say: a refused push as one paragraph per ref; a pull's warning and to-do list. */
import type { RefVerdict } from '../hooks/pre-push.js';
import type { PullCheck } from '../hooks/post-merge.js';
import type { Problem } from '../repo/report.js';
import type { Palette } from './colour.js';

function problemLine(found: Problem): string {
  const where = found.role ? `${found.role}: ` : found.file ? `${found.file}: ` : '';
  return `  - ${where}${found.message}${found.hint ? `. Fix: ${found.hint}` : ''}`;
}

export function renderPush(verdicts: RefVerdict[], remote: string, colour: Palette): string {
  const lines: string[] = [];
  for (const verdict of verdicts) {
    if (verdict.rejected) {
      const count = verdict.problems.length;
      lines.push(colour.red(colour.bold(`git tuf: refusing to push ${verdict.ref} to ${remote}: ${count} problem${count === 1 ? '' : 's'} in ${verdict.commit.slice(0, 7)}`)));
      lines.push(...verdict.problems.map(problemLine));
      const see = verdict.kind === 'main' ? `git tuf status ${verdict.commit.slice(0, 7)}` : `git tuf status ${verdict.ref}`;
      lines.push(`  Nothing was pushed. Fix the above and push again (${see} shows the whole report).`);
    }
    if (verdict.deferred.length > 0) {
      lines.push(`git tuf: ${verdict.ref}: left to git tuf publish, which re-signs the online roles after the push:`, ...verdict.deferred.map(problemLine));
    }
    for (const note of verdict.notes) lines.push(`git tuf: ${verdict.ref}: ${note}`);
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

export function renderPull(check: PullCheck, colour: Palette): string {
  const lines: string[] = [];
  const span = `${check.previous.slice(0, 7)}..${check.current.slice(0, 7)}`;
  if (check.problems.length > 0) {
    lines.push(
      colour.red(colour.bold(`git tuf: WARNING: the main you just merged (${span}) does not verify from the main you trusted before:`)),
      ...check.problems.map(problemLine),
      `  Do not sign, publish or build on it. Go back to the trusted main with: git reset --keep ${check.previous.slice(0, 7)}`,
      `  then tell the other maintainers; git tuf status main shows the whole report.`,
    );
  } else {
    lines.push(colour.green(`git tuf: main verified (${span}): root chain, versions and signatures are good.`));
  }
  if (check.deferred.length > 0) lines.push('git tuf: waiting for git tuf publish (CI) to re-sign the online roles:', ...check.deferred.map(problemLine));
  if (check.handle === null) {
    lines.push('git tuf: set git config tuf.handle @your-forge-name to see what awaits you here.');
    return `${lines.join('\n')}\n`;
  }
  const todo: string[] = [];
  for (const event of check.events) {
    const parts = [event.roles.length > 0 ? `your signature on ${event.roles.join(', ')}` : null, event.invitations.length > 0 ? `your answer to the invitation to ${event.invitations.join(', ')}` : null];
    todo.push(`  - ${event.event} needs ${parts.filter(Boolean).join(' and ')}: git tuf sign ${event.event}`);
  }
  for (const due of check.due) {
    const when = due.inSigningPeriod ? `is in its signing period since ${due.signingPeriodStart}` : `enters its signing period on ${due.signingPeriodStart}`;
    todo.push(`  - ${due.role} v${due.version} ${when} (expires ${due.expires}): sign its renewal event when it opens (git tuf events creates it)`);
  }
  if (todo.length > 0) lines.push(colour.bold(`git tuf: waiting for ${check.handle}:`), ...todo);
  else lines.push(`git tuf: nothing awaits ${check.handle}${check.pullRemote ? ` on ${check.pullRemote} (as last fetched)` : ''}.`);
  return `${lines.join('\n')}\n`;
}
