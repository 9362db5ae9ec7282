/** The statements of PostgreSQL's insertBatch and existing lookups, built from the table. */
import type { ColumnDef, TableDef } from '../../../schema/tableDef.js';
import { arrayType, fold } from './columnSql.js';
import { quoteId } from './ident.js';

const POSITION = quoteId('distdb_position');

function namesOf(columns: readonly ColumnDef[]): string {
  return columns.map((c) => quoteId(c.name)).join(', ');
}

function unnestOf(columns: readonly ColumnDef[]): string {
  return `unnest(${columns.map((c, n) => `$${n + 1}::${arrayType(c)}`).join(', ')})`;
}

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
  const names = namesOf(columns);
  const into = `INSERT INTO ${quoteId(table.name)} (${names})`;
  if (key !== undefined) {
    const k = quoteId(key);
    // CTE names of distdb's own, so no table or column of the application's can shadow them.
    return `WITH distdb_input AS (SELECT * FROM ${unnestOf(columns)} WITH ORDINALITY AS t(${names}, ${POSITION})),
         distdb_ins AS (${into} SELECT ${names} FROM distdb_input ON CONFLICT DO NOTHING RETURNING ${k})
         SELECT ${POSITION} FROM distdb_input AS i
         WHERE NOT EXISTS (SELECT 1 FROM distdb_ins AS d WHERE d.${k} = i.${k})`;
  }
  const back = returning.length > 0 ? ` RETURNING ${returning.map(quoteId).join(', ')}` : '';
  return `${into} SELECT * FROM ${unnestOf(columns)} ON CONFLICT DO NOTHING${back}`;
}

/** One INSERT of a whole group, without ON CONFLICT: it goes in whole or not at all. */
export function insertAllSql(table: TableDef, columns: readonly ColumnDef[]): string {
  return `INSERT INTO ${quoteId(table.name)} (${namesOf(columns)}) SELECT * FROM ${unnestOf(columns)}`;
}

/** One row, one value per column. */
export function insertRowSql(table: TableDef, columns: readonly ColumnDef[]): string {
  const marks = columns.map((_, n) => `$${n + 1}`).join(', ');
  return `INSERT INTO ${quoteId(table.name)} (${namesOf(columns)}) VALUES (${marks})`;
}

/**
 * Asks for the input values (by position) that have a match, so the answer follows the
 * server's own comparison: the same fold on both sides for a case-insensitive column, which is
 * the expression its unique index is on. On an indexed column, LATERAL ... LIMIT 1 pins the plan
 * to one index probe per value; left to itself the planner hashes the whole table.
 */
export function existingSql(table: TableDef, col: ColumnDef, lock = false): string {
  const column = col.name;
  const ci = col.caseInsensitive;
  const stored = `d.${quoteId(column)}`;
  const match = ci ? `${fold(stored)} = ${fold('u.x')}` : `${stored} = u.x`;
  const inputs = `unnest($1::${arrayType(col)}) WITH ORDINALITY AS u(x, n)`;
  const from = `${quoteId(table.name)} AS d`;
  // The rows found locked as a foreign key's check locks them: against deletes and key changes.
  if (lock) return `SELECT u.n FROM ${inputs} JOIN ${from} ON ${match} FOR KEY SHARE OF d`;
  // An index on the compared expression: the fold for a case-insensitive unique, col otherwise.
  const uniques = (table.uniques ?? []).filter((x) => x.column === column);
  const indexed = ci
    ? uniques.some((x) => x.caseInsensitive)
    : table.primaryKey === column ||
      uniques.some((x) => !x.caseInsensitive) ||
      (table.indexes ?? []).some((x) => x.columns[0] === column);
  return indexed
    ? `SELECT u.n FROM ${inputs} CROSS JOIN LATERAL (SELECT 1 FROM ${from} WHERE ${match} LIMIT 1) AS m`
    : `SELECT u.n FROM ${inputs} WHERE EXISTS (SELECT 1 FROM ${from} WHERE ${match})`;
}
