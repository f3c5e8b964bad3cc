/** The renderers show what the report says: roles, signers, artifacts, problems, the result. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RoleStatus, StatusReport } from '../git-tuf/repo/report.js';
import { palette, wantsColour } from '../git-tuf/ui/colour.js';
import { renderMarkdown } from '../git-tuf/ui/markdown.js';
import { renderText } from '../git-tuf/ui/text.js';

function role(overrides: Partial<RoleStatus>): RoleStatus {
  return {
    name: 'targets', file: 'metadata/targets.json', change: 'modified', version: 28, knownGoodVersion: 27,
    expires: '2036-06-29T08:21:59Z', signingPeriodStart: null, inSigningPeriod: false, online: false,
    threshold: 1, signed: [], missing: ['@jku', '@joshuagl'],
    signers: [{ authority: 'root', threshold: 1, signed: [], missing: ['@jku', '@joshuagl'], met: false }],
    result: 'waiting', problems: [], ...overrides,
  };
}

const event: StatusReport = {
  schema: 'git-tuf-status/1', kind: 'event', ref: 'sign/new-thing', commit: 'a'.repeat(40), event: 'new-thing',
  knownGood: 'b'.repeat(40), at: '2026-07-03T12:00:00Z', result: 'waiting', exitCode: 1,
  roles: [role({}), role({ name: 'snapshot', change: 'unchanged', version: 24, knownGoodVersion: 24, online: true, signers: [], result: 'valid' })],
  artifacts: { total: 13, changes: [{ path: 'a|b.json', change: 'added', length: 1703, sha256: 'c'.repeat(64) }] },
  invitations: [{ signer: '@dana', roles: ['targets'] }],
  problems: [{ level: 'action', role: null, file: 'metadata/.signing-event-state', message: '@dana is invited to sign targets and has not accepted yet', hint: '@dana accepts with git tuf sign' }],
};

test('text: an event shows its changed roles, who can sign, artifacts, actions and the result', () => {
  const text = renderText(event, palette(false));
  assert.match(text, /signing event new-thing \(sign\/new-thing @ aaaaaaa\), known good bbbbbbb/);
  assert.match(text, /targets\s+v27 → v28\s+2036-06-29T08:21:59Z\s+0 of 1 signed; can sign: @jku, @joshuagl/);
  assert.match(text, /unchanged: snapshot v24/);
  assert.match(text, /\+ a\|b\.json {2}1703 bytes {2}sha256 c{64}/);
  assert.match(text, /• @dana is invited to sign targets/);
  assert.match(text, /→ @dana accepts with git tuf sign/);
  assert.match(text, /valid, waiting: waiting for signatures for targets and 1 action\n$/);
  assert.not.match(text, /\x1b\[/, 'no colour codes when colour is off');
});

test('markdown: a title with the result, a role table, artifacts in details, escaped cells', () => {
  const markdown = renderMarkdown(event);
  assert.match(markdown, /^### ⏳ Signing event `new-thing`: waiting/);
  assert.match(markdown, /\| targets \| v27 → v28 \| 2036-06-29T08:21:59Z \| 0 of 1 signed; can sign: @jku, @joshuagl \| ⏳ waiting \|/);
  assert.not.match(markdown, /\| snapshot \|/, 'unchanged roles are left out of an event table');
  assert.match(markdown, /<details><summary>Artifact changes<\/summary>/);
  assert.match(markdown, /\| added \| `a\\\|b\.json` \| 1703 \|/);
  assert.match(markdown, /- \*\*to do\*\*: @dana is invited/);
});

test('colour: only on a TTY, never with NO_COLOR, always with FORCE_COLOR', () => {
  assert.ok(wantsColour({ isTTY: true }, {}));
  assert.not.ok(wantsColour({ isTTY: false }, {}));
  assert.not.ok(wantsColour({ isTTY: true }, { NO_COLOR: '1' }));
  assert.not.ok(wantsColour({ isTTY: true }, { TERM: 'dumb' }));
  assert.ok(wantsColour({ isTTY: false }, { FORCE_COLOR: '1' }));
  assert.match(renderText({ ...event, result: 'invalid' }, palette(true)), /\x1b\[31m/);
});

test.run();
