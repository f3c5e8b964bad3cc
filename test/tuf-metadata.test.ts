import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GitTufError } from '../git-tuf/errors.js';
import { expiresAfter, formatExpires, parseExpires } from '../git-tuf/tuf/expires.js';
import { parseMetadata, provenWellFormed, roleNameProblem, targetPathProblem } from '../git-tuf/tuf/metadata.js';
import { useFactMemo } from '../git-tuf/tuf/memo.js';
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

/** Runs `action` with a fact memo of its own, as a run with the store of a clone would. */
function withMemo<T>(action: () => T): T {
  const facts = new Set<string>();
  useFactMemo({ has: (fact) => facts.has(fact), add: (fact) => void facts.add(fact) });
  try {
    return action();
  } finally {
    useFactMemo(null);
  }
}

const entry = (i: number): Record<string, unknown> => ({ hashes: { sha256: i.toString(16).padStart(64, '0') }, length: i });
const manyTargets = (count: number): Record<string, unknown> => Object.fromEntries(Array.from({ length: count }, (_, i) => [`dir${i % 4}/file${i}.txt`, entry(i)]));

/** Whether parseMetadata's full check accepts the bytes. */
function fullyWellFormed(bytes: Buffer): boolean {
  try {
    parseMetadata(bytes, 'metadata/targets.json', 'targets');
    return true;
  } catch {
    return false;
  }
}

test('a targets file that differs from a well-formed one in some entries is proven well-formed by checking those', () => {
  withMemo(() => {
    const basis = targets({ targets: manyTargets(40) });
    parseMetadata(basis, 'metadata/targets.json', 'targets', 'basis');
    const changed = manyTargets(40);
    changed['dir1/file5.txt'] = entry(999);
    changed['new/file.txt'] = { ...entry(7), custom: { note: 'x' } };
    delete changed['dir2/file6.txt'];
    assert.ok(provenWellFormed(targets({ targets: changed, version: 4 }), 'metadata/targets.json', basis, 'basis'));
    assert.ok(provenWellFormed(targets({ targets: manyTargets(40) }, [{ keyid: 'aa', sig: '00' }]), 'metadata/targets.json', basis, 'basis'), 'only the signatures differ');
    // Laid out otherwise, every entry differs and is checked: proven, with no gain.
    assert.ok(provenWellFormed(Buffer.from(JSON.stringify(JSON.parse(targets({ targets: changed }).toString()), null, 4)), 'metadata/targets.json', basis, 'basis'));
  });
});

test('nothing malformed is proven: not in the entries that differ, not elsewhere in the file', () => {
  withMemo(() => {
    const basis = targets({ targets: manyTargets(40) });
    parseMetadata(basis, 'metadata/targets.json', 'targets', 'basis');
    const text = basis.toString();
    const malformed: [string, string][] = [
      ['a length as a string', text.replace('"length": 9\n', '"length": "9"\n')],
      ['a negative length', text.replace('"length": 9\n', '"length": -9\n')],
      ['a float length', text.replace('"length": 9\n', '"length": 9.5\n')],
      ['upper-case hex', text.replace('"sha256": "0000000000000000000000000000000000000000000000000000000000000009"', '"sha256": "000000000000000000000000000000000000000000000000000000000000000A"')],
      ['a truncated entry', text.replace('"length": 9\n', '"length": \n')],
      ['a version as a string', text.replace('"version": 3', '"version": "4"')],
      ['an unreadable expiry', text.replace('2030-01-01T00:00:00Z', 'next year')],
      ['a float in the header', text.replace('"version": 3', '"version": 3, "x-n": 1.5')],
      ['a repeated signature key', targets({ targets: manyTargets(40) }, [{ keyid: 'aa', sig: '' }, { keyid: 'aa', sig: '' }]).toString()],
    ];
    for (const [what, bytes] of malformed) {
      assert.not.ok(fullyWellFormed(Buffer.from(bytes)), `${what}: malformed`);
      assert.not.ok(provenWellFormed(Buffer.from(bytes), 'metadata/targets.json', basis, 'basis'), `${what}: not proven`);
    }
  });
});

test('a basis that repeats a path proves nothing: the entry it hid could come back', () => {
  withMemo(() => {
    // The first "a.txt" is malformed and hidden by the second, so the file is well-formed…
    const good = targets({ targets: { 'a.txt': entry(1), 'b.txt': entry(2) } }).toString();
    const basis = Buffer.from(good.replace('"a.txt": {', '"a.txt": {"length": "bad"},\n   "a.txt": {'));
    assert.ok(fullyWellFormed(basis));
    parseMetadata(basis, 'metadata/targets.json', 'targets', 'basis');
    // … until the good one is removed, and the bad one is what a client would read.
    const event = Buffer.from(basis.toString().replace(/,\n {3}"a\.txt": \{\n[^]*?\n {3}\}/, ''));
    assert.not.ok(fullyWellFormed(event));
    assert.not.ok(provenWellFormed(event, 'metadata/targets.json', basis, 'basis'));
  });
});

test('a basis not known well-formed, or known without its count of paths, proves nothing', () => {
  const basis = targets({ targets: manyTargets(10) });
  const event = targets({ targets: manyTargets(11) });
  withMemo(() => assert.not.ok(provenWellFormed(event, 'metadata/targets.json', basis, 'basis'), 'not known'));
  const facts = new Set(['well-formed\0targets\0basis']);
  useFactMemo({ has: (fact) => facts.has(fact), add: () => {} });
  try {
    assert.not.ok(provenWellFormed(event, 'metadata/targets.json', basis, 'basis'), 'known well-formed, but not how many paths it lists');
  } finally {
    useFactMemo(null);
  }
});

test('random damage to a file is never proven well-formed when a full check refuses it', () => {
  let seed = 3;
  const next = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  withMemo(() => {
    const basis = targets({ targets: manyTargets(30), delegations: { keys: {}, roles: [] } });
    parseMetadata(basis, 'metadata/targets.json', 'targets', 'basis');
    const alphabet = '"{}[],:0123456789.-e \n\\atfnu';
    let refused = 0;
    let proven = 0;
    for (let round = 0; round < 3000; round++) {
      const bytes = Buffer.from(basis);
      for (let edits = 1 + Math.floor(next() * 3); edits > 0; edits--) bytes[Math.floor(next() * bytes.length)] = alphabet.charCodeAt(Math.floor(next() * alphabet.length));
      const full = fullyWellFormed(bytes);
      if (!full) refused++;
      if (!provenWellFormed(bytes, 'metadata/targets.json', basis, 'basis')) continue;
      proven++;
      assert.ok(full, `round ${round}: proven, but a full check refuses:\n${bytes.toString()}`);
    }
    assert.ok(refused > 1000 && proven > 100, `both kinds of damage occur (${refused} of 3000 refused, ${proven} proven)`);
  });
});

test.run();
