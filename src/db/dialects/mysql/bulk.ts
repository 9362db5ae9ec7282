import type { TableDef } from '../../../schema/tableDef.js';
import type { Connection, Row, RowWrite, SqlValue } from '../../dialect.js';
import { chunk, conflictColumns, planRounds, screenRows } from '../shared/insertPlan.js';
import { isDuplicate, rowFailure } from './errors.js';
import { quoteId } from './ident.js';
import { encodeMysql } from './values.js';

/**
 * Rows the server would refuse for NOT NULL, size or check reasons are settled in memory first
 * (screenRow). The rest go in rounds of rows sharing no key (planRounds), each round one plain
 * multi-row INSERT (never INSERT IGNORE, which coerces bad values). A failed statement changes
 * nothing, the transaction goes on: on a duplicate, one lookup per key column finds the rows
 * whose keys were already stored and the rest are retried together; if the server still
 * refuses, the round goes row by row, which is exact. A batch of one clean round is one
 * statement, one round trip.
 */
export async function insertBatch(
  conn: Connection,
  inTransaction: boolean,
  table: TableDef,
  rows: readonly Row[],
): Promise<RowWrite[]> {
  const { out, pending } = screenRows(table, rows);
  if (pending.length === 0) return out;
  const size = Math.max(1, Math.min(1000, Math.floor(60_000 / table.columns.length)));
  const rounds = planRounds(table, rows, pending).flatMap((round) => chunk(round, size));
  let firstError: unknown;
  const only = rounds[0];
  if (!inTransaction && rounds.length === 1 && only) {
    try {
      await insertMany(conn, table, rows, only);
      for (const i of only) out[i] = { ok: true };
      return out;
    } catch (err) {
      if (!rowFailure(table, err)) throw err;
      firstError = err;
    }
  }
  const run = async (tx: Connection) => {
    for (const [n, round] of rounds.entries()) {
      await insertRound(tx, table, rows, round, out, n === 0 ? firstError : undefined);
    }
  };
  if (inTransaction) await run(conn);
  else await conn.transaction(run);
  return out;
}

/** A column with a default that a row leaves out takes it: DEFAULT in place of the value. */
async function insertMany(
  conn: Connection,
  table: TableDef,
  rows: readonly Row[],
  indices: readonly number[],
): Promise<void> {
  const values: SqlValue[] = [];
  const tuples = indices.map((i) => {
    const row = rows[i] as Row;
    const parts = table.columns.map((c) => {
      if (row[c.name] === undefined && c.default !== undefined) return 'DEFAULT';
      values.push(encodeMysql(c, row[c.name]));
      return '?';
    });
    return `(${parts.join(', ')})`;
  });
  await conn.execute(
    `INSERT INTO ${quoteId(table.name)} (${table.columns.map((c) => quoteId(c.name)).join(', ')}) VALUES ${tuples.join(', ')}`,
    values,
  );
}

/** One round inside the transaction; `knownError` is how the same statement already failed. */
async function insertRound(
  conn: Connection,
  table: TableDef,
  rows: readonly Row[],
  round: number[],
  out: RowWrite[],
  knownError: unknown,
): Promise<void> {
  let remaining = round;
  let error = knownError;
  if (error === undefined) {
    try {
      await insertMany(conn, table, rows, remaining);
      for (const i of remaining) out[i] = { ok: true };
      return;
    } catch (err) {
      if (!rowFailure(table, err)) throw err;
      error = err;
    }
  }
  if (isDuplicate(error)) {
    const taken = await conflictColumns(conn, table, rows, remaining);
    if (taken.size > 0) {
      for (const [i, column] of taken) out[i] = { ok: false, violation: 'unique', column };
      remaining = remaining.filter((i) => !taken.has(i));
      try {
        if (remaining.length > 0) await insertMany(conn, table, rows, remaining);
        for (const i of remaining) out[i] = { ok: true };
        return;
      } catch (err) {
        if (!rowFailure(table, err)) throw err;
      }
    }
  }
  for (const i of remaining) {
    try {
      await insertMany(conn, table, rows, [i]);
      out[i] = { ok: true };
    } catch (err) {
      const failure = rowFailure(table, err);
      if (!failure) throw err;
      out[i] = failure;
    }
  }
}
