import type { Distdb } from '../distdb.js';
import { errorLine } from '../errors.js';
import type { ReplicaStatus } from '../replicas/replicaSet.js';

export interface DatabaseDescription {
  readonly alias: string;
  /** Backend name, or the URL scheme when the backend could not be loaded. */
  readonly backend: string;
  /** Password shown as `***`. */
  readonly url: string;
  readonly reachable: boolean;
  readonly error?: string;
  readonly migrations?: { readonly applied: number; readonly pending: number };
  /** Row counts of the model tables living here (tables not created yet are left out). */
  readonly rows?: Record<string, number>;
  /**
   * Branches of this deployment's transactions across databases (`atomic`) prepared here and
   * not yet ended: in doubt after a crash until `distdb recover`, or in progress.
   * Absent for a database without two-phase commit.
   */
  readonly inDoubt?: number;
  /** Its read replicas, where it has any: health, replay lag, reads served by this process. */
  readonly replicas?: readonly ReplicaStatus[];
}

/** Connects to every configured database and reports what is there; never throws for one database. */
export async function describeDatabases(db: Distdb): Promise<DatabaseDescription[]> {
  const out: DatabaseDescription[] = [];
  // A primary that does not answer leaves its replicas unchecked: they are listed as they are.
  const replicas = await db.replicaStatus();
  for (const alias of db.aliases) {
    const url = db.config.databases[alias];
    const own = replicas.filter((r) => r.database === alias);
    const base = {
      alias,
      backend: url?.scheme ?? '?',
      url: url?.redacted ?? '',
      ...(own.length > 0 ? { replicas: own } : {}),
    };
    try {
      const conn = await db.connection(alias);
      const status = await db.showMigrations({ database: alias });
      const migrations = status[0]?.migrations ?? [];
      const rows: Record<string, number> = {};
      for (const m of db.modelsIn(alias)) {
        if (!(await conn.tableExists(m.table.name))) continue;
        const table = conn.dialect.quoteId(m.table.name);
        const r = await conn.query(`SELECT COUNT(*) AS n FROM ${table}`);
        rows[m.table.name] = Number(r[0]?.n ?? 0);
      }
      const applied = migrations.filter((m) => m.applied).length;
      // Listing them may need a privilege the user lacks (XA_RECOVER_ADMIN on MySQL 8): then unknown.
      const inDoubt =
        conn.twoPhase &&
        (await conn.twoPhase.prepared(db.atomicPrefix).then(
          (xids) => xids.length,
          () => undefined,
        ));
      out.push({
        ...base,
        backend: conn.dialect.backend,
        reachable: true,
        migrations: { applied, pending: migrations.length - applied },
        rows,
        ...(inDoubt === undefined ? {} : { inDoubt }),
      });
    } catch (err) {
      out.push({ ...base, reachable: false, error: errorLine(err) });
    }
  }
  return out;
}
