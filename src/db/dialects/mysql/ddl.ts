import { formatMinorUnits } from '../../../schema/decimal.js';
import type { SchemaOperation } from '../../../schema/operations.js';
import { type ColumnDef, checkName, type TableDef, typeCheckName } from '../../../schema/tableDef.js';
import { checkAddedColumn, defaultSql, type LiteralStyle } from '../shared/literals.js';
import { checkSql } from '../shared/serverDdl.js';
import { addUniqueSql, dropColumnSql, has, mysqlText, unless, when } from './guard.js';
import { mysqlTimestamp } from './values.js';

/**
 * MySQL/MariaDB storage: InnoDB, utf8mb4 with a binary collation so text compares byte for byte,
 * except case-insensitive columns, which get a case-insensitive collation: their UNIQUE KEY is
 * then case-insensitive too.
 */
const CI_COLLATION = 'utf8mb4_unicode_ci';

function typeSql(c: ColumnDef): string {
  const t = c.type;
  switch (t.kind) {
    case 'bigint':
    case 'serial':
      return 'BIGINT';
    case 'integer':
      return 'INTEGER';
    case 'decimal':
      return `DECIMAL(${t.precision}, ${t.scale})`;
    case 'varchar':
      return `VARCHAR(${t.length})`;
    case 'text':
      // TEXT stops at 64 KB; the other backends' TEXT has no such limit.
      return 'LONGTEXT';
    case 'double':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    // DATETIME holds the UTC wall time as given; TIMESTAMP would convert by the session's zone.
    case 'timestamp':
      return 'DATETIME(3)';
  }
}

/** Defaults as literals of the column's type; DATETIME takes the UTC time without a zone. */
const literals: LiteralStyle = {
  text: mysqlText,
  decimal: (minor, scale) => formatMinorUnits(minor, scale),
  boolean: (b) => (b ? '1' : '0'),
  timestamp: (iso) => mysqlText(mysqlTimestamp(iso)),
};

export function caseInsensitiveColumns(table: TableDef): Set<string> {
  const out = new Set(table.columns.filter((c) => c.caseInsensitive).map((c) => c.name));
  for (const u of table.uniques ?? []) if (u.caseInsensitive) out.add(u.column);
  return out;
}

function columnSql(table: Pick<TableDef, 'name' | 'primaryKey'>, c: ColumnDef, ci: boolean): string {
  const text = c.type.kind === 'varchar' || c.type.kind === 'text';
  const collate = ci && text ? ` CHARACTER SET utf8mb4 COLLATE ${CI_COLLATION}` : '';
  if (c.type.kind === 'serial') return `${c.name} BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY`;
  const pk = table.primaryKey === c.name ? ' PRIMARY KEY' : '';
  const nn = c.nullable && !pk ? '' : ' NOT NULL';
  let def = defaultSql(table.name, c, literals);
  // MySQL 8 takes a default for LONGTEXT only as an expression: (literal).
  if (def && c.type.kind === 'text') def = ` DEFAULT (${def.slice(' DEFAULT '.length)})`;
  return `${c.name} ${typeSql(c)}${collate}${nn}${def}${pk}`;
}

/** BOOLEAN is TINYINT(1), which takes -128 to 127: held to 0 and 1 here. */
function typeCheckSql(table: string, c: ColumnDef): string[] {
  return c.type.kind === 'boolean'
    ? [`CONSTRAINT ${typeCheckName(table, c.name)} CHECK (${c.name} IN (0, 1))`]
    : [];
}

/** One statement: MySQL has no CREATE INDEX IF NOT EXISTS, so keys are declared in the table. */
export function createTableSql(table: TableDef): string[] {
  const ci = caseInsensitiveColumns(table);
  const lines = [
    ...table.columns.map((c) => columnSql(table, c, ci.has(c.name))),
    ...(table.uniques ?? []).map((u) => `UNIQUE KEY ${u.name} (${u.column})`),
    ...(table.indexes ?? []).map((i) => `KEY ${i.name} (${i.columns.join(', ')})`),
    ...(table.checks ?? []).map((k) => checkSql(table, k, mysqlText)),
    ...table.columns.flatMap((c) => typeCheckSql(table.name, c)),
  ];
  return [
    `CREATE TABLE IF NOT EXISTS ${table.name} (\n  ${lines.join(',\n  ')}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  ];
}

/** The column and its checks in one ALTER TABLE, unless the column is there already. */
function addColumnSql(op: Extract<SchemaOperation, { kind: 'addColumn' }>): string[] {
  checkAddedColumn(op.table, op.column);
  const c = op.column;
  const clauses = [
    `ADD COLUMN ${columnSql({ name: op.table, primaryKey: '' }, c, Boolean(c.caseInsensitive))}`,
    ...[
      ...(op.checks ?? []).map((k) => checkSql({ name: op.table }, k, mysqlText)),
      ...typeCheckSql(op.table, c),
    ].map((k) => `ADD ${k}`),
  ];
  return unless(has.column(op.table, c.name), `ALTER TABLE ${op.table} ${clauses.join(', ')}`);
}

export function ddl(op: SchemaOperation): string[] {
  switch (op.kind) {
    case 'createTable':
      return createTableSql(op.table);
    case 'dropTable':
      return [`DROP TABLE IF EXISTS ${op.table}`];
    case 'addColumn':
      return addColumnSql(op);
    case 'dropColumn': {
      const checks = [
        checkName(op.table, { kind: 'range', column: op.column }),
        typeCheckName(op.table, op.column),
      ];
      return dropColumnSql(op.table, op.column, checks);
    }
    case 'createIndex':
      return unless(
        has.index(op.table, op.index.name),
        `ALTER TABLE ${op.table} ADD INDEX ${op.index.name} (${op.index.columns.join(', ')})`,
      );
    case 'addUnique':
      return addUniqueSql(
        op.table,
        op.unique.column,
        op.unique.name,
        op.unique.caseInsensitive ? CI_COLLATION : undefined,
      );
    case 'dropUnique':
      return when(
        has.index(op.table, op.unique.name),
        `ALTER TABLE ${op.table} DROP INDEX ${op.unique.name}`,
      );
    case 'dropIndex':
      return when(has.index(op.table, op.index.name), `ALTER TABLE ${op.table} DROP INDEX ${op.index.name}`);
    // MODIFY restates the whole column; the primary key and other indexes on it stay.
    case 'widenColumn':
      return [
        `ALTER TABLE ${op.table} MODIFY COLUMN ${columnSql({ name: op.table, primaryKey: '' }, op.column, Boolean(op.column.caseInsensitive))}`,
      ];
    // One statement, so the table is never left without the unique key (MySQL DDL is not
    // transactional). The column's collation, not the key, decides how case is folded.
    case 'recreateUnique':
      return [
        `ALTER TABLE ${op.table} DROP INDEX ${op.unique.name}, ADD UNIQUE KEY ${op.unique.name} (${op.unique.column})`,
      ];
  }
}
