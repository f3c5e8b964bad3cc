#!/usr/bin/env node
// The node entry point, which the `git-tuf` shim beside it starts (git finds `git-tuf` on PATH).
// `npm run build` bundles the program into dist/cli/git-tuf.cjs (scripts/bundle.mjs).
//
// The bundle is compiled with a V8 code cache kept per user, so that each run skips most of the
// parsing and compiling. The cache is named by the sha256 of the bundle and node's version: a
// changed bundle or another node never meets an old cache, and V8 itself rejects a cache that
// does not fit, compiling from source as usual. Cached code is only a speed-up: whoever can
// write the user's cache directory can already change what runs as that user. A cache that is
// missing or rejected is written after the run (the newest few are kept); none is written with
// GIT_TUF_NO_CODE_CACHE set.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

/** Caches kept: one per bundle and node version, so a few for the versions in use. */
const KEEP_CACHES = 4;

const bundle = fileURLToPath(new URL('../dist/cli/git-tuf.cjs', import.meta.url));
let source;
try {
  source = readFileSync(bundle, 'utf8');
} catch {
  process.stderr.write(`git tuf: ${bundle} is missing (build it: npm run build)\n`);
  process.exit(3);
}
const cacheFile = codeCacheFile();
let cached;
if (cacheFile) {
  try {
    cached = readFileSync(cacheFile);
  } catch {
    // no cache yet
  }
}
const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData: cached });
const module = { exports: {} };
script.runInThisContext().call(module.exports, module.exports, createRequire(bundle), module, bundle, path.dirname(bundle));
process.exitCode = await module.exports.main(process.argv.slice(2));
if (cacheFile && (cached === undefined || script.cachedDataRejected)) saveCodeCache(cacheFile, script.createCachedData());

function codeCacheFile() {
  if (process.env.GIT_TUF_NO_CODE_CACHE) return null;
  let base = process.env.XDG_CACHE_HOME;
  if (!base) {
    try {
      base = path.join(os.homedir(), '.cache');
    } catch {
      return null; // no home directory: no cache
    }
  }
  if (!path.isAbsolute(base)) return null;
  const key = createHash('sha256').update(source).update(`\0${process.version}\0${process.arch}`).digest('hex').slice(0, 32);
  return path.join(base, 'git-tuf', `code-${key}.bin`);
}

function saveCodeCache(file, data) {
  try {
    const dir = path.dirname(file);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}`;
    writeFileSync(temporary, data, { mode: 0o600 });
    renameSync(temporary, file);
    // Those of earlier bundles (upgrades, rebuilds) go, the least recently written first.
    const caches = readdirSync(dir).filter((name) => /^code-[0-9a-f]{32}\.bin$/.test(name)).map((name) => ({ name, written: statSync(path.join(dir, name)).mtimeMs }));
    caches.sort((a, b) => b.written - a.written);
    for (const { name } of caches.slice(KEEP_CACHES)) rmSync(path.join(dir, name), { force: true });
  } catch {
    // A cache that cannot be written is only a lost speed-up.
  }
}
