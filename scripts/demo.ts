/**
 * `npm run demo`: a whole TUF repository life cycle with git tuf, in a temporary directory.
 * A bare "upstream", two keyholders (@alice, @bob) and a CI clone use nothing but git and the
 * real `git tuf` binary: init → sign → merge → publish → add an artifact → update → sign → merge
 * → publish → a tuf-js client downloads the artifact. Each step prints the command it runs.
 *
 * The keys are the project's throwaway demo keys (test/fixtures/demo-keys): INSECURE, demo only.
 *
 *   npm run demo            (or: npm run build && node dist/scripts/demo.js [--keep])
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveDirectory } from '../git-tuf/publish/serve.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const keep = process.argv.includes('--keep');
const work = mkdtempSync(path.join(os.tmpdir(), 'git-tuf-demo-'));
const bin = path.join(work, 'bin');
mkdirSync(bin);
symlinkSync(path.join(projectRoot, 'bin', 'git-tuf'), path.join(bin, 'git-tuf'));

// The demo's git sees none of the user's configuration.
const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', NO_COLOR: '1' };
for (const name of Object.keys(env)) if (/^GIT_(DIR|WORK_TREE|INDEX_FILE|PREFIX)$/.test(name)) delete env[name];

const bold = (text: string): string => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[1m${text}\x1b[22m` : text);

function step(title: string): void {
  process.stdout.write(`\n${bold(`== ${title}`)}\n`);
}

/** Runs a command in a clone, shows it and its output, and stops the demo if it fails. */
function sh(who: string, cwd: string, command: string, args: string[], options: { quiet?: boolean; allow?: number[] } = {}): string {
  process.stdout.write(`${who}$ ${[command, ...args].map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg}'`)).join(' ')}\n`);
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', input: '' });
  const output = `${result.stdout}${result.stderr}`.trimEnd();
  if (!options.quiet && output !== '') process.stdout.write(`${output.replace(/^/gm, '  ')}\n`);
  if (result.status === null || !(options.allow ?? [0]).includes(result.status)) {
    if (options.quiet && output !== '') process.stdout.write(`${output.replace(/^/gm, '  ')}\n`);
    throw new Error(`the demo stopped: ${command} ${args.join(' ')} exited ${result.status ?? result.signal} (work dir ${work})`);
  }
  return result.stdout;
}

function clone(name: string, handle: string | null): string {
  const dir = path.join(work, name);
  sh('', work, 'git', ['clone', '-q', upstream, dir], { quiet: true });
  sh('', dir, 'git', ['config', 'user.name', name], { quiet: true });
  sh('', dir, 'git', ['config', 'user.email', `${name}@example.com`], { quiet: true });
  if (handle) {
    const key = path.join(work, 'keys', `${name}.pem`);
    sh('', dir, 'git', ['config', 'tuf.handle', handle], { quiet: true });
    sh('', dir, 'git', ['config', 'tuf.signing-key', `file:${key}`], { quiet: true });
  }
  return dir;
}

/** A maintainer merges a complete event into main, as a forge merges its pull request. */
function merge(who: string, dir: string, event: string): void {
  sh(who, dir, 'git', ['fetch', '-q', 'origin']);
  sh(who, dir, 'git', ['checkout', '-q', 'main']);
  sh(who, dir, 'git', ['merge', '-q', '--ff-only', 'origin/main'], { quiet: true });
  sh(who, dir, 'git', ['merge', '-q', '--no-edit', `origin/sign/${event}`]);
  sh(who, dir, 'git', ['push', '-q', 'origin', 'main']);
}

async function downloadWithTufJs(site: string, artifact: string): Promise<string> {
  const { Updater } = await import('tuf-js');
  const server = await serveDirectory(site);
  const client = path.join(work, 'client');
  mkdirSync(path.join(client, 'metadata'), { recursive: true });
  mkdirSync(path.join(client, 'downloads'), { recursive: true });
  copyFileSync(path.join(site, '1.root.json'), path.join(client, 'metadata', 'root.json'));
  try {
    const updater = new Updater({ metadataBaseUrl: server.url, targetBaseUrl: `${server.url}/targets`, metadataDir: path.join(client, 'metadata'), targetDir: path.join(client, 'downloads') });
    await updater.refresh();
    const info = await updater.getTargetInfo(artifact);
    if (!info) throw new Error(`tuf-js found no target ${artifact}`);
    const file = await updater.downloadTarget(info, path.join(client, 'downloads', path.basename(artifact)));
    return readFileSync(file, 'utf8');
  } finally {
    await server.close();
  }
}

const upstream = path.join(work, 'upstream.git');

async function main(): Promise<void> {
  process.stdout.write(`git tuf demo in ${work}\n(demo keys from test/fixtures/demo-keys: INSECURE, for this demo only)\n`);
  mkdirSync(path.join(work, 'keys'));
  for (const name of ['alice', 'bob', 'online']) copyFileSync(path.join(projectRoot, 'test', 'fixtures', 'demo-keys', `${name}.pem`), path.join(work, 'keys', `${name}.pem`));
  sh('', work, 'git', ['init', '-q', '--bare', '-b', 'main', upstream], { quiet: true });

  step('alice, a maintainer, starts the repository: root 2-of-2 (@alice, @bob invited), targets 1-of-2');
  const alice = clone('alice', '@alice');
  writeFileSync(path.join(alice, 'README.md'), '# demo TUF repository\n');
  sh('alice', alice, 'git', ['add', 'README.md'], { quiet: true });
  sh('alice', alice, 'git', ['commit', '-q', '-m', 'Start'], { quiet: true });
  sh('alice', alice, 'git', ['push', '-q', 'origin', 'main'], { quiet: true });
  sh('alice', alice, 'git', ['tuf', 'init', '--root-signers', '@alice,@bob', '--root-threshold', '2', '--targets-signers', '@alice,@bob', '--online-key', `file:${path.join(work, 'keys', 'online.pem')}`, '--push']);
  sh('alice', alice, 'git', ['tuf', 'status', 'origin/sign/init'], { allow: [1] });

  step('bob accepts his invitation as he signs (his key goes into root), then alice signs');
  const bob = clone('bob', '@bob');
  sh('bob', bob, 'git', ['tuf', 'sign', '--yes']);
  sh('alice', alice, 'git', ['tuf', 'sign', '--yes']);
  sh('bob', bob, 'git', ['fetch', '-q', 'origin']);
  sh('bob', bob, 'git', ['tuf', 'status', 'origin/sign/init']);

  step('the event is complete: alice merges it; CI signs snapshot and timestamp online and publishes');
  merge('alice', alice, 'init');
  const ci = clone('ci', null);
  const site = path.join(work, 'site');
  sh('ci', ci, 'git', ['tuf', 'publish', '--push', '--out', site]);

  step('alice adds an artifact in a signing event; git tuf update writes the targets metadata');
  sh('alice', alice, 'git', ['pull', '-q', '--ff-only', 'origin', 'main'], { quiet: true });
  sh('alice', alice, 'git', ['checkout', '-q', '-b', 'sign/add-hello']);
  mkdirSync(path.join(alice, 'targets'), { recursive: true });
  writeFileSync(path.join(alice, 'targets', 'hello.txt'), 'Hello from a git tuf repository.\n');
  sh('alice', alice, 'git', ['add', 'targets/hello.txt'], { quiet: true });
  sh('alice', alice, 'git', ['commit', '-q', '-m', 'Add hello.txt'], { quiet: true });
  sh('alice', alice, 'git', ['push', '-q', 'origin', 'sign/add-hello'], { quiet: true });
  sh('alice', alice, 'git', ['tuf', 'status', 'sign/add-hello'], { allow: [1] });
  sh('alice', alice, 'git', ['tuf', 'update', '--push']);

  step('a targets signer reviews and signs');
  sh('bob', bob, 'git', ['tuf', 'sign', 'add-hello', '--yes']);

  step('merge and publish again');
  merge('alice', alice, 'add-hello');
  sh('ci', ci, 'git', ['pull', '-q', '--ff-only', 'origin', 'main'], { quiet: true });
  sh('ci', ci, 'git', ['tuf', 'publish', '--push', '--out', site]);

  step('a TUF client (tuf-js) that trusts 1.root.json downloads the artifact from the published site');
  const content = await downloadWithTufJs(site, 'hello.txt');
  process.stdout.write(`tuf-js verified and downloaded hello.txt: ${JSON.stringify(content)}\n`);
}

main().then(
  () => {
    process.stdout.write(`\n${bold('demo complete')}${keep ? ` (kept in ${work})` : ''}\n`);
    if (!keep) rmSync(work, { recursive: true, force: true });
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
