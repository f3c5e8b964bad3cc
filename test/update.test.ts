// `git tuf update` on a replay of Sigstore's staging repository: at the instant tuf-on-ci updated
// the targets metadata for a new artifact, git tuf writes a byte-identical targets.json, leaves the
// online delegated role alone, and a second run commits nothing.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commitTree, gitTuf, statusJson } from './helpers/cli.js';
import { filesOf, stagingFixtures } from './helpers/fixtures.js';
import { withRepositoryFacts } from '../git-tuf/git/fact-memo.js';
import { GitRepository } from '../git-tuf/git/repository.js';
import { artifactsToMatch, matchCandidates } from '../git-tuf/repo/artifact-match.js';
import { loadState } from '../git-tuf/repo/state.js';
import { commitFiles, git, initRepo, tempDir } from './helpers/git.js';
import { RepoModel, testKey } from './helpers/tuf-repo.js';

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

test('after main was verified, update syncs only the files changed since, and writes what a full sync writes', async () => {
  const owner = testKey('ed25519', { owner: '@owner' });
  const pkg = testKey('ed25519', { owner: '@pkg' });
  const model = new RepoModel({ rootKeys: [owner], onlineKey: testKey('ed25519', { onlineUri: 'file:online.pem' }), artifacts: { 'a.txt': 'a', 'keep.txt': 'k', 'pkg/p.txt': 'p' }, delegations: [{ name: 'pkg', keys: [pkg] }] });
  const dir = initRepo(tempDir('update-scoped'));
  const main = commitTree(dir, model.files(), 'main');
  const at = { GIT_TUF_NOW: '2026-01-01T00:00:00Z' };
  const changes = { 'targets/a.txt': 'changed', 'targets/b/new.txt': 'new', 'targets/pkg/p.txt': null, 'targets/pkg/q.txt': 'q' };
  const updated = (branch: string): { targets: string; pkg: string } => {
    git(dir, 'checkout', '-q', '-b', branch, main);
    commitFiles(dir, changes, 'change files');
    const result = gitTuf(dir, ['update', '--json'], at);
    assert.is(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).artifacts, { added: ['b/new.txt', 'pkg/q.txt'], modified: ['a.txt'], removed: ['pkg/p.txt'], removedRoles: [] });
    return { targets: git(dir, 'show', `${branch}:metadata/targets.json`), pkg: git(dir, 'show', `${branch}:metadata/pkg.json`) };
  };

  const full = updated('sign/full'); // nothing verified yet: every path is synced
  git(dir, 'checkout', '-q', 'main');
  assert.is(statusJson(dir, [], at).code, 0);
  git(dir, 'checkout', '-q', '-b', 'sign/probe', main);
  commitFiles(dir, changes, 'change files');
  const repo = await GitRepository.open(dir);
  const event = await loadState(repo, (await repo.head()).commit!);
  const scope = await withRepositoryFacts(repo.commonDir, () => artifactsToMatch(repo, event, matchCandidates(repo, event.commit)));
  repo.close();
  assert.equal(scope && [...scope].sort(), ['a.txt', 'b/new.txt', 'pkg/p.txt', 'pkg/q.txt'], 'main verified: only the changed files are synced');
  const scoped = updated('sign/scoped');
  assert.equal(scoped, full);
});

test.run();
