import type { Connection, Row } from '../db/dialect.js';
import { DistdbError } from '../errors.js';
import type { AnyModel } from '../models/model.js';
import { toRecord } from '../models/toRecord.js';
import { validateRecord } from '../models/validate.js';
import { type Access, build, IDS_PER_QUERY, run } from '../queries/context.js';
import { selectRecords } from '../queries/select.js';
import { RESHARD_CHANGES_TABLE } from '../schema/distdbTables.js';
import { chunk } from '../util/chunk.js';

/** Rows per read of a shard while copying and comparing. */
export const SCAN_ROWS = 5_000;

export type Rec = Record<string, unknown>;

/** The records of `model` in one database with an id above `after` and below `below`, in id order, `limit` of them. */
export async function scanRecords(
  access: Access,
  model: AnyModel,
  after: number,
  limit = SCAN_ROWS,
  below = Number.MAX_SAFE_INTEGER,
): Promise<Rec[]> {
  const key = model.table.primaryKey;
  const q = await build(access, (k) =>
    k
      .selectFrom(model.table.name)
      .selectAll()
      .where(key, '>', after)
      .where(key, '<', below)
      .orderBy(key)
      .limit(limit),
  );
  return (await run(access, q)).rows.map((r) => toRecord(model, r, access.conn) as Rec);
}

/**
 * Every record of `model` in one database with an id in (after, below), in id order, handed to
 * `visit` SCAN_ROWS at a time; each chunk is visited before the next is read.
 */
export async function eachChunk(
  access: Access,
  model: AnyModel,
  visit: (records: Rec[], last: number) => Promise<void> | void,
  after = Number.MIN_SAFE_INTEGER,
  below = Number.MAX_SAFE_INTEGER,
): Promise<void> {
  const key = model.table.primaryKey;
  for (let last = after; ; ) {
    const records = await scanRecords(access, model, last, SCAN_ROWS, below);
    const end = records[records.length - 1];
    if (!end) return;
    last = Number(end[key]);
    await visit(records, last);
  }
}

/** The records of `model` among `ids` in one database. */
export async function recordsOf(access: Access, model: AnyModel, ids: readonly number[]): Promise<Rec[]> {
  const key = model.table.primaryKey;
  const out: Rec[] = [];
  for (const part of chunk([...ids], IDS_PER_QUERY))
    out.push(...(await selectRecords(access, model, { where: { [key]: { in: part } } })));
  return out;
}

/** Records as the rows a database stores, the way an insert makes them. */
function rowsOf(model: AnyModel, records: readonly Rec[]): Row[] {
  return records.map((r) => {
    const v = validateRecord(model, r);
    if (v.issues.length > 0)
      throw new DistdbError(
        'runtime',
        `${model.label} ${String(r[model.table.primaryKey])}: ${v.issues[0]?.message}`,
      );
    return v.row as Row;
  });
}

/** Inserts copies of records; one already there (copied before an interruption) is left as it is. */
export async function insertCopies(
  conn: Connection,
  model: AnyModel,
  records: readonly Rec[],
): Promise<void> {
  if (records.length > 0) await conn.insertBatch(model.table, rowsOf(model, records));
}

/** Makes the records of `ids` in `conn` exactly `records` (those of them that exist), in one transaction. */
export async function replaceCopies(
  conn: Connection,
  model: AnyModel,
  ids: readonly number[],
  records: readonly Rec[],
): Promise<void> {
  await conn.transaction(async (tx) => {
    await deleteIds({ alias: '', conn: tx }, model, ids);
    if (records.length > 0) await tx.insertBatch(model.table, rowsOf(model, records));
  });
}

/** Deletes the records of `ids` of `model` in one database. */
export async function deleteIds(access: Access, model: AnyModel, ids: readonly number[]): Promise<void> {
  const key = model.table.primaryKey;
  for (const part of chunk([...ids], IDS_PER_QUERY)) {
    const q = await build(access, (k) => k.deleteFrom(model.table.name).where(key, 'in', part));
    await run(access, q);
  }
}

const CHANGES = RESHARD_CHANGES_TABLE.name;

/**
 * The oldest changes of `model` left in a shard: the ids written, and the changes' numbers.
 * Read as a queue and taken out once applied, because numbers are given when a change is
 * written, not when it commits: a cursor could pass one that commits later.
 */
export async function pendingChanges(
  conn: Connection,
  model: AnyModel,
  limit = SCAN_ROWS,
): Promise<{ ids: number[]; seqs: number[] }> {
  const rows = await conn.query(
    `SELECT seq, row_id FROM ${CHANGES} WHERE model = ? ORDER BY seq LIMIT ${limit}`,
    [model.table.name],
  );
  return { ids: [...new Set(rows.map((r) => Number(r.row_id)))], seqs: rows.map((r) => Number(r.seq)) };
}

/** Takes applied changes out of a shard's queue. */
export async function consumeChanges(conn: Connection, seqs: readonly number[]): Promise<void> {
  for (const part of chunk([...seqs], IDS_PER_QUERY))
    await conn.execute(`DELETE FROM ${CHANGES} WHERE seq IN (${part.map(() => '?').join(', ')})`, part);
}

/** Takes `model`'s changes out of a shard once the reshard no longer needs them. */
export async function dropChanges(conn: Connection, model: AnyModel): Promise<void> {
  if (await conn.tableExists(CHANGES))
    await conn.execute(`DELETE FROM ${CHANGES} WHERE model = ?`, [model.table.name]);
}
