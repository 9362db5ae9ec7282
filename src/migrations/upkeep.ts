import type { Connection } from '../db/dialect.js';
import { BATCH_JOURNAL_TABLE, RUN_FAILURES_TABLE } from '../schema/distdbTables.js';
import type { SchemaOperation } from '../schema/operations.js';
import type { TableDef } from '../schema/tableDef.js';
import { type AppliedMigration, recordApplied } from './history.js';

/**
 * A change to one of distdb's own tables, made once in each database holding that table and
 * recorded in its history under a name outside the numbered migrations: showmigrations lists
 * the application's migrations and the run history's, not distdb's bookkeeping.
 */
interface Upkeep {
  readonly id: string;
  readonly table: TableDef;
  readonly steps: readonly SchemaOperation[];
}

/** The column as the table defines it now. */
function widened(table: TableDef, column: string): SchemaOperation {
  const def = table.columns.find((c) => c.name === column);
  if (!def) throw new Error(`table ${table.name} has no column ${column}`);
  return { kind: 'widenColumn', table: table.name, column: def };
}

/** Model names of any schema: run history and journals once held only 20 characters of them. */
const UPKEEP: readonly Upkeep[] = [
  {
    id: 'distdb_run_failures_model_names',
    table: RUN_FAILURES_TABLE,
    steps: [widened(RUN_FAILURES_TABLE, 'model')],
  },
  {
    id: 'distdb_batches_model_names',
    table: BATCH_JOURNAL_TABLE,
    steps: [widened(BATCH_JOURNAL_TABLE, 'batch_key'), widened(BATCH_JOURNAL_TABLE, 'model')],
  },
];

/** Makes the upkeep changes this database's tables still need. Run under the migration lock. */
export async function upkeepTables(
  conn: Connection,
  done: ReadonlyMap<string, AppliedMigration>,
): Promise<void> {
  for (const u of UPKEEP) {
    if (done.has(u.id) || !(await conn.tableExists(u.table.name))) continue;
    await conn.transaction(async (tx) => {
      for (const op of u.steps) for (const sql of conn.dialect.ddl(op)) await tx.execute(sql);
      await recordApplied(tx, u.id, undefined);
    });
  }
}
