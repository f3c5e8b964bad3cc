// The hooks' cache of verified root chains: a chain is trusted up to where the same bytes
// verified before, never further, and never when its check found errors.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GitRepository } from '../git-tuf/git/repository.js';
import { recordVerifiedChain, verifiedChainStart } from '../git-tuf/hooks/chain-cache.js';
import { problem } from '../git-tuf/repo/report.js';
import { loadState } from '../git-tuf/repo/state.js';
import { commitTree } from './helpers/cli.js';
import { git } from './helpers/git.js';
import { hookWorld, hookedClone, push } from './helpers/hooks.js';
import { testKey, type Json } from './helpers/tuf-repo.js';

test('a chain is trusted up to the longest prefix verified before, with the same bytes', async () => {
  const world = hookWorld();
  const clone = hookedClone(world, 'cache');
  const repo = await GitRepository.open(clone);
  try {
    const v1 = await loadState(repo, 'HEAD');
    assert.is(await verifiedChainStart(repo, v1), undefined);
    await recordVerifiedChain(repo, v1, [problem('error', 'root is broken', { role: 'root' })]);
    assert.not.ok(existsSync(path.join(repo.commonDir, 'git-tuf', 'verified-root-chains')), 'nothing recorded after an error');
    await recordVerifiedChain(repo, v1, []);
    const start = await verifiedChainStart(repo, v1);
    assert.is(start?.fromVersion, 2);
    assert.is(start?.trusted.signed.version, 1);

    // root v2 on top: verification starts at v2, from v1.
    world.model.newRoot();
    commitTree(clone, world.model.files(), 'root v2');
    const v2 = await loadState(repo, 'HEAD');
    assert.is((await verifiedChainStart(repo, v2))?.fromVersion, 2);

    // Other bytes for root v1: nothing is trusted.
    world.model.roots[0]!.signed.expires = '2098-01-01T00:00:00Z';
    commitTree(clone, world.model.files(), 'another root v1');
    assert.is(await verifiedChainStart(repo, await loadState(repo, 'HEAD')), undefined);
  } finally {
    repo.close();
  }
});

test('after a verified push, a root that does not chain from the cached root is still refused', () => {
  const world = hookWorld();
  const clone = hookedClone(world, 'cache-push');
  git(clone, 'commit', '-q', '--allow-empty', '-m', 'Nothing changes');
  assert.is(push(clone, 'origin', 'main').code, 0);
  assert.ok(existsSync(path.join(clone, '.git', 'git-tuf', 'verified-root-chains')));

  const mallory = testKey('ed25519', { owner: '@mallory' });
  const root = world.model.newRoot([mallory]);
  (root.signed.keys as Json)[mallory.keyid] = mallory.entry;
  (root.signed.roles as Json).root = { keyids: [mallory.keyid], threshold: 1 };
  root.placeholders = [mallory];
  commitTree(clone, world.model.files(), 'Root v2 by mallory alone');
  const before = git(world.upstream, 'rev-parse', 'main');
  const result = push(clone, 'origin', 'main');
  assert.is.not(result.code, 0, result.output);
  assert.match(result.output, /root v2 has 0 of 1 required signatures of root v1's keys/);
  assert.is(git(world.upstream, 'rev-parse', 'main'), before);
});

test.run();
