// `git tuf update` on a replay of Sigstore's staging repository: at the instant tuf-on-ci updated
// the targets metadata for a new artifact, git tuf writes a byte-identical targets.json, leaves the
// online delegated role alone, and a second run commits nothing.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commitTree, gitTuf, statusJson } from './helpers/cli.js';
import { filesOf, stagingFixtures } from './helpers/fixtures.js';
import { git, initRepo, tempDir } from './helpers/git.js';

const event = path.join(stagingFixtures, 'event-sc-rekor-v2');
// tuf-on-ci wrote targets v28 at this instant: its expiry minus the 3650-day expiry period.
const UPDATED_AT = '2026-07-02T08:21:59Z';

test('the new artifact gives targets.json byte for byte as tuf-on-ci wrote it; nothing else changes; once only', () => {
  const dir = initRepo(tempDir('update-fixture'));
  commitTree(dir, filesOf(path.join(event, '00-4e1e67e')), 'main', '2026-07-01T19:33:08Z');
  git(dir, 'checkout', '-q', '-b', 'sign/sc-rekor-v2');
  const added = commitTree(dir, filesOf(path.join(event, '01-52973a6')), 'Add signing_config_rekor_v2.v0.2.json', '2026-07-02T08:20:36Z');

  const result = gitTuf(path.join(dir, 'metadata'), ['update', '--json'], { GIT_TUF_NOW: UPDATED_AT });
  assert.is(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.equal(report.artifacts.added, ['signing_config_rekor_v2.v0.2.json']);
  assert.equal(report.roles, [{ role: 'targets', version: 28, expires: '2036-06-29T08:21:59Z' }]);
  const expected = readFileSync(path.join(event, '02-3b2202a', 'metadata', 'targets.json'));
  assert.ok(Buffer.from(git(dir, 'show', 'sign/sc-rekor-v2:metadata/targets.json'), 'utf8').equals(expected), 'targets.json differs from tuf-on-ci\'s');
  assert.is(git(dir, 'diff', '--name-only', added, 'sign/sc-rekor-v2'), 'metadata/targets.json');
  assert.is(git(dir, 'status', '--porcelain'), '');

  const status = statusJson(dir, ['sign/sc-rekor-v2'], { GIT_TUF_NOW: UPDATED_AT });
  assert.is(status.code, 1);
  assert.is(status.report.result, 'waiting');

  const head = git(dir, 'rev-parse', 'sign/sc-rekor-v2');
  const again = gitTuf(dir, ['update'], { GIT_TUF_NOW: '2026-07-03T00:00:00Z' });
  assert.is(again.code, 0, again.stderr);
  assert.is(again.stdout, 'sign/sc-rekor-v2 is up to date with targets/: nothing to commit\n');
  assert.is(git(dir, 'rev-parse', 'sign/sc-rekor-v2'), head);
});

test.run();
