/**
 * Proof that a build works for real clients: `tuf-js` fetches it over HTTP from 127.0.0.1,
 * starting from each trusted root given (1.root.json, the previously published root), and
 * downloads every artifact; when a `trusted_root.json` artifact is present, `@sigstore/tuf` also
 * loads the trusted root as a Sigstore client does. Clients check expiry at the real time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { GitTufError } from '../errors.js';
import { LocalFetcher } from './fetcher.js';
import { serveDirectory } from './serve.js';

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
}

/** Downloads at once: enough to keep the server thread and this one busy. */
const DOWNLOADS_IN_FLIGHT = 16;

function rejected(client: string, from: string, error: unknown): GitTufError {
  const message = error instanceof Error ? error.message : String(error);
  return new GitTufError('format', `${client} rejects the build (trusting ${from}): ${message}`, {
    hint: 'nothing was published; check git tuf status main',
    cause: error,
  });
}

async function checkWithTufJs(url: string, start: TrustedStart, targets: string[], cache: string, download: boolean): Promise<ClientCheck> {
  const { Updater } = await import('tuf-js');
  mkdirSync(path.join(cache, 'targets'), { recursive: true });
  writeFileSync(path.join(cache, 'root.json'), start.bytes);
  const fetcher = new LocalFetcher(path.join(cache, 'downloads'), DOWNLOADS_IN_FLIGHT);
  // tuf-js's default config: a client with defaults must accept what is published.
  const updater = new Updater({ metadataDir: cache, metadataBaseUrl: url, targetBaseUrl: `${url}/targets`, targetDir: path.join(cache, 'targets'), fetcher });
  let downloaded = 0;
  try {
    await updater.refresh();
    if (download) {
      // Lookups walk the delegations and load roles: one at a time. Downloads are independent.
      const infos: NonNullable<Awaited<ReturnType<typeof updater.getTargetInfo>>>[] = [];
      for (const target of targets) {
        const info = await updater.getTargetInfo(target);
        if (!info) throw new Error(`no role lists ${target}`);
        infos.push(info);
      }
      let next = 0;
      // Each worker's downloads land in one file, each overwriting the last once tuf-js has
      // verified it: a verified copy is not needed afterwards.
      const worker = async (slot: number): Promise<void> => {
        const file = path.join(cache, 'targets', String(slot));
        while (next < infos.length) {
          const info = infos[next++]!;
          await fetcher.into(file, () => updater.downloadTarget(info, file));
          downloaded++;
        }
      };
      await Promise.all(Array.from({ length: DOWNLOADS_IN_FLIGHT }, (_, slot) => worker(slot)));
    }
  } catch (error) {
    throw rejected('tuf-js', start.label, error);
  } finally {
    fetcher.close();
  }
  return { client: 'tuf-js', from: start.label, downloaded };
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
      checks.push(await checkWithTufJs(server.url, start, options.targets, path.join(options.scratch, `tuf-js-${index}`), index === 0));
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
