/**
 * Adversarial signatures and thresholds on main: every case starts from a valid repository and
 * must make the real `git tuf status` exit 2, naming the file or role, with no stack trace.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeKeyid } from '../git-tuf/tuf/keys.js';
import { baseModel, expectInvalid, expectValid, keys, repoWith, sameKeyOtherKeyid, tamperSignature, validThenBroken } from './status-adversarial-helpers.js';

type Json = Record<string, any>;
const { alice, bob, carol, tina, mallory } = keys;

/** Root 2-of-3 (@alice, @bob, @carol), signed by @alice and @bob. */
function twoOfThreeRoot() {
  const model = baseModel({ rootKeys: [alice, bob, carol], rootThreshold: 2 });
  model.root.signers = [alice, bob];
  return model;
}

test('baseline: the starting repositories verify (exit 0)', () => {
  expectValid(repoWith(baseModel().files()));
  expectValid(repoWith(twoOfThreeRoot().files()));
});

test('1. a tampered signature on targets.json', () => {
  const valid = baseModel().files();
  const broken = new Map(valid);
  broken.set('metadata/targets.json', tamperSignature(valid.get('metadata/targets.json')!));
  expectInvalid(validThenBroken(valid, broken), 'targets.json', { role: 'targets' });
});

test('1. a tampered signature on root.json (and its identical root_history entry)', () => {
  const valid = baseModel().files();
  const tampered = tamperSignature(valid.get('metadata/root.json')!);
  const broken = new Map(valid);
  broken.set('metadata/root.json', tampered);
  broken.set('metadata/root_history/1.root.json', tampered);
  expectInvalid(validThenBroken(valid, broken), /root(\.json)?\b/, { role: 'root' });
});

test('1. a tampered signature on one of two root signatures of a 2-of-3 root', () => {
  const valid = twoOfThreeRoot().files();
  const tampered = tamperSignature(valid.get('metadata/root.json')!);
  const broken = new Map(valid);
  broken.set('metadata/root.json', tampered);
  broken.set('metadata/root_history/1.root.json', tampered);
  expectInvalid(validThenBroken(valid, broken), /root(\.json)?\b/, { role: 'root' });
});

test('2. targets also signed by a key that is not a targets signer (threshold met by @tina)', () => {
  const valid = baseModel().files();
  const model = baseModel();
  // @alice is a root key, present in root's key list, but not a targets signer.
  model.role('targets').signers = [tina, alice];
  expectInvalid(validThenBroken(valid, model.files()), 'targets', { role: 'targets' });
});

test('2. targets signed only by an unknown key (@tina has an empty placeholder)', () => {
  const valid = baseModel().files();
  const model = baseModel();
  model.role('targets').signers = [mallory];
  model.role('targets').placeholders = [tina];
  expectInvalid(validThenBroken(valid, model.files()), 'targets', { role: 'targets' });
});

test('3. one key under two keyids does not reach a threshold of 2', () => {
  const dup = sameKeyOtherKeyid(tina);
  assert.is.not(dup.keyid, tina.keyid);
  const model = baseModel();
  const root = model.root.signed as Json;
  root.keys[dup.keyid] = dup.entry;
  root.roles.targets = { keyids: [tina.keyid, dup.keyid], threshold: 2 };
  model.role('targets').signers = [tina, dup];
  model.role('targets').placeholders = [tina, dup];
  const report = expectInvalid(validThenBroken(baseModel().files(), model.files()), 'targets', { role: 'targets' });
  const targets = report.roles.find((role: Json) => role.name === 'targets');
  assert.is(targets.signed.length, 1, `one key signed: ${JSON.stringify(targets.signed)}`);
});

test('3. one keyid listed twice in the role does not reach a threshold of 2', () => {
  const model = baseModel();
  (model.root.signed as Json).roles.targets = { keyids: [tina.keyid, tina.keyid], threshold: 2 };
  model.role('targets').signers = [tina];
  expectInvalid(validThenBroken(baseModel().files(), model.files()), 'targets', { role: 'targets' });
});

test('3. one keyid signing twice does not reach a threshold of 2', () => {
  const model = baseModel();
  const root = model.root.signed as Json;
  root.keys[bob.keyid] = bob.entry;
  root.roles.targets = { keyids: [tina.keyid, bob.keyid], threshold: 2 };
  model.role('targets').signers = [tina, tina];
  model.role('targets').placeholders = [tina, bob];
  expectInvalid(validThenBroken(baseModel().files(), model.files()), 'targets', { role: 'targets' });
});

test('4. a 2-of-3 root signed by one', () => {
  const valid = twoOfThreeRoot().files();
  const model = twoOfThreeRoot();
  model.root.signers = [alice];
  expectInvalid(validThenBroken(valid, model.files()), /root/, { role: 'root' });
});

test('4. targets 2-of-2 signed by one', () => {
  const model = baseModel();
  const root = model.root.signed as Json;
  root.keys[bob.keyid] = bob.entry;
  root.roles.targets = { keyids: [tina.keyid, bob.keyid], threshold: 2 };
  model.role('targets').signers = [tina];
  model.role('targets').placeholders = [tina, bob];
  expectInvalid(validThenBroken(baseModel().files(), model.files()), 'targets', { role: 'targets' });
});

test('15. a targets key of unknown keytype "foo" is reported by name', () => {
  const entry = { keytype: 'foo', keyval: { public: 'abcdef' }, scheme: 'foo-scheme' };
  const keyid = computeKeyid(entry);
  const model = baseModel();
  const root = model.root.signed as Json;
  root.keys[keyid] = entry;
  // @tina alone still meets the threshold: the key itself makes root unloadable for python-tuf.
  root.roles.targets = { keyids: [tina.keyid, keyid], threshold: 1 };
  const report = expectInvalid(validThenBroken(baseModel().files(), model.files()), /targets|foo/);
  const errors = report.problems.filter((entry: Json) => entry.level === 'error');
  assert.ok(errors.some((entry: Json) => entry.message.includes('foo')), `the keytype is named: ${JSON.stringify(errors)}`);
});

test('15. the only targets key has unknown keytype "foo"', () => {
  const entry = { keytype: 'foo', keyval: { public: 'abcdef' }, scheme: 'foo-scheme' };
  const keyid = computeKeyid(entry);
  const model = baseModel();
  const root = model.root.signed as Json;
  root.keys[keyid] = entry;
  root.roles.targets = { keyids: [keyid], threshold: 1 };
  model.role('targets').signers = [];
  model.role('targets').placeholders = [];
  const report = expectInvalid(validThenBroken(baseModel().files(), model.files()), 'targets', { role: 'targets' });
  const errors = report.problems.filter((entry: Json) => entry.level === 'error');
  assert.ok(errors.some((entry: Json) => entry.message.includes('foo')), `the keytype is named: ${JSON.stringify(errors)}`);
});

test.run();
