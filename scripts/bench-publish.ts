/**
 * The publish part of `npm run bench`: `git tuf publish` on synthetic repositories of 1k/10k/100k
 * artifacts, next to its floor — copying the same artifact bytes and hashing every copy once
 * (`cp -r targets` + `sha256sum`), which any publisher pays to write the output.
 *
 * Each repository is one packed commit with valid metadata (nothing due for online signing), so
 * publish times its whole job minus signing: the validity check of main, the build from git
 * objects into a staging directory, tuf-js over a local HTTP server refreshing from 1.root.json
 * and downloading (hashing) every artifact (one client per core for more than 1,000 artifacts),
 * and the rename into place. The output is removed
 * before each run; one untimed run first warms the blob digest cache and the OS page cache.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RepoModel, testKey } from '../test/helpers/tuf-repo.js';
import { elapsedMs, formatMs, isolatedEnv, median } from './bench-common.js';

export interface PublishBenchOptions {
  sizes: number[];
  runs: number;
  /** A scratch directory; each repository is made (and removed, unless `keep`) inside. */
  workDir: string;
  keep?: boolean;
  log: (line: string) => void;
}

interface PublishRow {
  artifacts: number;
  bytes: number;
  floor: number;
  publish: number;
  /** Phases of the median run, from its --json timings. */
  timings: { check: number; sign: number; build: number; verify: number };
}

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** What git runs for `git tuf`: the shim, which starts node on bin/git-tuf.js. */
const gitTufBin = path.join(projectRoot, 'bin', 'git-tuf');
const FLOOR = 'rm -rf ../floor-out && cp -r targets ../floor-out && find ../floor-out -type f -print0 | xargs -0 sha256sum >/dev/null';

