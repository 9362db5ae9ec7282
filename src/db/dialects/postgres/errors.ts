import { columnOfConstraint, type TableDef } from '../../../schema/tableDef.js';
import type { RowWrite } from '../../dialect.js';

interface PgErrorLike {
  code?: string;
  constraint?: string;
  column?: string;
  message?: string;
}

/**
 * Maps a pg constraint error to a row outcome; anything else is not a row problem. A value too
 * long for its VARCHAR, out of range for its NUMERIC, not of the column's type or holding a NUL
 * is refused like a check (the server names no column for those).
 */
export function rowFailure(table: TableDef, err: unknown): RowWrite | undefined {
  const e = err as PgErrorLike | null;
  const constrained = e?.constraint ? columnOfConstraint(table, e.constraint) : undefined;
  switch (e?.code) {
    case '23505':
      return { ok: false, violation: 'unique', column: constrained };
    case '23514':
      return { ok: false, violation: 'check', column: constrained };
    case '23502':
      return { ok: false, violation: 'not_null', column: e.column ?? constrained };
    case '22001':
    case '22003':
    case '22021': // a NUL character, which PostgreSQL text cannot hold
    case '22P02': // text that is not a value of the column's type (a boolean, a number)
    case '22007': // not a date and time
    case '22008': // a date and time out of range
      return { ok: false, violation: 'check', column: e.column };
    default:
      return undefined;
  }
}

/** The advisory lock was not granted within `lock_timeout`. */
export function isLockTimeout(err: unknown): boolean {
  return (err as PgErrorLike | null)?.code === '55P03';
}

const TRANSIENT_CODES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '57P01', // admin_shutdown
  '57P03', // cannot_connect_now (server starting up)
  '08000', // connection_exception
  '08003', // connection_does_not_exist
  '08006', // connection_failure
  '53300', // too_many_connections
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

/** The driver's code, also where distdb wrapped the error (connection errors keep it in `cause`). */
export function codeOf(err: unknown): string | undefined {
  const e = err as (PgErrorLike & { cause?: PgErrorLike }) | null;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Worth retrying the same step: a lost serialization race, a deadlock, or a dropped connection. */
export function isTransient(err: unknown): boolean {
  const code = codeOf(err);
  if (code !== undefined) return TRANSIENT_CODES.has(code);
  // pg reports a connection dropped mid-query without a code.
  return /Connection terminated|connection timeout/i.test((err as PgErrorLike | null)?.message ?? '');
}

const REFUSAL_CODES = new Set([
  '53300', // too_many_connections: the server's max_connections, a role's or a database's CONNECTION LIMIT
  '57P03', // cannot_connect_now: starting up or shutting down
]);

export function isTemporaryRefusal(err: unknown): boolean {
  return REFUSAL_CODES.has(codeOf(err) ?? '');
}
