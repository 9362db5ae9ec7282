import type { Dialect } from '../../dialect.js';
import { MysqlConnection, mysqlPoolConfig } from './connection.js';
import { isTransient } from './errors.js';

/** MySQL 8.0.16+ and MariaDB 10.2+: the first versions that enforce CHECK constraints. */
export const mysqlDialect: Dialect = {
  backend: 'mysql',
  schemes: ['mysql', 'mariadb'],
  capabilities: { transactionalDdl: false, embedded: false },
  connect(url, options) {
    return MysqlConnection.open(mysqlDialect, url, options);
  },
  checkUrl(url) {
    mysqlPoolConfig(url);
  },
  isTransient,
};
