import type { ColumnDef } from '../../../schema/tableDef.js';
import type { SqlValue } from '../../dialect.js';
import { encodeValue, isUtcTimestamp } from '../shared/values.js';

/**
 * DATETIME holds a wall time without a zone: distdb stores the UTC one. `2024-05-01T12:30:00.000Z`
 * → `2024-05-01 12:30:00.000`, never through a Date (whose zone would be the process's own).
 */
export function mysqlTimestamp(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** DATETIME text as the server sends it (`2024-05-01 12:30:00.250`) → UTC ISO text. */
export function fromMysqlDatetime(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?$/.exec(text);
  if (!m) return text;
  return `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
}

/** A value as MySQL takes it: decimals as exact text, timestamps as UTC DATETIME text. */
export function encodeMysql(column: ColumnDef, value: SqlValue | undefined): SqlValue {
  if (column.type.kind === 'timestamp' && isUtcTimestamp(value)) return mysqlTimestamp(value);
  return encodeValue(column, value);
}
