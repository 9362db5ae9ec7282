/** SQL about one column that the DDL and the bulk paths share. */
import type { ColumnDef } from '../../../schema/tableDef.js';
import type { FoldSql } from '../shared/createIndexSql.js';

/**
 * lower() under the "C" collation folds ASCII letters only. Under the database's own collation
 * it follows its locale: with ICU tr-TR, lower('I') is a dotless ı, and "ALICE@…" would not
 * collide with "alice@…".
 */
export const fold: FoldSql = (column) => `lower(${column} COLLATE "C")`;

/**
 * Element type of the array parameter a column's values travel in (`unnest($1::bigint[])`).
 * Unconstrained on purpose: an explicit cast to VARCHAR(n) or NUMERIC(p,s) would truncate or
 * round silently, where the assignment to the column refuses.
 */
export function arrayType(c: ColumnDef): string {
  switch (c.type.kind) {
    case 'bigint':
    case 'serial':
      return 'bigint[]';
    case 'integer':
      return 'integer[]';
    case 'decimal':
      return 'numeric[]';
    case 'double':
      return 'float8[]';
    case 'varchar':
    case 'text':
      return 'text[]';
    case 'boolean':
      return 'boolean[]';
    case 'timestamp':
      return 'timestamptz[]';
  }
}
