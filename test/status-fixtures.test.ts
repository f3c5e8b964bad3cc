/**
 * Sigstore's root-signing-staging states, replayed as git history (main, then a sign/… branch,
 * one commit per state with its original dates), give the results its README states, through
 * the real `git tuf status`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commitTree, gitTuf, statusJson } from './helpers/cli.js';
import { filesOf, stagingFixtures as fixtures } from './helpers/fixtures.js';
import { git, initRepo, tempDir } from './helpers/git.js';

interface State { dir: string; commit_date: string; subject: string }
const manifest = JSON.parse(readFileSync(path.join(fixtures, 'manifest.json'), 'utf8')) as Record<string, State[]>;
const HANDLES = ['@jku', '@kommendorkapten', '@joshuagl', '@mnm678'];

interface Replayed { dir: string; branch: string; commits: string[] }

/** Commits the states in order: the first on main, the rest on `branch`. Returns commit ids. */
function replay(name: string, branch: string): Replayed {
  const dir = initRepo(tempDir(`fixture-${name}`));
  const commits = manifest[name]!.map((state, index) => {
    if (index === 1) git(dir, 'checkout', '-q', '-b', branch);
    return commitTree(dir, filesOf(path.join(fixtures, name, state.dir)), state.subject, state.commit_date);
  });
  git(dir, 'checkout', '-q', 'main');
  return { dir, branch, commits };
}

/** Status of the event branch moved to the state at `index`. */
function eventAt(replayed: Replayed, index: number, env: Record<string, string>): { code: number; report: any } {
  git(replayed.dir, 'branch', '-f', replayed.branch, replayed.commits[index]!);
  return statusJson(replayed.dir, [replayed.branch], env);
}

function role(report: any, name: string): any {
  const found = report.roles.find((entry: { name: string }) => entry.name === name);
  assert.ok(found, `no role ${name} in the report`);
  return found;
}

const head = (() => {
  const dir = initRepo(tempDir('fixture-head'));
  const [state] = manifest.head!;
  commitTree(dir, filesOf(path.join(fixtures, 'head')), state!.subject, state!.commit_date);
  return dir;
})();

test('head: everything verifies on 2026-08-27 (exit 0)', () => {
  const { code, report } = statusJson(head, [], { GIT_TUF_NOW: '2026-08-27T00:00:00Z' });
  assert.is(code, 0, JSON.stringify(report.problems));
  assert.is(report.kind, 'repository');
  assert.is(report.result, 'valid');
  assert.equal(report.roles.map((entry: { name: string }) => entry.name), ['root', 'targets', 'registry.npmjs.org', 'snapshot', 'timestamp']);
  assert.is(role(report, 'root').version, 14);
  assert.is(role(report, 'targets').version, 28);
  assert.is(role(report, 'timestamp').expires, '2026-08-28T19:23:59Z');
  assert.is(report.artifacts.total, 12);
  assert.ok(!report.problems.some((entry: { level: string }) => entry.level === 'error'));
});

test('head: root history keyid mismatches are a warning, not an error', () => {
  const { report } = statusJson(head, [], { GIT_TUF_NOW: '2026-08-27T00:00:00Z' });
  const warning = report.problems.find((entry: { message: string }) => entry.message.includes('not the key\'s sha256'));
  assert.ok(warning);
  assert.is(warning.level, 'warning');
});

test('head: on 2026-08-29 the timestamp has expired (exit 2, names timestamp)', () => {
  const { code, report } = statusJson(head, [], { GIT_TUF_NOW: '2026-08-29T00:00:00Z' });
  assert.is(code, 2);
  const errors = report.problems.filter((entry: { level: string }) => entry.level === 'error');
  assert.is(errors.length, 1);
  assert.is(errors[0].role, 'timestamp');
  assert.match(errors[0].message, /timestamp expired at 2026-08-28T19:23:59Z/);
  const text = gitTuf(head, ['status'], { GIT_TUF_NOW: '2026-08-29T00:00:00Z' });
  assert.is(text.code, 2);
  assert.match(text.stdout, /timestamp expired at 2026-08-28T19:23:59Z/);
});

test('head: --at evaluates expiry at another time than now', () => {
  const { code } = statusJson(head, ['--at', '2026-08-29T00:00:00Z'], { GIT_TUF_NOW: '2026-08-27T00:00:00Z' });
  assert.is(code, 2);
});

const rootEvent = replay('event-root-v14', 'sign/root-v14');
const AT_ROOT = { GIT_TUF_NOW: '2026-04-28T12:00:00Z' };

const rootEventAt = (index: number) => eventAt(rootEvent, index, AT_ROOT);

