import type { SchemaOperation } from '../../../schema/operations.js';
import type { IndexDef, TableDef, UniqueDef } from '../../../schema/tableDef.js';

/** How a backend folds a case-insensitive column for its unique index and lookups. */
export type FoldSql = (column: string) => string;

/** A unique index, for backends with expression indexes (SQLite, PostgreSQL). */
export function uniqueIndexSql(table: string, u: UniqueDef, fold: FoldSql): string {
  // The folded expression is what makes "A@x" and "a@x" the same email.
  const expr = u.caseInsensitive ? fold(u.column) : u.column;
  return `CREATE UNIQUE INDEX IF NOT EXISTS ${u.name} ON ${table} (${expr})`;
}

export function indexSql(table: string, i: IndexDef): string {
  return `CREATE INDEX IF NOT EXISTS ${i.name} ON ${table} (${i.columns.join(', ')})`;
}

/** The table's unique and plain indexes as separate statements (CREATE INDEX IF NOT EXISTS). */
export function createIndexSql(table: TableDef, fold: FoldSql): string[] {
  return [
    ...(table.uniques ?? []).map((u) => uniqueIndexSql(table.name, u, fold)),
    ...(table.indexes ?? []).map((i) => indexSql(table.name, i)),
  ];
}

/** The index steps of a migration, for backends with expression indexes and IF [NOT] EXISTS. */
export function indexOperationSql(
  op: Extract<
    SchemaOperation,
    { kind: 'createIndex' | 'recreateUnique' | 'addUnique' | 'dropUnique' | 'dropIndex' }
  >,
  fold: FoldSql,
): string[] {
  switch (op.kind) {
    case 'createIndex':
      return [indexSql(op.table, op.index)];
    case 'addUnique':
      return [uniqueIndexSql(op.table, op.unique, fold)];
    // Index names are unique in the schema, so the name alone says which.
    case 'dropUnique':
      return [`DROP INDEX IF EXISTS ${op.unique.name}`];
    case 'dropIndex':
      return [`DROP INDEX IF EXISTS ${op.index.name}`];
    case 'recreateUnique':
      return [`DROP INDEX IF EXISTS ${op.unique.name}`, uniqueIndexSql(op.table, op.unique, fold)];
  }
}
