import type { TwoPhaseSql } from '../shared/twoPhase.js';
import { driverError } from './errors.js';

/** The session's lock wait bound is put back once the transaction has ended (it outlives it). */
const RESET = 'SET SESSION innodb_lock_wait_timeout = DEFAULT';

/**
 * XA: a branch is begun with its id (XA START), so every transaction that may be prepared starts
 * as one; committed alone it ends in one phase. A prepared branch stays bound to its session
 * until it ends there or the session goes; then it belongs to the server, not to a database.
 */
export const MYSQL_TWO_PHASE: TwoPhaseSql = {
  // The bound is in whole seconds, at least 1.
  begin: (xid, ms) => [
    `SET SESSION innodb_lock_wait_timeout = ${Math.max(1, Math.ceil(ms / 1000))}`,
    `XA START '${xid}'`,
  ],
  prepare: (xid) => [`XA END '${xid}'`, `XA PREPARE '${xid}'`],
  commitHere: (xid) => [`XA COMMIT '${xid}'`, RESET],
  rollbackHere: (xid) => [`XA ROLLBACK '${xid}'`, RESET],
  commit: (xid) => [`XA END '${xid}'`, `XA COMMIT '${xid}' ONE PHASE`, RESET],
  rollback: (xid) => [`XA END '${xid}'`, `XA ROLLBACK '${xid}'`, RESET],
  commitPrepared: (xid) => `XA COMMIT '${xid}'`,
  rollbackPrepared: (xid) => `XA ROLLBACK '${xid}'`,
  listPrepared: 'XA RECOVER',
  xidColumn: 'data',
  unknownXid: (err) => driverError(err)?.errno === 1397, // XAER_NOTA
  // ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT, XA_RBDEADLOCK, XA_RBTIMEOUT
  conflict: (err) => [1213, 1205, 1614, 1613].includes(driverError(err)?.errno ?? 0),
  disabledBy: () => undefined,
};
