/**
 * The planning half of both servers' `insertBatch`: screening rows the server would refuse,
 * splitting a batch into rounds of rows sharing no key, and finding which key a refused row took.
 */
import {
  type CheckDef,
  type ColumnDef,
  type KeyColumn,
  keyColumnsOf,
  type TableDef,
} from '../../../schema/tableDef.js';
import { codePoints } from '../../../util/text.js';
import { type Connection, keyOf, type Row, type RowWrite, type SqlValue } from '../../dialect.js';
import { decodeDecimalText, encodeValue, minorUnits } from './values.js';

interface TablePlan {
  readonly keys: readonly KeyColumn[];
  readonly screen: (row: Row) => RowWrite | undefined;
}

const plans = new WeakMap<TableDef, TablePlan>();

function planFor(table: TableDef): TablePlan {
  let plan = plans.get(table);
  if (!plan) {
    plan = { keys: keyColumnsOf(table), screen: screenerFor(table) };
    plans.set(table, plan);
  }
  return plan;
}

export function keyColumns(table: TableDef): readonly KeyColumn[] {
  return planFor(table).keys;
}

/**
 * How a key value is compared in memory; `undefined` for NULL, which never conflicts. `stored`:
 * the value came back from the server (already encoded).
 */
export function keyValue(key: KeyColumn, value: SqlValue | undefined, stored = false): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  const kind = key.column.type.kind;
  // Integers come back from the server in canonical form already.
  if (stored && typeof value === 'string' && (kind === 'bigint' || kind === 'integer' || kind === 'serial')) {
    return value;
  }
  const v = stored ? value : encodeValue(key.column, value);
  // The server normalizes integers ("007" is 7); the comparison must too.
  if (
    (kind === 'bigint' || kind === 'integer' || kind === 'serial') &&
    typeof v === 'string' &&
    /^-?\d+$/.test(v)
  ) {
    return BigInt(v).toString();
  }
  return keyOf(v, key.fold);
}

/**
 * Fails, without a round trip, the rows the server would certainly reject: NOT NULL, values that
 * do not fit their column (reported as `check`, the server refuses them rather than storing
 * something else), and the table's checks. Only checks whose SQL semantics are reproduced
 * exactly are evaluated here; anything else is left to the server, which stays authoritative.
 */
export function screenRow(table: TableDef, row: Row): RowWrite | undefined {
  return planFor(table).screen(row);
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
      return minor === undefined || Math.abs(minor) < 10 ** t.precision;
    }
    // MySQL would round 1.5 into an integer column where the others refuse it: refuse it here.
    case 'integer':
      return (
        typeof value !== 'number' || (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX)
      );
    case 'bigint':
      return typeof value !== 'number' || Number.isInteger(value);
    default:
      return true;
  }
}

function screenerFor(table: TableDef): (row: Row) => RowWrite | undefined {
  const required = table.columns.filter(
    (c) => c.type.kind !== 'serial' && (!c.nullable || c.name === table.primaryKey),
  );
  const checks = (table.checks ?? []).map((k) => checkTest(table, k));
  return (row) => {
    for (const c of required) {
      const v = row[c.name];
      if (v === undefined || v === null) return { ok: false, violation: 'not_null', column: c.name };
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
  const column = table.columns.find((c) => c.name === check.column);
  const type = column?.type;
  const scale = type?.kind === 'decimal' ? type.scale : undefined;
  const asNumber = (v: SqlValue): number | undefined =>
    scale !== undefined ? minorUnits(v) : typeof v === 'number' ? v : undefined;
  const bound = (b: number | string | undefined): number | undefined =>
    b === undefined ? undefined : scale !== undefined ? decodeDecimalText(String(b), scale) : Number(b);
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

/**
 * Splits a batch into rounds whose rows share no key value, keeping dataset order between rows
 * that do: a row lands one round after the last earlier row it shares a key with. Inserting the
 * rounds in order gives every row the outcome it would have had inserted alone, in order, while
 * each round is a single statement.
 */
export function planRounds(table: TableDef, rows: readonly Row[], indices: readonly number[]): number[][] {
  const keys = keyColumns(table);
  // Per key column: value → the last round a row with it went to.
  const lastRound = keys.map(() => new Map<string, number>());
  const rounds: number[][] = [];
  const rowKeys: (string | undefined)[] = new Array(keys.length);
  for (const i of indices) {
    const row = rows[i] as Row;
    let round = 0;
    for (let k = 0; k < keys.length; k++) {
      const v = keyValue(keys[k] as KeyColumn, row[(keys[k] as KeyColumn).column.name]);
      rowKeys[k] = v;
      if (v === undefined) continue;
      const prev = (lastRound[k] as Map<string, number>).get(v);
      if (prev !== undefined && prev >= round) round = prev + 1;
    }
    for (let k = 0; k < keys.length; k++) {
      const v = rowKeys[k];
      if (v !== undefined) (lastRound[k] as Map<string, number>).set(v, round);
    }
    let bucket = rounds[round];
    if (!bucket) {
      bucket = [];
      rounds[round] = bucket;
    }
    bucket.push(i);
  }
  return rounds;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * For rows refused as duplicates: the first key column (primary key, then uniques) whose value
 * is already stored, found with one `existing` lookup per key column. Rows whose conflict is not
 * visible (a concurrent writer, a collation subtlety) are left out.
 */
export async function conflictColumns(
  conn: Connection,
  table: TableDef,
  rows: readonly Row[],
  failed: readonly number[],
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const key of keyColumns(table)) {
    const name = key.column.name;
    const open = failed.filter((i) => !out.has(i) && (rows[i] as Row)[name] != null);
    if (open.length === 0) continue;
    const ci = key.column.caseInsensitive;
    const found = await conn.existing(
      table,
      name,
      open.map((i) => (rows[i] as Row)[name] as SqlValue),
    );
    for (const i of open) if (found.has(keyOf((rows[i] as Row)[name] as SqlValue, ci))) out.set(i, name);
  }
  return out;
}
