/** The human-readable status report. Decides nothing: everything shown comes from the report. */
import type { Palette } from './colour.js';
import type { Problem, Result, RoleStatus, SignerSet, StatusReport } from '../repo/report.js';

const RESULT_TEXT: Record<Result, string> = {
  valid: 'valid and complete',
  waiting: 'valid, waiting',
  invalid: 'INVALID',
};

export function short(commit: string | null): string {
  return commit ? commit.slice(0, 7) : '-';
}

export function signerLine(set: SignerSet): string {
  if (set.met) return `signed by ${set.signed.join(', ')} (threshold ${set.threshold})`;
  const signed = set.signed.length > 0 ? `: ${set.signed.join(', ')}` : '';
  const missing = set.missing.length > 0 ? `; can sign: ${set.missing.join(', ')}` : '';
  return `${set.signed.length} of ${set.threshold} signed${signed}${missing}`;
}

export function versionText(role: RoleStatus): string {
  const version = role.version === null ? '-' : `v${role.version}`;
  if (role.change === 'modified' && role.knownGoodVersion !== null && role.knownGoodVersion !== role.version) {
    return `v${role.knownGoodVersion} → ${version}`;
  }
  if (role.change === 'deleted') return `v${role.knownGoodVersion ?? '?'} → deleted`;
  return version;
}

function resultColour(result: Result, colour: Palette): (text: string) => string {
  return result === 'valid' ? colour.green : result === 'waiting' ? colour.yellow : colour.red;
}

function problemLines(problem: Problem, colour: Palette): string[] {
  const mark = { error: colour.red('✗'), action: colour.yellow('•'), warning: colour.yellow('!'), info: colour.dim('i') }[problem.level];
  const lines = [`${mark} ${problem.message}`];
  if (problem.hint) lines.push(colour.dim(`    → ${problem.hint}`));
  return lines;
}

function roleTable(roles: RoleStatus[], colour: Palette, showChange: boolean): string[] {
  const width = Math.max(4, ...roles.map((role) => role.name.length)) + 2;
  const header = `  ${'role'.padEnd(width)}${'version'.padEnd(showChange ? 16 : 9)}${'expires'.padEnd(22)}signatures`;
  const lines = [colour.dim(header)];
  for (const role of roles) {
    const tint = resultColour(role.result, colour);
    const own = role.signers.at(-1);
    const signatures = role.change === 'unchanged' || role.change === 'deleted' ? colour.dim(role.change) : own ? signerLine(own) : '-';
    const online = role.online ? colour.dim(' (online)') : '';
    const due = role.inSigningPeriod && role.change !== 'deleted' ? colour.yellow(` re-sign due since ${role.signingPeriodStart}`) : '';
    lines.push(
      `  ${tint(role.name.padEnd(width))}${versionText(role).padEnd(showChange ? 16 : 9)}${(role.expires ?? '-').padEnd(22)}${signatures}${online}${due}`,
    );
    // Root needs the previous root's threshold too: show every authority when there are several.
    if (role.signers.length > 1 && role.change !== 'unchanged') {
      for (const set of role.signers) lines.push(colour.dim(`  ${''.padEnd(width)}${set.authority}: ${signerLine(set)}`));
    }
  }
  return lines;
}

export function renderText(report: StatusReport, colour: Palette): string {
  const lines: string[] = [];
  if (report.kind === 'event') {
    lines.push(colour.bold(`signing event ${report.event} (${report.ref} @ ${short(report.commit)}), known good ${short(report.knownGood)}, at ${report.at}`), '');
    const changed = report.roles.filter((role) => role.change !== 'unchanged');
    if (changed.length > 0) lines.push(...roleTable(changed, colour, true));
    else lines.push('  no role changes yet');
    const unchanged = report.roles.filter((role) => role.change === 'unchanged');
    if (unchanged.length > 0) lines.push(colour.dim(`  unchanged: ${unchanged.map((role) => `${role.name} ${versionText(role)}`).join(', ')}`));
    if (report.artifacts.changes.length > 0) {
      lines.push('', 'artifacts:');
      for (const change of report.artifacts.changes) {
        const sign = { added: '+', modified: '~', removed: '-' }[change.change];
        const facts = change.length === null ? '' : `  ${change.length} bytes  sha256 ${change.sha256}`;
        lines.push(`  ${sign} ${change.path}${facts}`);
      }
    }
  } else {
    lines.push(colour.bold(`${report.ref} @ ${short(report.commit)}, at ${report.at}`), '');
    lines.push(...roleTable(report.roles, colour, false));
    lines.push('', `  ${report.artifacts.total} artifact${report.artifacts.total === 1 ? '' : 's'} in targets/`);
  }

  const shown = report.problems.filter((entry) => entry.level !== 'info');
  if (shown.length > 0) {
    lines.push('');
    for (const entry of shown) lines.push(...problemLines(entry, colour));
  }
  lines.push('', resultColour(report.result, colour)(colour.bold(RESULT_TEXT[report.result])) + summary(report));
  return `${lines.join('\n')}\n`;
}

/** One line on what happens next. */
export function summary(report: StatusReport): string {
  if (report.result === 'invalid') {
    const errors = report.problems.filter((entry) => entry.level === 'error').length;
    return `: ${errors} problem${errors === 1 ? '' : 's'} to fix`;
  }
  if (report.result === 'waiting') {
    const waiting = report.roles.filter((role) => role.result === 'waiting').map((role) => role.name);
    const actions = report.problems.filter((entry) => entry.level === 'action').length;
    const parts = [];
    if (waiting.length > 0) parts.push(`signatures for ${waiting.join(', ')}`);
    if (actions > 0) parts.push(`${actions} action${actions === 1 ? '' : 's'}`);
    return parts.length > 0 ? `: waiting for ${parts.join(' and ')}` : '';
  }
  return report.kind === 'event' ? ': ready to merge' : '';
}
