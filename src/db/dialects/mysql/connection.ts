import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions, Pool, PoolConnection, PoolOptions, ResultSetHeader } from 'mysql2/promise';
import mysql from 'mysql2/promise';
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
  parseServerUrl,
  planRounds,
  poolSize,
  screenRow,
  timeoutMs,
} from '../shared/server.js';
import { createTableSql } from './ddl.js';
import { isDuplicate, rowFailure } from './errors.js';

const EXISTING_CHUNK = 1000;
const LOCK_TIMEOUT_SECONDS = 60;

/**
 * Every session: strict (a bad value is an error, never silently coerced), `||` concatenates as
 * in portable SQL, and backslash escapes stay on, which the driver's client-side escaping assumes.
 */
const SQL_MODE = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,PIPES_AS_CONCAT';

/** `?ssl=true|false|skip-verify`, or libpq/MySQL style `?sslmode=` / `?ssl-mode=`; `?sslca=PATH`. */
function sslOption(url: DatabaseUrl, params: URLSearchParams): ConnectionOptions['ssl'] {
  const raw = params.get('ssl') ?? params.get('sslmode') ?? params.get('ssl-mode');
  if (raw === null) return undefined;
  const mode = raw.toLowerCase().replace(/_/g, '-');
  let ssl: { rejectUnauthorized: boolean; ca?: string };
  if (['false', '0', 'disable', 'disabled', 'prefer', 'preferred'].includes(mode)) return undefined;
  if (['true', '1', 'verify-full', 'verify-identity', 'verify-ca'].includes(mode))
    ssl = { rejectUnauthorized: true };
  else if (['skip-verify', 'no-verify', 'require', 'required'].includes(mode))
    ssl = { rejectUnauthorized: false };
  else
    throw new DistdbError(
      'config',
      `${url.redacted}: ssl=${truncate(raw)} is not true, false or skip-verify`,
    );
  const ca = params.get('sslca') ?? params.get('ssl-ca');
  if (ca !== null) {
    try {
      ssl.ca = readFileSync(ca, 'utf8');
    } catch (err) {
      throw new DistdbError('config', `${url.redacted}: cannot read sslca: ${errorMessage(err)}`);
    }
  }
  return ssl;
}

