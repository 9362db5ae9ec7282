import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';

/**
 * Reads a distdb database with its raw driver, never through distdb: what is really stored.
 * Rows come back as the driver gives them (pg: BIGINT and NUMERIC as strings), so compare rows
 * of the same backend, or normalize.
 */
export type RawRow = Record<string, unknown>;

export function sqlitePathOf(url: string): string {
  let rest = url.slice(url.indexOf(':') + 1);
  if (rest.startsWith('//')) rest = rest.slice(2);
  return rest;
}

export function backendOf(url: string): 'sqlite' | 'postgres' | 'mysql' {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (/^postgres(ql)?:/.test(url)) return 'postgres';
  return 'mysql';
}

/** Opens the database behind `url` once for several queries. */
export async function openRaw(url: string, options: { create?: boolean } = {}): Promise<RawDb> {
  const backend = backendOf(url);
  if (backend === 'sqlite') {
    const path = sqlitePathOf(url);
    if (!options.create && !existsSync(path)) return new MissingDb();
    const db = new Database(path, { fileMustExist: !options.create });
    db.pragma('busy_timeout = 30000');
    return {
      backend,
      async query(sql, params = []) {
        const stmt = db.prepare(sql);
        if (!stmt.reader) {
          stmt.run(...(params as unknown[]));
          return [];
        }
        return stmt.all(...(params as unknown[])) as RawRow[];
      },
      async tables() {
        const rows = db
          .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
          )
          .all() as { name: string }[];
        return rows.map((r) => r.name);
      },
      async close() {
        db.close();
      },
    };
  }
  if (backend === 'postgres') {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return {
      backend,
      async query(sql, params = []) {
        let n = 0;
        const text = sql.replace(/\?/g, () => `$${++n}`);
        return (await client.query(text, params as unknown[])).rows as RawRow[];
      },
      async tables() {
        const r = await client.query(
          "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
        );
        return r.rows.map((x: { name: string }) => x.name);
      },
      async close() {
        await client.end();
      },
    };
  }
  const conn = await mysql.createConnection({ uri: url, charset: 'UTF8MB4_UNICODE_CI' });
  return {
    backend,
    async query(sql, params = []) {
      const [rows] = await conn.query(sql, params as unknown[]);
      return rows as RawRow[];
    },
    async tables() {
      const [rows] = await conn.query(
        'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name',
      );
      return (rows as { name: string }[]).map((r) => r.name);
    },
    async close() {
      await conn.end();
    },
  };
}

export interface RawDb {
  readonly backend: 'sqlite' | 'postgres' | 'mysql' | 'missing';
  query(sql: string, params?: readonly unknown[]): Promise<RawRow[]>;
  tables(): Promise<string[]>;
  close(): Promise<void>;
}

/** A SQLite file that does not exist: no tables, no rows (and opening it must not create it). */
class MissingDb implements RawDb {
  readonly backend = 'missing' as const;
  async query(): Promise<RawRow[]> {
    return [];
  }
  async tables(): Promise<string[]> {
    return [];
  }
  async close(): Promise<void> {}
}

export async function withRaw<T>(
  url: string,
  fn: (db: RawDb) => Promise<T>,
  options: { create?: boolean } = {},
): Promise<T> {
  const db = await openRaw(url, options);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

export const MODEL_TABLES = { users: 'users', products: 'products', orders: 'orders' } as const;

/** Every row of a table ordered by id; [] when the table does not exist. */
export async function tableRows(db: RawDb, table: string): Promise<RawRow[]> {
  if (!(await db.tables()).includes(table)) return [];
  return db.query(`SELECT * FROM ${table} ORDER BY id`);
}

/** Rows of the three model tables of a deployment (alias users/products/orders). */
export async function modelSnapshot(urls: Record<string, string>): Promise<Record<string, RawRow[]>> {
  const out: Record<string, RawRow[]> = {};
  for (const [alias, table] of Object.entries(MODEL_TABLES)) {
    out[table] = await withRaw(urls[alias] as string, (db) => tableRows(db, table));
  }
  return out;
}

/** Every value as a string, so rows compare across drivers (pg gives BIGINT as text). */
export function normalizeRow(row: RawRow): Record<string, string> {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, v === null ? 'null' : typeof v === 'string' ? v : String(v)]),
  );
}

/** Orders whose user or product does not exist in its own database. */
export function orphanOrders(snapshot: Record<string, RawRow[]>): RawRow[] {
  const users = new Set((snapshot.users ?? []).map((r) => String(r.id)));
  const products = new Set((snapshot.products ?? []).map((r) => String(r.id)));
  return (snapshot.orders ?? []).filter(
    (o) => !users.has(String(o.user_id)) || !products.has(String(o.product_id)),
  );
}
