import type { AnyKysely, Connection, Row } from '../db/dialect.js';
import { DistdbError, errorMessage } from '../errors.js';
import type { AnyModel } from '../models/model.js';
import { scrub } from '../secrets.js';

/** A database as a query uses it: its alias (for errors) and connection. */
export interface Access {
  readonly alias: string;
  readonly conn: Connection;
}

/** Where each model's records are read and written: the routers', or an open transaction's. */
export interface QueryContext {
  readonly models: readonly AnyModel[];
  model(label: string): AnyModel;
  reader(model: AnyModel): Promise<Access>;
  writer(model: AnyModel, record?: Readonly<Record<string, unknown>>): Promise<Access>;
  /** The alias `writer` would give, found without waiting (it is asked once per record). */
  writeAlias(model: AnyModel, record?: Readonly<Record<string, unknown>>): string;
  /** The database of an alias `writeAlias` gave. */
  database(alias: string): Promise<Access>;
  /**
   * Where a delete looks for records of `model` referencing what it deletes: the database they
   * are written to, even when this context may not write there (a transaction of another one),
   * so that a reference that only restricts the delete does not make it a write elsewhere.
   */
  lookup(model: AnyModel): Promise<Access>;
}

/** Ids per query of an id list: well under every backend's limit on bound values. */
export const IDS_PER_QUERY = 10_000;

/** A query Kysely compiled: its SQL (in the backend's style) and values. */
export interface Compiled {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

/** Builds a query with the database's Kysely; the values are checked while it is built. */
export async function build(
  access: Access,
  make: (k: AnyKysely) => { compile(): Compiled },
): Promise<Compiled> {
  return make(await access.conn.kysely()).compile();
}

/** Runs a compiled query; a failure is a query error naming the database and the SQL. */
export async function run(access: Access, q: Compiled): Promise<{ rows: Row[]; changes: number }> {
  try {
    return await access.conn.runCompiled(q.sql, q.parameters);
  } catch (err) {
    throw queryError(access, q.sql, err);
  }
}

/**
 * `access.conn`, whose bulk paths (insertBatch, existing) fail as query errors naming the
 * database: they send SQL of the dialect's own, batched, so the error's `sql` is the same
 * operation on one row as Kysely writes it for the backend. The rest is the connection's.
 */
export function described(access: Access): Connection {
  const { conn } = access;
  const failed = (make: (k: AnyKysely) => { compile(): Compiled }) => async (err: unknown) => {
    throw queryError(access, await statementOf(access, make), err);
  };
  const insertBatch: Connection['insertBatch'] = (table, rows) =>
    conn.insertBatch(table, rows).catch(
      failed((k) => {
        const first = rows[0] ?? {};
        const given = table.columns.filter((c) => first[c.name] !== undefined);
        const columns = given.length > 0 ? given : table.columns;
        return k.insertInto(table.name).values(Object.fromEntries(columns.map((c) => [c.name, null])));
      }),
    );
  const existing: Connection['existing'] = (table, column, values) =>
    conn
      .existing(table, column, values)
      .catch(failed((k) => k.selectFrom(table.name).select(column).where(column, 'in', [null])));
  return new Proxy(conn, {
    get(target, name) {
      if (name === 'insertBatch') return insertBatch;
      if (name === 'existing') return existing;
      const value: unknown = Reflect.get(target, name, target);
      // Bound: the connection's methods use its private fields, which a proxy does not have.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The SQL of a statement Kysely builds, or undefined if it cannot be built. */
async function statementOf(
  access: Access,
  make: (k: AnyKysely) => { compile(): Compiled },
): Promise<string | undefined> {
  try {
    return (await build(access, make)).sql;
  } catch {
    return undefined;
  }
}

export function queryError(access: Access, sql: string | undefined, err: unknown): DistdbError {
  if (err instanceof DistdbError) return err;
  const message = scrub(errorMessage(err).split('\n')[0] ?? '');
  return new DistdbError('query', `database "${access.alias}": ${message}`, {
    cause: err,
    alias: access.alias,
    sql,
  });
}
