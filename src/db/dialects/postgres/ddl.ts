import { type CheckDef, type ColumnDef, checkName, type TableDef } from '../../../schema/tableDef.js';

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
  }
}

function columnSql(table: TableDef, c: ColumnDef): string {
  // Named explicitly so columnOfConstraint maps a violation back, whatever the table name length.
  const pk =
    table.primaryKey === c.name || c.type.kind === 'serial'
      ? ` CONSTRAINT ${table.name}_pkey PRIMARY KEY`
      : '';
  const nn = c.nullable || pk ? '' : ' NOT NULL';
  return `${c.name} ${typeSql(c)}${pk}${nn}`;
}

/** A range bound goes into the DDL as a literal, so it must be a plain decimal number. */
function literal(value: number | string): string {
  const text = String(value);
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Error(`invalid range bound ${text}`);
  return text;
}

function checkSql(table: TableDef, check: CheckDef): string {
  const name = checkName(table.name, check);
  if (check.kind === 'trimmedLength') {
    return `CONSTRAINT ${name} CHECK (char_length(trim(${check.column})) BETWEEN ${check.min} AND ${check.max})`;
  }
  const parts: string[] = [];
  if (check.min !== undefined) parts.push(`${check.column} >= ${literal(check.min)}`);
  if (check.max !== undefined) parts.push(`${check.column} <= ${literal(check.max)}`);
  return `CONSTRAINT ${name} CHECK (${parts.join(' AND ')})`;
}

export function createTableSql(table: TableDef): string[] {
  const lines = [
    ...table.columns.map((c) => columnSql(table, c)),
    ...(table.checks ?? []).map((k) => checkSql(table, k)),
  ];
  const out = [`CREATE TABLE IF NOT EXISTS ${table.name} (\n  ${lines.join(',\n  ')}\n)`];
  for (const u of table.uniques ?? []) {
    // lower(): the unique index is what makes "A@x" and "a@x" the same email.
    const expr = u.caseInsensitive ? `lower(${u.column})` : u.column;
    out.push(`CREATE UNIQUE INDEX IF NOT EXISTS ${u.name} ON ${table.name} (${expr})`);
  }
  for (const i of table.indexes ?? []) {
    out.push(`CREATE INDEX IF NOT EXISTS ${i.name} ON ${table.name} (${i.columns.join(', ')})`);
  }
  return out;
}
