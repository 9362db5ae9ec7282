import type { ColumnDef, TableDef } from '../../../schema/tableDef.js';
import type { Connection, Row, RowWrite } from '../../dialect.js';
import {
  chunk,
  keyColumns,
  keyValue,
  planRounds,
  provided,
  providedColumns,
  screenRows,
} from '../shared/insertPlan.js';
import { encodeValue } from '../shared/values.js';
import { arrayLiteral } from './arrayLiteral.js';
import { rowFailure } from './errors.js';
import { insertAllSql, insertGroupSql, insertRowSql } from './insertSql.js';

const OK: RowWrite = { ok: true };
// Which key was taken is left to the caller, who looks it up anyway for its message.
const UNIQUE: RowWrite = { ok: false, violation: 'unique' };

/** Rows per INSERT: the values travel as one array per column, so this only bounds message size. */
const INSERT_CHUNK = 10_000;

/**
 * Groups at least this large try a plain INSERT first (see insertedWhole); below, what it saves
 * the server is less than the savepoint around it costs in round trips.
 */
const WHOLE_FIRST = 256;

/**
 * Tables whose last group had a row refused as a duplicate: their next group goes to ON CONFLICT
 * directly, where a plain INSERT would most likely be refused and cost a second statement.
 */
const conflicted = new WeakSet<TableDef>();

/**
 * Rows the server would refuse for NOT NULL, size or check reasons are settled in memory first
 * (screenRow). The rest go in rounds of rows sharing no key (planRounds), each round one
 * `INSERT ... SELECT FROM unnest(arrays)` (see insertGroup), or one with ON CONFLICT DO NOTHING
 * that reports the rows it did not insert: those were duplicates. A batch of one round is one
 * statement (one round trip, its own transaction); more rounds share a transaction. Should the
 * server still refuse a row the screen let through, the attempt is undone and redone row by
 * row under savepoints, which is exact.
 */
export async function insertBatch(
  conn: Connection,
  inTransaction: boolean,
  table: TableDef,
  rows: readonly Row[],
): Promise<RowWrite[]> {
  const { out, pending } = screenRows(table, rows);
  if (pending.length === 0) return out;
  const groups = groupsOf(table, rows, pending);
  const attempt = async (careful: boolean): Promise<void> => {
    const only = groups[0];
    if (!inTransaction && groups.length === 1 && only && !careful) {
      await insertGroup(conn, false, table, rows, only, out);
      return;
    }
    await conn.transaction(async (tx) => {
      for (const group of groups) {
        if (careful) await insertGroupCarefully(tx, table, rows, group, out);
        else await insertGroup(tx, true, table, rows, group, out);
      }
    });
  };
  try {
    await attempt(false);
  } catch (err) {
    if (!rowFailure(table, err)) throw err;
    await attempt(true);
  }
  return out;
}

/**
 * Rounds, split further by which columns the rows leave to their DEFAULT (a serial left NULL,
 * a column with a default left out), then chunked.
 */
function groupsOf(table: TableDef, rows: readonly Row[], pending: number[]): number[][] {
  const optional = table.columns.filter((c) => c.type.kind === 'serial' || c.default !== undefined);
  const groups: number[][] = [];
  for (const round of planRounds(table, rows, pending)) {
    const shapes = new Map<string, number[]>();
    for (const i of round) {
      const shape = optional.map((c) => (provided(c, rows[i] as Row) ? '1' : '0')).join('');
      const list = shapes.get(shape);
      if (list) list.push(i);
      else shapes.set(shape, [i]);
    }
    for (const list of shapes.values()) groups.push(...chunk(list, INSERT_CHUNK));
  }
  return groups;
}

/**
 * A group of rows sharing no key: one plain INSERT when it goes in whole (the usual case), else
 * (or when the table's last group had duplicates) one with ON CONFLICT DO NOTHING, where a row
 * not inserted was a duplicate. `inTransaction`: `conn` is a transaction's.
 */
