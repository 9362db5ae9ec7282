import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import pg from 'pg';
import { DistdbError, errorMessage } from '../../../errors.js';
import type { TableDef } from '../../../schema/tableDef.js';
import { truncate } from '../../../util/text.js';
import {
  type Connection,
  type ConnectOptions,
  type Dialect,
  keyOf,
  type Row,
  type RowWrite,
  type SqlValue,
} from '../../dialect.js';
import type { DatabaseUrl } from '../../url.js';
import {
  chunk,
  conflictColumns,
  connectionError,
  decodeDecimalText,
  decodePart,
  encodeValue,
  keyColumns,
  keyValue,
  parseServerUrl,
  planRounds,
  poolSize,
  screenRow,
  timeoutMs,
} from '../shared/server.js';
import { arrayType, createTableSql } from './ddl.js';
import { isLockTimeout, rowFailure } from './errors.js';

const OK: RowWrite = { ok: true };

/** Rows per INSERT: the values travel as one array per column, so this only bounds message size. */
const INSERT_CHUNK = 5000;
const EXISTING_CHUNK = 1000;

function sslOption(url: DatabaseUrl, params: URLSearchParams): pg.PoolConfig['ssl'] {
  const mode = params.get('sslmode') ?? 'disable';
  const ca = params.get('sslrootcert');
  let tls: TlsOptions;
  switch (mode) {
    // pg cannot fall back from TLS to plain the way libpq does, so "prefer" and "allow" mean off.
    case 'disable':
    case 'allow':
    case 'prefer':
      return false;
    case 'require':
      tls = { rejectUnauthorized: false };
      break;
    case 'verify-ca':
      tls = { rejectUnauthorized: true, checkServerIdentity: () => undefined };
      break;
    case 'verify-full':
      tls = { rejectUnauthorized: true };
      break;
    default:
      throw new DistdbError(
        'config',
        `${url.redacted}: sslmode=${truncate(mode)} is not one of disable, require, verify-ca, verify-full`,
      );
  }
  if (ca !== null) {
    try {
      tls.ca = readFileSync(ca, 'utf8');
    } catch (err) {
      throw new DistdbError('config', `${url.redacted}: cannot read sslrootcert: ${errorMessage(err)}`);
    }
  }
  return tls;
}

/**
 * Result values stay within SqlValue: BIGINT (COUNT, MAX(id)) becomes a number when it is exact,
 * booleans become 1/0 as in SQLite and MySQL, dates stay text. NUMERIC stays exact text.
 * Installed on this pool only, never globally.
 */
const textParsers = new Map<number, (text: string) => SqlValue>([
  [20, (t) => (Number.isSafeInteger(Number(t)) ? Number(t) : t)],
  [16, (t) => (t === 't' ? 1 : 0)],
  [1082, (t) => t],
  [1114, (t) => t],
  [1184, (t) => t],
]);

const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    (format !== 'binary' && textParsers.get(oid)) ||
    pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** `postgres://user:password@host:port/database?sslmode=...&pool=...`. */
