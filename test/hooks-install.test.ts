// `git tuf hooks install | uninstall` on real repositories: shims where git looks for hooks
// (core.hooksPath too), existing hooks kept and still run by git with their arguments and input,
// uninstall puts them back byte for byte.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gitTuf, projectRoot } from './helpers/cli.js';
import { git } from './helpers/git.js';
import { hookEnv, hookWorld, push } from './helpers/hooks.js';

const shim = (name: string): string => readFileSync(path.join(projectRoot, 'hooks', name), 'utf8');

function clone(world: ReturnType<typeof hookWorld>, name: string): string {
  const dir = path.join(world.base, name);
  git(world.base, 'clone', '-q', world.upstream, dir);
  return dir;
}

/** A user's own pre-push hook: records its arguments and stdin, then exits with `code`. */
function ownHook(file: string, log: string, code = 0): string {
  const text = `#!/bin/sh\n# my own hook\necho "args: $*" >> '${log}'\ncat >> '${log}'\nexit ${code}\n`;
  writeFileSync(file, text);
  chmodSync(file, 0o750);
  return text;
}

test('install writes both shims; a second install changes nothing; uninstall removes them', () => {
  const world = hookWorld();
  const dir = clone(world, 'plain');
  const hooks = path.join(dir, '.git', 'hooks');
  const first = gitTuf(dir, ['hooks', 'install', '--json']);
  assert.is(first.code, 0, first.stderr);
  const report = JSON.parse(first.stdout);
  assert.is(report.schema, 'git-tuf-hooks/1');
  assert.equal(report.hooks.map((entry: { hook: string; action: string }) => `${entry.hook} ${entry.action}`), ['pre-push installed', 'post-merge installed']);
  for (const name of ['pre-push', 'post-merge']) {
    assert.is(readFileSync(path.join(hooks, name), 'utf8'), shim(name));
    assert.is(statSync(path.join(hooks, name)).mode & 0o777, 0o755);
  }
  const again = gitTuf(path.join(dir, '.git'), ['hooks', 'install']);
  assert.is(again.code, 0, again.stderr);
  assert.match(again.stdout, /pre-push: already installed/);
  assert.match(again.stdout, /post-merge: already installed/);
  // A shim from another git tuf version is replaced, not chained.
  writeFileSync(path.join(hooks, 'post-merge'), '#!/bin/sh\nexec git tuf hook post-merge "$@"\n');
  const updated = gitTuf(dir, ['hooks', 'install']);
  assert.match(updated.stdout, /post-merge: updated to this version of git tuf/);
  assert.is(readFileSync(path.join(hooks, 'post-merge'), 'utf8'), shim('post-merge'));
  assert.not.ok(existsSync(path.join(hooks, 'post-merge.git-tuf-chained')));

  const removed = gitTuf(dir, ['hooks', 'uninstall']);
  assert.is(removed.code, 0, removed.stderr);
  assert.match(removed.stdout, /pre-push: removed/);
  assert.not.ok(existsSync(path.join(hooks, 'pre-push')));
  assert.not.ok(existsSync(path.join(hooks, 'post-merge')));
});

test('an existing pre-push hook is kept, still runs on git push with the same arguments and input, and comes back byte for byte', () => {
  const world = hookWorld();
  const dir = clone(world, 'own-hook');
  const hookFile = path.join(dir, '.git', 'hooks', 'pre-push');
  const log = path.join(world.base, 'own-hook.log');
  const original = ownHook(hookFile, log);

  const installed = gitTuf(dir, ['hooks', 'install']);
  assert.is(installed.code, 0, installed.stderr);
  assert.match(installed.stdout, /pre-push: installed; your existing hook is kept and runs first/);
  assert.is(readFileSync(hookFile, 'utf8'), shim('pre-push'));
  const reinstalled = gitTuf(dir, ['hooks', 'install']);
  assert.match(reinstalled.stdout, /pre-push: already installed \(kept hook: pre-push\.git-tuf-chained\)/);

  git(dir, 'checkout', '-q', '-b', 'docs');
  git(dir, 'commit', '-q', '--allow-empty', '-m', 'Docs');
  const result = push(dir, 'origin', 'docs');
  assert.is(result.code, 0, result.output);
  const head = git(dir, 'rev-parse', 'HEAD');
  assert.is(readFileSync(log, 'utf8'), `args: origin ${world.upstream}\nrefs/heads/docs ${head} refs/heads/docs ${'0'.repeat(40)}\n`);

  const removed = gitTuf(dir, ['hooks', 'uninstall']);
  assert.is(removed.code, 0, removed.stderr);
  assert.match(removed.stdout, /pre-push: removed; your previous hook is back/);
  assert.is(readFileSync(hookFile, 'utf8'), original);
  assert.is(statSync(hookFile).mode & 0o777, 0o750);
  assert.not.ok(existsSync(`${hookFile}.git-tuf-chained`));
});

