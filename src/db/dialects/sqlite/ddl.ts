import { DistdbError } from '../../../errors.js';
import { decimalToMinorUnits } from '../../../schema/decimal.js';
import type { SchemaOperation } from '../../../schema/operations.js';
import {
  type CheckDef,
  type ColumnDef,
  checkName,
  type TableDef,
  typeCheckName,
} from '../../../schema/tableDef.js';
import { oneOfSql } from '../shared/checkSql.js';
import { createIndexSql, type FoldSql, indexOperationSql } from '../shared/createIndexSql.js';
import { checkAddedColumn, defaultSql, type LiteralStyle, textLiteral } from '../shared/literals.js';
import { rebuildSql } from './rebuild.js';

/** SQLite's lower() folds ASCII letters only, whatever the locale: the same on every machine. */
export const fold: FoldSql = (column) => `lower(${column})`;

/**
 * Decimals are stored as 64-bit integer minor units, which hold every number of 18 digits
 * (and some of 19): a wider decimal would overflow.
 */
export const MAX_DECIMAL_DIGITS = 18;

/** Defaults as stored: decimals in minor units, booleans 0/1, timestamps as UTC ISO text. */
const literals: LiteralStyle = {
  text: textLiteral,
  decimal: (minor) => String(minor),
  boolean: (b) => (b ? '1' : '0'),
  timestamp: textLiteral,
};

type Table = Pick<TableDef, 'name' | 'primaryKey'>;

function typeSql(table: Table, c: ColumnDef): string {
  switch (c.type.kind) {
    case 'double':
      return 'REAL';
    case 'varchar':
    case 'text':
    case 'timestamp':
      return 'TEXT';
    case 'decimal':
      if (c.type.precision > MAX_DECIMAL_DIGITS) {
        throw new DistdbError(
          'config',
          `${table.name}.${c.name}: decimal(${c.type.precision}, ${c.type.scale}) does not fit SQLite, which stores decimals as integer minor units of at most ${MAX_DECIMAL_DIGITS} digits`,
        );
      }
      return 'INTEGER';
    default:
      return 'INTEGER';
  }
}

/**
 * What the INTEGER or TEXT column does not hold by itself: a boolean is 0 or 1, a timestamp UTC
 * ISO text of a real instant (strftime gives the same text back), a decimal at most its digits.
 */
function typeCheck(table: Table, c: ColumnDef): string {
  const t = c.type;
  let test: string;
  if (t.kind === 'boolean') test = `${c.name} IN (0, 1)`;
  else if (t.kind === 'timestamp') test = `strftime('%Y-%m-%dT%H:%M:%fZ', ${c.name}) IS ${c.name}`;
  else if (t.kind === 'decimal') {
    const max = String(10n ** BigInt(t.precision) - 1n);
    test = `${c.name} BETWEEN -${max} AND ${max}`;
  } else return '';
  return ` CONSTRAINT ${typeCheckName(table.name, c.name)} CHECK (${test})`;
}

/** SQLite storage: STRICT tables, decimals as integer minor units so prices are never floats. */
function columnSql(table: Table, c: ColumnDef): string {
  if (c.type.kind === 'serial') return `${c.name} INTEGER PRIMARY KEY AUTOINCREMENT`;
  const pk = table.primaryKey === c.name ? ' PRIMARY KEY' : '';
  const nn = c.nullable ? '' : ' NOT NULL';
  return `${c.name} ${typeSql(table, c)}${pk}${nn}${defaultSql(table.name, c, literals)}${typeCheck(table, c)}`;
}

function bound(table: Pick<TableDef, 'columns'>, column: string, value: number | string): string {
  const col = table.columns.find((c) => c.name === column);
  if (col?.type.kind === 'decimal') return String(decimalToMinorUnits(String(value), col.type.scale));
  return String(value);
}

function checkSql(table: Pick<TableDef, 'name' | 'columns'>, check: CheckDef): string {
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

/**
 * The CREATE TABLE statement, named `as` (a rebuild creates the table under another name first);
 * constraint names always follow `table.name`, so violations map back to their columns.
 */
export function createTableStatement(table: TableDef, as = table.name): string {
  const lines = [
    ...table.columns.map((c) => columnSql(table, c)),
    ...(table.checks ?? []).map((k) => checkSql(table, k)),
  ];
  return `CREATE TABLE IF NOT EXISTS ${as} (\n  ${lines.join(',\n  ')}\n) STRICT`;
}

export function createTableSql(table: TableDef): string[] {
  return [createTableStatement(table), ...createIndexSql(table, fold)];
}

/** ADD COLUMN takes the column's checks as column constraints (they read that column only). */
function addColumnSql(op: Extract<SchemaOperation, { kind: 'addColumn' }>): string {
  checkAddedColumn(op.table, op.column);
  const table = { name: op.table, primaryKey: '', columns: [op.column] };
  const checks = (op.checks ?? []).map((k) => ` ${checkSql(table, k)}`).join('');
  return `ALTER TABLE ${op.table} ADD COLUMN ${columnSql(table, op.column)}${checks}`;
}

/** SQLite's DDL is transactional: a migration that fails leaves nothing of itself behind. */
export function ddl(op: SchemaOperation): string[] {
  switch (op.kind) {
    case 'createTable':
      return createTableSql(op.table);
    case 'dropTable':
      return [`DROP TABLE IF EXISTS ${op.table}`];
    case 'addColumn':
      return [addColumnSql(op)];
    // ALTER TABLE DROP COLUMN refuses a column with a check or an index: the table is rebuilt.
    case 'dropColumn':
      return rebuildSql(op, createTableStatement, createIndexSql(op.result, fold));
    // Text in a STRICT table has no length: there is nothing to widen.
    case 'widenColumn':
      return [];
    case 'createIndex':
    case 'recreateUnique':
    case 'addUnique':
    case 'dropUnique':
    case 'dropIndex':
      return indexOperationSql(op, fold);
  }
}
