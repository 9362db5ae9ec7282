import type { Connection } from '../db/dialect.js';
import { DistdbError, errorMessage } from '../errors.js';
import type { RouterChain } from '../routing/routerChain.js';
import { BATCH_JOURNAL_TABLE } from '../schema/distdbTables.js';
import type { SchemaOperation } from '../schema/operations.js';
import {
  type AppliedMigration,
  ensureHistory,
  readHistory,
  recordApplied,
  recordChecksum,
} from './history.js';
import { displayPath } from './migrationFiles.js';
import type { Migration } from './migrations.js';
import { upkeepTables } from './upkeep.js';

/** What a migrate or showmigrations works from: every migration, and the models they are for. */
export interface MigrationPlan {
  /** distdb's own migrations and the application's files, in order. */
  readonly migrations: readonly Migration[];
  /** Labels of the declared models: a database holding one keeps the batch journal. */
  readonly models: readonly string[];
}

export interface MigrationState {
  readonly id: string;
  readonly applied: boolean;
  readonly appliedAt?: string;
  /** The migration's file is not the one that was applied (its checksum differs). */
  readonly changed?: boolean;
}

export interface DatabaseMigrations {
  readonly alias: string;
  readonly migrations: MigrationState[];
}

export type MigrateResult =
  | {
      readonly alias: string;
      readonly status: 'ok';
      readonly applied: string[];
      readonly alreadyApplied: number;
    }
  | {
      readonly alias: string;
      readonly status: 'failed';
      readonly applied: string[];
      readonly failed: string;
      readonly error: string;
    };

/** The migrations with a step the router allows on `alias`, each with those steps only, in order. */
export function migrationsFor(router: RouterChain, alias: string, plan: MigrationPlan): Migration[] {
  const out: Migration[] = [];
  for (const m of plan.migrations) {
    const operations = m.operations.filter((s) => router.allowMigrate(alias, s.model).value);
    if (operations.length > 0) out.push({ ...m, operations });
  }
  return out;
}

function holdsModel(router: RouterChain, alias: string, plan: MigrationPlan): boolean {
  return plan.models.some((model) => router.allowMigrate(alias, model).value);
}

function isChanged(m: Migration, row: AppliedMigration | undefined): boolean {
  return Boolean(m.source && row?.checksum && row.checksum !== m.source.checksum);
}

export function changedFileError(alias: string, m: Migration): DistdbError {
  const file = m.source ? displayPath(m.source.file) : m.id;
  return new DistdbError(
    'migration',
    `migration file ${file} has changed since it was applied to database "${alias}": restore it, and put schema changes in a new migration (distdb makemigrations)`,
  );
}

/** Refuses when a migration applied to this database has a file that changed since. */
export async function checkAppliedFiles(
  conn: Connection,
  router: RouterChain,
  alias: string,
  plan: MigrationPlan,
): Promise<void> {
  const history = await readHistory(conn);
  const changed = migrationsFor(router, alias, plan).find((m) => isChanged(m, history.get(m.id)));
  if (changed) throw changedFileError(alias, changed);
}

export async function migrationStatus(
  conn: Connection,
  router: RouterChain,
  alias: string,
  plan: MigrationPlan,
): Promise<DatabaseMigrations> {
  const history = await readHistory(conn);
  return {
    alias,
    migrations: migrationsFor(router, alias, plan).map((m) => {
      const row = history.get(m.id);
      if (!row) return { id: m.id, applied: false };
      return {
        id: m.id,
        applied: true,
        appliedAt: row.appliedAt,
        ...(isChanged(m, row) ? { changed: true } : {}),
      };
    }),
  };
}

/** The DDL of one migration (and the journal's, where a model lives) with its history row, in one transaction. */
async function applyMigration(conn: Connection, m: Migration, journal: boolean): Promise<void> {
  const ops: SchemaOperation[] = [...m.operations];
  if (journal) ops.push({ kind: 'createTable', table: BATCH_JOURNAL_TABLE });
  // Where DDL cannot be rolled back, tables this migration creates are dropped again if it fails.
  const created: string[] = [];
  if (!conn.dialect.capabilities.transactionalDdl) {
    for (const op of ops)
      if (op.kind === 'createTable' && !(await conn.tableExists(op.table.name))) created.push(op.table.name);
  }
  try {
    await conn.transaction(async (tx) => {
      for (const op of ops) for (const sql of await conn.dialect.ddl(op)) await tx.execute(sql);
      await recordApplied(tx, m.id, m.source?.checksum);
    });
  } catch (err) {
    for (const table of created.reverse()) {
      for (const sql of await conn.dialect.ddl({ kind: 'dropTable', table })) {
        await conn.execute(sql).catch(() => undefined);
      }
    }
    throw err;
  }
}

/**
 * Applies pending migrations to one database under a cross-process lock, each in its own
 * transaction with its history row, so concurrent `migrate` runs apply each exactly once. Where
 * DDL is not transactional the DDL is idempotent (IF NOT EXISTS), so a failed migration can be
 * rerun. An applied migration whose file changed since is refused before anything is applied.
 */
export async function migrateDatabase(
  conn: Connection,
  router: RouterChain,
  alias: string,
  plan: MigrationPlan,
): Promise<MigrateResult> {
  const wanted = migrationsFor(router, alias, plan);
  const applied: string[] = [];
  if (wanted.length === 0) return { alias, status: 'ok', applied, alreadyApplied: 0 };
  const journal = holdsModel(router, alias, plan);
  return conn.withLock('distdb_migrate', async () => {
    await ensureHistory(conn);
    const done = await readHistory(conn);
    const changed = wanted.find((m) => isChanged(m, done.get(m.id)));
    if (changed) throw changedFileError(alias, changed);
    for (const m of wanted) {
      const row = done.get(m.id);
      if (row && m.source && row.checksum === null) await recordChecksum(conn, m.id, m.source.checksum);
      if (row) continue;
      try {
        await applyMigration(conn, m, journal);
      } catch (err) {
        if (err instanceof DistdbError && err.kind === 'connection') throw err;
        return { alias, status: 'failed', applied, failed: m.id, error: errorMessage(err) } as const;
      }
      applied.push(m.id);
    }
    // Every database holding a model keeps the journal, also when nothing was pending for it.
    if (journal && !(await conn.tableExists(BATCH_JOURNAL_TABLE.name)))
      for (const sql of await conn.dialect.ddl({ kind: 'createTable', table: BATCH_JOURNAL_TABLE }))
        await conn.execute(sql);
    await upkeepTables(conn);
    return { alias, status: 'ok', applied, alreadyApplied: wanted.length - applied.length } as const;
  });
}
