import { chmodSync, existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GitRepository } from '../git-tuf/git/repository.js';
import { advanceBranch, fetchRemote, pushBranch, writeCommit } from '../git-tuf/git/write.js';
import { rejectsWith } from './helpers/assert.js';
import { commitFiles, git, gitWith, initRepo, tempDir } from './helpers/git.js';

async function withRepo<T>(dir: string, action: (repo: GitRepository) => Promise<T>): Promise<T> {
  const repo = await GitRepository.open(dir);
  try {
    return await action(repo);
  } finally {
    repo.close();
  }
}

function clonePair(): { upstream: string; alice: string; bob: string } {
  const base = tempDir('git-write');
  const upstream = initRepo(path.join(base, 'upstream.git'), { bare: true });
  const seed = initRepo(path.join(base, 'seed'));
  commitFiles(seed, { 'metadata/root.json': '{}' }, 'seed');
  git(seed, 'push', '-q', upstream, 'main');
  const clone = (name: string) => {
    const dir = path.join(base, name);
    git(base, 'clone', '-q', upstream, dir);
    git(dir, 'config', 'user.name', name);
    git(dir, 'config', 'user.email', `${name}@example.com`);
    return dir;
  };
  return { upstream, alice: clone('alice'), bob: clone('bob') };
}

test('writeCommit applies changes to the parent tree without touching the index or work tree', async () => {
  const dir = initRepo(tempDir('git-write'));
  const parent = commitFiles(dir, { 'a.txt': 'a', 'dir/b.txt': 'b' }, 'first');
  writeFileSync(path.join(dir, 'a.txt'), 'dirty');
  git(dir, 'add', 'a.txt');
  const commit = await withRepo(dir, (repo) =>
    writeCommit(repo, {
      parent,
      message: 'Change things',
      changes: [
        { path: 'dir/b.txt', content: null },
        { path: 'new/c.json', content: Buffer.from('{"x": 1}') },
      ],
    }),
  );
  assert.ok(commit);
  assert.is(git(dir, 'rev-parse', `${commit}^`), parent);
  assert.is(git(dir, 'ls-tree', '-r', '--name-only', commit!), 'a.txt\nnew/c.json');
  assert.is(git(dir, 'show', `${commit}:new/c.json`), '{"x": 1}');
  assert.is(git(dir, 'log', '-1', '--format=%s %an', commit!), 'Change things Test Author');
  // The user's branch, staged change and work tree are as they were.
  assert.is(git(dir, 'rev-parse', 'HEAD'), parent);
  assert.is(git(dir, 'diff', '--cached', '--name-only'), 'a.txt');
  assert.is(readFileSync(path.join(dir, 'a.txt'), 'utf8'), 'dirty');
});

test('writeCommit returns null when nothing changes, and can start a new history', async () => {
  const dir = initRepo(tempDir('git-write'));
  const parent = commitFiles(dir, { 'a.txt': 'a' }, 'first');
  await withRepo(dir, async (repo) => {
    assert.is(await writeCommit(repo, { parent, message: 'same', changes: [{ path: 'a.txt', content: Buffer.from('a') }] }), null);
    const root = await writeCommit(repo, { parent: null, message: 'fresh', changes: [{ path: 'x/y', content: Buffer.from('y') }] });
    assert.is(git(dir, 'rev-list', '--count', root!), '1');
    assert.is(git(dir, 'ls-tree', '-r', '--name-only', root!), 'x/y');
  });
});

