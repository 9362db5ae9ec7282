import type { Connection } from '../db/dialect.js';
import type { TableDef } from '../schema/tableDef.js';
import type { ExistenceCheck } from '../store/writeRecords.js';

/** Ids above this are not kept in a bitmap (16 MB); references to such tables are queried. */
export const MAX_SNAPSHOT_ID = 2 ** 27;
/** Ids read per query. */
const RANGE = 65_536;

/**
 * The ids of a table at one moment, one bit per id, in shared memory: built once by the
 * coordinator when a phase starts (every record the phase references is decided by then) and
 * read by every worker, instead of each batch asking the database about each reference.
 */
export interface IdSnapshot {
  readonly table: string;
  readonly maxId: number;
  readonly bits: SharedArrayBuffer;
}

/**
 * Reads every id of `table` (id ranges, bounded memory). Undefined if an id exceeds `limit`:
 * the bitmap would cost more than the lookups it saves.
 */
export async function takeIdSnapshot(
  conn: Connection,
  table: TableDef,
  limit = MAX_SNAPSHOT_ID,
): Promise<IdSnapshot | undefined> {
  const q = conn.dialect.quoteId;
  const [stats] = await conn.query(`SELECT max(${q(table.primaryKey)}) AS m FROM ${q(table.name)}`);
  const maxId = stats?.m === null || stats?.m === undefined ? 0 : Number(stats.m);
  if (!Number.isSafeInteger(maxId) || maxId > Math.min(limit, MAX_SNAPSHOT_ID)) return undefined;
  const bits = new SharedArrayBuffer(Math.ceil((maxId + 1) / 32) * 4);
  const words = new Int32Array(bits);
  // Id ranges rather than LIMIT pages: each read is bounded, and none depends on the planner
  // knowing how many rows a just-filled table holds.
  for (let low = 0; low <= maxId; low += RANGE) {
    // The range keeps every id within 0..maxId, so each one has its bit.
    for (const id of await conn.integerRange(
      table,
      table.primaryKey,
      low,
      Math.min(maxId, low + RANGE - 1),
    )) {
      words[id >>> 5] = (words[id >>> 5] as number) | (1 << (id & 31));
    }
  }
  return { table: table.name, maxId, bits };
}

/** Existence checks against a snapshot: the same answers `Connection.existing` gives for ids. */
export function snapshotCheck(snapshot: IdSnapshot): ExistenceCheck {
  const words = new Int32Array(snapshot.bits);
  const has = (id: number): boolean =>
    Number.isInteger(id) &&
    id >= 0 &&
    id <= snapshot.maxId &&
    ((words[id >>> 5] as number) & (1 << (id & 31))) !== 0;
  return {
    has,
    async existing(_table, _column, values) {
      const found = new Set<string>();
      for (const v of values) if (has(Number(v))) found.add(String(v));
      return found;
    },
  };
}
