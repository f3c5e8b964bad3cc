import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GitTufError } from '../git-tuf/errors.js';
import { CatFile } from '../git-tuf/git/cat-file.js';
import { gitOutput, runGit } from '../git-tuf/git/exec.js';
import { GitRepository, type TreeEntry } from '../git-tuf/git/repository.js';
import { commitFiles, git, gitEnv, initRepo, tempDir, writeBlobs } from './helpers/git.js';

const formats = ['sha1', 'sha256'] as const;
const oidLength = { sha1: 40, sha256: 64 };

async function rejects(promise: Promise<unknown>, code: string): Promise<GitTufError> {
  try {
    await promise;
  } catch (error) {
    assert.instance(error, GitTufError);
    assert.is((error as GitTufError).code, code, (error as Error).message);
    return error as GitTufError;
  }
  assert.unreachable(`expected a rejection with code ${code}`);
  throw new Error('unreachable');
}

const byPath = (a: TreeEntry, b: TreeEntry) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

test('runGit forces the environment and gitOutput reports argv and stderr', async () => {
  const dir = initRepo(tempDir('git-tuf-exec'));
  const env = await gitOutput(['var', 'GIT_COMMITTER_IDENT'], { cwd: dir, env: { LC_ALL: 'de_DE.UTF-8' } });
  assert.match(env, /^Test Committer <committer@example.com>/);
  const shown = await runGit(['-c', 'alias.envdump=!env', 'envdump'], { cwd: dir, env: { LC_ALL: 'de_DE.UTF-8', GIT_NO_REPLACE_OBJECTS: '0' } });
  const vars = shown.stdout.toString('utf8');
  assert.match(vars, /^LC_ALL=C$/m);
  assert.match(vars, /^GIT_NO_REPLACE_OBJECTS=1$/m);
  assert.match(vars, /^GIT_TERMINAL_PROMPT=0$/m);
  const input = await gitOutput(['hash-object', '--stdin'], { cwd: dir, input: Buffer.from('abc') });
  assert.is(input, 'f2ba8f84ab5c1bce84a7b441cb1959cfc7093b7f');
  const error = await rejects(gitOutput(['rev-parse', '--verify', 'no such ref'], { cwd: dir }), 'git');
  assert.match(error.message, /git rev-parse --verify "no such ref" failed: fatal: /);
});

