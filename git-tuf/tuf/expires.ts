/**
 * `expires` dates. Written as exactly YYYY-MM-DDTHH:MM:SSZ; read also in the older forms real
 * repositories carry (fractional seconds, numeric UTC offsets). Anything else is an error: an
 * unparseable date must never read as "does not expire".
 */
const EXPIRES = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Returns the instant, or null when the text is not a date of an accepted form. */
export function parseExpires(text: string): Date | null {
  const match = EXPIRES.exec(text);
  if (!match) return null;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  // Date.parse would silently roll 2026-02-31 over into March: check each field's range.
  if (month! < 1 || month! > 12 || day! < 1 || day! > 31 || hour! > 23 || minute! > 59 || second! > 59) return null;
  const time = Date.parse(text);
  if (Number.isNaN(time)) return null;
  if (new Date(Date.UTC(year!, month! - 1, day!)).getUTCDate() !== day) return null;
  return new Date(time);
}

/** The form we write: no milliseconds, UTC. */
export function formatExpires(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/** The `expires` of a version made at `at` that lives `days` days (tuf-on-ci's expiry period). */
export function expiresAfter(at: Date, days: number): string {
  return formatExpires(new Date(Math.floor(at.getTime() / 1000) * 1000 + days * DAY_MS));
}