/** `mysql://user:password@host:port/database?ssl=...&pool=...` (also `mariadb://`). */
export function mysqlConfig(url: DatabaseUrl): ConnectionOptions {
  const u = parseServerUrl(url);
  const params = u.searchParams;
  return {
    host: decodePart(url, u.hostname.replace(/^\[(.*)\]$/, '$1'), 'host') || undefined,
    port: u.port ? Number(u.port) : undefined,
    socketPath: params.get('socket') ?? undefined,
    user: decodePart(url, u.username, 'user name') || undefined,
    password: decodePart(url, u.password, 'password') || undefined,
    database: decodePart(url, u.pathname.replace(/^\//, ''), 'database name') || undefined,
    ssl: sslOption(url, params),
    connectTimeout: timeoutMs(url, params, 'connect_timeout'),
    charset: 'UTF8MB4_UNICODE_CI',
    // Integers come back as numbers (as strings only beyond 2^53); DECIMAL stays exact text.
    supportBigNumbers: true,
    bigNumberStrings: false,
    decimalNumbers: false,
    dateStrings: true,
    enableKeepAlive: true,
  };
}

/** The pool size comes from the options or `?pool=` / `?connectionLimit=`. */
export function mysqlPoolConfig(url: DatabaseUrl, options?: ConnectOptions): PoolOptions {
  const params = parseServerUrl(url).searchParams;
  return {
    ...mysqlConfig(url),
    connectionLimit: poolSize(url, params, ['pool', 'connectionLimit', 'pool_size'], options),
    waitForConnections: true,
  };
}

type Runner = Pool | PoolConnection;

interface Scope {
  open: boolean;
}

/**
 * A mysql2 pool, or a view of one checked-out connection inside `transaction()`: the same class,
 * so code given the transaction sees the full Connection interface.
 */
export class MysqlConnection implements Connection {
  readonly #pool: Pool;
  readonly #config: ConnectionOptions;
  readonly #conn: PoolConnection | undefined;
  readonly #depth: number;
  readonly #scope: Scope;
  #closed = false;

  private constructor(
    readonly dialect: Dialect,
    readonly url: DatabaseUrl,
    pool: Pool,
    config: ConnectionOptions,
    conn?: PoolConnection,
    depth = 0,
    scope: Scope = { open: true },
  ) {
    this.#pool = pool;
    this.#config = config;
    this.#conn = conn;
    this.#depth = depth;
    this.#scope = scope;
  }

  static async open(dialect: Dialect, url: DatabaseUrl, options?: ConnectOptions): Promise<MysqlConnection> {
    const config = mysqlPoolConfig(url, options);
    const pool = mysql.createPool(config);
    // Queued on a new connection before anything else can use it.
    pool.pool.on('connection', (conn) => {
      conn.query(`SET SESSION sql_mode = '${SQL_MODE}'`, (err: unknown) => {
        if (err) conn.destroy();
      });
    });
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      await pool.end().catch(() => {});
      throw connectionError(url, err, config.password);
    }
    return new MysqlConnection(dialect, url, pool, mysqlConfig(url));
  }

  #view(conn: PoolConnection, depth: number): MysqlConnection {
    return new MysqlConnection(this.dialect, this.url, this.#pool, this.#config, conn, depth);
  }

  async #run(sql: string, params: readonly unknown[] = []): Promise<unknown> {
    if (!this.#scope.open) throw new DistdbError('runtime', 'transaction used after it ended');
    const runner: Runner = this.#conn ?? this.#pool;
    const [result] = await runner.query(sql, params as unknown[]);
    return result;
  }

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const result = await this.#run(sql, params);
    return Array.isArray(result) ? (result as T[]) : [];
  }

  async execute(
    sql: string,
    params: readonly SqlValue[] = [],
  ): Promise<{ changes: number; insertId?: number }> {
    const result = await this.#run(sql, params);
    if (Array.isArray(result)) return { changes: 0 };
    const header = result as ResultSetHeader;
    return { changes: header.affectedRows, insertId: header.insertId ? Number(header.insertId) : undefined };
  }

  async transaction<T>(fn: (tx: Connection) => Promise<T>): Promise<T> {
    if (this.#conn) return this.#savepoint(this.#conn, fn);
    const conn = await this.#pool.getConnection();
    let broken = false;
    const tx = this.#view(conn, 1);
    try {
      await conn.query('START TRANSACTION');
      const result = await fn(tx);
      await conn.query('COMMIT');
      return result;
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw err;
    } finally {
      tx.#scope.open = false;
      // A connection that cannot even roll back is closed rather than returned to the pool.
      if (broken) conn.destroy();
      else conn.release();
    }
  }

  async #savepoint<T>(conn: PoolConnection, fn: (tx: Connection) => Promise<T>): Promise<T> {
    const name = `distdb_sp${this.#depth}`;
    await this.#run(`SAVEPOINT ${name}`);
    const tx = this.#view(conn, this.#depth + 1);
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
   * GET_LOCK on a connection of its own, outside the pool, so `fn` keeps every pool connection.
   * GET_LOCK names are server-wide, so the name includes the database.
   */
  async withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    let conn: mysql.Connection;
    try {
      conn = await mysql.createConnection(this.#config);
    } catch (err) {
      throw connectionError(this.url, err, this.#config.password);
    }
    conn.on('error', () => {});
    const full = `distdb:${this.#config.database ?? ''}:${name}`;
    // MySQL limits lock names to 64 characters.
    const lock =
      full.length <= 64 ? full : `distdb:${createHash('sha256').update(full).digest('hex').slice(0, 56)}`;
    try {
      const [rows] = await conn.query('SELECT GET_LOCK(?, ?) AS got', [lock, LOCK_TIMEOUT_SECONDS]);
      if (Number((rows as { got: unknown }[])[0]?.got) !== 1) {
        throw new DistdbError(
          'migration',
          `another distdb process is already migrating ${this.url.redacted}`,
        );
      }
    } catch (err) {
      await conn.end().catch(() => {});
      throw err;
    }
    try {
      return await fn();
    } finally {
      await conn
        .query('SELECT RELEASE_LOCK(?)', [lock])
        .catch(() => {})
        .finally(() => conn.end().catch(() => {}));
    }
  }

  createTableSql(table: TableDef): string[] {
    return createTableSql(table);
  }

  async connectionHeadroom(): Promise<{ server: string; available: number }> {
    const rows = await this.query<{ n: number }>(
      'SELECT @@max_connections - (SELECT COUNT(*) FROM information_schema.PROCESSLIST) AS n',
    );
    const u = parseServerUrl(this.url);
    return {
      server: `${u.hostname || 'localhost'}:${u.port || '3306'}`,
      available: Math.max(0, Number(rows[0]?.n ?? 0)),
    };
  }

  async tableExists(table: string): Promise<boolean> {
    const rows = await this.query(
      'SELECT 1 AS found FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?',
      [table],
    );
    return rows.length > 0;
  }

  /**
   * Rows the server would refuse for NOT NULL, size or check reasons are settled in memory first
   * (screenRow). The rest go in rounds of rows sharing no key (planRounds), each round one plain
   * multi-row INSERT (never INSERT IGNORE, which coerces bad values). A failed statement changes
   * nothing, the transaction goes on: on a duplicate, one lookup per key column finds the rows
   * whose keys were already stored and the rest are retried together; if the server still
   * refuses, the round goes row by row, which is exact. A batch of one clean round is one
   * statement, one round trip.
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
    const size = Math.max(1, Math.min(1000, Math.floor(60_000 / table.columns.length)));
    const rounds = planRounds(table, rows, pending).flatMap((round) => chunk(round, size));
    let firstError: unknown;
    const only = rounds[0];
    if (!this.#conn && rounds.length === 1 && only) {
      try {
        await this.#insertMany(table, rows, only);
        for (const i of only) out[i] = { ok: true };
        return out;
      } catch (err) {
        if (!rowFailure(table, err)) throw err;
        firstError = err;
      }
    }
    const run = async (conn: MysqlConnection) => {
      for (const [n, round] of rounds.entries()) {
        await conn.#insertRound(table, rows, round, out, n === 0 ? firstError : undefined);
      }
    };
    if (this.#conn) await run(this);
    else await this.transaction((tx) => run(tx as MysqlConnection));
    return out;
  }

  async #insertMany(table: TableDef, rows: readonly Row[], indices: readonly number[]): Promise<void> {
    const row = `(${table.columns.map(() => '?').join(', ')})`;
    const values: SqlValue[] = [];
    for (const i of indices)
      for (const c of table.columns) values.push(encodeValue(c, (rows[i] as Row)[c.name]));
    await this.#run(
      `INSERT INTO ${table.name} (${table.columns.map((c) => c.name).join(', ')}) VALUES ${indices.map(() => row).join(', ')}`,
      values,
    );
  }

  /** One round inside the transaction; `knownError` is how the same statement already failed. */
  async #insertRound(
    table: TableDef,
    rows: readonly Row[],
    round: number[],
    out: RowWrite[],
    knownError: unknown,
  ): Promise<void> {
    let remaining = round;
    let error = knownError;
    if (error === undefined) {
      try {
        await this.#insertMany(table, rows, remaining);
        for (const i of remaining) out[i] = { ok: true };
        return;
      } catch (err) {
        if (!rowFailure(table, err)) throw err;
        error = err;
      }
    }
    if (isDuplicate(error)) {
      const taken = await conflictColumns(this, table, rows, remaining);
      if (taken.size > 0) {
        for (const [i, column] of taken) out[i] = { ok: false, violation: 'unique', column };
        remaining = remaining.filter((i) => !taken.has(i));
        try {
          if (remaining.length > 0) await this.#insertMany(table, rows, remaining);
          for (const i of remaining) out[i] = { ok: true };
          return;
        } catch (err) {
          if (!rowFailure(table, err)) throw err;
        }
      }
    }
    for (const i of remaining) {
      try {
        await this.#insertMany(table, rows, [i]);
        out[i] = { ok: true };
      } catch (err) {
        const failure = rowFailure(table, err);
        if (!failure) throw err;
        out[i] = failure;
      }
    }
  }

  /**
   * Asks for the input values (by position) that have a match, so the answer follows the
   * column's own collation (case- and accent-insensitive where it is). STRAIGHT_JOIN keeps the
   * plan one index lookup per value, whatever the table's size.
   */
  async existing(table: TableDef, column: string, values: readonly SqlValue[]): Promise<Set<string>> {
    const col = table.columns.find((c) => c.name === column);
    if (!col) throw new DistdbError('runtime', `table ${table.name} has no column ${column}`);
    const ci = col.caseInsensitive;
    const found = new Set<string>();
    for (const part of chunk(
      values.filter((v) => v !== null),
      EXISTING_CHUNK,
    )) {
      const inputs = part
        .map((_, n) => (n === 0 ? 'SELECT 0 AS n, ? AS x' : `SELECT ${n}, ?`))
        .join(' UNION ALL ');
      const rows = await this.query<{ n: number }>(
        `SELECT STRAIGHT_JOIN d.n FROM (${inputs}) AS d JOIN ${table.name} AS t ON t.${column} = d.x`,
        part.map((v) => encodeValue(col, v)),
      );
      for (const row of rows) found.add(keyOf(part[row.n] as SqlValue, ci));
    }
    return found;
  }

  decodeDecimal(value: SqlValue, scale: number): number {
    return decodeDecimalText(value, scale);
  }

  async truncate(table: string): Promise<number> {
    return (await this.execute(`DELETE FROM ${table}`)).changes;
  }

  /** Ends the pool; a transaction view does not own it, so closing one does nothing. */
  async close(): Promise<void> {
    if (this.#conn || this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
