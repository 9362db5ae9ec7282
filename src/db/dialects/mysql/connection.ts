import type { ConnectionOptions, FieldPacket, Pool, PoolConnection, ResultSetHeader } from 'mysql2/promise';
import mysql from 'mysql2/promise';
import type { ColumnDef, TableDef } from '../../../schema/tableDef.js';
import type { AnyKysely, ConnectOptions, Dialect, Row, RowWrite, SqlValue } from '../../dialect.js';
import type { DatabaseUrl } from '../../url.js';
import type { LockSession } from '../shared/lockSession.js';
import { probePool } from '../shared/server.js';
import { ServerConnection } from '../shared/serverConnection.js';
import { insertBatch } from './bulk.js';
import { explainMysql, MYSQL, mysqlConfig, mysqlPoolConfig, SQL_MODE } from './config.js';
import { quoteId } from './ident.js';
import { openMysqlLockSession, serverLockName } from './lockSession.js';
import { encodeMysql, fromMysqlDatetime } from './values.js';

export { mysqlConfig, mysqlPoolConfig } from './config.js';

type Runner = Pool | PoolConnection;

const DATETIME = 12;

/** DATETIME values of a result, the UTC wall time distdb stores, as UTC ISO text like the others. */
function isoDatetimes(rows: Row[], fields: readonly FieldPacket[]): void {
  const names = fields.filter((f) => f.columnType === DATETIME).map((f) => f.name);
  if (names.length === 0) return;
  for (const row of rows) {
    for (const name of names) {
      const v = row[name];
      if (typeof v === 'string') row[name] = fromMysqlDatetime(v);
    }
  }
}

function ignoreConnectionError(): void {}

/** A mysql2 pool, or a view of one checked-out connection inside `transaction()`. */
export class MysqlConnection extends ServerConnection<Pool, PoolConnection, unknown> {
  readonly #config: ConnectionOptions;
  #closed = false;

  private constructor(
    dialect: Dialect,
    url: DatabaseUrl,
    pool: Pool,
    config: ConnectionOptions,
    conn?: PoolConnection,
    depth = 0,
  ) {
    super(dialect, url, MYSQL, pool, conn, depth);
    this.#config = config;
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
    await probePool(url, pool, config.password, (err) => explainMysql(err, config));
    return new MysqlConnection(dialect, url, pool, mysqlConfig(url));
  }

  protected view(conn: PoolConnection, depth: number): MysqlConnection {
    return new MysqlConnection(this.dialect, this.url, this.pool, this.#config, conn, depth);
  }

  /** The first element of the driver's answer: rows, or a ResultSetHeader. */
  protected async send(
    conn: PoolConnection | undefined,
    sql: string,
    params: readonly unknown[],
  ): Promise<unknown> {
    const runner: Runner = conn ?? this.pool;
    const [result, fields] = await runner.query(sql, params as unknown[]);
    if (Array.isArray(result) && fields) isoDatetimes(result as Row[], fields);
    return result;
  }

  // A fatal connection error is also emitted as an event; the failing query rejects anyway.
  protected async checkOut(): Promise<PoolConnection> {
    const conn = await this.pool.getConnection();
    conn.on('error', ignoreConnectionError);
    return conn;
  }

  protected checkIn(conn: PoolConnection, broken: Error | undefined): void {
    conn.off('error', ignoreConnectionError);
    if (broken) conn.destroy();
    else conn.release();
  }

  protected get password(): string | undefined {
    return this.#config.password;
  }

  protected explainConnectFailure(err: unknown): string | undefined {
    return explainMysql(err, this.#config);
  }

  protected async makeKysely(client: PoolConnection | undefined, open: () => boolean): Promise<AnyKysely> {
    const { mysqlKysely } = await import('./kysely.js');
    return mysqlKysely(this.pool, client, open);
  }

  protected async endPool(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.pool.end();
  }

  /**
   * The server's free slots (Threads_connected counts every client, whatever this user may see
   * of the process list), and what is left of the account's limit: the session value of
   * max_user_connections is the account's MAX_USER_CONNECTIONS where one is set.
   */
  protected async freeConnections(): Promise<number> {
    const [status] = await this.query<{ Value: string }>("SHOW GLOBAL STATUS LIKE 'Threads_connected'");
    const [limits] = await this.query<{ max: number; perUser: number; mine: number }>(
      `SELECT @@max_connections AS max, @@max_user_connections AS perUser,
         (SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = SUBSTRING_INDEX(CURRENT_USER(), '@', 1)) AS mine`,
    );
    const server = Number(limits?.max ?? 0) - Number(status?.Value ?? 0);
    const perUser = Number(limits?.perUser ?? 0);
    return perUser > 0 ? Math.min(server, perUser - Number(limits?.mine ?? 0)) : server;
  }

  async integerRange(table: TableDef, column: string, low: number, high: number): Promise<number[]> {
    const key = quoteId(column);
    const rows = await this.query<{ v: SqlValue }>(
      `SELECT ${key} AS v FROM ${quoteId(table.name)} WHERE ${key} BETWEEN ? AND ?`,
      [low, high],
    );
    return rows.map((r) => Number(r.v));
  }

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const result = await this.run(sql, params);
    return Array.isArray(result) ? (result as T[]) : [];
  }

  async runCompiled(sql: string, params: readonly unknown[]): Promise<{ rows: Row[]; changes: number }> {
    const result = await this.run(sql, params);
    if (Array.isArray(result)) return { rows: result as Row[], changes: 0 };
    return { rows: [], changes: (result as ResultSetHeader).affectedRows };
  }

  encodeParam(column: ColumnDef, value: SqlValue): unknown {
    return encodeMysql(column, value);
  }

  async execute(
    sql: string,
    params: readonly SqlValue[] = [],
  ): Promise<{ changes: number; insertId?: number }> {
    const result = await this.run(sql, params);
    if (Array.isArray(result)) return { changes: 0 };
    const header = result as ResultSetHeader;
    return { changes: header.affectedRows, insertId: header.insertId ? Number(header.insertId) : undefined };
  }

  protected openLockSession(name: string): Promise<LockSession> {
    return openMysqlLockSession(this.#config, name);
  }

  async lockHeld(name: string): Promise<boolean> {
    const [row] = await this.query<{ holder: SqlValue }>('SELECT IS_USED_LOCK(?) AS holder', [
      serverLockName(this.#config, name),
    ]);
    return row?.holder !== null && row?.holder !== undefined;
  }

  insertBatch(table: TableDef, rows: readonly Row[]): Promise<RowWrite[]> {
    return insertBatch(this, this.client !== undefined, table, rows);
  }

  /**
   * Asks for the input values (by position) that have a match, so the answer follows the
   * column's own collation (case- and accent-insensitive where it is). STRAIGHT_JOIN keeps the
   * plan one index lookup per value, whatever the table's size.
   */
  protected existingLookup(table: TableDef, col: ColumnDef, lock: boolean) {
    return async (part: readonly SqlValue[]) => {
      const inputs = part
        .map((_, n) => (n === 0 ? 'SELECT 0 AS n, ? AS x' : `SELECT ${n}, ?`))
        .join(' UNION ALL ');
      const rows = await this.query<{ n: number }>(
        `SELECT STRAIGHT_JOIN d.n FROM (${inputs}) AS d JOIN ${quoteId(table.name)} AS t ON t.${quoteId(col.name)} = d.x${lock ? this.dialect.shareLock : ''}`,
        part.map((v) => encodeMysql(col, v)),
      );
      return rows.map((row) => row.n);
    };
  }
}
