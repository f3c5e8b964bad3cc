/** What a keyholder is shown before signing: the event's changes, and with --show-bytes the exact bytes. */
import { createHash } from 'node:crypto';
import type { DelegationChange, RoleReview, SignerSummary } from '../event/review.js';
import type { SigningPlan } from '../sign.js';
import type { Palette } from './colour.js';
import { compareCodePoints } from '../tuf/canonical.js';
import { lineDiff } from './diff.js';
import { short } from './text.js';

function signersText(summary: SignerSummary): string {
  const rules = [
    summary.paths ? `paths ${summary.paths.join(' ')}` : null,
    summary.terminating === undefined ? null : summary.terminating ? 'terminating' : 'not terminating',
  ].filter((part) => part !== null);
  return `${summary.threshold} of ${summary.signers.join(', ') || 'nobody'}${rules.length > 0 ? `; ${rules.join(', ')}` : ''}`;
}

function delegationLine(change: DelegationChange, colour: Palette): string {
  if (change.change === 'added') return `    ${colour.green('+')} ${change.role}: ${signersText(change.after!)}`;
  if (change.change === 'removed') return `    ${colour.red('-')} ${change.role}: was ${signersText(change.before!)}`;
  return `    ${colour.yellow('~')} ${change.role}: ${signersText(change.before!)} → ${signersText(change.after!)}`;
}

function roleLines(review: RoleReview, colour: Palette): string[] {
  const { version, expires } = review;
  const head =
    review.change === 'added'
      ? `${colour.bold(review.role)}  new, v${version.after}, expires ${expires.after}`
      : review.change === 'deleted'
        ? `${colour.bold(review.role)}  ${colour.red(`deleted (was v${version.before})`)}`
        : `${colour.bold(review.role)}  v${version.before} → v${version.after}, expires ${expires.before === expires.after ? expires.after : `${expires.before} → ${expires.after}`}`;
  const lines = [`  ${head}`];
  if (review.delegations.length > 0) {
    lines.push(`    ${review.role === 'root' ? 'who signs which role' : 'delegations'}:`);
    lines.push(...review.delegations.map((change) => `  ${delegationLine(change, colour)}`));
  }
  return lines;
}

/** `signed` indented, keys in canonical order: the bytes to be signed, one fact per line. */
function readableLines(signed: unknown): string[] {
  const sorted = (_key: string, value: unknown): unknown =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.keys(value).sort(compareCodePoints).map((key) => [key, (value as Record<string, unknown>)[key]]))
      : value;
  return JSON.stringify(signed, sorted, 1).split('\n');
}

export function renderReview(plan: SigningPlan, colour: Palette, showBytes: boolean): string {
  const report = plan.loaded.report;
  const lines = [colour.bold(`signing event ${plan.event} (${report.ref} @ ${short(plan.commit)}), known good ${short(report.knownGood)}`), ''];
  if (plan.reviews.length === 0) lines.push('  no metadata changes');
  for (const review of plan.reviews) lines.push(...roleLines(review, colour));
  if (report.artifacts.changes.length > 0) {
    lines.push('', 'artifacts (re-hashed from git):');
    for (const change of report.artifacts.changes) {
      const sign = { added: colour.green('+'), modified: colour.yellow('~'), removed: colour.red('-') }[change.change];
      lines.push(`  ${sign} ${change.path}${change.length === null ? '' : `  ${change.length} bytes  sha256 ${change.sha256}`}`);
    }
  }
  if (plan.acceptance) {
    lines.push('', colour.bold(`accepting your invitation to ${plan.acceptance.roles.join(', ')}: adds your key ${plan.acceptance.keyid} (${plan.acceptance.handle})`));
  } else if (plan.invitations.length > 0) lines.push('', `you are invited to sign: ${plan.invitations.join(', ')}`);
  if (plan.tasks.length > 0) {
    lines.push('', 'you will sign:');
    for (const { signer, task } of plan.tasks) {
      lines.push(`  ${task.role} v${task.version} as ${task.keyids.map((keyid) => keyid.slice(0, 8)).join(', ')} with ${signer.uri}`);
    }
  }
  if (showBytes) {
    for (const { task } of plan.tasks) {
      const sha256 = createHash('sha256').update(task.payload).digest('hex');
      lines.push('', colour.bold(`${task.role} v${task.version}: ${task.payload.length} canonical bytes, sha256 ${sha256}`));
      const before = plan.knownGoodPayloads.get(task.role);
      lines.push(colour.dim(`  diff against known good${before ? '' : ' (new role)'}:`));
      for (const line of lineDiff(before ? readableLines(before) : [], readableLines(task.signed))) {
        lines.push(line[0] === '+' ? colour.green(line) : line[0] === '-' ? colour.red(line) : colour.dim(line));
      }
      lines.push(colour.dim('  the exact bytes to be signed:'), task.payload.toString('utf8'));
    }
  }
  return `${lines.join('\n')}\n`;
}