for (const format of ['sha1', 'sha256'] as const) {
  test(`[${format}] writeCommit makes the tree git's own index makes, odd siblings kept byte for byte`, async () => {
    const dir = initRepo(tempDir('git-write-trees'), { objectFormat: format });
    commitFiles(dir, { 'metadata/root.json': 'r', 'metadata/root_history/1.root.json': 'r1', 'metadata/gone/only.json': 'x', 'targets/a-b': 'dash', 'targets/a/inner': 'i', 'targets/run.sh': 's' }, 'files');
    chmodSync(path.join(dir, 'targets/run.sh'), 0o755);
    symlinkSync('run.sh', path.join(dir, 'targets/link'));
    // A name that is not UTF-8, which the tree must keep as it is.
    writeFileSync(Buffer.concat([Buffer.from(path.join(dir, 'targets', 'latin1-')), Buffer.from([0xe9]), Buffer.from('.txt')]), 'odd');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'odd files');
    const parent = git(dir, 'rev-parse', 'HEAD');
    const changes = [
      { path: 'metadata/root.json', content: Buffer.from('r2') },
      { path: 'metadata/root_history/2.root.json', content: Buffer.from('r2') },
      { path: 'metadata/gone/only.json', content: null },
      { path: 'metadata/new/deeper/file.json', content: Buffer.from('{}') },
      { path: 'targets/a/inner', content: Buffer.from('changed') },
    ];
    const commit = await withRepo(dir, (repo) => writeCommit(repo, { parent, message: 'edit', changes }));
    // The same edit through an index, as git commit would make it.
    const env = { GIT_INDEX_FILE: path.join(dir, '.git', 'test-index') };
    gitWith(dir, ['read-tree', parent], { env });
    for (const change of changes) {
      if (change.content === null) gitWith(dir, ['update-index', '--force-remove', change.path], { env });
      else gitWith(dir, ['update-index', '--add', '--cacheinfo', `100644,${gitWith(dir, ['hash-object', '-w', '--stdin'], { input: change.content })},${change.path}`], { env });
    }
    assert.is(git(dir, 'rev-parse', `${commit}^{tree}`), gitWith(dir, ['write-tree'], { env }));
    assert.ok(git(dir, 'ls-tree', '-r', '--name-only', commit!).includes('targets/link'));
  });
}

test('writeCommit refuses unsafe paths', async () => {
  const dir = initRepo(tempDir('git-write'));
  const parent = commitFiles(dir, { 'a.txt': 'a' }, 'first');
  await withRepo(dir, async (repo) => {
    for (const unsafe of ['../x', '/abs', 'a//b', '.git/config', 'a/./b']) {
      await rejectsWith(() => writeCommit(repo, { parent, message: 'm', changes: [{ path: unsafe, content: Buffer.from('') }] }), /unsafe path/);
    }
  });
});

test('advanceBranch moves a branch only from the expected commit', async () => {
  const dir = initRepo(tempDir('git-write'));
  const first = commitFiles(dir, { 'a.txt': 'a' }, 'first');
  git(dir, 'branch', 'sign/x');
  git(dir, 'checkout', '-q', '-b', 'other');
  await withRepo(dir, async (repo) => {
    const next = (await writeCommit(repo, { parent: first, message: 'next', changes: [{ path: 'b', content: Buffer.from('b') }] }))!;
    await rejectsWith(() => advanceBranch(repo, 'sign/x', next, next), /moved while/);
    assert.is(git(dir, 'rev-parse', 'sign/x'), first);
    await advanceBranch(repo, 'sign/x', next, first);
    assert.is(git(dir, 'rev-parse', 'sign/x'), next);
    await rejectsWith(() => advanceBranch(repo, 'sign/new', next, first), /moved while/);
    await advanceBranch(repo, 'sign/new', next, null);
    assert.is(git(dir, 'rev-parse', 'sign/new'), next);
  });
});

test('advanceBranch on the checked-out branch keeps unrelated local changes and refuses conflicting ones', async () => {
  const dir = initRepo(tempDir('git-write'));
  const first = commitFiles(dir, { 'a.txt': 'a', 'b.txt': 'b' }, 'first');
  writeFileSync(path.join(dir, 'a.txt'), 'local edit');
  await withRepo(dir, async (repo) => {
    const touchesB = (await writeCommit(repo, { parent: first, message: 'b', changes: [{ path: 'b.txt', content: Buffer.from('B') }] }))!;
    await advanceBranch(repo, 'main', touchesB, first);
    assert.is(git(dir, 'rev-parse', 'HEAD'), touchesB);
    assert.is(readFileSync(path.join(dir, 'b.txt'), 'utf8'), 'B');
    assert.is(readFileSync(path.join(dir, 'a.txt'), 'utf8'), 'local edit');
    assert.is(git(dir, 'status', '--porcelain'), ' M a.txt');

    const touchesA = (await writeCommit(repo, { parent: touchesB, message: 'a', changes: [{ path: 'a.txt', content: Buffer.from('A') }] }))!;
    await rejectsWith(() => advanceBranch(repo, 'main', touchesA, touchesB), /uncommitted changes/);
    assert.is(git(dir, 'rev-parse', 'HEAD'), touchesB);
    assert.is(readFileSync(path.join(dir, 'a.txt'), 'utf8'), 'local edit');
  });
});

