/**
 * Values on their way to and from a server. Decimals travel as exact decimal text and come back
 * as integer minor units without passing through floating point: a number while it is a safe
 * integer, a bigint beyond.
 */
import { DistdbError } from '../../../errors.js';
import { formatMinorUnits, type MinorUnits } from '../../../schema/decimal.js';
import type { ColumnDef } from '../../../schema/tableDef.js';
import { truncate } from '../../../util/text.js';
import type { SqlValue } from '../../dialect.js';

/** Digits (and a sign) → minor units: a number when exact, a bigint otherwise. */
function exactInteger(negative: boolean, digits: string): MinorUnits {
  if (digits.length <= 15) {
    const n = Number(digits);
    return negative && n !== 0 ? -n : n;
  }
  const big = negative ? -BigInt(digits) : BigInt(digits);
  const n = Number(big);
  return Number.isSafeInteger(n) ? n : big;
}

/** Integer minor units, exactly, when `value` is one (a number, bigint or integer text). */
export function minorUnits(value: SqlValue | undefined): MinorUnits | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'bigint') return exactInteger(value < 0n, String(value < 0n ? -value : value));
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) return undefined;
  const negative = value.startsWith('-');
  return exactInteger(negative, negative ? value.slice(1) : value);
}

/** Decimal columns take integer minor units; the server gets exact decimal text ("123.45"). */
export function encodeValue(column: ColumnDef, value: SqlValue | undefined): SqlValue {
  if (value === undefined || value === null) return null;
  if (column.type.kind !== 'decimal') return value;
  const minor = minorUnits(value);
  if (minor === undefined) {
    throw new DistdbError(
      'runtime',
      `column ${column.name} takes integer minor units, not ${truncate(String(value))}`,
    );
  }
  return formatMinorUnits(minor, column.type.scale);
}

/**
 * A server's decimal text → minor units, by parsing the digits (no float arithmetic), exact at
 * any precision. Non-zero digits beyond `scale` (an AVG, say) cannot be minor units: they make
 * an approximate number with a fractional part. NULL reads as 0, like the SQLite dialect.
 */
export function decodeDecimalText(value: SqlValue, scale: number): MinorUnits {
  if (value === null) return 0;
  const text = typeof value === 'string' ? value.trim() : String(value);
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  const int = m?.[2] ?? '';
  const frac = m?.[3] ?? '';
  if (!m || int.length + frac.length === 0) {
    throw new DistdbError('runtime', `"${truncate(text)}" is not a decimal number`);
  }
  const digits = (int + frac.slice(0, scale).padEnd(scale, '0')).replace(/^0+(?=\d)/, '');
  const beyond = frac.slice(scale);
  if (/[1-9]/.test(beyond)) return Number(`${m[1]}${digits}.${beyond}`);
  return exactInteger(m[1] === '-', digits);
}

/** A timestamp in storage form: UTC ISO text to the millisecond, years 0001 to 9999. */
const UTC_ISO = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function isUtcTimestamp(value: SqlValue | undefined): value is string {
  if (typeof value !== 'string' || !UTC_ISO.test(value)) return false;
  const t = Date.parse(value);
  // A date that does not exist (February 30) parses to another day, or not at all.
  return !Number.isNaN(t) && new Date(t).toISOString() === value;
}
