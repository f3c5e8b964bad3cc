/**
 * Shared by the status-adversarial-*.test.ts files: a small valid repository to start from, and the
 * one assertion every adversarial case makes through the real `git tuf status` binary (JSON and text).
 */
import * as assert from 'uvu/assert';
import { computeKeyid } from '../git-tuf/tuf/keys.js';
import { commitTree, gitTuf, statusJson } from './helpers/cli.js';
import { git, initRepo, tempDir } from './helpers/git.js';
import { RepoModel, testKey, type ModelOptions, type TestKey } from './helpers/tuf-repo.js';

/** Every run is evaluated at this time; the model's default expiry is 2099. */
export const NOW = '2030-01-01T00:00:00Z';
export const ENV = { GIT_TUF_NOW: NOW };

const ONLINE_URI = 'gcpkms:projects/p/locations/l/keyRings/r/cryptoKeys/online/cryptoKeyVersions/1';

/** Throwaway keys (fast kinds only), shared by the cases of one test file. */
export const keys = {
  alice: testKey('ecdsa-p256', { owner: '@alice' }),
  bob: testKey('ecdsa-p256', { owner: '@bob' }),
  carol: testKey('ed25519', { owner: '@carol' }),
  dave: testKey('ed25519', { owner: '@dave' }),
  tina: testKey('ed25519', { owner: '@tina' }),
  /** Known to nobody's metadata. */
  mallory: testKey('ecdsa-p256', { owner: '@mallory' }),
  online: testKey('ecdsa-p256', { onlineUri: ONLINE_URI }),
};

/** root: @alice (1 of 1); targets: @tina (1 of 1); two artifacts. */
export function baseModel(options: Partial<ModelOptions> = {}): RepoModel {
  return new RepoModel({
    rootKeys: [keys.alice],
    targetsKeys: [keys.tina],
    onlineKey: keys.online,
    artifacts: { 'a.txt': 'hello\n', 'docs/readme.md': '# readme\n' },
    ...options,
  });
}

/** Serializes once and then keeps snapshot/timestamp as they are (listing the current versions). */
export function freezeSnapshot(model: RepoModel): RepoModel {
  model.files();
  model.autoSnapshot = false;
  return model;
}

/** A new repository on branch main with `files` committed; returns its directory. */
export function repoWith(files: Map<string, Buffer>, message = 'repository'): string {
  const dir = initRepo(tempDir('adversarial'));
  commitTree(dir, files, message);
  return dir;
}

/** A repository whose first commit is the valid `valid` and whose HEAD is `broken` (on main). */
export function validThenBroken(valid: Map<string, Buffer>, broken: Map<string, Buffer>): string {
  const dir = repoWith(valid, 'valid repository');
  commitTree(dir, broken, 'broken repository');
  return dir;
}

/** Flips one hex digit inside the first non-empty signature of a metadata file's bytes. */
export function tamperSignature(bytes: Buffer): Buffer {
  const text = bytes.toString('latin1');
  const match = /"sig": "([0-9a-f]{40,})"/.exec(text);
  if (!match) throw new Error('no signature to tamper with');
  const at = match.index + '"sig": "'.length + 20;
  const flipped = text[at] === '0' ? '1' : '0';
  return Buffer.from(text.slice(0, at) + flipped + text.slice(at + 1), 'latin1');
}

/** The same private key under another keyid: its key entry carries an extra field. */
export function sameKeyOtherKeyid(key: TestKey): TestKey {
  const entry = { ...key.entry, 'x-dup': 1 };
  return { ...key, entry, keyid: computeKeyid(entry) };
}

const STACK_LINE = /^\s+at /m;

function describe(report: any, text: string, stderr: string): string {
  return `\nproblems: ${JSON.stringify(report?.problems ?? null, null, 1)}\ntext:\n${text}\nstderr:\n${stderr}`;
}

function names(offending: string | RegExp, value: string | null | undefined): boolean {
  if (!value) return false;
  return typeof offending === 'string' ? value.includes(offending) : offending.test(value);
}

/** `git tuf status --json` and the text report, both run for the same ref. */
export function runStatus(dir: string, ref?: string, env: Record<string, string> = {}) {
  const args = ref ? [ref] : [];
  const json = statusJson(dir, args, { ...ENV, ...env });
  const text = gitTuf(dir, ['status', ...args], { ...ENV, ...env });
  return { json, text };
}

/** The baseline every case starts from: exit 0, no error. */
export function expectValid(dir: string, ref?: string): any {
  const { json, text } = runStatus(dir, ref);
  assert.is(json.code, 0, `expected exit 0${describe(json.report, text.stdout, json.stderr)}`);
  assert.is(text.code, 0, `text output: expected exit 0${describe(json.report, text.stdout, text.stderr)}`);
  return json.report;
}

/**
 * The assertion of every adversarial case: exit 2 from the real binary; an error in the JSON whose
 * message or file names `offending`; in the text output a one-line error (✗) naming it; no stack
 * trace anywhere. With `role`, that role's own result is also "invalid". Returns the JSON report.
 */
export function expectInvalid(dir: string, offending: string | RegExp, options: { ref?: string; role?: string } = {}): any {
  const { json, text } = runStatus(dir, options.ref);
  const context = describe(json.report, text.stdout, `${json.stderr}${text.stderr}`);
  for (const [what, output] of [
    ['--json stderr', json.stderr],
    ['text stdout', text.stdout],
    ['text stderr', text.stderr],
  ] as const) {
    assert.not.ok(STACK_LINE.test(output), `stack trace in ${what}${context}`);
  }
  assert.ok(json.report, `--json printed no report${context}`);
  assert.is(json.code, 2, `--json: expected exit 2${context}`);
  assert.is(json.report.exitCode, 2, `report.exitCode${context}`);
  assert.is(json.report.result, 'invalid', `report.result${context}`);
  const errors = (json.report.problems as any[]).filter((entry) => entry.level === 'error');
  assert.ok(
    errors.some((entry) => names(offending, entry.message) || names(offending, entry.file)),
    `no error in the JSON names ${offending}${context}`,
  );
  if (options.role) {
    const role = (json.report.roles as any[]).find((entry) => entry.name === options.role);
    assert.ok(role, `no role ${options.role} in the report${context}`);
    assert.is(role.result, 'invalid', `role ${options.role} result${context}`);
  }
  assert.is(text.code, 2, `text: expected exit 2${context}`);
  const lines = text.stdout.split('\n');
  assert.ok(
    lines.some((line) => line.startsWith('✗ ') && names(offending, line)),
    `no one-line error (✗) in the text output names ${offending}${context}`,
  );
  return json.report;
}

/** Starts a signing event branch `sign/<name>` at HEAD and checks it out. */
export function startEvent(dir: string, name: string): string {
  git(dir, 'checkout', '-q', '-b', `sign/${name}`);
  return `sign/${name}`;
}

/**
 * The files of a commit on top of `base` (e.g. an event from main): `next`'s artifacts and its
 * `changed` metadata files, every other metadata file byte for byte as in `base` (re-serializing
 * would re-sign it, and ECDSA signatures differ each time).
 */
export function changedFrom(base: Map<string, Buffer>, next: Map<string, Buffer>, changed: string[]): Map<string, Buffer> {
  const result = new Map([...next].filter(([file]) => !file.startsWith('metadata/')));
  for (const [file, bytes] of base) if (file.startsWith('metadata/')) result.set(file, bytes);
  for (const file of changed) {
    const bytes = next.get(file);
    if (!bytes) throw new Error(`${file} is not in the new files`);
    result.set(file, bytes);
  }
  return result;
}
