/**
 * Signing events (`sign/*` branches) through the real `git tuf status`: rollbacks against known
 * good and changes to the online roles are invalid (exit 2); an unsigned change waits for its
 * signers (exit 1) and is complete once signed (exit 0); an open invitation waits (exit 1).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commitTree, gitTuf, statusJson } from './helpers/cli.js';
import { git } from './helpers/git.js';
import { baseModel, changedFrom, ENV, expectInvalid, expectValid, keys, repoWith, startEvent, tamperSignature } from './status-adversarial-helpers.js';

type Json = Record<string, any>;
const { tina } = keys;

function roleOf(report: Json, name: string): Json {
  const role = report.roles.find((entry: Json) => entry.name === name);
  assert.ok(role, `no role ${name} in ${JSON.stringify(report.roles.map((entry: Json) => entry.name))}`);
  return role;
}

function expectWaiting(dir: string): { report: Json; text: string } {
  const { code, report, stderr } = statusJson(dir, [], ENV);
  const text = gitTuf(dir, ['status'], ENV);
  const context = `\nproblems: ${JSON.stringify(report?.problems ?? null, null, 1)}\ntext:\n${text.stdout}\nstderr:\n${stderr}${text.stderr}`;
  assert.is(code, 1, `expected exit 1${context}`);
  assert.is(report.result, 'waiting', context);
  assert.is(text.code, 1, `text: expected exit 1${context}`);
  assert.not.ok(/^\s+at /m.test(`${stderr}\n${text.stdout}\n${text.stderr}`), `stack trace${context}`);
  assert.equal(report.problems.filter((entry: Json) => entry.level === 'error'), [], context);
  return { report, text: text.stdout };
}

test('baseline: main and a fresh event branch verify (exit 0)', () => {
  const dir = repoWith(baseModel().files());
  expectValid(dir);
  startEvent(dir, 'nothing');
  const report = expectValid(dir);
  assert.is(report.kind, 'event');
});

test('7. targets rolled back below known good on a sign/* branch (an old, properly signed targets.json)', () => {
  const model = baseModel();
  model.role('targets').signed.version = 2;
  const v2 = model.files();
  const dir = repoWith(v2, 'targets v2');
  model.role('targets').signed.version = 3;
  const v3 = changedFrom(v2, model.files(), ['metadata/targets.json', 'metadata/snapshot.json', 'metadata/timestamp.json']);
  commitTree(dir, v3, 'targets v3');
  expectValid(dir);
  startEvent(dir, 'rollback');
  // The event replays the old targets v2 bytes (signed by @tina): a rollback, not a new version.
  commitTree(dir, changedFrom(v3, v2, ['metadata/targets.json']), 'replay targets v2');
  expectInvalid(dir, /\btargets\b/, { role: 'targets' });
});

test('7. targets re-signed at the same version as known good on a sign/* branch', () => {
  const model = baseModel();
  const main = model.files();
  const dir = repoWith(main, 'main');
  startEvent(dir, 'same-version');
  model.setArtifact('b.txt', 'new artifact\n');
  commitTree(dir, changedFrom(main, model.files(), ['metadata/targets.json']), 'new artifact, targets still v1');
  expectInvalid(dir, /\btargets\b/, { role: 'targets' });
});

test('19. snapshot changed on a sign/* branch', () => {
  const model = baseModel();
  const main = model.files();
  const dir = repoWith(main, 'main');
  startEvent(dir, 'snapshot');
  model.role('snapshot').signed.version = 2;
  commitTree(dir, changedFrom(main, model.files(), ['metadata/snapshot.json']), 'snapshot v2 in an event');
  expectInvalid(dir, 'snapshot', { role: 'snapshot' });
});

test('19. timestamp changed on a sign/* branch', () => {
  const model = baseModel();
  const main = model.files();
  const dir = repoWith(main, 'main');
  startEvent(dir, 'timestamp');
  model.role('timestamp').signed.version = 2;
  commitTree(dir, changedFrom(main, model.files(), ['metadata/timestamp.json']), 'timestamp v2 in an event');
  expectInvalid(dir, 'timestamp', { role: 'timestamp' });
});

test('19. an event checked by name from main (git tuf status sign/…) is still an event', () => {
  const model = baseModel();
  const main = model.files();
  const dir = repoWith(main, 'main');
  const branch = startEvent(dir, 'timestamp-by-name');
  model.role('timestamp').signed.version = 2;
  commitTree(dir, changedFrom(main, model.files(), ['metadata/timestamp.json']), 'timestamp v2 in an event');
  git(dir, 'checkout', '-q', 'main');
  expectInvalid(dir, 'timestamp', { ref: branch, role: 'timestamp' });
});

test('1. a tampered signature on the event\'s new targets version is invalid, not waiting', () => {
  const model = baseModel();
  const main = model.files();
  const dir = repoWith(main, 'main');
  startEvent(dir, 'tampered');
  model.role('targets').signed.version = 2;
  model.setArtifact('b.txt', 'new artifact\n');
  const files = changedFrom(main, model.files(), ['metadata/targets.json']);
  files.set('metadata/targets.json', tamperSignature(files.get('metadata/targets.json')!));
  commitTree(dir, files, 'targets v2 with a tampered signature');
  expectInvalid(dir, 'targets.json', { role: 'targets' });
});

test('2. the event\'s new targets version signed by a key that is not a targets signer is invalid, not waiting', () => {
  const model = baseModel();
  const main = model.files();
  const dir = repoWith(main, 'main');
  startEvent(dir, 'foreign');
  model.role('targets').signed.version = 2;
  model.setArtifact('b.txt', 'new artifact\n');
  model.role('targets').signers = [keys.mallory];
  commitTree(dir, changedFrom(main, model.files(), ['metadata/targets.json']), 'targets v2 signed by @mallory');
  expectInvalid(dir, 'targets', { role: 'targets' });
});

test('event: targets bumped to known good + 1 with a new artifact, unsigned → waiting (1), signed → complete (0)', () => {
  const model = baseModel();
  model.role('targets').signed.version = 4;
  const main = model.files();
  const dir = repoWith(main, 'main');
  startEvent(dir, 'new-artifact');

  model.role('targets').signed.version = 5;
  model.role('targets').signed.expires = '2030-12-01T00:00:00Z';
  model.setArtifact('b.txt', 'new artifact\n');
  model.role('targets').signers = [];
  model.role('targets').placeholders = [tina];
  commitTree(dir, changedFrom(main, model.files(), ['metadata/targets.json']), 'targets v5, awaiting signatures');
  const { report, text } = expectWaiting(dir);
  const targets = roleOf(report, 'targets');
  assert.is(targets.change, 'modified');
  assert.is(targets.version, 5);
  assert.is(targets.knownGoodVersion, 4);
  assert.equal(targets.missing, ['@tina']);
  assert.equal(targets.signed, []);
  assert.equal(report.artifacts.changes.map((change: Json) => [change.path, change.change]), [['b.txt', 'added']]);
  assert.match(text, '@tina');

  model.role('targets').signers = [tina];
  commitTree(dir, changedFrom(main, model.files(), ['metadata/targets.json']), 'signed by @tina');
  const signed = expectValid(dir);
  assert.equal(roleOf(signed, 'targets').signed, ['@tina']);
  assert.equal(roleOf(signed, 'targets').missing, []);
});

test('event: an open invitation in metadata/.signing-event-state → waiting (1), naming the invitee', () => {
  const main = baseModel().files();
  const dir = repoWith(main, 'main');
  startEvent(dir, 'invite');
  const files = new Map(main);
  files.set('metadata/.signing-event-state', Buffer.from(JSON.stringify({ invites: { '@dana': ['targets'] } }, null, 1)));
  commitTree(dir, files, 'invite @dana');
  const { report, text } = expectWaiting(dir);
  assert.equal(report.invitations, [{ signer: '@dana', roles: ['targets'] }]);
  assert.ok(report.problems.some((entry: Json) => entry.level === 'action' && entry.message.includes('@dana')), JSON.stringify(report.problems));
  assert.match(text, '@dana');
});

test.run();
