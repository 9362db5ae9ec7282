import { decimalToMinorUnits } from '../../../schema/decimal.js';
import type { SchemaOperation } from '../../../schema/operations.js';
import { type CheckDef, type ColumnDef, checkName, type TableDef } from '../../../schema/tableDef.js';
import { oneOfSql } from '../shared/checkSql.js';
import { createIndexSql, type FoldSql, indexOperationSql } from '../shared/createIndexSql.js';

/** SQLite's lower() folds ASCII letters only, whatever the locale: the same on every machine. */
const fold: FoldSql = (column) => `lower(${column})`;

/** SQLite storage: STRICT tables, decimals as integer minor units so prices are never floats. */
function columnSql(table: Pick<TableDef, 'primaryKey'>, c: ColumnDef): string {
  if (c.type.kind === 'serial') return `${c.name} INTEGER PRIMARY KEY AUTOINCREMENT`;
  const type =
    c.type.kind === 'double'
      ? 'REAL'
      : c.type.kind === 'varchar' || c.type.kind === 'text' || c.type.kind === 'timestamp'
        ? 'TEXT'
        : 'INTEGER';
  const pk = table.primaryKey === c.name ? ' PRIMARY KEY' : '';
  const nn = c.nullable ? '' : ' NOT NULL';
  return `${c.name} ${type}${pk}${nn}`;
}

function bound(table: TableDef, column: string, value: number | string): string {
  const col = table.columns.find((c) => c.name === column);
  if (col?.type.kind === 'decimal') return String(decimalToMinorUnits(String(value), col.type.scale));
  return String(value);
}

function checkSql(table: TableDef, check: CheckDef): string {
  const name = checkName(table.name, check);
  if (check.kind === 'trimmedLength') {
    return `CONSTRAINT ${name} CHECK (length(trim(${check.column})) >= ${check.min} AND length(${check.column}) <= ${check.max})`;
  }
  if (check.kind === 'oneOf') return `CONSTRAINT ${name} CHECK (${oneOfSql(check.column, check.values)})`;
  const parts: string[] = [];
  if (check.min !== undefined) parts.push(`${check.column} >= ${bound(table, check.column, check.min)}`);
  if (check.max !== undefined) parts.push(`${check.column} <= ${bound(table, check.column, check.max)}`);
  return `CONSTRAINT ${name} CHECK (${parts.join(' AND ')})`;
}

export function createTableSql(table: TableDef): string[] {
  const lines = [
    ...table.columns.map((c) => columnSql(table, c)),
    ...(table.checks ?? []).map((k) => checkSql(table, k)),
  ];
  return [
    `CREATE TABLE IF NOT EXISTS ${table.name} (\n  ${lines.join(',\n  ')}\n) STRICT`,
    ...createIndexSql(table, fold),
  ];
}

export function ddl(op: SchemaOperation): string[] {
  switch (op.kind) {
    case 'createTable':
      return createTableSql(op.table);
    case 'addColumn':
      return [`ALTER TABLE ${op.table} ADD COLUMN ${columnSql({ primaryKey: '' }, op.column)}`];
    case 'createIndex':
    case 'recreateUnique':
      return indexOperationSql(op, fold);
    default:
      throw new Error(`${op.kind} is not supported by SQLite yet`);
  }
}
