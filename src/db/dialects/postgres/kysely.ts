import { Kysely, PostgresDialect, type PostgresPool } from 'kysely';
import type pg from 'pg';
import { DistdbError } from '../../../errors.js';
import type { AnyDatabase, AnyKysely } from '../../dialect.js';
import { savepointDialect } from '../shared/savepointDialect.js';
import { serialQuery } from './serial.js';

/**
 * Kysely's PostgreSQL dialect on the connection's own pool; for a transaction, on its one client
 * (released by the transaction, not by Kysely), refused once the transaction has ended; Kysely's
 * own transactions on it are savepoints.
 */
export function postgresKysely(
  pool: pg.Pool,
  client: pg.PoolClient | undefined,
  open: () => boolean,
): AnyKysely {
  if (!client) return new Kysely<AnyDatabase>({ dialect: new PostgresDialect({ pool }) });
  const bound = {
    query: (sql: string, params: unknown[]) => {
      if (!open()) return Promise.reject(new DistdbError('runtime', 'transaction used after it ended'));
      return serialQuery(client, () => client.query(sql, params));
    },
    release: () => {},
  };
  const single = { connect: async () => bound, end: async () => {} };
  return new Kysely<AnyDatabase>({
    dialect: savepointDialect(new PostgresDialect({ pool: single as unknown as PostgresPool })),
  });
}
