/**
 * Checks of one role's metadata: signatures against the authorities that must have signed it,
 * expiry and signing period. Pure: takes parsed metadata, returns statuses and problems.
 */
import { DAY_MS, formatExpires } from '../tuf/expires.js';
import { rolePeriods, type Metadata, type RootSigned, type TargetsSigned } from '../tuf/metadata.js';
import { checkSignatures, signedPayload, foreignSignatures, KeyRing, keyLabel, type Authority } from '../tuf/verify.js';
import { problem, sortProblems, type Problem, type RoleStatus, type SignerSet } from './report.js';

const rings = new WeakMap<object, KeyRing>();

/** One KeyRing per key dictionary, so each key is parsed once per run. */
export function keyRing(keys: Record<string, Record<string, unknown>>): KeyRing {
  let ring = rings.get(keys);
  if (!ring) {
    ring = new KeyRing(keys);
    rings.set(keys, ring);
  }
  return ring;
}

export function rootAuthority(root: Metadata<RootSigned>, role: 'root' | 'targets' | 'snapshot' | 'timestamp', label: string): Authority {
  return { label, role: root.signed.roles[role], ring: keyRing(root.signed.keys) };
}

/** The authority a delegated role answers to, or undefined when `delegator` does not delegate it. */
export function delegatedAuthority(delegator: string, delegatorSigned: TargetsSigned, role: string): Authority | undefined {
  const delegation = delegatorSigned.delegations?.roles.find((entry) => entry.name === role);
  if (!delegation || !delegatorSigned.delegations) return undefined;
  return { label: delegator, role: delegation, ring: keyRing(delegatorSigned.delegations.keys) };
}

export interface SignatureOutcome {
  signers: SignerSet[];
  met: boolean;
  problems: Problem[];
  /** Role keyids that are not the hash of their key (accepted, but reported). */
  keyidMismatches: string[];
}

/**
 * Verifies `metadata` against every authority (root needs the previous root's and its own).
 * Reports tampered signatures, signatures by keys that are no signer, unusable keys and keyid
 * mismatches; leaves the meaning of an unmet threshold to the caller.
 */
export function verifySignatures(role: string, metadata: Metadata, authorities: Authority[]): SignatureOutcome {
  const payload = signedPayload(metadata);
  const where = { role, file: metadata.file };
  const problems: Problem[] = [];
  const signers: SignerSet[] = [];
  const reportedInvalid = new Set<string>();
  const keyidMismatches = new Set<string>();
  for (const authority of authorities) {
    const report = checkSignatures(metadata, authority, payload);
    for (const key of report.invalid) {
      if (reportedInvalid.has(key.keyid)) continue;
      reportedInvalid.add(key.keyid);
      problems.push(
        problem('error', `the signature by ${keyLabel(key)} on ${metadata.file} does not verify`, {
          ...where,
          hint: 'the file changed after it was signed: reset the signature and sign again',
        }),
      );
    }
    for (const unusable of report.unusable) {
      problems.push(problem('error', `${role}: ${unusable.reason}`, { ...where, hint: `fix the key in the ${authority.label} metadata` }));
    }
    for (const keyid of authority.ring.keyidMismatches(authority.role.keyids)) keyidMismatches.add(keyid);
    for (const key of report.repeated) {
      problems.push(
        problem('warning', `${metadata.file}: the signature under keyid ${key.keyid.slice(0, 8)} is by a key that already signed under another keyid; a key counts once`, {
          ...where,
          hint: `list each key once in ${authority.label}`,
        }),
      );
    }
    signers.push({
      authority: authority.label,
      threshold: report.threshold,
      signed: report.signed.map(keyLabel),
      missing: report.missing.map(keyLabel),
      met: report.met,
    });
  }
  for (const keyid of foreignSignatures(metadata, authorities)) {
    problems.push(
      problem('error', `${metadata.file} carries a signature by key ${keyid.slice(0, 8)}, which is not a signer of ${role}`, {
        ...where,
        hint: 'remove that signature; only the role\'s own keys may sign it',
      }),
    );
  }
  return { signers, met: signers.every((set) => set.met), problems: sortProblems(problems), keyidMismatches: [...keyidMismatches] };
}

export function keyidMismatchWarning(role: string, file: string, keyids: string[], where: string): Problem {
  const names = keyids.map((keyid) => keyid.slice(0, 8)).join(', ');
  return problem('warning', `${where}: key${keyids.length === 1 ? '' : 's'} ${names} ${keyids.length === 1 ? 'is' : 'are'} listed under a keyid that is not the key's sha256`, {
    role,
    file,
    hint: 'accepted as older repositories have them; the next key change can fix it',
  });
}


export function unmetMessage(role: string, signers: SignerSet[]): string {
  return signers
    .filter((set) => !set.met)
    .map((set) => {
      const who = set.missing.length > 0 ? ` (can sign: ${set.missing.join(', ')})` : '';
      // Root versions name the root whose keys are meant; other roles have one authority.
      const whose = set.authority.startsWith('root v') ? ` of ${set.authority}'s keys` : '';
      return `${role} has ${set.signed.length} of ${set.threshold} required signatures${whose}${who}`;
    })
    .join('; ');
}

export interface ExpiryFacts {
  expires: string;
  expired: boolean;
  signingPeriodStart: string | null;
  inSigningPeriod: boolean;
  expiryDays: number | undefined;
}

export function expiryFacts(role: string, metadata: Metadata, root: RootSigned | undefined, at: Date): ExpiryFacts {
  const { expiryDays, signingDays } = rolePeriods(role, metadata.signed, root);
  const start = signingDays === undefined ? null : new Date(metadata.expires.getTime() - signingDays * DAY_MS);
  return {
    expires: formatExpires(metadata.expires),
    expired: metadata.expires.getTime() <= at.getTime(),
    signingPeriodStart: start ? formatExpires(start) : null,
    inSigningPeriod: start !== null && start.getTime() <= at.getTime(),
    expiryDays,
  };
}

/** A RoleStatus with the facts every check fills in; the caller adds change and result. */
export function roleStatus(
  name: string,
  file: string,
  metadata: Metadata | undefined,
  facts: ExpiryFacts | undefined,
  outcome: SignatureOutcome | undefined,
  online: boolean,
): RoleStatus {
  const signers = outcome?.signers ?? [];
  const union = (pick: (set: SignerSet) => string[]): string[] => [...new Set(signers.flatMap(pick))];
  const signed = union((set) => set.signed);
  return {
    name,
    file,
    change: null,
    version: metadata?.signed.version ?? null,
    knownGoodVersion: null,
    expires: facts?.expires ?? null,
    signingPeriodStart: facts?.signingPeriodStart ?? null,
    inSigningPeriod: facts?.inSigningPeriod ?? false,
    online,
    threshold: signers.length > 0 ? signers[signers.length - 1]!.threshold : null,
    signed,
    missing: union((set) => set.missing).filter((label) => !signed.includes(label)),
    signers,
    result: 'valid',
    problems: [
      ...(outcome?.problems ?? []),
      ...(outcome && outcome.keyidMismatches.length > 0 ? [keyidMismatchWarning(name, file, outcome.keyidMismatches, name)] : []),
    ],
  };
}
