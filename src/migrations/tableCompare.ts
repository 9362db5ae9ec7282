import type { CheckDef, ColumnDef, ColumnType, TableDef } from '../schema/tableDef.js';

/** A JSON text for comparing values: keys sorted, bigint and number alike (150n is 150). */
function canonical(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined && x !== false)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export function same(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

const byName = <T extends { name: string }>(xs: readonly T[] | undefined) =>
  [...(xs ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/** Whether two tables are the same whatever the order of their columns, checks and indexes. */
export function sameTable(a: TableDef, b: TableDef): boolean {
  const norm = (t: TableDef) => ({
    name: t.name,
    primaryKey: t.primaryKey,
    columns: byName(t.columns),
    checks: [...(t.checks ?? [])].sort((x, y) => (x.column < y.column ? -1 : x.column > y.column ? 1 : 0)),
    uniques: byName(t.uniques),
    indexes: byName(t.indexes),
  });
  return same(norm(a), norm(b));
}

export function checksOn(table: TableDef, column: string): CheckDef[] {
  return (table.checks ?? []).filter((c) => c.column === column);
}

/** The table without a column, and without its checks and the indexes that use it. */
export function withoutColumn(table: TableDef, column: string): TableDef {
  return {
    ...table,
    columns: table.columns.filter((c) => c.name !== column),
    checks: (table.checks ?? []).filter((c) => c.column !== column),
    uniques: (table.uniques ?? []).filter((u) => u.column !== column),
    indexes: (table.indexes ?? []).filter((i) => !i.columns.includes(column)),
  };
}

export function typeText(t: ColumnType): string {
  if (t.kind === 'decimal') return `decimal(${t.precision}, ${t.scale})`;
  if (t.kind === 'varchar') return `varchar(${t.length})`;
  return t.kind;
}

function checkText(c: CheckDef | undefined): string {
  if (!c) return 'none';
  if (c.kind === 'oneOf') return `one of ${c.values.join(', ')}`;
  const range = `${c.min ?? ''}..${c.max ?? ''}`;
  return c.kind === 'range' ? `range ${range}` : `trimmed length ${range}`;
}

const valueText = (v: ColumnDef['default']) =>
  v === undefined ? 'none' : typeof v === 'string' ? JSON.stringify(v) : String(v);

/**
 * What changed in an existing column, in words, or undefined when nothing did: what no
 * migration step can express.
 */
export function columnChange(
  from: { column: ColumnDef; checks: readonly CheckDef[] },
  to: { column: ColumnDef; checks: readonly CheckDef[] },
): string | undefined {
  const [a, b] = [from.column, to.column];
  if (!same(a.type, b.type)) return `its column type changed from ${typeText(a.type)} to ${typeText(b.type)}`;
  if (Boolean(a.nullable) !== Boolean(b.nullable))
    return b.nullable ? 'it became optional' : 'it became required';
  if (Boolean(a.caseInsensitive) !== Boolean(b.caseInsensitive)) return 'its case-insensitivity changed';
  if (!same(a.default, b.default))
    return `its default changed from ${valueText(a.default)} to ${valueText(b.default)}`;
  if (!same(from.checks, to.checks))
    return `its rule changed from ${checkText(from.checks[0])} to ${checkText(to.checks[0])}`;
  return undefined;
}