/** The index (with flags) and work tree as git shows them, to compare two ways of moving a checkout. */
function checkoutState(dir: string): { index: string; status: string; files: string } {
  const files = git(dir, 'ls-files', '-z').split('\0').filter((file) => file !== '');
  return {
    index: git(dir, 'ls-files', '-s', '-v'),
    status: git(dir, 'status', '--porcelain'),
    files: files.map((file) => { try { return `${file}: ${readFileSync(path.join(dir, file), 'utf8')}`; } catch { return `${file}: (none)`; } }).join('\n'),
  };
}

test('advanceBranch on the checked-out branch leaves the index and work tree as read-tree -m -u does, and runs no hook', async () => {
  type Case = { name: string; changes: { path: string; content: string | null }[]; local?: (dir: string) => void; refused?: boolean };
  const cases: Case[] = [
    { name: 'one file changed', changes: [{ path: 'metadata/targets.json', content: '{"v": 2}' }] },
    { name: 'two files changed, an unrelated local edit kept', changes: [{ path: 'metadata/targets.json', content: '{"v": 2}' }, { path: 'metadata/pkg.json', content: 'p2' }], local: (dir) => writeFileSync(path.join(dir, 'a.txt'), 'local edit') },
    { name: 'an unrelated staged change kept', changes: [{ path: 'metadata/targets.json', content: '{"v": 2}' }], local: (dir) => { writeFileSync(path.join(dir, 'a.txt'), 'staged'); git(dir, 'add', 'a.txt'); } },
    { name: 'a file added and one removed', changes: [{ path: 'metadata/new.json', content: 'n' }, { path: 'metadata/pkg.json', content: null }] },
    { name: 'a staged change to a changed file', changes: [{ path: 'metadata/targets.json', content: '{"v": 2}' }], local: (dir) => { writeFileSync(path.join(dir, 'metadata/targets.json'), 'staged'); git(dir, 'add', 'metadata/targets.json'); }, refused: true },
    { name: 'a local edit to a changed file', changes: [{ path: 'metadata/targets.json', content: '{"v": 2}' }], local: (dir) => writeFileSync(path.join(dir, 'metadata/targets.json'), 'local'), refused: true },
    { name: 'a changed file marked skip-worktree', changes: [{ path: 'metadata/targets.json', content: '{"v": 2}' }], local: (dir) => git(dir, 'update-index', '--skip-worktree', 'metadata/targets.json') },
  ];
  for (const { name, changes, local, refused } of cases) {
    const results = [];
    for (const how of ['advanceBranch', 'read-tree'] as const) {
      const dir = initRepo(tempDir('git-write'));
      const first = commitFiles(dir, { 'a.txt': 'a', 'metadata/targets.json': '{"v": 1}', 'metadata/pkg.json': 'p1' }, 'first');
      local?.(dir);
      writeFileSync(path.join(dir, '.git', 'hooks', 'post-checkout'), '#!/bin/sh\ntouch hook-ran\n');
      chmodSync(path.join(dir, '.git', 'hooks', 'post-checkout'), 0o755);
      await withRepo(dir, async (repo) => {
        const next = (await writeCommit(repo, { parent: first, message: name, changes: changes.map((change) => ({ path: change.path, content: change.content === null ? null : Buffer.from(change.content) })) }))!;
        if (how === 'read-tree') {
          try {
            git(dir, 'read-tree', '-m', '-u', first, next);
            git(dir, 'update-ref', 'refs/heads/main', next);
          } catch {
            // refused: nothing moved
          }
        } else if (refused) await rejectsWith(() => advanceBranch(repo, 'main', next, first), /uncommitted changes/);
        else await advanceBranch(repo, 'main', next, first);
      });
      assert.not.ok(existsSync(path.join(dir, 'hook-ran')), `${name}: no hook ran (${how})`);
      results.push({ head: git(dir, 'rev-parse', 'HEAD') === first ? 'not moved' : 'moved', ...checkoutState(dir) });
    }
    assert.equal(results[0], results[1], name);
    assert.is(results[0]!.head, refused ? 'not moved' : 'moved', name);
  }
});

