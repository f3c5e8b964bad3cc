/** The status report as Markdown, for a pull-request or merge-request comment. */
import type { Problem, StatusReport } from '../repo/report.js';
import { short, signerLine, summary, versionText } from './text.js';

const ICON = { valid: '✅', waiting: '⏳', invalid: '❌' } as const;

/** Markdown table cells must not break the table. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function problemItem(problem: Problem): string {
  const label = { error: '**error**', action: '**to do**', warning: 'warning', info: 'note' }[problem.level];
  return `- ${label}: ${cell(problem.message)}${problem.hint ? ` — ${cell(problem.hint)}` : ''}`;
}

export function renderMarkdown(report: StatusReport): string {
  const lines: string[] = [];
  const title =
    report.kind === 'event'
      ? `### ${ICON[report.result]} Signing event \`${report.event}\`: ${report.result}`
      : `### ${ICON[report.result]} \`${report.ref}\`: ${report.result}`;
  lines.push(title, '');
  const context =
    report.kind === 'event'
      ? `Commit \`${short(report.commit)}\`, known good \`${short(report.knownGood)}\`, evaluated at ${report.at}.`
      : `Commit \`${short(report.commit)}\`, evaluated at ${report.at}.`;
  lines.push(`${context}${summary(report) ? ` Result: ${report.result}${summary(report)}.` : ''}`, '');

  const roles = report.kind === 'event' ? report.roles.filter((role) => role.change !== 'unchanged') : report.roles;
  if (roles.length > 0) {
    lines.push('| role | version | expires | signatures | status |', '|---|---|---|---|---|');
    for (const role of roles) {
      const signatures = role.signers.map((set) => (role.signers.length > 1 ? `${set.authority}: ${signerLine(set)}` : signerLine(set))).join('<br>');
      lines.push(`| ${cell(role.name)} | ${cell(versionText(role))} | ${role.expires ?? '-'} | ${cell(signatures || '-')} | ${ICON[role.result]} ${role.result} |`);
    }
    lines.push('');
  }
  if (report.artifacts.changes.length > 0) {
    lines.push('<details><summary>Artifact changes</summary>', '', '| change | path | length | sha256 |', '|---|---|---|---|');
    for (const change of report.artifacts.changes) {
      lines.push(`| ${change.change} | \`${cell(change.path)}\` | ${change.length ?? ''} | ${change.sha256 ? `\`${change.sha256}\`` : ''} |`);
    }
    lines.push('', '</details>', '');
  }
  const shown = report.problems.filter((entry) => entry.level !== 'info');
  if (shown.length > 0) lines.push(...shown.map(problemItem), '');
  return `${lines.join('\n')}`;
}
