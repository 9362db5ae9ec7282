import { DistdbError } from '../../../errors.js';
import type { SchemaOperation } from '../../../schema/operations.js';
import type { TableDef } from '../../../schema/tableDef.js';

type DropColumn = Extract<SchemaOperation, { kind: 'dropColumn' }>;

/**
 * Drops a column by rebuilding the table as `op.result`, as SQLite documents it: create the new
 * table under another name, copy the remaining columns (values are copied as stored, byte for
 * byte), drop the old table, rename the new one, recreate the indexes. Meant to run inside the
 * migration's transaction, which makes it all or nothing.
 */
export function rebuildSql(
  op: DropColumn,
  createTable: (table: TableDef, as: string) => string,
  indexes: readonly string[],
): string[] {
  const { result } = op;
  const problem =
    result.name !== op.table
      ? `its result is table ${result.name}`
      : result.columns.some((c) => c.name === op.column)
        ? 'its result still has the column'
        : result.columns.length === 0
          ? 'its result has no columns'
          : undefined;
  if (problem) {
    throw new DistdbError('config', `dropping ${op.table}.${op.column}: ${problem}`);
  }
  const temp = `${op.table}_distdb_rebuild`;
  const names = result.columns.map((c) => c.name).join(', ');
  // AUTOINCREMENT remembers the highest id ever given, deleted rows included: carried over.
  const sequence = result.columns.some((c) => c.type.kind === 'serial')
    ? [
        `DELETE FROM sqlite_sequence WHERE name = '${temp}'`,
        `INSERT INTO sqlite_sequence (name, seq) SELECT '${temp}', seq FROM sqlite_sequence WHERE name = '${op.table}'`,
      ]
    : [];
  return [
    createTable(result, temp),
    `INSERT INTO ${temp} (${names}) SELECT ${names} FROM ${op.table}`,
    ...sequence,
    `DROP TABLE ${op.table}`,
    `ALTER TABLE ${temp} RENAME TO ${op.table}`,
    ...indexes,
  ];
}
