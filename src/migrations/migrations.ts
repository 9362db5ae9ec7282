import { SHOP_MODELS as MODELS } from '../examples/shop/models.js';
import {
  BATCH_JOURNAL_TABLE,
  RUN_FAILURES_BY_CODE,
  RUN_FAILURES_TABLE,
  RUN_KEY_COLUMN,
  RUNS_TABLE,
} from '../schema/distdbTables.js';
import { type SchemaOperation, withoutColumns } from '../schema/operations.js';
import type { TableDef } from '../schema/tableDef.js';

/**
 * A migration belongs to one model (for routing) and is a list of backend-neutral steps. Ids
 * are ordered and never reused; a released migration never changes: a later schema change is a
 * new migration.
 */
export interface Migration {
  readonly id: string;
  /** Model label the router is asked about (`allowMigrate(alias, model)`). */
  readonly model: string;
  readonly operations: readonly SchemaOperation[];
}

const createTable = (table: TableDef): SchemaOperation => ({ kind: 'createTable', table });

/** Models whose unique indexes fold case, which PostgreSQL now folds independently of the locale. */
const caseFolded = MODELS.filter((m) => (m.table.uniques ?? []).some((u) => u.caseInsensitive));

export const MIGRATIONS: readonly Migration[] = [
  {
    id: '0001_run_history',
    model: 'Run',
    operations: [
      createTable(withoutColumns(RUNS_TABLE, [RUN_KEY_COLUMN.name])),
      createTable(RUN_FAILURES_TABLE),
    ],
  },
  ...MODELS.map((m, i) => ({
    id: `${String(i + 2).padStart(4, '0')}_create_${m.table.name}`,
    model: m.label,
    operations: [createTable(m.table), createTable(BATCH_JOURNAL_TABLE)],
  })),
  {
    id: '0005_run_keys',
    model: 'Run',
    operations: [{ kind: 'addColumn', table: RUNS_TABLE.name, column: RUN_KEY_COLUMN }],
  },
  ...caseFolded.map((m, i) => ({
    id: `${String(i + 6).padStart(4, '0')}_${m.table.name}_case_fold`,
    model: m.label,
    operations: (m.table.uniques ?? [])
      .filter((u) => u.caseInsensitive)
      .map((unique): SchemaOperation => ({ kind: 'recreateUnique', table: m.table.name, unique })),
  })),
  {
    id: `${String(6 + caseFolded.length).padStart(4, '0')}_run_failures_by_code`,
    model: 'Run',
    operations: [{ kind: 'createIndex', table: RUN_FAILURES_TABLE.name, index: RUN_FAILURES_BY_CODE }],
  },
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
