/**
 * Adversarial metadata contents and artifacts on main: snapshot/timestamp consistency, expiry,
 * artifacts out of step with metadata, malformed JSON, non-integers, unsafe target paths,
 * symlinks and submodules. Each must make the real `git tuf status` exit 2 naming the file or role.
 */
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commitTree } from './helpers/cli.js';
import { git } from './helpers/git.js';
import { targetEntry } from './helpers/tuf-repo.js';
import { baseModel, expectInvalid, expectValid, freezeSnapshot, repoWith, validThenBroken } from './status-adversarial-helpers.js';

type Json = Record<string, any>;

/** Replaces exactly one match of `pattern` in a file's text (the case would be vacuous otherwise). */
function editOnce(files: Map<string, Buffer>, file: string, pattern: RegExp, replacement: string): void {
  const text = files.get(file)!.toString('utf8');
  const matches = text.match(new RegExp(pattern.source, 'g')) ?? [];
  assert.is(matches.length, 1, `${file}: expected one match of ${pattern}, found ${matches.length}`);
  files.set(file, Buffer.from(text.replace(pattern, replacement), 'utf8'));
}

test('baseline: the starting repository verifies (exit 0)', () => {
  expectValid(repoWith(baseModel().files()));
});

test('8. snapshot lists a wrong version of targets.json', () => {
  const model = freezeSnapshot(baseModel());
  (model.role('snapshot').signed.meta as Json)['targets.json'] = { version: 2 };
  expectInvalid(validThenBroken(baseModel().files(), model.files()), 'targets.json', { role: 'snapshot' });
});

test('8. snapshot lists targets.json with a wrong length', () => {
  const model = freezeSnapshot(baseModel());
  (model.role('snapshot').signed.meta as Json)['targets.json'] = { length: 12, version: 1 };
  expectInvalid(validThenBroken(baseModel().files(), model.files()), 'targets.json', { role: 'snapshot' });
});

test('8. snapshot does not list targets.json', () => {
  const model = freezeSnapshot(baseModel());
  model.role('snapshot').signed.meta = {};
  expectInvalid(validThenBroken(baseModel().files(), model.files()), 'targets.json', { role: 'snapshot' });
});

test('9. timestamp points to a wrong snapshot version', () => {
  const model = freezeSnapshot(baseModel());
  (model.role('timestamp').signed.meta as Json)['snapshot.json'] = { version: 2 };
  expectInvalid(validThenBroken(baseModel().files(), model.files()), 'snapshot.json', { role: 'timestamp' });
});

test('10. targets expired before now', () => {
  const model = baseModel();
  model.role('targets').signed.expires = '2029-12-31T23:59:59Z';
  expectInvalid(validThenBroken(baseModel().files(), model.files()), /\btargets\b/, { role: 'targets' });
});

test('10. timestamp expired before now', () => {
  const model = baseModel();
  model.role('timestamp').signed.expires = '2029-12-31T00:00:00Z';
  expectInvalid(validThenBroken(baseModel().files(), model.files()), /\btimestamp\b/, { role: 'timestamp' });
});

test('10. targets expiring exactly now counts as expired', () => {
  const model = baseModel();
  model.role('targets').signed.expires = '2030-01-01T00:00:00Z';
  expectInvalid(validThenBroken(baseModel().files(), model.files()), /\btargets\b/, { role: 'targets' });
});

test('11. an artifact changed without a metadata update', () => {
  const valid = baseModel().files();
  const files = new Map(valid);
  files.set('targets/a.txt', Buffer.from('HELLO\n'));
  expectInvalid(validThenBroken(valid, files), 'a.txt');
});

test('11. an artifact listed in metadata but deleted', () => {
  const valid = baseModel().files();
  const files = new Map(valid);
  files.delete('targets/docs/readme.md');
  expectInvalid(validThenBroken(valid, files), 'docs/readme.md');
});

test('11. an artifact added without metadata', () => {
  const valid = baseModel().files();
  const files = new Map(valid);
  files.set('targets/new.bin', Buffer.from([0, 1, 2]));
  expectInvalid(validThenBroken(valid, files), 'new.bin');
});

test('13. targets.json cut in half', () => {
  const valid = baseModel().files();
  const files = new Map(valid);
  const bytes = valid.get('metadata/targets.json')!;
  files.set('metadata/targets.json', bytes.subarray(0, Math.floor(bytes.length / 2)));
  expectInvalid(validThenBroken(valid, files), 'targets.json', { role: 'targets' });
});

