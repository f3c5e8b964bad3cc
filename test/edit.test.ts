// The pure metadata edits behind init, delegate, update, events and invitation acceptance:
// once-per-event versions, expiry from periods, placeholders in tuf-on-ci's order, invitations,
// thresholds, delegations, artifacts. States are built in memory from RepoModel files.
import { Metadata, MetadataKind, type Root, type Targets } from '@tufjs/models';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { acceptInvitations } from '../git-tuf/edit/accept.js';
import { applyDelegation } from '../git-tuf/edit/delegate.js';
import { Draft, setOwn, type DraftResult } from '../git-tuf/edit/draft.js';
import { syncTargets } from '../git-tuf/edit/targets.js';
import { emptyState, withMetadataChanges, type MetadataFile, type RepositoryState } from '../git-tuf/repo/state.js';
import { parseMetadata } from '../git-tuf/tuf/metadata.js';
import { useFactMemo } from '../git-tuf/tuf/memo.js';
import type { TufKey } from '../git-tuf/signers/signer.js';
import { rejectsWith } from './helpers/assert.js';
import { RepoModel, sha256, testKey, type TestKey } from './helpers/tuf-repo.js';

const AT = new Date('2026-03-01T12:00:00.750Z');

function stateOf(files: Map<string, Buffer>, extra: [string, Buffer | null][] = []): RepositoryState {
  const all = new Map(files);
  for (const [path, content] of extra) {
    if (content === null) all.delete(path);
    else all.set(path, content);
  }
  const state = withMetadataChanges(emptyState(), [...all].map(([path, content]) => ({ path, content })));
  state.artifacts = new Map();
  for (const [path, content] of all) {
    if (!path.startsWith('targets/')) continue;
    const name = path.slice('targets/'.length);
    state.artifacts.set(name, { path: name, mode: '100644', oid: sha256(content), length: content.length, sha256: sha256(content) });
  }
  return state;
}

/** The state after a draft's changes, as a next run of a command would load it. */
function after(state: RepositoryState, result: DraftResult): RepositoryState {
  return { ...withMetadataChanges(state, result.changes), artifacts: state.artifacts };
}

function world(): { alice: TestKey; bob: TestKey; online: TestKey; model: RepoModel; main: RepositoryState } {
  const alice = testKey('ed25519', { owner: '@alice' });
  const bob = testKey('ecdsa-p256', { owner: '@bob' });
  const online = testKey('ed25519', { onlineUri: 'file:online.pem' });
  const model = new RepoModel({ rootKeys: [alice, bob], rootThreshold: 1, targetsKeys: [alice], onlineKey: online, expires: '2026-06-01T00:00:00Z', artifacts: { 'a.txt': 'a' } });
  return { alice, bob, online, model, main: stateOf(model.files()) };
}

const tufKey = (key: TestKey): TufKey => ({ keytype: key.entry.keytype as string, scheme: key.entry.scheme as string, keyval: key.entry.keyval as { public: string } });

test('a renewal bumps once per event: version known good + 1, expiry now + period (whole seconds), placeholders for every expected key', () => {
  const { main, alice, bob } = world();
  const draft = new Draft(main, main);
  draft.renew('root');
  const first = draft.finish(AT);
  assert.equal(first.bumped, [{ role: 'root', version: 2, expires: '2027-03-01T12:00:00Z' }]);
  const root = JSON.parse(first.changes.find((change) => change.path === 'metadata/root.json')!.content!.toString());
  assert.equal(root.signatures, [alice.keyid, bob.keyid].map((keyid) => ({ keyid, sig: '' })));
  assert.is(first.changes.find((change) => change.path === 'metadata/root_history/2.root.json')!.content!.toString(), JSON.stringify(root, null, 1));

  // Renewing the event again (a later run) keeps the version: known good + 1, not + 2.
  const again = new Draft(after(main, first), main);
  again.renew('root');
  assert.is(again.finish(new Date('2026-03-02T00:00:00Z')).bumped[0]!.version, 2);
  // Nothing to renew, nothing to write.
  assert.equal(new Draft(after(main, first), main).finish(AT).changes, []);
});

