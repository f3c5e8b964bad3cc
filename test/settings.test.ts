import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GitRepository } from '../git-tuf/git/repository.js';
import { handleProblem, parseSignIni, readSettings } from '../git-tuf/settings.js';
import { fileUriPath } from '../git-tuf/signers/open.js';
import { rejectsWith } from './helpers/assert.js';
import { git, initRepo, tempDir } from './helpers/git.js';

async function settingsIn(dir: string) {
  const repo = await GitRepository.open(dir);
  try {
    return await readSettings(repo);
  } finally {
    repo.close();
  }
}

test('parseSignIni reads the [settings] section of a tuf-on-ci file', () => {
  const values = parseSignIni('# comment\n[settings]\npykcs11lib = /usr/lib/libykcs11.so\nuser-name = @alice\r\n; other\n[other]\nuser-name = @mallory\n');
  assert.equal([...values], [
    ['pykcs11lib', '/usr/lib/libykcs11.so'],
    ['user-name', '@alice'],
  ]);
});

test('handles look like forge user names', () => {
  assert.is(handleProblem('@alice-2'), null);
  for (const bad of ['alice', '@', '@-x', '@a b', '@a/b']) assert.ok(handleProblem(bad), bad);
});

test('readSettings: an existing .tuf-on-ci-sign.ini is enough; git config wins over it', async () => {
  const dir = initRepo(tempDir('settings'));
  git(dir, 'remote', 'add', 'origin', '/nowhere/origin.git');
  git(dir, 'remote', 'add', 'fork', '/nowhere/fork.git');
  writeFileSync(path.join(dir, '.tuf-on-ci-sign.ini'), '[settings]\npykcs11lib = /opt/libykcs11.so\nuser-name = @alice\npull-remote = origin\npush-remote = fork\n');
  let settings = await settingsIn(path.join(dir));
  assert.equal(
    { handle: settings.handle, pull: settings.pullRemote, push: settings.pushRemote, module: settings.pkcs11Module, keys: settings.signingKeys },
    { handle: '@alice', pull: 'origin', push: 'fork', module: '/opt/libykcs11.so', keys: ['hsm:'] },
  );
  assert.is(settings.sources.handle, '.tuf-on-ci-sign.ini');

  git(dir, 'config', 'tuf.handle', '@alice-work');
  git(dir, 'config', 'tuf.push-remote', 'origin');
  git(dir, 'config', '--add', 'tuf.signing-key', 'file:keys/a.pem');
  git(dir, 'config', '--add', 'tuf.signing-key', 'hsm:?label=yk');
  git(dir, 'config', 'tuf.key.33cd93079f6e727e.uri', 'pkcs11:token=old;id=%02');
  settings = await settingsIn(dir);
  assert.is(settings.handle, '@alice-work');
  assert.is(settings.sources.handle, 'git config tuf.handle');
  assert.is(settings.pushRemote, 'origin');
  assert.equal(settings.signingKeys, ['file:keys/a.pem', 'hsm:?label=yk', 'pkcs11:token=old;id=%02']);
});

test('readSettings: defaults, and clear errors for a bad handle or remote', async () => {
  const dir = initRepo(tempDir('settings'));
  let settings = await settingsIn(dir);
  assert.equal({ handle: settings.handle, pull: settings.pullRemote, keys: settings.signingKeys }, { handle: null, pull: null, keys: [] });
  git(dir, 'remote', 'add', 'origin', '/nowhere/origin.git');
  settings = await settingsIn(dir);
  assert.equal({ pull: settings.pullRemote, push: settings.pushRemote }, { pull: 'origin', push: 'origin' });

  git(dir, 'config', 'tuf.handle', 'alice');
  await rejectsWith(() => settingsIn(dir), /"alice" is not a signer handle like @alice \(from git config tuf.handle\)/);
  git(dir, 'config', 'tuf.handle', '@alice');
  git(dir, 'config', 'tuf.push-remote', 'fork');
  await rejectsWith(() => settingsIn(dir), /push-remote is "fork" .*not a remote/);
});

test('file: key URIs resolve from the repository top', () => {
  assert.is(fileUriPath('file:keys/a.pem', '/repo'), '/repo/keys/a.pem');
  assert.is(fileUriPath('file:/abs/a.pem', '/repo'), '/abs/a.pem');
  assert.is(fileUriPath('file:///abs/b.pem', '/repo'), '/abs/b.pem');
});

test.run();
