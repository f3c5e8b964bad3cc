/**
 * Proof that a build works for real clients: `tuf-js` fetches it over HTTP from 127.0.0.1,
 * starting from each trusted root given (1.root.json, the previously published root), and
 * downloads every artifact; when a `trusted_root.json` artifact is present, `@sigstore/tuf` also
 * loads the trusted root as a Sigstore client does. Clients check expiry at the real time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { GitTufError } from '../errors.js';
import { serveDirectory } from './serve.js';
import { runTufJs, runTufJsInThread, type ClientJob } from './tuf-js-client.js';

export interface TrustedStart {
  /** e.g. `1.root.json`, `the published 3.root.json` */
  label: string;
  bytes: Buffer;
}

export interface ClientCheck {
  client: 'tuf-js' | '@sigstore/tuf';
  from: string;
  /** Artifacts downloaded and verified. */
  downloaded: number;
}

export interface VerifyOptions {
  /** The first one downloads every artifact; the others refresh the metadata. */
  starts: TrustedStart[];
  targets: string[];
  /** A scratch directory for the clients' caches (removed afterwards). */
  scratch: string;
  /** tuf-js clients sharing the downloads (default: one per TARGETS_PER_CLIENT, one per core at most). */
  clients?: number;
}

/**
 * Artifacts per client. A larger build is shared among several clients, one per core at most,
 * each in its own thread: tuf-js spends most of its time on the CPU (parsing and verifying
 * metadata, hashing), so one client leaves the other cores idle.
 */
const TARGETS_PER_CLIENT = 1000;

function rejected(client: string, from: string, error: unknown): GitTufError {
  const message = error instanceof Error ? error.message : String(error);
  return new GitTufError('format', `${client} rejects the build (trusting ${from}): ${message}`, {
    hint: 'nothing was published; check git tuf status main',
    cause: error,
  });
}

/**
 * Every target downloaded by a tuf-js client that trusts `start`, each client taking one slice.
 * The targets come in role order, so a slice makes its client load only a few of the roles.
 */
async function checkWithTufJs(url: string, start: TrustedStart, targets: string[], cache: string, clients: number): Promise<ClientCheck> {
  const size = Math.ceil(targets.length / clients);
  const jobs: ClientJob[] = Array.from({ length: clients }, (_, index) => ({ url, root: start.bytes, targets: targets.slice(index * size, (index + 1) * size), cache: path.join(cache, String(index)) }));
  const threads = jobs.slice(1).map((job) => runTufJsInThread(job));
  try {
    const downloaded = await Promise.all([runTufJs(jobs[0]!), ...threads.map((thread) => thread.done)]);
    return { client: 'tuf-js', from: start.label, downloaded: downloaded.reduce((sum, count) => sum + count, 0) };
  } catch (error) {
    throw rejected('tuf-js', start.label, error);
  } finally {
    await Promise.all(threads.map((thread) => thread.stop()));
  }
}

async function checkWithSigstore(url: string, start: TrustedStart, cache: string): Promise<ClientCheck> {
  const { getTrustedRoot } = await import('@sigstore/tuf');
  const rootPath = path.join(cache, 'start.root.json');
  mkdirSync(cache, { recursive: true });
  writeFileSync(rootPath, start.bytes);
  try {
    await getTrustedRoot({ mirrorURL: url, rootPath, cachePath: path.join(cache, 'cache'), forceInit: true, forceCache: false, retry: false });
  } catch (error) {
    throw rejected('@sigstore/tuf', start.label, error);
  }
  return { client: '@sigstore/tuf', from: start.label, downloaded: 1 };
}

export async function verifyWithClients(dir: string, options: VerifyOptions): Promise<ClientCheck[]> {
  const server = await serveDirectory(dir);
  const checks: ClientCheck[] = [];
  try {
    for (const [index, start] of options.starts.entries()) {
      const targets = index === 0 ? options.targets : [];
      const clients = targets.length === 0 ? 1 : (options.clients ?? Math.max(1, Math.min(availableParallelism(), Math.ceil(targets.length / TARGETS_PER_CLIENT))));
      checks.push(await checkWithTufJs(server.url, start, targets, path.join(options.scratch, `tuf-js-${index}`), clients));
    }
    if (options.targets.includes('trusted_root.json')) {
      for (const [index, start] of options.starts.entries()) checks.push(await checkWithSigstore(server.url, start, path.join(options.scratch, `sigstore-${index}`)));
    }
  } finally {
    await server.close();
    await rm(options.scratch, { recursive: true, force: true });
  }
  return checks;
}
