import type Database from 'better-sqlite3';
import type { MinorUnits } from '../../../schema/decimal.js';
import type { TableDef } from '../../../schema/tableDef.js';
import { type BulkWrites, keyOf, type Row, type RowWrite, type SqlValue } from '../../dialect.js';
import { noted, noteFailedSql } from '../../failedSql.js';
import { fold } from './columnSql.js';
import { rowFailure } from './errors.js';
import { quoteId } from './ident.js';
import { InsertShapes } from './insertShapes.js';
import type { Session } from './session.js';
import { jsonArray } from './values.js';

type Statement = Database.Statement<unknown[], unknown>;

const OK: RowWrite = { ok: true };
const UNIQUE: RowWrite = { ok: false, violation: 'unique' };

/** What the bulk paths borrow from their connection. */
export interface BulkHost {
  readonly session: Session;
  statement(sql: string): Statement;
  /** A write transaction of the connection. */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
}

function isIntegerKey(table: TableDef, column: string): boolean {
  const kind = table.columns.find((c) => c.name === column)?.type.kind;
  return kind === 'integer' || kind === 'serial';
}

/** Decimals are stored as integer minor units: exact, a bigint beyond 2^53. */
export function decodeDecimal(value: SqlValue): MinorUnits {
  if (value === null) return 0;
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  }
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return decodeDecimal(BigInt(value));
  return Number(value);
}

/** Prepared statements run synchronously, row after row, inside one transaction. */
export class SqliteBulk implements Omit<BulkWrites, 'decodeDecimal' | 'truncate'> {
  constructor(private readonly host: BulkHost) {}

  /**
   * The INSERT for rows naming `columns`. DO NOTHING on unique conflicts: a duplicate is an
   * expected outcome, not worth an exception; CHECK and NOT NULL violations still raise.
   */
  #insertStatement(table: TableDef, columns: readonly string[]): Statement {
    return this.host.statement(
      `INSERT INTO ${quoteId(table.name)} (${columns.map(quoteId).join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ON CONFLICT DO NOTHING`,
    );
  }

  async insertBatch(table: TableDef, rows: readonly Row[]): Promise<RowWrite[]> {
    const shapes = new InsertShapes(table, (columns) => this.#insertStatement(table, columns));
    const out: RowWrite[] = new Array(rows.length);
    const run = () => {
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i] as Row;
        const shape = shapes.of(row);
        const { columns, values } = shape;
        for (let c = 0; c < columns.length; c++) values[c] = row[columns[c] as string] ?? null;
        try {
          out[i] = shape.stmt.run(values).changes === 1 ? OK : UNIQUE;
        } catch (err) {
          const failure = rowFailure(table, err);
          if (!failure) {
            noteFailedSql(err, shape.stmt.source);
            throw err;
          }
          out[i] = failure;
        }
      }
    };
    if (this.host.session.inTransaction) run();
    else await this.host.transaction(async () => run());
    return out;
  }

  async integerRange(table: TableDef, column: string, low: number, high: number): Promise<number[]> {
    // Only this method runs this SQL, so plucking its cached statement changes no other caller.
    // Key columns hold safe integers (ids are validated so): read as numbers straight away.
    const key = quoteId(column);
    const sql = `SELECT ${key} FROM ${quoteId(table.name)} WHERE ${key} BETWEEN ? AND ?`;
    return this.host.session.exclusive(() =>
      noted(sql, () => this.host.statement(sql).pluck().safeIntegers(false).all(low, high) as number[]),
    );
  }

  async existing(table: TableDef, column: string, values: readonly SqlValue[]): Promise<Set<string>> {
    const ci = table.columns.find((c) => c.name === column)?.caseInsensitive;
    const col = quoteId(column);
    const expr = ci ? fold(col) : col;
    // One statement whatever the number of values (a statement per IN-list length would pile up).
    const stmt = this.host.statement(
      `SELECT ${col} AS v FROM ${quoteId(table.name)} WHERE ${expr} IN (SELECT value FROM json_each(?))`,
    );
    // Integer keys are validated safe integers: read as numbers, not bigints.
    if (isIntegerKey(table, column)) stmt.safeIntegers(false);
    const keys = values.map((v) => (ci ? String(v).toLowerCase() : v));
    const rows = await this.host.session.exclusive(() =>
      noted(stmt.source, () => stmt.all(jsonArray(keys)) as { v: SqlValue }[]),
    );
    return new Set(rows.map((r) => keyOf(r.v, ci)));
  }
}
