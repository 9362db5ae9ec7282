import { type CheckDef, checkName, type TableDef } from '../../../schema/tableDef.js';
import { oneOfSql } from './checkSql.js';
import { textLiteral } from './literals.js';

/** A range bound goes into the DDL as a literal, so it must be a plain decimal number. */
function literal(value: number | string): string {
  const text = String(value);
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Error(`invalid range bound ${text}`);
  return text;
}

/**
 * A named CHECK as both servers take it: decimals as exact decimal literals, lengths in
 * characters. Also a column constraint (ADD COLUMN): a check reads its own column only.
 */
export function checkSql(
  table: Pick<TableDef, 'name'>,
  check: CheckDef,
  text: (value: string) => string = textLiteral,
): string {
  const name = checkName(table.name, check);
  if (check.kind === 'trimmedLength') {
    return `CONSTRAINT ${name} CHECK (char_length(trim(${check.column})) >= ${check.min} AND char_length(${check.column}) <= ${check.max})`;
  }
  if (check.kind === 'oneOf')
    return `CONSTRAINT ${name} CHECK (${oneOfSql(check.column, check.values, text)})`;
  const parts: string[] = [];
  if (check.min !== undefined) parts.push(`${check.column} >= ${literal(check.min)}`);
  if (check.max !== undefined) parts.push(`${check.column} <= ${literal(check.max)}`);
  return `CONSTRAINT ${name} CHECK (${parts.join(' AND ')})`;
}