test('root placeholders list known good root\'s keys, dropped ones included, then its own new ones (tuf-on-ci order)', async () => {
  const { main, alice, bob } = world();
  const draft = new Draft(main, main);
  await applyDelegation(draft, { role: 'root', signers: ['@alice'] }, null);
  const result = draft.finish(AT);
  const root = JSON.parse(result.changes.find((change) => change.path === 'metadata/root.json')!.content!.toString());
  assert.equal(root.signed.roles.root.keyids, [alice.keyid]);
  assert.equal(root.signatures.map((entry: { keyid: string }) => entry.keyid), [alice.keyid, bob.keyid]);
  // bob's key is gone from the ring: no role uses it any more.
  assert.not.ok(bob.keyid in root.signed.keys);
});

test('signers: the caller is added with their key, others are invited; .signing-event-state in tuf-on-ci bytes, deleted when empty', async () => {
  const { main, alice } = world();
  const carol = testKey('ed25519', { owner: '@carol' });
  const draft = new Draft(main, main);
  let opened = 0;
  const caller = { handle: '@carol', key: async () => (opened++, tufKey(carol)) };
  const outcome = await applyDelegation(draft, { role: 'targets', signers: ['@alice', '@carol', '@Dave'], threshold: 2 }, caller);
  assert.equal(outcome.warnings, []);
  assert.is(opened, 1);
  const result = draft.finish(AT);
  const state = result.changes.find((change) => change.path === 'metadata/.signing-event-state')!.content!.toString();
  assert.is(state, '{\n  "invites": {\n    "@dave": [\n      "targets"\n    ]\n  }\n}');
  // root changed (targets' keys) and targets too (its signers changed): both bumped.
  assert.equal(result.bumped.map((bump) => bump.role).sort(), ['root', 'targets']);
  const root = JSON.parse(result.changes.find((change) => change.path === 'metadata/root.json')!.content!.toString());
  assert.equal(root.signed.roles.targets, { keyids: [alice.keyid, carol.keyid], threshold: 2 });
  assert.is(root.signed.keys[carol.keyid]['x-tuf-on-ci-keyowner'], '@carol');

  // Dropping the invitee clears the invitation, and the file goes.
  const next = new Draft(after(main, result), main);
  await applyDelegation(next, { role: 'targets', signers: ['@alice', '@carol'] }, null);
  const cleared = next.finish(AT);
  assert.equal(cleared.changes.find((change) => change.path === 'metadata/.signing-event-state'), { path: 'metadata/.signing-event-state', content: null });
});

test('thresholds: 0 and more than the signers are refused, all of them is warned about', async () => {
  const { main } = world();
  await rejectsWith(() => applyDelegation(new Draft(main, main), { role: 'root', threshold: 0 }, null), /threshold of root must be at least 1/);
  await rejectsWith(() => applyDelegation(new Draft(main, main), { role: 'root', threshold: 3 }, null), /threshold of root would be 3, but it has only 2 signers/);
  await rejectsWith(() => applyDelegation(new Draft(main, main), { role: 'root', signers: ['@alice', '@bob'], threshold: 3 }, null), /only 2 signers/);
  const outcome = await applyDelegation(new Draft(main, main), { role: 'root', threshold: 2 }, null);
  assert.match(outcome.warnings[0]!, /root needs all 2 of its signers/);
});

test('periods and handles are checked; online roles share one key and take no signers', async () => {
  const { main } = world();
  await rejectsWith(() => applyDelegation(new Draft(main, main), { role: 'targets', expiryDays: 0 }, null), /expiry period of targets must be a whole number of days ≥ 1, not 0/);
  await rejectsWith(() => applyDelegation(new Draft(main, main), { role: 'targets', signingDays: -3 }, null), /signing period of targets .* not -3/);
  await rejectsWith(() => applyDelegation(new Draft(main, main), { role: 'targets', expiryDays: 30, signingDays: 30 }, null), /signing period of targets \(30 days\) must be shorter than its expiry period \(30 days\)/);
  await rejectsWith(() => applyDelegation(new Draft(main, main), { role: 'targets', signers: ['alice'] }, null), /"alice" is not a signer handle/);
  await rejectsWith(() => applyDelegation(new Draft(main, main), { role: 'timestamp', signers: ['@alice'] }, null), /timestamp cannot have signers/);
  await rejectsWith(() => applyDelegation(new Draft(main, main), { role: 'nobody', threshold: 1 }, null), /unknown role nobody/);

  const other = testKey('ecdsa-p256', { onlineUri: 'gcpkms:projects/p/keyVersions/2' });
  const draft = new Draft(main, main);
  await applyDelegation(draft, { role: 'timestamp', onlineKey: other.entry, expiryDays: 3, signingDays: 2 }, null);
  const result = draft.finish(AT);
  assert.equal(result.bumped.map((bump) => bump.role), ['root']);
  const root = JSON.parse(result.changes[0]!.content!.toString()).signed;
  assert.equal(root.roles.snapshot.keyids, [other.keyid]);
  assert.equal(root.roles.timestamp, { keyids: [other.keyid], threshold: 1, 'x-tuf-on-ci-expiry-period': 3, 'x-tuf-on-ci-signing-period': 2 });
});