export function postgresConfig(url: DatabaseUrl, options?: ConnectOptions): pg.PoolConfig {
  const u = parseServerUrl(url);
  const params = u.searchParams;
  // Unix sockets: `?host=/var/run/postgresql` or a percent-encoded path as the host.
  const host = params.get('host') ?? decodePart(url, u.hostname.replace(/^\[(.*)\]$/, '$1'), 'host');
  return {
    host: host || undefined,
    port: u.port ? Number(u.port) : undefined,
    user: decodePart(url, u.username, 'user name') || undefined,
    password: decodePart(url, u.password, 'password') || undefined,
    database: decodePart(url, u.pathname.replace(/^\//, ''), 'database name') || undefined,
    ssl: sslOption(url, params),
    max: poolSize(url, params, ['pool', 'pool_size', 'max'], options),
    connectionTimeoutMillis: timeoutMs(url, params, 'connect_timeout'),
    application_name: params.get('application_name') ?? 'distdb',
    keepAlive: true,
    types,
  };
}

const numbered = new Map<string, string>();

/**
 * Portable `?` placeholders → `$1..$n`. Quoted strings, quoted identifiers and comments are
 * copied as they are.
 */
export function numberParams(sql: string): string {
  const cached = numbered.get(sql);
  if (cached !== undefined) return cached;
  let out = '';
  let n = 0;
  let from = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    if (ch === "'" || ch === '"') {
      i++;
      while (i < sql.length && !(sql[i] === ch && sql[i + 1] !== ch)) i += sql[i] === ch ? 2 : 1;
      i++;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (ch === '?') {
      out += `${sql.slice(from, i)}$${++n}`;
      i++;
      from = i;
    } else {
      i++;
    }
  }
  out += sql.slice(from);
  if (numbered.size >= 1000) numbered.clear();
  numbered.set(sql, out);
  return out;
}

/**
 * The connect timeout belongs on the client: set on the pool, pg-pool also applies it to waiting
 * for a free client, which a long transaction elsewhere in the pool may rightly make longer.
 */
function timedClient(ms: number): pg.PoolConfig['Client'] {
  return class extends pg.Client {
    constructor(config?: pg.ClientConfig) {
      super({ ...config, connectionTimeoutMillis: ms });
    }
  } as pg.PoolConfig['Client'];
}

interface Queryable {
  query(config: pg.QueryConfig): Promise<pg.QueryResult>;
}

/** Whether a transaction view may still be used. */
interface Scope {
  open: boolean;
}

/**
 * A pg pool, or a view of one checked-out client inside `transaction()`: the same class, so
 * code given the transaction sees the full Connection interface.
 */
export class PostgresConnection implements Connection {
  readonly #pool: pg.Pool;
  readonly #config: pg.PoolConfig;
  readonly #client: pg.PoolClient | undefined;
  readonly #depth: number;
  readonly #scope: Scope;

  private constructor(
    readonly dialect: Dialect,
    readonly url: DatabaseUrl,
    pool: pg.Pool,
    config: pg.PoolConfig,
    client?: pg.PoolClient,
    depth = 0,
    scope: Scope = { open: true },
  ) {
    this.#pool = pool;
    this.#config = config;
    this.#client = client;
    this.#depth = depth;
    this.#scope = scope;
  }

  static async open(
    dialect: Dialect,
    url: DatabaseUrl,
    options?: ConnectOptions,
  ): Promise<PostgresConnection> {
    const config = postgresConfig(url, options);
    const pool = new pg.Pool({
      ...config,
      connectionTimeoutMillis: undefined,
      Client: timedClient(config.connectionTimeoutMillis ?? 0),
    });
    // An idle client losing its server is reported by the next query that needs it; without a
    // listener the pool's 'error' event would end the process.
    pool.on('error', () => {});
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      await pool.end().catch(() => {});
      throw connectionError(url, err, config.password as string | undefined);
    }
    return new PostgresConnection(dialect, url, pool, config);
  }

  #view(client: pg.PoolClient, depth: number): PostgresConnection {
    return new PostgresConnection(this.dialect, this.url, this.#pool, this.#config, client, depth);
  }

  /** SQL already numbered ($n). */
  #run(text: string, values: readonly unknown[] = []): Promise<pg.QueryResult> {
    if (!this.#scope.open) {
      return Promise.reject(new DistdbError('runtime', 'transaction used after it ended'));
    }
    const runner: Queryable = this.#client ?? this.#pool;
    return runner.query({ text, values: values as unknown[] });
  }

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return (await this.#run(numberParams(sql), params)).rows as T[];
  }

  async execute(
    sql: string,
    params: readonly SqlValue[] = [],
  ): Promise<{ changes: number; insertId?: number }> {
    return { changes: (await this.#run(numberParams(sql), params)).rowCount ?? 0 };
  }

  async transaction<T>(fn: (tx: Connection) => Promise<T>): Promise<T> {
    if (this.#client) return this.#savepoint(this.#client, fn);
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    const tx = this.#view(client, 1);
    try {
      await client.query('BEGIN');
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      // A client that cannot even roll back is discarded rather than returned to the pool.
      await client.query('ROLLBACK').catch((e: unknown) => {
        broken = e instanceof Error ? e : new Error(String(e));
      });
      throw err;
    } finally {
      tx.#scope.open = false;
      client.release(broken);
    }
  }

  async #savepoint<T>(client: pg.PoolClient, fn: (tx: Connection) => Promise<T>): Promise<T> {
    const name = `distdb_sp${this.#depth}`;
    await this.#run(`SAVEPOINT ${name}`);
    const tx = this.#view(client, this.#depth + 1);
    try {
      const result = await fn(tx);
      await this.#run(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      // If this fails too the enclosing transaction is lost anyway; the first error says why.
      await this.#run(`ROLLBACK TO SAVEPOINT ${name}`)
        .then(() => this.#run(`RELEASE SAVEPOINT ${name}`))
        .catch(() => {});
      throw err;
    } finally {
      tx.#scope.open = false;
    }
  }

  /**
   * A session advisory lock held by a client of its own, outside the pool, so `fn` keeps every
   * pool connection (a pool of one would otherwise deadlock). Advisory locks are per database.
   */
  async withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const client = new pg.Client(this.#config);
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (err) {
      throw connectionError(this.url, err, this.#config.password as string | undefined);
    }
    try {
      await client.query("SET lock_timeout = '60s'");
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
    } catch (err) {
      await client.end().catch(() => {});
      if (isLockTimeout(err)) {
        throw new DistdbError(
          'migration',
          `another distdb process is already migrating ${this.url.redacted}`,
        );
      }
      throw err;
    }
    try {
      return await fn();
    } finally {
      await client
        .query('SELECT pg_advisory_unlock(hashtext($1))', [name])
        .catch(() => {})
        .finally(() => client.end().catch(() => {}));
    }
  }

  createTableSql(table: TableDef): string[] {
    return createTableSql(table);
  }

  async connectionHeadroom(): Promise<{ server: string; available: number }> {
    // Slots reserved for superusers are not counted: distdb should not need them.
    const rows = await this.query<{ n: number }>(
      `SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
        - (SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend') AS n`,
    );
    const u = parseServerUrl(this.url);
    return {
      server: `${u.hostname || 'localhost'}:${u.port || '5432'}`,
      available: Math.max(0, Number(rows[0]?.n ?? 0)),
    };
  }

  async tableExists(table: string): Promise<boolean> {
    const r = await this.#run(
      'SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1',
      [table],
    );
    return r.rows.length > 0;
  }

  /**
   * Rows the server would refuse for NOT NULL, size or check reasons are settled in memory first
   * (screenRow). The rest go in rounds of rows sharing no key (planRounds), each round one
   * `INSERT ... SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING RETURNING <keys>`: a row whose
   * keys come back was inserted, any other was a duplicate. A batch of one round is one
   * statement (one round trip, its own transaction); more rounds share a transaction. Should the
   * server still refuse a row the screen let through, the attempt is undone and redone row by
   * row under savepoints, which is exact.
   */
  async insertBatch(table: TableDef, rows: readonly Row[]): Promise<RowWrite[]> {
    const out: RowWrite[] = new Array(rows.length);
    const pending: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      const failure = screenRow(table, rows[i] as Row);
      if (failure) out[i] = failure;
      else pending.push(i);
    }
    if (pending.length === 0) return out;
    const groups = this.#groups(table, rows, pending);
    const attempt = async (careful: boolean): Promise<void> => {
      const only = groups[0];
      if (!this.#client && groups.length === 1 && only && !careful) {
        const failed = await this.#insertGroup(table, rows, only, out);
        if (failed.length > 0) await this.#markDuplicates(this, table, rows, failed, out);
        return;
      }
      await this.transaction(async (tx) => {
        const view = tx as PostgresConnection;
        for (const group of groups) {
          const failed = careful
            ? await view.#insertGroupCarefully(table, rows, group, out)
            : await view.#insertGroup(table, rows, group, out);
          if (failed.length > 0) await view.#markDuplicates(view, table, rows, failed, out);
        }
      });
    };
    try {
      await attempt(false);
    } catch (err) {
      if (!rowFailure(table, err)) throw err;
      await attempt(true);
    }
    return out;
  }

  /** Rounds, split further by which serial columns the rows leave to their DEFAULT, then chunked. */
  #groups(table: TableDef, rows: readonly Row[], pending: number[]): number[][] {
    const serials = table.columns.filter((c) => c.type.kind === 'serial');
    const groups: number[][] = [];
    for (const round of planRounds(table, rows, pending)) {
      const shapes = new Map<string, number[]>();
      for (const i of round) {
        const shape = serials.map((c) => ((rows[i] as Row)[c.name] == null ? '0' : '1')).join('');
        const list = shapes.get(shape);
        if (list) list.push(i);
        else shapes.set(shape, [i]);
      }
      for (const list of shapes.values()) groups.push(...chunk(list, INSERT_CHUNK));
    }
    return groups;
  }

  /** Columns a group's rows provide: a serial column left NULL takes its DEFAULT. */
  #columnsOf(table: TableDef, row: Row) {
    return table.columns.filter((c) => c.type.kind !== 'serial' || row[c.name] != null);
  }

  /** One statement for a group of rows sharing no key; returns the rows refused as duplicates. */
  async #insertGroup(
    table: TableDef,
    rows: readonly Row[],
    group: number[],
    out: RowWrite[],
  ): Promise<number[]> {
    const columns = this.#columnsOf(table, rows[group[0] as number] as Row);
    const keys = keyColumns(table).filter((k) => columns.includes(k.column));
    const arrays = columns.map((c) => group.map((i) => encodeValue(c, (rows[i] as Row)[c.name])));
    const returning = keys.length > 0 ? ` RETURNING ${keys.map((k) => k.column.name).join(', ')}` : '';
    const r = await this.#run(
      `INSERT INTO ${table.name} (${columns.map((c) => c.name).join(', ')}) SELECT * FROM unnest(${columns
        .map((c, n) => `$${n + 1}::${arrayType(c)}`)
        .join(', ')}) ON CONFLICT DO NOTHING${returning}`,
      arrays,
    );
    // Every row went in (the usual case): nothing to match.
    if (r.rowCount === group.length) {
      for (const i of group) out[i] = OK;
      return [];
    }
    const stored = keys.map((k) => new Set(r.rows.map((row: Row) => keyValue(k, row[k.column.name], true))));
    const failed: number[] = [];
    for (const i of group) {
      const row = rows[i] as Row;
      // Keys are distinct within the group, so a returned key value is this row's own.
      const inserted = keys.every((k, n) => {
        const v = keyValue(k, row[k.column.name]);
        return v === undefined || (stored[n] as Set<string | undefined>).has(v);
      });
      if (inserted) out[i] = OK;
      else failed.push(i);
    }
    return failed;
  }

  /** The slow, exact path: the group under a savepoint, and row by row if the server refuses one. */
  async #insertGroupCarefully(
    table: TableDef,
    rows: readonly Row[],
    group: number[],
    out: RowWrite[],
  ): Promise<number[]> {
    try {
      return await this.transaction((tx) => (tx as PostgresConnection).#insertGroup(table, rows, group, out));
    } catch (err) {
      if (!rowFailure(table, err)) throw err;
    }
    for (const i of group) {
      const row = rows[i] as Row;
      const columns = this.#columnsOf(table, row);
      try {
        await this.transaction((tx) =>
          (tx as PostgresConnection).#run(
            `INSERT INTO ${table.name} (${columns.map((c) => c.name).join(', ')}) VALUES (${columns
              .map((_, n) => `$${n + 1}`)
              .join(', ')})`,
            columns.map((c) => encodeValue(c, row[c.name])),
          ),
        );
        out[i] = { ok: true };
      } catch (err) {
        const failure = rowFailure(table, err);
        if (!failure) throw err;
        out[i] = failure;
      }
    }
    return [];
  }

  async #markDuplicates(
    conn: PostgresConnection,
    table: TableDef,
    rows: readonly Row[],
    failed: number[],
    out: RowWrite[],
  ): Promise<void> {
    const columns = await conflictColumns(conn, table, rows, failed);
    for (const i of failed) out[i] = { ok: false, violation: 'unique', column: columns.get(i) };
  }

  /**
   * Asks for the input values (by position) that have a match, so the answer follows the
   * server's own comparison: lower() on both sides for a case-insensitive column, which is the
   * expression its unique index is on. On an indexed column, LATERAL ... LIMIT 1 pins the plan
   * to one index probe per value; left to itself the planner hashes the whole table.
   */
  async existing(table: TableDef, column: string, values: readonly SqlValue[]): Promise<Set<string>> {
    const col = table.columns.find((c) => c.name === column);
    if (!col) throw new DistdbError('runtime', `table ${table.name} has no column ${column}`);
    const ci = col.caseInsensitive;
    const match = ci ? `lower(d.${column}) = lower(u.x)` : `d.${column} = u.x`;
    const inputs = `unnest($1::${arrayType(col)}) WITH ORDINALITY AS u(x, n)`;
    // An index on the compared expression: lower(col) for a case-insensitive unique, col otherwise.
    const uniques = (table.uniques ?? []).filter((x) => x.column === column);
    const indexed = ci
      ? uniques.some((x) => x.caseInsensitive)
      : table.primaryKey === column ||
        uniques.some((x) => !x.caseInsensitive) ||
        (table.indexes ?? []).some((x) => x.columns[0] === column);
    const sql = indexed
      ? `SELECT u.n FROM ${inputs} CROSS JOIN LATERAL (SELECT 1 FROM ${table.name} AS d WHERE ${match} LIMIT 1) AS m`
      : `SELECT u.n FROM ${inputs} WHERE EXISTS (SELECT 1 FROM ${table.name} AS d WHERE ${match})`;
    const found = new Set<string>();
    for (const part of chunk(
      values.filter((v) => v !== null),
      EXISTING_CHUNK,
    )) {
      const r = await this.#run(sql, [part.map((v) => encodeValue(col, v))]);
      for (const row of r.rows as { n: number }[]) found.add(keyOf(part[row.n - 1] as SqlValue, ci));
    }
    return found;
  }

  decodeDecimal(value: SqlValue, scale: number): number {
    return decodeDecimalText(value, scale);
  }

  async truncate(table: string): Promise<number> {
    return (await this.#run(`DELETE FROM ${table}`)).rowCount ?? 0;
  }

  /** Ends the pool; a transaction view does not own it, so closing one does nothing. */
  async close(): Promise<void> {
    if (this.#client || this.#pool.ended) return;
    await this.#pool.end();
  }
}
