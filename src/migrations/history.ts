import type { Connection } from '../db/dialect.js';
import { CHECKSUM_COLUMN, HISTORY_TABLE } from './migrations.js';

/** A migration applied to one database: when, and the sha256 of its file then (NULL if unknown). */
export interface AppliedMigration {
  readonly appliedAt: string;
  readonly checksum: string | null;
}

const TABLE = HISTORY_TABLE.name;

/** The database's history; read as it is, so rows of earlier versions (no checksum column) read too. */
export async function readHistory(conn: Connection): Promise<Map<string, AppliedMigration>> {
  if (!(await conn.tableExists(TABLE))) return new Map();
  const rows = await conn.query(`SELECT * FROM ${TABLE}`);
  return new Map(
    rows.map((r) => [
      String(r.name),
      { appliedAt: String(r.applied_at), checksum: r.checksum == null ? null : String(r.checksum) },
    ]),
  );
}

async function hasChecksumColumn(conn: Connection): Promise<boolean> {
  try {
    await conn.query(`SELECT ${CHECKSUM_COLUMN.name} FROM ${TABLE} WHERE 1 = 0`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates the history table, or adds the checksum column to one an earlier version created
 * (nullable: its rows get their checksum on the next migrate). Run under the migration lock.
 */
export async function ensureHistory(conn: Connection): Promise<void> {
  // Asked first: a database migrated before needs no DDL at all (nor its compiler loaded).
  if (!(await conn.tableExists(TABLE))) {
    for (const sql of await conn.dialect.ddl({ kind: 'createTable', table: HISTORY_TABLE })) {
      await conn.execute(sql);
    }
  }
  if (await hasChecksumColumn(conn)) return;
  for (const sql of await conn.dialect.ddl({ kind: 'addColumn', table: TABLE, column: CHECKSUM_COLUMN }))
    await conn.execute(sql);
}

export async function recordApplied(tx: Connection, id: string, checksum: string | undefined): Promise<void> {
  await tx.execute(`INSERT INTO ${TABLE} (name, applied_at, checksum) VALUES (?, ?, ?)`, [
    id,
    new Date().toISOString(),
    checksum ?? null,
  ]);
}

/** Gives a row an earlier version recorded the checksum of the file as it is now. */
export async function recordChecksum(conn: Connection, id: string, checksum: string): Promise<void> {
  await conn.execute(`UPDATE ${TABLE} SET checksum = ? WHERE name = ? AND checksum IS NULL`, [checksum, id]);
}
