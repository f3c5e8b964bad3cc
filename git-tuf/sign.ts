/**
 * `sign` as a workflow: fetch the pull remote, find the events that await this signer, load one
 * with its review, sign exactly the payloads that were loaded, commit on top of the event branch
 * and push — re-applying the signatures after a race only when the signed bytes are unchanged.
 * The user's branch, index and work tree are never touched: everything goes through git objects.
 */
import { now } from './clock.js';
import { GitTufError } from './errors.js';
import { loadEvent, type LoadedEvent } from './event/event-report.js';
import { tasksFor } from './event/pending.js';
import { reviewEvent, type RoleReview } from './event/review.js';
import { signatureTasks, withSignatures, type SignatureTask } from './event/sign-plan.js';
import { GitRepository } from './git/repository.js';
import { advanceBranch, fetchRemote, pushBranch, writeCommit, type FileChange } from './git/write.js';
import { acceptInvitations, type Acceptance } from './edit/accept.js';
import { Draft } from './edit/draft.js';
import { roleMetadata, withMetadataChanges, type RepositoryState } from './repo/state.js';
import { readSettings, type Settings } from './settings.js';
import { openSigner, type OpenedSigner } from './signers/open.js';
import { EVENT_PREFIX } from './status.js';
import { canonicalJson } from './tuf/canonical.js';
import { parsePublicKey } from './tuf/keys.js';
import type { Signature } from './tuf/metadata.js';

/** How often a push that lost a race is re-applied on the new tip before giving up. */
const PUSH_ATTEMPTS = 5;

export interface PendingEvent {
  name: string;
  commit: string;
  /** Changed roles where this signer's signature is missing. */
  roles: string[];
  /** Roles this signer is invited to. */
  invitations: string[];
}

export interface SigningPlan {
  event: string;
  /** The event tip the plan was made from (what was reviewed). */
  commit: string;
  loaded: LoadedEvent;
  /** The event as it will be signed: the loaded state, with the invitations accepted. */
  state: RepositoryState;
  /** This signer's invitations being accepted in the same commit, and the files that does. */
  acceptance: AcceptancePlan | null;
  reviews: RoleReview[];
  tasks: { signer: OpenedSigner; task: SignatureTask }[];
  /** The known good's `signed` of each role to sign, for `--show-bytes`. */
  knownGoodPayloads: Map<string, unknown>;
  /** Roles this signer is invited to. */
  invitations: string[];
}

/** An invitation accepted with `key`: the files that changes and the roles it bumps. */
export interface AcceptancePlan extends Acceptance {
  key: OpenedSigner['publicKey'];
  changes: FileChange[];
  bumped: string[];
}

export interface SignResult {
  event: string;
  commit: string;
  signed: { role: string; version: number; keyids: string[] }[];
  /** Where the signatures went: `origin/sign/x`, or a local branch with --no-push. */
  pushedTo: string | null;
  localBranch: string | null;
  /** Set when the push went to a fork: where the pull request must go. */
  pullRequest: { from: string; to: string } | null;
  /** How many times the signatures were re-applied after another signer pushed first. */
  retries: number;
  /** The invitation accepted in the same commit: the roles and the keyid added. */
  accepted: { roles: string[]; keyid: string } | null;
}

export interface SignSessionOptions {
  cwd: string;
  /** A key URI to use instead of the configured ones. */
  keyUri?: string;
  at?: Date;
  /** Said right before a hardware key signs. */
  onTouch?: () => void;
}

