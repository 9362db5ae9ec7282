import { columnOfConstraint, type TableDef } from '../../../schema/tableDef.js';
import type { RowWrite } from '../../dialect.js';

export interface MysqlErrorLike {
  code?: string;
  errno?: number;
  sqlMessage?: string;
  message?: string;
}

const DUP_ENTRY = 1062;
/** The column a value error names, bare or qualified by database and table. */
const COLUMN = /for column (?:`[^`]*`\.)*[`']([^`']+)[`']/;

/**
 * Maps a MySQL/MariaDB constraint error to a row outcome; anything else is not a row problem.
 * Strict mode refuses a value too long or out of range for its column; that counts as a check.
 */
export function rowFailure(table: TableDef, err: unknown): RowWrite | undefined {
  const e = err as MysqlErrorLike | null;
  const message = e?.sqlMessage ?? e?.message ?? '';
  switch (e?.errno) {
    // Duplicate entry 'x' for key 'users.users_email_unique' (MySQL 8) / 'users_email_unique' / 'PRIMARY'
    case DUP_ENTRY: {
      const key = /for key '([^']+)'$/.exec(message)?.[1];
      const name = key?.startsWith(`${table.name}.`) ? key.slice(table.name.length + 1) : key;
      return { ok: false, violation: 'unique', column: name ? columnOfConstraint(table, name) : undefined };
    }
    // MySQL: Check constraint 'users_name_check' is violated.
    case 3819: {
      const name = /constraint '([^']+)'/i.exec(message)?.[1];
      return { ok: false, violation: 'check', column: name ? columnOfConstraint(table, name) : undefined };
    }
    // MariaDB: CONSTRAINT `users_name_check` failed for `db`.`users`
    case 4025: {
      const name = /CONSTRAINT `([^`]+)`/.exec(message)?.[1];
      return { ok: false, violation: 'check', column: name ? columnOfConstraint(table, name) : undefined };
    }
    // Column 'name' cannot be null
    case 1048:
      return { ok: false, violation: 'not_null', column: /Column '([^']+)'/.exec(message)?.[1] };
    // Data too long for column 'name' at row 1 / Out of range value for column 'price' at row 1 /
    // Incorrect datetime value: 'x' for column `db`.`t`.`at` at row 1 (MariaDB) / Incorrect
    // integer value: 'x' for column 'n' at row 1
    case 1406:
    case 1264:
    case 1292:
    case 1366:
      return { ok: false, violation: 'check', column: COLUMN.exec(message)?.[1] };
    default:
      return undefined;
  }
}

export function isDuplicate(err: unknown): boolean {
  return (err as MysqlErrorLike | null)?.errno === DUP_ENTRY;
}

/** Too many connections: on the server, or for this account (max_user_connections). */
const REFUSAL_ERRNOS = new Set([
  1040, // ER_CON_COUNT_ERROR
  1203, // ER_TOO_MANY_USER_CONNECTIONS
  1226, // ER_USER_LIMIT_REACHED
]);
const TRANSIENT_ERRNOS = new Set([
  1213, // ER_LOCK_DEADLOCK
  1205, // ER_LOCK_WAIT_TIMEOUT
  1053, // ER_SERVER_SHUTDOWN
  ...REFUSAL_ERRNOS,
]);
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'PROTOCOL_CONNECTION_LOST',
]);

/** The driver's error, also where distdb wrapped it (connection errors keep it in `cause`). */
export function driverError(err: unknown): MysqlErrorLike | null {
  const e = err as (MysqlErrorLike & { cause?: MysqlErrorLike }) | null;
  return e?.errno === undefined && e?.cause ? e.cause : e;
}

/** Worth retrying the same step: a deadlock, a lock wait timeout, or a dropped connection. */
export function isTransient(err: unknown): boolean {
  const e = driverError(err);
  return (e?.errno !== undefined && TRANSIENT_ERRNOS.has(e.errno)) || TRANSIENT_CODES.has(e?.code ?? '');
}

export function isTemporaryRefusal(err: unknown): boolean {
  const e = driverError(err);
  return e?.errno !== undefined && REFUSAL_ERRNOS.has(e.errno);
}
