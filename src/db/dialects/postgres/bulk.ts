import type { ColumnDef, TableDef } from '../../../schema/tableDef.js';
import type { Connection, Row, RowWrite } from '../../dialect.js';
import {
  chunk,
  keyColumns,
  keyValue,
  optionalColumns,
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
 * Batches at least this large try one plain INSERT first (see insertedAtOnce); below, what it
 * saves the server is less than the savepoint around it costs in round trips.
 */
const AT_ONCE = 256;

/**
 * Tables whose last batch of AT_ONCE rows or more had a duplicate (of a stored row or within the
 * batch): their next one goes to the rounds directly, where a plain INSERT would most likely be refused and cost
 * a second statement.
 */
const conflicted = new WeakSet<TableDef>();

/**
 * Rows the server would refuse for NOT NULL, size or check reasons are settled in memory first
 * (screenRow). The usual batch, no row a duplicate, then goes in with one plain INSERT
 * (insertedAtOnce). Otherwise the rows go in rounds of rows sharing no key (planRounds), each
 * round one `INSERT ... SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING` that reports the rows
 * it did not insert: those were duplicates. A batch of one round is one statement (one round
 * trip, its own transaction); more rounds share a transaction. Should the server still refuse a
 * row the screen let through, the attempt is undone and redone row by row under savepoints,
 * which is exact.
 */
export async function insertBatch(
  conn: Connection,
  inTransaction: boolean,
  table: TableDef,
  rows: readonly Row[],
): Promise<RowWrite[]> {
  const { out, pending } = screenRows(table, rows);
  if (pending.length === 0) return out;
  if (await insertedAtOnce(conn, inTransaction, table, rows, pending)) {
    for (const i of pending) out[i] = OK;
    return out;
  }
  const rounds = planRounds(table, rows, pending);
  const groups = groupsOf(table, rows, rounds);
  const attempt = async (careful: boolean): Promise<void> => {
    const only = groups[0];
    if (!inTransaction && groups.length === 1 && only && !careful) {
      await insertGroup(conn, table, rows, only, out);
      return;
    }
    await conn.transaction(async (tx) => {
      for (const group of groups) {
        if (careful) await insertGroupCarefully(tx, table, rows, group, out);
        else await insertGroup(tx, table, rows, group, out);
      }
    });
  };
  try {
    await attempt(false);
  } catch (err) {
    if (!rowFailure(table, err)) throw err;
    await attempt(true);
  }
  if (pending.length >= AT_ONCE) {
    const duplicates = rounds.length > 1 || pending.some((i) => isUnique(out[i]));
    if (duplicates) conflicted.add(table);
    else conflicted.delete(table);
  }
  return out;
}

const isUnique = (w: RowWrite | undefined) => w?.ok === false && w.violation === 'unique';

/**
 * Whether the batch went in with one plain INSERT, which spares the server ON CONFLICT's
 * speculative insertion (a check and a confirmation per row and unique index, a third of the
 * statement's time) and this process the rounds. A duplicate refuses the whole statement, and
 * only it: in a transaction it runs under a savepoint. Tried when the rows fit one statement and
 * name the same columns, unless the table's last batch had duplicates.
 */
async function insertedAtOnce(
  conn: Connection,
  inTransaction: boolean,
  table: TableDef,
  rows: readonly Row[],
  pending: readonly number[],
): Promise<boolean> {
  if (pending.length < AT_ONCE || pending.length > INSERT_CHUNK || conflicted.has(table)) return false;
  const columns = providedColumns(table, rows[pending[0] as number] as Row);
  const optional = optionalColumns(table);
  for (const c of optional) {
    const named = columns.includes(c);
    if (pending.some((i) => provided(c, rows[i] as Row) !== named)) return false;
  }
  const sql = insertAllSql(table, columns);
  const arrays = columnArrays(columns, rows, pending);
  try {
    if (inTransaction) await conn.transaction((tx) => tx.runCompiled(sql, arrays));
    else await conn.runCompiled(sql, arrays);
    return true;
  } catch (err) {
    // Any other refusal is left to the rounds, which meet it again and go row by row.
    const failure = rowFailure(table, err);
    if (!failure) throw err;
    if (isUnique(failure)) conflicted.add(table);
    return false;
  }
}

/** The group's values as one array literal per column. */
function columnArrays(
  columns: readonly ColumnDef[],
  rows: readonly Row[],
  group: readonly number[],
): string[] {
  return columns.map((c) => arrayLiteral(group.map((i) => encodeValue(c, (rows[i] as Row)[c.name]))));
}

/**
 * Rounds, split further by which columns the rows leave to their DEFAULT (a serial left NULL,
 * a column with a default left out), then chunked.
 */
function groupsOf(table: TableDef, rows: readonly Row[], rounds: readonly number[][]): number[][] {
  const optional = optionalColumns(table);
  const groups: number[][] = [];
  for (const round of rounds) {
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

/** One statement for a group of rows sharing no key; a row not inserted was a duplicate. */
async function insertGroup(
  conn: Connection,
  table: TableDef,
  rows: readonly Row[],
  group: number[],
  out: RowWrite[],
): Promise<void> {
  const columns = providedColumns(table, rows[group[0] as number] as Row);
  if (group.length === 1) return insertOne(conn, table, rows, group[0] as number, columns, out);
  const arrays = columnArrays(columns, rows, group);
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
    return;
  }
  // No key that every row has (serial ids left to the database): every key comes back.
  const r = await conn.runCompiled(insertGroupSql(table, columns, undefined, keys), arrays);
  // Every row went in (the usual case): nothing to match.
  if (r.changes === group.length) {
    for (const i of group) out[i] = OK;
    return;
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
}

/**
 * A group of one row (a single insert, a journal entry): its own count says whether it went in,
 * so the plain VALUES form does, which the server plans and runs faster than unnest's.
 */
async function insertOne(
  conn: Connection,
  table: TableDef,
  rows: readonly Row[],
  i: number,
  columns: readonly ColumnDef[],
  out: RowWrite[],
): Promise<void> {
  const row = rows[i] as Row;
  const values = columns.map((c) => encodeValue(c, row[c.name]));
  const r = await conn.runCompiled(`${insertRowSql(table, columns)} ON CONFLICT DO NOTHING`, values);
  out[i] = r.changes === 1 ? OK : UNIQUE;
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
    return await conn.transaction((tx) => insertGroup(tx, table, rows, group, out));
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
