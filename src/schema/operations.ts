import type { CheckDef, ColumnDef, IndexDef, TableDef, UniqueDef } from './tableDef.js';

/**
 * One backend-neutral step of a migration; each dialect compiles it to its own DDL
 * (`Dialect.ddl`). A migration's steps never change once it is applied: a later schema change
 * is a later migration.
 */
export type SchemaOperation =
  | { readonly kind: 'createTable'; readonly table: TableDef }
  | { readonly kind: 'dropTable'; readonly table: string }
  /**
   * A column nullable or with a default, so rows already stored stay as they are (and take the
   * default); `checks` are the column's own checks, named as in a created table.
   */
  | {
      readonly kind: 'addColumn';
      readonly table: string;
      readonly column: ColumnDef;
      readonly checks?: readonly CheckDef[];
    }
  /**
   * Drops a column with its checks and every index holding it (also with other columns).
   * `result` is the table as it is afterwards: where a backend cannot drop a column in place,
   * the table is rebuilt to it, rows kept.
   */
  | {
      readonly kind: 'dropColumn';
      readonly table: string;
      readonly column: string;
      readonly result: TableDef;
    }
  /** Fails (and changes nothing) where stored rows already share a value. */
  | { readonly kind: 'addUnique'; readonly table: string; readonly unique: UniqueDef }
  | { readonly kind: 'dropUnique'; readonly table: string; readonly unique: UniqueDef }
  | { readonly kind: 'createIndex'; readonly table: string; readonly index: IndexDef }
  | { readonly kind: 'dropIndex'; readonly table: string; readonly index: IndexDef }
  /**
   * Drops a unique index and creates it again from its present definition: for when the way a
   * dialect builds it has changed (how it folds case, say).
   */
  | { readonly kind: 'recreateUnique'; readonly table: string; readonly unique: UniqueDef }
  /** Makes a text column hold longer values (`column` as it is to be); rows are kept as they are. */
  | { readonly kind: 'widenColumn'; readonly table: string; readonly column: ColumnDef };

/** The table as an earlier migration created it: without the columns later ones add. */
export function withoutColumns(table: TableDef, names: readonly string[]): TableDef {
  return { ...table, columns: table.columns.filter((c) => !names.includes(c.name)) };
}
