import type { sql as Sql } from 'kysely';
import type { AnyKysely, Connection, Row } from '../db/dialect.js';
import { failedSql } from '../db/failedSql.js';
import { DistdbError, errorLine } from '../errors.js';
import type { AnyModel, FieldDef } from '../models/model.js';
import type { Shards } from '../routing/router.js';
import type { Side } from './placement.js';

/** A database as a query uses it: its alias (for errors) and connection. */
export interface Access {
  readonly alias: string;
  readonly conn: Connection;
  /** Set for the database of an open transaction: work there is part of it. */
  readonly inTransaction?: boolean;
  /**
   * For the database of an open transaction: its connection outside the transaction (the same
   * one where a backend has one session per database, as SQLite).
   */
  readonly outside?: Connection;
  /** Reads lock the rows they return until the transaction ends (inside `atomic`). */
  readonly lockReads?: boolean;
}

/** Reads the rows of `ids` in `shard`, to tell a claim whose record is there from one left behind. */
export type ShardRows = (shard: string, ids: readonly number[]) => Promise<Map<number, Row>>;

/** A sharded model's global unique index: its database, the fields it keeps, the shards' rows. */
export interface IndexAccess {
  readonly access: Access;
  readonly model: AnyModel;
  readonly fields: readonly FieldDef[];
  readonly rows: ShardRows;
}

/** The fields a sharded model's index keeps, and the index, opened on first use. */
export interface IndexRef {
  readonly fields: readonly FieldDef[];
  open(): Promise<IndexAccess>;
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
  /**
   * The shard `alias` of `model` to write a record found there (by the index, say); `version`
   * is the layout it was routed by, when that was before this call (the layout in force now).
   */
  writerAt(model: AnyModel, alias: string, version?: number): Promise<Access>;
  /** `count` fresh ids of a model whose ids are generated, unique across its databases. */
  ids(model: AnyModel, count: number): Promise<number[]>;
  /** The global unique index of a sharded model with unique values other than its key's. */
  index(model: AnyModel): IndexRef | undefined;
  /** The alias `writer` would give, found without waiting (it is asked once per record). */
  writeAlias(model: AnyModel, record?: Readonly<Record<string, unknown>>): string;
  /** The database of an alias `writeAlias` gave. */
  database(alias: string): Promise<Access>;
  /**
   * After a write was turned away because `model`'s layout is no longer `version` (first at
   * `heldSince`): waits for the layout in force to move on; false when the write should not be
   * tried again.
   */
  relayout(model: AnyModel, version: number, heldSince: number): Promise<boolean>;
  /** Set inside `atomic`: a write failing part-way throws (rolling every database back) rather than report what it applied. */
  readonly atomic?: boolean;
  /** While moved rows are still in their old shards, the rows of `alias` it keeps (placement.ownedIn). */
  owned(model: AnyModel, alias: string): ((row: Readonly<Record<string, unknown>>) => boolean) | undefined;
}

/** Ids per query of an id list: well under every backend's limit on bound values. */
export const IDS_PER_QUERY = 10_000;

/** A query Kysely compiled: its SQL (in the backend's style) and values. */
export interface Compiled {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

/** Kysely's `sql` tag, once a query has been built: Kysely is loaded by the first query, not at start-up. */
let sqlTag: typeof Sql | undefined;

/**
 * Builds a query with the database's Kysely (and `sql`, for the raw parts); the values are
 * checked while it is built.
 */
export async function build(
  access: Access,
  make: (k: AnyKysely, sql: typeof Sql) => { compile(): Compiled },
): Promise<Compiled> {
  const k = await access.conn.kysely();
  sqlTag ??= (await import('kysely')).sql;
  return make(k, sqlTag).compile();
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
  const message = errorLine(err);
  return new DistdbError('query', `database "${access.alias}": ${message}`, {
    cause: err,
    alias: access.alias,
    sql,
  });
}
