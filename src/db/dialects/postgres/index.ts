import type { Dialect } from '../../dialect.js';
import { PostgresConnection, postgresConfig } from './connection.js';
import { ddl } from './ddl.js';
import { isTemporaryRefusal, isTransient, rowFailure } from './errors.js';

export const postgresDialect: Dialect = {
  backend: 'postgres',
  schemes: ['postgres', 'postgresql'],
  capabilities: { transactionalDdl: true, embedded: false, overlappingWrites: true },
  ddl,
  connect(url, options) {
    return PostgresConnection.open(postgresDialect, url, options);
  },
  checkUrl(url) {
    postgresConfig(url);
  },
  rowFailure,
  isTransient,
  isTemporaryRefusal,
};
