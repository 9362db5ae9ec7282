import type { CheckDef, ColumnDef, ColumnType, IndexDef, TableDef, UniqueDef } from '../schema/tableDef.js';
import type { FieldDef, FieldKind } from './model.js';

/** Longest trimmed text accepted at all (untrimmed), so padding cannot make an unbounded value. */
export const MAX_RAW_NAME = 1000;

const INT32_MAX = 2 ** 31 - 1;

/** The raw length limit of a text field: for trimmed text, room for the padding it may carry. */
export function rawTextLimit(type: Extract<FieldKind, { kind: 'text' }>): number | undefined {
  if (type.maxLength === undefined) return undefined;
  return type.trim ? Math.max(MAX_RAW_NAME, type.maxLength) : type.maxLength;
}

function columnType(type: FieldKind): ColumnType {
  switch (type.kind) {
    case 'id':
    case 'reference':
      return { kind: 'bigint' };
    case 'integer': {
      const fits = (n: number | undefined) => n !== undefined && Math.abs(n) <= INT32_MAX;
      return fits(type.min) && fits(type.max) ? { kind: 'integer' } : { kind: 'bigint' };
    }
    case 'text': {
      const length = rawTextLimit(type);
      return length === undefined ? { kind: 'text' } : { kind: 'varchar', length };
    }
    case 'email':
      return { kind: 'varchar', length: type.maxLength };
    case 'decimal':
      return { kind: 'decimal', precision: type.precision, scale: type.scale };
    case 'boolean':
      return { kind: 'boolean' };
    case 'timestamp':
      return { kind: 'timestamp' };
    case 'enum':
      return { kind: 'varchar', length: Math.max(...type.values.map((v) => [...v].length)) };
  }
}

function checkOf(column: string, type: FieldKind): CheckDef | undefined {
  switch (type.kind) {
    case 'id':
    case 'reference':
      return { kind: 'range', column, min: 1 };
    case 'integer':
    case 'decimal':
      return type.min === undefined && type.max === undefined
        ? undefined
        : { kind: 'range', column, min: type.min, max: type.max };
    case 'text': {
      // Stored as given (byte-identical); the database re-checks the trimmed length.
      const max = rawTextLimit(type);
      return type.trim && max !== undefined
        ? { kind: 'trimmedLength', column, min: type.minLength, max }
        : undefined;
    }
    case 'enum':
      return { kind: 'oneOf', column, values: type.values };
    default:
      return undefined;
  }
}

/** The column a field is stored in; a stored default is the declared default in storage form. */
export function columnOf(field: FieldDef, storedDefault?: string | number | bigint): ColumnDef {
  return {
    name: field.name,
    type: columnType(field.type),
    ...(field.optional ? { nullable: true } : {}),
    ...(field.caseInsensitive ? { caseInsensitive: true } : {}),
    ...(storedDefault !== undefined ? { default: storedDefault } : {}),
  };
}

/** Derives the table (columns, checks, unique and plain indexes) from the fields. */
export function tableOf(
  table: string,
  fields: readonly FieldDef[],
  storedDefault: (field: FieldDef) => string | number | bigint | undefined,
): TableDef {
  const columns: ColumnDef[] = [];
  const checks: CheckDef[] = [];
  const uniques: UniqueDef[] = [];
  const indexes: IndexDef[] = [];
  let primaryKey = '';
  for (const field of fields) {
    columns.push(columnOf(field, storedDefault(field)));
    const check = checkOf(field.name, field.type);
    if (check) checks.push(check);
    if (field.type.kind === 'id') primaryKey = field.name;
    else if (field.duplicateCode !== undefined) {
      const ci = field.caseInsensitive ? { caseInsensitive: true } : {};
      uniques.push({ name: `${table}_${field.name}_unique`, column: field.name, ...ci });
    }
    // The referenced row lives in another database: checked by distdb, indexed here.
    if (field.type.kind === 'reference')
      indexes.push({ name: `${table}_${field.name}_idx`, columns: [field.name] });
  }
  return { name: table, columns, primaryKey, checks, uniques, indexes };
}
