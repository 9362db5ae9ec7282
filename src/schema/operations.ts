import type { ColumnDef, IndexDef, TableDef, UniqueDef } from './tableDef.js';

/**
 * One backend-neutral step of a migration; each dialect compiles it to its own DDL
 * (`Dialect.ddl`). A migration's steps never change once it is released: a later schema change
 * is a later migration.
 */
export type SchemaOperation =
  | { readonly kind: 'createTable'; readonly table: TableDef }
  /** A nullable column without a default, so rows already stored stay as they are. */
  | { readonly kind: 'addColumn'; readonly table: string; readonly column: ColumnDef }
  | { readonly kind: 'createIndex'; readonly table: string; readonly index: IndexDef }
  /**
   * Drops a unique index and creates it again from its present definition: for when the way a
   * dialect builds it has changed (how it folds case, say).
   */
  | { readonly kind: 'recreateUnique'; readonly table: string; readonly unique: UniqueDef };

/** The table as an earlier migration created it: without the columns later ones add. */
export function withoutColumns(table: TableDef, names: readonly string[]): TableDef {
  return { ...table, columns: table.columns.filter((c) => !names.includes(c.name)) };
}
