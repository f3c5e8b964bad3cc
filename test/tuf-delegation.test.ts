import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { delegates, delegationTree, lookupTarget, matchesPathPattern, pathAllowed } from '../git-tuf/tuf/delegation.js';
import type { DelegatedRole, TargetsSigned } from '../git-tuf/tuf/metadata.js';

test('patterns match segment by segment: * never crosses /', () => {
  assert.ok(matchesPathPattern('role/*', 'role/a.txt'));
  assert.not.ok(matchesPathPattern('role/*', 'role/a/b.txt'));
  assert.ok(matchesPathPattern('role/*/*', 'role/a/b.txt'));
  assert.not.ok(matchesPathPattern('*', 'a/b'));
  assert.not.ok(matchesPathPattern('role/*', 'role'));
  assert.ok(matchesPathPattern('*.tgz', 'pkg-1.0.tgz'));
  assert.not.ok(matchesPathPattern('*.tgz', 'dir/pkg-1.0.tgz'), 'unlike minimatch with matchBase');
});

test('* matches dot files, ? one character, [seq] and [!seq] classes; the rest is literal', () => {
  assert.ok(matchesPathPattern('role/*', 'role/.hidden'));
  assert.ok(matchesPathPattern('file?.txt', 'file1.txt'));
  assert.not.ok(matchesPathPattern('file?.txt', 'file10.txt'));
  assert.ok(matchesPathPattern('v[0-9].json', 'v7.json'));
  assert.not.ok(matchesPathPattern('v[!0-9].json', 'v7.json'));
  assert.ok(matchesPathPattern('v[!0-9].json', 'vx.json'));
  assert.ok(matchesPathPattern('a+b(c).txt', 'a+b(c).txt'), 'regex characters are literal');
  assert.not.ok(matchesPathPattern('a.txt', 'abtxt'), '. is literal');
  assert.ok(matchesPathPattern('x[', 'x['), 'an unclosed [ is literal');
});

