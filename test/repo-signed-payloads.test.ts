/**
 * Large files' signed bytes read off on another thread (repo/signed-payloads.ts) are exactly the
 * canonical JSON of their `signed`, and a file that is not canonical but for whitespace falls
 * back to encoding the parsed document.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSignedPayloads } from '../git-tuf/repo/signed-payloads.js';
import { canonicalJson } from '../git-tuf/tuf/canonical.js';
import { formatMetadata } from '../git-tuf/tuf/json.js';
import { parseMetadata } from '../git-tuf/tuf/metadata.js';
import { provideSignedPayload, READ_OFF_FROM, signedPayload } from '../git-tuf/tuf/verify.js';

/**
 * A targets file of at least READ_OFF_FROM bytes in the layout git tuf and tuf-on-ci write. ASCII
 * only: that layout escapes anything else as \uXXXX, which reading off the text does not take.
 */
function largeTargets(version: number): { bytes: Buffer; signed: Record<string, unknown> } {
  const targets: Record<string, unknown> = {};
  for (let i = 0; i < 40000; i++) targets[`dir${i % 97}/file ${i}.txt`] = { hashes: { sha256: (i % 16).toString(16).repeat(64) }, length: i };
  const signed = { _type: 'targets', expires: '2030-01-01T00:00:00Z', spec_version: '1.0.31', targets, version, x_note: 'quote " and backslash \\ kept' };
  const bytes = formatMetadata({ signatures: [], signed });
  assert.ok(bytes.length >= READ_OFF_FROM, `${bytes.length} bytes`);
  return { bytes, signed };
}

test('the thread reads off exactly the canonical bytes of each large file', async () => {
  const files = [largeTargets(1), largeTargets(2)];
  const metadata = files.map(({ bytes }, index) => parseMetadata(bytes, 'metadata/targets.json', 'targets', `blob-${index}`));
  await (await startSignedPayloads(metadata.map((file) => ({ bytes: file.bytes, type: 'targets', blobId: file.blobId! })))).done;
  files.forEach(({ signed, bytes }, index) => {
    const payload = signedPayload(metadata[index]!)();
    assert.ok(payload.equals(canonicalJson(signed)), `file ${index}`);
    // The thread's answer, given for these bytes: a second parse of them gets the same buffer,
    // where working them out again would make a new one.
    assert.is(signedPayload(parseMetadata(bytes, 'metadata/targets.json', 'targets'))(), payload, `file ${index} came from the thread`);
  });
});

test('a large file that is not canonical but for whitespace is encoded from its parsed document', async () => {
  const { signed } = largeTargets(3);
  // Keys out of order: reading off the text cannot give canonical bytes.
  const text = JSON.stringify({ signed: { version: 3, ...signed }, signatures: [] }, null, 1);
  const file = parseMetadata(Buffer.from(text), 'metadata/targets.json', 'targets', 'blob-unsorted');
  await (await startSignedPayloads([{ bytes: file.bytes, type: 'targets', blobId: 'blob-unsorted' }])).done;
  assert.ok(signedPayload(file)().equals(canonicalJson(signed)));
});

test('checks take a payload given for the file bytes, and only for those bytes', () => {
  const { bytes } = largeTargets(4);
  const file = parseMetadata(bytes, 'metadata/targets.json', 'targets');
  const given = Buffer.from('given');
  provideSignedPayload(bytes, given);
  assert.is(signedPayload(file)(), given);
  const copy = parseMetadata(Buffer.from(bytes), 'metadata/targets.json', 'targets');
  assert.ok(signedPayload(copy)().equals(canonicalJson(copy.signed)), 'equal bytes in another buffer are not those bytes');
});

test.run();