/** `name`, `sign/name` or `<remote>/sign/name` to the event name. */
export function normaliseEventName(text: string, remotes: string[]): string {
  let name = text.replace(/^refs\/(heads|remotes)\//, '');
  for (const remote of remotes) if (name.startsWith(`${remote}/${EVENT_PREFIX}`)) name = name.slice(remote.length + 1);
  if (name.startsWith(EVENT_PREFIX)) name = name.slice(EVENT_PREFIX.length);
  if (name === '') throw new GitTufError('usage', `"${text}" names no signing event`, { hint: 'name an event like sign/new-key or new-key' });
  return name;
}

export class SigningSession {
  readonly git: GitRepository;
  readonly settings: Settings & { handle: string; pullRemote: string; pushRemote: string };
  readonly at: Date;
  readonly #options: SignSessionOptions;
  readonly #signers: OpenedSigner[] = [];

  private constructor(git: GitRepository, settings: SigningSession['settings'], options: SignSessionOptions) {
    this.git = git;
    this.settings = settings;
    this.at = options.at ?? now();
    this.#options = options;
  }

  /** Reads who the signer is and fetches the pull (and push) remote's main and events. */
  static async open(options: SignSessionOptions): Promise<SigningSession> {
    const git = await GitRepository.open(options.cwd);
    try {
      const settings = await readSettings(git);
      if (settings.handle === null) {
        throw new GitTufError('usage', 'git tuf does not know which signer you are', { hint: 'set git config tuf.handle @your-forge-name' });
      }
      if (settings.pullRemote === null || settings.pushRemote === null) {
        throw new GitTufError('usage', 'this clone has no remote to fetch signing events from', { hint: 'add one (git remote add origin <url>) or set git config tuf.pull-remote' });
      }
      const keys = options.keyUri ? [options.keyUri] : settings.signingKeys;
      if (keys.length === 0) {
        throw new GitTufError('usage', `no signing key is configured for ${settings.handle}`, {
          hint: 'set git config tuf.signing-key <URI> (hsm:, file:…) or tuf.pkcs11-module for a YubiKey, or pass --key',
        });
      }
      const session = new SigningSession(git, { ...settings, handle: settings.handle, pullRemote: settings.pullRemote, pushRemote: settings.pushRemote }, options);
      await session.#fetch();
      return session;
    } catch (error) {
      git.close();
      throw error;
    }
  }

  get isFork(): boolean {
    return this.settings.pushRemote !== this.settings.pullRemote;
  }

  async #fetch(): Promise<void> {
    const pull = this.settings.pullRemote;
    await fetchRemote(this.git, pull, [`+refs/heads/main:refs/remotes/${pull}/main`, `+refs/heads/${EVENT_PREFIX}*:refs/remotes/${pull}/${EVENT_PREFIX}*`]);
    if (this.isFork) {
      const push = this.settings.pushRemote;
      await fetchRemote(this.git, push, [`+refs/heads/${EVENT_PREFIX}*:refs/remotes/${push}/${EVENT_PREFIX}*`]);
    }
  }

  async #eventTip(name: string): Promise<string | null> {
    return this.git.resolveCommit(`refs/remotes/${this.settings.pullRemote}/${EVENT_PREFIX}${name}`);
  }

  async #load(name: string, commit: string): Promise<LoadedEvent> {
    const pull = this.settings.pullRemote;
    const main = await this.git.resolveCommit(`refs/remotes/${pull}/main`);
    if (!main) throw new GitTufError('missing-ref', `${pull} has no main branch`, { hint: `push the repository's main branch to ${pull}` });
    const knownGoodCommit = await this.git.mergeBase(commit, main);
    if (!knownGoodCommit) throw new GitTufError('missing-ref', `${pull}/${EVENT_PREFIX}${name} does not share history with ${pull}/main`);
    return loadEvent(this.git, { name, ref: `${pull}/${EVENT_PREFIX}${name}`, commit, knownGoodCommit }, this.at);
  }

  /** The pull remote's events that wait for this signer's signature or invitation answer. */
  async pendingEvents(): Promise<PendingEvent[]> {
    const prefix = `refs/remotes/${this.settings.pullRemote}/${EVENT_PREFIX}`;
    const listing = await this.git.output(['for-each-ref', '--format=%(refname) %(objectname)', prefix]);
    const pending: PendingEvent[] = [];
    for (const line of listing.split('\n')) {
      if (line === '') continue;
      const [ref, commit] = line.split(' ') as [string, string];
      const name = ref.slice(prefix.length);
      const { report } = await this.#load(name, commit);
      const tasks = tasksFor(report, this.settings.handle);
      if (tasks) pending.push({ name, commit, ...tasks });
    }
    return pending;
  }

  /** Loads the event, what it changes, and what this signer's keys must sign. Asks for no PIN yet. */
  async plan(eventText: string): Promise<SigningPlan> {
    const name = normaliseEventName(eventText, [this.settings.pullRemote, this.settings.pushRemote]);
    const commit = await this.#eventTip(name);
    if (!commit) {
      throw new GitTufError('missing-ref', `there is no signing event ${EVENT_PREFIX}${name} on ${this.settings.pullRemote}`, { hint: 'run git tuf sign without an event to list the open ones' });
    }
    const loaded = await this.#load(name, commit);
    if (loaded.report.result === 'invalid') {
      const first = loaded.report.problems.find((entry) => entry.level === 'error');
      throw new GitTufError('format', `${EVENT_PREFIX}${name} is invalid: ${first?.message ?? 'see git tuf status'}`, {
        hint: `see git tuf status ${this.settings.pullRemote}/${EVENT_PREFIX}${name}; a maintainer must fix the event first`,
      });
    }
    const invitations = loaded.report.invitations.find((invite) => invite.signer === this.settings.handle)?.roles ?? [];
    const tasks: SigningPlan['tasks'] = [];
    const failures: GitTufError[] = [];
    const uris = this.#options.keyUri ? [this.#options.keyUri] : this.settings.signingKeys;
    for (const uri of uris) {
      let signer: OpenedSigner;
      try {
        signer = await openSigner(uri, this.settings, { baseDir: this.git.root, ...(this.#options.onTouch ? { onTouch: this.#options.onTouch } : {}) });
      } catch (error) {
        if (!(error instanceof GitTufError)) throw error;
        failures.push(error);
        continue;
      }
      this.#signers.push(signer);
    }
    let state = loaded.state;
    let acceptance: SigningPlan['acceptance'] = null;
    if (invitations.length > 0) {
      const signer = this.#signers[0];
      if (!signer) throw failures[0]!;
      ({ state, acceptance } = this.#accept(loaded.state, loaded.knownGood, signer.publicKey));
    }
    const changed = loaded.report.roles.filter((role) => role.change === 'added' || role.change === 'modified').map((role) => role.name);
    for (const role of acceptance?.bumped ?? []) if (!changed.includes(role)) changed.push(role);
    for (const signer of this.#signers) {
      for (const task of signatureTasks(state, loaded.knownGood, signer.publicKey, changed)) tasks.push({ signer, task });
    }
    if (tasks.length === 0 && invitations.length === 0) {
      if (failures.length > 0) throw failures[0]!;
      const waiting = loaded.report.roles.filter((role) => role.missing.length > 0 && role.change !== 'unchanged');
      const who = waiting.map((role) => `${role.name}: ${role.missing.join(', ')}`).join('; ');
      throw new GitTufError('usage', `your key${uris.length > 1 ? 's' : ''} (${uris.join(', ')}) ${uris.length > 1 ? 'are' : 'is'} not expected to sign anything in ${EVENT_PREFIX}${name}`, {
        hint: who ? `still to sign: ${who}` : 'the event needs no more signatures',
      });
    }
    const knownGoodPayloads = new Map<string, unknown>();
    for (const { task } of tasks) {
      const before = roleMetadata(loaded.knownGood, task.role);
      if (before) knownGoodPayloads.set(task.role, before.signed);
    }
    return { event: name, commit, loaded, state, acceptance, reviews: reviewEvent(state, loaded.knownGood), tasks, knownGoodPayloads, invitations };
  }

  /**
   * Accepts this signer's invitations on `event`: their key goes into the delegating roles, the
   * roles are bumped as any edit does, and the result is what gets signed (one commit).
   */
  #accept(event: RepositoryState, knownGood: RepositoryState, key: OpenedSigner['publicKey']): { state: RepositoryState; acceptance: AcceptancePlan } {
    const draft = new Draft(event, knownGood);
    const accepted = acceptInvitations(draft, this.settings.handle, key);
    const result = draft.finish(this.at);
    return { state: withMetadataChanges(event, result.changes), acceptance: { ...accepted, key, changes: result.changes, bumped: result.bumped.map((bump) => bump.role) } };
  }

  /**
   * Signs the plan's payloads, verifies every signature, commits on the event tip and pushes.
   * After a lost race the signatures go on the new tip only if every signed payload is unchanged.
   */
  async sign(plan: SigningPlan, options: { push: boolean }): Promise<SignResult> {
    if (plan.tasks.length === 0) {
      throw new GitTufError('usage', `your key is not expected to sign anything in ${EVENT_PREFIX}${plan.event}`, { hint: 'check git tuf status for who still has to sign' });
    }
    const signatures = new Map<string, { task: SignatureTask; signatures: Signature[] }>();
    for (const { signer, task } of plan.tasks) {
      const sig = (await signer.sign(task.payload)).toString('hex');
      for (const keyid of task.keyids) {
        if (!parsePublicKey(keyid, signer.publicKey).verify(task.payload, sig)) {
          throw new GitTufError('key', `the signature made by ${signer.uri} for ${task.role} does not verify`, { hint: 'nothing was committed; check the key and try again' });
        }
      }
      const entry = signatures.get(task.role) ?? { task, signatures: [] };
      entry.signatures.push(...task.keyids.map((keyid) => ({ keyid, sig })));
      signatures.set(task.role, entry);
    }
    const signed = [...signatures.values()].map(({ task, signatures: list }) => ({ role: task.role, version: task.version, keyids: list.map((entry) => entry.keyid) }));
    const branch = `${EVENT_PREFIX}${plan.event}`;
    let base = plan.commit;
    let state = plan.state;
    let acceptedFiles = plan.acceptance?.changes ?? [];
    for (let attempt = 0; ; attempt++) {
      const signedFiles = this.#signedFiles(state, signatures, branch);
      const changes = [...acceptedFiles.filter((change) => !signedFiles.some((file) => file.path === change.path)), ...signedFiles];
      const commit = await writeCommit(this.git, { parent: base, changes, message: this.#message(signed, plan.acceptance) });
      const invitation = plan.acceptance ? { roles: plan.acceptance.roles, keyid: plan.acceptance.keyid } : null;
      const result = { event: plan.event, commit: commit ?? base, signed, retries: attempt, accepted: invitation };
      if (!options.push) {
        const local = await this.git.resolveCommit(`refs/heads/${branch}`);
        if (local !== null && local !== base) {
          throw new GitTufError('usage', `your local branch ${branch} differs from ${this.settings.pullRemote}/${branch}; nothing was committed`, { hint: `delete or reset your local ${branch}, or sign without --no-push` });
        }
        if (commit) await advanceBranch(this.git, branch, commit, local);
        return { ...result, pushedTo: null, localBranch: branch, pullRequest: null };
      }
      const pushTo = this.settings.pushRemote;
      const pushed = commit === null ? 'pushed' : await pushBranch(this.git, pushTo, commit, branch, this.isFork ? { replacing: await this.#forkTip(branch) } : undefined);
      if (pushed === 'pushed') {
        return {
          ...result,
          pushedTo: `${pushTo}/${branch}`,
          localBranch: null,
          pullRequest: this.isFork ? { from: `${pushTo}/${branch}`, to: `${this.settings.pullRemote}/${branch}` } : null,
        };
      }
      if (attempt + 1 >= PUSH_ATTEMPTS) {
        throw new GitTufError('git', `${branch} kept moving on ${pushTo} while signing (${PUSH_ATTEMPTS} attempts); nothing was pushed`, { hint: 'run git tuf sign again' });
      }
      await this.#fetch();
      const tip = await this.#eventTip(plan.event);
      if (!tip) throw new GitTufError('missing-ref', `${branch} disappeared from ${this.settings.pullRemote} while signing; nothing was pushed`, { hint: 'it was probably merged or deleted; check with git tuf status' });
      const reloaded = await this.#load(plan.event, tip);
      let next = reloaded.state;
      if (plan.acceptance) {
        // The invitation is accepted again on the new tip; what that produces must be what was signed.
        const invited = reloaded.state.invites.get(this.settings.handle) ?? [];
        if (invited.join('\0') !== plan.acceptance.roles.join('\0')) {
          throw new GitTufError('usage', `your invitation in ${branch} changed while you were signing; nothing was pushed`, { hint: `review the event again: git tuf sign ${plan.event}` });
        }
        const again = this.#accept(reloaded.state, reloaded.knownGood, plan.acceptance.key);
        next = again.state;
        acceptedFiles = again.acceptance.changes;
      }
      for (const { task } of signatures.values()) {
        const now = roleMetadata(next, task.role);
        if (!now || !canonicalJson(now.signed).equals(task.payload)) {
          throw new GitTufError('usage', `${task.role} changed in ${branch} while you were signing; your signature was not pushed`, {
            hint: `review the new version: git tuf sign ${plan.event}`,
          });
        }
      }
      base = tip;
      state = next;
    }
  }

  /** The files that carry the signatures; root also in root_history (same bytes). */
  #signedFiles(state: LoadedEvent['state'], signatures: Map<string, { task: SignatureTask; signatures: Signature[] }>, branch: string): FileChange[] {
    const changes: FileChange[] = [];
    for (const { task, signatures: list } of signatures.values()) {
      const metadata = roleMetadata(state, task.role);
      if (!metadata) throw new GitTufError('internal', `${task.role} vanished from ${branch}`);
      const content = withSignatures(metadata, list);
      changes.push({ path: metadata.file, content });
      if (task.role === 'root') changes.push({ path: `metadata/root_history/${task.version}.root.json`, content });
    }
    return changes;
  }

  #message(signed: SignResult['signed'], acceptance: SigningPlan['acceptance']): string {
    const roles = signed.map((entry) => `${entry.role} v${entry.version}`).join(', ');
    const accepted = acceptance ? `Accepted the invitation to ${acceptance.roles.join(', ')} with key ${acceptance.keyid}.\n` : '';
    return `Signature from ${this.settings.handle}\n\n${accepted}Signed ${roles} with git tuf.\n`;
  }

  async #forkTip(branch: string): Promise<string | null> {
    return this.git.resolveCommit(`refs/remotes/${this.settings.pushRemote}/${branch}`);
  }

  async close(): Promise<void> {
    await Promise.all(this.#signers.map((signer) => signer.close()));
    this.git.close();
  }
}
