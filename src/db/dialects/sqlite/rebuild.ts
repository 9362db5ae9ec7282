import { sql } from 'kysely';
import { DistdbError } from '../../../errors.js';
import type { SchemaOperation } from '../../../schema/operations.js';
import type { TableDef } from '../../../schema/tableDef.js';
import { type DdlCompiler, id } from '../shared/ddlCompiler.js';
import { textLiteral } from '../shared/literals.js';

type DropColumn = Extract<SchemaOperation, { kind: 'dropColumn' }>;

/**
 * Drops a column by rebuilding the table as `op.result`, as SQLite documents it: create the new
 * table under another name, copy the remaining columns (values are copied as stored, byte for
 * byte), drop the old table, rename the new one, recreate the indexes. Meant to run inside the
 * migration's transaction, which makes it all or nothing.
 */
export function rebuildSql(
  ddl: DdlCompiler,
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
  const names = sql.join(result.columns.map((c) => id(c.name)));
  // AUTOINCREMENT remembers the highest id ever given, deleted rows included: carried over.
  const sequence = result.columns.some((c) => c.type.kind === 'serial')
    ? [
        `DELETE FROM sqlite_sequence WHERE name = ${textLiteral(temp)}`,
        `INSERT INTO sqlite_sequence (name, seq) SELECT ${textLiteral(temp)}, seq FROM sqlite_sequence WHERE name = ${textLiteral(op.table)}`,
      ]
    : [];
  return [
    createTable(result, temp),
    ddl.text(sql`insert into ${id(temp)} (${names}) select ${names} from ${id(op.table)}`),
    ...sequence,
    ddl.text(ddl.schema.dropTable(op.table)),
    ddl.text(ddl.schema.alterTable(temp).renameTo(op.table)),
    ...indexes,
  ];
}
