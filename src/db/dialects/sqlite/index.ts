import { existsSync } from 'node:fs';
import type { Dialect } from '../../dialect.js';
import { captureSql } from './capture.js';
import { SqliteConnection, sqlitePath } from './connection.js';
import { isBusy, rowFailure } from './errors.js';
import { quoteId } from './ident.js';

export const sqliteDialect: Dialect = {
  backend: 'sqlite',
  schemes: ['sqlite'],
  // One writer at a time per database file.
  capabilities: { transactionalDdl: true, embedded: true, overlappingWrites: false, twoPhase: false },
  // Kysely's schema builder is loaded where DDL is wanted, not by every worker that writes rows.
  quoteId,
  binaryOrder: (column) => `${quoteId(column)} COLLATE BINARY`,
  captureSql,
  // A write transaction holds the whole database, so what it reads stays as read.
  shareLock: '',
  updateLock: '',
  ddl: async (op) => (await import('./ddl.js')).ddl(op),
  async connect(url, options) {
    return new SqliteConnection(sqliteDialect, url, options);
  },
  checkUrl() {
    // Any path is a path; whether it can be opened is known when it is opened.
  },
  rowFailure,
  isTransient: isBusy,
  // Opening a file is never refused for load; a busy file is waited for when it is opened.
  isTemporaryRefusal: () => false,
  exists(url) {
    const path = sqlitePath(url);
    return path === ':memory:' || existsSync(path);
  },
};
