import type { AnyKysely, Connection, Row } from '../db/dialect.js';
import { failedSql } from '../db/failedSql.js';
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
 * Work on `access.conn` whose driver failures become query errors naming the database and the
 * statement that failed (as the dialect noted it: the bulk paths send SQL of their own).
 */
export async function guarded<T>(access: Access, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw queryError(access, failedSql(err), err);
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