test('delegated roles: created with default paths, nested, signed by invitees who accept; removal prunes keys and refuses a role with children', async () => {
  const { main, alice } = world();
  const bob = testKey('ecdsa-p256', { owner: '@bob' });
  const caller = { handle: '@alice', key: async () => tufKey(alice) };
  const draft = new Draft(main, main);
  await applyDelegation(draft, { role: 'pkgs', signers: ['@alice'] }, caller);
  await applyDelegation(draft, { role: 'pkgs.team', delegator: 'pkgs', signers: ['@bob'], paths: ['pkgs/team/*'], terminating: false }, caller);
  const created = draft.finish(AT);
  assert.equal(created.bumped.map((bump) => bump.role).sort(), ['pkgs', 'pkgs.team', 'targets']);
  const targets = JSON.parse(created.changes.find((change) => change.path === 'metadata/targets.json')!.content!.toString()).signed;
  assert.equal(targets.delegations.roles, [{ keyids: [alice.keyid], name: 'pkgs', paths: ['pkgs/*', 'pkgs/*/*', 'pkgs/*/*/*', 'pkgs/*/*/*/*'], terminating: true, threshold: 1 }]);
  const pkgs = JSON.parse(created.changes.find((change) => change.path === 'metadata/pkgs.json')!.content!.toString());
  assert.equal(pkgs.signed.delegations.roles[0], { keyids: [], name: 'pkgs.team', paths: ['pkgs/team/*'], terminating: false, threshold: 1 });
  assert.equal(pkgs.signatures, [{ keyid: alice.keyid, sig: '' }]);

  // bob accepts: his key goes into pkgs' delegations, and pkgs.team gets placeholders for it.
  const event = after(main, created);
  const accepting = new Draft(event, main);
  const accepted = acceptInvitations(accepting, '@bob', tufKey(bob));
  assert.equal(accepted.roles, ['pkgs.team']);
  const acceptedResult = accepting.finish(AT);
  const team = JSON.parse(acceptedResult.changes.find((change) => change.path === 'metadata/pkgs.team.json')!.content!.toString());
  assert.equal(team.signatures, [{ keyid: accepted.keyid, sig: '' }]);
  assert.equal(acceptedResult.changes.find((change) => change.path === 'metadata/.signing-event-state')!.content, null);
  const pkgsAfter = JSON.parse(acceptedResult.changes.find((change) => change.path === 'metadata/pkgs.json')!.content!.toString()).signed;
  assert.equal(pkgsAfter.delegations.roles[0].keyids, [accepted.keyid]);
  assert.is(pkgsAfter.delegations.keys[accepted.keyid]['x-tuf-on-ci-keyowner'], '@bob');

  await rejectsWith(async () => applyDelegation(new Draft(after(event, acceptedResult), main), { role: 'pkgs', remove: true }, null), /pkgs still delegates to pkgs\.team/);
  const removing = new Draft(after(event, acceptedResult), main);
  await applyDelegation(removing, { role: 'pkgs.team', remove: true }, null);
  await applyDelegation(removing, { role: 'pkgs', remove: true }, null);
  const removed = removing.finish(AT);
  assert.equal(removed.deleted.sort(), ['pkgs', 'pkgs.team']);
  const targetsAfter = JSON.parse(removed.changes.find((change) => change.path === 'metadata/targets.json')!.content!.toString()).signed;
  assert.not.ok('delegations' in targetsAfter);
});

