import type { Dialect } from '../../dialect.js';
import { captureSql } from './capture.js';
import { MysqlConnection, mysqlPoolConfig } from './connection.js';
import { isTemporaryRefusal, isTransient, rowFailure } from './errors.js';
import { quoteId } from './ident.js';
import { mariadbReplication } from './replication.js';

/** MySQL 8.0.16+ and MariaDB 10.2+: the first versions that enforce CHECK constraints. */
export const mysqlDialect: Dialect = {
  backend: 'mysql',
  schemes: ['mysql', 'mariadb'],
  // InnoDB's next-key locks on a refused duplicate can make an earlier batch wait for a later one.
  capabilities: { transactionalDdl: false, embedded: false, overlappingWrites: false, twoPhase: true },
  // Kysely's schema builder is loaded where DDL is wanted, not by every worker that writes rows.
  quoteId,
  binaryOrder: (column) => `${quoteId(column)} COLLATE utf8mb4_bin`,
  captureSql,
  shareLock: ' LOCK IN SHARE MODE',
  updateLock: ' FOR UPDATE',
  ddl: async (op) => (await import('./ddl.js')).ddl(op),
  connect(url, options) {
    return MysqlConnection.open(mysqlDialect, url, options);
  },
  checkUrl(url) {
    mysqlPoolConfig(url);
  },
  poolSize: (url) => mysqlPoolConfig(url).connectionLimit ?? 1,
  rowFailure,
  isTransient,
  isTemporaryRefusal,
  replication: mariadbReplication,
};
