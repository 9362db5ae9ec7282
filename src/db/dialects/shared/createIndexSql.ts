import type { SchemaOperation } from '../../../schema/operations.js';
import type { IndexDef, TableDef, UniqueDef } from '../../../schema/tableDef.js';
import { type DdlCompiler, id, raw } from './ddlCompiler.js';

/** How a backend folds a case-insensitive column (an SQL expression) for its unique index and lookups. */
export type FoldSql = (column: string) => string;

/** A unique index, for backends with expression indexes (SQLite, PostgreSQL). */
export function uniqueIndexSql(ddl: DdlCompiler, table: string, u: UniqueDef, fold: FoldSql): string {
  const index = ddl.schema.createIndex(u.name).ifNotExists().unique().on(table);
  // The folded expression is what makes "A@x" and "a@x" the same email.
  return ddl.text(
    u.caseInsensitive ? index.expression(raw(fold(ddl.text(id(u.column))))) : index.column(u.column),
  );
}

export function indexSql(ddl: DdlCompiler, table: string, i: IndexDef): string {
  return ddl.text(
    ddl.schema
      .createIndex(i.name)
      .ifNotExists()
      .on(table)
      .columns([...i.columns]),
  );
}

/** The table's unique and plain indexes as separate statements (CREATE INDEX IF NOT EXISTS). */
export function createIndexSql(ddl: DdlCompiler, table: TableDef, fold: FoldSql): string[] {
  return [
    ...(table.uniques ?? []).map((u) => uniqueIndexSql(ddl, table.name, u, fold)),
    ...(table.indexes ?? []).map((i) => indexSql(ddl, table.name, i)),
  ];
}

/** The index steps of a migration, for backends with expression indexes and IF [NOT] EXISTS. */
export function indexOperationSql(
  ddl: DdlCompiler,
  op: Extract<
    SchemaOperation,
    { kind: 'createIndex' | 'recreateUnique' | 'addUnique' | 'dropUnique' | 'dropIndex' }
  >,
  fold: FoldSql,
): string[] {
  // Index names are unique in the schema, so the name alone says which.
  const drop = (name: string) => ddl.text(ddl.schema.dropIndex(name).ifExists());
  switch (op.kind) {
    case 'createIndex':
      return [indexSql(ddl, op.table, op.index)];
    case 'addUnique':
      return [uniqueIndexSql(ddl, op.table, op.unique, fold)];
    case 'dropUnique':
      return [drop(op.unique.name)];
    case 'dropIndex':
      return [drop(op.index.name)];
    case 'recreateUnique':
      return [drop(op.unique.name), uniqueIndexSql(ddl, op.table, op.unique, fold)];
  }
}
