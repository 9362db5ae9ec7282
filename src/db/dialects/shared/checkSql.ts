import { type RawBuilder, sql } from 'kysely';
import { type CheckDef, checkName } from '../../../schema/tableDef.js';
import { id, raw } from './ddlCompiler.js';
import { textLiteral } from './literals.js';

/** How a backend writes a check: its length function, its literals. */
export interface CheckStyle {
  /** Length in characters: `length` (SQLite), `char_length` (servers). */
  readonly length: string;
  /** A range bound of `column` as a literal of that column's storage. */
  bound(column: string, value: number | string): string;
  text(value: string): string;
}

/** A range bound goes into the DDL as a literal, so it must be a plain decimal number. */
export function decimalBound(_column: string, value: number | string): string {
  const text = String(value);
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Error(`invalid range bound ${text}`);
  return text;
}

/** The servers' style: lengths in characters, decimals as exact decimal literals. */
export const serverChecks = (text: (value: string) => string = textLiteral): CheckStyle => ({
  length: 'char_length',
  bound: decimalBound,
  text,
});

/** The condition a check holds its column to. */
export function checkCondition(check: CheckDef, style: CheckStyle): RawBuilder<unknown> {
  const column = id(check.column);
  const length = raw(style.length);
  if (check.kind === 'trimmedLength') {
    return sql`${length}(trim(${column})) >= ${raw(String(check.min))} AND ${length}(${column}) <= ${raw(String(check.max))}`;
  }
  if (check.kind === 'oneOf') return sql`${column} IN (${raw(check.values.map(style.text).join(', '))})`;
  const parts: RawBuilder<unknown>[] = [];
  if (check.min !== undefined) parts.push(sql`${column} >= ${raw(style.bound(check.column, check.min))}`);
  if (check.max !== undefined) parts.push(sql`${column} <= ${raw(style.bound(check.column, check.max))}`);
  return sql.join(parts, sql` AND `);
}

/** `CONSTRAINT name CHECK (…)` as a column constraint (ADD COLUMN: a check reads its own column). */
export function columnCheck(table: string, check: CheckDef, style: CheckStyle): RawBuilder<unknown> {
  return sql`constraint ${id(checkName(table, check))} check (${checkCondition(check, style)})`;
}
