// The hook's fast path: every module `git tuf hook` can load — static imports, and the literal
// `import('…')`s by which each hook loads its own checks — is our own code or a node builtin:
// no tuf-js, KMS, PKCS#11 or yargs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { projectRoot } from './helpers/cli.js';

const dist = path.join(projectRoot, 'dist', 'git-tuf');

function imports(file: string, dynamic: boolean): string[] {
  const source = readFileSync(file, 'utf8');
  const found = [...source.matchAll(/^\s*(?:import|export)\s[^'";]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)].map((match) => (match[1] ?? match[2])!);
  if (dynamic) found.push(...[...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((match) => match[1]!));
  return found;
}

function reachable(entry: string, dynamic: boolean): { modules: Set<string>; external: Set<string> } {
  const modules = new Set<string>();
  const external = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (modules.has(file)) continue;
    modules.add(file);
    for (const specifier of imports(file, dynamic)) {
      if (specifier.startsWith('.')) queue.push(path.resolve(path.dirname(file), specifier));
      else external.add(specifier);
    }
  }
  return { modules, external };
}

test('git tuf hook loads only git tuf modules and node builtins', () => {
  const cli = reachable(path.join(dist, 'cli', 'main.js'), false);
  const hook = reachable(path.join(dist, 'commands', 'hook.js'), true);
  for (const name of ['hooks/pre-push.js', 'hooks/branch-push.js', 'hooks/post-merge.js', 'repo/check-repository.js']) {
    assert.ok(hook.modules.has(path.join(dist, name)), `${name} is on the hook's path`);
  }
  assert.equal([...cli.external, ...hook.external].filter((name) => !name.startsWith('node:')), []);
});

test('a push of main does not load the signing-event checks', () => {
  const main = reachable(path.join(dist, 'hooks', 'pre-push.js'), false);
  assert.ok(main.modules.has(path.join(dist, 'hooks', 'main-check.js')));
  for (const name of ['event/check-event.js', 'status.js', 'hooks/branch-push.js']) assert.not.ok(main.modules.has(path.join(dist, name)), name);
});

test.run();
