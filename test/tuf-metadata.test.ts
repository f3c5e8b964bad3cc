import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GitTufError } from '../git-tuf/errors.js';
import { expiresAfter, formatExpires, parseExpires } from '../git-tuf/tuf/expires.js';
import { parseMetadata, roleNameProblem, targetPathProblem } from '../git-tuf/tuf/metadata.js';
import { formatMetadata } from '../git-tuf/tuf/json.js';

const targets = (signed: Record<string, unknown> = {}, signatures: unknown = []): Buffer =>
  formatMetadata({
    signatures,
    signed: { _type: 'targets', expires: '2030-01-01T00:00:00Z', spec_version: '1.0.31', targets: {}, version: 3, ...signed },
  });

function rejects(bytes: Buffer | string, pattern: RegExp, type: 'targets' | 'root' | 'timestamp' = 'targets'): void {
  try {
    parseMetadata(Buffer.from(bytes), 'metadata/x.json', type);
  } catch (error) {
    assert.instance(error, GitTufError);
    assert.is((error as GitTufError).code, 'format');
    assert.match((error as Error).message, /^metadata\/x\.json: /);
    assert.match((error as Error).message, pattern);
    return;
  }
  assert.unreachable(`accepted: ${pattern}`);
}

test('a valid targets file parses, keeping unknown fields and the signatures order', () => {
  const bytes = targets({ 'x-custom': { b: 1, a: [3, 2] } }, [{ keyid: 'bb', sig: '' }, { keyid: 'aa', sig: '00ff' }]);
  const metadata = parseMetadata(bytes, 'metadata/targets.json', 'targets');
  assert.is(metadata.signed.version, 3);
  assert.equal(metadata.signatures.map((entry) => entry.keyid), ['bb', 'aa']);
  assert.equal((metadata.signed as unknown as Record<string, unknown>)['x-custom'], { b: 1, a: [3, 2] });
  assert.ok(formatMetadata(metadata.document).equals(bytes), 'round trip is byte-exact');
  assert.is(metadata.expires.toISOString(), '2030-01-01T00:00:00.000Z');
});

test('wrong types and values are rejected with the field named', () => {
  rejects(targets({ version: '1' }), /signed\.version must be an integer, not the string "1"/);
  rejects(targets({ version: 0 }), /signed\.version must be at least 1/);
  rejects(targets({ spec_version: '2.0.0' }), /not a 1\.x specification version/);
  rejects(targets({ _type: 'snapshot' }), /"snapshot" where "targets" was expected/);
  rejects(targets({ targets: [] }), /signed\.targets must be an object/);
  rejects(targets({ targets: { a: { length: -1, hashes: { sha256: 'ab' } } } }), /length must be at least 0/);
  rejects(targets({ targets: { a: { length: 1, hashes: {} } } }), /lists no hash/);
  rejects(targets({}, [{ keyid: 'aa', sig: 'zz' }]), /sig must be hex/);
  rejects(targets({}, [{ keyid: 'aa', sig: '' }, { keyid: 'aa', sig: '' }]), /two entries for key aa/);
  rejects(targets({ 'x-tuf-on-ci-expiry-period': 0 }), /expiry-period must be at least 1/);
});

test('floats, truncation and non-JSON are rejected, never half-read', () => {
  rejects(targets().toString().replace('"version": 3', '"version": 3.0'), /integer|3\.0/);
  rejects(targets().toString().replace('"version": 3', '"version": 1.5'), /1\.5/);
  rejects(targets().subarray(0, 40), /JSON/);
  rejects('hello', /JSON/);
  rejects('[]', /must be an object/);
});

test('an unparseable expires is an error, not "never expires"', () => {
  rejects(targets({ expires: 'next year' }), /signed\.expires "next year" is not a date/);
  rejects(targets({ expires: '2030-02-31T00:00:00Z' }), /is not a date/);
  rejects(targets({ expires: '' }), /is not a date/);
});

