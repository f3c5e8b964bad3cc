import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DownloadHTTPError, DownloadLengthMismatchError } from 'tuf-js/dist/error.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalFetcher } from '../git-tuf/publish/fetcher.js';
import { serveDirectory } from '../git-tuf/publish/serve.js';
import { tempDir } from './helpers/git.js';

/** A fetcher on a served directory holding `short.txt` and a 3 MB `large.bin` (streamed by the server). */
async function served<T>(use: (fetcher: LocalFetcher, url: string) => Promise<T>): Promise<T> {
  const site = tempDir('fetcher-site');
  writeFileSync(path.join(site, 'short.txt'), 'short');
  writeFileSync(path.join(site, 'large.bin'), Buffer.alloc(3 << 20, 7));
  const server = await serveDirectory(site);
  const fetcher = new LocalFetcher(tempDir('fetcher-files'), 2);
  try {
    return await use(fetcher, server.url);
  } finally {
    fetcher.close();
    await server.close();
  }
}

test('downloads hand tuf-js\'s handler the whole file, inside and outside into(), small and large, one after another in the same file', async () => {
  await served(async (fetcher, url) => {
    const read = (file: string): Promise<Buffer> => Promise.resolve(readFileSync(file));
    const [large, short] = await Promise.all([fetcher.downloadFile(`${url}/large.bin`, 3 << 20, read), fetcher.downloadFile(`${url}/short.txt`, 5, read)]);
    assert.is(large.length, 3 << 20);
    assert.is(short.toString(), 'short');
    const file = path.join(tempDir('fetcher-into'), 'download');
    assert.is((await fetcher.into(file, () => fetcher.downloadFile(`${url}/large.bin`, 3 << 20, read))).length, 3 << 20);
    assert.is((await fetcher.into(file, () => fetcher.downloadFile(`${url}/short.txt`, 5, async (given) => (assert.is(given, file), read(given))))).toString(), 'short', 'the shorter download is cut to its length');
    assert.is((await fetcher.downloadBytes(`${url}/short.txt`, 5)).toString(), 'short');
  });
});

test('more bytes than the caller allows fail with tuf-js\'s length error; a missing file with its HTTP error (status kept)', async () => {
  await served(async (fetcher, url) => {
    for (const download of [() => fetcher.downloadBytes(`${url}/short.txt`, 4), () => fetcher.downloadFile(`${url}/large.bin`, (3 << 20) - 1, async () => 'handled')]) {
      const error = await download().then(() => null, (caught: unknown) => caught);
      assert.instance(error, DownloadLengthMismatchError);
    }
    const missing = await fetcher.downloadBytes(`${url}/2.root.json`, 100).then(() => null, (caught: unknown) => caught);
    assert.instance(missing, DownloadHTTPError);
    assert.is((missing as DownloadHTTPError).statusCode, 404);
    assert.is((await fetcher.downloadBytes(`${url}/short.txt`, 5)).toString(), 'short', 'the fetcher still works afterwards');
  });
});

test.run();
