import { Kysely, MysqlDialect, type MysqlPool } from 'kysely';
import type { Pool, PoolConnection } from 'mysql2/promise';
import { DistdbError } from '../../../errors.js';
import type { AnyDatabase, AnyKysely } from '../../dialect.js';
import { savepointDialect } from '../shared/savepointDialect.js';

type Callback = (err: unknown, result?: unknown) => void;

/**
 * Kysely's MySQL dialect on the connection's own pool; for a transaction, on its one session
 * (released by the transaction, not by Kysely), refused once the transaction has ended; Kysely's
 * own transactions on it are savepoints.
 */
export function mysqlKysely(pool: Pool, conn: PoolConnection | undefined, open: () => boolean): AnyKysely {
  if (!conn)
    return new Kysely<AnyDatabase>({
      dialect: new MysqlDialect({ pool: pool.pool as unknown as MysqlPool }),
    });
  const core = conn.connection;
  const bound = {
    query: (sql: string, params: unknown[], done: Callback) => {
      if (!open()) return done(new DistdbError('runtime', 'transaction used after it ended'));
      (core as unknown as { query(sql: string, params: unknown[], done: Callback): void }).query(
        sql,
        params,
        done,
      );
    },
    release: () => {},
  };
  const single = {
    getConnection: (done: (err: unknown, c?: unknown) => void) => done(null, bound),
    end: (done: (err?: unknown) => void) => done(),
  };
  return new Kysely<AnyDatabase>({
    dialect: savepointDialect(new MysqlDialect({ pool: single as unknown as MysqlPool })),
  });
}
