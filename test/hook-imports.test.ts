// The hook's fast path: every module `git tuf hook` loads statically is our own code or a node
// builtin — no tuf-js, KMS, PKCS#11 or yargs (lazy `import()` on other paths is allowed).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { projectRoot } from './helpers/cli.js';

function staticImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/^\s*(?:import|export)\s[^'";]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)].map((match) => (match[1] ?? match[2])!);
}

test('git tuf hook imports only git tuf modules and node builtins', () => {
  const entry = path.join(projectRoot, 'dist', 'git-tuf', 'cli', 'main.js');
  const hook = path.join(projectRoot, 'dist', 'git-tuf', 'commands', 'hook.js');
  const seen = new Set<string>();
  const external = new Set<string>();
  const queue = [entry, hook];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of staticImports(file)) {
      if (specifier.startsWith('.')) queue.push(path.resolve(path.dirname(file), specifier));
      else external.add(specifier);
    }
  }
  assert.ok(seen.size > 20, `followed ${seen.size} modules`);
  assert.ok(seen.has(path.join(projectRoot, 'dist', 'git-tuf', 'hooks', 'pre-push.js')));
  assert.equal([...external].filter((name) => !name.startsWith('node:')), []);
});

test.run();