for (const format of formats) {
  test(`[${format}] listTree lists odd names, modes, symlinks and submodules`, async () => {
    const dir = initRepo(tempDir('git-tuf-tree'), { objectFormat: format });
    const files: Record<string, string> = {
      'targets/plain.txt': 'plain',
      'targets/with space.txt': 'space',
      'targets/ünïcødé ✓.txt': 'unicode',
      'targets/new\nline': 'newline',
      'targets/tab\there': 'tab',
      'targets/quote"\'s\\.txt': 'quotes',
      'targets/a/b/deep.bin': 'deep content',
      'targets/role.name/x': 'dotted role',
      'targets/empty': '',
      'targetsX/not-included': 'sibling',
      'top.txt': 'top',
    };
    commitFiles(dir, files, 'files');
    chmodSync(path.join(dir, 'targets/plain.txt'), 0o755);
    symlinkSync('../top.txt', path.join(dir, 'targets/link'));
    const first = commitFiles(dir, {}, 'symlink and mode');
    git(dir, 'update-index', '--add', '--cacheinfo', `160000,${first},targets/sub`);
    git(dir, 'commit', '-q', '-m', 'submodule');
    const head = git(dir, 'rev-parse', 'HEAD');
    assert.is(head.length, oidLength[format]);

    const repo = await GitRepository.open(dir);
    const entries = await repo.listTree(head, 'targets');
    const expected: TreeEntry[] = [];
    for (const [name, content] of Object.entries(files)) {
      if (!name.startsWith('targets/')) continue;
      const mode = name === 'targets/plain.txt' ? '100755' : '100644';
      expected.push({ path: name.slice(8), mode, type: 'blob', oid: git(dir, 'rev-parse', `${head}:${name}`) });
    }
    expected.push({ path: 'link', mode: '120000', type: 'blob', oid: git(dir, 'rev-parse', `${head}:targets/link`) });
    expected.push({ path: 'sub', mode: '160000', type: 'commit', oid: first });
    assert.equal([...entries].sort(byPath), expected.sort(byPath));
    for (const entry of entries) assert.is(entry.oid.length, oidLength[format]);

    assert.equal(await repo.listTree(head, 'targets/'), entries, 'trailing slash');
    assert.equal(await repo.listTrees(head, ['targetsX', 'targets', 'nope']), [await repo.listTree(head, 'targetsX'), entries, []], 'several directories in one call, grouped in the order asked');
    assert.equal(await repo.listTree(head, 'nope'), [], 'absent dir');
    assert.equal(await repo.listTree(head, 'top.txt'), [], 'a file is no dir');
    assert.equal(await repo.listTree(head, 'targ'), [], 'a prefix of a dir is no dir');
    assert.equal(await repo.listTree(first, 'targets/a'), [{ path: 'b/deep.bin', mode: '100644', type: 'blob', oid: git(dir, 'rev-parse', `${head}:targets/a/b/deep.bin`) }]);
    const all = await repo.listTree(head, '');
    assert.is(all.length, entries.length + 2);
    assert.ok(all.some((entry) => entry.path === 'targetsX/not-included'));
    await rejects(repo.listTree('0'.repeat(oidLength[format]), 'targets'), 'git');
    await rejects(repo.listTree('--output=x', 'targets'), 'missing-ref');

    // listSmallTree reads tree objects through cat-file and gives what ls-tree gives.
    for (const [commit, where] of [[head, 'targets'], [head, 'targets/'], [head, 'targets/a'], [head, ''], [head, 'nope'], [head, 'top.txt'], [head, 'targets/link'], [head, 'targ'], [first, 'targets']] as const) {
      assert.equal(await repo.listSmallTree(commit, where), await repo.listTree(commit, where), `${commit.slice(0, 7)}:${where}`);
    }
    assert.equal(await repo.listSmallTree('HEAD', 'targets'), entries, 'a ref name goes to ls-tree');
    await rejects(repo.listSmallTree('0'.repeat(oidLength[format]), 'targets'), 'git');
    repo.close();
  });

  test(`[${format}] changedFiles: what diff-tree says changed under a directory, with the new entries; countFiles`, async () => {
    const dir = initRepo(tempDir('git-tuf-diff'), { objectFormat: format });
    const before = commitFiles(dir, { 'targets/same.txt': 's', 'targets/a/edit me.txt': '1', 'targets/gone\nline': 'x', 'targets/mode.sh': 'm', 'targets/to-link': 'l', 'other.txt': 'o' }, 'before');
    chmodSync(path.join(dir, 'targets/mode.sh'), 0o755);
    const after = commitFiles(dir, { 'targets/a/edit me.txt': '2', 'targets/gone\nline': null, 'targets/ünï.txt': 'new', 'targets/to-link': null, 'other.txt': 'changed too' }, 'after');
    symlinkSync('same.txt', path.join(dir, 'targets/to-link'));
    const linked = commitFiles(dir, {}, 'symlink');
    const repo = await GitRepository.open(dir);
    const entryAt = (commit: string, file: string) => (git(dir, 'ls-tree', commit, '--', file).split(/\s/) as [string, string, string]);
    const changed = (await repo.changedFiles(before, after, 'targets')).sort((a, b) => (a.path < b.path ? -1 : 1));
    assert.equal(changed.map((change) => change.path), ['a/edit me.txt', 'gone\nline', 'mode.sh', 'to-link', 'ünï.txt']);
    assert.equal(changed.find((change) => change.path === 'a/edit me.txt')!.now, { path: 'a/edit me.txt', mode: '100644', type: 'blob', oid: entryAt(after, 'targets/a/edit me.txt')[2] });
    assert.equal(changed.find((change) => change.path === 'mode.sh')!.now!.mode, '100755');
    assert.equal(changed.find((change) => change.path === 'a/edit me.txt')!.was, { path: 'a/edit me.txt', mode: '100644', type: 'blob', oid: entryAt(before, 'targets/a/edit me.txt')[2] });
    assert.is(changed.find((change) => change.path === 'mode.sh')!.was!.mode, '100644');
    assert.is(changed.find((change) => change.path === 'ünï.txt')!.was, null, 'added');
    assert.is(changed.find((change) => change.path === 'gone\nline')!.now, null, 'removed');
    const linking = await repo.changedFiles(after, linked, 'targets/');
    assert.equal(linking.map((change) => [change.path, change.now?.mode]), [['to-link', '120000']], 'a file that became a symlink');
    assert.equal(await repo.changedFiles(linked, linked, 'targets'), []);
    assert.equal((await repo.changedFiles(before, after, '')).map((change) => change.path).sort(), ['other.txt', 'targets/a/edit me.txt', 'targets/gone\nline', 'targets/mode.sh', 'targets/to-link', 'targets/ünï.txt'], "'' is the whole tree");
    await rejects(repo.changedFiles('--output=x', linked, 'targets'), 'missing-ref');
    assert.is(await repo.countFiles(before, 'targets'), 5);
    assert.is(await repo.countFiles(linked, 'targets/'), 5, 'symlinks count as files');
    assert.is(await repo.countFiles(linked, 'nope'), 0);
    repo.close();
  });

  test(`[${format}] readBlobsPreferring takes a checked-out file only when it has the blob's bytes`, async () => {
    const dir = initRepo(tempDir('git-tuf-prefer'), { objectFormat: format });
    const head = commitFiles(dir, { 'metadata/a.json': 'A', 'metadata/b.json': 'B', 'metadata/c.json': 'C' }, 'files');
    writeFileSync(path.join(dir, 'metadata/b.json'), 'edited, not committed');
    rmSync(path.join(dir, 'metadata/c.json'));
    const repo = await GitRepository.open(dir);
    const entries = await repo.listTree(head, 'metadata');
    const read = await repo.readBlobsPreferring(entries.map((entry) => entry.oid), entries.map((entry) => path.join(dir, 'metadata', entry.path)));
    assert.equal(read.map((bytes) => bytes.toString()), ['A', 'B', 'C']);
    repo.close();
  });

  test(`[${format}] resolveCommit, mergeBase, currentBranch, config, remotes`, async () => {
    const dir = initRepo(tempDir('git-tuf-refs'), { objectFormat: format });
    const base = commitFiles(dir, { a: '1' }, 'base', '2024-01-01T00:00:00Z');
    git(dir, 'checkout', '-q', '-b', 'sign/event');
    const side = commitFiles(dir, { b: '2' }, 'side');
    git(dir, 'checkout', '-q', 'main');
    const main = commitFiles(dir, { c: '3' }, 'main');
    git(dir, 'checkout', '-q', '--orphan', 'unrelated');
    const orphan = commitFiles(dir, { d: '4' }, 'orphan');
    git(dir, 'checkout', '-q', 'main');
    git(dir, 'tag', '-a', '-m', 'annotated', 'v1', base);

    const repo = await GitRepository.open(dir);
    assert.is(await repo.resolveCommit('main'), main);
    assert.is(await repo.resolveCommit('refs/heads/sign/event'), side);
    assert.is(await repo.resolveCommit('v1'), base, 'annotated tag peels to its commit');
    assert.is(await repo.resolveCommit(side.slice(0, 12)), side);
    assert.is(await repo.resolveCommit('nope'), null);
    assert.is(await repo.resolveCommit('main~5'), null);
    assert.is(await repo.resolveCommit(git(dir, 'rev-parse', 'main:a')), null, 'a blob is no commit');
    assert.is(await repo.resolveCommit('--all'), null);
    assert.is(await repo.resolveCommit(''), null);
    // commitById answers object ids like resolveCommit, from the long-lived cat-file.
    const tag = git(dir, 'rev-parse', 'v1');
    assert.is(await repo.commitById(side), side);
    assert.is(await repo.commitById(tag), base, 'annotated tag peels to its commit');
    assert.is(await repo.commitById(git(dir, 'rev-parse', 'main:a')), null, 'a blob is no commit');
    assert.is(await repo.commitById(git(dir, 'rev-parse', 'main^{tree}')), null, 'a tree is no commit');
    assert.is(await repo.commitById('1'.repeat(oidLength[format])), null, 'not in the repository');
    assert.is(await repo.commitById(side.slice(0, 12)), side);
    assert.is(await repo.commitById('main'), main);
    assert.is(await repo.readBlob(git(dir, 'rev-parse', 'main:a')).then(String), '1', 'a missing object does not upset later reads');

    assert.is(await repo.mergeBase('main', 'sign/event'), base);
    assert.is(await repo.mergeBase(side, main), base);
    assert.is(await repo.mergeBase('main', 'unrelated'), null);
    assert.is(await repo.mergeBase(orphan, orphan), orphan);
    await rejects(repo.mergeBase('main', 'nope'), 'git');

    assert.is(await repo.currentBranch(), 'main');
    git(dir, 'checkout', '-q', 'sign/event');
    assert.is(await repo.currentBranch(), 'sign/event');
    git(dir, 'checkout', '-q', '--detach', 'main');
    assert.is(await repo.currentBranch(), null);

    git(dir, 'config', 'git-tuf.value', 'with spaces ✓');
    assert.is(await repo.config('user.name'), 'Test User');
    assert.is(await repo.config('no.such-key'), null);
    assert.is(await repo.config('nosection'), null);
    assert.is(await repo.config('git-tuf.value'), 'with spaces ✓');

    assert.equal(await repo.remotes(), []);
    git(dir, 'remote', 'add', 'origin', 'https://example.com/a.git');
    git(dir, 'remote', 'add', 'upstream', '/tmp/nowhere');
    git(dir, 'config', 'git-tuf.value', 'changed');
    assert.equal(await repo.remotes(), [], 'read once per GitRepository: git tuf changes no configuration while it runs');
    assert.is(await repo.config('git-tuf.value'), 'with spaces ✓');
    repo.close();
    const reopened = await GitRepository.open(dir);
    assert.equal((await reopened.remotes()).sort(), ['origin', 'upstream']);
    assert.is(await reopened.config('git-tuf.value'), 'changed');
    reopened.close();
  });

  test(`[${format}] prepare(): open, HEAD and configuration asked early, each answer used once`, async () => {
    const dir = initRepo(tempDir('git-tuf-prepare'), { objectFormat: format });
    const first = commitFiles(dir, { a: '1' }, 'first');
    git(dir, 'config', 'git-tuf.value', 'early');
    GitRepository.prepare(path.join(dir, 'sub', '..'), { head: true, config: true });
    const repo = await GitRepository.open(dir);
    assert.is(repo.workTree, realpathSync(dir));
    assert.is(await repo.config('git-tuf.value'), 'early');
    assert.equal(await repo.head(), { branch: 'main', commit: first });
    // HEAD is asked again from the second time on.
    git(dir, 'checkout', '-q', '-b', 'other');
    assert.equal(await repo.head(), { branch: 'other', commit: first });
    repo.close();
    git(dir, 'config', 'git-tuf.value', 'late');
    // Taken once: the next open asks again.
    const again = await GitRepository.open(dir);
    assert.is(await again.config('git-tuf.value'), 'late');
    again.close();
    // Without `config`, configuration is read when first asked for.
    GitRepository.prepare(dir, { head: false, config: false });
    const unconfigured = await GitRepository.open(dir);
    git(dir, 'config', 'git-tuf.value', 'asked later');
    assert.is(await unconfigured.config('git-tuf.value'), 'asked later');
    unconfigured.close();
    // Prepared for another directory: not used.
    GitRepository.prepare(tempDir('git-tuf-elsewhere'), { head: false, config: true });
    const other = await GitRepository.open(dir);
    assert.equal(await other.head(), { branch: 'other', commit: first });
    other.close();
    // Before the first commit, and in a bare repository, HEAD's part fails the early call: open
    // asks again without it.
    const unborn = initRepo(tempDir('git-tuf-prepare-unborn'), { objectFormat: format });
    GitRepository.prepare(unborn, { head: true, config: true });
    const fresh = await GitRepository.open(unborn);
    assert.is(fresh.workTree, realpathSync(unborn));
    assert.equal(await fresh.head(), { branch: 'main', commit: null });
    fresh.close();
    const bareDir = tempDir('git-tuf-prepare-bare');
    git(bareDir, 'clone', '-q', '--bare', dir, 'bare.git');
    GitRepository.prepare(path.join(bareDir, 'bare.git'), { head: true, config: true });
    const bare = await GitRepository.open(path.join(bareDir, 'bare.git'));
    assert.is(bare.workTree, null);
    assert.equal(await bare.head(), { branch: 'other', commit: first });
    bare.close();
    // Outside a repository the prepared answer gives open()'s own error.
    const outside = tempDir('git-tuf-outside');
    GitRepository.prepare(outside, { head: true, config: true });
    await rejects(GitRepository.open(outside), 'not-a-repo');
  });

  test(`[${format}] open() finds the top from subdirectories, bare repositories and worktrees`, async () => {
    const dir = initRepo(tempDir('git-tuf-open'), { objectFormat: format });
    const real = realpathSync(dir);
    commitFiles(dir, { 'metadata/root.json': '{}', 'targets/a/b/c.txt': 'c' }, 'init');
    for (const sub of ['.', 'metadata', 'targets/a/b']) {
      const repo = await GitRepository.open(path.join(dir, sub));
      assert.is(repo.root, real, sub);
      assert.is(repo.commonDir, path.join(real, '.git'), sub);
      assert.ok(path.isAbsolute(repo.commonDir));
    }
    const inGitDir = await GitRepository.open(path.join(dir, '.git', 'refs'));
    assert.is(inGitDir.commonDir, path.join(real, '.git'));
    assert.is(inGitDir.root, path.join(real, '.git'));

    const bare = tempDir('git-tuf-bare');
    git(bare, 'clone', '-q', '--bare', dir, 'remote.git');
    const bareDir = path.join(realpathSync(bare), 'remote.git');
    const bareRepo = await GitRepository.open(bareDir);
    assert.is(bareRepo.root, bareDir);
    assert.is(bareRepo.commonDir, bareDir);
    const head = await bareRepo.resolveCommit('main');
    assert.ok(head !== null);
    assert.is((await bareRepo.listTree(head, 'targets')).length, 1);
    bareRepo.close();

    const worktree = path.join(realpathSync(tempDir('git-tuf-wt')), 'wt');
    git(dir, 'worktree', 'add', '-q', '-b', 'sign/x', worktree);
    mkdirSync(path.join(worktree, 'deeper'));
    const wt = await GitRepository.open(path.join(worktree, 'deeper'));
    assert.is(wt.root, worktree);
    assert.is(wt.commonDir, path.join(real, '.git'));
    assert.is(await wt.currentBranch(), 'sign/x');
  });

  test(`[${format}] readBlobs of many blobs equals individual reads; errors reject without desynchronising`, async () => {
    const dir = initRepo(tempDir('git-tuf-blobs'), { objectFormat: format });
    const files: Record<string, Buffer> = {};
    let seed = 1;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 3000; i++) {
      // Mostly small, some empty, a few larger than a pipe chunk, all different.
      const size = i % 500 === 7 ? 200_000 + i : i % 97 === 0 ? 0 : random() % 3000;
      const content = Buffer.alloc(size + 4);
      content.writeUInt32BE(i);
      for (let j = 4; j < content.length; j++) content[j] = random() & 0xff;
      // Headers and newlines inside content must not confuse the parser.
      if (i % 3 === 0 && content.length > 60) content.write(`${'a'.repeat(40)} blob 12\n`, 8);
      files[`targets/${i}.bin`] = content;
    }
    files['targets/big.bin'] = Buffer.alloc(3 * 1024 * 1024, 'x\n');
    const head = commitFiles(dir, files, 'many');
    const repo = await GitRepository.open(dir);
    const entries = (await repo.listTree(head, 'targets')).sort(byPath);
    assert.is(entries.length, 3001);
    const oids = entries.map((entry) => entry.oid);
    oids.push(oids[0]!, oids[5]!); // duplicates are fine
    const many = await repo.readBlobs(oids);
    assert.is(many.length, oids.length);
    for (let i = 0; i < entries.length; i++) {
      const expected = files[`targets/${entries[i]!.path}`]!;
      assert.ok(many[i]!.equals(expected), entries[i]!.path);
    }
    for (let i = 0; i < oids.length; i += 7) assert.ok((await repo.readBlob(oids[i]!)).equals(many[i]!));
    assert.equal(await repo.readBlobs([]), []);

    // Concurrent requests are answered in order.
    const [a, b, c] = await Promise.all([repo.readBlobs(oids.slice(0, 500)), repo.readBlob(oids[700]!), repo.readBlobs(oids.slice(1000, 1300))]);
    assert.ok(a.every((content, i) => content.equals(many[i]!)));
    assert.ok(b.equals(many[700]!));
    assert.ok(c.every((content, i) => content.equals(many[1000 + i]!)));

    const missing = 'f'.repeat(oidLength[format]);
    const error = await rejects(repo.readBlob(missing), 'git');
    assert.match(error.message, missing);
    await rejects(repo.readBlobs([oids[1]!, missing, oids[2]!]), 'git');
    await rejects(repo.readBlob(git(dir, 'rev-parse', `${head}:targets`)), 'git'); // a tree is no blob
    await rejects(repo.readBlob(head), 'git');
    await rejects(repo.readBlob('HEAD:targets/1.bin'), 'git'); // only object ids
    await rejects(repo.readBlob(`${oids[1]}\n${oids[2]}`), 'git');
    assert.ok((await repo.readBlob(oids[3]!)).equals(many[3]!), 'still in sync after errors');

    repo.close();
    assert.ok((await repo.readBlob(oids[4]!)).equals(many[4]!), 'usable again after close');
    repo.close();
  });

  test(`[${format}] head, refCommits and readConfig agree with the one-call-per-question methods`, async () => {
    const dir = initRepo(tempDir('git-tuf-head'), { objectFormat: format });
    let repo = await GitRepository.open(dir);
    assert.is(repo.objectFormat, format);
    assert.is(repo.oidLength, oidLength[format]);
    assert.equal(await repo.head(), { branch: 'main', commit: null }, 'before the first commit');

    const base = commitFiles(dir, { HEAD: 'a file named HEAD', a: '1' }, 'base');
    assert.equal(await repo.head(), { branch: 'main', commit: base });
    git(dir, 'checkout', '-q', '-b', 'sign/event');
    const side = commitFiles(dir, { b: '2' }, 'side');
    assert.equal(await repo.head(), { branch: 'sign/event', commit: side });
    git(dir, 'checkout', '-q', '--detach', 'main');
    assert.equal(await repo.head(), { branch: null, commit: base });
    git(dir, 'checkout', '-q', 'main');

    git(dir, 'update-ref', 'refs/remotes/origin/main', side);
    git(dir, 'tag', '-a', '-m', 'annotated', 'v1', side);
    git(dir, 'tag', '-a', '-m', 'tag of a tag', 'v1-again', 'v1');
    git(dir, 'tag', 'blob-tag', git(dir, 'rev-parse', 'main:a'));
    const commits = await repo.refCommits([
      'refs/heads/main',
      'refs/remotes/origin/main',
      'refs/tags/v1',
      'refs/tags/v1-again',
      'refs/tags/blob-tag', // names no commit
      'refs/heads/sign', // only a prefix of refs/heads/sign/event
      'refs/heads/nope',
      'main', // not a full ref name
      '--all',
    ]);
    assert.equal(
      [...commits].sort(),
      [
        ['refs/heads/main', base],
        ['refs/remotes/origin/main', side],
        ['refs/tags/v1', side],
        ['refs/tags/v1-again', side],
      ].sort(),
    );
    assert.equal(await repo.refCommits([]), new Map());
    for (const [ref, commit] of commits) assert.is(await repo.resolveCommit(ref), commit, ref);

    git(dir, 'remote', 'add', 'origin', 'https://example.com/a.git');
    git(dir, 'remote', 'add', 'up.stream', '/tmp/nowhere');
    git(dir, 'config', 'remote.pushDefault', 'origin'); // no remote named pushDefault
    git(dir, 'config', 'tuf.pull-remote', 'up.stream');
    git(dir, 'config', 'Section.SubSection.Key', 'first');
    git(dir, 'config', '--add', 'section.SubSection.key', 'second ✓\nwith a newline');
    git(dir, 'config', 'git-tuf.value', 'with spaces');
    repo.close();
    // Configuration is read once per GitRepository.
    repo = await GitRepository.open(dir);
    const config = await repo.readConfig();
    assert.equal(config.remotes(), await repo.remotes());
    assert.equal(config.remotes(), ['origin', 'up.stream']);
    assert.is(config.get('tuf.pull-remote'), 'up.stream');
    assert.is(config.get('TUF.Pull-Remote'), 'up.stream', 'section and variable names ignore case');
    assert.is(config.get('section.SubSection.KEY'), 'second ✓\nwith a newline', 'the last value wins');
    assert.equal(config.getAll('section.subsection.key'), []);
    assert.equal(config.getAll('SECTION.SubSection.key'), ['first', 'second ✓\nwith a newline']);
    for (const key of ['user.name', 'git-tuf.value', 'tuf.pull-remote', 'no.such-key', 'nosection', 'remote.origin.url']) {
      assert.is(config.get(key), await repo.config(key), key);
    }
    assert.is(config.get('nosection'), null);
    git(dir, 'config', '--unset', 'tuf.pull-remote');
    assert.is(config.get('tuf.pull-remote'), 'up.stream', 'a snapshot');
    assert.is((await repo.readConfig()).get('tuf.pull-remote'), 'up.stream', 'read once');
    repo.close();
    const reopened = await GitRepository.open(dir);
    assert.is((await reopened.readConfig()).get('tuf.pull-remote'), null);
    reopened.close();
  });

  test(`[${format}] streamBlobs: a large request is split over several git processes, each slice in order`, async () => {
    const dir = initRepo(tempDir('git-tuf-stream'), { objectFormat: format });
    const contents = Array.from({ length: 9000 }, (_, i) => (i === 17 ? Buffer.alloc(300_000, i) : Buffer.from(`blob ${i}\n`.repeat(i % 7))));
    const oids = writeBlobs(dir, contents);
    oids.push(oids[3]!); // a repeated id is answered twice
    contents.push(contents[3]!);
    const repo = await GitRepository.open(dir);
    const received = new Array<Buffer>(oids.length);
    let receivers = 0;
    await repo.streamBlobs(oids, () => {
      receivers++;
      let parts: Buffer[] = [];
      let expectedIndex = -1;
      return {
        begin(index, size) {
          assert.is(parts.length, 0);
          assert.ok(index > expectedIndex, 'in order within a slice');
          expectedIndex = index;
          assert.is(size, contents[index]!.length);
        },
        data(bytes) {
          parts.push(Buffer.from(bytes)); // a view: copy to keep
        },
        end(index) {
          assert.is(index, expectedIndex);
          received[index] = Buffer.concat(parts);
          parts = [];
        },
      };
    });
    assert.ok(receivers >= 2, `${receivers} receivers`);
    for (let i = 0; i < oids.length; i++) assert.ok(received[i]?.equals(contents[i]!), `blob ${i}`);

    // A missing blob in one slice rejects once every slice has settled; nothing is left half-read.
    const missing = [...oids.slice(0, 8999), 'f'.repeat(oidLength[format])];
    let ended = 0;
    const error = await rejects(repo.streamBlobs(missing, () => ({ begin() {}, data() {}, end: () => void ended++ })), 'git');
    assert.match(error.message, 'f'.repeat(oidLength[format]));
    assert.is(ended, 8999);
    assert.ok((await repo.readBlob(oids[5]!)).equals(contents[5]!), 'still in sync');
    repo.close();
  });
}

