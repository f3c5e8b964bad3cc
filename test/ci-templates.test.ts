// The CI templates only call git tuf: every `git tuf` invocation in them is parsed out of the
// YAML and must be a real command whose -h lists each flag used; `git tuf ci install` writes them.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { gitTuf, projectRoot } from './helpers/cli.js';
import { git, initRepo, tempDir } from './helpers/git.js';

const TEMPLATES = ['github/git-tuf.yml', 'gitlab/gitlab-ci.yml'];
const templateText = (name: string): string => readFileSync(path.join(projectRoot, 'templates', name), 'utf8');

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

interface Invocation {
  template: string;
  command: string;
  flags: string[];
  text: string;
}

/** `git tuf CMD ARGS…` up to the end of the shell command (a pipe, redirection, `;`, `&&`, `||`). */
function invocations(template: string): Invocation[] {
  const found: Invocation[] = [];
  for (const text of strings(parse(templateText(template)))) {
    for (const match of text.matchAll(/git tuf ([a-z][a-z-]*)([^\n|;&>)]*)/g)) {
      const flags = match[2]!.trim().split(/\s+/).filter((token) => token.startsWith('-')).map((token) => token.replace(/=.*$/, ''));
      found.push({ template, command: match[1]!, flags, text: match[0].trim() });
    }
  }
  return found;
}

const all = TEMPLATES.flatMap(invocations);

test('the templates parse as YAML and install git tuf with Node 20', () => {
  const github = parse(templateText('github/git-tuf.yml'));
  assert.equal(github.on.push.branches, ['main', 'sign/**']);
  assert.ok(github.on.schedule.length > 0);
  for (const job of Object.values(github.jobs) as { steps: { uses?: string; with?: { 'node-version'?: number }; run?: string }[] }[]) {
    assert.is(job.steps.find((step) => step.uses?.startsWith('actions/setup-node'))?.with?.['node-version'], 20);
    assert.ok(job.steps.some((step) => step.run === 'npm install -g git-tuf'));
  }
  const gitlab = parse(templateText('gitlab/gitlab-ci.yml'));
  assert.is(gitlab.default.image, 'node:20');
  assert.ok(gitlab.default.before_script.includes('npm install -g git-tuf'));
  assert.equal(Object.keys(gitlab).filter((key) => gitlab[key]?.script), ['event', 'pages', 'events']);
  assert.equal(gitlab.pages.artifacts.paths, ['public']);
});

test('the pipelines run exactly the planned git tuf commands', () => {
  const planned = all.map((entry) => `${entry.template}: git tuf ${entry.command} ${entry.flags.join(' ')}`.trim());
  assert.equal(planned, [
    'github/git-tuf.yml: git tuf update --push',
    'github/git-tuf.yml: git tuf status --markdown',
    'github/git-tuf.yml: git tuf publish --push --out',
    'github/git-tuf.yml: git tuf events --push',
    'gitlab/gitlab-ci.yml: git tuf update --push',
    'gitlab/gitlab-ci.yml: git tuf status --markdown',
    'gitlab/gitlab-ci.yml: git tuf publish --push --out',
    'gitlab/gitlab-ci.yml: git tuf events --push',
  ]);
});

// One test per command, so that a missing command fails on its own.
const cwd = initRepo(tempDir('ci-help'));
for (const command of [...new Set(all.map((entry) => entry.command))]) {
  test(`git tuf ${command} exists and its -h lists every flag the templates use`, () => {
    const help = gitTuf(cwd, [command, '-h']);
    assert.is(help.code, 0, `git tuf ${command} -h: ${help.stderr}`);
    for (const entry of all.filter((candidate) => candidate.command === command)) {
      for (const flag of entry.flags) assert.match(help.stdout, new RegExp(`(^|[\\s,])${flag}([\\s=,]|$)`, 'm'), `${entry.template}: ${entry.text} uses ${flag}`);
    }
  });
}

test('git tuf ci install writes the pipeline and .gitattributes, never overwriting without --force', () => {
  const dir = initRepo(tempDir('ci-install'));
  writeFileSync(path.join(dir, '.gitattributes'), '*.png binary');
  mkdirSync(path.join(dir, 'sub'));
  const first = gitTuf(path.join(dir, 'sub'), ['ci', 'install', 'github', '--json']);
  assert.is(first.code, 0, first.stderr);
  assert.equal(JSON.parse(first.stdout), {
    schema: 'git-tuf-ci/1',
    forge: 'github',
    files: [
      { file: '.github/workflows/git-tuf.yml', action: 'written' },
      { file: '.gitattributes', action: 'extended' },
    ],
  });
  assert.is(readFileSync(path.join(dir, '.github/workflows/git-tuf.yml'), 'utf8'), templateText('github/git-tuf.yml'));
  const attributes = readFileSync(path.join(dir, '.gitattributes'), 'utf8');
  assert.ok(attributes.startsWith('*.png binary\n\n'));
  assert.match(attributes, /^metadata\/\*\* -text$/m);
  assert.match(attributes, /^targets\/\*\* -text$/m);
  git(dir, 'add', '-A');
  assert.match(git(dir, 'check-attr', 'text', '--', 'targets/a.bin'), /text: unset/);

  const again = gitTuf(dir, ['ci', 'install', 'github']);
  assert.is(again.code, 0, again.stderr);
  assert.is(again.stdout, '.github/workflows/git-tuf.yml: unchanged\n.gitattributes: unchanged\n');
  assert.is(readFileSync(path.join(dir, '.gitattributes'), 'utf8'), attributes);

  writeFileSync(path.join(dir, '.gitlab-ci.yml'), 'my: pipeline\n');
  const refused = gitTuf(dir, ['ci', 'install', 'gitlab']);
  assert.is(refused.code, 3);
  assert.is(refused.stderr, 'git tuf: .gitlab-ci.yml already exists and differs from git tuf\'s gitlab pipeline (move it away, or use --force to replace it (git diff shows what changed))\n');
  assert.is(readFileSync(path.join(dir, '.gitlab-ci.yml'), 'utf8'), 'my: pipeline\n');
  const forced = gitTuf(dir, ['ci', 'install', 'gitlab', '--force']);
  assert.is(forced.code, 0, forced.stderr);
  assert.is(readFileSync(path.join(dir, '.gitlab-ci.yml'), 'utf8'), templateText('gitlab/gitlab-ci.yml'));

  const unknown = gitTuf(dir, ['ci', 'install', 'jenkins']);
  assert.is(unknown.code, 3);
  assert.is(unknown.stderr, 'git tuf: git tuf has no pipeline for "jenkins" (use github or gitlab)\n');
});

test.run();