test('13. targets.json that is not JSON', () => {
  const valid = baseModel().files();
  const files = new Map(valid);
  files.set('metadata/targets.json', Buffer.from('this is not JSON\n'));
  expectInvalid(validThenBroken(valid, files), 'targets.json', { role: 'targets' });
});

test('13. snapshot.json that is JSON but not metadata', () => {
  const valid = baseModel().files();
  const files = new Map(valid);
  files.set('metadata/snapshot.json', Buffer.from('[1, 2, 3]'));
  expectInvalid(validThenBroken(valid, files), 'snapshot.json', { role: 'snapshot' });
});

test('14. "version": "1" (a string) in targets, properly signed', () => {
  const model = freezeSnapshot(baseModel());
  model.role('targets').signed.version = '1';
  expectInvalid(validThenBroken(baseModel().files(), model.files()), 'targets.json', { role: 'targets' });
});

for (const float of ['1.0', '1.5', '1e0']) {
  test(`14. "version": ${float} in the raw text of targets' signed (signature over the parsed value)`, () => {
    const valid = baseModel().files();
    const files = new Map(valid);
    editOnce(files, 'metadata/targets.json', /"version": 1(?=[,\n])/, `"version": ${float}`);
    expectInvalid(validThenBroken(valid, files), 'targets.json', { role: 'targets' });
  });
}

test('14. a float as a target length ("length": 6.0)', () => {
  const valid = baseModel().files();
  const files = new Map(valid);
  editOnce(files, 'metadata/targets.json', /"length": 6(?=[,\n])/, '"length": 6.0');
  expectInvalid(validThenBroken(valid, files), 'targets.json', { role: 'targets' });
});

test('16. a target path with ".." listed in targets metadata', () => {
  const model = baseModel();
  (model.role('targets').signed.targets as Json)['../escape.txt'] = targetEntry('escape\n');
  expectInvalid(validThenBroken(baseModel().files(), model.files()), '../escape.txt');
});

test('16. an absolute target path listed in targets metadata', () => {
  const model = baseModel();
  (model.role('targets').signed.targets as Json)['/etc/passwd'] = targetEntry('root:x:0:0\n');
  expectInvalid(validThenBroken(baseModel().files(), model.files()), '/etc/passwd');
});

test('17. a symlink under targets/, listed with the hash of its blob', () => {
  const model = baseModel();
  // A naive check comparing blob bytes would accept it: the blob of a symlink is its target path.
  (model.role('targets').signed.targets as Json)['link'] = targetEntry('a.txt');
  const dir = repoWith(baseModel().files(), 'valid repository');
  commitTree(dir, model.files(), 'metadata lists targets/link');
  symlinkSync('a.txt', path.join(dir, 'targets', 'link'));
  git(dir, 'add', 'targets/link');
  git(dir, 'commit', '-q', '-m', 'targets/link as a symlink');
  assert.match(git(dir, 'ls-tree', 'HEAD', 'targets/link'), /^120000 /);
  expectInvalid(dir, 'targets/link');
});

test('17. a symlink under targets/ pointing outside the repository, unlisted', () => {
  const dir = repoWith(baseModel().files(), 'valid repository');
  symlinkSync('/etc/passwd', path.join(dir, 'targets', 'passwd'));
  git(dir, 'add', 'targets/passwd');
  git(dir, 'commit', '-q', '-m', 'a symlink');
  expectInvalid(dir, 'targets/passwd');
});

test('17. a submodule entry (mode 160000) under targets/', () => {
  const dir = repoWith(baseModel().files(), 'valid repository');
  const commit = git(dir, 'rev-parse', 'HEAD');
  git(dir, 'update-index', '--add', '--cacheinfo', `160000,${commit},targets/sub`);
  git(dir, 'commit', '-q', '-m', 'a submodule under targets/');
  assert.match(git(dir, 'ls-tree', 'HEAD', 'targets/sub'), /^160000 commit /);
  expectInvalid(dir, 'targets/sub');
});

test('18. unparseable expires ("next year") in targets: an error, never "no expiry"', () => {
  const model = baseModel();
  model.role('targets').signed.expires = 'next year';
  expectInvalid(validThenBroken(baseModel().files(), model.files()), /\btargets\b/, { role: 'targets' });
});

test('18. unparseable expires in timestamp', () => {
  const model = baseModel();
  model.role('timestamp').signed.expires = '2030-13-45T99:00:00Z';
  expectInvalid(validThenBroken(baseModel().files(), model.files()), /\btimestamp\b/, { role: 'timestamp' });
});

test.run();