test('open() outside a repository and on a missing directory: not-a-repo', async () => {
  const outside = tempDir('git-tuf-outside');
  const error = await rejects(GitRepository.open(outside), 'not-a-repo');
  assert.is(error.message, `not a git repository: ${outside}`);
  assert.is(error.hint, 'run git tuf inside a clone of the TUF repository');
  await rejects(GitRepository.open(path.join(outside, 'no', 'such', 'dir')), 'not-a-repo');
});

test('CatFile close() rejects pending reads; a closed or failing reader does not hang', async () => {
  const dir = initRepo(tempDir('git-tuf-catfile'));
  commitFiles(dir, { a: 'a' }, 'a');
  const oid = git(dir, 'rev-parse', 'HEAD:a');
  const reader = new CatFile(dir);
  const pending = reader.readMany(Array.from({ length: 2000 }, () => oid));
  reader.close();
  await rejects(pending, 'git');
  assert.is((await reader.read(oid)).toString(), 'a');
  reader.close();
  const notRepo = new CatFile(tempDir('git-tuf-catfile-none'));
  await rejects(notRepo.read(oid), 'git');
});

test('CatFile: a request larger than the pipe is written as git reads it; a throwing receiver fails only its request; a one-request reader', async () => {
  const dir = initRepo(tempDir('git-tuf-catfile-big'));
  const [small, other] = writeBlobs(dir, ['small blob\n', 'other\n']);
  const reader = new CatFile(dir);
  const oids = Array.from({ length: 100_000 }, (_, i) => (i % 2 ? small! : other!));
  let count = 0;
  let bytes = 0;
  const big = reader.stream(oids, 'blob', { begin: () => void count++, data: (chunk) => void (bytes += chunk.length), end() {} });
  const alongside = reader.read(other!, 'blob'); // queued behind 100k ids
  await big;
  assert.is(count, 100_000);
  assert.is(bytes, 50_000 * ('small blob\n'.length + 'other\n'.length));
  assert.is((await alongside).toString(), 'other\n');

  const failing = reader.stream([small!, other!, small!], 'blob', {
    begin() {},
    data() {
      throw new Error('receiver broke');
    },
    end() {},
  });
  const next = reader.readMany([other!, small!]);
  try {
    await failing;
    assert.unreachable('should reject');
  } catch (error) {
    assert.is((error as Error).message, 'receiver broke');
  }
  assert.equal((await next).map(String), ['other\n', 'small blob\n']);
  await rejects(reader.stream([small!], 'tree', { begin() {}, data() {}, end() {} }), 'git');
  reader.close();

  const once = new CatFile(dir, { oneRequest: true });
  const first = once.readMany([small!, other!], 'blob');
  await rejects(once.read(small!), 'internal');
  assert.equal((await first).map(String), ['small blob\n', 'other\n']);
  once.close();
});

test('an idle cat-file does not keep node alive, a pending read does', () => {
  const dir = initRepo(tempDir('git-tuf-alive'));
  commitFiles(dir, { a: 'hello' }, 'a');
  const oid = git(dir, 'rev-parse', 'HEAD:a');
  const module = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../git-tuf/git/repository.js');
  const script = `const { GitRepository } = await import(${JSON.stringify(module)});
    const repo = await GitRepository.open(${JSON.stringify(dir)});
    console.log((await repo.readBlob(${JSON.stringify(oid)})).toString());`;
  // No close(): the process must still exit by itself (the timeout only guards against a hang).
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: gitEnv, encoding: 'utf8', timeout: 60_000 });
  assert.is(out, 'hello\n');
});

test.run();
