/**
 * bin/git-tuf.js runs the bundle with a V8 code cache per user: written after a run that had
 * none, reused as it is, replaced when V8 rejects it, never written with GIT_TUF_NO_CODE_CACHE.
 * The cache changes only speed: every run here gives the same output.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gitTuf, projectRoot } from './helpers/cli.js';
import { tempDir } from './helpers/git.js';

/** Fixed, so that runs compare byte for byte. */
const NOW = '2026-12-01T00:00:00Z';

function cacheFiles(home: string): string[] {
  const dir = path.join(home, 'git-tuf');
  try {
    return readdirSync(dir).map((name) => path.join(dir, name));
  } catch {
    return [];
  }
}

test('the code cache is written once, reused, and replaced when damaged; output never changes', () => {
  const home = tempDir('git-tuf-code-cache');
  const env = { XDG_CACHE_HOME: home, GIT_TUF_NO_CODE_CACHE: undefined, GIT_TUF_NOW: NOW };
  const first = gitTuf(projectRoot, ['status', '--json'], env);
  assert.ok(first.stdout.includes('"schema": "git-tuf-status/1"'), first.stderr);
  const [file, ...others] = cacheFiles(home);
  assert.ok(file, 'written after the first run');
  assert.equal(others, []);
  assert.match(path.basename(file!), /^code-[0-9a-f]{32}\.bin$/);
  assert.is(statSync(file!).mode & 0o777, 0o600);
  assert.is(statSync(path.dirname(file!)).mode & 0o777, 0o700);
  const written = readFileSync(file!);

  const second = gitTuf(projectRoot, ['status', '--json'], env);
  assert.equal([second.code, second.stdout, second.stderr], [first.code, first.stdout, first.stderr]);
  assert.ok(readFileSync(file!).equals(written), 'an accepted cache is left as it is');

  // Not V8's: rejected, compiled from source, and replaced.
  writeFileSync(file!, Buffer.alloc(written.length, 0x5a));
  const third = gitTuf(projectRoot, ['status', '--json'], env);
  assert.equal([third.code, third.stdout, third.stderr], [first.code, first.stdout, first.stderr]);
  assert.ok(!readFileSync(file!).equals(Buffer.alloc(written.length, 0x5a)), 'a rejected cache is replaced');
  assert.equal(cacheFiles(home), [file]);
});

test('caches of earlier bundles are removed when a new one is written, the newest few kept', () => {
  const home = tempDir('git-tuf-code-cache-old');
  const dir = path.join(home, 'git-tuf');
  mkdirSync(dir, { recursive: true });
  const old = Array.from({ length: 5 }, (_, index) => path.join(dir, `code-${String(index).repeat(32)}.bin`));
  old.forEach((file, index) => {
    writeFileSync(file, 'stale');
    utimesSync(file, 1_000_000 + index, 1_000_000 + index); // the first is the oldest
  });
  writeFileSync(path.join(dir, 'other-file'), 'not ours');
  const run = gitTuf(projectRoot, ['status', '--json'], { XDG_CACHE_HOME: home, GIT_TUF_NO_CODE_CACHE: undefined, GIT_TUF_NOW: NOW });
  assert.ok(run.stdout.includes('"schema": "git-tuf-status/1"'), run.stderr);
  const left = readdirSync(dir).sort();
  assert.is(left.length, 5, left.join(' '));
  assert.ok(left.includes('other-file'));
  for (const file of old.slice(0, 2)) assert.not.ok(left.includes(path.basename(file)), `${path.basename(file)} removed`);
  for (const file of old.slice(3)) assert.ok(left.includes(path.basename(file)), `${path.basename(file)} kept`);
});

test('GIT_TUF_NO_CODE_CACHE=1 writes no cache; an unusable cache directory is no error', () => {
  const home = tempDir('git-tuf-no-code-cache');
  const off = gitTuf(projectRoot, ['status', '--json'], { XDG_CACHE_HOME: home, GIT_TUF_NO_CODE_CACHE: '1', GIT_TUF_NOW: NOW });
  assert.ok(off.stdout.includes('"schema": "git-tuf-status/1"'), off.stderr);
  assert.equal(cacheFiles(home), []);

  const blocked = path.join(home, 'a-file');
  writeFileSync(blocked, 'not a directory');
  const unusable = gitTuf(projectRoot, ['status', '--json'], { XDG_CACHE_HOME: blocked, GIT_TUF_NO_CODE_CACHE: undefined, GIT_TUF_NOW: NOW });
  assert.equal([unusable.code, unusable.stdout, unusable.stderr], [off.code, off.stdout, off.stderr]);
});

test.run();
