/**
 * Moving main from one trusted state to the next (a push, a pull): the new root must chain from
 * the old one (spec §5.3: each new version signed by a threshold of the previous root's keys and
 * of its own), root history only grows, and no role's version goes down. Pure.
 */
import { sameJson } from '../tuf/json.js';
import type { Metadata, RootSigned } from '../tuf/metadata.js';
import { problem, type Problem } from '../repo/report.js';
import { checkRootChain, historyFile } from '../repo/root-chain.js';
import { roleFile, type RepositoryState } from '../repo/state.js';

export function checkAdvance(previous: RepositoryState, next: RepositoryState, label: string): Problem[] {
  const problems: Problem[] = [];
  const trusted = previous.root?.metadata as Metadata<RootSigned> | undefined;
  const root = next.root?.metadata as Metadata<RootSigned> | undefined;
  if (trusted && root) {
    const where = { role: 'root', file: 'metadata/root.json' };
    if (root.signed.version < trusted.signed.version) {
      problems.push(problem('error', `root goes back from version ${trusted.signed.version} (${label}) to ${root.signed.version}`, { ...where, hint: `a rollback: start from ${label}` }));
    } else {
      for (const [version, entry] of previous.rootHistory) {
        if (next.rootHistory.get(version)?.oid !== entry.oid) {
          problems.push(problem('error', `${historyFile(version)} differs from ${label} or is missing`, { role: 'root', file: historyFile(version), hint: `root history is append-only: restore the file from ${label}` }));
        }
      }
      if (root.signed.version > trusted.signed.version) {
        // Trust comes from the root already trusted, not from whatever history the new state carries.
        const chain = checkRootChain(next, { fromVersion: trusted.signed.version + 1, trusted });
        problems.push(...chain.problems.filter((found) => found.level === 'error'));
      } else if (next.root!.oid !== previous.root!.oid && !sameJson(root.signed, trusted.signed)) {
        problems.push(problem('error', `root version ${root.signed.version} differs from the root of the same version in ${label}`, { ...where, hint: 'a changed root must be a new version, signed in a signing event' }));
      }
    }
  }
  for (const [role, entry] of previous.roles) {
    const before = entry.metadata;
    const after = next.roles.get(role)?.metadata;
    if (!before || !after) continue;
    const where = { role, file: roleFile(role) };
    if (after.signed.version < before.signed.version) {
      problems.push(problem('error', `${role} goes back from version ${before.signed.version} (${label}) to ${after.signed.version}`, { ...where, hint: `a rollback: start from ${label}` }));
    } else if (after.signed.version === before.signed.version && next.roles.get(role)!.oid !== entry.oid && !sameJson(after.signed, before.signed)) {
      problems.push(problem('error', `${role} version ${after.signed.version} differs from the ${role} of the same version in ${label}`, { ...where, hint: 'a changed role must get a new version' }));
    }
  }
  return problems;
}
