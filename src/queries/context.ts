import type { AnyKysely, Connection, Row } from '../db/dialect.js';
import { failedSql } from '../db/failedSql.js';
import { DistdbError, errorMessage } from '../errors.js';
import type { AnyModel } from '../models/model.js';
import type { Shards } from '../routing/router.js';
import { scrub } from '../secrets.js';
import { aliasesFor, type Placement, type Side, valuesByDatabase } from './placement.js';

/** A database as a query uses it: its alias (for errors) and connection. */
export interface Access {
  readonly alias: string;
  readonly conn: Connection;
}

/** A database and the values of a field to look for in it. */
export interface Group {
  readonly access: Access;
  readonly values: unknown[];
}

/** Where each model's records are read and written: the routers', or an open transaction's. */
export interface QueryContext {
  readonly models: readonly AnyModel[];
  model(label: string): AnyModel;
  /** Set when `model` is spread over several databases. */
  shards(model: AnyModel): Shards | undefined;
  /**
   * The databases a read of `model` asks: its own; for a sharded model, the shards of `keys`
   * (shard-key values) when the query names them, else every shard.
   */
  readers(model: AnyModel, keys?: readonly unknown[]): Promise<Access[]>;
  /**
   * `values` of `field` by the database to look for them in (placement.valuesByDatabase). On the
   * write side, a delete looks where records are written, even when this context may not write
   * there (a transaction of another one): a reference that only restricts the delete does not
   * make it a write elsewhere.
   */
  groups(model: AnyModel, side: Side, field: string, values: readonly unknown[]): Promise<Group[]>;
  writer(model: AnyModel, record?: Readonly<Record<string, unknown>>): Promise<Access>;
  /** The alias `writer` would give, found without waiting (it is asked once per record). */
  writeAlias(model: AnyModel, record?: Readonly<Record<string, unknown>>): string;
  /** The database of an alias `writeAlias` gave. */
  database(alias: string): Promise<Access>;
}

/** A context's `readers` and `groups`, from where models are and how a database is reached. */
export function placedAccess(
  place: Placement,
  access: (alias: string, side: Side) => Promise<Access>,
): Pick<QueryContext, 'shards' | 'readers' | 'groups'> {
  return {
    shards: (model) => place.shards(model),
    readers: (model, keys) =>
      Promise.all(aliasesFor(place, model, 'read', keys).map((a) => access(a, 'read'))),
    groups: (model, side, field, values) =>
      Promise.all(
        [...valuesByDatabase(place, model, side, field, values)].map(async ([alias, group]) => ({
          access: await access(alias, side),
          values: group,
        })),
      ),
  };
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
