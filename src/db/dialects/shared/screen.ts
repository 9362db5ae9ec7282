/**
 * Fails, without a round trip, the rows a server would certainly reject: NOT NULL, values that
 * do not fit their column (reported as `check`: the server refuses them rather than storing
 * something else), and the table's checks. Only checks whose SQL semantics are reproduced
 * exactly are evaluated here; anything else is left to the server, which stays authoritative.
 */
import { digitCount, type MinorUnits, parseDecimal } from '../../../schema/decimal.js';
import type { CheckDef, ColumnDef, TableDef } from '../../../schema/tableDef.js';
import { codePoints } from '../../../util/text.js';
import type { Row, RowWrite, SqlValue } from '../../dialect.js';
import { isUtcTimestamp, minorUnits } from './values.js';

type Screen = (row: Row) => RowWrite | undefined;

const screens = new WeakMap<TableDef, Screen>();

export function screenRow(table: TableDef, row: Row): RowWrite | undefined {
  let screen = screens.get(table);
  if (!screen) {
    screen = screenerFor(table);
    screens.set(table, screen);
  }
  return screen(row);
}

/** `insertBatch`'s first step: `out` holds the rows screened out, `pending` the rest, in order. */
export function screenRows(table: TableDef, rows: readonly Row[]): { out: RowWrite[]; pending: number[] } {
  const out: RowWrite[] = new Array(rows.length);
  const pending: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    const failure = screenRow(table, rows[i] as Row);
    if (failure) out[i] = failure;
    else pending.push(i);
  }
  return { out, pending };
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function fits(column: ColumnDef, value: SqlValue): boolean {
  const t = column.type;
  switch (t.kind) {
    case 'varchar':
      return typeof value !== 'string' || value.length <= t.length || codePoints(value) <= t.length;
    case 'decimal': {
      const minor = minorUnits(value);
      return minor === undefined || digitCount(minor) <= t.precision;
    }
    // MySQL would round 1.5 into an integer column where the others refuse it: refuse it here.
    case 'integer':
      return (
        typeof value !== 'number' || (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX)
      );
    case 'bigint':
      return typeof value !== 'number' || Number.isInteger(value);
    // Storage form is 0/1: MySQL would take 7 into its TINYINT, PostgreSQL would fail the batch.
    case 'boolean':
      return value === 0 || value === 1 || value === 0n || value === 1n;
    // Storage form is UTC ISO text: anything else would be read in some zone, or refused.
    case 'timestamp':
      return isUtcTimestamp(value);
    default:
      return true;
  }
}

function screenerFor(table: TableDef): Screen {
  // A column with a default left out (undefined) takes the default.
  const required = table.columns.filter(
    (c) => c.type.kind !== 'serial' && (!c.nullable || c.name === table.primaryKey),
  );
  const checks = (table.checks ?? []).map((k) => checkTest(table, k));
  return (row) => {
    for (const c of required) {
      const v = row[c.name];
      if (v === null || (v === undefined && c.default === undefined))
        return { ok: false, violation: 'not_null', column: c.name };
    }
    for (const c of table.columns) {
      const v = row[c.name];
      if (v !== undefined && v !== null && !fits(c, v))
        return { ok: false, violation: 'check', column: c.name };
    }
    for (const [column, violated] of checks) {
      const v = row[column];
      // SQL: a check on NULL is unknown, and unknown passes.
      if (v !== undefined && v !== null && violated(v)) return { ok: false, violation: 'check', column };
    }
    return undefined;
  };
}

/** [column, value → violated?]; a test answers false whenever it cannot be sure. */
function checkTest(table: TableDef, check: CheckDef): [string, (v: SqlValue) => boolean] {
  if (check.kind === 'trimmedLength') {
    // trim() strips spaces only, in both servers (and SQLite): tabs and newlines count.
    return [
      check.column,
      (v) => {
        if (typeof v !== 'string') return false;
        return codePoints(v.replace(/^ +| +$/g, '')) < check.min || codePoints(v) > check.max;
      },
    ];
  }
  if (check.kind === 'oneOf') {
    return [check.column, (v) => typeof v === 'string' && !check.values.includes(v)];
  }
  const type = table.columns.find((c) => c.name === check.column)?.type;
  const scale = type?.kind === 'decimal' ? type.scale : undefined;
  // Minor units for a decimal column, exactly; numbers compare with bigints exactly too.
  const asNumber = (v: SqlValue): MinorUnits | undefined =>
    scale !== undefined ? minorUnits(v) : typeof v === 'number' || typeof v === 'bigint' ? v : undefined;
  const bound = (b: number | string | undefined): MinorUnits | undefined => {
    if (b === undefined) return undefined;
    if (scale === undefined) return typeof b === 'number' ? b : Number(b);
    const r = parseDecimal(b, scale);
    return 'minor' in r ? r.minor : undefined;
  };
  const min = bound(check.min);
  const max = bound(check.max);
  return [
    check.column,
    (v) => {
      const x = asNumber(v);
      if (x === undefined) return false;
      return (min !== undefined && x < min) || (max !== undefined && x > max);
    },
  ];
}
