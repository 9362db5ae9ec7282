import { MODELS } from '../models/models.js';
import { BATCH_JOURNAL_TABLE, RUN_FAILURES_TABLE, RUNS_TABLE } from '../runs/tables.js';
import type { TableDef } from '../schema/tableDef.js';

/**
 * A migration belongs to one model (for routing) and creates its tables. Ids are ordered and
 * never reused; a later schema change is a new migration.
 */
export interface Migration {
  readonly id: string;
  /** Model label the router is asked about (`allowMigrate(alias, model)`). */
  readonly model: string;
  readonly tables: readonly TableDef[];
}

export const MIGRATIONS: readonly Migration[] = [
  { id: '0001_run_history', model: 'Run', tables: [RUNS_TABLE, RUN_FAILURES_TABLE] },
  ...MODELS.map((m, i) => ({
    id: `${String(i + 2).padStart(4, '0')}_create_${m.table.name}`,
    model: m.label,
    tables: [m.table, BATCH_JOURNAL_TABLE],
  })),
];

/** Per-database migration history. */
export const HISTORY_TABLE: TableDef = {
  name: 'distdb_migrations',
  primaryKey: 'name',
  columns: [
    { name: 'name', type: { kind: 'varchar', length: 255 } },
    { name: 'applied_at', type: { kind: 'varchar', length: 40 } },
  ],
};