/** fnmatch by segments, written the plain way, to check the compiled whole-path RegExp against. */
function segmentWiseReference(pattern: string, path: string): boolean {
  const segment = (glob: string): RegExp => {
    let source = '';
    for (let i = 0; i < glob.length; i++) {
      const char = glob[i]!;
      const end = char === '[' ? glob.indexOf(']', i + 2) : -1;
      if (char === '*') source += '.*';
      else if (char === '?') source += '.';
      else if (end !== -1) {
        const body = glob.slice(i + 1, end);
        const negate = body.startsWith('!');
        source += `[${negate ? '^' : ''}${(negate ? body.slice(1) : body).replace(/[\\\]^]/g, '\\$&')}]`;
        i = end;
      } else source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
    return new RegExp(`^${source}$`, 's');
  };
  const globs = pattern.split('/');
  const parts = path.split('/');
  return globs.length === parts.length && globs.every((glob, index) => segment(glob).test(parts[index]!));
}

test('the compiled patterns agree with segment-by-segment fnmatch on generated cases', () => {
  let seed = 7;
  const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const word = (alphabet: string): string => Array.from({ length: 1 + random(6) }, () => alphabet[random(alphabet.length)]).join('');
  for (let i = 0; i < 3000; i++) {
    const pattern = word('ab*?[]!/.-');
    const path = word('ab/.-!');
    assert.is(matchesPathPattern(pattern, path), segmentWiseReference(pattern, path), `${pattern} ~ ${path}`);
  }
});

test('path_hash_prefixes compare the sha256 of the target path', () => {
  const digest = createHash('sha256').update('pkg/a.tgz').digest('hex');
  const role = (prefixes: string[]): DelegatedRole => ({ name: 'bin', keyids: [], threshold: 1, terminating: false, path_hash_prefixes: prefixes });
  assert.ok(delegates(role([digest.slice(0, 2)]), 'pkg/a.tgz'));
  assert.not.ok(delegates(role([digest.slice(0, 2) === 'ff' ? '00' : 'ff']), 'pkg/a.tgz'));
  assert.not.ok(delegates({ name: 'none', keyids: [], threshold: 1, terminating: false }, 'x'), 'neither list delegates nothing');
});

/** A delegation graph: role name → its targets and delegations. */
function graph(roles: Record<string, { targets?: string[]; delegations?: [string, string[], boolean][] }>): (role: string) => TargetsSigned | undefined {
  return (name) => {
    const role = roles[name];
    if (!role) return undefined;
    return {
      _type: 'targets',
      spec_version: '1.0',
      version: 1,
      expires: '2030-01-01T00:00:00Z',
      targets: Object.fromEntries((role.targets ?? []).map((path) => [path, { length: 1, hashes: { sha256: name } }])),
      delegations: {
        keys: {},
        roles: (role.delegations ?? []).map(([child, paths, terminating]) => ({ name: child, keyids: [], threshold: 1, paths, terminating })),
      },
    };
  };
}

test('lookup is preorder depth first, in delegation order', () => {
  const roles = graph({
    targets: { targets: ['top.txt'], delegations: [['a', ['x/*'], false], ['b', ['x/*'], false]] },
    a: { delegations: [['a1', ['x/*'], false]] },
    a1: { targets: ['x/1'] },
    b: { targets: ['x/1', 'x/2'] },
  });
  assert.is(lookupTarget('top.txt', roles).role, 'targets');
  assert.is(lookupTarget('x/1', roles).role, 'a1', 'a\'s subtree comes before b');
  assert.is(lookupTarget('x/2', roles).role, 'b');
  const missing = lookupTarget('x/3', roles);
  assert.is(missing.role, undefined);
  assert.is(missing.expectedRole, 'a');
  assert.is(lookupTarget('y/1', roles).expectedRole, 'targets');
});

test('a terminating delegation ends the search, siblings and all', () => {
  const roles = graph({
    targets: { delegations: [['a', ['x/*'], true], ['b', ['x/*'], false]] },
    a: {},
    b: { targets: ['x/1'] },
  });
  assert.is(lookupTarget('x/1', roles).role, undefined, 'b is never consulted after terminating a');
  const open = graph({ targets: { delegations: [['a', ['x/*'], false], ['b', ['x/*'], false]] }, a: {}, b: { targets: ['x/1'] } });
  assert.is(lookupTarget('x/1', open).role, 'b');
});

test('a delegation cycle does not loop', () => {
  const roles = graph({ targets: { delegations: [['a', ['*'], false]] }, a: { delegations: [['b', ['*'], false]] }, b: { delegations: [['a', ['*'], false]] } });
  assert.is(lookupTarget('x', roles).role, undefined);
});

test('a nested role may only describe paths every delegation above it allows', () => {
  const roles = graph({ targets: { delegations: [['a', ['a/*', 'a/*/*'], true]] }, a: { delegations: [['a-sub', ['a/sub/*', 'b/*'], true]] }, 'a-sub': {} });
  const tree = delegationTree(roles);
  assert.equal([...tree.keys()], ['a', 'a-sub']);
  assert.is(tree.get('a-sub')?.delegator, 'a');
  assert.ok(pathAllowed('a-sub', 'a/sub/x', tree));
  assert.not.ok(pathAllowed('a-sub', 'b/x', tree), 'a never delegated b/*');
  assert.not.ok(pathAllowed('a', 'c/x', tree));
  assert.ok(pathAllowed('targets', 'anything/at/all', tree));
});

test('role and target names like __proto__ are plain names', () => {
  const roles = graph({ targets: { targets: ['__proto__'], delegations: [['constructor', ['c/*'], false]] }, constructor: { targets: ['c/x'] } });
  assert.is(lookupTarget('__proto__', roles).role, 'targets');
  assert.is(lookupTarget('c/x', roles).role, 'constructor');
  assert.is(lookupTarget('toString', roles).role, undefined);
});

test.run();
