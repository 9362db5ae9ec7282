import Database from 'better-sqlite3';
import pg from 'pg';
import { WAL_CHECKPOINT_PAGES } from '../db/dialects/sqlite/connection.js';
import { INSERT_MANY_BATCH } from '../queries/insertBatches.js';
import {
  callers,
  missingFound,
  ORDERS,
  orderIds,
  orderRecords,
  type PlainTable,
  rowOf,
  seededOrders,
  seededUsers,
  USERS,
  type UserRecord,
  userRecords,
} from './libraryData.js';
import type { LibraryJob } from './types.js';

/**
 * The plain equivalents of the library rows: the same records through the same driver, the
 * fastest plain way, without validation, unique checks or per-record outcomes.
 */

/** Records per transaction: distdb's insertMany batch, so both commit as often. */
export const PLAIN_BATCH = INSERT_MANY_BATCH;
/** distdb's default PostgreSQL pool size: the plain pool gets as many connections. */
export const PLAIN_PG_POOL = 4;

/** A measured operation, connected and prepared before `run` is timed. */
export interface Session {
  /** Runs the operation; resolves to the number of records not as expected. */
  run(): Promise<number>;
  close(): Promise<void>;
}

type Row = Record<string, unknown>;

/** With distdb's durability: WAL, a sync on every commit, the same checkpoint interval. */
function openSqlite(url: string): Database.Database {
  const db = new Database(url.slice('sqlite:'.length));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
  return db;
}

/** bigint columns read as numbers, as distdb reads them. */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 && format !== 'binary'
      ? Number
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

async function openPg(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, types });
  await client.connect();
  await client.query('SELECT 1');
  return client;
}

const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');
const insertSql = (t: PlainTable, mark: (i: number) => string) =>
  `INSERT INTO ${t.name} (${t.columns.join(', ')}) VALUES (${t.columns.map((_, i) => mark(i)).join(', ')})`;

/** Prepared single-row inserts, one transaction per batch; resolves to the rows inserted. */
function sqliteBulk(db: Database.Database, table: PlainTable, records: readonly object[]): number {
  const stmt = db.prepare(insertSql(table, () => '?'));
  let inserted = 0;
  const batch = db.transaction((part: readonly object[]) => {
    for (const r of part) inserted += stmt.run(rowOf(table, r)).changes;
  });
  for (let s = 0; s < records.length; s += PLAIN_BATCH) batch.immediate(records.slice(s, s + PLAIN_BATCH));
  return inserted;
}

/** One `INSERT … SELECT * FROM unnest($1, $2, …)` per batch (each its own transaction). */
async function pgBulk(client: pg.Client, table: PlainTable, records: readonly object[]): Promise<number> {
  const arrays = table.pgTypes.map((t, i) => `$${i + 1}::${t}[]`).join(', ');
  const sql = `INSERT INTO ${table.name} (${table.columns.join(', ')}) SELECT * FROM unnest(${arrays})`;
  let inserted = 0;
  for (let s = 0; s < records.length; s += PLAIN_BATCH) {
    const rows = records.slice(s, s + PLAIN_BATCH).map((r) => rowOf(table, r));
    const r = await client.query(
      sql,
      table.columns.map((_, c) => rows.map((v) => v[c])),
    );
    inserted += r.rowCount ?? 0;
  }
  return inserted;
}

/** The seeded rows `find` reads (orders in the orders database, their users in the users one). */
export async function seedFind(job: Pick<LibraryJob, 'backend' | 'urls' | 'records'>): Promise<void> {
  const users = seededUsers(job.records);
  const seeds: [string, PlainTable, object[]][] = [
    ['users', USERS, userRecords(users)],
    ['orders', ORDERS, orderRecords(seededOrders(job.records), users)],
  ];
  for (const [alias, table, records] of seeds) {
    const url = job.urls[alias] as string;
    if (job.backend === 'sqlite') {
      const db = openSqlite(url);
      sqliteBulk(db, table, records);
      db.close();
    } else {
      const client = await openPg(url);
      await pgBulk(client, table, records);
      await client.end();
    }
  }
}

/** Orders by id list, then their users by id list, each order given its `user`. */
async function plainFind(
  ids: readonly number[],
  selectOrders: (ids: readonly number[]) => Promise<Row[]>,
  selectUsers: (ids: readonly number[]) => Promise<Row[]>,
): Promise<number> {
  const found = await selectOrders(ids);
  const userIds = [...new Set(found.map((o) => o.user_id as number))];
  const byId = new Map((await selectUsers(userIds)).map((u) => [u.id, u]));
  for (const o of found) o.user = byId.get(o.user_id) ?? null;
  return missingFound(ids, found);
}

function sqliteSession(job: LibraryJob): Session {
  const users = openSqlite(job.urls.users as string);
  const orders = openSqlite(job.urls.orders as string);
  const close = async () => {
    users.close();
    orders.close();
  };
  // Prepared once per list length and kept: the fastest plain way to ask the same lists again.
  const select = (db: Database.Database, table: string) => {
    const prepared = new Map<number, Database.Statement>();
    return async (ids: readonly number[]) => {
      let stmt = prepared.get(ids.length);
      if (!stmt) {
        stmt = db.prepare(`SELECT * FROM ${table} WHERE id IN (${marks(ids.length)})`);
        prepared.set(ids.length, stmt);
      }
      return stmt.all(ids) as Row[];
    };
  };
  if (job.op === 'find') {
    const ids = orderIds(job.records);
    const [fromOrders, fromUsers] = [select(orders, 'orders'), select(users, 'users')];
    return { run: () => plainFind(ids, fromOrders, fromUsers), close };
  }
  const records = userRecords(job.records);
  if (job.op === 'insertMany')
    return { run: async () => records.length - sqliteBulk(users, USERS, records), close };
  // better-sqlite3 is synchronous: the callers share one connection, each insert its own transaction.
  const stmt = users.prepare(insertSql(USERS, () => '?'));
  const one = async (i: number) => stmt.run(rowOf(USERS, records[i] as UserRecord)).changes === 1;
  return { run: () => callers(job.callers, records.length, one), close };
}

async function pgSession(job: LibraryJob): Promise<Session> {
  if (job.op === 'insert') {
    const pool = new pg.Pool({ connectionString: job.urls.users, max: PLAIN_PG_POOL, types });
    await pool.query('SELECT 1');
    const records = userRecords(job.records);
    const sql = insertSql(USERS, (i) => `$${i + 1}`);
    const one = async (i: number) =>
      (await pool.query(sql, rowOf(USERS, records[i] as UserRecord))).rowCount === 1;
    return { run: () => callers(job.callers, records.length, one), close: () => pool.end() };
  }
  const users = await openPg(job.urls.users as string);
  const orders = await openPg(job.urls.orders as string);
  const close = async () => {
    await users.end();
    await orders.end();
  };
  if (job.op === 'insertMany') {
    const records = userRecords(job.records);
    return { run: async () => records.length - (await pgBulk(users, USERS, records)), close };
  }
  const select = (client: pg.Client, table: string) => async (ids: readonly number[]) =>
    (await client.query(`SELECT * FROM ${table} WHERE id = ANY($1::bigint[])`, [ids])).rows as Row[];
  const ids = orderIds(job.records);
  return { run: () => plainFind(ids, select(orders, 'orders'), select(users, 'users')), close };
}

export async function plainSession(job: LibraryJob): Promise<Session> {
  return job.backend === 'sqlite' ? sqliteSession(job) : pgSession(job);
}
