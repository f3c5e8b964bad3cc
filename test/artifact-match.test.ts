// Artifacts matched at an earlier commit are not matched again: after a status that found every
// artifact matching, the next commits read and check only the files changed since, yet every
// disagreement in them is still reported, and any change to the targets metadata checks all.
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { withRepositoryFacts } from '../git-tuf/git/fact-memo.js';
import { GitRepository } from '../git-tuf/git/repository.js';
import { scopedLoad } from '../git-tuf/repo/artifact-match.js';
import { commitTree, statusJson } from './helpers/cli.js';
import { commitFiles, git, initRepo, tempDir } from './helpers/git.js';
import { RepoModel, testKey } from './helpers/tuf-repo.js';

const AT = ['--at', '2026-01-01'];
const alice = testKey('ed25519', { owner: '@alice' });
const pkgKey = testKey('ed25519', { owner: '@pkg' });
const online = testKey('ed25519', { onlineUri: 'file:online.pem' });

function world(): { repo: string; model: RepoModel } {
  const model = new RepoModel({
    rootKeys: [alice],
    onlineKey: online,
    artifacts: { 'a.txt': 'a', 'b/c.txt': 'c', 'pkg/p.txt': 'p' },
    delegations: [{ name: 'pkg', keys: [pkgKey] }],
  });
  const repo = initRepo(tempDir('artifact-match'));
  commitTree(repo, model.files(), 'valid');
  return { repo, model };
}

/** The artifact paths status would read at HEAD; null: all of them. */
async function pathsRead(repo: string): Promise<string[] | null> {
  const git = await GitRepository.open(repo);
  try {
    const head = (await git.head()).commit!;
    const scoped = await withRepositoryFacts(git.commonDir, () => scopedLoad(git, head));
    return scoped ? [...scoped.paths].sort() : null;
  } finally {
    git.close();
  }
}

const messages = (report: { problems: { message: string }[] }): string[] => report.problems.map((found) => found.message).sort();

test('a commit that only changes files is checked in those files alone, and each disagreement is reported', async () => {
  const { repo } = world();
  assert.is(await pathsRead(repo), null, 'nothing is known before the first status');
  const first = statusJson(repo, AT);
  assert.is(first.code, 0, first.stderr);
  assert.equal(await pathsRead(repo), [], 'the commit status verified needs no artifact read again');

  commitFiles(repo, { 'targets/a.txt': 'changed', 'targets/new.txt': 'not listed', 'README.md': 'not an artifact' }, 'edit files');
  symlinkSync('a.txt', path.join(repo, 'targets', 'link'));
  commitFiles(repo, {}, 'add a symlink');
  assert.equal(await pathsRead(repo), ['a.txt', 'link', 'new.txt']);
  const edited = statusJson(repo, AT);
  assert.is(edited.code, 2);
  assert.equal(messages(edited.report), [
    'targets/a.txt does not match its entry in metadata/targets.json (length or sha256 differ)',
    'targets/link is a symlink: artifacts must be regular files',
    'targets/new.txt is not in the targets metadata',
  ]);
  assert.is(edited.report.artifacts.total, 5, 'every file under targets/ is counted, read or not');

  // A failed check is never remembered: the next commit still goes back to the verified one.
  commitFiles(repo, { 'targets/pkg/p.txt': null }, 'remove a delegated artifact');
  assert.equal(await pathsRead(repo), ['a.txt', 'link', 'new.txt', 'pkg/p.txt']);
  const removed = statusJson(repo, AT);
  assert.ok(messages(removed.report).includes('metadata/pkg.json lists pkg/p.txt, but targets/pkg/p.txt does not exist'), JSON.stringify(removed.report.problems));

  commitFiles(repo, { 'targets/a.txt': 'a', 'targets/new.txt': null, 'targets/link': null, 'targets/pkg/p.txt': 'p' }, 'restore');
  const restored = statusJson(repo, AT);
  assert.is(restored.code, 0, JSON.stringify(restored.report.problems));
  assert.is(restored.report.artifacts.total, 3);
  assert.equal(await pathsRead(repo), []);
});

test('new targets metadata, top-level or delegated, has every artifact checked again', async () => {
  const { repo, model } = world();
  assert.is(statusJson(repo, AT).code, 0);

  // Re-signed targets that no longer list a file that is still there: only a full check sees it.
  delete (model.role('targets').signed.targets as Record<string, unknown>)['b/c.txt'];
  model.role('targets').signed.version = 2;
  const files = model.files();
  files.set('targets/b/c.txt', Buffer.from('c'));
  commitTree(repo, files, 'targets drops an entry');
  assert.is(await pathsRead(repo), null);
  const dropped = statusJson(repo, AT);
  assert.is(dropped.code, 2);
  assert.equal(messages(dropped.report), ['targets/b/c.txt is not in the targets metadata']);

  const fresh = world();
  assert.is(statusJson(fresh.repo, AT).code, 0);
  fresh.model.setArtifact('pkg/q.txt', 'q');
  fresh.model.role('pkg').signed.version = 2;
  const withQ = fresh.model.files();
  withQ.delete('targets/pkg/q.txt'); // listed by the new pkg.json, never committed
  commitTree(fresh.repo, withQ, 'pkg lists a file that is not there');
  assert.is(await pathsRead(fresh.repo), null);
  const missing = statusJson(fresh.repo, AT);
  assert.equal(messages(missing.report), ['metadata/pkg.json lists pkg/q.txt, but targets/pkg/q.txt does not exist']);
});

test('an event lists only the files it changed once main was verified, and reports the same as without', () => {
  const report = (verifyMainFirst: boolean) => {
    const { repo, model } = world();
    if (verifyMainFirst) assert.is(statusJson(repo, AT).code, 0);
    git(repo, 'checkout', '-q', '-b', 'sign/change');
    model.setArtifact('a.txt', 'a, changed');
    model.setArtifact('new.txt', 'new');
    model.setArtifact('pkg/q.txt', 'q');
    delete (model.role('pkg').signed.targets as Record<string, unknown>)['pkg/p.txt'];
    model.role('targets').signed.version = 2;
    model.role('pkg').signed.version = 2;
    model.autoSnapshot = false;
    const files = model.files();
    files.delete('targets/pkg/p.txt');
    commitTree(repo, new Map([...files].filter(([name]) => name !== 'metadata/snapshot.json' && name !== 'metadata/timestamp.json').concat([['metadata/snapshot.json', Buffer.from(git(repo, 'show', 'main:metadata/snapshot.json'))], ['metadata/timestamp.json', Buffer.from(git(repo, 'show', 'main:metadata/timestamp.json'))]])), 'event');
    return statusJson(repo, ['sign/change', ...AT]);
  };
  const scoped = report(true);
  const full = report(false);
  assert.is(scoped.code, 0, JSON.stringify(scoped.report.problems));
  assert.equal(scoped.report.artifacts, full.report.artifacts);
  assert.is(scoped.report.artifacts.total, 4);
  assert.equal(scoped.report.artifacts.changes.map((change: { path: string; change: string }) => `${change.change} ${change.path}`), ['modified a.txt', 'added new.txt', 'removed pkg/p.txt', 'added pkg/q.txt']);
});

test.run();