test('rotating a key: another signer is invited again, the caller gets their configured key', async () => {
  const { main, alice, bob } = world();
  const draft = new Draft(main, main);
  await applyDelegation(draft, { role: 'root', rotate: ['@bob'] }, null);
  const result = draft.finish(AT);
  const root = JSON.parse(result.changes.find((change) => change.path === 'metadata/root.json')!.content!.toString());
  assert.equal(root.signed.roles.root.keyids, [alice.keyid]);
  assert.equal(root.signatures.map((entry: { keyid: string }) => entry.keyid), [alice.keyid, bob.keyid]);
  assert.is(result.changes.find((change) => change.path === 'metadata/.signing-event-state')!.content!.toString(), '{\n  "invites": {\n    "@bob": [\n      "root"\n    ]\n  }\n}');

  const fresh = testKey('ed25519', { owner: '@alice' });
  const own = new Draft(main, main);
  await applyDelegation(own, { role: 'root', rotate: ['@alice'] }, { handle: '@alice', key: async () => tufKey(fresh) });
  const rotatedDocument = JSON.parse(own.finish(AT).changes[0]!.content!.toString());
  const rotated = rotatedDocument.signed;
  assert.equal(rotated.roles.root.keyids, [bob.keyid, fresh.keyid]);
  // Placeholders: known good root's keys first, then the new one.
  assert.equal(rotatedDocument.signatures.map((entry: { keyid: string }) => entry.keyid), [alice.keyid, bob.keyid, fresh.keyid]);
  // The old key still signs targets, so it stays in the ring.
  assert.ok(alice.keyid in rotated.keys);
  await rejectsWith(() => applyDelegation(new Draft(main, main), { role: 'root', rotate: ['@carol'] }, null), /cannot rotate the key of @carol: not a signer of root/);
});

test('targets sync: new and changed files hashed, custom and unknown fields kept, custom set, entries without files dropped, files go to their delegated role', async () => {
  const { model, alice } = world();
  model.setArtifact('a.txt', 'a');
  Object.assign((model.role('targets').signed.targets as Record<string, object>)['a.txt']!, { custom: { keep: true }, 'x-extra': 1 });
  model.setArtifact('old.txt', 'old');
  const caller = { handle: '@alice', key: async () => tufKey(alice) };
  const main = stateOf(model.files());
  const draft = new Draft(main, main);
  await applyDelegation(draft, { role: 'pkgs', signers: ['@alice'] }, caller);
  const delegated = after(main, draft.finish(AT));
  const files = model.files();
  files.delete('targets/old.txt');
  files.set('targets/a.txt', Buffer.from('a changed'));
  files.set('targets/__proto__', Buffer.from('proto'));
  files.set('targets/pkgs/a/b/c.txt', Buffer.from('deep'));
  const withFiles = { ...delegated, artifacts: stateOf(files).artifacts };
  const sync = new Draft(withFiles, main);
  const outcome = syncTargets(sync, withFiles.artifacts.values(), new Map([['__proto__', { kind: 'proto' }]]));
  assert.equal(outcome, { added: ['__proto__', 'pkgs/a/b/c.txt'], modified: ['a.txt'], removed: ['old.txt'], removedRoles: [] });
  const result = sync.finish(AT);
  const targets = JSON.parse(result.changes.find((change) => change.path === 'metadata/targets.json')!.content!.toString()).signed;
  assert.equal(Object.keys(targets.targets).sort(), ['__proto__', 'a.txt']);
  assert.equal(targets.targets['a.txt'], { custom: { keep: true }, hashes: { sha256: sha256('a changed') }, length: 9, 'x-extra': 1 });
  assert.equal(targets.targets.__proto__, { custom: { kind: 'proto' }, hashes: { sha256: sha256('proto') }, length: 5 });
  const pkgs = JSON.parse(result.changes.find((change) => change.path === 'metadata/pkgs.json')!.content!.toString()).signed;
  assert.equal(pkgs.targets, { 'pkgs/a/b/c.txt': { hashes: { sha256: sha256('deep') }, length: 4 } });
  // The written files are valid TUF for an independent implementation.
  Metadata.fromJSON(MetadataKind.Targets, JSON.parse(result.changes.find((change) => change.path === 'metadata/targets.json')!.content!.toString())) as Metadata<Targets>;

  // Once in sync, a second run changes nothing.
  const synced = { ...after(withFiles, result), artifacts: withFiles.artifacts };
  const second = new Draft(synced, main);
  assert.equal(syncTargets(second, synced.artifacts.values()), { added: [], modified: [], removed: [], removedRoles: [] });
  assert.equal(second.finish(AT).changes, []);
});

