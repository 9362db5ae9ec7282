import { columnOfConstraint, type TableDef } from '../../../schema/tableDef.js';
import type { RowWrite } from '../../dialect.js';

interface SqliteErrorLike {
  code?: string;
  message: string;
}

/** Maps a better-sqlite3 constraint error to a row outcome; anything else is not a row problem. */
export function rowFailure(table: TableDef, err: unknown): RowWrite | undefined {
  const e = err as SqliteErrorLike;
  if (typeof e?.code !== 'string') return undefined;
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return { ok: false, violation: 'unique', column: constrainedColumn(table, e.message) };
  }
  if (e.code === 'SQLITE_CONSTRAINT_CHECK') {
    return { ok: false, violation: 'check', column: constrainedColumn(table, e.message) };
  }
  if (e.code === 'SQLITE_CONSTRAINT_NOTNULL') {
    return { ok: false, violation: 'not_null', column: constrainedColumn(table, e.message) };
  }
  return undefined;
}

// Messages look like "UNIQUE constraint failed: users.id", "... index 'users_email_unique'",
// "CHECK constraint failed: users_name_check".
function constrainedColumn(table: TableDef, message: string): string | undefined {
  const idx = /index '([^']+)'/.exec(message);
  if (idx?.[1]) return columnOfConstraint(table, idx[1]);
  const col = new RegExp(`${table.name}\\.(\\w+)`).exec(message);
  if (col?.[1]) return col[1];
  const named = /failed: (\w+)/.exec(message);
  return named?.[1] ? columnOfConstraint(table, named[1]) : undefined;
}

export function isBusy(err: unknown): boolean {
  const code = (err as SqliteErrorLike)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === 'SQLITE_BUSY_SNAPSHOT';
}
