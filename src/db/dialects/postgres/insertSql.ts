/** The statements of PostgreSQL's insertBatch and existing lookups, built from the table. */
import type { ColumnDef, TableDef } from '../../../schema/tableDef.js';
import { arrayType, fold } from './columnSql.js';

/**
 * One INSERT of a group of rows whose values travel as one array per column. With `key` (a key
 * every row has) only the positions of the rows that did not go in come back (usually none or a
 * few): a row per inserted key would cost more to send and parse than the insert itself.
 * Without, the given `returning` keys of the rows that went in come back.
 */
export function insertGroupSql(
  table: TableDef,
  columns: readonly ColumnDef[],
  key: string | undefined,
  returning: readonly string[],
): string {
  const names = columns.map((c) => c.name).join(', ');
  const unnest = `unnest(${columns.map((c, n) => `$${n + 1}::${arrayType(c)}`).join(', ')})`;
  if (key !== undefined) {
    return `WITH input AS (SELECT * FROM ${unnest} WITH ORDINALITY AS t(${names}, distdb_position)),
         ins AS (INSERT INTO ${table.name} (${names}) SELECT ${names} FROM input ON CONFLICT DO NOTHING RETURNING ${key})
         SELECT distdb_position FROM input WHERE NOT EXISTS (SELECT 1 FROM ins WHERE ins.${key} = input.${key})`;
  }
  const back = returning.length > 0 ? ` RETURNING ${returning.join(', ')}` : '';
  return `INSERT INTO ${table.name} (${names}) SELECT * FROM ${unnest} ON CONFLICT DO NOTHING${back}`;
}

/** One row, one value per column. */
export function insertRowSql(table: TableDef, columns: readonly ColumnDef[]): string {
  const names = columns.map((c) => c.name).join(', ');
  return `INSERT INTO ${table.name} (${names}) VALUES (${columns.map((_, n) => `$${n + 1}`).join(', ')})`;
}

/**
 * Asks for the input values (by position) that have a match, so the answer follows the
 * server's own comparison: the same fold on both sides for a case-insensitive column, which is
 * the expression its unique index is on. On an indexed column, LATERAL ... LIMIT 1 pins the plan
 * to one index probe per value; left to itself the planner hashes the whole table.
 */
export function existingSql(table: TableDef, col: ColumnDef): string {
  const column = col.name;
  const ci = col.caseInsensitive;
  const match = ci ? `${fold(`d.${column}`)} = ${fold('u.x')}` : `d.${column} = u.x`;
  const inputs = `unnest($1::${arrayType(col)}) WITH ORDINALITY AS u(x, n)`;
  // An index on the compared expression: the fold for a case-insensitive unique, col otherwise.
  const uniques = (table.uniques ?? []).filter((x) => x.column === column);
  const indexed = ci
    ? uniques.some((x) => x.caseInsensitive)
    : table.primaryKey === column ||
      uniques.some((x) => !x.caseInsensitive) ||
      (table.indexes ?? []).some((x) => x.columns[0] === column);
  return indexed
    ? `SELECT u.n FROM ${inputs} CROSS JOIN LATERAL (SELECT 1 FROM ${table.name} AS d WHERE ${match} LIMIT 1) AS m`
    : `SELECT u.n FROM ${inputs} WHERE EXISTS (SELECT 1 FROM ${table.name} AS d WHERE ${match})`;
}
