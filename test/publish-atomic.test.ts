import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gitTuf } from './helpers/cli.js';
import { git } from './helpers/git.js';
import { addArtifact, env, pausedPublish, publisher, publishWorld, pushModel } from './helpers/publish-world.js';
import { sha256 } from './helpers/tuf-repo.js';

/** Every file under `dir` with the sha256 of its bytes: what a client could see there. */
function contents(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (at: string): void => {
    for (const name of readdirSync(at)) {
      const file = path.join(at, name);
      if (statSync(file).isDirectory()) walk(file);
      else files[path.relative(dir, file)] = createHash('sha256').update(readFileSync(file)).digest('hex');
    }
  };
  walk(dir);
  return files;
}

/** A world published once to `site`, then an artifact merged to main that the next publish adds. */
function publishedOnce() {
  const world = publishWorld();
  const ci = publisher(world);
  const first = gitTuf(ci, ['publish', '--out', 'site'], env);
  assert.is(first.code, 0, first.stderr);
  addArtifact(world, 'new.txt', 'new artifact');
  pushModel(world, 'Add new.txt');
  git(ci, 'pull', '-q', '--ff-only');
  const site = path.join(ci, 'site');
  return { world, ci, site, before: contents(site) };
}

test('a publish killed (SIGKILL) after building and verifying leaves the previous output unchanged; the next run cleans up and publishes', async () => {
  const { ci, site, before } = publishedOnce();
  const run = pausedPublish(ci, ['--out', 'site'], 'verified');
  const staging = await run.paused;
  assert.ok(existsSync(path.join(staging, 'targets', `${sha256('new artifact')}.new.txt`)), 'the new build was complete');
  run.child.kill('SIGKILL');
  assert.is((await run.exited).signal, 'SIGKILL');
  assert.equal(contents(site), before);

  const next = gitTuf(ci, ['publish', '--out', 'site'], env);
  assert.is(next.code, 0, next.stderr);
  assert.not.ok(existsSync(staging), 'the dead run\'s staging directory is removed');
  assert.ok(`targets/${sha256('new artifact')}.new.txt` in contents(site));
});

test('a corrupted artifact in the build fails with tuf-js\'s message and nothing is written to the output', async () => {
  const { ci, site, before } = publishedOnce();
  const run = pausedPublish(ci, ['--out', 'site'], 'built');
  const staging = await run.paused;
  writeFileSync(path.join(staging, 'targets', `${sha256('new artifact')}.new.txt`), 'new artifacT');
  run.child.stdin.end();
  const { code, stderr } = await run.exited;
  assert.is(code, 2, stderr);
  assert.match(stderr, /^git tuf: paused at built: .*\ngit tuf: tuf-js rejects the build \(trusting 1\.root\.json\): .*hash.* \(nothing was published; check git tuf status main\)\n$/);
  assert.equal(contents(site), before);
  assert.not.ok(existsSync(staging));
});

test('wrong metadata in the build fails with tuf-js\'s message and nothing is written to the output', async () => {
  const { ci, site, before } = publishedOnce();
  const run = pausedPublish(ci, ['--out', 'site'], 'built');
  const staging = await run.paused;
  const timestamp = JSON.parse(readFileSync(path.join(staging, 'timestamp.json'), 'utf8'));
  timestamp.signed.version += 1;
  writeFileSync(path.join(staging, 'timestamp.json'), JSON.stringify(timestamp));
  run.child.stdin.end();
  const { code, stderr } = await run.exited;
  assert.is(code, 2, stderr);
  assert.match(stderr, /\ngit tuf: tuf-js rejects the build \(trusting 1\.root\.json\): timestamp was signed by 0\/1 keys \(nothing was published; check git tuf status main\)\n$/);
  assert.equal(contents(site), before);
});

test.run();
