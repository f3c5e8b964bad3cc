/**
 * An event's status reads the targets files in full the first time and, once the fact memo knows
 * them (or they are proven well-formed from known good's), only the entries that can have changed,
 * found by comparing the files' bytes. Every way must give the report of a full read, whatever
 * the event changes: artifacts, entries, a delegated role, the delegations, the file's layout or
 * repeated keys. The event is loaded in this process with every file compared by its bytes (real
 * repositories do so from 4 MiB), after the real `git tuf status` has verified main.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadEvent } from '../git-tuf/event/event-report.js';
import { withRepositoryFacts } from '../git-tuf/git/fact-memo.js';
import { GitRepository } from '../git-tuf/git/repository.js';
import { parseExpires } from '../git-tuf/tuf/expires.js';
import { formatMetadata } from '../git-tuf/tuf/json.js';
import { commitTree, statusJson } from './helpers/cli.js';
import { git } from './helpers/git.js';
import { signDocument, targetEntry, type Json } from './helpers/tuf-repo.js';
import { baseModel, changedFrom, ENV, keys, NOW, repoWith, startEvent } from './status-adversarial-helpers.js';

const { tina, carol } = keys;

function model() {
  const artifacts: Record<string, string> = {};
  for (let i = 0; i < 40; i++) artifacts[`dir${i % 4}/file${i}.txt`] = `artifact ${i}\n`;
  for (let i = 0; i < 10; i++) artifacts[`pkg/file${i}.txt`] = `package file ${i}\n`;
  return baseModel({ artifacts, delegations: [{ name: 'pkg', keys: [carol] }] });
}

type Files = Map<string, Buffer>;

/** The event's report, loaded here with the repository's fact memo; `compared`: its files compared by their bytes. */
async function eventReport(dir: string, compared: boolean): Promise<Json> {
  const repo = await GitRepository.open(dir);
  try {
    const commit = git(dir, 'rev-parse', 'sign/change');
    const where = { name: 'change', ref: 'sign/change', commit, knownGoodCommit: git(dir, 'merge-base', commit, 'main') };
    return await withRepositoryFacts(repo.commonDir, async () => (await loadEvent(repo, where, parseExpires(NOW)!, undefined, compared ? { reportOnly: true, comparedFrom: 0 } : {})).report as unknown as Json);
  } finally {
    repo.close();
  }
}

/** The event's report read in full; after main only was verified; and on a second run. */
async function reports(dir: string): Promise<{ full: Json; firstRun: Json; again: Json; code: number }> {
  const memo = path.join(dir, '.git', 'git-tuf', 'facts');
  const cli = statusJson(dir, [], ENV);
  assert.ok(cli.report, `a report: ${cli.stderr}`);
  rmSync(memo, { force: true });
  const full = await eventReport(dir, false);
  rmSync(memo, { force: true });
  assert.ok(statusJson(dir, ['main'], ENV).report, 'status of main');
  const firstRun = await eventReport(dir, true);
  const again = await eventReport(dir, true);
  assert.equal(full, cli.report, 'the binary reports what the event loaded in full gives');
  return { full, firstRun, again, code: cli.code };
}

/** Commits `change(files)` on a new event branch from main, and checks the three reports agree. */
async function expectSameReports(change: (files: Files) => Files, expectedCode: number, expectedProblem?: RegExp): Promise<void> {
  const base = model();
  const main = base.files();
  const dir = repoWith(main, 'main');
  startEvent(dir, 'change');
  commitTree(dir, change(main), 'the change');
  const { full, firstRun, again, code } = await reports(dir);
  const context = `\nproblems: ${JSON.stringify(full.problems, null, 1)}`;
  assert.is(code, expectedCode, `exit code${context}`);
  if (expectedProblem) assert.ok((full.problems as { message: string }[]).some((found) => expectedProblem.test(found.message)), `a problem matching ${expectedProblem}${context}`);
  assert.equal(firstRun, full, 'the first run on the event (proven from known good, both read in part) gives the full report');
  assert.equal(again, full, 'a later run (both known, read in part) gives the full report');
}

/** The targets role signed by @tina after `edit`, written by `write` (python-tuf's layout by default). */
function targetsFile(edit: (targets: Json, signed: Json) => void, write: (document: Json) => Buffer = formatMetadata): (files: Files) => Files {
  return (files) => {
    const signed = structuredClone(model().role('targets').signed) as Json;
    edit(signed.targets as Json, signed);
    signed.version = 2;
    signed.expires = '2030-06-01T00:00:00Z'; // within its signing period: no warning to compare
    return new Map([...files, ['metadata/targets.json', write(signDocument(signed, [tina]))]]);
  };
}