test('a draft never changes the parsed metadata it started from (entries are shared, then replaced)', () => {
  const { alice, online } = world();
  const model = new RepoModel({ rootKeys: [alice], targetsKeys: [alice], onlineKey: online, artifacts: { 'same.txt': 'same', 'custom.txt': 'c', 'changed.txt': 'old', 'gone.txt': 'g' } });
  const main = stateOf(model.files());
  const files = model.files();
  files.set('targets/changed.txt', Buffer.from('new'));
  files.delete('targets/gone.txt');
  const event = { ...main, artifacts: stateOf(files).artifacts };
  const parsed = event.roles.get('targets')!.metadata!;
  const before = JSON.stringify(parsed.document);
  const draft = new Draft(event, main);
  // custom.txt's file is unchanged: its entry is shared with the parsed file until it is replaced.
  const outcome = syncTargets(draft, event.artifacts.values(), new Map([['custom.txt', { note: 'set' }]]));
  assert.equal(outcome, { added: [], modified: ['changed.txt'], removed: ['gone.txt'], removedRoles: [] });
  draft.targets('targets').delegations = { keys: {}, roles: [] };
  const result = draft.finish(AT);
  assert.is(JSON.stringify(parsed.document), before, 'the parsed document is as read');
  const written = JSON.parse(result.changes.find((change) => change.path === 'metadata/targets.json')!.content!.toString()).signed;
  assert.equal(written.targets['custom.txt'].custom, { note: 'set' });
  assert.is(written.targets['same.txt'].length, 4);
  assert.equal(Object.keys(written.targets).sort(), ['changed.txt', 'custom.txt', 'same.txt']);
});

/** The state with its targets-type files read in part, the entries of `read` only (as a scoped load reads them). */
function readInPart(state: RepositoryState, read: ReadonlySet<string>, rewrite: (bytes: Buffer) => Buffer = (bytes) => bytes): RepositoryState {
  const facts = new Set<string>();
  useFactMemo({ has: (fact) => facts.has(fact), add: (fact) => void facts.add(fact) });
  try {
    const roles = new Map(
      [...state.roles].map(([role, file]): [string, MetadataFile] => {
        if (role === 'snapshot' || role === 'timestamp') return [role, file];
        const bytes = rewrite(file.metadata!.bytes);
        const oid = sha256(bytes);
        parseMetadata(bytes, file.file, 'targets', oid); // now known well-formed
        return [role, { file: file.file, oid, metadata: parseMetadata(bytes, file.file, 'targets', oid, read) }];
      }),
    );
    return { ...state, roles };
  } finally {
    useFactMemo(null);
  }
}

test('a targets file read in part is written as if read in full: bytes copied where it has our layout, else parsed to write', () => {
  const { alice, online } = world();
  const next = ((seed) => () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648))(5);
  const layouts: [string, (bytes: Buffer) => Buffer][] = [
    ['python-tuf layout', (bytes) => bytes],
    ['indent 4', (bytes) => Buffer.from(JSON.stringify(JSON.parse(bytes.toString()), null, 4))],
    ['keys out of order', (bytes) => { const document = JSON.parse(bytes.toString()); document.signed.targets = Object.fromEntries(Object.entries(document.signed.targets).reverse()); return Buffer.from(JSON.stringify(document, null, 1)); }],
  ];
  for (let round = 0; round < 30; round++) {
    const artifacts: Record<string, string> = {};
    const count = Math.floor(next() * 40);
    for (let i = 0; i < count; i++) artifacts[next() < 0.1 ? `ünï/${i}.txt` : `dir${i % 3}/file${i}.txt`] = `content ${i}`;
    const model = new RepoModel({ rootKeys: [alice], targetsKeys: [alice], onlineKey: online, artifacts });
    const main = stateOf(model.files());
    const paths = Object.keys(artifacts);
    const read = new Set([...paths.filter(() => next() < 0.3), 'added/new.txt', '0-first.txt', 'zz-last.txt']);
    // The same edit for both drafts: each path read is removed, replaced or left as it is.
    const choices = new Map([...read].map((path) => [path, next()]));
    const edit = (draft: Draft): void => {
      const targets = draft.targets('targets').targets;
      for (const [path, choice] of choices) {
        if (choice < 0.3) delete targets[path];
        else if (choice < 0.8) setOwn(targets as unknown as Record<string, unknown>, path, { hashes: { sha256: sha256(path) }, length: path.length, ...(choice < 0.4 ? { custom: { note: 'x' } } : {}) });
      }
    };
    for (const [layout, rewrite] of layouts) {
      const full = readInPart(main, new Set(paths.concat([...read])), rewrite); // every entry read: the full parse's bytes
      const part = readInPart(main, read, rewrite);
      const results = [full, part].map((state) => {
        const draft = new Draft(state, main);
        edit(draft);
        return draft.finish(AT).changes.map((change) => [change.path, change.content?.toString('utf8') ?? null]);
      });
      assert.equal(results[1], results[0], `${layout}, round ${round}`);
    }
  }
});

