import type { SchemaOperation } from '../../../schema/operations.js';
import type { ColumnDef, TableDef } from '../../../schema/tableDef.js';
import { createIndexSql, type FoldSql, indexOperationSql } from '../shared/createIndexSql.js';
import { checkSql } from '../shared/serverDdl.js';

/**
 * lower() under the "C" collation folds ASCII letters only. Under the database's own collation
 * it follows its locale: with ICU tr-TR, lower('I') is a dotless ı, and "ALICE@…" would not
 * collide with "alice@…".
 */
export const fold: FoldSql = (column) => `lower(${column} COLLATE "C")`;

/** PostgreSQL storage: exact NUMERIC for decimals, VARCHAR(n) counting characters. */
function typeSql(c: ColumnDef): string {
  const t = c.type;
  switch (t.kind) {
    case 'bigint':
      return 'BIGINT';
    case 'integer':
      return 'INTEGER';
    case 'decimal':
      return `NUMERIC(${t.precision}, ${t.scale})`;
    case 'varchar':
      return `VARCHAR(${t.length})`;
    case 'text':
      return 'TEXT';
    case 'double':
      return 'DOUBLE PRECISION';
    case 'serial':
      return 'BIGSERIAL';
    case 'boolean':
      return 'BOOLEAN';
    case 'timestamp':
      return 'TIMESTAMPTZ(3)';
  }
}

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

function columnSql(table: Pick<TableDef, 'name' | 'primaryKey'>, c: ColumnDef): string {
  // Named explicitly so columnOfConstraint maps a violation back, whatever the table name length.
  const pk =
    table.primaryKey === c.name || c.type.kind === 'serial'
      ? ` CONSTRAINT ${table.name}_pkey PRIMARY KEY`
      : '';
  const nn = c.nullable || pk ? '' : ' NOT NULL';
  return `${c.name} ${typeSql(c)}${pk}${nn}`;
}

export function createTableSql(table: TableDef): string[] {
  const lines = [
    ...table.columns.map((c) => columnSql(table, c)),
    ...(table.checks ?? []).map((k) => checkSql(table, k)),
  ];
  return [
    `CREATE TABLE IF NOT EXISTS ${table.name} (\n  ${lines.join(',\n  ')}\n)`,
    ...createIndexSql(table, fold),
  ];
}

export function ddl(op: SchemaOperation): string[] {
  switch (op.kind) {
    case 'createTable':
      return createTableSql(op.table);
    case 'addColumn':
      return [
        `ALTER TABLE ${op.table} ADD COLUMN IF NOT EXISTS ${columnSql({ name: op.table, primaryKey: '' }, op.column)}`,
      ];
    case 'createIndex':
    case 'recreateUnique':
      return indexOperationSql(op, fold);
    default:
      throw new Error(`${op.kind} is not supported by PostgreSQL yet`);
  }
}
