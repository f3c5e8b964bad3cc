/**
 * `publish` as a workflow: take main, refuse it unless it is valid (the online roles aside),
 * re-sign the online roles that need it, check the result in full, commit and push it (after a
 * lost race, re-plan on the new main: never sign what another publisher already signed), build
 * the static repository beside the output directory, prove it with real clients, swap it in.
 * The user's checkout is never touched, except that a local main moves forward like `git merge --ff`.
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { now } from '../clock.js';
import { GitTufError } from '../errors.js';
import { identityOf } from '../event/sign-plan.js';
import { BlobDigests } from '../git/blob-digests.js';
import type { GitConfig } from '../git/config.js';
import { GitRepository } from '../git/repository.js';
import { advanceBranch, fetchRemote, pushBranch, writeCommit } from '../git/write.js';
import { checkRepository, type CheckOptions } from '../repo/check-repository.js';
import { digestArtifacts, loadState, type RepositoryState } from '../repo/state.js';
import { readSettings, type Settings } from '../settings.js';
import { openSigner, type OpenedSigner } from '../signers/open.js';
import { buildPlan, buildRepository, metadataFiles } from './build.js';
import { planOnlineSigning, type OnlineTask } from './online-plan.js';
import { signOnline, type OnlineKey, type SignedRole } from './online-sign.js';
import { checkOutputDir, publishedRoot, removeAbandoned, replaceDirectory, restoreInterrupted, stagingDir } from './output.js';
import { verifyWithClients, type ClientCheck, type TrustedStart } from './verify.js';

/** How often a push that lost a race is re-planned on the new main before giving up. */
const PUSH_ATTEMPTS = 5;

/** For tests only: stop at this point (`committed`, `built`, `verified`), say so on stderr, go on when stdin closes. */
export const PAUSE_VARIABLE = 'GIT_TUF_PUBLISH_PAUSE';

export interface PublishOptions {
  cwd: string;
  /** The output directory; `build` at the top of the repository when omitted. */
  out?: string;
  push: boolean;
  dryRun: boolean;
  at?: Date;
}

export interface PublishResult {
  /** The main commit that was published (after online signing, if any). */
  main: string;
  /** Online roles signed by this run, with why. */
  signed: (Omit<SignedRole, 'bytes'> & { reasons: OnlineTask['reasons'] })[];
  /** Set with --dry-run: what would be signed. */
  wouldSign: OnlineTask[];
  /** The online-sign commit this run wrote, or null. */
  commit: string | null;
  pushedTo: string | null;
  /** Pushes lost to another publisher before this run's landed (or found main already signed). */
  retries: number;
  /** The local main was left where it was (why), or null when it moved or needed no move. */
  localMainNote: string | null;
  out: string;
  metadata: string[];
  targets: number;
  checks: ClientCheck[];
  /** Milliseconds spent checking main, signing (and pushing), building, and in the clients. */
  timings: { check: number; sign: number; build: number; verify: number };
  dryRun: boolean;
}

function firstError(state: RepositoryState, at: Date, options: CheckOptions): string | null {
  const check = checkRepository(state, at, options);
  const errors = [...check.roles.flatMap((role) => role.problems), ...check.problems].filter((entry) => entry.level === 'error');
  if (errors.length === 0) return null;
  return `${errors[0]!.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`;
}

async function pausePoint(name: string, what: string): Promise<void> {
  if (process.env[PAUSE_VARIABLE] !== name) return;
  process.stderr.write(`git tuf: paused at ${name}: ${what}\n`);
  await new Promise<void>((resolve) => {
    process.stdin.on('end', resolve);
    process.stdin.resume();
  });
}

class OnlineSigners {
  readonly #opened = new Map<string, OpenedSigner>();

  constructor(
    private readonly git: GitRepository,
    private readonly config: GitConfig,
    private readonly settings: Settings,
  ) {}