test('git tuf starts without loading NODE_EXTRA_CA_CERTS unless it may reach a KMS; the kept hook still gets it as git gave it', () => {
  const world = hookWorld();
  const dir = clone(world, 'extra-ca');
  const log = path.join(world.base, 'extra-ca.log');
  writeFileSync(path.join(dir, '.git', 'hooks', 'pre-push'), `#!/bin/sh\necho "NODE_EXTRA_CA_CERTS=\${NODE_EXTRA_CA_CERTS-unset} GIT_TUF_EXTRA_CA_CERTS=\${GIT_TUF_EXTRA_CA_CERTS-unset}" > '${log}'\n`);
  chmodSync(path.join(dir, '.git', 'hooks', 'pre-push'), 0o755);
  assert.is(gitTuf(dir, ['hooks', 'install']).code, 0);
  // node warns at start when it cannot load the file: a node that loads it says so. Commands
  // that may reach a cloud KMS keep it; the others start without it.
  const missing = path.join(world.base, 'no-such-ca.pem');
  assert.match(gitTuf(dir, ['publish', '-h'], { NODE_EXTRA_CA_CERTS: missing }).stderr, /Ignoring extra certs/);
  const status = gitTuf(dir, ['status'], { NODE_EXTRA_CA_CERTS: missing });
  assert.is(status.code, 0, status.stderr);
  assert.not.match(status.stderr, /Ignoring extra certs/);

  git(dir, 'commit', '-q', '--allow-empty', '-m', 'Valid');
  const result = spawnSync('git', ['push', 'origin', 'main'], { cwd: dir, env: { ...hookEnv, NODE_EXTRA_CA_CERTS: missing }, encoding: 'utf8' });
  assert.is(result.status, 0, result.stderr);
  assert.not.match(result.stderr, /Ignoring extra certs/);
  assert.is(readFileSync(log, 'utf8'), `NODE_EXTRA_CA_CERTS=${missing} GIT_TUF_EXTRA_CA_CERTS=unset\n`);
});

test('a kept hook that refuses the push still refuses it', () => {
  const world = hookWorld();
  const dir = clone(world, 'refusing-hook');
  ownHook(path.join(dir, '.git', 'hooks', 'pre-push'), path.join(world.base, 'refusing.log'), 1);
  assert.is(gitTuf(dir, ['hooks', 'install']).code, 0);
  git(dir, 'commit', '-q', '--allow-empty', '-m', 'Valid, but my hook says no');
  const before = git(world.upstream, 'rev-parse', 'main');
  const result = push(dir, 'origin', 'main');
  assert.is.not(result.code, 0, result.output);
  assert.is(git(world.upstream, 'rev-parse', 'main'), before);
});

test('core.hooksPath is honoured; a hook put over the shim is never overwritten without --force', () => {
  const world = hookWorld();
  const dir = clone(world, 'hooks-path');
  const hooks = path.join(dir, 'my-hooks');
  mkdirSync(hooks);
  git(dir, 'config', 'core.hooksPath', 'my-hooks');
  assert.is(gitTuf(path.join(dir, 'metadata'), ['hooks', 'install']).code, 0);
  assert.is(readFileSync(path.join(hooks, 'pre-push'), 'utf8'), shim('pre-push'));
  assert.not.ok(existsSync(path.join(dir, '.git', 'hooks', 'pre-push')));

  // First hook chained; then someone puts a second one over the shim.
  const log = path.join(world.base, 'hp.log');
  writeFileSync(path.join(hooks, 'pre-push.git-tuf-chained'), '#!/bin/sh\nexit 0\n');
  const second = ownHook(path.join(hooks, 'pre-push'), log);
  const listing = (): string => git(dir, 'ls-files', '--others', 'my-hooks') + readFileSync(path.join(hooks, 'pre-push'), 'utf8');
  const before = listing();
  const refused = gitTuf(dir, ['hooks', 'install']);
  assert.is(refused.code, 3);
  assert.match(refused.stderr, /^git tuf: .*my-hooks\/pre-push is not git tuf's hook, and pre-push\.git-tuf-chained already holds a hook that git tuf runs \(move one of them away, or use --force/);
  assert.is(listing(), before);

  const uninstall = gitTuf(dir, ['hooks', 'uninstall']);
  assert.match(uninstall.stdout, /pre-push: left alone: it is not git tuf's hook/);
  assert.is(readFileSync(path.join(hooks, 'pre-push'), 'utf8'), second);

  const forced = gitTuf(dir, ['hooks', 'install', '--force']);
  assert.is(forced.code, 0, forced.stderr);
  assert.is(readFileSync(path.join(hooks, 'pre-push.git-tuf-chained'), 'utf8'), second);
  assert.is(readFileSync(path.join(hooks, 'pre-push'), 'utf8'), shim('pre-push'));
});

test('hooks: bad actions are one-line usage errors', () => {
  const world = hookWorld();
  const dir = clone(world, 'usage');
  const bad = gitTuf(dir, ['hooks', 'instal']);
  assert.is(bad.code, 3);
  assert.is(bad.stderr, 'git tuf: git tuf hooks instal is not a hooks action (use git tuf hooks install or git tuf hooks uninstall)\n');
  const help = gitTuf(dir, ['hooks', '-h']);
  assert.is(help.code, 0);
  assert.match(help.stdout, /examples:/);
});

test.run();
