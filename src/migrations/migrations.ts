import { RUN_MODEL } from '../config/defaults.js';
import {
  RUN_FAILURES_BY_CODE,
  RUN_FAILURES_TABLE,
  RUN_KEY_COLUMN,
  RUNS_TABLE,
} from '../schema/distdbTables.js';
import { type SchemaOperation, withoutColumns } from '../schema/operations.js';
import type { ColumnDef, TableDef } from '../schema/tableDef.js';

/** One step of a migration and the model it belongs to: the router is asked about that model. */
export type MigrationStep = SchemaOperation & { readonly model: string };

/** Where a migration read from a file came from, and the sha256 of the file's bytes. */
export interface MigrationSource {
  readonly file: string;
  readonly checksum: string;
}

/**
 * A migration: an id (`NNNN_name`, ordered by its number) and backend-neutral steps, each for
 * one model. A database gets the steps whose model the router allows there. An applied
 * migration never changes: a later schema change is a new migration.
 */
export interface Migration {
  readonly id: string;
  readonly operations: readonly MigrationStep[];
  /** Set for migrations read from the application's migration files. */
  readonly source?: MigrationSource;
}

const run = (op: SchemaOperation): MigrationStep => ({ ...op, model: RUN_MODEL });

/**
 * distdb's own migrations (its run history), kept in code rather than in the application's
 * folder. Their numbers interleave with the shop demo's files, as they were released.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    id: '0001_run_history',
    operations: [
      run({ kind: 'createTable', table: withoutColumns(RUNS_TABLE, [RUN_KEY_COLUMN.name]) }),
      run({ kind: 'createTable', table: RUN_FAILURES_TABLE }),
    ],
  },
  {
    id: '0005_run_keys',
    operations: [run({ kind: 'addColumn', table: RUNS_TABLE.name, column: RUN_KEY_COLUMN })],
  },
  {
    id: '0007_run_failures_by_code',
    operations: [run({ kind: 'createIndex', table: RUN_FAILURES_TABLE.name, index: RUN_FAILURES_BY_CODE })],
  },
];

/** sha256 of the migration file when it was applied; NULL in rows of earlier versions. */
export const CHECKSUM_COLUMN: ColumnDef = {
  name: 'checksum',
  type: { kind: 'varchar', length: 64 },
  nullable: true,
};

/** Per-database migration history. */
export const HISTORY_TABLE: TableDef = {
  name: 'distdb_migrations',
  primaryKey: 'name',
  columns: [
    { name: 'name', type: { kind: 'varchar', length: 255 } },
    { name: 'applied_at', type: { kind: 'varchar', length: 40 } },
    CHECKSUM_COLUMN,
  ],
};

/** The number a migration id starts with. */
export function migrationNumber(id: string): number {
  return Number.parseInt(id, 10);
}

/** distdb's migrations and the files' in one list, by number (distdb's first at the same number). */
export function allMigrations(files: readonly Migration[]): Migration[] {
  const code = new Set(MIGRATIONS);
  return [...MIGRATIONS, ...files].sort(
    (a, b) =>
      migrationNumber(a.id) - migrationNumber(b.id) ||
      Number(code.has(b)) - Number(code.has(a)) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}
