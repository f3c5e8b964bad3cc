// Accepting an invitation with `git tuf sign`, through the real binary: the review names the key
// before anything is decided, a refusal changes nothing, and an invitation to a delegated role
// puts the key into the delegator's delegations and is signed in the same commit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { git } from './helpers/git.js';
import { maintainWorld, mergeEvent, ok, tufAs, upstreamJson, upstreamStatus } from './helpers/maintain.js';

const world = maintainWorld(['@alice', '@bob'], '2026-01-01T00:00:00Z');
ok(world, '@alice', ['init', '--root-signers', '@alice', '--targets-signers', '@alice', '--online-key', world.onlineUri, '--push']);
ok(world, '@alice', ['sign', '--yes']);
mergeEvent(world, 'init');
ok(world, '@alice', ['delegate', 'team', 'team', '--signers', '@alice,@bob', '--push']);

test('without confirmation the invitee sees the key it would add, and nothing is committed', () => {
  const before = git(world.upstream, 'for-each-ref');
  const result = tufAs(world, '@bob', ['sign', 'team']);
  assert.is(result.code, 3);
  assert.match(result.stdout, /\+ team: 1 of @alice, @bob; paths team\/\* /);
  assert.match(result.stdout, new RegExp(`accepting your invitation to team: adds your key [0-9a-f]{64} \\(@bob\\)\\n\\nyou will sign:\\n  team v1 as [0-9a-f]{8} with file:`));
  assert.is(result.stderr, 'git tuf: refusing to sign without confirmation: there is no terminal to ask on (review the event above, then run again with --yes)\n');
  assert.is(git(world.upstream, 'for-each-ref'), before);
});

test('accepting an invitation to a delegated role: the key goes into the delegator, the role is signed, targets awaits its signer', () => {
  const result = ok(world, '@bob', ['sign', '--yes', '--json']);
  const report = JSON.parse(result.stdout);
  assert.is(report.schema, 'git-tuf-sign/1');
  assert.equal(report.signed.map((entry: { role: string; version: number }) => [entry.role, entry.version]), [['team', 1]]);
  assert.equal(report.accepted.roles, ['team']);
  const targets = upstreamJson(world, 'sign/team', 'metadata/targets.json');
  const delegation = targets.signed.delegations.roles[0];
  assert.is(delegation.keyids.length, 2);
  const bobKeyid = delegation.keyids.find((keyid: string) => targets.signed.delegations.keys[keyid]['x-tuf-on-ci-keyowner'] === '@bob');
  assert.is(report.signed[0].keyids[0], bobKeyid);
  // targets changed (a new key in its delegations): placeholders for its signer alice.
  assert.equal(targets.signatures.map((entry: { sig: string }) => entry.sig), ['']);
  const team = upstreamJson(world, 'sign/team', 'metadata/team.json');
  assert.equal(team.signatures.map((entry: { keyid: string; sig: string }) => [entry.keyid === bobKeyid, entry.sig !== '']), [[false, false], [true, true]]);
  assert.throws(() => git(world.upstream, 'cat-file', '-e', 'sign/team:metadata/.signing-event-state'));

  const waiting = upstreamStatus(world, 'sign/team');
  assert.is(waiting.code, 1);
  ok(world, '@alice', ['sign', '--yes']);
  const done = upstreamStatus(world, 'sign/team');
  assert.is(done.code, 0, JSON.stringify(done.report?.problems));
});

test('nothing left for the invitee once accepted', () => {
  const again = tufAs(world, '@bob', ['sign', '--yes']);
  assert.is(again.code, 0, again.stderr);
  assert.match(again.stdout, /nothing awaits @bob/);
});

test.run();
