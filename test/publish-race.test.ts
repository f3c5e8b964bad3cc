import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { git } from './helpers/git.js';
import { addArtifact, env, pausedPublish, publisher, publishWorld, pushModel } from './helpers/publish-world.js';
import { gitTufAsync } from './helpers/signing.js';

test('two publishers racing with --push: one online signature lands per role, the other ends cleanly on it', async () => {
  const world = publishWorld();
  addArtifact(world, 'new.txt', 'new artifact');
  const merged = pushModel(world, 'Add new.txt');
  const first = publisher(world, 'ci-a');
  const second = publisher(world, 'ci-b');
  // Distinct committers, so that two signatures made in the same second are two different commits.
  const runs = await Promise.all(
    [first, second].map((dir, index) => gitTufAsync(dir, ['publish', '--push', '--out', 'site', '--json'], { ...env, FORCE_COLOR: undefined, GIT_COMMITTER_NAME: `ci-${index}` })),
  );
  for (const run of runs) assert.is(run.code, 0, run.stderr);
  const reports = runs.map((run) => JSON.parse(run.stdout));

  const log = git(world.upstream, 'log', '--format=%s', `${merged}..main`).split('\n');
  assert.equal(log, ['Online sign (snapshot v2, timestamp v2)'], 'exactly one online-sign commit on main');
  const signers = reports.filter((report) => report.signed.length > 0);
  assert.is(signers.length, 1, 'one publisher signed');
  assert.is(signers[0].commit, git(world.upstream, 'rev-parse', 'main'));
  const other = reports.find((report) => report.signed.length === 0);
  assert.is(other.commit, null, 'the other wrote no commit of its own');
  for (const report of reports) assert.is(report.main, git(world.upstream, 'rev-parse', 'main'), 'both published the main that landed');
  assert.is(git(first, 'rev-parse', 'main'), git(second, 'rev-parse', 'main'), 'both local mains moved to it');
});

test('a publisher whose push lost the race re-plans on the new main and, finding it freshly signed, signs nothing more', async () => {
  const world = publishWorld();
  addArtifact(world, 'new.txt', 'new artifact');
  pushModel(world, 'Add new.txt');
  const slow = publisher(world, 'ci-slow');
  const fast = publisher(world, 'ci-fast');
  // The slow publisher has signed and committed, but not pushed yet, when the fast one lands.
  const run = pausedPublish(slow, ['--push', '--out', 'site', '--json'], 'committed');
  const unpushed = await run.paused;
  const landed = await gitTufAsync(fast, ['publish', '--push', '--out', 'site'], { ...env, FORCE_COLOR: undefined, GIT_COMMITTER_NAME: 'fast' });
  assert.is(landed.code, 0, landed.stderr);
  const main = git(world.upstream, 'rev-parse', 'main');
  assert.is.not(main, unpushed);
  run.child.stdin.end();
  const { code, stdout, stderr } = await run.exited;
  assert.is(code, 0, stderr);
  const report = JSON.parse(stdout);
  assert.is(report.retries, 1, 'its push was refused once');
  assert.equal(report.signed, [], 'the new main already carries a fresh online signature');
  assert.is(report.commit, null);
  assert.is(report.main, main);
  assert.is(git(world.upstream, 'rev-parse', 'main'), main, 'nothing more was pushed');
  assert.is(git(slow, 'rev-parse', 'main'), main, 'its local main moved to what landed');
});

test.run();
