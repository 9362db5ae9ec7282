/**
 * The planning half of both servers' `insertBatch` (screening is in screen.ts): which columns
 * an insert names, rounds of rows sharing no key, and which key a refused row took.
 */
import { type ColumnDef, type KeyColumn, keyColumnsOf, type TableDef } from '../../../schema/tableDef.js';
import { type Connection, keyOf, type Row, type SqlValue } from '../../dialect.js';
import { encodeValue } from './values.js';

export { screenRow, screenRows } from './screen.js';

const keys = new WeakMap<TableDef, readonly KeyColumn[]>();

export function keyColumns(table: TableDef): readonly KeyColumn[] {
  let k = keys.get(table);
  if (!k) {
    k = keyColumnsOf(table);
    keys.set(table, k);
  }
  return k;
}

/**
 * Whether an insert names the column: a serial left NULL and a column with a default left out
 * (undefined) take what the database gives them.
 */
export function provided(column: ColumnDef, row: Row): boolean {
  const v = row[column.name];
  if (column.type.kind === 'serial') return v !== undefined && v !== null;
  return v !== undefined || column.default === undefined;
}

/** The columns a row may leave to the database (see `provided`): serials and defaulted ones. */
export function optionalColumns(table: TableDef): ColumnDef[] {
  return table.columns.filter((c) => c.type.kind === 'serial' || c.default !== undefined);
}

/** The columns an insert of `row` names (see `provided`). */
export function providedColumns(table: TableDef, row: Row): ColumnDef[] {
  return table.columns.filter((c) => provided(c, row));
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

export { chunk } from '../../../util/chunk.js';

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
