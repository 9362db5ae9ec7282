import type { SchemaOperation } from '../../../schema/operations.js';
import type { ColumnDef, TableDef } from '../../../schema/tableDef.js';
import { checkSql } from '../shared/serverDdl.js';

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
    case 'timestamp':
      return 'DATETIME(3)';
  }
}

export function caseInsensitiveColumns(table: TableDef): Set<string> {
  const out = new Set(table.columns.filter((c) => c.caseInsensitive).map((c) => c.name));
  for (const u of table.uniques ?? []) if (u.caseInsensitive) out.add(u.column);
  return out;
}

function columnSql(table: Pick<TableDef, 'primaryKey'>, c: ColumnDef, ci: boolean): string {
  const text = c.type.kind === 'varchar' || c.type.kind === 'text';
  const collate = ci && text ? ` CHARACTER SET utf8mb4 COLLATE ${CI_COLLATION}` : '';
  if (c.type.kind === 'serial') return `${c.name} BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY`;
  const pk = table.primaryKey === c.name ? ' PRIMARY KEY' : '';
  const nn = c.nullable && !pk ? '' : ' NOT NULL';
  return `${c.name} ${typeSql(c)}${collate}${nn}${pk}`;
}

/** One statement: MySQL has no CREATE INDEX IF NOT EXISTS, so keys are declared in the table. */
export function createTableSql(table: TableDef): string[] {
  const ci = caseInsensitiveColumns(table);
  const lines = [
    ...table.columns.map((c) => columnSql(table, c, ci.has(c.name))),
    ...(table.uniques ?? []).map((u) => `UNIQUE KEY ${u.name} (${u.column})`),
    ...(table.indexes ?? []).map((i) => `KEY ${i.name} (${i.columns.join(', ')})`),
    ...(table.checks ?? []).map((k) => checkSql(table, k)),
  ];
  return [
    `CREATE TABLE IF NOT EXISTS ${table.name} (\n  ${lines.join(',\n  ')}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  ];
}

export function ddl(op: SchemaOperation): string[] {
  switch (op.kind) {
    case 'createTable':
      return createTableSql(op.table);
    case 'addColumn':
      return [`ALTER TABLE ${op.table} ADD COLUMN ${columnSql({ primaryKey: '' }, op.column, false)}`];
    case 'createIndex':
      return [`ALTER TABLE ${op.table} ADD INDEX ${op.index.name} (${op.index.columns.join(', ')})`];
    // One statement, so the table is never left without the unique key (MySQL DDL is not
    // transactional). The column's collation, not the key, decides how case is folded.
    case 'recreateUnique':
      return [
        `ALTER TABLE ${op.table} DROP INDEX ${op.unique.name}, ADD UNIQUE KEY ${op.unique.name} (${op.unique.column})`,
      ];
    default:
      throw new Error(`${op.kind} is not supported by MySQL yet`);
  }
}