test('root v14 event, unsigned: waiting (exit 1), 2 of v13 and 2 of v14 keys needed, four keyholders can sign', () => {
  const { code, report } = rootEventAt(1);
  assert.is(code, 1, JSON.stringify(report.problems));
  assert.is(report.kind, 'event');
  assert.is(report.event, 'root-v14');
  assert.is(report.knownGood, rootEvent.commits[0]);
  const root = role(report, 'root');
  assert.is(root.change, 'modified');
  assert.is(root.version, 14);
  assert.is(root.knownGoodVersion, 13);
  assert.is(root.result, 'waiting');
  assert.equal(
    root.signers.map((set: any) => [set.authority, set.threshold, set.signed.length]),
    [['root v13', 2, 0], ['root v14', 2, 0]],
  );
  assert.equal([...root.missing].sort(), [...HANDLES].sort());
  // Only root changes; main's own timestamp re-signing is not part of the event.
  for (const name of ['targets', 'registry.npmjs.org', 'snapshot', 'timestamp']) assert.is(role(report, name).change, 'unchanged');
  assert.equal(report.artifacts.changes, []);
});

test('root v14 event signed by @jku: still waiting (exit 1), 1 of 2', () => {
  const { code, report } = rootEventAt(2);
  assert.is(code, 1);
  const root = role(report, 'root');
  assert.equal(root.signed, ['@jku']);
  assert.equal(root.signers.map((set: any) => `${set.signed.length}/${set.threshold}`), ['1/2', '1/2']);
  assert.ok(!root.missing.includes('@jku'));
});

test('root v14 event signed by @jku and @kommendorkapten: complete (exit 0)', () => {
  const { code, report } = rootEventAt(3);
  assert.is(code, 0, JSON.stringify(report.problems));
  assert.is(report.result, 'valid');
  assert.equal([...role(report, 'root').signed].sort(), ['@jku', '@kommendorkapten']);
});

test('root v14 event: status of the checked-out event branch, from a subdirectory', () => {
  git(rootEvent.dir, 'branch', '-f', 'sign/root-v14', rootEvent.commits[2]!);
  git(rootEvent.dir, 'checkout', '-q', 'sign/root-v14');
  try {
    const { code, report } = statusJson(path.join(rootEvent.dir, 'metadata', 'root_history'), [], AT_ROOT);
    assert.is(code, 1);
    assert.is(report.ref, 'sign/root-v14');
  } finally {
    git(rootEvent.dir, 'checkout', '-q', 'main');
  }
});

const artifactEvent = replay('event-sc-rekor-v2', 'sign/sc-rekor-v2');
const AT_ARTIFACT = { GIT_TUF_NOW: '2026-07-03T12:00:00Z' };

const artifactEventAt = (index: number) => eventAt(artifactEvent, index, AT_ARTIFACT);

test('artifact event, metadata not updated yet: never complete, says git tuf update fixes it', () => {
  const { code, report } = artifactEventAt(1);
  assert.is(code, 1);
  assert.is.not(report.result, 'valid');
  const action = report.problems.find((entry: any) => entry.level === 'action' && entry.role === 'targets');
  assert.ok(action, JSON.stringify(report.problems));
  assert.match(action.message, /targets metadata does not match targets\//);
  assert.match(action.message, /signing_config_rekor_v2\.v0\.2\.json/);
  assert.match(action.hint, /git tuf update/);
  assert.equal(report.artifacts.changes.map((change: any) => [change.change, change.path]), [['added', 'signing_config_rekor_v2.v0.2.json']]);
  assert.is(report.artifacts.changes[0].length, 1703);
  const text = gitTuf(artifactEvent.dir, ['status', 'sign/sc-rekor-v2'], AT_ARTIFACT);
  assert.match(text.stdout, /git tuf update/);
});

test('artifact event, targets v28 unsigned: waiting for a targets signature (exit 1)', () => {
  const { code, report } = artifactEventAt(2);
  assert.is(code, 1);
  const targets = role(report, 'targets');
  assert.is(targets.change, 'modified');
  assert.is(targets.version, 28);
  assert.is(targets.knownGoodVersion, 27);
  assert.is(targets.threshold, 1);
  assert.equal(targets.signed, []);
  assert.equal([...targets.missing].sort(), [...HANDLES].sort());
  assert.ok(!report.problems.some((entry: any) => entry.level === 'action'));
});

test('artifact event signed by @jku: the threshold is 1, so complete (exit 0)', () => {
  const { code, report } = artifactEventAt(3);
  assert.is(code, 0, JSON.stringify(report.problems));
  assert.equal(role(report, 'targets').signed, ['@jku']);
});

test('artifact event signed by two: complete (exit 0)', () => {
  const { code, report } = artifactEventAt(4);
  assert.is(code, 0);
  assert.equal([...role(report, 'targets').signed].sort(), ['@jku', '@kommendorkapten']);
});

test('in a clone, known good is the pull remote\'s main even without a local main', () => {
  const clone = tempDir('fixture-clone');
  git(clone, 'clone', '-q', artifactEvent.dir, '.');
  git(clone, 'checkout', '-q', '-b', 'sign/sc-rekor-v2', artifactEvent.commits[3]!);
  git(clone, 'branch', '-D', 'main');
  const { code, report } = statusJson(clone, [], AT_ARTIFACT);
  assert.is(code, 0, JSON.stringify(report?.problems));
  assert.is(report.knownGood, artifactEvent.commits[0]);
  const remoteRef = statusJson(clone, ['origin/sign/sc-rekor-v2'], AT_ARTIFACT);
  assert.is(remoteRef.report.kind, 'event');
});

test.run();
