import type { Connection } from '../db/dialect.js';
import { DistdbError, errorMessage } from '../errors.js';
import type { RouterChain } from '../routing/routerChain.js';
import type { SchemaOperation } from '../schema/operations.js';
import { HISTORY_TABLE, MIGRATIONS, type Migration } from './migrations.js';

export interface MigrationState {
  readonly id: string;
  readonly applied: boolean;
  readonly appliedAt?: string;
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

/** Migrations the router allows on `alias`, in order. */
export function migrationsFor(router: RouterChain, alias: string): Migration[] {
  return MIGRATIONS.filter((m) => router.allowMigrate(alias, m.model).value);
}

async function appliedMigrations(conn: Connection): Promise<Map<string, string>> {
  if (!(await conn.tableExists(HISTORY_TABLE.name))) return new Map();
  const rows = await conn.query<{ name: string; applied_at: string }>(
    `SELECT name, applied_at FROM ${HISTORY_TABLE.name}`,
  );
  return new Map(rows.map((r) => [String(r.name), String(r.applied_at)]));
}

export async function migrationStatus(
  conn: Connection,
  router: RouterChain,
  alias: string,
): Promise<DatabaseMigrations> {
  const applied = await appliedMigrations(conn);
  return {
    alias,
    migrations: migrationsFor(router, alias).map((m) => {
      const at = applied.get(m.id);
      return at === undefined ? { id: m.id, applied: false } : { id: m.id, applied: true, appliedAt: at };
    }),
  };
}

/**
 * Applies pending migrations to one database under a cross-process lock, each in its own
 * transaction with its history row, so concurrent `migrate` runs apply each exactly once. Where
 * DDL is not transactional the DDL is idempotent (IF NOT EXISTS), so a failed migration can be
 * rerun.
 */
export async function migrateDatabase(
  conn: Connection,
  router: RouterChain,
  alias: string,
): Promise<MigrateResult> {
  const wanted = migrationsFor(router, alias);
  const applied: string[] = [];
  if (wanted.length === 0) return { alias, status: 'ok', applied, alreadyApplied: 0 };
  const ddl = (op: SchemaOperation) => conn.dialect.ddl(op);
  return conn.withLock('distdb_migrate', async () => {
    for (const sql of ddl({ kind: 'createTable', table: HISTORY_TABLE })) await conn.execute(sql);
    const done = await appliedMigrations(conn);
    for (const m of wanted) {
      if (done.has(m.id)) continue;
      // Where DDL cannot be rolled back, tables this migration creates are dropped again if it fails.
      const created: string[] = [];
      if (!conn.dialect.capabilities.transactionalDdl) {
        for (const op of m.operations)
          if (op.kind === 'createTable' && !(await conn.tableExists(op.table.name)))
            created.push(op.table.name);
      }
      try {
        await conn.transaction(async (tx) => {
          for (const op of m.operations) for (const sql of ddl(op)) await tx.execute(sql);
          await tx.execute(`INSERT INTO ${HISTORY_TABLE.name} (name, applied_at) VALUES (?, ?)`, [
            m.id,
            new Date().toISOString(),
          ]);
        });
      } catch (err) {
        for (const table of created.reverse())
          await conn.execute(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
        if (err instanceof DistdbError && err.kind === 'connection') throw err;
        return { alias, status: 'failed', applied, failed: m.id, error: errorMessage(err) } as const;
      }
      applied.push(m.id);
    }
    return { alias, status: 'ok', applied, alreadyApplied: wanted.length - applied.length } as const;
  });
}
