import type { Connection, SqlValue } from '../db/dialect.js';
import type { TableDef } from '../schema/tableDef.js';
import type { Access } from './context.js';

/** distdb's own tables known to be in a database, by connection. */
const ready = new WeakMap<Connection, Set<string>>();

/**
 * One of distdb's own tables, made on first use (under the migration lock, so two processes make
 * it once). Made inside an open transaction (`inTransaction`), it is not remembered: a rollback
 * takes it away again.
 */
export async function ensureOwnTable(
  conn: Connection,
  table: TableDef,
  inTransaction = false,
): Promise<void> {
  const known = ready.get(conn) ?? new Set<string>();
  ready.set(conn, known);
  if (known.has(table.name)) return;
  if (!(await conn.tableExists(table.name))) {
    await conn.withLock('distdb_migrate', async () => {
      if (await conn.tableExists(table.name)) return;
      for (const sql of await conn.dialect.ddl({ kind: 'createTable', table })) await conn.execute(sql);
    });
  }
  if (!inTransaction) known.add(table.name);
}

/**
 * distdb's own `table` in the database of `access`. From inside a transaction it is made on the
 * database's connection outside it when there is one: DDL would end a MySQL transaction.
 */
export function ensureOwnTableAt(access: Access, table: TableDef): Promise<void> {
  const apart = access.outside !== undefined && access.outside !== access.conn;
  if (apart) return ensureOwnTable(access.outside as Connection, table);
  return ensureOwnTable(access.conn, table, access.inTransaction);
}

/**
 * Stores `row` in distdb's own `table` in place of the row with its primary key, in one
 * transaction (an UPDATE, then an INSERT when there was none): portable to every backend.
 */
export async function putOwnRow(conn: Connection, table: TableDef, row: Readonly<Record<string, SqlValue>>) {
  const key = table.primaryKey;
  const names = Object.keys(row).filter((n) => n !== key);
  const values = [...names.map((n) => row[n] ?? null), row[key] ?? null];
  await conn.transaction(async (tx) => {
    const set = names.map((n) => `${n} = ?`).join(', ');
    const { changes } = await tx.execute(`UPDATE ${table.name} SET ${set} WHERE ${key} = ?`, values);
    if (changes === 0) {
      const marks = values.map(() => '?').join(', ');
      await tx.execute(`INSERT INTO ${table.name} (${[...names, key].join(', ')}) VALUES (${marks})`, values);
    }
  });
}
