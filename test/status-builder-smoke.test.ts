import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commitTree, statusJson } from './helpers/cli.js';
import { initRepo, tempDir } from './helpers/git.js';
import { RepoModel, testKey } from './helpers/tuf-repo.js';

test('a freshly built repository with a delegation verifies', () => {
  const alice = testKey('ecdsa-p256', { owner: '@alice' });
  const bob = testKey('ed25519', { owner: '@bob' });
  const online = testKey('ecdsa-p384', { onlineUri: 'gcpkms:projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1' });
  const model = new RepoModel({
    rootKeys: [alice, bob],
    rootThreshold: 2,
    onlineKey: online,
    delegations: [{ name: 'team', keys: [testKey('rsa', { owner: '@carol' })] }],
    artifacts: { 'a.txt': 'hello', 'team/x/y.bin': 'data' },
  });
  const dir = initRepo(tempDir('smoke'));
  commitTree(dir, model.files(), 'initial');
  const { code, report, stderr } = statusJson(dir, [], { GIT_TUF_NOW: '2030-01-01T00:00:00Z' });
  assert.is(code, 0, JSON.stringify(report?.problems ?? stderr, null, 1));
  assert.equal(report.roles.map((role: { name: string }) => role.name), ['root', 'targets', 'team', 'snapshot', 'timestamp']);
});

test.run();
