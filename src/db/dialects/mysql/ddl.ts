import {
  type ColumnDefinitionBuilder,
  type CreateTableBuilder,
  MysqlAdapter,
  MysqlIntrospector,
  MysqlQueryCompiler,
  type RawBuilder,
  sql,
} from 'kysely';
import { formatMinorUnits } from '../../../schema/decimal.js';
import type { SchemaOperation } from '../../../schema/operations.js';
import {
  type CheckDef,
  type ColumnDef,
  checkName,
  type IndexDef,
  type TableDef,
  typeCheckName,
} from '../../../schema/tableDef.js';
import { checkCondition, serverChecks } from '../shared/checkSql.js';
import { ddlCompiler, id, raw } from '../shared/ddlCompiler.js';
import { checkAddedColumn, defaultLiteral, type LiteralStyle } from '../shared/literals.js';
import { addUniqueSql, dropColumnSql, has, mysqlText, unless, when } from './guard.js';
import { mysqlTimestamp } from './values.js';

const compiler = ddlCompiler({
  adapter: () => new MysqlAdapter(),
  compiler: () => new MysqlQueryCompiler(),
  introspector: (db) => new MysqlIntrospector(db),
});
const { schema } = compiler;
const checks = serverChecks(mysqlText);

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

/** The column's type, collation, nullability, default and key, as CREATE, ADD and MODIFY take it. */
function column(table: string, c: ColumnDef, ci: boolean, key: boolean) {
  return (col: ColumnDefinitionBuilder) => {
    if (c.type.kind === 'serial') return col.notNull().autoIncrement().primaryKey();
    const text = c.type.kind === 'varchar' || c.type.kind === 'text';
    let out = ci && text ? col.modifyFront(sql`character set utf8mb4 collate ${raw(CI_COLLATION)}`) : col;
    if (!c.nullable || key) out = out.notNull();
    const literal = defaultLiteral(table, c, literals);
    // MySQL 8 takes a default for LONGTEXT only as an expression: (literal).
    if (literal !== undefined) out = out.defaultTo(raw(c.type.kind === 'text' ? `(${literal})` : literal));
    return key ? out.primaryKey() : out;
  };
}

/** BOOLEAN is TINYINT(1), which takes -128 to 127: held to 0 and 1 here. */
function typeChecks(table: string, c: ColumnDef): { name: string; condition: RawBuilder<unknown> }[] {
  return c.type.kind === 'boolean'
    ? [{ name: typeCheckName(table, c.name), condition: sql`${id(c.name)} IN (0, 1)` }]
    : [];
}

function namedChecks(table: string, columns: readonly ColumnDef[], declared: readonly CheckDef[]) {
  return [
    ...declared.map((k) => ({ name: checkName(table, k), condition: checkCondition(k, checks) })),
    ...columns.flatMap((c) => typeChecks(table, c)),
  ];
}

function addIndexSql(table: string, index: IndexDef): string[] {
  const add = compiler.text(
    schema
      .alterTable(table)
      .addIndex(index.name)
      .columns([...index.columns]),
  );
  return unless(has.index(table, index.name), add);
}

/**
 * The table with its unique keys and checks in one statement, then each plain index unless it
 * is there: MySQL has no CREATE INDEX IF NOT EXISTS, and a step run again finds what it made.
 */
export function createTableSql(table: TableDef): string[] {
  const ci = caseInsensitiveColumns(table);
  let create: CreateTableBuilder<string, string> = schema.createTable(table.name).ifNotExists();
  for (const c of table.columns) {
    const key = table.primaryKey === c.name;
    create = create.addColumn(c.name, raw(typeSql(c)), column(table.name, c, ci.has(c.name), key));
  }
  for (const u of table.uniques ?? []) create = create.addUniqueConstraint(u.name, [u.column]);
  for (const k of namedChecks(table.name, table.columns, table.checks ?? [])) {
    create = create.addCheckConstraint(k.name, k.condition);
  }
  create = create.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`);
  return [compiler.text(create), ...(table.indexes ?? []).flatMap((i) => addIndexSql(table.name, i))];
}

/** The column and its checks in one ALTER TABLE, unless the column is there already. */
function addColumnSql(op: Extract<SchemaOperation, { kind: 'addColumn' }>): string[] {
  checkAddedColumn(op.table, op.column);
  const c = op.column;
  const add = schema
    .alterTable(op.table)
    .addColumn(c.name, raw(typeSql(c)), column(op.table, c, Boolean(c.caseInsensitive), false));
  const constraints = namedChecks(op.table, [c], op.checks ?? []).map(
    (k) => `, ${compiler.text(sql`add constraint ${id(k.name)} check (${k.condition})`)}`,
  );
  return unless(has.column(op.table, c.name), compiler.text(add) + constraints.join(''));
}

const alter = (table: string, clauses: RawBuilder<unknown>) =>
  compiler.text(sql`alter table ${id(table)} ${clauses}`);

export function ddl(op: SchemaOperation): string[] {
  switch (op.kind) {
    case 'createTable':
      return createTableSql(op.table);
    case 'dropTable':
      return [compiler.text(schema.dropTable(op.table).ifExists())];
    case 'addColumn':
      return addColumnSql(op);
    case 'dropColumn': {
      const names = [
        checkName(op.table, { kind: 'range', column: op.column }),
        typeCheckName(op.table, op.column),
      ];
      return dropColumnSql(op.table, op.column, names);
    }
    case 'createIndex':
      return addIndexSql(op.table, op.index);
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
        alter(op.table, sql`drop index ${id(op.unique.name)}`),
      );
    case 'dropIndex':
      return when(has.index(op.table, op.index.name), alter(op.table, sql`drop index ${id(op.index.name)}`));
    // MODIFY restates the whole column; the primary key and other indexes on it stay.
    case 'widenColumn': {
      const c = op.column;
      const modify = schema
        .alterTable(op.table)
        .modifyColumn(c.name, raw(typeSql(c)), column(op.table, c, Boolean(c.caseInsensitive), false));
      return [compiler.text(modify)];
    }
    // One statement, so the table is never left without the unique key (MySQL DDL is not
    // transactional). The column's collation, not the key, decides how case is folded.
    case 'recreateUnique': {
      const { name, column: col } = op.unique;
      return [alter(op.table, sql`drop index ${id(name)}, add unique key ${id(name)} (${id(col)})`)];
    }
  }
}
