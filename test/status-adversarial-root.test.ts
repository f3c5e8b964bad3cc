/**
 * Adversarial root chains on main: version skips, rotations without the old root's threshold,
 * missing history entries. Each must make the real `git tuf status` exit 2 naming the file or role.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { baseModel, expectInvalid, expectValid, keys, repoWith, validThenBroken } from './status-adversarial-helpers.js';

type Json = Record<string, any>;
const { alice, dave } = keys;

/** Root v1 … v`last`, each signed by @alice. */
function rootHistory(last: number) {
  const model = baseModel();
  while ((model.root.signed.version as number) < last) model.newRoot();
  return model;
}

/** Root v2 rotates the root key from @alice to @dave; v2 is signed by `signers`. */
function rotated(signers = [alice, dave]) {
  const model = baseModel();
  const next = model.newRoot(signers);
  const signed = next.signed as Json;
  delete signed.keys[alice.keyid];
  signed.keys[dave.keyid] = dave.entry;
  signed.roles.root = { keyids: [dave.keyid], threshold: 1 };
  next.placeholders = [alice, dave];
  return model;
}

test('baseline: root histories 1…2, 1…3 and a rotation signed by old and new keys verify (exit 0)', () => {
  expectValid(repoWith(rootHistory(2).files()));
  expectValid(repoWith(rootHistory(3).files()));
  const report = expectValid(repoWith(rotated().files()));
  assert.is(report.roles.find((role: Json) => role.name === 'root').version, 2);
});

test('5. root version skipping 1 → 3 (history has 1 and 3)', () => {
  const model = baseModel();
  model.newRoot().signed.version = 3;
  const files = model.files();
  assert.equal([...files.keys()].filter((file) => file.includes('root_history')).sort(), ['metadata/root_history/1.root.json', 'metadata/root_history/3.root.json']);
  expectInvalid(validThenBroken(baseModel().files(), files), /root_history\/2\.root\.json|\broot\b/, { role: 'root' });
});

test('5. root.json claims version 3 while history ends at 2 with the same bytes as root.json', () => {
  // root.json jumps: its history file is named 2 but holds version 3.
  const model = rootHistory(2);
  const files = model.files();
  const three = rootHistory(2);
  three.root.signed.version = 3;
  const bytes = three.files().get('metadata/root.json')!;
  files.set('metadata/root.json', bytes);
  files.set('metadata/root_history/2.root.json', bytes);
  expectInvalid(validThenBroken(rootHistory(2).files(), files), /root/, { role: 'root' });
});

test('6. root v2 signed only by its new keys, not by a threshold of root v1\'s keys', () => {
  const valid = rotated().files();
  expectInvalid(validThenBroken(valid, rotated([dave]).files()), /root/, { role: 'root' });
});

test('6. root v2 signed only by the old keys, not by a threshold of its own keys', () => {
  const valid = rotated().files();
  expectInvalid(validThenBroken(valid, rotated([alice]).files()), /root/, { role: 'root' });
});

test('12. a gap in the middle of root history (1…3 without 2)', () => {
  const files = rootHistory(3).files();
  files.delete('metadata/root_history/2.root.json');
  expectInvalid(validThenBroken(rootHistory(3).files(), files), 'root_history/2.root.json', { role: 'root' });
});

test('12. the first root history entry missing (1…2 without 1)', () => {
  // Root versions start at 1: without 1.root.json the chain has no trust anchor to start from.
  const files = rootHistory(2).files();
  files.delete('metadata/root_history/1.root.json');
  expectInvalid(validThenBroken(rootHistory(2).files(), files), 'root_history/1.root.json', { role: 'root' });
});

test('12. the newest root history entry missing (root.json is v2, history only 1)', () => {
  const files = rootHistory(2).files();
  files.delete('metadata/root_history/2.root.json');
  expectInvalid(validThenBroken(rootHistory(2).files(), files), 'root_history/2.root.json', { role: 'root' });
});

test('12. root.json differs from its history entry', () => {
  const files = rootHistory(2).files();
  const other = rootHistory(2);
  (other.root.signed as Json).expires = '2098-01-01T00:00:00Z';
  files.set('metadata/root.json', other.files().get('metadata/root.json')!);
  expectInvalid(validThenBroken(rootHistory(2).files(), files), 'root.json', { role: 'root' });
});

test('13. a truncated root.json (and history entry)', () => {
  const valid = baseModel().files();
  const bytes = valid.get('metadata/root.json')!;
  const cut = bytes.subarray(0, Math.floor(bytes.length / 2));
  const files = new Map(valid);
  files.set('metadata/root.json', cut);
  files.set('metadata/root_history/1.root.json', cut);
  expectInvalid(validThenBroken(valid, files), 'root.json', { role: 'root' });
});

test.run();