test('delegations: names that escape metadata/, duplicates, paths and prefixes together', () => {
  const role = (name: string, extra: Record<string, unknown> = {}) => ({ keyids: [], name, paths: ['a/*'], terminating: true, threshold: 1, ...extra });
  const delegations = (...roles: unknown[]) => ({ delegations: { keys: {}, roles } });
  rejects(targets(delegations(role('../evil'))), /not a usable role name/);
  rejects(targets(delegations(role('snapshot'))), /top-level role name/);
  rejects(targets(delegations(role('a'), role('a'))), /delegates "a" twice/);
  rejects(targets(delegations(role('a', { path_hash_prefixes: ['ab'] }))), /both paths and path_hash_prefixes/);
  rejects(targets(delegations(role('a', { threshold: 0 }))), /threshold must be at least 1/);
  rejects(targets(delegations(role('a', { terminating: 'yes' }))), /terminating must be true or false/);
  const ok = parseMetadata(targets(delegations(role('registry.npmjs.org'))), 'metadata/targets.json', 'targets');
  assert.is(ok.signed.delegations?.roles[0]?.name, 'registry.npmjs.org');
});

test('root must define the four top-level roles and nothing else', () => {
  const root = (roles: Record<string, unknown>) =>
    formatMetadata({ signatures: [], signed: { _type: 'root', expires: '2030-01-01T00:00:00Z', keys: {}, roles, spec_version: '1.0', version: 1 } });
  const role = { keyids: [], threshold: 1 };
  rejects(root({ root: role, targets: role, snapshot: role }), /has no "timestamp" role/, 'root');
  rejects(root({ root: role, targets: role, snapshot: role, timestamp: role, mirror: role }), /unknown role "mirror"/, 'root');
  rejects(root({ root: { keyids: ['a', 'a'], threshold: 1 }, targets: role, snapshot: role, timestamp: role }), /lists a value twice/, 'root');
});

test('timestamp lists exactly snapshot.json', () => {
  const timestamp = (meta: Record<string, unknown>) =>
    formatMetadata({ signatures: [], signed: { _type: 'timestamp', expires: '2030-01-01T00:00:00Z', meta, spec_version: '1.0', version: 1 } });
  rejects(timestamp({}), /exactly snapshot\.json/, 'timestamp');
  rejects(timestamp({ 'snapshot.json': { version: 1 }, 'targets.json': { version: 1 } }), /exactly snapshot\.json/, 'timestamp');
});

test('expires: the written form, and older real-world forms', () => {
  assert.is(parseExpires('2026-08-28T19:23:59Z')?.toISOString(), '2026-08-28T19:23:59.000Z');
  assert.is(parseExpires('2026-08-28T19:23:59.123456Z')?.toISOString(), '2026-08-28T19:23:59.123Z');
  assert.is(parseExpires('2026-08-28T21:23:59+02:00')?.toISOString(), '2026-08-28T19:23:59.000Z');
  for (const bad of ['2026-08-28', '2026-08-28 19:23:59Z', '2026-13-01T00:00:00Z', '2026-08-28T25:00:00Z', 'tomorrow']) {
    assert.is(parseExpires(bad), null, bad);
  }
  assert.is(formatExpires(new Date('2026-08-28T19:23:59.999Z')), '2026-08-28T19:23:59Z');
});

test('expiresAfter: now plus whole days, written without milliseconds', () => {
  assert.is(expiresAfter(new Date('2026-12-01T10:20:30.999Z'), 7), '2026-12-08T10:20:30Z');
  assert.is(expiresAfter(new Date('2026-02-27T00:00:00Z'), 2), '2026-03-01T00:00:00Z');
});

test('target paths and role names that would escape their directory', () => {
  for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a//b', './a', 'a\\b', '', 'a/', '.', '..', 'a/.', 'a/..', 'x\0y', '/']) assert.ok(targetPathProblem(bad), bad);
  for (const good of ['a', 'a/b/c.txt', '.hidden', 'a/.b', 'é/ü', '...', 'a/..b', '.a./b.', 'a/b..']) assert.is(targetPathProblem(good), null, good);
  for (const bad of ['', '.', '..', 'a/b', '.hidden', 'root', 'targets']) assert.ok(roleNameProblem(bad), bad);
  assert.is(roleNameProblem('registry.npmjs.org'), null);
});

test.run();
