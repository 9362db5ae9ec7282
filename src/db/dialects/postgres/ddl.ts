import {
  type ColumnDefinitionBuilder,
  type CreateTableBuilder,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
} from 'kysely';
import { formatMinorUnits } from '../../../schema/decimal.js';
import type { SchemaOperation } from '../../../schema/operations.js';
import { type ColumnDef, checkName, type TableDef } from '../../../schema/tableDef.js';
import { checkCondition, columnCheck, serverChecks } from '../shared/checkSql.js';
import { createIndexSql, indexOperationSql } from '../shared/createIndexSql.js';
import { ddlCompiler, id, raw } from '../shared/ddlCompiler.js';
import { checkAddedColumn, defaultLiteral, type LiteralStyle, textLiteral } from '../shared/literals.js';
import { fold } from './columnSql.js';

const compiler = ddlCompiler({
  adapter: () => new PostgresAdapter(),
  compiler: () => new PostgresQueryCompiler(),
  introspector: (db) => new PostgresIntrospector(db),
});
const { schema } = compiler;
const checks = serverChecks();

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
    case 'boolean':
      return 'BOOLEAN';
    case 'timestamp':
      return 'TIMESTAMPTZ(3)';
  }
}

/** Defaults as literals of the column's type: exact decimals, true/false, ISO text with its zone. */
const literals: LiteralStyle = {
  text: textLiteral,
  decimal: (minor, scale) => formatMinorUnits(minor, scale),
  boolean: (b) => (b ? 'true' : 'false'),
  timestamp: textLiteral,
};

/** The column's type, nullability and default; the primary key is the table's named constraint. */
function column(table: string, c: ColumnDef, key: boolean) {
  return (col: ColumnDefinitionBuilder) => {
    let out = key || c.nullable ? col : col.notNull();
    const literal = defaultLiteral(table, c, literals);
    if (literal !== undefined) out = out.defaultTo(raw(literal));
    return out;
  };
}

function isKey(table: Pick<TableDef, 'primaryKey'>, c: ColumnDef): boolean {
  return table.primaryKey === c.name || c.type.kind === 'serial';
}

export function createTableSql(table: TableDef): string[] {
  let create: CreateTableBuilder<string, string> = schema.createTable(table.name).ifNotExists();
  for (const c of table.columns) {
    create = create.addColumn(c.name, raw(typeSql(c)), column(table.name, c, isKey(table, c)));
  }
  const key = table.columns.filter((c) => isKey(table, c)).map((c) => c.name);
  // Named explicitly so columnOfConstraint maps a violation back, whatever the table name length.
  if (key.length > 0) create = create.addPrimaryKeyConstraint(`${table.name}_pkey`, key);
  for (const k of table.checks ?? []) {
    create = create.addCheckConstraint(checkName(table.name, k), checkCondition(k, checks));
  }
  return [compiler.text(create), ...createIndexSql(compiler, table, fold)];
}

/** The column with its checks as column constraints: skipped as a whole if it is there already. */
function addColumnSql(op: Extract<SchemaOperation, { kind: 'addColumn' }>): string {
  checkAddedColumn(op.table, op.column);
  const add = schema.alterTable(op.table).addColumn(op.column.name, raw(typeSql(op.column)), (col) => {
    let out = column(op.table, op.column, false)(col).ifNotExists();
    for (const k of op.checks ?? []) out = out.modifyEnd(columnCheck(op.table, k, checks));
    return out;
  });
  return compiler.text(add);
}

/**
 * PostgreSQL drops the column's indexes and the constraints that read it along with it; its
 * check is named as well, so it goes whatever it reads. One transaction holds both statements.
 */
function dropColumnSql(op: Extract<SchemaOperation, { kind: 'dropColumn' }>): string[] {
  const check = checkName(op.table, { kind: 'range', column: op.column });
  return [
    compiler.text(schema.alterTable(op.table).dropConstraint(check).ifExists()),
    compiler.text(sql`alter table ${id(op.table)} drop column if exists ${id(op.column)}`),
  ];
}

export function ddl(op: SchemaOperation): string[] {
  switch (op.kind) {
    case 'createTable':
      return createTableSql(op.table);
    case 'dropTable':
      return [compiler.text(schema.dropTable(op.table).ifExists())];
    case 'addColumn':
      return [addColumnSql(op)];
    case 'dropColumn':
      return dropColumnSql(op);
    // Widening a VARCHAR changes no stored row, so PostgreSQL does not rewrite the table.
    case 'widenColumn':
      return [
        compiler.text(
          schema
            .alterTable(op.table)
            .alterColumn(op.column.name, (c) => c.setDataType(raw(typeSql(op.column)))),
        ),
      ];
    case 'createIndex':
    case 'recreateUnique':
    case 'addUnique':
    case 'dropUnique':
    case 'dropIndex':
      return indexOperationSql(compiler, op, fold);
  }
}