/** Real clients check expiry at the real time, so "now" is the real time (no GIT_TUF_NOW). */
function run(command: string, args: string[], cwd: string): { ms: number; stdout: string } {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd, env: isolatedEnv(), encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = elapsedMs(start);
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd} (exit ${result.status}):\n${result.stderr}`);
  return { ms, stdout: result.stdout };
}


/**
 * Artifacts are spread evenly over `targets` and this many delegated roles: tuf-js refuses a
 * targets file over 5 MB when the snapshot does not list its length (tuf-on-ci lists versions
 * only), so one role of 100k entries (about 15 MB) would be rejected by default clients.
 */
const DELEGATED_ROLES = 9;

/** A packed one-commit repository with `count` artifacts (200 B–4 KB) and a file online key. */
function makeRepository(repo: string, count: number): number {
  const online = testKey('ecdsa-p256', { onlineUri: 'gcpkms:projects/bench/locations/global/keyRings/bench/cryptoKeys/online/cryptoKeyVersions/1' });
  const holder = testKey('ecdsa-p256', { owner: '@pkg-holder' });
  const model = new RepoModel({
    rootKeys: [testKey('ecdsa-p256', { owner: '@root-holder' })],
    onlineKey: online,
    delegations: Array.from({ length: DELEGATED_ROLES }, (_, role) => ({ name: `pkg${role}`, keys: [holder] })),
  });
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const role = i % (DELEGATED_ROLES + 1);
    const name = `${role === DELEGATED_ROLES ? '' : `pkg${role}/`}dir${Math.floor(i / 100)}/file${i}.txt`;
    const content = Buffer.from(`${name}\n${randomBytes(150 + ((i * 7919) % 2850)).toString('base64')}\n`);
    bytes += content.length;
    model.setArtifact(name, content);
  }
  const dirs = new Set<string>();
  for (const [name, content] of model.files()) {
    const file = path.join(repo, name);
    if (!dirs.has(path.dirname(file))) mkdirSync(path.dirname(file), { recursive: true });
    dirs.add(path.dirname(file));
    writeFileSync(file, content);
  }
  const keyFile = path.join(repo, '..', 'online.pem');
  writeFileSync(keyFile, online.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  for (const args of [
    ['init', '-q', '-b', 'main', '.'],
    ['config', 'user.name', 'Bench'],
    ['config', 'user.email', 'bench@example.com'],
    ['config', `tuf.key.${online.keyid}.uri`, `file:${keyFile}`],
    ['add', '-A'],
    ['commit', '-q', '-m', `${count} artifacts`],
    ['repack', '-adq'],
  ]) run('git', args, repo);
  return bytes;
}

function measure(repo: string, count: number, bytes: number, runs: number): PublishRow {
  const out = path.join(repo, '..', 'site');
  // Each timed command starts after a sync: both write tens of thousands of files, and neither
  // should pay for the other's writeback (on a slow disk that alone can change the floor tenfold).
  const publish = (): { ms: number; timings: PublishRow['timings'] } => {
    rmSync(out, { recursive: true, force: true });
    run('sync', [], repo);
    const { ms, stdout } = run(gitTufBin, ['publish', '--json', '--out', out], repo);
    return { ms, timings: JSON.parse(stdout).timings };
  };
  const floor = (): number => {
    run('sync', [], repo);
    return run('sh', ['-c', FLOOR], repo).ms;
  };
  floor();
  publish();
  const floors: number[] = [];
  const publishes: ReturnType<typeof publish>[] = [];
  for (let i = 0; i < runs; i++) {
    floors.push(floor());
    publishes.push(publish());
  }
  const middle = [...publishes].sort((a, b) => a.ms - b.ms)[publishes.length >> 1]!;
  return { artifacts: count, bytes, floor: median(floors), publish: middle.ms, timings: middle.timings };
}

/** Runs the publish benchmark; returns its Markdown section. */
export async function benchPublish(options: PublishBenchOptions): Promise<string> {
  const rows: PublishRow[] = [];
  for (const size of options.sizes) {
    const repo = path.join(options.workDir, `publish-${size}`, 'repo');
    mkdirSync(repo, { recursive: true });
    options.log(`bench: publish, ${size} artifacts: generating…`);
    const bytes = makeRepository(repo, size);
    const row = measure(repo, size, bytes, options.runs);
    rows.push(row);
    options.log(`bench:   floor ${formatMs(row.floor)}, publish ${formatMs(row.publish)} (${(row.publish / row.floor).toFixed(2)}× floor): check ${formatMs(row.timings.check)}, build ${formatMs(row.timings.build)}, clients ${formatMs(row.timings.verify)}`);
    if (!options.keep) rmSync(path.dirname(repo), { recursive: true, force: true });
  }
  const lines = [
    '## git tuf publish benchmark',
    '',
    '| artifacts | bytes | floor (copy + hash) | publish | publish / floor (goal ≤ 1.5×) | check main | build | build / floor | clients (tuf-js) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (row) =>
        `| ${row.artifacts.toLocaleString('en-US')} | ${(row.bytes / 2 ** 20).toFixed(1)} MiB | ${formatMs(row.floor)} | ${formatMs(row.publish)} | ${(row.publish / row.floor).toFixed(2)}× | ` +
        `${formatMs(row.timings.check)} | ${formatMs(row.timings.build)} | ${(row.timings.build / row.floor).toFixed(2)}× | ${formatMs(row.timings.verify)} |`,
    ),
    '',
    `Median of ${options.runs} run(s) of \`bin/git-tuf publish --out DIR\` (process start included), nothing due for online signing; the output is removed and \`sync\` run before each run (and before each floor run).`,
    '- floor: `cp -r targets` of the work tree + `sha256sum` of every copy (one shell pipeline).',
    `- artifacts: 200 B–4 KB, spread evenly over targets and ${DELEGATED_ROLES} delegated roles (a single 100k-entry role exceeds the 5 MB that tuf-js accepts for a targets file whose length the snapshot does not list).`,
    '- publish: the whole run; its phases (from `--json` `timings`): check main (the full status check), build (from git objects into a staging directory, and the rename into place), clients (tuf-js over 127.0.0.1 refreshing from 1.root.json and downloading every artifact, one HTTP request per artifact; above 1,000 artifacts one client per core, each in its own thread with a slice of the artifacts).',
  ];
  return lines.join('\n');
}
