/**
 * TIMESTAMPTZ as PostgreSQL writes it (ISO DateStyle, in the session's TimeZone): `2024-05-01
 * 14:30:00.25+02`, `... 05:53:28+05:53:28` for old local mean times. Read back as UTC ISO text,
 * the storage form every backend returns, whatever the session's zone.
 */
const PG_TIMESTAMPTZ =
  /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([+-])(\d{2})(?::(\d{2}))?(?::(\d{2}))?$/;

/** UTC ISO text; anything else (infinity, BC dates, another DateStyle) as the server sent it. */
export function timestamptzToIso(text: string): string {
  const m = PG_TIMESTAMPTZ.exec(text);
  if (!m) return text;
  const [, y, mo, d, h, mi, s, frac = '', sign, oh, om = '0', os = '0'] = m;
  const at = new Date(
    Date.UTC(
      2000,
      Number(mo) - 1,
      Number(d),
      Number(h),
      Number(mi),
      Number(s),
      Number(frac.padEnd(3, '0').slice(0, 3)),
    ),
  );
  // Date.UTC reads years 0–99 as 1900–1999: the year is set on its own.
  at.setUTCFullYear(Number(y));
  const offset = (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om) * 60 + Number(os));
  return new Date(at.getTime() - offset * 1000).toISOString();
}
