import { formatMinorUnits } from '../../../schema/decimal.js';
import type { SchemaOperation } from '../../../schema/operations.js';
import { type ColumnDef, checkName, type TableDef } from '../../../schema/tableDef.js';
import { createIndexSql, type FoldSql, indexOperationSql } from '../shared/createIndexSql.js';
import { checkAddedColumn, defaultSql, type LiteralStyle, textLiteral } from '../shared/literals.js';
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

/** Defaults as literals of the column's type: exact decimals, true/false, ISO text with its zone. */
const literals: LiteralStyle = {
  text: textLiteral,
  decimal: (minor, scale) => formatMinorUnits(minor, scale),
  boolean: (b) => (b ? 'true' : 'false'),
  timestamp: textLiteral,
};

function columnSql(table: Pick<TableDef, 'name' | 'primaryKey'>, c: ColumnDef): string {
  // Named explicitly so columnOfConstraint maps a violation back, whatever the table name length.
  const pk =
    table.primaryKey === c.name || c.type.kind === 'serial'
      ? ` CONSTRAINT ${table.name}_pkey PRIMARY KEY`
      : '';
  const nn = c.nullable || pk ? '' : ' NOT NULL';
  return `${c.name} ${typeSql(c)}${pk}${nn}${defaultSql(table.name, c, literals)}`;
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

/** The column with its checks as column constraints: skipped as a whole if it is there already. */
function addColumnSql(op: Extract<SchemaOperation, { kind: 'addColumn' }>): string {
  checkAddedColumn(op.table, op.column);
  const column = columnSql({ name: op.table, primaryKey: '' }, op.column);
  const checks = (op.checks ?? []).map((k) => ` ${checkSql({ name: op.table }, k)}`).join('');
  return `ALTER TABLE ${op.table} ADD COLUMN IF NOT EXISTS ${column}${checks}`;
}

/**
 * PostgreSQL drops the column's indexes and the constraints that read it along with it; its
 * check is named in the statement as well, so it goes whatever it reads.
 */
function dropColumnSql(op: Extract<SchemaOperation, { kind: 'dropColumn' }>): string {
  const check = checkName(op.table, { kind: 'range', column: op.column });
  return `ALTER TABLE ${op.table} DROP CONSTRAINT IF EXISTS ${check}, DROP COLUMN IF EXISTS ${op.column}`;
}

export function ddl(op: SchemaOperation): string[] {
  switch (op.kind) {
    case 'createTable':
      return createTableSql(op.table);
    case 'dropTable':
      return [`DROP TABLE IF EXISTS ${op.table}`];
    case 'addColumn':
      return [addColumnSql(op)];
    case 'dropColumn':
      return [dropColumnSql(op)];
    // Widening a VARCHAR changes no stored row, so PostgreSQL does not rewrite the table.
    case 'widenColumn':
      return [`ALTER TABLE ${op.table} ALTER COLUMN ${op.column.name} TYPE ${typeSql(op.column)}`];
    case 'createIndex':
    case 'recreateUnique':
    case 'addUnique':
    case 'dropUnique':
    case 'dropIndex':
      return indexOperationSql(op, fold);
  }
}
