/**
 * Delegation path rules (TUF spec §5.6.7.2 and python-tuf's behaviour): patterns are shell-style
 * and matched segment by segment, so `*` never crosses `/` (and does match dot files);
 * delegations are searched in order, depth first, and a terminating delegation ends the search.
 */
import { createHash } from 'node:crypto';
import type { DelegatedRole, TargetFile, TargetsSigned } from './metadata.js';

const pathPatterns = new Map<string, RegExp>();

/**
 * A delegation pattern as one RegExp over the whole path. Each `/`-separated segment is an
 * fnmatch pattern (`*`, `?`, `[seq]`, `[!seq]`; everything else literal) whose wildcards never
 * match `/`, so the path must have as many segments as the pattern: segment-wise matching, with
 * one test per pattern instead of splitting every path.
 */
function pathRegExp(pattern: string): RegExp {
  let cached = pathPatterns.get(pattern);
  if (cached) return cached;
  cached = new RegExp(`^${pattern.split('/').map(segmentSource).join('/')}$`);
  pathPatterns.set(pattern, cached);
  return cached;
}

function segmentSource(pattern: string): string {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) {
        source += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      source += `[${negate ? '^/' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return source;
}

export function matchesPathPattern(pattern: string, path: string): boolean {
  return pathRegExp(pattern).test(path);
}

/** Whether a delegation covers a target path. A delegation with neither list covers nothing. */
export function delegates(role: DelegatedRole, path: string): boolean {
  if (role.paths) return role.paths.some((pattern) => matchesPathPattern(pattern, path));
  if (role.path_hash_prefixes) {
    const digest = createHash('sha256').update(path, 'utf8').digest('hex');
    return role.path_hash_prefixes.some((prefix) => digest.startsWith(prefix));
  }
  return false;
}

/** The spec's bound on how many roles one target search may visit. */
export const MAX_DELEGATIONS = 32;

export interface TargetLookup {
  /** The role a client takes the target's description from, when one lists it. */
  role: string | undefined;
  entry: TargetFile | undefined;
  /** The first delegated role (in search order) allowed to describe the path, else `targets`. */
  expectedRole: string;
}

/**
 * Finds a target the way a TUF client does: preorder depth-first from `targets`, children in
 * delegation order, a terminating match cutting off everything not yet visited.
 * `roleSigned` returns a role's signed part, or undefined when it has no metadata.
 */
export function lookupTarget(path: string, roleSigned: (role: string) => TargetsSigned | undefined): TargetLookup {
  // Most artifacts are listed by targets itself: answer those without walking anything.
  const top = roleSigned('targets');
  if (top && Object.hasOwn(top.targets, path)) return { role: 'targets', entry: top.targets[path], expectedRole: 'targets' };
  const toVisit: string[] = ['targets'];
  const visited = new Set<string>();
  let expectedRole: string | undefined;
  while (toVisit.length > 0 && visited.size < MAX_DELEGATIONS) {
    const name = toVisit.pop()!;
    if (visited.has(name)) continue;
    visited.add(name);
    if (name !== 'targets') expectedRole ??= name;
    const signed = roleSigned(name);
    if (!signed) continue;
    const entry = Object.hasOwn(signed.targets, path) ? signed.targets[path] : undefined;
    if (entry) return { role: name, entry, expectedRole: expectedRole ?? name };
    const children: string[] = [];
    for (const child of signed.delegations?.roles ?? []) {
      if (!delegates(child, path)) continue;
      children.push(child.name);
      if (child.terminating) {
        toVisit.length = 0;
        break;
      }
    }
    toVisit.push(...children.reverse());
  }
  return { role: undefined, entry: undefined, expectedRole: expectedRole ?? 'targets' };
}

/**
 * Every role reachable from `targets`, in search order, with the role that delegates it.
 * A role delegated twice is listed once (first delegator wins, as in a client search).
 */
export function delegationTree(roleSigned: (role: string) => TargetsSigned | undefined): Map<string, { delegator: string; delegation: DelegatedRole }> {
  const tree = new Map<string, { delegator: string; delegation: DelegatedRole }>();
  const visit = (delegator: string, depth: number): void => {
    if (depth > MAX_DELEGATIONS) return;
    for (const delegation of roleSigned(delegator)?.delegations?.roles ?? []) {
      if (tree.has(delegation.name) || delegation.name === 'targets') continue;
      tree.set(delegation.name, { delegator, delegation });
      visit(delegation.name, depth + 1);
    }
  };
  visit('targets', 0);
  return tree;
}

/** Whether every delegation on the way from `targets` down to `role` allows the path. */
export function pathAllowed(role: string, path: string, tree: ReturnType<typeof delegationTree>): boolean {
  let current = role;
  for (let depth = 0; current !== 'targets'; depth++) {
    const link = tree.get(current);
    if (!link || depth > MAX_DELEGATIONS || !delegates(link.delegation, path)) return false;
    current = link.delegator;
  }
  return true;
}
