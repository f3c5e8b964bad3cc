/**
 * (Re)builds the project's own demo TUF repository in metadata/ and targets/ from the throwaway
 * demo keys in test/fixtures/demo-keys/ (generated on first run). The keys are public in this
 * repository: INSECURE, for the demo and tests only.
 *
 *   npm run build && node dist/scripts/make-demo.js
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTestKey, RepoModel, testKey, type KeyKind, type TestKey } from '../test/helpers/tuf-repo.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const keyDir = path.join(root, 'test', 'fixtures', 'demo-keys');

function demoKey(name: string, kind: KeyKind, extra: { owner?: string; onlineUri?: string }): TestKey {
  const file = path.join(keyDir, `${name}.pem`);
  if (!existsSync(file)) {
    mkdirSync(keyDir, { recursive: true });
    writeFileSync(file, testKey(kind).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  }
  return loadTestKey(kind, readFileSync(file, 'utf8'), extra);
}

const alice = demoKey('alice', 'ecdsa-p256', { owner: '@alice' });
const bob = demoKey('bob', 'ed25519', { owner: '@bob' });
const carol = demoKey('carol', 'ecdsa-p384', { owner: '@carol' });
const online = demoKey('online', 'ed25519', { onlineUri: 'file:test/fixtures/demo-keys/online.pem' });

const model = new RepoModel({
  rootKeys: [alice],
  targetsKeys: [alice, bob],
  onlineKey: online,
  expires: '2099-12-31T00:00:00Z',
  delegations: [{ name: 'demo-team', keys: [carol] }],
  artifacts: {
    'hello.txt': 'Hello from the git tuf demo repository.\n',
    'config/app.json': '{"channel": "stable", "min_version": "1.2.0"}\n',
    'demo-team/tools/tool-1.0.txt': 'demo-team release notes for tool 1.0\n',
  },
});
// A second root version adds @bob and raises the threshold: the demo shows a root chain.
const v2 = model.newRoot([alice, bob]);
const roles = v2.signed.roles as Record<string, { keyids: string[]; threshold: number }>;
(v2.signed.keys as Record<string, unknown>)[bob.keyid] = bob.entry;
roles.root = { keyids: [alice.keyid, bob.keyid], threshold: 2 };
v2.placeholders = [alice, bob];

for (const dir of ['metadata', 'targets']) rmSync(path.join(root, dir), { recursive: true, force: true });
for (const [file, bytes] of model.files()) {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), bytes);
}
console.log('demo repository written to metadata/ and targets/');
