import { truncate, typeName } from '../util/text.js';

/**
 * ISO-8601 date and time with a zone (`Z` or `±hh:mm`), to the millisecond:
 * 2024-05-01T12:30:00Z, 2024-05-01T14:30:00.250+02:00.
 */
const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})$/;

/** The instant as UTC ISO text (`2024-05-01T12:30:00.000Z`), or why it is not one. */
export function parseTimestamp(input: unknown): { iso: string } | { error: string } {
  if (input instanceof Date) {
    const t = input.getTime();
    return Number.isNaN(t) || !inRange(input)
      ? { error: 'is not a valid date' }
      : { iso: input.toISOString() };
  }
  if (typeof input !== 'string') return { error: `must be an ISO-8601 timestamp, got ${typeName(input)}` };
  const m = ISO.exec(input);
  if (!m) return { error: `"${truncate(input)}" is not an ISO-8601 timestamp with a time zone` };
  const [, y, mo, d, h, mi, s = '00', ms = '0', zone = 'Z'] = m;
  const month = Number(mo);
  const day = Number(d);
  const valid =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysIn(Number(y), month) &&
    Number(h) <= 23 &&
    Number(mi) <= 59 &&
    Number(s) <= 59 &&
    (zone === 'Z' || (Number(zone.slice(1, 3)) <= 23 && Number(zone.slice(4)) <= 59));
  if (!valid) return { error: `"${truncate(input)}" is not a valid date and time` };
  // Date.UTC reads years 0–99 as 1900–1999: the year is set on its own.
  const at = new Date(
    Date.UTC(2000, month - 1, day, Number(h), Number(mi), Number(s), Number(ms.padEnd(3, '0'))),
  );
  at.setUTCFullYear(Number(y));
  const local = at.getTime();
  const offset =
    zone === 'Z'
      ? 0
      : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4)));
  const date = new Date(local - offset * 60_000);
  if (!inRange(date)) return { error: `"${truncate(input)}" is outside years 0001 to 9999` };
  return { iso: date.toISOString() };
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function inRange(date: Date): boolean {
  const y = date.getUTCFullYear();
  return y >= 1 && y <= 9999;
}
