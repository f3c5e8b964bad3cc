// Bundles the compiled program (dist/git-tuf, from tsc) for the `git tuf` binary:
//   dist/cli/git-tuf.cjs    every command in one CommonJS file, which bin/git-tuf.js compiles with
//                           a V8 code cache: node then neither loads dozens of ES modules nor
//                           parses and compiles most of the code again on every run (together
//                           about 35 ms of each command's start-up);
//   dist/cli/hash-worker.js, signed-payloads-thread.js, serve.js, tuf-js-client.js: what runs in
//                           worker threads (hashing, reading off signed bytes, publish's local
//                           server and its tuf-js clients).
// Packages in node_modules stay requires, loaded only when a command needs them. Tests and
// scripts import dist/git-tuf directly.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const compiled = path.join(root, 'dist', 'git-tuf');
const out = path.join(root, 'dist', 'cli');
rmSync(out, { recursive: true, force: true });
const common = { bundle: true, platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning' };

await Promise.all([
  build({
    ...common,
    entryPoints: [path.join(compiled, 'cli', 'main.js')],
    outfile: path.join(out, 'git-tuf.cjs'),
    format: 'cjs',
    // A script compiled with vm.Script has no loader for import(): make them requires (every
    // package we load lazily is CommonJS).
    supported: { 'dynamic-import': false },
    // The code finds files beside it: package-files.ts, and the worker threads' entry files.
    define: { 'import.meta.url': '__gitTufModuleUrl' },
    banner: { js: "const __gitTufModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  }),
  // The code run in worker threads, which the program starts by file name (new URL('./<name>.js',
  // import.meta.url) finds them beside it, here as in dist/git-tuf).
  build({
    ...common,
    entryPoints: ['git/hash-worker.js', 'repo/signed-payloads-thread.js', 'publish/serve.js', 'publish/tuf-js-client.js'].map((file) => path.join(compiled, file)),
    outdir: out,
    entryNames: '[name]',
    format: 'esm',
  }),
]);
