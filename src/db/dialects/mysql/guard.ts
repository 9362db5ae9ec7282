/**
 * Rerunnable DDL for MySQL and MariaDB. Their DDL is not transactional, so a migration that
 * failed half way has applied its first steps: run again, each step must see what is there
 * already. MariaDB has IF [NOT] EXISTS for columns, indexes and constraints but MySQL 8 does not,
 * so a step asks information_schema and runs its ALTER TABLE as a prepared statement, or
 * nothing. The statements use a session variable: they must run on one session, in order.
 */

import { quoteId } from './ident.js';

/**
 * A MySQL text literal: with backslash escapes on (the default sql_mode, which distdb keeps),
 * a backslash is an escape character and is doubled along with quotes.
 */
export function mysqlText(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

const here = (table: string) => `table_schema = DATABASE() AND table_name = ${mysqlText(table)}`;

/** SQL conditions on what the table has now. */
export const has = {
  column: (table: string, column: string) =>
    `EXISTS (SELECT 1 FROM information_schema.columns WHERE ${here(table)} AND column_name = ${mysqlText(column)})`,
  index: (table: string, index: string) =>
    `EXISTS (SELECT 1 FROM information_schema.statistics WHERE ${here(table)} AND index_name = ${mysqlText(index)})`,
};

/** Runs the statement an SQL text expression evaluates to ('DO 0' for nothing). */
export function runStatement(expression: string): string[] {
  return [
    `SET @distdb_ddl = ${expression}`,
    'PREPARE distdb_ddl FROM @distdb_ddl',
    'EXECUTE distdb_ddl',
    'DEALLOCATE PREPARE distdb_ddl',
  ];
}

/** `statement` unless `condition` holds now. */
export function unless(condition: string, statement: string): string[] {
  return runStatement(`IF(${condition}, 'DO 0', ${mysqlText(statement)})`);
}

/** `statement` if `condition` holds now. */
export function when(condition: string, statement: string): string[] {
  return runStatement(`IF(${condition}, ${mysqlText(statement)}, 'DO 0')`);
}

/**
 * Drops a column with every index that holds it (MySQL would only take the column out of a
 * wider index) and with its named checks (MySQL 8 refuses to drop a column a check reads), in
 * one ALTER TABLE, so the table is never left half way. Only what is there is dropped.
 */
export function dropColumnSql(table: string, column: string, checks: readonly string[]): string[] {
  const t = mysqlText(table);
  const c = mysqlText(column);
  const names = checks.map(mysqlText).join(', ');
  // Names from information_schema (distdb's own: no backticks in them) are quoted as they go in.
  const clauses = `SELECT 1 AS step, CONCAT('DROP INDEX \`', index_name, '\`') AS clause
      FROM information_schema.statistics WHERE ${here(table)} AND column_name = ${c} AND index_name <> 'PRIMARY'
      GROUP BY index_name
    UNION ALL SELECT 2, CONCAT('DROP CONSTRAINT \`', constraint_name, '\`')
      FROM information_schema.table_constraints
      WHERE constraint_schema = DATABASE() AND table_name = ${t} AND constraint_type = 'CHECK' AND constraint_name IN (${names})
    UNION ALL SELECT 3, ${mysqlText(`DROP COLUMN ${quoteId(column)}`)}
      FROM information_schema.columns WHERE ${here(table)} AND column_name = ${c}`;
  return runStatement(
    `(SELECT IF(COUNT(*) = 0, 'DO 0', CONCAT(${mysqlText(`ALTER TABLE ${quoteId(table)} `)}, GROUP_CONCAT(clause ORDER BY step SEPARATOR ', '))) FROM (${clauses}) AS steps)`,
  );
}

/**
 * A unique key, case-insensitive where `ciCollation` is given. On MySQL the column's collation is
 * what folds case, so a column not in that collation is changed to it (its type, nullability and
 * default kept) in the same statement that adds the key.
 */
export function addUniqueSql(table: string, column: string, key: string, ciCollation?: string): string[] {
  const add = `ADD UNIQUE KEY ${quoteId(key)} (${quoteId(column)})`;
  if (ciCollation === undefined) return unless(has.index(table, key), `ALTER TABLE ${quoteId(table)} ${add}`);
  // MariaDB shows a default as an SQL literal, MySQL as its bare value.
  const modify = `SELECT CONCAT('MODIFY \`', column_name, '\` ', column_type,
      ' CHARACTER SET utf8mb4 COLLATE ${ciCollation}', IF(is_nullable = 'YES', ' NULL', ' NOT NULL'),
      IF(column_default IS NULL, '', CONCAT(' DEFAULT ', IF(VERSION() LIKE '%MariaDB%', column_default, QUOTE(column_default)))),
      ', ')
    FROM information_schema.columns
    WHERE ${here(table)} AND column_name = ${mysqlText(column)} AND collation_name <> ${mysqlText(ciCollation)}`;
  return runStatement(
    `IF(${has.index(table, key)}, 'DO 0', CONCAT(${mysqlText(`ALTER TABLE ${quoteId(table)} `)}, COALESCE((${modify}), ''), ${mysqlText(add)}))`,
  );
}
