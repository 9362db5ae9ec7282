/**
 * Backend-neutral table definitions. Models and distdb's own tables are described with these;
 * each dialect compiles them to its DDL, so no business code writes backend-specific SQL.
 */
export type ColumnType =
  | { kind: 'bigint' }
  | { kind: 'integer' }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'varchar'; length: number }
  | { kind: 'text' }
  | { kind: 'double' }
  | { kind: 'serial' }
  /** True or false (stored as the backend's boolean, or 0/1). */
  | { kind: 'boolean' }
  /** An instant, kept in UTC to the millisecond. */
  | { kind: 'timestamp' };

export interface ColumnDef {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable?: boolean;
  /** Case-insensitive comparisons (and uniqueness) for this column. */
  readonly caseInsensitive?: boolean;
  /**
   * Value the database stores when a row leaves the column out (and gives rows already there),
   * in storage form: decimals as integer minor units, booleans as 0/1, timestamps as UTC ISO text.
   */
  readonly default?: string | number | bigint;
}

export type CheckDef =
  | {
      readonly kind: 'range';
      readonly column: string;
      readonly min?: number | string;
      readonly max?: number | string;
    }
  /**
   * At least `min` characters once spaces are trimmed, at most `max` characters in all. SQL's
   * trim() strips spaces only, so this is never stricter than the application's rule (which
   * trims all whitespace): the database is the final guard, not a second opinion.
   */
  | { readonly kind: 'trimmedLength'; readonly column: string; readonly min: number; readonly max: number }
  /** One of the listed texts. */
  | { readonly kind: 'oneOf'; readonly column: string; readonly values: readonly string[] };

export interface UniqueDef {
  readonly name: string;
  readonly column: string;
  readonly caseInsensitive?: boolean;
}

export interface IndexDef {
  readonly name: string;
  readonly columns: readonly string[];
}

export interface TableDef {
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  readonly primaryKey: string;
  readonly uniques?: readonly UniqueDef[];
  readonly checks?: readonly CheckDef[];
  readonly indexes?: readonly IndexDef[];
}

/** A column whose values must be distinct: the primary key or a unique column. */
export interface KeyColumn {
  readonly column: ColumnDef;
  /** Compared case-folded (a case-insensitive column or unique). */
  readonly fold: boolean;
}

/** The table's key columns, primary key first, each once. */
export function keyColumnsOf(table: TableDef): KeyColumn[] {
  const out: KeyColumn[] = [];
  const add = (name: string, ci: boolean | undefined) => {
    const column = table.columns.find((c) => c.name === name);
    if (!column) return;
    const fold = Boolean(ci || column.caseInsensitive);
    const known = out.findIndex((k) => k.column === column);
    if (known < 0) out.push({ column, fold });
    else if (fold) out[known] = { column, fold };
  };
  add(table.primaryKey, false);
  for (const u of table.uniques ?? []) add(u.column, u.caseInsensitive);
  return out;
}

/** Constraint names are derived, so dialects can map a violated constraint back to its column. */
export function checkName(table: string, check: CheckDef): string {
  return `${table}_${check.column}_check`;
}

/**
 * The check a backend adds where its column type alone does not hold the column's values to
 * their kind (SQLite's INTEGER for a boolean, say). One per column at most.
 */
export function typeCheckName(table: string, column: string): string {
  return `${table}_${column}_type`;
}

export function columnOfConstraint(table: TableDef, constraint: string): string | undefined {
  for (const c of table.checks ?? []) if (checkName(table.name, c) === constraint) return c.column;
  for (const c of table.columns) if (typeCheckName(table.name, c.name) === constraint) return c.name;
  for (const u of table.uniques ?? []) if (u.name === constraint) return u.column;
  if (constraint === `${table.name}_pkey` || constraint === 'PRIMARY') return table.primaryKey;
  return undefined;
}
