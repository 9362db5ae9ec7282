import type { TwoPhaseSql } from '../shared/twoPhase.js';
import { codeOf } from './errors.js';

/** PREPARE TRANSACTION and COMMIT PREPARED; a prepared transaction belongs to its database. */
export const POSTGRES_TWO_PHASE: TwoPhaseSql = {
  // One round trip: a statement without parameters may hold several.
  begin: (_xid, ms) => [`BEGIN; SET LOCAL lock_timeout = '${Math.max(1, Math.round(ms))}ms'`],
  prepare: (xid) => [`PREPARE TRANSACTION '${xid}'`],
  commit: () => ['COMMIT'],
  rollback: () => ['ROLLBACK'],
  commitHere: (xid) => [`COMMIT PREPARED '${xid}'`],
  rollbackHere: (xid) => [`ROLLBACK PREPARED '${xid}'`],
  commitPrepared: (xid) => `COMMIT PREPARED '${xid}'`,
  rollbackPrepared: (xid) => `ROLLBACK PREPARED '${xid}'`,
  listPrepared: 'SELECT gid AS xid FROM pg_prepared_xacts WHERE database = current_database()',
  xidColumn: 'xid',
  unknownXid: (err) => codeOf(err) === '42704',
  // serialization_failure, deadlock_detected, lock_not_available (lock_timeout)
  conflict: (err) => ['40001', '40P01', '55P03'].includes(codeOf(err) ?? ''),
  capacity: "SELECT current_setting('max_prepared_transactions') AS n",
  offBecause: 'max_prepared_transactions is 0 on its server',
  disabledBy: (err) =>
    codeOf(err) === '55000' && /prepared transactions are disabled/.test(String((err as Error).message))
      ? 'max_prepared_transactions is 0 on this server: set it above 0 (postgresql.conf or ALTER SYSTEM) and restart it'
      : undefined,
};
