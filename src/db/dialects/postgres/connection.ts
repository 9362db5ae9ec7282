import pg from 'pg';
import type { ColumnDef, TableDef } from '../../../schema/tableDef.js';
import type { AnyKysely, ConnectOptions, Dialect, Row, RowWrite, SqlValue } from '../../dialect.js';
import type { DatabaseUrl } from '../../url.js';
import type { LockSession } from '../shared/lockSession.js';
import { probePool } from '../shared/server.js';
import { ServerConnection } from '../shared/serverConnection.js';
import { encodeValue } from '../shared/values.js';
import { arrayLiteral } from './arrayLiteral.js';
import { insertBatch } from './bulk.js';
import {
  explainPostgres,
  FREE_CONNECTIONS,
  numberParams,
  POSTGRES,
  postgresConfig,
  timedClient,
} from './config.js';
import { quoteId } from './ident.js';
import { existingSql } from './insertSql.js';
import { HELD_LOCK_QUERY, heldLockKey, openPostgresLockSession } from './lockSession.js';
import { serialQuery } from './serial.js';

export { numberParams, postgresConfig } from './config.js';

interface Queryable {
  query(config: pg.QueryConfig): Promise<pg.QueryResult>;
}

function ignoreClientError(): void {}

/** A pg pool, or a view of one checked-out client inside `transaction()`. */
export class PostgresConnection extends ServerConnection<pg.Pool, pg.PoolClient, pg.QueryResult> {
  readonly #config: pg.PoolConfig;

  private constructor(
    dialect: Dialect,
    url: DatabaseUrl,
    pool: pg.Pool,
    config: pg.PoolConfig,
    client?: pg.PoolClient,
    depth = 0,
  ) {
    super(dialect, url, POSTGRES, pool, client, depth);
    this.#config = config;
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
    await probePool(url, pool, config.password as string | undefined, (err) => explainPostgres(err, config));
    return new PostgresConnection(dialect, url, pool, config);
  }

  protected view(client: pg.PoolClient, depth: number): PostgresConnection {
    return new PostgresConnection(this.dialect, this.url, this.pool, this.#config, client, depth);
  }

  /** SQL already numbered ($n); on a checked-out client (a transaction), one statement at a time. */
  protected send(
    client: pg.PoolClient | undefined,
    text: string,
    values: readonly unknown[],
  ): Promise<pg.QueryResult> {
    const query = { text, values: values as unknown[] };
    const pool: Queryable = this.pool;
    return client ? serialQuery(client, () => client.query(query)) : pool.query(query);
  }

  // pg-pool listens for a client's 'error' only while it is idle; a server going away while a
  // client is checked out would otherwise be an uncaught event (the query itself rejects).
  protected async checkOut(): Promise<pg.PoolClient> {
    const client = await this.pool.connect();
    client.on('error', ignoreClientError);
    return client;
  }

  protected checkIn(client: pg.PoolClient, broken: Error | undefined): void {
    client.off('error', ignoreClientError);
    client.release(broken);
  }

  protected get password(): string | undefined {
    return this.#config.password as string | undefined;
  }

  protected explainConnectFailure(err: unknown): string | undefined {
    return explainPostgres(err, this.#config);
  }

  protected async makeKysely(client: pg.PoolClient | undefined, open: () => boolean): Promise<AnyKysely> {
    const { postgresKysely } = await import('./kysely.js');
    return postgresKysely(this.pool, client, open);
  }

  protected async endPool(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }

  protected async freeConnections(): Promise<number> {
    const [row] = await this.query<{ n: number }>(FREE_CONNECTIONS);
    return Number(row?.n ?? 0);
  }

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return (await this.run(numberParams(sql), params)).rows as T[];
  }

  async runCompiled(sql: string, params: readonly unknown[]): Promise<{ rows: Row[]; changes: number }> {
    const r = await this.run(sql, params);
    return { rows: r.rows as Row[], changes: r.command === 'SELECT' ? 0 : (r.rowCount ?? 0) };
  }

  encodeParam(column: ColumnDef, value: SqlValue): unknown {
    return encodeValue(column, value);
  }

  async integerRange(table: TableDef, column: string, low: number, high: number): Promise<number[]> {
    // One text value per range instead of a row per id: parsing rows is what costs here.
    const key = quoteId(column);
    const r = await this.run(
      `SELECT string_agg(${key}::text, ',') AS ids FROM ${quoteId(table.name)} WHERE ${key} BETWEEN $1 AND $2`,
      [low, high],
    );
    const ids = (r.rows[0] as { ids: string | null } | undefined)?.ids;
    return ids ? ids.split(',').map(Number) : [];
  }

  async execute(
    sql: string,
    params: readonly SqlValue[] = [],
  ): Promise<{ changes: number; insertId?: number }> {
    return { changes: (await this.run(numberParams(sql), params)).rowCount ?? 0 };
  }

  protected openLockSession(name: string): Promise<LockSession> {
    return openPostgresLockSession(this.#config, name);
  }

  /** Looked up, not tried: trying would take the lock for a moment from whoever wants it. */
  async lockHeld(name: string): Promise<boolean> {
    return (await this.query(HELD_LOCK_QUERY, heldLockKey(name))).length > 0;
  }

  insertBatch(table: TableDef, rows: readonly Row[]): Promise<RowWrite[]> {
    return insertBatch(this, this.client !== undefined, table, rows);
  }

  /** See existingSql: one statement per chunk of values, answered by the server's comparison. */
  protected existingLookup(table: TableDef, col: ColumnDef, lock: boolean) {
    const sql = existingSql(table, col, lock);
    return async (part: readonly SqlValue[]) => {
      const r = await this.run(sql, [arrayLiteral(part.map((v) => encodeValue(col, v)))]);
      // WITH ORDINALITY counts from 1.
      return (r.rows as { n: number }[]).map((row) => row.n - 1);
    };
  }
}
