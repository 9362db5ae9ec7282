import type { Dialect } from '../../dialect.js';
import { captureSql } from './capture.js';
import { PostgresConnection, postgresConfig } from './connection.js';
import { isTemporaryRefusal, isTransient, rowFailure } from './errors.js';
import { quoteId } from './ident.js';
import { postgresReplication } from './replication.js';

export const postgresDialect: Dialect = {
  backend: 'postgres',
  schemes: ['postgres', 'postgresql'],
  capabilities: { transactionalDdl: true, embedded: false, overlappingWrites: true, twoPhase: true },
  // Kysely's schema builder is loaded where DDL is wanted, not by every worker that writes rows.
  quoteId,
  binaryOrder: (column) => `${quoteId(column)} COLLATE "C"`,
  captureSql,
  shareLock: ' FOR SHARE',
  updateLock: ' FOR UPDATE',
  ddl: async (op) => (await import('./ddl.js')).ddl(op),
  connect(url, options) {
    return PostgresConnection.open(postgresDialect, url, options);
  },
  checkUrl(url) {
    postgresConfig(url);
  },
  poolSize: (url) => postgresConfig(url).max ?? 1,
  rowFailure,
  isTransient,
  isTemporaryRefusal,
  replication: postgresReplication,
};
