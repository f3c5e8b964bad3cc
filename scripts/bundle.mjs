// Bundles the compiled command-line program (dist/git-tuf, from tsc) into dist/cli: node loads a
// few chunks instead of dozens of modules, which at start-up is about 15-20 ms of every command.
// Commands stay separate chunks, loaded only when run; packages in node_modules stay imports.
// Tests and scripts use dist/git-tuf directly; the `git tuf` binary runs dist/cli/main.js.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const compiled = path.join(root, 'dist', 'git-tuf');

await build({
  // The hash worker is started by file name (new URL('./hash-worker.js', import.meta.url)).
  entryPoints: { main: path.join(compiled, 'cli', 'main.js'), 'hash-worker': path.join(compiled, 'git', 'hash-worker.js') },
  outdir: path.join(root, 'dist', 'cli'),
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