async function insertGroup(
  conn: Connection,
  inTransaction: boolean,
  table: TableDef,
  rows: readonly Row[],
  group: number[],
  out: RowWrite[],
): Promise<void> {
  const columns = providedColumns(table, rows[group[0] as number] as Row);
  const arrays = columns.map((c) => arrayLiteral(group.map((i) => encodeValue(c, (rows[i] as Row)[c.name]))));
  const whole =
    group.length >= WHOLE_FIRST &&
    !conflicted.has(table) &&
    (await insertedWhole(conn, inTransaction, insertAllSql(table, columns), table, arrays));
  if (whole) {
    for (const i of group) out[i] = OK;
    return;
  }
  const refused = await insertSkipping(conn, table, rows, group, columns, arrays, out);
  if (refused) conflicted.add(table);
  else conflicted.delete(table);
}

/**
 * Whether the group went in with a plain INSERT, which spares the server ON CONFLICT's
 * speculative insertion (a check and a confirmation per row and unique index, a third of the
 * statement's time). A duplicate refuses the whole statement, and only it: in a transaction it
 * runs under a savepoint. Any other refusal is the caller's, as from the ON CONFLICT statement.
 */
async function insertedWhole(
  conn: Connection,
  inTransaction: boolean,
  sql: string,
  table: TableDef,
  arrays: readonly string[],
): Promise<boolean> {
  try {
    if (inTransaction) await conn.transaction((tx) => tx.runCompiled(sql, arrays));
    else await conn.runCompiled(sql, arrays);
    return true;
  } catch (err) {
    const failure = rowFailure(table, err);
    if (failure?.ok !== false || failure.violation !== 'unique') throw err;
    return false;
  }
}

/**
 * One ON CONFLICT DO NOTHING statement for the group; a row not inserted was a duplicate.
 * Resolves to whether any was.
 */
async function insertSkipping(
  conn: Connection,
  table: TableDef,
  rows: readonly Row[],
  group: number[],
  columns: readonly ColumnDef[],
  arrays: readonly string[],
  out: RowWrite[],
): Promise<boolean> {
  const provided = keyColumns(table).filter((k) => columns.includes(k.column));
  // Keys are distinct within a group, so one key that every row has identifies the rows that
  // went in; only where none has (serial ids left to the database) are all keys returned.
  const whole = provided.find((k) => group.every((i) => (rows[i] as Row)[k.column.name] != null));
  const keys = provided.map((k) => k.column.name);
  if (whole) {
    const r = await conn.runCompiled(insertGroupSql(table, columns, whole.column.name, keys), arrays);
    // Keys are distinct within the group, so a key that came back from the insert is this
    // row's own, and a row whose key did not was refused.
    for (const i of group) out[i] = OK;
    for (const row of r.rows as { distdb_position: number }[])
      out[group[row.distdb_position - 1] as number] = UNIQUE;
    return r.rows.length > 0;
  }
  // No key that every row has (serial ids left to the database): every key comes back.
  const r = await conn.runCompiled(insertGroupSql(table, columns, undefined, keys), arrays);
  // Every row went in (the usual case): nothing to match.
  if (r.changes === group.length) {
    for (const i of group) out[i] = OK;
    return false;
  }
  const stored = provided.map(
    (k) => new Set(r.rows.map((row: Row) => keyValue(k, row[k.column.name], true))),
  );
  for (const i of group) {
    const row = rows[i] as Row;
    // Keys are distinct within the group, so a returned key value is this row's own.
    const inserted = provided.every((k, n) => {
      const v = keyValue(k, row[k.column.name]);
      return v === undefined || (stored[n] as Set<string | undefined>).has(v);
    });
    out[i] = inserted ? OK : UNIQUE;
  }
  return true;
}

/** The slow, exact path: the group under a savepoint, and row by row if the server refuses one. */
async function insertGroupCarefully(
  conn: Connection,
  table: TableDef,
  rows: readonly Row[],
  group: number[],
  out: RowWrite[],
): Promise<void> {
  try {
    return await conn.transaction((tx) => insertGroup(tx, true, table, rows, group, out));
  } catch (err) {
    if (!rowFailure(table, err)) throw err;
  }
  for (const i of group) {
    const row = rows[i] as Row;
    const columns = providedColumns(table, row);
    try {
      await conn.transaction((tx) =>
        tx.runCompiled(
          insertRowSql(table, columns),
          columns.map((c) => encodeValue(c, row[c.name])),
        ),
      );
      out[i] = { ok: true };
    } catch (err) {
      const failure = rowFailure(table, err);
      if (!failure) throw err;
      out[i] = failure;
    }
  }
}
