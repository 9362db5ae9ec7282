import type Database from 'better-sqlite3';
import type { TableDef } from '../../../schema/tableDef.js';
import type { Row, SqlValue } from '../../dialect.js';

type Statement = Database.Statement<unknown[], unknown>;

/** The INSERT for one set of columns, and a reusable array for a row's values. */
export interface InsertShape {
  readonly stmt: Statement;
  readonly columns: readonly string[];
  readonly values: SqlValue[];
}

/**
 * SQLite has no DEFAULT in VALUES: a row leaving out a column with a default gets an INSERT
 * without it, one statement per such shape. Serial columns are assigned by the database.
 */
export class InsertShapes {
  readonly #insertable: TableDef['columns'];
  readonly #defaulted: TableDef['columns'];
  readonly #shapes = new Map<string, InsertShape>();
  /** Without defaulted columns every row has the same shape, found without a key per row. */
  readonly #only: InsertShape | undefined;

  constructor(
    table: TableDef,
    private readonly prepare: (columns: readonly string[]) => Statement,
  ) {
    this.#insertable = table.columns.filter((c) => c.type.kind !== 'serial');
    this.#defaulted = this.#insertable.filter((c) => c.default !== undefined);
    this.#only = this.#defaulted.length === 0 ? this.#shape(this.#insertable.map((c) => c.name)) : undefined;
  }

  of(row: Row): InsertShape {
    if (this.#only) return this.#only;
    let key = '';
    for (const c of this.#defaulted) key += row[c.name] === undefined ? '0' : '1';
    let shape = this.#shapes.get(key);
    if (!shape) {
      const columns = this.#insertable
        .filter((c) => c.default === undefined || row[c.name] !== undefined)
        .map((c) => c.name);
      shape = this.#shape(columns);
      this.#shapes.set(key, shape);
    }
    return shape;
  }

  #shape(columns: readonly string[]): InsertShape {
    return { stmt: this.prepare(columns), columns, values: new Array(columns.length) };
  }
}
