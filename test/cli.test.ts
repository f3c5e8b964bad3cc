/** The command layer through the real binary: help, usage errors, exit code 3, no stack traces. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseArgs, type CommandSpec } from '../git-tuf/cli/args.js';
import { GitTufError } from '../git-tuf/errors.js';
import { gitTuf, projectRoot } from './helpers/cli.js';
import { initRepo, tempDir } from './helpers/git.js';

const STACK = /^\s+at /m;

function oneLineError(result: { code: number; stdout: string; stderr: string }, code: number, pattern: RegExp): void {
  assert.is(result.code, code, result.stderr);
  const lines = result.stderr.trim().split('\n');
  assert.is(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /^git tuf: /);
  assert.match(lines[0]!, pattern);
  assert.not.match(result.stderr + result.stdout, STACK);
}

test('git tuf -h lists the commands; git tuf status -h documents options and exit codes', () => {
  const top = gitTuf(projectRoot, ['-h']);
  assert.is(top.code, 0);
  assert.match(top.stdout, /status\s+verify the repository/);
  const help = gitTuf(projectRoot, ['status', '-h']);
  assert.is(help.code, 0);
  for (const text of ['usage: git tuf status [REF] [options]', '--at TIME', '--json', '--markdown', '3  cannot run']) assert.ok(help.stdout.includes(text), text);
});

test('usage errors: one line, exit 3', () => {
  oneLineError(gitTuf(projectRoot, ['frobnicate']), 3, /unknown command "frobnicate" \(see git tuf -h\)/);
  oneLineError(gitTuf(projectRoot, ['status', '--jsn']), 3, /unknown option --jsn/);
  oneLineError(gitTuf(projectRoot, ['status', '--at']), 3, /--at needs a value/);
  oneLineError(gitTuf(projectRoot, ['status', '--at', 'soon']), 3, /--at is not an ISO 8601 time/);
  oneLineError(gitTuf(projectRoot, ['status', '--json', '--markdown']), 3, /cannot be combined/);
  oneLineError(gitTuf(projectRoot, ['status', 'a', 'b']), 3, /unexpected argument "b"/);
  oneLineError(gitTuf(projectRoot, ['status'], { GIT_TUF_NOW: 'yesterday' }), 3, /GIT_TUF_NOW is not an ISO 8601 time/);
});

test('outside a git repository, and with a missing ref: exit 3 naming the problem', () => {
  const outside = tempDir('not-a-repo');
  oneLineError(gitTuf(outside, ['status'], { GIT_CEILING_DIRECTORIES: outside }), 3, /not a git repository/);
  const repo = initRepo(tempDir('empty-repo'));
  oneLineError(gitTuf(repo, ['status', 'no-such-branch']), 3, /"no-such-branch" is not a branch, tag or commit/);
  oneLineError(gitTuf(repo, ['status']), 3, /"main" is not a branch, tag or commit/);
});

test('--debug adds the stack trace', () => {
  const result = gitTuf(projectRoot, ['status', '--jsn', '--debug']);
  assert.is(result.code, 3);
  assert.match(result.stderr, STACK);
});

const spec: CommandSpec = {
  name: 'demo',
  summary: 'x',
  positionals: [{ name: 'A', description: 'a', required: true }, { name: 'B', description: 'b' }],
  options: [{ name: 'flag', alias: 'f', description: 'a flag' }, { name: 'value', value: 'V', description: 'a value' }],
};

test('the parser: flags, values in both forms, --, required and surplus positionals', () => {
  const parsed = parseArgs(spec, ['-f', 'one', '--value=x=y', '--', '--two']);
  assert.equal(parsed.positionals, ['one', '--two']);
  assert.is(parsed.options.get('flag'), true);
  assert.is(parsed.options.get('value'), 'x=y');
  assert.is(parseArgs(spec, ['one', '--value', 'v']).options.get('value'), 'v');
  assert.throws(() => parseArgs(spec, []), (error: unknown) => error instanceof GitTufError && /missing A/.test(error.message));
  assert.throws(() => parseArgs(spec, ['--flag=1', 'a']), /takes no value/);
  assert.throws(() => parseArgs(spec, ['a', 'b', 'c']), /unexpected argument "c"/);
  assert.is(parseArgs(spec, ['-h']).options.get('help'), true, 'help needs no positionals');
});

test.run();
