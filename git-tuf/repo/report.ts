/**
 * What `status` concludes, as plain data: the renderers (text, JSON, Markdown) and the hooks read
 * this and nothing else. The JSON output is this object; its schema is documented in README.md.
 */

export type Result = 'valid' | 'waiting' | 'invalid';

/**
 * error: the state is invalid. action: something must still be done (sign, accept an invitation,
 * run `git tuf update`); the state is waiting. warning / info: reported, changes nothing.
 */
export type Level = 'error' | 'action' | 'warning' | 'info';

export interface Problem {
  level: Level;
  role: string | null;
  file: string | null;
  message: string;
  hint: string | null;
}

/** One set of keys with a threshold that a role's metadata must satisfy. */
export interface SignerSet {
  /** e.g. `root v13` for the previous root's keys, `targets` for a delegator. */
  authority: string;
  threshold: number;
  signed: string[];
  missing: string[];
  met: boolean;
}

export type Change = 'added' | 'modified' | 'deleted' | 'unchanged';

export interface RoleStatus {
  name: string;
  file: string;
  /** Event reports only: how the event changes the role. */
  change: Change | null;
  version: number | null;
  knownGoodVersion: number | null;
  expires: string | null;
  /** When re-signing becomes due (expires minus the signing period), if the role has one. */
  signingPeriodStart: string | null;
  inSigningPeriod: boolean;
  online: boolean;
  /** The role's own threshold, signers present and signers missing (all authorities together). */
  threshold: number | null;
  signed: string[];
  missing: string[];
  signers: SignerSet[];
  result: Result;
  problems: Problem[];
}

export interface ArtifactChange {
  path: string;
  change: 'added' | 'modified' | 'removed';
  length: number | null;
  sha256: string | null;
}

export interface StatusReport {
  schema: 'git-tuf-status/1';
  kind: 'repository' | 'event';
  ref: string;
  commit: string;
  /** Event name (the branch without `sign/`), for event reports. */
  event: string | null;
  knownGood: string | null;
  at: string;
  result: Result;
  exitCode: 0 | 1 | 2;
  roles: RoleStatus[];
  artifacts: { total: number; changes: ArtifactChange[] };
  invitations: { signer: string; roles: string[] }[];
  /** Every problem, role problems included, errors first. */
  problems: Problem[];
}

export function problem(level: Level, message: string, where: { role?: string; file?: string; hint?: string } = {}): Problem {
  return { level, role: where.role ?? null, file: where.file ?? null, message, hint: where.hint ?? null };
}

export function resultOf(problems: Problem[], unmet = false): Result {
  if (problems.some((entry) => entry.level === 'error')) return 'invalid';
  if (unmet || problems.some((entry) => entry.level === 'action')) return 'waiting';
  return 'valid';
}

export const EXIT_CODES: Record<Result, 0 | 1 | 2> = { valid: 0, waiting: 1, invalid: 2 };

const LEVEL_ORDER: Record<Level, number> = { error: 0, action: 1, warning: 2, info: 3 };

/** Errors first, each problem once (checks of overlapping scope may find the same thing). */
export function sortProblems(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems
    .filter((entry) => {
      const key = `${entry.level}\0${entry.role}\0${entry.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level]);
}
