/**
 * SQL literals in DDL: column defaults and check values. A default is given in storage form
 * (decimals as minor units, booleans as 0/1, timestamps as UTC ISO text) and is written as a
 * literal of the column's own type, so the database never converts it.
 */
import { DistdbError } from '../../../errors.js';
import type { MinorUnits } from '../../../schema/decimal.js';
import type { ColumnDef } from '../../../schema/tableDef.js';
import { codePoints, truncate } from '../../../util/text.js';
import { isUtcTimestamp, minorUnits } from './values.js';

/** How a backend writes each kind of literal. */
export interface LiteralStyle {
  text(value: string): string;
  decimal(minor: MinorUnits, scale: number): string;
  boolean(value: boolean): string;
  /** `iso` is UTC ISO text. */
  timestamp(iso: string): string;
}

/** A text literal, quotes doubled: standard SQL (SQLite, PostgreSQL with standard strings). */
export function textLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function badDefault(table: string, c: ColumnDef, wanted: string): never {
  const shown = typeof c.default === 'string' ? `"${truncate(c.default)}"` : String(c.default);
  throw new DistdbError('config', `${table}.${c.name}: default ${shown} is not ${wanted}`);
}

/** The literal of the column's default; undefined when it has none. */
export function defaultLiteral(table: string, c: ColumnDef, style: LiteralStyle): string | undefined {
  const v = c.default;
  if (v === undefined) return undefined;
  const t = c.type;
  switch (t.kind) {
    case 'serial':
      throw new DistdbError('config', `${table}.${c.name}: a serial column takes no default`);
    case 'bigint':
    case 'integer': {
      const n = minorUnits(v);
      return n === undefined ? badDefault(table, c, 'an integer') : String(n);
    }
    case 'double':
      return typeof v === 'number' && Number.isFinite(v) ? String(v) : badDefault(table, c, 'a number');
    case 'decimal': {
      const minor = minorUnits(v);
      return minor === undefined
        ? badDefault(table, c, 'integer minor units')
        : style.decimal(minor, t.scale);
    }
    case 'varchar':
    case 'text':
      if (typeof v !== 'string') return badDefault(table, c, 'a text');
      if (t.kind === 'varchar' && codePoints(v) > t.length) {
        return badDefault(table, c, `at most ${t.length} characters`);
      }
      return style.text(v);
    case 'boolean':
      return v === 0 || v === 1 || v === 0n || v === 1n
        ? style.boolean(v === 1 || v === 1n)
        : badDefault(table, c, '0 or 1');
    case 'timestamp':
      return isUtcTimestamp(v) ? style.timestamp(v) : badDefault(table, c, 'UTC ISO text');
  }
}

/** ` DEFAULT <literal>`, or nothing. */
export function defaultSql(table: string, c: ColumnDef, style: LiteralStyle): string {
  const literal = defaultLiteral(table, c, style);
  return literal === undefined ? '' : ` DEFAULT ${literal}`;
}

/** Rows already stored take the new column's value: it must be nullable or have a default. */
export function checkAddedColumn(table: string, c: ColumnDef): void {
  if (!c.nullable && c.default === undefined) {
    throw new DistdbError(
      'config',
      `${table}.${c.name}: a column added to a table must be nullable or have a default (rows already stored take it)`,
    );
  }
}