test('a large file is written as a loose object without compression, unless git config sets a level', async () => {
  const content = Buffer.from(`${'{"entry": "0123456789abcdef"}\n'.repeat(60000)}`);
  for (const level of [null, '6']) {
    const dir = initRepo(tempDir('git-write'));
    if (level) git(dir, 'config', 'core.compression', level);
    const parent = commitFiles(dir, { 'a.txt': 'a' }, 'first');
    const commit = await withRepo(dir, (repo) => writeCommit(repo, { parent, message: 'big', changes: [{ path: 'metadata/targets.json', content }] }));
    const oid = git(dir, 'rev-parse', `${commit}:metadata/targets.json`);
    assert.is(`${git(dir, 'cat-file', 'blob', oid)}\n`, content.toString('utf8'), 'the blob holds the bytes');
    const stored = statSync(path.join(dir, '.git', 'objects', oid.slice(0, 2), oid.slice(2))).size;
    if (level) assert.ok(stored < content.length / 4, `compressed as configured (${stored} bytes)`);
    else assert.ok(stored > content.length, `stored as it is (${stored} bytes)`);
  }
});

test('advanceBranch refuses a branch checked out in another work tree', async () => {
  const dir = initRepo(tempDir('git-write'));
  const first = commitFiles(dir, { 'a.txt': 'a' }, 'first');
  const other = path.join(tempDir('git-write-wt'), 'wt');
  git(dir, 'worktree', 'add', '-q', '-b', 'sign/busy', other);
  await withRepo(dir, async (repo) => {
    const next = (await writeCommit(repo, { parent: first, message: 'next', changes: [{ path: 'b', content: Buffer.from('b') }] }))!;
    await rejectsWith(() => advanceBranch(repo, 'sign/busy', next, first), /checked out in/);
    assert.is(git(dir, 'rev-parse', 'sign/busy'), first);
  });
});

test('pushBranch pushes, reports a branch that moved as behind, and throws for a refusing hook', async () => {
  const { upstream, alice, bob } = clonePair();
  const base = git(alice, 'rev-parse', 'HEAD');
  const change = (repo: GitRepository, name: string) => writeCommit(repo, { parent: base, message: name, changes: [{ path: name, content: Buffer.from(name) }] });
  const fromAlice = await withRepo(alice, async (repo) => {
    const commit = (await change(repo, 'alice'))!;
    assert.is(await pushBranch(repo, 'origin', commit, 'sign/event'), 'pushed');
    return commit;
  });
  assert.is(git(upstream, 'rev-parse', 'sign/event'), fromAlice);
  assert.is(git(alice, 'rev-parse', 'origin/sign/event'), fromAlice);

  await withRepo(bob, async (repo) => {
    const fromBob = (await change(repo, 'bob'))!;
    assert.is(await pushBranch(repo, 'origin', fromBob, 'sign/event'), 'behind');
    assert.is(git(upstream, 'rev-parse', 'sign/event'), fromAlice);
    await fetchRemote(repo, 'origin');
    assert.is(git(bob, 'rev-parse', 'origin/sign/event'), fromAlice);

    writeFileSync(path.join(upstream, 'hooks', 'pre-receive'), '#!/bin/sh\necho "no pushes today" >&2\nexit 1\n');
    chmodSync(path.join(upstream, 'hooks', 'pre-receive'), 0o755);
    const onTop = (await writeCommit(repo, { parent: fromAlice, message: 'bob', changes: [{ path: 'bob', content: Buffer.from('bob') }] }))!;
    await rejectsWith(() => pushBranch(repo, 'origin', onTop, 'sign/event'), /origin refused the push to sign\/event: .*no pushes today/);
    await rejectsWith(() => fetchRemote(repo, 'nowhere'), /cannot fetch from nowhere/);
  });
  assert.is(git(upstream, 'rev-parse', 'sign/event'), fromAlice);
});

test.run();
