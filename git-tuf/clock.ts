import { GitTufError } from './errors.js';

/** The one clock: GIT_TUF_NOW (ISO 8601) overrides the system time everywhere. */
export function now(env: NodeJS.ProcessEnv = process.env): Date {
  const override = env.GIT_TUF_NOW;
  if (override === undefined || override === '') return new Date();
  return parseTime(override, 'GIT_TUF_NOW');
}

/** Parses a user-supplied ISO 8601 time (a date alone means midnight UTC). */
export function parseTime(text: string, what: string): Date {
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
  const trimmed = text.trim();
  const withZone = /T.*(Z|[+-]\d{2}:?\d{2})$/.test(trimmed) || !trimmed.includes('T') ? trimmed : `${trimmed}Z`;
  const time = iso.test(trimmed) ? Date.parse(trimmed.includes('T') ? withZone : `${trimmed}T00:00:00Z`) : NaN;
  if (Number.isNaN(time)) {
    throw new GitTufError('usage', `${what} is not an ISO 8601 time: ${JSON.stringify(text)}`, {
      hint: 'use a form like 2026-08-27T00:00:00Z',
    });
  }
  return new Date(time);
}
