import type { TableDef } from '../../../schema/tableDef.js';

/**
 * The table's unique and plain indexes as separate statements, for backends with CREATE INDEX
 * IF NOT EXISTS and expression indexes (SQLite, PostgreSQL).
 */
export function createIndexSql(table: TableDef): string[] {
  const out: string[] = [];
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
