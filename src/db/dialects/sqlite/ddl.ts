import {
  type ColumnDefinitionBuilder,
  type CreateTableBuilder,
  type RawBuilder,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} from 'kysely';
import { DistdbError } from '../../../errors.js';
import { decimalToMinorUnits } from '../../../schema/decimal.js';
import type { SchemaOperation } from '../../../schema/operations.js';
import { type ColumnDef, checkName, type TableDef, typeCheckName } from '../../../schema/tableDef.js';
import { type CheckStyle, checkCondition, columnCheck } from '../shared/checkSql.js';
import { createIndexSql, indexOperationSql } from '../shared/createIndexSql.js';
import { ddlCompiler, id, raw } from '../shared/ddlCompiler.js';
import { checkAddedColumn, defaultLiteral, type LiteralStyle, textLiteral } from '../shared/literals.js';
import { fold } from './columnSql.js';
import { rebuildSql } from './rebuild.js';

const compiler = ddlCompiler({
  adapter: () => new SqliteAdapter(),
  compiler: () => new SqliteQueryCompiler(),
  introspector: (db) => new SqliteIntrospector(db),
});
const { schema } = compiler;

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
function typeCheck(table: Table, c: ColumnDef): RawBuilder<unknown> | undefined {
  const t = c.type;
  const column = id(c.name);
  let test: RawBuilder<unknown>;
  if (t.kind === 'boolean') test = sql`${column} IN (0, 1)`;
  else if (t.kind === 'timestamp') test = sql`strftime('%Y-%m-%dT%H:%M:%fZ', ${column}) IS ${column}`;
  else if (t.kind === 'decimal') {
    const max = raw(String(10n ** BigInt(t.precision) - 1n));
    test = sql`${column} BETWEEN -${max} AND ${max}`;
  } else return undefined;
  return sql`constraint ${id(typeCheckName(table.name, c.name))} check (${test})`;
}

/** SQLite storage: STRICT tables, decimals as integer minor units so prices are never floats. */
function column(table: Table, c: ColumnDef) {
  return (col: ColumnDefinitionBuilder) => {
    if (c.type.kind === 'serial') return col.primaryKey().autoIncrement();
    let out = table.primaryKey === c.name ? col.primaryKey() : col;
    if (!c.nullable) out = out.notNull();
    const literal = defaultLiteral(table.name, c, literals);
    if (literal !== undefined) out = out.defaultTo(raw(literal));
    const check = typeCheck(table, c);
    return check ? out.modifyEnd(check) : out;
  };
}

const typeOf = (table: Table, c: ColumnDef) => raw(c.type.kind === 'serial' ? 'INTEGER' : typeSql(table, c));

function checkStyle(table: Pick<TableDef, 'columns'>): CheckStyle {
  return {
    length: 'length',
    text: textLiteral,
    bound(column, value) {
      const col = table.columns.find((c) => c.name === column);
      if (col?.type.kind === 'decimal') return String(decimalToMinorUnits(String(value), col.type.scale));
      return String(value);
    },
  };
}

/**
 * The CREATE TABLE statement, named `as` (a rebuild creates the table under another name first);
 * constraint names always follow `table.name`, so violations map back to their columns.
 */
export function createTableStatement(table: TableDef, as = table.name): string {
  let create: CreateTableBuilder<string, string> = schema.createTable(as).ifNotExists();
  for (const c of table.columns) create = create.addColumn(c.name, typeOf(table, c), column(table, c));
  const style = checkStyle(table);
  for (const k of table.checks ?? []) {
    create = create.addCheckConstraint(checkName(table.name, k), checkCondition(k, style));
  }
  return compiler.text(create.modifyEnd(sql`strict`));
}

export function createTableSql(table: TableDef): string[] {
  return [createTableStatement(table), ...createIndexSql(compiler, table, fold)];
}

/** ADD COLUMN takes the column's checks as column constraints (they read that column only). */
function addColumnSql(op: Extract<SchemaOperation, { kind: 'addColumn' }>): string {
  checkAddedColumn(op.table, op.column);
  const table = { name: op.table, primaryKey: '', columns: [op.column] };
  const add = schema.alterTable(op.table).addColumn(op.column.name, typeOf(table, op.column), (col) => {
    let out = column(table, op.column)(col);
    for (const k of op.checks ?? []) out = out.modifyEnd(columnCheck(op.table, k, checkStyle(table)));
    return out;
  });
  return compiler.text(add);
}

/** SQLite's DDL is transactional: a migration that fails leaves nothing of itself behind. */
export function ddl(op: SchemaOperation): string[] {
  switch (op.kind) {
    case 'createTable':
      return createTableSql(op.table);
    case 'dropTable':
      return [compiler.text(schema.dropTable(op.table).ifExists())];
    case 'addColumn':
      return [addColumnSql(op)];
    // ALTER TABLE DROP COLUMN refuses a column with a check or an index: the table is rebuilt.
    case 'dropColumn':
      return rebuildSql(compiler, op, createTableStatement, createIndexSql(compiler, op.result, fold));
    // Text in a STRICT table has no length: there is nothing to widen.
    case 'widenColumn':
      return [];
    case 'createIndex':
    case 'recreateUnique':
    case 'addUnique':
    case 'dropUnique':
    case 'dropIndex':
      return indexOperationSql(compiler, op, fold);
  }
}
