/**
 * Independent cross-check: @tufjs/models (the model tuf-js clients use) agrees with git tuf
 * status on generated repositories — valid ones, and ones broken in ways both understand.
 * (It counts keyids rather than keys, so the "one key, two keyids" case is not compared here.)
 */
import { Metadata, MetadataKind, type Root, type Targets } from '@tufjs/models';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commitTree, statusJson } from './helpers/cli.js';
import { initRepo, tempDir } from './helpers/git.js';
import { RepoModel, testKey } from './helpers/tuf-repo.js';

const ENV = { GIT_TUF_NOW: '2030-01-01T00:00:00Z' };
const alice = testKey('ecdsa-p256', { owner: '@alice' });
const bob = testKey('ed25519', { owner: '@bob' });
const carol = testKey('rsa', { owner: '@carol' });
const dana = testKey('ecdsa-p256', { owner: '@dana' });
const online = testKey('ed25519', { onlineUri: 'gcpkms:projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1' });

function model(): RepoModel {
  const repo = new RepoModel({
    rootKeys: [alice, bob],
    rootThreshold: 2,
    targetsKeys: [bob, carol],
    targetsThreshold: 2,
    onlineKey: online,
    delegations: [{ name: 'team', keys: [dana] }],
    artifacts: { 'a.txt': 'a', 'team/b/c.txt': 'c', 'é/ü.txt': 'unicode path' },
  });
  const v2 = repo.newRoot([alice, bob]);
  (v2.signed.roles as Record<string, { threshold: number }>).root!.threshold = 1;
  return repo;
}

/** Verifies a whole file map with @tufjs/models; returns its error, or null when all verifies. */
function tufjsVerdict(files: Map<string, Buffer>): unknown {
  const json = (name: string) => JSON.parse(files.get(`metadata/${name}`)!.toString());
  const root = (name: string): Metadata<Root> => Metadata.fromJSON(MetadataKind.Root, json(name));
  const targets = (name: string): Metadata<Targets> => Metadata.fromJSON(MetadataKind.Targets, json(name));
  try {
    const versions = [...files.keys()].filter((name) => name.startsWith('metadata/root_history/')).length;
    let trusted = root('root_history/1.root.json');
    trusted.verifyDelegate('root', trusted);
    for (let version = 2; version <= versions; version++) {
      const next = root(`root_history/${version}.root.json`);
      trusted.verifyDelegate('root', next);
      next.verifyDelegate('root', next);
      trusted = next;
    }
    const topTargets = targets('targets.json');
    trusted.verifyDelegate('targets', topTargets);
    trusted.verifyDelegate('snapshot', Metadata.fromJSON(MetadataKind.Snapshot, json('snapshot.json')));
    trusted.verifyDelegate('timestamp', Metadata.fromJSON(MetadataKind.Timestamp, json('timestamp.json')));
    topTargets.verifyDelegate('team', targets('team.json'));
    return null;
  } catch (error) {
    return error;
  }
}

function ourVerdict(files: Map<string, Buffer>): number {
  const dir = initRepo(tempDir('crosscheck'));
  commitTree(dir, files, 'repository');
  return statusJson(dir, [], ENV).code;
}

test('a generated repository (P-256, Ed25519, RSA-PSS keys, a delegation, a root rotation) is valid for both', () => {
  const files = model().files();
  assert.is(tufjsVerdict(files), null);
  assert.is(ourVerdict(files), 0);
});

const breakages: [string, (repo: RepoModel) => Map<string, Buffer>][] = [
  ['targets below its threshold', (repo) => { repo.role('targets').signers = [bob]; return repo.files(); }],
  ['a delegated role signed by a stranger', (repo) => { repo.role('team').signers = [alice]; return repo.files(); }],
  ['root v2 signed below root v1\'s threshold', (repo) => { repo.roots[1]!.signers = [alice]; return repo.files(); }],
  ['a tampered snapshot', (repo) => {
    const files = repo.files();
    files.set('metadata/snapshot.json', Buffer.from(files.get('metadata/snapshot.json')!.toString().replace('"version": 1\n', '"version": 2\n')));
    return files;
  }],
];

for (const [name, breakIt] of breakages) {
  test(`both reject: ${name}`, () => {
    const files = breakIt(model());
    // Its error classes are not exported; the class name says it rejected the signatures.
    const error = tufjsVerdict(files);
    assert.is((error as Error | null)?.constructor.name, 'UnsignedMetadataError', String(error));
    assert.is(ourVerdict(files), 2);
  });
}

test.run();
