import type { Connection } from '../db/dialect.js';
import { BATCH_JOURNAL_TABLE, RUN_FAILURES_TABLE } from '../schema/distdbTables.js';
import type { TableDef } from '../schema/tableDef.js';

/**
 * Text columns of distdb's own tables that earlier versions made narrower than they are now:
 * model names of any schema, in run history and journals, once held only 20 characters.
 */
const WIDENED: readonly [TableDef, string][] = [
  [RUN_FAILURES_TABLE, 'model'],
  [BATCH_JOURNAL_TABLE, 'batch_key'],
  [BATCH_JOURNAL_TABLE, 'model'],
];

/**
 * Widens those columns where the database holds them narrower than they are declared: a
 * change of distdb's bookkeeping, so not one of the migrations showmigrations lists. Run under
 * the migration lock.
 */
export async function upkeepTables(conn: Connection): Promise<void> {
  for (const [table, name] of WIDENED) {
    const column = table.columns.find((c) => c.name === name);
    if (column?.type.kind !== 'varchar') continue;
    const length = await conn.textLength(table.name, name);
    if (length === undefined || length >= column.type.length) continue;
    for (const sql of await conn.dialect.ddl({ kind: 'widenColumn', table: table.name, column }))
      await conn.execute(sql);
  }
}