test('an edit of a file read in part may only touch the entries read', () => {
  const { alice, online } = world();
  const model = new RepoModel({ rootKeys: [alice], targetsKeys: [alice], onlineKey: online, artifacts: { 'a.txt': 'a', 'b.txt': 'b' } });
  const main = stateOf(model.files());
  const draft = new Draft(readInPart(main, new Set(['a.txt'])), main);
  draft.targets('targets').targets['b.txt'] = { hashes: { sha256: sha256('x') }, length: 1 };
  assert.throws(() => draft.finish(AT), /read in part, and the edit touched b\.txt/);
});

test('targets sync removes the metadata of a role nobody delegates any more', () => {
  const { alice, online } = world();
  const team = testKey('ed25519', { owner: '@team' });
  const model = new RepoModel({ rootKeys: [alice], targetsKeys: [alice], onlineKey: online, delegations: [{ name: 'team', keys: [team] }], artifacts: { 'team/x.txt': 'x' } });
  const main = stateOf(model.files());
  // The delegation was dropped by hand; team.json and its file stayed.
  const targets = model.role('targets').signed as { delegations?: unknown };
  delete targets.delegations;
  const event = stateOf(model.files());
  const draft = new Draft(event, main);
  const outcome = syncTargets(draft, event.artifacts.values());
  assert.equal(outcome.removedRoles, ['team']);
  // Its file now falls to targets, as a client would look it up.
  assert.equal(outcome.added, ['team/x.txt']);
  const result = draft.finish(AT);
  assert.equal(result.deleted, ['team']);
  assert.equal(result.changes.find((change) => change.path === 'metadata/team.json'), { path: 'metadata/team.json', content: null });
});

test('targets sync refuses symlinks and unsafe custom paths', () => {
  const { main } = world();
  const link = { ...main, artifacts: new Map([['link', { path: 'link', mode: '120000', oid: 'x', length: 1, sha256: 'ab' }]]) };
  assert.throws(() => syncTargets(new Draft(link, main), link.artifacts.values()), /targets\/link is a symlink/);
  assert.throws(() => syncTargets(new Draft(main, main), main.artifacts.values(), new Map([['../etc/passwd', {}]])), /the target path "\.\.\/etc\/passwd" contains a "\." or "\.\." segment/);
});

test('an online delegated role takes no placeholders; an offline one is renewed with its delegator\'s keys', async () => {
  const { main, alice } = world();
  const caller = { handle: '@alice', key: async () => tufKey(alice) };
  const azure = testKey('ecdsa-p256', { onlineUri: 'azurekms:https://vault/keys/k' });
  const draft = new Draft(main, main);
  await applyDelegation(draft, { role: 'registry', onlineKey: azure.entry }, null);
  await applyDelegation(draft, { role: 'team', signers: ['@alice'] }, caller);
  const created = draft.finish(AT);
  assert.equal(JSON.parse(created.changes.find((change) => change.path === 'metadata/registry.json')!.content!.toString()).signatures, []);
  const event = after(main, created);
  // The event merged: known good has team v1; renewing it is v2 with alice's placeholder.
  const renewal = new Draft(event, event);
  renewal.renew('team');
  const renewed = renewal.finish(AT);
  const team = JSON.parse(renewed.changes[0]!.content!.toString());
  assert.is(team.signed.version, 2);
  assert.equal(team.signatures, [{ keyid: alice.keyid, sig: '' }]);
});

test('a new root verifies with @tufjs/models once signed, and keeps its unknown fields', async () => {
  const { main } = world();
  const draft = new Draft(main, main);
  (draft.root() as unknown as Record<string, unknown>)['x-custom'] = { kept: 1 };
  await applyDelegation(draft, { role: 'root', expiryDays: 100, signingDays: 10 }, null);
  const root = JSON.parse(draft.finish(AT).changes[0]!.content!.toString());
  assert.equal(root.signed['x-custom'], { kept: 1 });
  assert.is(root.signed.expires, '2026-06-09T12:00:00Z');
  const parsed = Metadata.fromJSON(MetadataKind.Root, root) as Metadata<Root>;
  assert.is(parsed.signed.version, 2);
});

test.run();
