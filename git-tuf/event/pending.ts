/**
 * What a signing event asks of one signer: the changed offline roles still missing their
 * signature, and the roles they are invited to. Pure: reads a status report, nothing else.
 */
import type { StatusReport } from '../repo/report.js';

export interface SignerTasks {
  /** Changed roles where this signer's signature is missing. */
  roles: string[];
  /** Roles this signer is invited to. */
  invitations: string[];
}

/** The tasks `report` (an event report) holds for `handle`; null when there are none. */
export function tasksFor(report: StatusReport, handle: string): SignerTasks | null {
  const roles = report.roles
    .filter((role) => (role.change === 'added' || role.change === 'modified') && !role.online && role.missing.includes(handle))
    .map((role) => role.name);
  const invitations = report.invitations.find((invite) => invite.signer === handle)?.roles ?? [];
  return roles.length > 0 || invitations.length > 0 ? { roles, invitations } : null;
}