test('an artifact and its entry updated together', async () => {
  await expectSameReports((files) => {
    const next = new Map(files).set('targets/dir1/file5.txt', Buffer.from('new content\n'));
    return targetsFile((targets) => void (targets['dir1/file5.txt'] = targetEntry('new content\n')))(next);
  }, 0);
});

test('an artifact changed without its entry', async () => {
  await expectSameReports((files) => new Map(files).set('targets/dir2/file6.txt', Buffer.from('changed\n')), 1, /does not match targets\/ yet/);
});

test('an entry changed without its artifact', async () => {
  await expectSameReports(targetsFile((targets) => void (targets['dir3/file7.txt'] = targetEntry('something else'))), 1, /does not match targets\/ yet \(dir3\/file7\.txt\)/);
});

test('an entry added for a file that does not exist, and one removed whose file is kept', async () => {
  await expectSameReports(
    targetsFile((targets) => {
      targets['dir0/missing.txt'] = targetEntry('not there');
      delete targets['dir1/file1.txt'];
    }),
    1,
    /does not match targets\/ yet \(dir1\/file1\.txt, dir0\/missing\.txt\)/,
  );
});

test("a delegated role's artifact and entry updated", async () => {
  await expectSameReports((files) => {
    const base = model();
    base.setArtifact('pkg/file3.txt', 'package update\n');
    base.role('pkg').signed.version = 2;
    return changedFrom(files, base.files(), ['metadata/pkg.json']);
  }, 0);
});

test('the delegations changed (every artifact is then checked)', async () => {
  await expectSameReports(
    targetsFile((_targets, signed) => {
      const delegations = signed.delegations as { roles: Json[] };
      delegations.roles[0]!.paths = ['pkg/file1*'];
    }),
    2,
    /pkg/,
  );
});

test('the targets file rewritten in another layout, one entry changed', async () => {
  await expectSameReports(
    targetsFile(
      (targets) => void (targets['dir0/file4.txt'] = targetEntry('other')),
      (document) => Buffer.from(`${JSON.stringify(document, null, 4)}\n`),
    ),
    1,
    /does not match targets\/ yet \(dir0\/file4\.txt\)/,
  );
});

/** The file with an extra entry for `path` written just before its own (JSON.parse keeps the last). */
function withEarlierDuplicate(path: string, entry: Json): (document: Json) => Buffer {
  return (document) => {
    const text = formatMetadata(document).toString('utf8');
    const key = `"${path}": {`;
    assert.ok(text.includes(key));
    return Buffer.from(text.replace(key, `"${path}": ${JSON.stringify(entry)},\n  ${key}`));
  };
}

test('a repeated key: a wrong entry before the right one (the right one counts)', async () => {
  await expectSameReports(targetsFile(() => {}, withEarlierDuplicate('dir2/file2.txt', targetEntry('wrong'))), 0);
});

test('a repeated key: the right entry before a wrong one (the wrong one counts)', async () => {
  await expectSameReports(
    targetsFile((targets) => void (targets['dir2/file2.txt'] = targetEntry('wrong')), withEarlierDuplicate('dir2/file2.txt', targetEntry('artifact 2\n'))),
    1,
    /does not match targets\/ yet \(dir2\/file2\.txt\)/,
  );
});

test('a malformed entry in the changed part is reported as a full read reports it', async () => {
  await expectSameReports(
    targetsFile(
      (targets) => void (targets['dir1/file9.txt'] = targetEntry('new')),
      (document) => Buffer.from(formatMetadata(document).toString('utf8').replace(/("dir1\/file9\.txt": \{[^}]*\},\n\s*"length": )(\d+)/, '$1"$2"')),
    ),
    2,
    /dir1\/file9\.txt.*length/,
  );
});

test('an event not checked out (read from git objects) gives the report it gives from its work tree', () => {
  const main = model().files();
  const dir = repoWith(main, 'main');
  startEvent(dir, 'same');
  commitTree(dir, targetsFile((targets) => void (targets['dir1/file9.txt'] = targetEntry('x')))(main), 'entry changed');
  assert.ok(statusJson(dir, ['main'], ENV).report);
  const first = statusJson(dir, [], ENV);
  git(dir, 'checkout', '-q', 'main');
  const fromMain = statusJson(dir, ['sign/same'], ENV);
  assert.is(first.code, 1);
  assert.equal(fromMain.report, first.report);
});

test.run();