  /** The key's URI: git config tuf.key.<keyid>.uri overrides x-tuf-on-ci-online-uri (development, tests). */
  async signerFor(key: OnlineKey, role: string): Promise<OpenedSigner> {
    const uri = this.config.get(`tuf.key.${key.keyid}.uri`) ?? key.uri;
    if (!uri) {
      throw new GitTufError('usage', `the online key ${key.keyid.slice(0, 8)} of ${role} has no x-tuf-on-ci-online-uri`, { hint: `set git config tuf.key.${key.keyid}.uri <URI>` });
    }
    let signer = this.#opened.get(uri);
    if (!signer) {
      signer = await openSigner(uri, this.settings, { baseDir: this.git.root, expectedKey: key.key });
      this.#opened.set(uri, signer);
    }
    if (identityOf(signer.publicKey) !== identityOf(key.key)) {
      throw new GitTufError('key', `${uri} holds another key than the online key ${key.keyid.slice(0, 8)} of ${role}`, { hint: 'point the key URI at the key listed in root' });
    }
    return signer;
  }

  async close(): Promise<void> {
    for (const signer of this.#opened.values()) await signer.close();
  }
}

function signMessage(signed: SignedRole[]): string {
  return `Online sign (${signed.map((role) => `${role.role} v${role.version}`).join(', ')})`;
}

export async function publish(options: PublishOptions): Promise<PublishResult> {
  const at = options.at ?? now();
  const git = await GitRepository.open(options.cwd);
  const config = await git.readConfig();
  const settings = await readSettings(git, config);
  const signers = new OnlineSigners(git, config, settings);
  const digests = new BlobDigests(git);
  try {
    const remote = settings.pullRemote;
    if (options.push && remote === null) {
      throw new GitTufError('usage', 'there is no remote to push main to', { hint: 'add one (git remote add origin <url>) or set git config tuf.pull-remote' });
    }
    const fetchMain = async (): Promise<string> => {
      await fetchRemote(git, remote!, [`+refs/heads/main:refs/remotes/${remote}/main`]);
      const commit = await git.resolveCommit(`refs/remotes/${remote}/main`);
      if (!commit) throw new GitTufError('missing-ref', `${remote} has no main branch`, { hint: `push the repository's main branch to ${remote}` });
      return commit;
    };
    const localMain = await git.resolveCommit('refs/heads/main');
    let base: string;
    if (options.push) base = await fetchMain();
    else {
      const fallback = remote === null ? null : await git.resolveCommit(`refs/remotes/${remote}/main`);
      if (localMain === null && fallback === null) throw new GitTufError('missing-ref', 'this repository has no main branch', { hint: 'publish runs on main: fetch or create it' });
      base = localMain ?? fallback!;
    }

    const result: PublishResult = {
      main: base, signed: [], wouldSign: [], commit: null, pushedTo: null, retries: 0, localMainNote: null,
      out: path.resolve(options.cwd, options.out ?? path.join(git.root, 'build')), metadata: [], targets: 0, checks: [], timings: { check: 0, sign: 0, build: 0, verify: 0 }, dryRun: options.dryRun,
    };
    checkOutputDir(result.out, git.root);
    let state: RepositoryState;
    for (let attempt = 1; ; attempt++) {
      let started = performance.now();
      state = await loadState(git, base);
      await digestArtifacts(state, digests);
      const invalid = firstError(state, at, { resigningOnline: true });
      if (invalid) throw new GitTufError('format', `main (${base.slice(0, 7)}) is not valid: ${invalid}`, { hint: 'see git tuf status main; publish signs and builds only a valid main' });
      const tasks = planOnlineSigning(state, at);
      result.timings.check += performance.now() - started;
      started = performance.now();
      if (options.dryRun) {
        result.wouldSign = tasks;
        break;
      }
      if (tasks.length === 0) break;
      const signed = await signOnline(state, tasks, at, (key, role) => signers.signerFor(key, role));
      const commit = await writeCommit(git, { parent: base, changes: signed.map((role) => ({ path: role.file, content: role.bytes })), message: signMessage(signed) });
      if (commit === null) throw new GitTufError('internal', 'online signing changed no file');
      const next = await loadState(git, commit, state);
      await digestArtifacts(next, digests);
      const problem = firstError(next, at, {});
      if (problem) throw new GitTufError('internal', `the online-signed main would not be valid: ${problem}`, { hint: 'nothing was committed or pushed; report this with git tuf status main' });
      await pausePoint('committed', commit);
      const pushed = !options.push || (await pushBranch(git, remote!, commit, 'main')) === 'pushed';
      result.timings.sign += performance.now() - started;
      if (!pushed) {
        // Another publisher (or a merge) moved main: look again at what main now needs.
        if (attempt >= PUSH_ATTEMPTS) throw new GitTufError('git', `main on ${remote} kept moving while publishing (${attempt} attempts)`, { hint: 'run again' });
        result.retries++;
        base = await fetchMain();
        continue;
      }
      if (options.push) {
        result.pushedTo = `${remote}/main`;
        await git.output(['update-ref', `refs/remotes/${remote}/main`, commit]);
      }
      result.signed = signed.map(({ bytes: _bytes, ...role }) => ({ ...role, reasons: tasks.find((task) => task.role === role.role)!.reasons }));
      result.commit = commit;
      state = next;
      base = commit;
      break;
    }
    result.main = base;
    const started = performance.now();
    const full = firstError(state, at, {});
    result.timings.check += performance.now() - started;
    if (full && !options.dryRun) throw new GitTufError('format', `main (${base.slice(0, 7)}) is not valid: ${full}`, { hint: 'see git tuf status main' });
    if (!options.dryRun && localMain !== base && (localMain !== null || result.commit !== null)) result.localMainNote = await moveLocalMain(git, localMain, base);

    if (options.dryRun) {
      const plan = buildPlan(state);
      result.metadata = [...plan.metadata.keys()];
      result.targets = plan.targets.length;
      return rounded(result);
    }
    const built = await buildAndVerify(git, state, result.out, at, result.timings);
    result.metadata = built.metadata;
    result.targets = built.targets;
    result.checks = built.checks;
    return rounded(result);
  } finally {
    await signers.close();
    git.close();
  }
}

function rounded(result: PublishResult): PublishResult {
  for (const phase of ['check', 'sign', 'build', 'verify'] as const) result.timings[phase] = Math.round(result.timings[phase]);
  return result;
}

/** Moves (or creates) the local main to what was published, the way `git merge --ff` would. */
async function moveLocalMain(git: GitRepository, localMain: string | null, published: string): Promise<string | null> {
  if (localMain !== null && (await git.mergeBase(localMain, published)) !== localMain) return `your local main has commits that are not on the published main; it was left at ${localMain.slice(0, 7)}`;
  try {
    await advanceBranch(git, 'main', published, localMain);
    return null;
  } catch (error) {
    if (error instanceof GitTufError) return `your local main was left ${localMain === null ? 'absent' : `at ${localMain.slice(0, 7)}`}: ${error.message}`;
    throw error;
  }
}

async function buildAndVerify(git: GitRepository, state: RepositoryState, out: string, at: Date, timings: PublishResult['timings']): Promise<{ metadata: string[]; targets: number; checks: ClientCheck[] }> {
  restoreInterrupted(out);
  checkOutputDir(out, git.root);
  await removeAbandoned(out);
  const previous = publishedRoot(out);
  const staging = stagingDir(out);
  try {
    let started = performance.now();
    const built = await buildRepository(git, state, staging, at);
    timings.build = performance.now() - started;
    await pausePoint('built', staging);
    const first = built.metadata.find((name) => name.endsWith('.root.json'))!;
    const starts: TrustedStart[] = [{ label: first, bytes: metadataFiles(state).get(first)! }];
    if (previous) starts.push({ label: `the published ${previous.version}.root.json`, bytes: previous.bytes });
    started = performance.now();
    const checks = await verifyWithClients(staging, { starts, targets: built.targets, scratch: mkdtempSync(path.join(os.tmpdir(), 'git-tuf-verify-')) });
    timings.verify = performance.now() - started;
    await pausePoint('verified', staging);
    started = performance.now();
    await replaceDirectory(staging, out);
    timings.build += performance.now() - started;
    return { metadata: built.metadata, targets: built.targets.length, checks };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
