/** Values on their way to and from a server: decimals travel as exact decimal text. */
import { DistdbError } from '../../../errors.js';
import { formatMinorUnits } from '../../../schema/decimal.js';
import type { ColumnDef } from '../../../schema/tableDef.js';
import { truncate } from '../../../util/text.js';
import type { SqlValue } from '../../dialect.js';

/** Integer minor units as a number, when `value` is one. */
export function minorUnits(value: SqlValue): number | undefined {
  if (value === null) return undefined;
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'bigint' || /^-?\d+$/.test(value)
        ? Number(value)
        : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
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
 * A server's decimal text → minor units, by parsing the digits (no float arithmetic). Digits
 * beyond `scale` (an AVG, say) become the fractional part of the result. NULL reads as 0, like
 * the SQLite dialect.
 */
export function decodeDecimalText(value: SqlValue, scale: number): number {
  if (value === null) return 0;
  const text = typeof value === 'string' ? value.trim() : String(value);
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  const int = m?.[2] ?? '';
  const frac = m?.[3] ?? '';
  if (!m || int.length + frac.length === 0) {
    throw new DistdbError('runtime', `"${truncate(text)}" is not a decimal number`);
  }
  let minor = Number(int + frac.slice(0, scale).padEnd(scale, '0'));
  if (frac.length > scale) minor += Number(`0.${frac.slice(scale)}`);
  return m[1] === '-' ? -minor : minor;
}
