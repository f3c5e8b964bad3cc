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
import { useFactMemo } from '../git-tuf/tuf/memo.js';
import { commitTree } from './helpers/cli.js';
import { git } from './helpers/git.js';
import { commitRootTakeover, hookWorld, hookedClone, push } from './helpers/hooks.js';

test('a chain is trusted up to the longest prefix verified before, with the same bytes', async () => {
  const world = hookWorld();
  const clone = hookedClone(world, 'cache');
  const repo = await GitRepository.open(clone);
  const facts = new Set<string>();
  useFactMemo({ has: (fact) => facts.has(fact), add: (fact) => void facts.add(fact) });
  try {
    const v1 = await loadState(repo, 'HEAD');
    assert.is(verifiedChainStart(v1), undefined);
    recordVerifiedChain(v1, [problem('error', 'root is broken', { role: 'root' })]);
    const chains = (): string[] => [...facts].filter((fact) => fact.startsWith('verified-root-chain'));
    assert.equal(chains(), [], 'nothing recorded after an error');
    recordVerifiedChain(v1, []);
    assert.is(chains().length, 1);
    const start = verifiedChainStart(v1);
    assert.is(start?.fromVersion, 2);
    assert.is(start?.trusted.signed.version, 1);

    // root v2 on top: verification starts at v2, from v1.
    world.model.newRoot();
    commitTree(clone, world.model.files(), 'root v2');
    const v2 = await loadState(repo, 'HEAD');
    assert.is(verifiedChainStart(v2)?.fromVersion, 2);

    // Other bytes for root v1: nothing is trusted.
    world.model.roots[0]!.signed.expires = '2098-01-01T00:00:00Z';
    commitTree(clone, world.model.files(), 'another root v1');
    assert.is(verifiedChainStart(await loadState(repo, 'HEAD')), undefined);
  } finally {
    useFactMemo(null);
    repo.close();
  }
});

test('after a verified push, a root that does not chain from the cached root is still refused', () => {
  const world = hookWorld();
  const clone = hookedClone(world, 'cache-push');
  git(clone, 'commit', '-q', '--allow-empty', '-m', 'Nothing changes');
  assert.is(push(clone, 'origin', 'main').code, 0);
  assert.ok(existsSync(path.join(clone, '.git', 'git-tuf', 'facts')));

  commitRootTakeover(world, clone);
  const before = git(world.upstream, 'rev-parse', 'main');
  const result = push(clone, 'origin', 'main');
  assert.is.not(result.code, 0, result.output);
  assert.match(result.output, /root v2 has 0 of 1 required signatures of root v1's keys/);
  assert.is(git(world.upstream, 'rev-parse', 'main'), before);
});

test.run();
